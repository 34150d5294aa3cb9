"""The HMICFRS recommendations a response quotes, each once, with its exact span in the text."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from ingest.types import Recommendation

MAX_RECOMMENDATION_CHARS = 1500
DUPLICATE_SIMILARITY = 0.9  # restatements differ by a deadline, a link or capitalisation
WORD_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}

_LINE = re.compile(r"^.*$", re.MULTILINE)
# "Recommendation 3", "## Recommendation 3:", "**Recommendation one** –", "Recommendation:"
_LABEL = re.compile(
    r"[ \t>#]*[*_]*recommendation\b[ \t]*(?:(?P<num>\d{1,2}|"
    + "|".join(WORD_NUMBERS)
    + r")\b)?[ \t*_]*(?:\(?(?P<ref>#\d{3,})\)?)?[ \t*_]*(?:[:.–—-][ \t*_]*)?",
    re.IGNORECASE,
)
# What may precede a quoted recommendation on its line: a bullet, a list number, an HMICFRS
# reference ("1. #25968 – "), an opening quote or emphasis.
_LEAD = re.compile(
    r"[ \t>]*(?:[-•●▪◦■*][ \t]+)?(?:\(?(?P<num>\d{1,2})[.)][ \t]+)?"
    r"(?:\(?(?P<ref>#\d{3,})\)?[ \t]*[–—:-]?[ \t]*)?[“\"‘'*_]*"
)
_DEADLINE = r"(?:by|within|before)\s+[^,.\n]{3,40},\s*"
_SUBJECT = (
    r"(?:the\s+|all\s+|each\s+|every\s+)?(?:chief\s+constables?|chief\s+officers|police\s+forces"
    r"|forces|home\s+office|police,?\s+(?:fire\s+)?and\s+crime\s+commissioners|pf?ccs"
    r"|local\s+policing\s+bodies|college\s+of\s+policing|national\s+police\s+chiefs['’]?\s+council"
    r"|npcc|government|ministry\s+of\s+justice|crown\s+prosecution\s+service)\b"
)
# A recommendation opens with a deadline or a known addressee, then "should" in the same sentence.
_RECOMMENDATION_OPENING = re.compile(
    rf"(?:{_DEADLINE}[^.\n]{{0,160}}?|{_SUBJECT}[^.;:\n]{{0,80}}?)\bshould\b", re.IGNORECASE
)
_SHOULD = re.compile(r"\bshould\b", re.IGNORECASE)
_DEADLINE_PREFIX = re.compile(rf"^{_DEADLINE}", re.IGNORECASE)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[”\"’')\]*_]*\s+(?=[“\"‘'(\[]?[A-Z])")
_TERMINATED = re.compile(r"[.!?][”\"’')\]*_]*\s*$")
_LIST_ITEM = re.compile(
    r"[ \t]*(?:[-•●▪◦■*]|\(?(?:\d{1,2}|[a-z]|[ivx]{1,4})[.)])[ \t]+\S", re.IGNORECASE
)
_TRAILING = " \t\r\n”\"’'*_"
_MARKDOWN_LINK = re.compile(r"\[([^\]\n]*)\]\([^)\n]*\)")
_MARKUP = re.compile(r"<[^>\n]+>|\*\*|__")
_SPACE = re.compile(r"\s+")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_ADDRESSEES = (
    ("Home Office", re.compile(r"\bhome\s+(?:office|secretary)\b", re.IGNORECASE)),
    (
        "PCCs",
        re.compile(
            r"\bpolice,?\s+(?:fire\s+)?and\s+crime\s+commissioners?\b|\bpf?ccs?\b"
            r"|\blocal\s+policing\s+bod(?:y|ies)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "forces",
        re.compile(r"\bchief\s+(?:constables?|officers?)\b|\bforces?\b", re.IGNORECASE),
    ),
)


def clean_text(raw: str) -> str:
    """Source wording without markdown links, emphasis, HTML tags or line wrapping."""
    return _SPACE.sub(" ", _MARKUP.sub("", _MARKDOWN_LINK.sub(r"\1", raw))).strip()


def _addressee(text: str) -> str:
    """Who a recommendation is for, from the words before its 'should'."""
    subject = _DEADLINE_PREFIX.sub("", text)
    subject = subject[: m.start()] if (m := _SHOULD.search(subject)) else subject
    found = [(m.start(), name) for name, pattern in _ADDRESSEES if (m := pattern.search(subject))]
    return min(found)[1] if found else "unknown"


def _next_line(text: str, position: int) -> tuple[int, int, bool] | None:
    """The next non-blank line after a line end, and whether blank lines came between."""
    gap = False
    while position < len(text):
        start = position + 1
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        if text[start:end].strip():
            return start, end, gap
        gap, position = True, end
    return None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _continues(segment: str, line: str, gap: bool, in_list: bool, sub_item: bool) -> bool:
    """Whether the next line still belongs to the recommendation: a line wrap or its own list."""
    new_block = bool(_LIST_ITEM.match(line) or _LABEL.match(line))
    if in_list or segment.endswith(":"):
        return sub_item or (not gap and not new_block)
    if _TERMINATED.search(segment) or new_block:
        return False
    return not gap or line.lstrip()[:1].islower()


def _paragraph_end(text: str, start: int) -> int:
    """Where the paragraph holding a recommendation ends, following PDF line wraps and lists."""
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    own_line = text[text.rfind("\n", 0, start) + 1 : end]
    own_is_item = bool(_LIST_ITEM.match(own_line))
    in_list = False
    while end - start < MAX_RECOMMENDATION_CHARS:
        following = _next_line(text, end)
        if following is None:
            break
        line_start, line_end, gap = following
        line = text[line_start:line_end]
        sub_item = bool(_LIST_ITEM.match(line)) and (
            not own_is_item or _indent(line) > _indent(own_line)
        )
        if not _continues(text[start:end].rstrip(), line, gap, in_list, sub_item):
            break
        in_list = in_list or sub_item
        end = line_end
    return end


def _recommendation_end(text: str, start: int) -> int:
    """The end of the recommendation's own sentences: the first, then any that also say 'should'."""
    end = _paragraph_end(text, start)
    paragraph = text[start:end]
    kept_end = len(paragraph)
    for brk in _SENTENCE_BREAK.finditer(paragraph):
        following = paragraph[brk.end() :]
        next_break = _SENTENCE_BREAK.search(following)
        sentence = following[: next_break.start()] if next_break else following
        if not _SHOULD.search(sentence):
            kept_end = brk.start()
            break
    return start + len(paragraph[:kept_end].rstrip(_TRAILING))


def _number(value: str | None) -> int | None:
    if value is None:
        return None
    return int(value) if value.isdigit() else WORD_NUMBERS[value.lower()]


def _build(text: str, start: int, number: int | None, ref_id: str | None) -> Recommendation | None:
    """The recommendation starting at an offset, if its first sentence recommends ('should')."""
    end = _recommendation_end(text, start)
    words = clean_text(text[start:end])
    first_sentence = _SENTENCE_BREAK.split(words, maxsplit=1)[0]
    if not _SHOULD.search(first_sentence):
        return None
    return Recommendation(words, number, ref_id, _addressee(words), start, end)


def _labelled(text: str, line: re.Match[str]) -> Recommendation | None:
    """A recommendation under a 'Recommendation 3' / 'Recommendation:' label, same line or next."""
    label = _LABEL.match(text, line.start(), line.end())
    if label is None:
        return None
    start = label.end()
    if not text[start : line.end()].strip():
        following = _next_line(text, line.end())
        if following is None:
            return None
        start = following[0]
    lead = _LEAD.match(text, start)
    ref_id = label.group("ref") or lead.group("ref")
    return _build(text, lead.end(), _number(label.group("num")), ref_id)


def _listed(text: str, line: re.Match[str]) -> Recommendation | None:
    """A recommendation quoted as a list item or a paragraph of its own."""
    lead = _LEAD.match(text, line.start(), line.end())
    body = text[lead.end() : line.end()]
    if not body[:1].isupper() or not _RECOMMENDATION_OPENING.match(body):
        return None
    return _build(text, lead.end(), _number(lead.group("num")), lead.group("ref"))


def _comparable(recommendation: Recommendation) -> str:
    """Wording to compare restatements by: no deadline, case, punctuation or links."""
    return _NOT_ALNUM.sub(" ", _DEADLINE_PREFIX.sub("", recommendation.text).lower()).strip()


def _differ(first: object, second: object) -> bool:
    """Both known and different: two numbered recommendations are never one."""
    return first is not None and second is not None and first != second


def _same(a: Recommendation, b: Recommendation) -> bool:
    """Whether two quotes are one recommendation: overlapping spans or near-identical wording."""
    if a.char_start < b.char_end and b.char_start < a.char_end:
        return True
    if _differ(a.number, b.number) or _differ(a.ref_id, b.ref_id):
        return False
    first, second = _comparable(a), _comparable(b)
    if first in second or second in first:
        return True
    return SequenceMatcher(None, first, second).ratio() >= DUPLICATE_SIMILARITY


def _unlabelled(recommendation: Recommendation) -> bool:
    return recommendation.number is None and recommendation.ref_id is None


def _dedupe(candidates: list[Recommendation]) -> tuple[Recommendation, ...]:
    """Each recommendation once, keeping the quote that carries a number or reference."""
    kept: list[Recommendation] = []
    for candidate in candidates:
        index = next((i for i, seen in enumerate(kept) if _same(seen, candidate)), None)
        if index is None:
            kept.append(candidate)
        elif _unlabelled(kept[index]) and not _unlabelled(candidate):
            kept[index] = candidate
    return tuple(sorted(kept, key=lambda r: r.char_start))


def extract_recommendations(text: str) -> tuple[Recommendation, ...]:
    """Every recommendation a response quotes, in document order, without restatements."""
    candidates = []
    for line in _LINE.finditer(text):
        candidate = _labelled(text, line) or _listed(text, line)
        if candidate is not None:
            candidates.append(candidate)
    return _dedupe(candidates)
