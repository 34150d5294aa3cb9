"""The default, LLM-free answer writer: the direct answer first, then each force's quotes.

Three groups, never blurred: forces whose response states it (the answer), forces whose
response is close but not confirmed (shown under their own heading, so a missed force is
visible), and forces where nothing close was found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from qa.candidates import Unit
from qa.judge import RELATED, STATES, ForceVerdict
from qa.question import Question
from qa.types import Answer, Citation

QUOTE_CHARS = 320
NEAREST_SHOWN = 3
FORCE_QUOTES = 3
TYPE_WORDS = {
    "number": "does not give a number for this",
    "amount": "does not give an amount for this",
    "date": "does not give a date for this",
    "rating": "does not give a grade or rating for this",
    "person": "does not say who",
}


@dataclass(frozen=True, slots=True)
class Gathered:
    """Everything the judgment found for one question, before any prose is written."""

    question: Question
    verdicts: tuple[ForceVerdict, ...]
    searched_forces: tuple[str, ...]
    documents_searched: int
    nearest: tuple[Unit, ...] = ()
    absent_terms: tuple[str, ...] = ()
    forces_without_responses: tuple[str, ...] = ()
    filtered_out: tuple[str, ...] = ()
    unstated_type: str | None = None
    scope: str = "every response"
    filters: dict = field(default_factory=dict)

    def with_verdict(self, verdict: str) -> list[ForceVerdict]:
        return [v for v in self.verdicts if v.verdict == verdict and v.evidence]


def to_citation(number: int, unit: Unit) -> Citation:
    chunk = unit.chunk
    return Citation(
        number=number,
        doc_id=chunk.doc_id,
        file_name=chunk.file_name,
        force=chunk.force,
        section=chunk.section,
        page=chunk.page,
        char_start=chunk.char_start,
        char_end=chunk.char_end,
        quote=unit.sentence.text.strip(),
        chunk_id=chunk.chunk_id,
        passage=unit.passage,
    )


def shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def compose(gathered: Gathered) -> Answer:
    """Write the answer for any question kind from the verdicts."""
    question = gathered.question
    stated = gathered.with_verdict(STATES)
    related = gathered.with_verdict(RELATED)
    if question.listing or question.kind == "compare":
        stated.sort(key=lambda v: v.force)
    citations: list[Citation] = []
    # One quote a force when several are listed; a one-force answer shows its best few.
    quotes = 1 if question.listing or question.kind == "compare" else FORCE_QUOTES
    answer_lines = _force_lines(stated, citations, quotes=quotes)
    first_related = len(citations)
    related_lines = _force_lines(related, citations, quotes=1)
    named = tuple(v.force for v in stated)
    close = {v.force for v in stated + related}
    nothing = tuple(f for f in gathered.searched_forces if f not in close)
    if not gathered.searched_forces:
        return _nothing_searched(gathered)
    parts = [_lead(gathered, named), *_missing_lines(gathered)]
    if answer_lines:
        parts.append("\n".join(answer_lines))
    if related_lines:
        parts.append(
            "Possibly relevant, not confirmed (read before relying on it):\n"
            + "\n".join(related_lines)
        )
    if nothing and len(gathered.searched_forces) > 1:
        parts.append(f"Nothing found for: {', '.join(nothing)}.")
    parts.append(f"Searched: {gathered.scope} ({_searched(gathered)}).")
    nearest = ()
    if not named and not related_lines and gathered.nearest:
        nearest = tuple(
            to_citation(i, u) for i, u in enumerate(gathered.nearest[:NEAREST_SHOWN], 1)
        )
        parts.append(
            "Nearest passages (not an answer):\n"
            + "\n".join(f"- {c.label}: “{shorten(c.quote, 200)}”" for c in nearest)
        )
    return Answer(
        question=question.text,
        text="\n\n".join(parts),
        kind=question.kind,
        forces=named,
        citations=tuple(citations[:first_related]),
        forces_without_evidence=nothing,
        abstained=not named,
        nearest=nearest,
        searched=_searched(gathered),
        filters=gathered.filters,
        related_forces=tuple(v.force for v in related),
        related=tuple(citations[first_related:]),
        searched_for=question.searched if question.searched != question.text else None,
    )


def _nothing_searched(gathered: Gathered) -> Answer:
    """No response is in scope at all: say why (no such force, or the filters) and stop."""
    lines = _missing_lines(gathered) or [
        f"No response in the corpus matches the filters ({filter_words(gathered.filters)})."
    ]
    return Answer(
        question=gathered.question.text,
        text="\n\n".join(lines),
        kind=gathered.question.kind,
        abstained=True,
        searched="no documents",
        filters=gathered.filters,
    )


def _force_lines(
    verdicts: Sequence[ForceVerdict], citations: list[Citation], quotes: int
) -> list[str]:
    lines = []
    for verdict in verdicts:
        marks = []
        for unit in verdict.evidence[:quotes]:
            citations.append(to_citation(len(citations) + 1, unit))
            marks.append(f"“{shorten(unit.key)}” [{len(citations)}]")
        lines.append(f"- **{verdict.force}**: " + " ".join(marks))
    return lines


def _lead(gathered: Gathered, named: Sequence[str]) -> str:
    """The direct answer in one sentence, or a plain statement that nothing answers."""
    question = gathered.question
    total = len(gathered.searched_forces)
    names = ", ".join(named)
    if not named:
        if gathered.unstated_type and len(gathered.searched_forces) == 1:
            what = TYPE_WORDS.get(gathered.unstated_type, "does not state this")
            return f"The {gathered.searched_forces[0]} response {what}."
        if len(gathered.searched_forces) == 1:
            return f"The {gathered.searched_forces[0]} response does not state this."
        if gathered.absent_terms:
            terms = " or ".join(f"“{t}”" for t in gathered.absent_terms)
            return f"No response in the corpus mentions {terms}."
        return "No response in the corpus states this."
    if question.kind == "compare":
        return f"{len(named)} of {total} forces searched address this; each force's evidence:"
    if question.listing and question.singular:
        return f"The force whose response states this: {names}."
    if question.listing:
        return f"{len(named)} of {total} forces searched: {names}."
    if question.kind == "force":
        return f"What the {names} response says:"
    return f"Stated by {len(named)} of {total} forces searched ({names}):"


def _missing_lines(gathered: Gathered) -> list[str]:
    """Say which forces asked about have no response, or none within the filters."""
    lines = []
    if gathered.forces_without_responses:
        missing = ", ".join(gathered.forces_without_responses)
        lines.append(f"The corpus holds no response from {missing}.")
    if gathered.filtered_out:
        out = ", ".join(gathered.filtered_out)
        lines.append(
            f"No response from {out} matches the filters ({filter_words(gathered.filters)})."
        )
    return lines


def filter_words(filters: dict) -> str:
    """The filters in words: 'inspection “vetting”, response dated 2023-01-01 to 2023-12-31'."""
    words = []
    if filters.get("inspection"):
        words.append(f"inspection “{filters['inspection']}”")
    start, end = filters.get("date_from"), filters.get("date_to")
    if start or end:
        words.append(f"response dated {start or 'any time'} to {end or 'today'}")
    if filters.get("section"):
        words.append(f"section “{filters['section']}”")
    return ", ".join(words) or "none"


def _searched(gathered: Gathered) -> str:
    forces = len(gathered.searched_forces)
    return (
        f"{gathered.documents_searched} document{'s' if gathered.documents_searched != 1 else ''} "
        f"from {forces} force{'s' if forces != 1 else ''}"
    )
