"""Read PDF, DOCX, text/markdown and HTML files into exact text with page spans and headings.

Every reader has limits a hostile file cannot talk its way past: a DOCX's zip members are
checked for size and compression ratio before anything is decompressed (ingest/word.py), HTML
is walked without recursion under an element and nesting budget (ingest/webpage.py), a PDF's
pages and extracted text are bounded (ingest/pdf.py), and so is any file's text. The per-file
time and memory budget is ingest/sandbox.py's.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path

from ingest.errors import (
    EmptyDocument,
    FileTooLarge,
    IngestError,
    ResourceLimit,
    UnsupportedFileType,
)
from ingest.pdf import load_pdf
from ingest.text import MAX_TEXT_CHARS, decode_text
from ingest.types import Heading, LoadedText
from ingest.webpage import load_html
from ingest.word import load_docx

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 50 * 1024 * 1024

# Unambiguous, so linear on any line; the optional closing #s are stripped in Python.
_MARKDOWN_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(\S[^\n]*)$", re.MULTILINE)


def load_file(path: Path, max_bytes: int = MAX_FILE_BYTES) -> LoadedText:
    """The exact text of one supported file, or an IngestError whose message says what to do."""
    path = Path(path)
    if not path.exists():
        raise IngestError(f"{path} does not exist")
    if not path.is_file():
        raise IngestError(f"{path} is not a file")
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        supported = ", ".join(SUPPORTED_SUFFIXES)
        raise UnsupportedFileType(
            f"{path.name}: unsupported file type {path.suffix or '(no suffix)'!r}; "
            f"supported: {supported}"
        )
    _check_size(path, max_bytes)
    loaded = loader(path)
    if len(loaded.text) > MAX_TEXT_CHARS:
        raise ResourceLimit(
            f"{path.name} holds {len(loaded.text):,} characters of text, over the "
            f"{MAX_TEXT_CHARS:,} limit: refused"
        )
    if not loaded.text.strip():
        raise EmptyDocument(f"{path.name} has no text")
    log.debug("loaded %s: %d chars, %d pages", path.name, len(loaded.text), len(loaded.pages))
    return loaded


def _check_size(path: Path, max_bytes: int) -> None:
    size = path.stat().st_size
    if size == 0:
        raise EmptyDocument(f"{path.name} is empty (0 bytes)")
    if size > max_bytes:
        raise FileTooLarge(
            f"{path.name} is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:.1f} MB limit; "
            "raise it with --max-file-mb"
        )


def load_text(path: Path) -> LoadedText:
    """Plain text or markdown as written, with markdown '#' lines reported as headings."""
    text = decode_text(path.read_bytes(), path.name)
    headings = tuple(_markdown_heading(match) for match in _MARKDOWN_HEADING.finditer(text))
    return LoadedText(text, headings=headings)


def _markdown_heading(match: re.Match[str]) -> Heading:
    """The heading with any **bold** wrapper trimmed; start points at its first kept character."""
    raw = _without_closing_hashes(match.group(2))
    title = raw.strip("*_ ") or raw
    start = match.start(2) + (raw.index(title) if title != raw else 0)
    return Heading(title, start, len(match.group(1)))


def _without_closing_hashes(text: str) -> str:
    """'Title ##' -> 'Title' (markdown's optional closing sequence); 'C#' stays 'C#'."""
    text = text.rstrip(" \t")
    bare = text.rstrip("#")
    if bare != text and bare[-1:] in (" ", "\t"):
        return bare.rstrip(" \t")
    return text


LOADERS: dict[str, Callable[[Path], LoadedText]] = {
    ".pdf": load_pdf,
    ".docx": load_docx,
    ".txt": load_text,
    ".md": load_text,
    ".html": load_html,
    ".htm": load_html,
}
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(sorted(LOADERS))
