"""What one response says about one recommendation: its status and the sentence that shows it."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ingest.recommendations import WORD_NUMBERS
from ingest.sentences import Sentence, split_sentences
from ingest.types import Document, Recommendation
from qa.align import CanonicalRecommendation, comparable, lexical_similarity

ACCEPTED = "accepted"
IN_PROGRESS = "in progress"
ALREADY_IN_PLACE = "already in place"
ANOTHER_BODY = "addressed to another body"
NO_CLEAR_STATUS = "no clear status"
NOT_MENTIONED = "not mentioned"
STATUSES = (ACCEPTED, IN_PROGRESS, ALREADY_IN_PLACE, ANOTHER_BODY, NO_CLEAR_STATUS, NOT_MENTIONED)
# The order `ResponseReader.assess` tries them in (its docstring says why).
PRECEDENCE = (ANOTHER_BODY, ACCEPTED, ALREADY_IN_PLACE, IN_PROGRESS, NO_CLEAR_STATUS, NOT_MENTIONED)
# A PCC's response speaks for the force and the PCC, so it owes a position on both's
# recommendations; 'unknown' is assessed too rather than waved through as someone else's.
RESPONDING_ADDRESSEES = ("forces", "PCCs", "unknown")

_BODIES = (
    r"(?P<body>home\s+office|home\s+secretary|college\s+of\s+policing|npcc|national\s+police"
    r"\s+chiefs['’]?\s+council|government|ministry\s+of\s+justice|department\s+for\s+\w+"
    r"|crown\s+prosecution\s+service|cps|hmicfrs)"
)
# The response itself says the recommendation is someone else's to act on.
ANOTHER_BODY_PATTERNS = (
    re.compile(
        rf"\b(?:is|are)\s+(?:addressed|directed|aimed)\s+(?:to|at)\s+(?:the\s+)?{_BODIES}", re.I
    ),
    re.compile(rf"\b(?:is|are)\s+(?:a\s+matter\s+)?for\s+(?:the\s+)?{_BODIES}\s+to\b", re.I),
)
# Accept / welcome / embrace whose object is the recommendation itself, not the report's
# publication or the chief constable's response ("I welcome the Chief Constable's response").
_DETERMINERS = r"(?:(?:the|this|these|both|all|each|its|their|report|and|of|hmicfrs|\d+|"
_DETERMINERS += "|".join(WORD_NUMBERS) + r")\s+){0,5}"
ACCEPTED_PATTERNS = (
    re.compile(
        r"\b(?:accept(?:s|ed)?|welcome[sd]?|embrace[sd]?|endorse[sd]?|agree[sd]?\s+with"
        rf"|support(?:s|ed)?)\s+{_DETERMINERS}recommendations?\b",
        re.I,
    ),
    re.compile(
        r"\brecommendations?\s+(?:is|are|has\s+been|have\s+been|was|were)\s+(?:fully\s+|also\s+)?"
        r"(?:accepted|welcomed|embraced|endorsed|agreed)\b",
        re.I,
    ),
)
ALREADY_IN_PLACE_PATTERNS = (
    # "already commenced" is work started, not work done: it is in progress.
    re.compile(
        r"\balready\b(?!\s+(?:commenced|started|begun|under\s?way|been\s+asked|planned))", re.I
    ),
    re.compile(r"\bestablished\s+and\s+embedded\b", re.I),
    re.compile(r"\bin\s+existence\b", re.I),
    re.compile(r"\b(?:is|are|has\s+been|have\s+been)\s+in\s+place\b", re.I),
    re.compile(r"\bfully\s+(?:compliant|embedded|implemented)\b|\bbusiness\s+as\s+usual\b", re.I),
)
IN_PROGRESS_PATTERNS = (
    re.compile(r"\bwill\b", re.I),
    re.compile(
        r"\bbeing\s+(?:developed|implemented|reviewed|progressed|considered|updated"
        r"|introduced|rolled\s+out|delivered|drafted)\b",
        re.I,
    ),
    re.compile(r"\b(?:is|are)\s+developing\b|\baction\s+plan\b|\bplans?\s+to\b", re.I),
    re.compile(r"\bmonitored\b[^.]{0,60}\bclosure\b|\bunder\s?way\b|\bin\s+progress\b", re.I),
    re.compile(r"\b(?:has|have)\s+(?:already\s+)?(?:commenced|started|begun)\b", re.I),
    re.compile(r"\bintends?\s+to\b|\bworking\s+towards\b", re.I),
)
# A sentence about the recommendations together ("accepts both recommendations"): it speaks for
# each of them, after what the response says about one in particular.
COLLECTIVE = re.compile(
    r"\b(?:the|these|both|all|its|those|\d+|" + "|".join(WORD_NUMBERS) + r")\s+(?:\w+\s+)?"
    r"recommendations\b|\breport\s+and\s+(?:its\s+|the\s+|any\s+)?recommendations\b"
    r"|\beach\s+recommendation\b|\bthem\s+both\b",
    re.I,
)
RESTATEMENT_SIMILARITY = 0.9
# Cosine a sentence needs to stand in for missing structure: background that merely shares the
# subject ("how well the police use their powers") scores up to about 0.6.
SIMILAR_RESPONSE_MIN = 0.65
MAX_PASSAGE_PARAGRAPHS = 4  # the last recommendation's passage must not swallow the letter
MAX_HEADING_CHARS = 90
MAX_HEADING_WORDS = 12

_NUMBER = r"(?P<n>\d{1,2}|" + "|".join(WORD_NUMBERS) + r")"
_REFERENCE = re.compile(rf"\brecommendation\s+(?:no\.?\s*|number\s+)?{_NUMBER}\b", re.I)
_LABEL_LINE = re.compile(
    rf"^[ \t>#*_]*recommendation(?:\s+{_NUMBER})?[ \t]*[:.)–—-]?[ \t*_]*$", re.I | re.M
)
_LINE = re.compile(r"^.*$", re.M)
_PARAGRAPH = re.compile(r"\S(?:.|\n(?![ \t]*\n))*", re.M)
_HEADING_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")

SimilarityFn = Callable[[str, Sequence[Sentence]], np.ndarray]


@dataclass(frozen=True, slots=True)
class Finding:
    """A status with its evidence: a verbatim sentence in `span`, or a note saying why none."""

    status: str
    sentence: Sentence | None = None
    span: tuple[int, int] | None = None
    note: str = ""
    collective: bool = False  # said of the recommendations together, not of this one


def _first(sentences: Sequence[Sentence], patterns: Sequence[re.Pattern[str]]) -> Sentence | None:
    return next((s for s in sentences if any(p.search(s.key) for p in patterns)), None)


def _position(sentence: Sentence) -> str | None:
    """The position one sentence takes: already in place, in progress, or none."""
    # Within a sentence 'already in place' outranks 'in progress': work that goes on from
    # something existing ("already in a favourable position ... which will further support").
    if any(p.search(sentence.key) for p in ALREADY_IN_PLACE_PATTERNS):
        return ALREADY_IN_PLACE
    if any(p.search(sentence.key) for p in IN_PROGRESS_PATTERNS):
        return IN_PROGRESS
    return None


def _is_heading(line: str) -> bool:
    """A short label line: capitals, Title Case, a trailing colon or markdown '#', no full stop."""
    stripped = line.strip().strip("*_> ")
    if not stripped or len(stripped) > MAX_HEADING_CHARS or stripped[-1] in ".!?,;":
        return False
    if stripped.startswith("#"):
        return True
    words = _HEADING_WORD.findall(stripped)
    if not words or len(words) > MAX_HEADING_WORDS or stripped[0] in "-•●▪◦■":
        return False
    return stripped.isupper() or sum(w[0].isupper() for w in words) * 2 >= len(words)


class ResponseReader:
    """A response read for its structure: quotes, the passages after them, references, headings."""

    def __init__(
        self,
        document: Document,
        quoted: dict[str, Recommendation],
        recommendations: Sequence[CanonicalRecommendation],
        similarity: SimilarityFn,
    ) -> None:
        self.document = document
        self.text = document.text
        self.quoted = quoted
        self.similarity = similarity
        self.sentences = split_sentences(self.text)
        self.paragraphs = [(m.start(), m.end()) for m in _PARAGRAPH.finditer(self.text)]
        self.occurrences = {r.key: self._occurrences(r) for r in recommendations}
        others = [(r.char_start, r.char_end) for r in document.metadata.recommendations]
        self._quote_spans = [*others, *(s for spans in self.occurrences.values() for s in spans)]
        self.references = {r.key: self._references(r) for r in recommendations}
        self._boundaries = sorted(
            {
                *(self._line_start(start) for start, _ in self._quote_spans),
                *(m.start() for m in _LINE.finditer(self.text) if _is_heading(m.group())),
                *(m.start() for m in _LABEL_LINE.finditer(self.text)),
                *(start for spans in self.references.values() for start, _ in spans),
                len(self.text),
            }
        )
        self.collective = [
            s for s in self.sentences if COLLECTIVE.search(s.key) and not self._in_quote(s)
        ]

    def _line_start(self, position: int) -> int:
        return self.text.rfind("\n", 0, position) + 1

    def _in_quote(self, sentence: Sentence) -> bool:
        return any(
            start < sentence.end and sentence.start < end for start, end in self._quote_spans
        )

    def _paragraph(self, position: int) -> tuple[int, int]:
        return next(((s, e) for s, e in self.paragraphs if s <= position < e), (position, position))

    def _occurrences(self, rec: CanonicalRecommendation) -> list[tuple[int, int]]:
        """Where the response quotes the recommendation: its own quote and any restatement."""
        spans = []
        if (own := self.quoted.get(rec.key)) is not None:
            spans.append((own.char_start, own.char_end))
        wording = own.text if own is not None else rec.text
        words = set(comparable(wording).split())
        for sentence in self.sentences:
            # Most sentences share few words with it: skip them before the costlier comparison.
            if len(words & set(comparable(sentence.key).split())) * 2 < len(words):
                continue
            if lexical_similarity(sentence.key, wording) >= RESTATEMENT_SIMILARITY and not any(
                s < sentence.end and sentence.start < e for s, e in spans
            ):
                spans.append((sentence.start, sentence.end))
        return sorted(spans)

    def _references(self, rec: CanonicalRecommendation) -> list[tuple[int, int]]:
        """Paragraphs that name it by the response's own number or its HMICFRS id."""
        own = self.quoted.get(rec.key)
        numbered = any(r.number for r in self.document.metadata.recommendations)
        number = (
            own.number if own is not None and own.number else (None if numbered else rec.number)
        )
        refs = {r for r in (own.ref_id if own else None, rec.ref_id) if r}
        found = []
        for match in _REFERENCE.finditer(self.text):
            value = match.group("n").lower()
            if number is not None and WORD_NUMBERS.get(value, value) in (number, str(number)):
                found.append(match.start())
        for ref in refs:
            found.extend(m.start() for m in re.finditer(re.escape(ref) + r"\b", self.text))
        spans = set()
        for position in found:
            line_start = self._line_start(position)
            line_end = self.text.find("\n", position)
            line = self.text[line_start : line_end if line_end >= 0 else len(self.text)]
            if _LABEL_LINE.fullmatch(line) or any(
                self._line_start(s) <= position < e for s, e in self._quote_spans
            ):
                continue  # the label over a quote, or the number or id on its line
            spans.add(self._paragraph(position))
        return sorted(spans)

    def _passages(self, rec: CanonicalRecommendation) -> list[tuple[int, int]]:
        """Text after each quote up to the next quote, heading or label, plus its references."""
        spans = list(self.references[rec.key])
        for _, end in self.occurrences[rec.key]:
            stop = next(b for b in self._boundaries if b >= end)
            kept = [p for p in self.paragraphs if p[1] > end and p[0] < stop]
            if kept:
                last = kept[:MAX_PASSAGE_PARAGRAPHS][-1][1]
                spans.append((end, min(stop, last)))
        return sorted(spans)

    def _sentences_in(self, spans: Sequence[tuple[int, int]]) -> list[Sentence]:
        return [
            s
            for s in self.sentences
            if not self._in_quote(s) and any(start <= s.start < end for start, end in spans)
        ]

    def _similar(self, rec: CanonicalRecommendation) -> list[tuple[int, int]]:
        """No structure to follow: the paragraph of the sentence closest in meaning, if close."""
        candidates = [
            s for s in self.sentences if not self._in_quote(s) and not COLLECTIVE.search(s.key)
        ]
        if not candidates:
            return []
        scores = self.similarity(rec.text, candidates)
        best = int(np.argmax(scores))
        if scores[best] < SIMILAR_RESPONSE_MIN:
            return []
        return [self._paragraph(candidates[best].start)]

    def _span_of(self, sentence: Sentence, spans: Sequence[tuple[int, int]]) -> tuple[int, int]:
        within = next(((s, e) for s, e in spans if s <= sentence.start and sentence.end <= e), None)
        return within or self._paragraph(sentence.start)

    def assess(self, rec: CanonicalRecommendation) -> Finding:
        """The response's status on one recommendation, by the precedence below.

        1. addressed to another body: the recommendation is not for the force or PCC, or the
           response says so of this recommendation;
        2. accepted, in what the response says about this recommendation itself;
        3. already in place, when that is the first position its own passage takes;
        4. accepted, in what it says of the recommendations together ("accepts both
           recommendations"): acceptance is the formal position and outranks "will" or "plan"
           wording about one of them, which says how the work gets done;
        5. in progress, the first position its own passage takes;
        6. already in place / in progress in what it says of the recommendations together;
        7. no clear status when it quotes or answers it without taking a position;
        8. not mentioned.
        """
        spans = self._passages(rec)
        own = self._sentences_in(spans)
        if rec.addressee not in RESPONDING_ADDRESSEES:
            return self._another_body(rec, own, spans)
        if not own:
            spans = self._similar(rec)
            own = self._sentences_in(spans)
        if sentence := _first(own, ANOTHER_BODY_PATTERNS):
            return Finding(ANOTHER_BODY, sentence, self._span_of(sentence, spans))
        if sentence := _first(own, ACCEPTED_PATTERNS):
            return Finding(ACCEPTED, sentence, self._span_of(sentence, spans))
        position = next(((s, p) for s in own if (p := _position(s))), None)
        if position and position[1] == ALREADY_IN_PLACE:
            return Finding(ALREADY_IN_PLACE, position[0], self._span_of(position[0], spans))
        if sentence := _first(self.collective, ACCEPTED_PATTERNS):
            return Finding(ACCEPTED, sentence, self._paragraph(sentence.start), collective=True)
        if position:
            return Finding(position[1], position[0], self._span_of(position[0], spans))
        if together := next(((s, p) for s in self.collective if (p := _position(s))), None):
            return Finding(
                together[1], together[0], self._paragraph(together[0].start), collective=True
            )
        if own:
            return Finding(
                NO_CLEAR_STATUS,
                own[0],
                self._span_of(own[0], spans),
                note="answered without a stated position",
            )
        if self.occurrences[rec.key]:
            # Its quote of the recommendation is HMICFRS's words, never the force's response.
            return Finding(NO_CLEAR_STATUS, note="quoted without a response to it")
        return Finding(NOT_MENTIONED, note="neither the recommendation nor a response to it found")

    def _another_body(
        self, rec: CanonicalRecommendation, own: list[Sentence], spans: list[tuple[int, int]]
    ) -> Finding:
        """Say whose it is, quoting the response where it says so (never its quote of it)."""
        note = f"addressed to the {rec.addressee}, not to the force or PCC"
        if sentence := _first(own, ANOTHER_BODY_PATTERNS):
            return Finding(ANOTHER_BODY, sentence, self._span_of(sentence, spans), note)
        body = re.compile(r"\b" + r"\s+".join(map(re.escape, rec.addressee.split())) + r"\b", re.I)
        for sentence in self.sentences:
            said = [m for p in ANOTHER_BODY_PATTERNS if (m := p.search(sentence.key))]
            if any(body.fullmatch(m.group("body")) for m in said):
                return Finding(ANOTHER_BODY, sentence, self._paragraph(sentence.start), note)
        if self.occurrences[rec.key]:
            return Finding(ANOTHER_BODY, note=note + "; this response quotes it without comment")
        return Finding(ANOTHER_BODY, note=note + "; this response does not mention it")

    def own_sentence(self, rec: CanonicalRecommendation) -> tuple[Sentence, tuple[int, int]] | None:
        """What the response says of this recommendation alone: its first position, else first."""
        spans = self._passages(rec)
        own = self._sentences_in(spans)
        sentence = next((s for s in own if _position(s)), own[0] if own else None)
        return (sentence, self._span_of(sentence, spans)) if sentence else None
