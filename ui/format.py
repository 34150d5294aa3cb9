"""Plain-text renderings shared by the CLI and the web UI."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

from index.types import Hit
from ingest.types import Document

SNIPPET_CHARS = 240
MAX_QUESTION_CHARS = 1000  # a question, not a document: longer text is refused, never truncated
INSPECTION_CHARS = 48


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def question_problem(question: str) -> str | None:
    """Why a question cannot be asked (empty, or pasted text far longer than a question)."""
    text = (question or "").strip()
    if not text:
        return "Type a question first."
    if len(text) > MAX_QUESTION_CHARS:
        return (
            f"That question is {len(text):,} characters long; ask in at most "
            f"{MAX_QUESTION_CHARS:,} (one question at a time, e.g. 'Which forces use tuServ?')."
        )
    return None


def ingest_report(report: Any, sync: Any) -> str:
    """Summary line, then one line per failed file with its reason."""
    data = report.to_dict()
    lines = [
        f"{data['added']} added, {data['updated']} updated, {data['unchanged']} unchanged, "
        f"{data['removed']} removed, {data['failed']} failed; "
        f"{data['documents']} documents, {data['chunks']} chunks in the corpus.",
        f"Index: {sync.vectors} vectors ({sync.added} added, {sync.removed} removed, "
        f"{sync.embedded} texts embedded, {sync.cached} from cache, the added chunks' "
        f"{sync.sentences} sentences included) with {sync.model}.",
    ]
    for outcome in report.files:
        if outcome.duplicate_of:
            lines.append(f"  duplicate: {outcome.path} repeats document {outcome.duplicate_of}")
    for outcome in report.failed:
        lines.append(f"  FAILED {outcome.path}: {outcome.reason}")
    return "\n".join(lines)


def documents_table(documents: Sequence[Document]) -> str:
    """One row per document: force, inspection (one name for each), dates, days, within 56 days,
    form, signatory, file."""
    from ingest.metadata import canonical_inspections

    if not documents:
        return "No documents in the corpus yet: run `pccqa ingest PATH`."
    names = canonical_inspections(d.metadata.inspection or "" for d in documents)
    header = (
        "force", "inspection", "published", "response", "days", "in 56d", "form", "signatory",
        "file",
    )  # fmt: skip
    rows = [header]
    for doc in documents:
        meta = doc.metadata
        inspection = names.get(meta.inspection or "", "unknown")
        rows.append(
            (
                meta.force or "unknown",
                _short(inspection, INSPECTION_CHARS),
                meta.published.isoformat() if meta.published else "unknown",
                meta.response_date.isoformat() if meta.response_date else "unknown",
                "" if meta.days_to_respond is None else str(meta.days_to_respond),
                _yes_no(meta.within_56_days),
                meta.form + (" (duplicate)" if doc.duplicate_of else ""),
                meta.signatory or "unknown",
                doc.file_name,
            )
        )
    return table(rows)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def table(rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns sized to their widest cell."""
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def hit_heading(hit: Hit) -> str:
    chunk = hit.chunk
    parts = [chunk.force or "Unknown force", chunk.file_name]
    if chunk.section:
        parts.append(chunk.section)
    if chunk.page is not None:
        parts.append(f"p. {chunk.page}")
    return " · ".join(parts)


def hits_table(hits: Sequence[Hit]) -> str:
    if not hits:
        return "No passages found."
    blocks = []
    for rank, hit in enumerate(hits, 1):
        snippet = " ".join(hit.chunk.text.split())
        if len(snippet) > SNIPPET_CHARS:
            snippet = snippet[: SNIPPET_CHARS - 1].rsplit(" ", 1)[0] + "…"
        blocks.append(
            f"{rank}. {hit_heading(hit)}  (score {hit.score:.4f})\n"
            + textwrap.indent(textwrap.fill(snippet, 96), "   ")
        )
    return "\n\n".join(blocks)


def answer_text(answer: Any) -> str:
    """The answer, its numbered sources, and any warnings, for a terminal."""
    lines = [answer.text.replace("**", "")]
    if answer.searched_for:
        lines.insert(0, f"Searched for: {answer.searched_for}\n")
    if answer.citations or answer.related:
        lines.append("\nSources:")
        for citation in (*answer.citations, *answer.related):
            lines.append(
                f"  [{citation.number}] {citation.label} ({citation.file_name}, "
                f"chars {citation.char_start}-{citation.char_end})"
            )
    for warning in answer.warnings:
        lines.append(f"\nWarning: {warning}")
    lines.append(f"\n({answer.elapsed_ms:.0f} ms)")
    return "\n".join(lines)
