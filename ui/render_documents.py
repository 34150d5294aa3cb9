"""HTML for documents, the Documents table, comparisons and upload reports; text escaped here."""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape
from itertools import pairwise
from typing import Any

from ingest.types import Document
from ui.render import notice, plain, plural

DOCUMENT_COLUMNS = (
    "Force", "Inspection", "HMICFRS published", "Response date", "Days taken", "Within 56 days",
    "Form", "Signatory", "Compliance", "File",
)  # fmt: skip
FILE_COLUMN = DOCUMENT_COLUMNS.index("File")


# Documents -------------------------------------------------------------------------------------


def document_html(
    document: Document,
    start: int | None = None,
    end: int | None = None,
    quote: str = "",
    back: str = "",
) -> str:
    """The whole document, its cited passage shaded and the exact quote marked (id pq-cited).

    `back` names the card the reader came from, for a "Back to source" button.
    """
    meta = document.metadata
    cited_page = document.page_at(start) if start is not None else None
    facts = [
        ("Force", meta.force or "unknown"),
        ("Inspection", meta.inspection or "unknown"),
        ("Response date", meta.response_date.isoformat() if meta.response_date else "unknown"),
        ("Signatory", meta.signatory or "unknown"),
        ("File", document.file_name),
    ]
    if document.pages:
        facts.append(("Pages", str(len(document.pages))))
    if cited_page is not None:
        facts.append(("Cited page", f"{cited_page} of {len(document.pages)}"))
    spans = _spans(document.text, start, end, quote)
    if document.pages:
        body = "".join(
            f'<section class="pq-page{" pq-cited-page" if page.number == cited_page else ""}">'
            f'<h4>Page {page.number}</h4><div class="pq-text">'
            f"{_render_range(document.text, page.start, page.end, spans)}</div></section>"
            for page in document.pages
        )
    else:
        body = (
            '<div class="pq-text">'
            f"{_render_range(document.text, 0, len(document.text), spans)}</div>"
        )
    dl = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    title = f"{meta.force or 'Unknown force'} response"
    back_button = (
        f'<button type="button" class="pq-back" data-action="back" data-ref="{escape(back)}">'
        "↑ Back to the source list</button>"
        if back
        else ""
    )
    return (
        f'<section class="pq-document" data-doc="{escape(document.doc_id)}">'
        f"<h3>{escape(title)}</h3>{back_button}<dl>{dl}</dl>"
        f'<div class="pq-doc-body" tabindex="0" aria-label="Text of the {escape(title)}">'
        f"{body}</div></section>"
    )


def _spans(text: str, start: int | None, end: int | None, quote: str) -> list[tuple[int, int, str]]:
    """The cited passage and, inside it, the exact quote, as (start, end, class) spans."""
    if start is None or end is None:
        return []
    spans = [(start, end, "pq-span")]
    at = text.find(quote, start, end) if quote else -1
    if at >= 0:
        spans.append((at, at + len(quote), "pq-quote"))
    return spans


def _render_range(text: str, lo: int, hi: int, spans: list[tuple[int, int, str]]) -> str:
    """Escaped text[lo:hi] with the spans in it wrapped; the quote (else passage) gets an id."""
    target = next((s for s, _, cls in spans if cls == "pq-quote"), spans[0][0] if spans else None)
    cuts = sorted({lo, hi, *(max(lo, min(hi, p)) for s, e, _ in spans for p in (s, e))})
    out = []
    for a, b in pairwise(cuts):
        piece = escape(plain(text[a:b], keep_lines=True))
        inside = {cls for s, e, cls in spans if s <= a and b <= e}
        anchor = ' id="pq-cited"' if a == target else ""
        if "pq-quote" in inside:
            out.append(f'<mark class="pq-quote"{anchor}>{piece}</mark>')
        elif inside:
            out.append(f'<span class="pq-span"{anchor}>{piece}</span>')
        else:
            out.append(piece)
    return "".join(out)


def document_rows(
    documents: Iterable[Document],
    compliance: dict[str, str] | None = None,
    inspections: dict[str, str] | None = None,
) -> list[list[Any]]:
    """Rows for the Documents table, in DOCUMENT_COLUMNS order; inspections by canonical name."""
    compliance, inspections = compliance or {}, inspections or {}
    rows = []
    for doc in documents:
        meta = doc.metadata
        within = meta.within_56_days
        inspection = meta.inspection or "unknown"
        rows.append(
            [
                meta.force or "unknown",
                inspections.get(inspection, inspection),
                meta.published.isoformat() if meta.published else "",
                meta.response_date.isoformat() if meta.response_date else "",
                meta.days_to_respond,
                "unknown" if within is None else ("yes" if within else "no"),
                meta.form + (" (duplicate)" if doc.duplicate_of else ""),
                meta.signatory or "",
                compliance.get(doc.file_name, ""),
                doc.file_name,
            ]
        )
    return rows


def compliance_text(row: Any) -> str:
    """One cell summarising a ComplianceRow: its flag, and the recommendations left unanswered."""
    unanswered = ", ".join(str(u) for u in row.unanswered or ())
    return "; ".join(p for p in (row.flag, unanswered and f"unanswered: {unanswered}") if p)


# Ingest, comparison ------------------------------------------------------------------------------


def ingest_report_html(report: Any, sync: Any | None) -> str:
    """The upload's outcome: counts, then every failed file by name with its reason."""
    data = report.to_dict()
    summary = (
        f"{data['added']} added, {data['updated']} updated, {data['unchanged']} unchanged, "
        f"{data['failed']} failed. The corpus now holds {plural(data['documents'], 'document')}."
    )
    kind = "warning" if report.failed else "info"
    parts = [notice(summary, kind)]
    if report.failed:
        items = "".join(
            f"<li><strong>{escape(o.path.replace(chr(92), '/').rsplit('/', 1)[-1])}</strong>: "
            f"{escape(o.reason)}</li>"
            for o in report.failed
        )
        parts.append(f'<div class="pq-failed"><h4>Files that failed</h4><ul>{items}</ul></div>')
    added = [o for o in report.files if o.status in ("added", "updated")]
    if added:
        items = "".join(
            f"<li><strong>{escape(o.path.replace(chr(92), '/').rsplit('/', 1)[-1])}</strong>: "
            f"{escape(o.force or 'force not recognised')}"
            f"{' (repeats an existing document)' if o.duplicate_of else ''}</li>"
            for o in added
        )
        parts.append(f"<div><h4>Now searchable</h4><ul>{items}</ul></div>")
    return "".join(parts)


def matrix_html(matrix: Any, index: int) -> str:
    """A recommendations × forces table of statuses; each cited cell opens or finds similar."""
    head = "".join(f'<th scope="col">{escape(force)}</th>' for force in matrix.forces)
    body = []
    for rec in matrix.recommendations:
        cells = "".join(_matrix_cell(matrix.cell(force, rec.key), index, force, rec.key)
                        for force in matrix.forces)  # fmt: skip
        body.append(
            f'<tr><th scope="row"><span class="pq-key">{escape(rec.key)}</span> '
            f"{escape(plain(rec.text))}</th>{cells}</tr>"
        )
    return (
        f'<section class="pq-matrix"><h3>{escape(matrix.inspection)}</h3>'
        f'<div class="pq-table-wrap" tabindex="0" role="region" '
        f'aria-label="Comparison table, scrolls sideways"><table>'
        f'<thead><tr><th scope="col">Recommendation</th>{head}</tr>'
        f"</thead><tbody>{''.join(body)}</tbody></table></div></section>"
    )


def _matrix_cell(cell: Any, index: int, force: str, key: str) -> str:
    """Status, its quote (marked when said of all recommendations), this one's own sentence."""
    status = str(cell.status or "unknown")
    slug = re.sub(r"[^a-z]+", "-", status.lower()).strip("-")
    ref = f"m{index}|{force}|{key}"
    parts = [f'<td><span class="pq-status pq-status-{slug}">{escape(status)}</span>']
    if cell.excerpt:
        parts.append(f'<div class="pq-excerpt">{escape(plain(cell.excerpt))}</div>')
    if getattr(cell, "collective", False):
        parts.append('<div class="pq-scope">said of all the recommendations together</div>')
    if cell.citation:
        parts.append(_cell_buttons(ref))
    if detail := getattr(cell, "detail", None):
        parts.append(
            f'<div class="pq-excerpt"><strong>On this one:</strong> “{escape(plain(detail.quote))}”'
            f"</div>{_cell_buttons(ref + '|detail')}"
        )
    return "".join(parts) + "</td>"


def _cell_buttons(ref: str) -> str:
    return (
        f'<div class="pq-actions"><button type="button" data-action="open" '
        f'data-ref="{escape(ref)}">Open</button><button type="button" data-action="similar" '
        f'data-ref="{escape(ref)}">Similar</button></div>'
    )
