"""DOCX: paragraphs and tables in body order, after the package is checked for zip bombs."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.errors import CorruptDocument, ResourceLimit
from ingest.text import LIST_PREFIX, TABLE_CELL_SEPARATOR, WHITESPACE, join_blocks
from ingest.types import LoadedText

if TYPE_CHECKING:
    from docx.table import Table
    from docx.text.paragraph import Paragraph
    from lxml.etree import _Element

MAX_UNZIPPED_BYTES = 512 * 2**20  # a DOCX's members together, decompressed
MAX_ZIP_MEMBERS = 10_000
MAX_ZIP_RATIO = 100  # Word XML deflates about 10:1; a large member far past that is a bomb
ZIP_RATIO_FLOOR = 2**20  # members smaller than this may compress by any ratio

_DOCX_HEADING_STYLE = re.compile(r"^(?:heading\s*(\d+)|title)$", re.IGNORECASE)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def load_docx(path: Path) -> LoadedText:
    """Paragraphs and tables in body order, so a response's table sits between its paragraphs."""
    from docx import Document as open_docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    with path.open("rb") as handle:
        is_ole = handle.read(len(_OLE_MAGIC)) == _OLE_MAGIC
    if is_ole:
        raise CorruptDocument(
            f"{path.name} is a legacy .doc or password-protected Word file, not a .docx; "
            "save it as an unprotected .docx"
        )
    check_zip(path)
    try:
        document = open_docx(str(path))
    # python-docx surfaces zip, XML and package errors as unrelated types; all mean corrupt.
    except Exception as error:
        raise CorruptDocument(f"{path.name} is not a readable DOCX ({error})") from error
    blocks: list[tuple[str, int]] = []
    for element in _docx_body_elements(document.element.body):
        if element.tag.endswith("}tbl"):
            blocks.append((_docx_table_text(Table(element, document)), 0))
        else:
            blocks.append(_docx_paragraph(Paragraph(element, document)))
    return join_blocks(blocks)


def check_zip(path: Path) -> None:
    """Refuse a zip bomb from its directory alone, before a byte is decompressed.

    zipfile never inflates a member past the size its directory declares (a lie fails the CRC
    check), so the declared sizes bound what reading the package can cost.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise CorruptDocument(f"{path.name} is not a readable DOCX ({error})") from error
    if len(members) > MAX_ZIP_MEMBERS:
        raise ResourceLimit(
            f"{path.name} holds {len(members):,} files, over the {MAX_ZIP_MEMBERS:,} limit: refused"
        )
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > ZIP_RATIO_FLOOR and ratio > MAX_ZIP_RATIO:
            raise ResourceLimit(
                f"{path.name}: {member.filename} expands to {_bytes(member.file_size)} "
                f"uncompressed ({ratio:,.0f} times its compressed size): refused"
            )
    if total > MAX_UNZIPPED_BYTES:
        raise ResourceLimit(
            f"{path.name} expands to {_bytes(total)} uncompressed, over the "
            f"{_bytes(MAX_UNZIPPED_BYTES)} limit: refused"
        )


def _bytes(size: int) -> str:
    return f"{size / 2**30:.1f} GB" if size >= 2**30 else f"{size / 2**20:.0f} MB"


def _docx_body_elements(parent: _Element) -> Iterator[_Element]:
    """Body-level paragraphs and tables, looking inside content controls (w:sdt) as Word does."""
    for child in parent.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag in ("p", "tbl"):
            yield child
        elif tag == "sdt":
            for content in child.iterchildren():
                if content.tag.endswith("}sdtContent"):
                    yield from _docx_body_elements(content)


def _docx_paragraph(paragraph: Paragraph) -> tuple[str, int]:
    """A paragraph's text and heading level (0 for body text); list items get a bullet."""
    text = paragraph.text.strip()
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    heading = _DOCX_HEADING_STYLE.match(style)
    if heading:
        return text, int(heading.group(1) or 1)
    properties = paragraph._p.pPr
    numbered = properties is not None and properties.numPr is not None
    if text and ("List" in style or numbered):
        return LIST_PREFIX + text, 0
    return text, 0


def _docx_table_text(table: Table) -> str:
    """One line per row, cells joined by ' | ', merged cells written once."""
    lines = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                cells.append(WHITESPACE.sub(" ", cell.text).strip())
        if any(cells):
            lines.append(TABLE_CELL_SEPARATOR.join(cells))
    return "\n".join(lines)
