"""HTML, CSV and XLSX renderings for the web UI; every piece of document text is escaped here.

Pure functions over our own types, so they are tested without Gradio. Buttons carry
`data-action` and `data-ref` attributes; the web layer turns a click on one into an event.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from html import escape
from itertools import pairwise
from pathlib import Path
from typing import Any

from index.types import Hit
from ingest.types import Document
from qa.types import Answer, Citation

EVIDENCE_COLUMNS = ("number", "force", "document", "section", "page", "quote", "date")
RATING_COLUMNS = tuple(
    "rating_id rated_at verdict note question filters answer citations configuration".split()
)
DOCUMENT_COLUMNS = (
    "Force", "Inspection", "HMICFRS published", "Response date", "Days taken", "Within 56 days",
    "Form", "Signatory", "Compliance", "File",
)  # fmt: skip
FILE_COLUMN = DOCUMENT_COLUMNS.index("File")
SNIPPET_CHARS = 320
SECTION_CHARS = 80
# Spreadsheet programs run a cell that starts like this as a formula (CSV injection).
_FORMULA_START = re.compile(r"^(?:[=+@\t\r]|-\S)")
_CITE_MARK = re.compile(r"\[(\d+)\]")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_NEAREST_LIST = "\n\nNearest passages"


def shorten(text: str, limit: int) -> str:
    """Whitespace collapsed, cut at a word boundary with an ellipsis when over `limit`."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def notice(text: str, kind: str = "info") -> str:
    """A short message box: info, warning or error."""
    return f'<div class="pq-notice pq-{escape(kind)}">{escape(text)}</div>'


# Answers ---------------------------------------------------------------------------------------


def answer_html(answer: Answer) -> str:
    """The answer's prose with [n] markers as links to its source cards, timing and warnings."""
    text = answer.text.split(_NEAREST_LIST, 1)[0] if answer.abstained else answer.text
    state = "abstained" if answer.abstained else "found"
    title = "Nothing found" if answer.abstained else "Answer"
    seconds = answer.elapsed_ms / 1000
    meta = f"Answered in {seconds:.1f} s"
    if answer.citations:
        meta += f" · {len(answer.citations)} source{'s' if len(answer.citations) != 1 else ''}"
    parts = [
        f'<section class="pq-answer pq-{state}" data-state="{state}">',
        f'<header><h3>{title}</h3><span class="pq-meta">{escape(meta)}</span></header>',
        _prose(text),
    ]
    parts.extend(f'<p class="pq-warning">Warning: {escape(w)}</p>' for w in answer.warnings)
    parts.append("</section>")
    return "".join(parts)


def _prose(text: str) -> str:
    """The composer's small markdown (paragraphs, '- ' bullets, **bold**, [n]) as safe HTML."""
    blocks = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line for line in block.splitlines() if line.strip()]
        if lines and all(line.lstrip().startswith("- ") for line in lines):
            items = "".join(f"<li>{_inline(line.lstrip()[2:])}</li>" for line in lines)
            blocks.append(f"<ul>{items}</ul>")
        elif lines:
            blocks.append("<p>" + "<br>".join(_inline(line) for line in lines) + "</p>")
    return "".join(blocks)


def _inline(line: str) -> str:
    safe = _BOLD.sub(r"<strong>\1</strong>", escape(line))
    return _CITE_MARK.sub(r'<a class="pq-cite" href="#pq-source-\1">[\1]</a>', safe)


def sources_html(answer: Answer) -> str:
    """One card per citation, or the nearest passages, clearly labelled as not an answer."""
    if answer.citations:
        cards = "".join(source_card(c, f"c{c.number}") for c in answer.citations)
        return f'<section class="pq-sources"><h3>Sources</h3>{cards}</section>'
    if answer.nearest:
        cards = "".join(source_card(c, f"n{c.number}", nearest=True) for c in answer.nearest)
        return (
            '<section class="pq-sources pq-nearest"><h3>Nearest passages — not an answer</h3>'
            "<p>No response answers the question. These are the closest passages, "
            f"shown so you can judge for yourself.</p>{cards}</section>"
        )
    return ""


def source_card(citation: Citation, ref: str, nearest: bool = False) -> str:
    """A citation's heading, its passage with the quote highlighted, and its two buttons."""
    passage = citation.passage or citation.quote
    label = "Nearest" if nearest else str(citation.number)
    return (
        f'<article class="pq-card" id="pq-source-{citation.number}" data-ref="{escape(ref)}">'
        f'<header><span class="pq-num">{escape(label)}</span>{_anchor(citation)}</header>'
        f'<blockquote class="pq-passage">{highlight(passage, citation.quote)}</blockquote>'
        '<div class="pq-actions">'
        f'<button type="button" data-action="open" data-ref="{escape(ref)}">'
        "Open in document</button>"
        f'<button type="button" data-action="similar" data-ref="{escape(ref)}">'
        "Similar in other forces</button></div></article>"
    )


def _anchor(citation: Citation) -> str:
    parts = [f"<strong>{escape(citation.force or 'Unknown force')}</strong>"]
    if citation.section:
        parts.append(escape(shorten(citation.section, SECTION_CHARS)))
    if citation.page is not None:
        parts.append(f"p. {citation.page}")
    parts.append(f'<span class="pq-file">{escape(citation.file_name)}</span>')
    return " · ".join(parts)


def highlight(text: str, quote: str) -> str:
    """Escaped text with the first occurrence of the quote in <mark>; all of it if not found."""
    at = text.find(quote) if quote else -1
    if at < 0:
        return escape(text)
    end = at + len(quote)
    return f"{escape(text[:at])}<mark>{escape(text[at:end])}</mark>{escape(text[end:])}"


def similar_html(hits: Sequence[Hit], source: str) -> str:
    """Passages from other forces like the one a person is reading, each openable."""
    if not hits:
        return notice(f"No similar passages in other forces' responses to {source}.")
    cards = []
    for i, hit in enumerate(hits, 1):
        chunk = hit.chunk
        snippet = shorten(chunk.text, SNIPPET_CHARS)
        heading = [f"<strong>{escape(chunk.force or 'Unknown force')}</strong>"]
        heading += [escape(shorten(chunk.section, SECTION_CHARS))] if chunk.section else []
        heading += [f"p. {chunk.page}"] if chunk.page is not None else []
        heading.append(f'<span class="pq-file">{escape(chunk.file_name)}</span>')
        cards.append(
            f'<article class="pq-card"><header><span class="pq-num">{i}</span>'
            f"{' · '.join(heading)}</header>"
            f'<blockquote class="pq-passage">{escape(snippet)}</blockquote>'
            f'<div class="pq-actions"><button type="button" data-action="open" '
            f'data-ref="s{i}">Open in document</button></div></article>'
        )
    return (
        f'<section class="pq-similar"><h3>Similar passages in other forces</h3>'
        f"<p>Passages most like {escape(source)}, from other forces' responses.</p>"
        f"{''.join(cards)}</section>"
    )


# Documents -------------------------------------------------------------------------------------


def document_html(
    document: Document, start: int | None = None, end: int | None = None, quote: str = ""
) -> str:
    """The whole document, its cited passage shaded and the exact quote marked (id pq-cited)."""
    meta = document.metadata
    cited_page = document.page_at(start) if start is not None else None
    facts = [
        ("Force", meta.force or "unknown"),
        ("Inspection", meta.inspection or "unknown"),
        ("Response date", meta.response_date.isoformat() if meta.response_date else "unknown"),
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
    return (
        f'<section class="pq-document" data-doc="{escape(document.doc_id)}">'
        f"<h3>{escape(title)}</h3><dl>{dl}</dl>"
        f'<div class="pq-doc-body">{body}</div></section>'
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
        piece = escape(text[a:b])
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
    documents: Iterable[Document], compliance: dict[str, str] | None = None
) -> list[list[Any]]:
    """Rows for the Documents table, in DOCUMENT_COLUMNS order."""
    compliance = compliance or {}
    rows = []
    for doc in documents:
        meta = doc.metadata
        within = meta.within_56_days
        rows.append(
            [
                meta.force or "unknown",
                meta.inspection or "unknown",
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


# Exports ---------------------------------------------------------------------------------------


def evidence_rows(answer: Answer, documents: dict[str, Document]) -> list[dict[str, Any]]:
    """One row per citation for an inspector's working papers; date is the response date."""
    rows = []
    for c in answer.citations:
        doc = documents.get(c.doc_id)
        day = doc.metadata.response_date if doc else None
        rows.append(
            {
                "number": c.number,
                "force": c.force or "",
                "document": c.file_name,
                "section": c.section,
                "page": "" if c.page is None else c.page,
                "quote": c.quote,
                "date": day.isoformat() if day else "",
            }
        )
    return rows


def write_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str], path: Path) -> Path:
    """UTF-8 CSV with a BOM so Excel reads accents; cells that look like formulas are defused."""
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_defuse(_cell(row.get(c))) for c in columns])
    return path


def write_xlsx(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], path: Path, title: str
) -> Path:
    """An XLSX sheet with a bold header; every text cell stored as text, never as a formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r, row in enumerate(rows, 2):
        for c, column in enumerate(columns, 1):
            value = _cell(row.get(column))
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for c, column in enumerate(columns, 1):
        width = 80 if column in ("quote", "answer") else 18
        sheet.column_dimensions[sheet.cell(row=1, column=c).column_letter].width = width
    sheet.freeze_panes = "A2"
    book.save(path)
    return path


def write_jsonl(rows: Iterable[dict[str, Any]], path: Path) -> Path:
    """One JSON object per line, UTF-8, for scripts."""
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    return path


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def _defuse(value: Any) -> Any:
    return f"'{value}" if isinstance(value, str) and _FORMULA_START.match(value) else value


# Ingest, ratings, comparison ---------------------------------------------------------------------


def ingest_report_html(report: Any, sync: Any | None) -> str:
    """The upload's outcome: counts, then every failed file by name with its reason."""
    data = report.to_dict()
    summary = (
        f"{data['added']} added, {data['updated']} updated, {data['unchanged']} unchanged, "
        f"{data['failed']} failed. The corpus now holds {data['documents']} documents."
    )
    kind = "warning" if report.failed else "info"
    parts = [notice(summary, kind)]
    if report.failed:
        items = "".join(
            f"<li><strong>{escape(Path(o.path).name)}</strong>: {escape(o.reason)}</li>"
            for o in report.failed
        )
        parts.append(f'<div class="pq-failed"><h4>Files that failed</h4><ul>{items}</ul></div>')
    added = [o for o in report.files if o.status in ("added", "updated")]
    if added:
        items = "".join(
            f"<li><strong>{escape(Path(o.path).name)}</strong>: "
            f"{escape(o.force or 'force not recognised')}"
            f"{' (repeats an existing document)' if o.duplicate_of else ''}</li>"
            for o in added
        )
        parts.append(f"<div><h4>Now searchable</h4><ul>{items}</ul></div>")
    return "".join(parts)


def rating_rows(ratings: Sequence[dict[str, Any]]) -> list[list[Any]]:
    """Rows for the Review table: when, verdict, note, question, the answer's first line."""
    return [
        [r["rated_at"], r["verdict"], r["note"], r["question"], r["answer"].split("\n", 1)[0]]
        for r in ratings
    ]


def matrix_html(matrix: Any, index: int) -> str:
    """A recommendations × forces table of statuses, each cell openable at its citation."""
    head = "".join(f"<th>{escape(force)}</th>" for force in matrix.forces)
    body = []
    for rec in matrix.recommendations:
        cells = []
        for force in matrix.forces:
            cell = matrix.cell(force, rec.key)
            status = str(cell.status or "unknown")
            slug = re.sub(r"[^a-z]+", "-", status.lower()).strip("-")
            excerpt = (
                f'<div class="pq-excerpt">{escape(cell.excerpt)}</div>' if cell.excerpt else ""
            )
            button = (
                f'<button type="button" data-action="open" '
                f'data-ref="m{index}|{escape(force)}|{escape(rec.key)}">Open</button>'
                if cell.citation
                else ""
            )
            cells.append(
                f'<td><span class="pq-status pq-status-{slug}">{escape(status)}</span>'
                f"{excerpt}{button}</td>"
            )
        body.append(
            f'<tr><th scope="row"><span class="pq-key">{escape(rec.key)}</span> '
            f"{escape(rec.text)}</th>{''.join(cells)}</tr>"
        )
    return (
        f'<section class="pq-matrix"><h3>{escape(matrix.inspection)}</h3>'
        f'<div class="pq-table-wrap"><table><thead><tr><th>Recommendation</th>{head}</tr>'
        f"</thead><tbody>{''.join(body)}</tbody></table></div></section>"
    )
