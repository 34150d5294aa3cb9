"""Split a document into section-aware chunks that fit the embedder and carry citation anchors."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ingest.normalise import Normalised, normalise
from ingest.types import Chunk, Document, Heading

if TYPE_CHECKING:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

CHUNK_TOKENS = 200  # MiniLM reads 256 word-pieces; the estimate below errs high, so this fits
CHUNK_OVERLAP_TOKENS = 30
MAX_HEADING_CHARS = 90
SPLIT_SEPARATORS = ["\n\n", "\n", ". ", "; ", ", ", " ", ""]

_WORD_PIECE_ESTIMATE = re.compile(r"[A-Za-z]{1,7}|\d{1,4}|[^\sA-Za-z\d]")

# Lines that name a section in responses: field labels, response headings, recommendation labels.
_SECTION_WORDS = (
    r"key findings|recommendations?(?:\s+\d+)?|(?:chief constable|force|pcc|pfcc|commissioner'?s?)"
    r"(?:\s*&\s*chief constable)?\s+response(?:\s+to\s+[\w &]+)?|appendix\s*\w*.*|"
    r"executive summary.*|"
    r"summary|background|introduction|conclusion|next steps|areas? for improvement.*|"
    r"inspection (?:title|details)|type of inspection|date published|published on|"
    r"title of inspection|date inspection published|comment by the pcc|for office use only|"
    r"hmicfrs recommendations"
)
_SECTION_LINE = re.compile(rf"^\s*(?:{_SECTION_WORDS})\s*:?\s*$", re.IGNORECASE)
_CAPS_LINE = re.compile(r"^\s*[A-Z][A-Z0-9 &'’,()/\-–]{5,}:?\s*$")
_CAPS_WORD = re.compile(r"\b[A-Z]{3,}\b")
_NUMBERED_RECOMMENDATION = re.compile(
    r"^\s*(?:recommendation\s*)?(\d{1,2})[.):]?\s+[“\"]?(?:#\d+\s*[–-]\s*)?By\s+\w+", re.IGNORECASE
)
_LABELLED_RECOMMENDATION = re.compile(r"^\s*Recommendation\s*:\s*(.+)$", re.IGNORECASE)


def estimate_word_pieces(text: str) -> int:
    """Upper-bound estimate of MiniLM word-pieces without loading a tokenizer."""
    return len(_WORD_PIECE_ESTIMATE.findall(text))


@dataclass(frozen=True, slots=True)
class Section:
    """A span of the normalised text under one heading."""

    title: str
    start: int
    end: int
    body_start: int


def chunk_document(
    document: Document,
    headings: tuple[Heading, ...] = (),
    *,
    max_tokens: int = CHUNK_TOKENS,
    overlap_tokens: int = CHUNK_OVERLAP_TOKENS,
    count_tokens: Callable[[str], int] = estimate_word_pieces,
) -> list[Chunk]:
    """Chunks that never cross a section boundary, each mapped back to an exact source span."""
    # Imported here: reading the index (`pccqa ask`) never needs the splitter's langchain import.
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    norm = normalise(document.text)
    sections = find_sections(norm, headings)
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=max_tokens,
        chunk_overlap=overlap_tokens,
        length_function=count_tokens,
        separators=SPLIT_SEPARATORS,
        keep_separator="end",
    )
    chunks: list[Chunk] = []
    for section in sections:
        for start, end in _split_section(norm.text, section, splitter, max_tokens, count_tokens):
            source_start, source_end = _source_span(norm, start, end)
            chunks.append(
                Chunk(
                    doc_id=document.doc_id,
                    ordinal=len(chunks),
                    text=norm.text[start:end],
                    char_start=source_start,
                    char_end=source_end,
                    section=section.title,
                    page=document.page_at(source_start),
                    force=document.metadata.force,
                    file_name=document.file_name,
                )
            )
    return chunks


def find_sections(norm: Normalised, headings: tuple[Heading, ...] = ()) -> list[Section]:
    """Sections from the loader's headings plus heading-like lines found in the text itself."""
    starts: dict[int, str] = {}
    for heading in headings:
        starts[_clean_offset(norm, heading.start)] = _tidy_title(heading.title)
    for match in re.finditer(r"[^\n]+", norm.text):
        title = _heading_title(match.group())
        if title:
            starts.setdefault(match.start(), title)
    ordered = sorted((offset, title) for offset, title in starts.items() if title)
    if not ordered or ordered[0][0] > 0:
        ordered.insert(0, (0, ""))
    sections = []
    for i, (start, title) in enumerate(ordered):
        end = ordered[i + 1][0] if i + 1 < len(ordered) else len(norm.text)
        body_start = _after_heading_line(norm.text, start, end, title)
        if norm.text[body_start:end].strip():
            sections.append(Section(title, start, end, body_start))
    return sections


def _after_heading_line(text: str, start: int, end: int, title: str) -> int:
    """Where a section's body begins: after its heading line, which the title already carries."""
    if not title:
        return start
    line_end = text.find("\n", start, end)
    line = text[start : line_end if line_end >= 0 else end]
    # A long heading line is a quoted recommendation: it is content and stays in the body.
    is_heading = _heading_title(line) or _tidy_title(line) == title
    body_start = line_end + 1 if line_end >= 0 else end
    # A heading with nothing under it keeps its own line as content, so no text is ever lost.
    if len(line.strip()) <= MAX_HEADING_CHARS and is_heading and text[body_start:end].strip():
        return body_start
    return start


def _heading_title(line: str) -> str:
    """The section title a line declares, or '' when it is body text."""
    stripped = line.strip()
    if not stripped:
        return ""
    numbered = _NUMBERED_RECOMMENDATION.match(stripped)
    if numbered:
        return f"Recommendation {int(numbered.group(1))}"
    labelled = _LABELLED_RECOMMENDATION.match(stripped)
    if labelled and len(stripped) > MAX_HEADING_CHARS:
        return _tidy_title("Recommendation: " + labelled.group(1))
    if len(stripped) > MAX_HEADING_CHARS:
        return ""
    if _SECTION_LINE.match(stripped) or (
        _CAPS_LINE.match(stripped) and len(_CAPS_WORD.findall(stripped)) >= 2
    ):
        return _tidy_title(stripped)
    return ""


def _tidy_title(title: str) -> str:
    title = re.sub(r"\s+", " ", title).strip().rstrip(":").strip()
    if title.isupper():
        title = title.capitalize().replace("Pcc", "PCC").replace("pcc", "PCC")
    if len(title) > MAX_HEADING_CHARS:
        title = title[: MAX_HEADING_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return title


def _split_section(
    text: str,
    section: Section,
    splitter: RecursiveCharacterTextSplitter,
    max_tokens: int,
    count_tokens: Callable[[str], int],
) -> list[tuple[int, int]]:
    """Clean-text spans of the pieces of one section, located exactly in the section."""
    body = text[section.body_start : section.end]
    if count_tokens(body) <= max_tokens:
        pieces = [body.strip()]
    else:
        pieces = [p for p in splitter.split_text(body) if p.strip()]
    spans: list[tuple[int, int]] = []
    cursor = 0
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        found = body.find(piece, cursor)
        if found < 0:
            found = body.find(piece)
        if found < 0:
            continue
        spans.append((section.body_start + found, section.body_start + found + len(piece)))
        cursor = found + 1
    return spans


def _source_span(norm: Normalised, start: int, end: int) -> tuple[int, int]:
    return norm.offsets[start], norm.offsets[end - 1] + 1


def _clean_offset(norm: Normalised, source_offset: int) -> int:
    """The first clean character at or after a source offset (loaders give source offsets)."""
    return min(bisect.bisect_left(norm.offsets, source_offset), len(norm.text))
