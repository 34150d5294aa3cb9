"""HTML and table rows for the Review tab; every piece of stored text is escaped here."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from ui.review import ANONYMOUS, ANSWER_VERDICTS

SAMPLE_HEADERS = ("Answer id", "Asked at", "Kind", "Question", "Forces", "Sources", "Verdicts")
ID_COLUMN = 0


def sample_rows(
    answers: Sequence[dict[str, Any]], reviews: dict[tuple[str, str], dict[str, Any]]
) -> list[list[Any]]:
    """One row per sampled answer, with the verdicts reviewers have given it so far."""
    rows = []
    for answer in answers:
        given = [
            f"{r['verdict']} ({r['reviewer']})" if r["reviewer"] != ANONYMOUS else r["verdict"]
            for (answer_id, _), r in reviews.items()
            if answer_id == answer["answer_id"] and r.get("verdict")
        ]
        rows.append(
            [
                answer["answer_id"],
                (answer.get("asked_at") or "")[:16].replace("T", " "),
                answer.get("kind", ""),
                answer["question"],
                ", ".join(answer.get("forces", ())),
                len(answer.get("citations", ())),
                "; ".join(given) or "not reviewed",
            ]
        )
    return rows


def record_header(record: dict[str, Any]) -> str:
    """Which answer this is: when it was asked, its kind, its filters."""
    filters = {k: v for k, v in (record.get("filters") or {}).items() if v}
    parts = [f"Answer {record['answer_id']}", f"asked {record.get('asked_at', '')}"]
    parts.append(f"kind: {record.get('kind', 'unknown')}")
    if filters:
        parts.append("filters: " + "; ".join(f"{k} {v}" for k, v in filters.items()))
    return f'<p class="pq-meta pq-record">{escape(" · ".join(parts))}</p>'


def _table(caption: str, head: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    th = "".join(f'<th scope="col">{escape(h)}</th>' for h in head)
    body = "".join(
        "<tr>"
        + "".join(
            f'<th scope="row">{escape(str(c))}</th>' if i == 0 else f"<td>{escape(str(c))}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return (
        f'<div class="pq-table-wrap" tabindex="0" role="region" aria-label="{escape(caption)}">'
        f'<table class="pq-stats"><caption>{escape(caption)}</caption>'
        f"<thead><tr>{th}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def stats_html(stats: dict[str, Any]) -> str:
    """The evaluator's report: verdict counts and rates, by kind, per claim, and agreement."""
    agreed, double, agreement = stats["agreement"]
    summary = (
        f"{stats['answers']} answers recorded, {stats['reviewed']} reviewed "
        f"({stats['reviews']} reviews). Agreement where two or more reviewers rated the same "
        f"answer: {agreed} of {double} ({agreement})."
    )
    verdicts = [(v, n, rate) for v, (n, rate) in stats["verdicts"].items()]
    kinds = [
        (kind, *(row[v] for v in ANSWER_VERDICTS), row["error rate"])
        for kind, row in stats["by_kind"].items()
    ]
    claims = [(v, n, rate) for v, (n, rate) in stats["citations"].items()]
    return (
        f'<section class="pq-review-stats" aria-label="Review results"><h3>Results</h3>'
        f"<p>{escape(summary)}</p>"
        + _table("Answers by verdict", ("Verdict", "Answers", "Rate"), verdicts)
        + _table("By question kind", ("Kind", *ANSWER_VERDICTS, "Error rate (wrong)"), kinds)
        + _table("Citations (claims) by verdict", ("Verdict", "Citations", "Rate"), claims)
        + "</section>"
    )
