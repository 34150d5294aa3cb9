"""Section 55 compliance: each PCC response's days to respond, and whether it answers every
recommendation addressed to the force (section 55(5B))."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from ingest.types import Document
from qa.compare import force_label, inspection_matrices
from qa.status import ACCEPTED, ALREADY_IN_PLACE, ANOTHER_BODY, IN_PROGRESS

if TYPE_CHECKING:
    from qa.chain import QAEngine

STATUTORY_DAYS = 56  # Police Act 1996 s.55: comments published within 56 days of the report
FLAG_WITHIN = f"within {STATUTORY_DAYS} days"
FLAG_NO_RESPONSE_DATE = "unknown: no response date"
FLAG_NO_PUBLICATION_DATE = "unknown: no publication date"
FLAG_BEFORE_PUBLICATION = "unknown: response dated before publication"
# A response answers a recommendation when it states a position on it; 'no clear status' (quoted
# but no position) and 'not mentioned' leave section 55(5B) unmet.
ANSWERED_STATUSES = (ACCEPTED, IN_PROGRESS, ALREADY_IN_PLACE, ANOTHER_BODY)


@dataclass(frozen=True, slots=True)
class ComplianceRow:
    """One response measured against section 55: timeliness and recommendations answered."""

    force: str
    doc_id: str
    file_name: str
    inspection: str | None
    published: date | None
    response_date: date | None
    days: int | None
    within_56_days: bool | None
    flag: str
    recommendations_to_forces: int
    answered: int
    unanswered: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "force": self.force,
            "doc_id": self.doc_id,
            "file_name": self.file_name,
            "inspection": self.inspection,
            "published": self.published.isoformat() if self.published else None,
            "response_date": self.response_date.isoformat() if self.response_date else None,
            "days": self.days,
            "within_56_days": self.within_56_days,
            "flag": self.flag,
            "recommendations_to_forces": self.recommendations_to_forces,
            "answered": self.answered,
            "unanswered": list(self.unanswered),
        }


def timeliness(
    published: date | None, response_date: date | None
) -> tuple[int | None, bool | None, str]:
    """Days from publication to response, whether within 56, and the flag an inspector reads."""
    if response_date is None:
        return None, None, FLAG_NO_RESPONSE_DATE
    if published is None:
        return None, None, FLAG_NO_PUBLICATION_DATE
    days = (response_date - published).days
    if days < 0:
        return days, None, FLAG_BEFORE_PUBLICATION
    if days <= STATUTORY_DAYS:
        return days, True, FLAG_WITHIN
    return days, False, f"late: {days} days"


def _row(
    document: Document,
    inspection: str | None,
    published: date | None,
    to_forces: int,
    unanswered: tuple[str, ...],
) -> ComplianceRow:
    days, within, flag = timeliness(published, document.metadata.response_date)
    return ComplianceRow(
        force=force_label(document),
        doc_id=document.doc_id,
        file_name=document.file_name,
        inspection=inspection,
        published=published,
        response_date=document.metadata.response_date,
        days=days,
        within_56_days=within,
        flag=flag,
        recommendations_to_forces=to_forces,
        answered=to_forces - len(unanswered),
        unanswered=unanswered,
    )


def compliance_report(engine: QAEngine) -> list[ComplianceRow]:
    """Every original response, by inspection then force; 'answered' comes from the matrix."""
    rows, seen = [], set()
    for group, matrix in inspection_matrices(engine):
        to_forces = [r.key for r in matrix.recommendations if r.to_forces]
        for document in group.documents:
            seen.add(document.doc_id)
            force = force_label(document)
            unanswered = tuple(
                key for key in to_forces if matrix.cell(force, key).status not in ANSWERED_STATUSES
            )
            # The inspection's date stands in where a response does not repeat it.
            published = document.metadata.published or group.published
            rows.append(_row(document, group.title, published, len(to_forces), unanswered))
    for document in engine.documents:
        if document.duplicate_of is None and document.doc_id not in seen:
            rows.append(_row(document, None, document.metadata.published, 0, ()))
    return sorted(rows, key=lambda r: (r.inspection or "", r.force, r.file_name))
