"""The types answering produces: an answer whose every claim points at a checkable quote."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Citation:
    """Numbered evidence: `quote` is verbatim in the source text at [char_start, char_end)."""

    number: int
    doc_id: str
    file_name: str
    force: str | None
    section: str
    page: int | None
    char_start: int
    char_end: int
    quote: str
    chunk_id: int | None = None
    passage: str = ""

    @property
    def label(self) -> str:
        """'Norfolk response, Recommendation 4, p. 2' style anchor a person can look up."""
        parts = [f"{self.force or 'Unknown force'} response"]
        if self.section:
            parts.append(self.section)
        if self.page is not None:
            parts.append(f"p. {self.page}")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "label": self.label}


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer: prose with [n] markers, the forces it names, citations, and what was not found.

    `abstained` is True when no response in the corpus answers the question; `nearest` then holds
    passages shown only as "nearest, not an answer". `related` holds evidence from forces whose
    response is close to the question but does not clearly state the answer ("possibly
    relevant, not confirmed"), so a missed force is visible instead of silently absent.
    `searched_for` is the question as searched when typo correction changed it.
    """

    question: str
    text: str
    kind: str
    forces: tuple[str, ...] = ()
    citations: tuple[Citation, ...] = ()
    forces_without_evidence: tuple[str, ...] = ()
    abstained: bool = False
    nearest: tuple[Citation, ...] = ()
    searched: str = ""
    warnings: tuple[str, ...] = ()
    elapsed_ms: float = 0.0
    filters: dict[str, Any] = field(default_factory=dict)
    related_forces: tuple[str, ...] = ()
    related: tuple[Citation, ...] = ()
    searched_for: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "text": self.text,
            "kind": self.kind,
            "forces": list(self.forces),
            "citations": [c.to_dict() for c in self.citations],
            "forces_without_evidence": list(self.forces_without_evidence),
            "abstained": self.abstained,
            "nearest": [c.to_dict() for c in self.nearest],
            "searched": self.searched,
            "warnings": list(self.warnings),
            "elapsed_ms": round(self.elapsed_ms, 1),
            "filters": self.filters,
            "related_forces": list(self.related_forces),
            "related": [c.to_dict() for c in self.related],
            "searched_for": self.searched_for,
        }
