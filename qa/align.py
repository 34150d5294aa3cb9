"""One canonical recommendation list per inspection, aligned across every force's response."""

from __future__ import annotations

import logging
import re
from calendar import monthrange
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from difflib import SequenceMatcher
from typing import Any

import numpy as np

from ingest.dates import MONTHS
from ingest.forces import forces_mentioned
from ingest.types import Document, Recommendation

log = logging.getLogger(__name__)

# Two quotes are one recommendation when their wording (lexical) or meaning (dense cosine) is
# this close: rewordings of one recommendation score 0.8+, two recommendations of one report
# that share an opening ("chief constables should make sure their ...") score under 0.7.
ALIGN_MIN_SIMILARITY = 0.75
INSPECTION_TITLE_SIMILARITY = 0.85
FORCE_ADDRESSEE = "forces"

_DEADLINE = re.compile(
    r"^\W*(?:by|before)\s+(?:the\s+end\s+of\s+)?(?:(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+)?"
    r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?\s+(?P<year>\d{4})"
    r"\s*,?\s*",
    re.IGNORECASE,
)
_TITLE_NOISE = re.compile(r"#\d+|\bhmicfrs\b|\bhmic\b|\breport\b|[^a-z0-9 ]")
_TITLE_OPENING = re.compile(r"^(?:an?\s+)?inspection\s+of\s+")
MIN_CONTAINED_TITLE_WORDS = 3  # "custody" inside a longer title is not the same inspection
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class CanonicalRecommendation:
    """A recommendation of one inspection, as the responses quote it, under one key."""

    key: str
    number: int | None
    ref_id: str | None
    text: str
    addressee: str

    @property
    def to_forces(self) -> bool:
        """Whether section 55(5B) needs each force's response to say what it is doing about it."""
        return self.addressee == FORCE_ADDRESSEE

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "to_forces": self.to_forces}


@dataclass(frozen=True, slots=True)
class InspectionGroup:
    """Original responses to one inspection, however each document words the title."""

    title: str
    published: date | None
    documents: tuple[Document, ...]


@dataclass(slots=True)
class Alignment:
    """An inspection's canonical list and, per document, which quote is which recommendation."""

    recommendations: tuple[CanonicalRecommendation, ...]
    quoted: dict[str, dict[str, Recommendation]] = field(default_factory=dict)


def deadline(recommendation: Recommendation) -> date | None:
    """The 'By 31 March 2024' a recommendation opens with (month end when no day is given)."""
    match = _DEADLINE.match(recommendation.text)
    if match is None:
        return None
    year, month = int(match.group("year")), MONTHS[match.group("month").lower()]
    day = int(match.group("day") or monthrange(year, month)[1])
    try:
        return date(year, month, day)
    except ValueError:
        return None


def comparable(text: str) -> str:
    """Wording for comparison: no deadline (reports restate it differently), case, punctuation."""
    return " ".join(_WORD.findall(_DEADLINE.sub("", text).lower()))


def lexical_similarity(first: str, second: str) -> float:
    """Word-sequence overlap of two recommendations; quoting one inside the other is identical."""
    a, b = comparable(first), comparable(second)
    if not a or not b:
        return 0.0
    if (a in b or b in a) and min(len(a), len(b)) * 2 >= max(len(a), len(b)):
        return 1.0
    return SequenceMatcher(None, a.split(), b.split()).ratio()


def _title_key(title: str) -> str:
    """A title without case, punctuation, ids, 'HMICFRS' or an opening 'An inspection of'."""
    return _TITLE_OPENING.sub("", " ".join(_TITLE_NOISE.sub(" ", title.lower()).split()))


def _forces_named(title: str) -> set[str]:
    return {force.force for force in forces_mentioned(title)}


def _same_inspection(title: str, published: date | None, group: InspectionGroup) -> bool:
    """Same wording (after case and boilerplate), same forces named, same publication date."""
    if published and group.published and published != group.published:
        return False
    first, second = _title_key(title), _title_key(group.title)
    if _forces_named(title) != _forces_named(group.title):
        return False
    shorter, longer = sorted((first, second), key=len)
    if shorter in longer and len(shorter.split()) >= MIN_CONTAINED_TITLE_WORDS:
        return True
    return SequenceMatcher(None, first, second).ratio() >= INSPECTION_TITLE_SIMILARITY


def group_by_inspection(documents: Sequence[Document]) -> list[InspectionGroup]:
    """Original responses grouped by inspection; documents naming no inspection are left out."""
    groups: list[InspectionGroup] = []
    for document in sorted(documents, key=lambda d: (d.metadata.force or "", d.path)):
        meta = document.metadata
        if document.duplicate_of is not None or not meta.inspection:
            continue
        index = next(
            (
                i
                for i, g in enumerate(groups)
                if _same_inspection(meta.inspection, meta.published, g)
            ),
            None,
        )
        if index is None:
            groups.append(InspectionGroup(meta.inspection, meta.published, (document,)))
        else:
            group = groups[index]
            groups[index] = InspectionGroup(
                group.title, group.published or meta.published, (*group.documents, document)
            )
    # Most recent inspection first, as an inspector reviewing responses would read them.
    named = [_with_common_title(g) for g in groups]
    return sorted(named, key=lambda g: (g.published or date.min, g.title), reverse=True)


def title_matches(query: str, group: InspectionGroup) -> bool:
    """Whether a user's `--inspection` text names this inspection, in any response's wording."""
    wanted = _title_key(query)
    titles = [group.title, *(d.metadata.inspection or "" for d in group.documents)]
    return any(
        query.lower().strip() in t.lower() or (wanted and wanted in _title_key(t)) for t in titles
    )


def _with_common_title(group: InspectionGroup) -> InspectionGroup:
    """The title most responses use (the longest on a tie): what an inspector would search for."""
    titles = Counter(d.metadata.inspection for d in group.documents)
    title = max(titles, key=lambda t: (titles[t], len(t or "")))
    dates = Counter(d.metadata.published for d in group.documents if d.metadata.published)
    published = dates.most_common(1)[0][0] if dates else None
    return InspectionGroup(title or group.title, published, group.documents)


def from_this_inspection(recommendation: Recommendation, published: date | None) -> bool:
    """False for a recommendation due before the report came out: a quote from an earlier one."""
    due = deadline(recommendation)
    return due is None or published is None or due >= published


def align(group: InspectionGroup, vectors: Callable[[Sequence[str]], np.ndarray]) -> Alignment:
    """Cluster every document's quotes into one list, numbered as the responses number them."""
    members: list[tuple[str, Recommendation]] = []
    for document in group.documents:
        for recommendation in document.metadata.recommendations:
            if from_this_inspection(recommendation, group.published):
                members.append((document.doc_id, recommendation))
            else:
                log.info("%s: %r predates the inspection", document.file_name, recommendation.text)
    if not members:
        return Alignment(())
    matrix = vectors([comparable(r.text) for _, r in members])
    clusters: list[list[int]] = []
    for i, (doc_id, _) in enumerate(members):
        best, best_score = None, ALIGN_MIN_SIMILARITY
        for c, cluster in enumerate(clusters):
            if any(members[j][0] == doc_id for j in cluster):
                continue  # one document never quotes one recommendation as two
            score = max(
                _similarity(members[i][1], members[j][1], float(matrix[i] @ matrix[j]))
                for j in cluster
            )
            if score >= best_score:
                best, best_score = c, score
        if best is None:
            clusters.append([i])
        else:
            clusters[best].append(i)
    canonical = _canonical(clusters, members)
    quoted: dict[str, dict[str, Recommendation]] = {}
    for rec, cluster in zip(canonical, clusters, strict=True):
        for j in cluster:
            quoted.setdefault(members[j][0], {})[rec.key] = members[j][1]
    order = sorted(range(len(canonical)), key=lambda c: int(canonical[c].key[1:]))
    return Alignment(tuple(canonical[c] for c in order), quoted)


def _similarity(first: Recommendation, second: Recommendation, dense: float) -> float:
    """Shared HMICFRS ids decide outright; otherwise the closer of wording and meaning."""
    if first.ref_id and second.ref_id:
        return 1.0 if first.ref_id == second.ref_id else 0.0
    return max(lexical_similarity(first.text, second.text), dense)


def _canonical(
    clusters: list[list[int]], members: list[tuple[str, Recommendation]]
) -> list[CanonicalRecommendation]:
    """Number each cluster by its members' votes, give it its most-quoted wording and addressee.

    Ties go to the larger number: a response that quotes only some recommendations renumbers
    them from 1, never upwards, so the larger number is the report's own.
    """
    votes = [Counter(members[j][1].number for j in c if members[j][1].number) for c in clusters]
    numbers: dict[int, int] = {}
    strongest_first = sorted(range(len(clusters)), key=lambda c: -sum(votes[c].values()))
    for c in strongest_first:
        for number, _ in sorted(votes[c].items(), key=lambda item: (-item[1], -item[0])):
            if number not in numbers.values():
                numbers[c] = number
                break
    next_key = max(numbers.values(), default=0)
    result = []
    for c, cluster in enumerate(clusters):
        quotes = [members[j][1] for j in cluster]
        number = numbers.get(c)
        if number is None:
            next_key += 1
        wording = Counter(comparable(q.text) for q in quotes)
        common = max(wording.values())
        text = next(
            q.text
            for q in sorted(quotes, key=lambda q: q.number != number)
            if wording[comparable(q.text)] == common
        )
        refs = Counter(q.ref_id for q in quotes if q.ref_id)
        addressees = Counter(q.addressee for q in quotes if q.addressee != "unknown")
        result.append(
            CanonicalRecommendation(
                key=f"R{number if number is not None else next_key}",
                number=number,
                ref_id=refs.most_common(1)[0][0] if refs else None,
                text=text,
                addressee=addressees.most_common(1)[0][0] if addressees else "unknown",
            )
        )
    return result
