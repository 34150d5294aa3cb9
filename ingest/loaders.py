"""Read PDF, DOCX, text/markdown and HTML files into exact text with page spans and headings."""

from __future__ import annotations

import codecs
import logging
import re
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from ingest.errors import (
    CorruptDocument,
    EmptyDocument,
    EncryptedDocument,
    FileTooLarge,
    IngestError,
    NeedsOCR,
    UndecodableText,
    UnsupportedFileType,
)
from ingest.types import Heading, LoadedText, Page

if TYPE_CHECKING:
    from bs4.element import Tag
    from docx.table import Table
    from docx.text.paragraph import Paragraph
    from lxml.etree import _Element
    from pypdf import PdfReader

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 50 * 1024 * 1024
BLOCK_SEPARATOR = "\n\n"
TABLE_CELL_SEPARATOR = " | "
LIST_PREFIX = "- "
MAX_CONTROL_SHARE = 0.05  # more control characters than this and the "text" is binary
HTML_NOISE_TAGS = ("head", "script", "style", "nav", "aside", "form", "noscript", "template")
HTML_PAGE_CHROME_TAGS = ("header", "footer")
HTML_BLOCK_TAGS = frozenset(
    {"address", "article", "blockquote", "body", "br", "dd", "div", "dl", "dt", "figcaption"}
    | {"figure", "hr", "li", "main", "ol", "p", "section", "table", "tbody", "td", "tfoot", "th"}
    | {"thead", "ul"}
)
HTML_HEADING_TAGS = frozenset(f"h{level}" for level in range(1, 7))

_MARKDOWN_HEADING = re.compile(
    r"^ {0,3}(#{1,6})[ \t]+(\S[^\n]*?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE
)
_DOCX_HEADING_STYLE = re.compile(r"^(?:heading\s*(\d+)|title)$", re.IGNORECASE)
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_UTF_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


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
        return [page.extract_text() or "" for page in reader.pages]
    except Exception as error:
        _raise_pdf_error(path, error)


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
    return _join_blocks(blocks)


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
                cells.append(_WHITESPACE.sub(" ", cell.text).strip())
        if any(cells):
            lines.append(TABLE_CELL_SEPARATOR.join(cells))
    return "\n".join(lines)


def _join_blocks(blocks: list[tuple[str, int]]) -> LoadedText:
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


def load_text(path: Path) -> LoadedText:
    """Plain text or markdown as written, with markdown '#' lines reported as headings."""
    text = decode_text(path.read_bytes(), path.name)
    headings = tuple(_markdown_heading(match) for match in _MARKDOWN_HEADING.finditer(text))
    return LoadedText(text, headings=headings)


def _markdown_heading(match: re.Match[str]) -> Heading:
    """The heading with any **bold** wrapper trimmed; start points at its first kept character."""
    raw = match.group(2)
    title = raw.strip("*_ ") or raw
    start = match.start(2) + (raw.index(title) if title != raw else 0)
    return Heading(title, start, len(match.group(1)))


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 (or UTF-16/32 by BOM), else Windows-1252 if it reads as text; never mojibake."""
    text = _decode_by_bom(data)
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


def _decode_by_bom(data: bytes) -> str | None:
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


def load_html(path: Path) -> LoadedText:
    """The page's main text only (no menus, scripts or footers), with h1-h6 as headings."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_decode_html(path.read_bytes()), "html.parser")
    for tag in soup.find_all(HTML_NOISE_TAGS):
        tag.decompose()
    articles = soup.find_all("article")
    root = soup.find("main") or (articles[0] if len(articles) == 1 else None) or soup.body or soup
    for tag in root.find_all(HTML_PAGE_CHROME_TAGS):
        if tag.find_parent(["article", "main", "section"]) is None:
            tag.decompose()
    collector = _HtmlBlocks()
    collector.walk(root)
    collector.flush()
    return _join_blocks(collector.blocks)


def _decode_html(data: bytes) -> str:
    """Decode by BOM, then the <meta> charset, then UTF-8, then Windows-1252."""
    text = _decode_by_bom(data)
    if text is not None:
        return text
    declared = _META_CHARSET.search(data[:4096])
    if declared:
        try:
            return data.decode(codecs.lookup(declared.group(1).decode("ascii")).name, "replace")
        except LookupError:
            log.debug("unknown charset %r in <meta>", declared.group(1))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


class _HtmlBlocks:
    """Walks parsed HTML into (text, heading level) blocks, laid out as a browser would."""

    def __init__(self) -> None:
        self.blocks: list[tuple[str, int]] = []
        self._inline: list[str] = []
        self._prefix = ""

    def flush(self) -> None:
        text = _WHITESPACE.sub(" ", "".join(self._inline)).strip()
        if text:
            self.blocks.append((self._prefix + text, 0))
            self._prefix = ""
        self._inline.clear()

    def walk(self, node: Tag) -> None:
        from bs4.element import NavigableString, PreformattedString

        for child in node.children:
            if isinstance(child, PreformattedString):
                continue
            if isinstance(child, NavigableString):
                self._inline.append(str(child))
            elif child.name in HTML_HEADING_TAGS:
                self._add_block(child.get_text(" "), int(child.name[1]))
            elif child.name == "tr":
                cells = [c.get_text(" ") for c in child.find_all(["td", "th"], recursive=False)]
                self._add_block(
                    TABLE_CELL_SEPARATOR.join(cells) if "".join(cells).strip() else "", 0
                )
            elif child.name == "pre":
                self.flush()
                self.blocks.append((child.get_text().strip("\n"), 0))
            elif child.name in HTML_BLOCK_TAGS:
                self._walk_block(child)
            else:
                self.walk(child)

    def _walk_block(self, block: Tag) -> None:
        self.flush()
        if block.name == "li":
            self._prefix = LIST_PREFIX
        self.walk(block)
        self.flush()
        if block.name == "li":
            self._prefix = ""

    def _add_block(self, text: str, level: int) -> None:
        self.flush()
        self.blocks.append((_WHITESPACE.sub(" ", text).strip(), level))


LOADERS: dict[str, Callable[[Path], LoadedText]] = {
    ".pdf": load_pdf,
    ".docx": load_docx,
    ".txt": load_text,
    ".md": load_text,
    ".html": load_html,
    ".htm": load_html,
}
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(sorted(LOADERS))
