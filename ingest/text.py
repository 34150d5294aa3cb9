"""What every reader shares: decoding bytes as text, and blocks joined with their headings."""

from __future__ import annotations

import codecs
import re

from ingest.errors import UndecodableText
from ingest.types import Heading, LoadedText

BLOCK_SEPARATOR = "\n\n"
TABLE_CELL_SEPARATOR = " | "
LIST_PREFIX = "- "
MAX_TEXT_CHARS = 50_000_000  # extracted text of any file: a PDF's can far exceed its bytes
MAX_CONTROL_SHARE = 0.05  # more control characters than this and the "text" is binary

WHITESPACE = re.compile(r"\s+")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_UTF_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def join_blocks(blocks: list[tuple[str, int]]) -> LoadedText:
    """Non-empty blocks joined by a blank line; level > 0 marks a block as a heading."""
    parts: list[str] = []
    headings: list[Heading] = []
    start = 0
    for text, level in blocks:
        if not text:
            continue
        if level:
            headings.append(Heading(text, start, level))
        parts.append(text)
        start += len(text) + len(BLOCK_SEPARATOR)
    return LoadedText(BLOCK_SEPARATOR.join(parts), headings=tuple(headings))


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 (or UTF-16/32 by BOM), else Windows-1252 if it reads as text; never mojibake."""
    text = decode_by_bom(data)
    if text is None:
        for encoding in ("utf-8", "cp1252"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    if text is None or not _looks_like_text(text):
        raise UndecodableText(
            f"{name} is not UTF-8, UTF-16 or Windows-1252 text; re-save it as UTF-8"
        )
    return text


def decode_by_bom(data: bytes) -> str | None:
    for bom, encoding in _UTF_BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    return None


def _looks_like_text(text: str) -> bool:
    if "\x00" in text:
        return False
    return len(_CONTROL_CHARS.findall(text)) <= MAX_CONTROL_SHARE * len(text)
