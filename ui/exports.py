"""Downloads: the evidence table, comparisons and reviews as CSV, XLSX and JSONL files.

Every export carries what produced it (question, filters) so a file read weeks later still says
what it answers; cells a spreadsheet would run as a formula are defused.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ingest.types import Document
from qa.types import Answer, Citation

EVIDENCE_COLUMNS = (
    "question", "filters", "number", "force", "finding", "document", "section", "page",
    "char_start", "char_end", "quote", "response_date",
)  # fmt: skip
CITED = "cited evidence"
RELATED = "possibly relevant, not confirmed"
NO_EVIDENCE = "no evidence found"
WIDE_COLUMNS = ("quote", "answer", "question", "recommendation_text", "excerpt", "note")
SLUG_WORDS = 8
# Spreadsheet programs run a cell that starts like this as a formula (CSV injection).
_FORMULA_START = re.compile(r"^(?:[=+@\t\r]|-\S)")
_SLUG_WORD = re.compile(r"[a-z0-9]+")


def file_stem(prefix: str, text: str = "") -> str:
    """'evidence-which-forces-use-tuserv-for' : a download named after what it holds."""
    words = _SLUG_WORD.findall(text.lower())[:SLUG_WORDS]
    return "-".join([prefix, *words])


def evidence_rows(answer: Answer, documents: dict[str, Document]) -> list[dict[str, Any]]:
    """One row per citation, per possibly relevant passage, and per force with no evidence."""
    common = {"question": answer.question, "filters": answer.filters}
    rows = [_evidence_row(common, c, CITED, documents) for c in answer.citations]
    rows += [_evidence_row(common, c, RELATED, documents) for c in answer.related]
    rows += [{**common, "force": force, "finding": NO_EVIDENCE} for force in _without(answer)]
    return rows


def _without(answer: Answer) -> list[str]:
    related = set(answer.related_forces) | {c.force for c in answer.related}
    return [f for f in answer.forces_without_evidence if f not in related]


def _evidence_row(
    common: dict[str, Any], citation: Citation, finding: str, documents: dict[str, Document]
) -> dict[str, Any]:
    document = documents.get(citation.doc_id)
    day = document.metadata.response_date if document else None
    return {
        **common,
        "number": citation.number,
        "force": citation.force or "",
        "finding": finding,
        "document": citation.file_name,
        "section": citation.section,
        "page": citation.page,
        "char_start": citation.char_start,
        "char_end": citation.char_end,
        "quote": citation.quote,
        "response_date": day.isoformat() if day else "",
    }


def write_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str], path: Path) -> Path:
    """UTF-8 CSV with a BOM so Excel reads accents; cells that look like formulas are defused."""
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_defuse(_cell(row.get(c))) for c in columns])
    return path


def write_xlsx(
    sheets: Sequence[tuple[str, Sequence[dict[str, Any]], Sequence[str]]], path: Path
) -> Path:
    """An XLSX workbook, one (title, rows, columns) per sheet; text is stored as text."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    book.remove(book.active)
    for title, rows, columns in sheets:
        sheet = book.create_sheet(_sheet_title(title, book.sheetnames))
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
            width = 60 if column in WIDE_COLUMNS else 16
            sheet.column_dimensions[sheet.cell(row=1, column=c).column_letter].width = width
        sheet.freeze_panes = "A2"
    book.save(path)
    return path


def _sheet_title(title: str, taken: Sequence[str]) -> str:
    """Excel's sheet names: at most 31 characters, none of []:*?/\\, unique in the book."""
    base = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:28] or "Sheet"
    name, n = base, 2
    while name in taken:
        name, n = f"{base} {n}", n + 1
    return name


def write_jsonl(rows: Iterable[dict[str, Any]], path: Path) -> Path:
    """One JSON object per line, UTF-8, for scripts."""
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    return path


def csv_rows(text: str) -> list[dict[str, str]]:
    """Rows of a CSV string (as `ComparisonMatrix.to_csv` writes it) for the XLSX export."""
    return list(csv.DictReader(text.splitlines()))


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def _defuse(value: Any) -> Any:
    return f"'{value}" if isinstance(value, str) and _FORMULA_START.match(value) else value
