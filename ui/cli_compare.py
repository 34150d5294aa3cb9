"""`pccqa compare`, `compliance` and `similar`: forces side by side, section 55, peer practice."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Sequence
from typing import Any

import click

from ui import format as fmt
from ui.cli_common import (
    EXIT_PARTIAL,
    emit_json,
    friendly_errors,
    open_index,
    resolve_force,
    watching,
)

RECOMMENDATION_CHARS = 90
SIMILAR_SNIPPET_CHARS = 300


def _one_format(**chosen: bool) -> str:
    """The single output format asked for ('text' when none); two at once is a usage error."""
    picked = [name for name, on in chosen.items() if on]
    if len(picked) > 1:
        raise click.UsageError(f"choose one of {', '.join('--' + n for n in chosen)}")
    return picked[0] if picked else "text"


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def matrix_text(matrix: Any) -> str:
    """The status grid for a terminal; --markdown adds the quotes and their sources."""
    lines = [matrix.inspection, ""]
    lines += [
        f"  {r.key}  [{r.addressee}] {_short(r.text, RECOMMENDATION_CHARS)}"
        for r in matrix.recommendations
    ]
    keys = [r.key for r in matrix.recommendations]
    rows = [("force", *keys)]
    rows += [(force, *(matrix.cell(force, key).status for key in keys)) for force in matrix.forces]
    return "\n".join([*lines, "", fmt.table(rows)])


def compliance_text(rows: Sequence[Any]) -> str:
    """One line per response: dates, days, the 56-day flag and recommendations answered."""
    table = [("force", "published", "response", "days", "flag", "answered", "inspection")]
    for row in rows:
        answered = f"{row.answered}/{row.recommendations_to_forces}"
        if row.unanswered:
            answered += f" (not: {', '.join(row.unanswered)})"
        table.append(
            (
                row.force,
                row.published.isoformat() if row.published else "unknown",
                row.response_date.isoformat() if row.response_date else "unknown",
                "" if row.days is None else str(row.days),
                row.flag,
                answered if row.recommendations_to_forces else "–",
                _short(row.inspection or "unknown", 60),
            )
        )
    return fmt.table(table)


@click.command()
@click.option("--inspection", help="Only the inspection whose title contains this.")
@click.option("--json", "as_json", is_flag=True, help="Print the matrices as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="One CSV row per force and recommendation.")
@click.option(
    "--markdown",
    "as_markdown",
    is_flag=True,
    help="Tables with each cell's quote and numbered sources.",
)
@friendly_errors
def compare(inspection: str | None, as_json: bool, as_csv: bool, as_markdown: bool) -> None:
    """Each force's status on each recommendation of an inspection, with cited evidence."""
    from qa.align import group_by_inspection
    from qa.chain import QAEngine
    from qa.compare import compare_responses

    output = _one_format(json=as_json, csv=as_csv, markdown=as_markdown)
    with open_index(progress=watching(as_json)) as index:
        engine = QAEngine(index)
        matrices = compare_responses(engine, inspection)
        titles = [g.title for g in group_by_inspection(engine.documents)]
    if inspection and not matrices:
        known = "; ".join(f"'{t}'" for t in titles) or "none: the corpus names no inspection"
        raise click.BadParameter(
            f"no inspection matches '{inspection}'; known: {known}", param_hint="--inspection"
        )
    if output == "json":
        emit_json([m.to_dict() for m in matrices])
    elif output == "csv":
        parts = [m.to_csv() for m in matrices]
        click.echo("".join(parts[:1] + [p.split("\n", 1)[1] for p in parts[1:]]), nl=False)
    elif output == "markdown":
        click.echo("\n".join(m.to_markdown() for m in matrices), nl=False)
    else:
        click.echo("\n\n".join(matrix_text(m) for m in matrices))
    if not matrices:
        click.echo("No response in the corpus names an inspection.", err=True)
        sys.exit(EXIT_PARTIAL)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the table as CSV.")
@friendly_errors
def compliance(as_json: bool, as_csv: bool) -> None:
    """Section 55: days from publication to each response, and recommendations answered."""
    import csv

    from qa.chain import QAEngine
    from qa.compliance import ComplianceRow, compliance_report

    output = _one_format(json=as_json, csv=as_csv)
    with open_index(progress=watching(as_json)) as index:
        rows = compliance_report(QAEngine(index))
    if output == "json":
        emit_json([r.to_dict() for r in rows])
    elif output == "csv":
        writer = csv.DictWriter(
            sys.stdout, fieldnames=list(ComplianceRow.__dataclass_fields__), lineterminator="\n"
        )
        writer.writeheader()
        for row in rows:
            writer.writerow({**row.to_dict(), "unanswered": " ".join(row.unanswered)})
    else:
        click.echo(compliance_text(rows) if rows else "No responses in the corpus.")


@click.command()
@click.argument("text")
@click.option("--force", "exclude", help="Leave out this force (the one whose passage it is).")
@click.option("-k", "k", type=click.IntRange(1, 50), default=5, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the passages as JSON.")
@friendly_errors
def similar(text: str, exclude: str | None, k: int, as_json: bool) -> None:
    """Peer practice: the passages of other forces most like TEXT, each force's best first."""
    from qa.compare import similar_passages

    force = resolve_force(exclude) if exclude else None
    with open_index(progress=watching(as_json)) as index:
        hits = similar_passages(index, text, exclude_force=force, k=k)
        passages = index.store.passages(h.chunk.chunk_id for h in hits)
    if as_json:
        emit_json([{**h.to_dict(), "passage": passages.get(h.chunk.chunk_id, "")} for h in hits])
        return
    if not hits:
        click.echo("No passages from other forces found.")
        return
    for rank, hit in enumerate(hits, 1):
        snippet = _short(passages.get(hit.chunk.chunk_id, hit.chunk.text), SIMILAR_SNIPPET_CHARS)
        click.echo(f"{rank}. {fmt.hit_heading(hit)}  (similarity {hit.dense_score or 0:.2f})")
        click.echo(textwrap.indent(textwrap.fill(snippet, 96), "   ") + "\n")
