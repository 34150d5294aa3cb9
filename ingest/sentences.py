"""Sentences with exact source offsets: the unit an answer quotes and a citation checks."""

from __future__ import annotations

import re
from dataclasses import dataclass

MIN_SENTENCE_WORDS = 4
MAX_SENTENCE_CHARS = 700

# A sentence ends at . ! ? (plus closing quotes/brackets) before whitespace and a capital, digit,
# quote or bullet; or at a blank line; or at a line break before a list item, a short heading or
# a letter's sign-off (so a quote never runs on into "Yours sincerely" and the signature).
_BOUNDARY = re.compile(
    r"(?<=[.!?…])[\"”’')\]]*[ \t]+(?=[A-Z0-9“\"‘'(#•\-])"
    r"|\n[ \t]*\n\s*"
    r"|\n(?=[ \t]*(?:[-•*▪●]|\d{1,2}[.)]\s|[A-Z][^\n]{0,80}\n))"
    r"|\s*\n(?=[ \t]*(?i:yours\s+(?:sincerely|faithfully|truly)|(?:with\s+)?(?:kind|best|warm)"
    r"\s+(?:regards|wishes))\b)"
)
_ABBREVIATION = re.compile(
    r"(?:\b(?:e\.g|i\.e|etc|No|Nos|Mr|Mrs|Ms|Dr|Rt|Hon|St|vs|cf|approx|para|ref)\.|\b[A-Z]\.)$"
)
_SIGN_OFF = re.compile(
    r"(?:yours\s+(?:sincerely|faithfully|truly)|(?:with\s+)?(?:kind|best|warm)\s+(?:regards|wishes))\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MARKUP = re.compile(r"\*\*|__|</?[a-z]+>|^#+\s*", re.MULTILINE)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence's exact span in its document's text."""

    start: int
    end: int
    text: str

    @property
    def key(self) -> str:
        """The sentence as the embedder reads it: markup and spacing made plain."""
        return sentence_key(self.text)


def sentence_key(text: str) -> str:
    """Plain text of a source sentence: links to their labels, markup dropped, spaces collapsed."""
    return _SPACE.sub(" ", _MARKUP.sub("", _LINK.sub(r"\1", text))).strip()


def split_sentences(text: str, offset: int = 0) -> list[Sentence]:
    """Sentences of `text` (source wording) with spans shifted by `offset`.

    Fragments under MIN_SENTENCE_WORDS words (headings, labels) are left out: they make poor
    quotes. Very long run-ons are cut at clause breaks so a quote stays readable.
    """
    sentences: list[Sentence] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if _ABBREVIATION.search(text[max(0, match.start() - 8) : match.start()]):
            continue
        _append(sentences, text, start, match.start(), offset)
        start = match.end()
    _append(sentences, text, start, len(text), offset)
    return sentences


def _append(sentences: list[Sentence], text: str, start: int, end: int, offset: int) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if len(_WORD.findall(sentence_key(stripped))) < MIN_SENTENCE_WORDS or _SIGN_OFF.match(stripped):
        return  # a heading, a label, or the signature block: nothing to quote
    lead = len(piece) - len(piece.lstrip())
    begin = start + lead
    for part_start, part_end in _cut_long(text, begin, begin + len(stripped)):
        sentences.append(
            Sentence(offset + part_start, offset + part_end, text[part_start:part_end])
        )


def _cut_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split a run-on longer than MAX_SENTENCE_CHARS at '; ' or ', ' boundaries."""
    parts = []
    while end - start > MAX_SENTENCE_CHARS:
        window = text[start : start + MAX_SENTENCE_CHARS]
        cut = max(window.rfind("; "), window.rfind(", "))
        if cut < MAX_SENTENCE_CHARS // 3:
            break
        parts.append((start, start + cut + 1))
        start = start + cut + 2
    parts.append((start, end))
    return parts
