"""PDF: page texts with their spans, a bounded number of pages and characters."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from ingest.errors import (
    CorruptDocument,
    EmptyDocument,
    EncryptedDocument,
    IngestError,
    NeedsOCR,
    ResourceLimit,
)
from ingest.text import BLOCK_SEPARATOR, MAX_TEXT_CHARS
from ingest.types import LoadedText, Page

if TYPE_CHECKING:
    from pypdf import PdfReader

MAX_PDF_PAGES = 5_000


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs and warns about every malformed object; callers only need our one error."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def load_pdf(path: Path) -> LoadedText:
    """Page texts joined by a blank line, each page's exact span recorded for page citations."""
    with _quiet_pypdf():
        texts = _pdf_page_texts(path)
    if not texts:
        raise EmptyDocument(f"{path.name} has no pages")
    if not any(text.strip() for text in texts):
        count = f"{len(texts)} page" + ("s" if len(texts) != 1 else "")
        raise NeedsOCR(
            f"{path.name} has {count} but no text layer (scanned images?); run OCR first"
        )
    pages: list[Page] = []
    start = 0
    for number, text in enumerate(texts, start=1):
        pages.append(Page(number, start, start + len(text)))
        start += len(text) + len(BLOCK_SEPARATOR)
    return LoadedText(BLOCK_SEPARATOR.join(texts), tuple(pages))


def _pdf_page_texts(path: Path) -> list[str]:
    from pypdf import PdfReader

    # pypdf raises many unrelated types on malformed input; any of them means "not a good PDF".
    try:
        reader = PdfReader(path)
    except Exception as error:
        _raise_pdf_error(path, error)
    if reader.is_encrypted:
        _decrypt_with_empty_password(reader, path)
    try:
        return _bounded_page_texts(reader, path)
    except IngestError:
        raise
    except Exception as error:
        _raise_pdf_error(path, error)


def _bounded_page_texts(reader: PdfReader, path: Path) -> list[str]:
    pages = len(reader.pages)
    if pages > MAX_PDF_PAGES:
        raise ResourceLimit(
            f"{path.name} has {pages:,} pages, over the {MAX_PDF_PAGES:,}-page limit: refused"
        )
    texts, total = [], 0
    for page in reader.pages:
        texts.append(page.extract_text() or "")
        total += len(texts[-1])
        if total > MAX_TEXT_CHARS:
            raise ResourceLimit(
                f"{path.name} holds more than {MAX_TEXT_CHARS:,} characters of text: refused"
            )
    return texts


def _decrypt_with_empty_password(reader: PdfReader, path: Path) -> None:
    """Many 'encrypted' PDFs only restrict printing and open with the empty password."""
    from pypdf import PasswordType

    try:
        opened = reader.decrypt("") != PasswordType.NOT_DECRYPTED
    except Exception as error:
        _raise_pdf_error(path, error)
    if not opened:
        raise EncryptedDocument(
            f"{path.name} is password-protected; save an unprotected copy and ingest that"
        )


def _raise_pdf_error(path: Path, error: Exception) -> NoReturn:
    from pypdf.errors import DependencyError

    if isinstance(error, DependencyError):
        raise EncryptedDocument(
            f"{path.name} is encrypted with a cipher pypdf needs 'cryptography' for; "
            "pip install cryptography"
        ) from error
    raise CorruptDocument(f"{path.name} is not a readable PDF ({error})") from error
