"""HTML: the page's main text, walked without recursion under an element and nesting budget."""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.errors import ResourceLimit
from ingest.text import (
    LIST_PREFIX,
    TABLE_CELL_SEPARATOR,
    WHITESPACE,
    decode_by_bom,
    join_blocks,
)
from ingest.types import LoadedText

if TYPE_CHECKING:
    from bs4.element import PageElement, Tag

log = logging.getLogger(__name__)

MAX_HTML_ELEMENTS = 250_000
MAX_HTML_DEPTH = 512  # browsers stop nesting near here too
HTML_NOISE_TAGS = ("head", "script", "style", "nav", "aside", "form", "noscript", "template")
HTML_PAGE_CHROME_TAGS = ("header", "footer")
HTML_BLOCK_TAGS = frozenset(
    {"address", "article", "blockquote", "body", "br", "dd", "div", "dl", "dt", "figcaption"}
    | {"figure", "hr", "li", "main", "ol", "p", "section", "table", "tbody", "td", "tfoot", "th"}
    | {"thead", "ul"}
)
HTML_HEADING_TAGS = frozenset(f"h{level}" for level in range(1, 7))

_HTML_START_TAG = re.compile(r"<[A-Za-z]")
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)


def load_html(path: Path) -> LoadedText:
    """The page's main text only (no menus, scripts or footers), with h1-h6 as headings."""
    from bs4 import BeautifulSoup

    markup = _decode_html(path.read_bytes())
    _check_element_count(markup, path)
    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup.find_all(HTML_NOISE_TAGS):
        tag.decompose()
    articles = soup.find_all("article")
    root = soup.find("main") or (articles[0] if len(articles) == 1 else None) or soup.body or soup
    for tag in root.find_all(HTML_PAGE_CHROME_TAGS):
        if tag.find_parent(["article", "main", "section"]) is None:
            tag.decompose()
    collector = _HtmlBlocks(path.name)
    collector.walk(root)
    collector.flush()
    return join_blocks(collector.blocks)


def _check_element_count(markup: str, path: Path) -> None:
    """Refuse before parsing: the parsed tree costs about a kilobyte an element."""
    for count, _ in enumerate(_HTML_START_TAG.finditer(markup), 1):
        if count > MAX_HTML_ELEMENTS:
            raise ResourceLimit(
                f"{path.name} has more than {MAX_HTML_ELEMENTS:,} HTML elements: refused"
            )


def _decode_html(data: bytes) -> str:
    """Decode by BOM, then the <meta> charset, then UTF-8, then Windows-1252."""
    text = decode_by_bom(data)
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
    """Walks parsed HTML into (text, heading level) blocks, laid out as a browser would.

    The walk keeps its own stack, so no nesting depth can exhaust Python's; past MAX_HTML_DEPTH
    the file is refused instead.
    """

    def __init__(self, name: str = "") -> None:
        self.name = name
        self.blocks: list[tuple[str, int]] = []
        self._inline: list[str] = []
        self._prefix = ""

    def flush(self) -> None:
        text = WHITESPACE.sub(" ", "".join(self._inline)).strip()
        if text:
            self.blocks.append((self._prefix + text, 0))
            self._prefix = ""
        self._inline.clear()

    def walk(self, root: Tag) -> None:
        from bs4.element import NavigableString, PreformattedString

        # Each entry: the children still to visit, and the block element they close (if any).
        stack: list[tuple[Iterator[PageElement], Tag | None]] = [(iter(root.children), None)]
        while stack:
            children, block = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                if block is not None:
                    self._end_block(block)
                continue
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
            else:
                is_block = child.name in HTML_BLOCK_TAGS
                if is_block:
                    self._start_block(child)
                stack.append((iter(child.children), child if is_block else None))
                if len(stack) > MAX_HTML_DEPTH:
                    raise ResourceLimit(
                        f"{self.name} nests HTML elements more than {MAX_HTML_DEPTH} deep: refused"
                    )

    def _start_block(self, block: Tag) -> None:
        self.flush()
        if block.name == "li":
            self._prefix = LIST_PREFIX

    def _end_block(self, block: Tag) -> None:
        self.flush()
        if block.name == "li":
            self._prefix = ""

    def _add_block(self, text: str, level: int) -> None:
        self.flush()
        self.blocks.append((WHITESPACE.sub(" ", text).strip(), level))
