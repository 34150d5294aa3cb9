"""The default, LLM-free answer writer: lead with the direct answer, then each force's quotes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from qa.evidence import Evidence
from qa.question import Question
from qa.types import Answer, Citation

QUOTE_CHARS = 320
NEAREST_SHOWN = 3


@dataclass(frozen=True, slots=True)
class Gathered:
    """Everything retrieval found for one question, before any prose is written."""

    question: Question
    per_force: dict[str, list[Evidence]]
    searched_forces: tuple[str, ...]
    documents_searched: int
    nearest: tuple[Evidence, ...] = ()
    missing_anchors: tuple[str, ...] = ()
    scope: str = "every response"
    filters: dict = field(default_factory=dict)


def to_citation(number: int, evidence: Evidence) -> Citation:
    chunk = evidence.chunk
    return Citation(
        number=number,
        doc_id=chunk.doc_id,
        file_name=chunk.file_name,
        force=chunk.force,
        section=chunk.section,
        page=chunk.page,
        char_start=chunk.char_start,
        char_end=chunk.char_end,
        quote=evidence.sentence.text.strip(),
        chunk_id=chunk.chunk_id,
        passage=evidence.passage,
    )


def shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def compose(gathered: Gathered) -> Answer:
    """Write the answer for any question kind from the evidence gathered."""
    question = gathered.question
    if not gathered.per_force:
        return _abstain(gathered)
    citations: list[Citation] = []
    lines: list[str] = []
    forces = sorted(gathered.per_force, key=lambda f: -gathered.per_force[f][0].score)
    if question.kind in ("which_forces", "compare"):
        forces = sorted(forces)
    for force in forces:
        quotes = []
        for item in gathered.per_force[force]:
            citations.append(to_citation(len(citations) + 1, item))
            quotes.append(f"“{shorten(item.sentence.key)}” [{len(citations)}]")
        lines.append(f"- **{force}**: " + " ".join(quotes))
    without = tuple(f for f in gathered.searched_forces if f not in gathered.per_force)
    lead = _lead(question, forces, gathered)
    text = "\n".join([lead, "", *lines])
    if without and question.kind in ("which_forces", "compare", "general"):
        text += f"\n\nNo evidence found for: {', '.join(without)}."
    text += f"\n\nSearched: {gathered.scope} ({_searched(gathered)})."
    return Answer(
        question=question.text,
        text=text,
        kind=question.kind,
        forces=tuple(forces),
        citations=tuple(citations),
        forces_without_evidence=without,
        searched=_searched(gathered),
        filters=gathered.filters,
    )


def _lead(question: Question, forces: Sequence[str], gathered: Gathered) -> str:
    total = len(gathered.searched_forces)
    names = ", ".join(forces)
    if question.kind == "which_forces":
        return f"{len(forces)} of {total} forces in the corpus: {names}."
    if question.kind == "compare":
        return f"{len(forces)} of {total} forces address this; each force's closest evidence:"
    if question.kind == "force":
        return f"What the {names} response says:"
    return f"Evidence from {len(forces)} of {total} forces ({names}):"


def _searched(gathered: Gathered) -> str:
    forces = len(gathered.searched_forces)
    return (
        f"{gathered.documents_searched} document{'s' if gathered.documents_searched != 1 else ''} "
        f"from {forces} force{'s' if forces != 1 else ''}"
    )


def _abstain(gathered: Gathered) -> Answer:
    """Say plainly that nothing answers, and show the nearest passages as not an answer."""
    question = gathered.question
    if gathered.missing_anchors:
        terms = " or ".join(f"“{t}”" for t in gathered.missing_anchors)
        lead = f"No response in the corpus mentions {terms}."
    else:
        lead = "No response in the corpus answers this."
    nearest = tuple(
        to_citation(i, item) for i, item in enumerate(gathered.nearest[:NEAREST_SHOWN], 1)
    )
    text = lead + f"\n\nSearched: {gathered.scope} ({_searched(gathered)})."
    if gathered.searched_forces:
        text += f"\nNothing found for: {', '.join(gathered.searched_forces)}."
    if nearest:
        text += "\n\nNearest passages (not an answer):\n" + "\n".join(
            f"- {c.label}: “{shorten(c.quote, 200)}”" for c in nearest
        )
    return Answer(
        question=question.text,
        text=text,
        kind=question.kind,
        forces_without_evidence=gathered.searched_forces,
        abstained=True,
        nearest=nearest,
        searched=_searched(gathered),
        filters=gathered.filters,
    )
