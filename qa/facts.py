"""Answer questions about extracted facts (dates, days taken, signatory), citing the source line."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from ingest.dates import find_dates
from ingest.types import Chunk, Document
from qa.question import Question
from qa.types import Answer, Citation

FIELD_LABELS = {
    "response_date": "response date",
    "published": "HMICFRS publication date",
    "days_to_respond": "days taken to respond",
    "within_56_days": "56-day deadline",
    "signatory": "signatory",
    "addressee": "addressee",
    "inspection": "inspection",
}
UNSTATED = {
    "response_date": "when it was written",
    "published": "when the report was published",
    "days_to_respond": "how many days it took",
    "within_56_days": "whether it met the 56-day deadline",
    "signatory": "who signed it",
    "addressee": "to whom it is addressed",
    "inspection": "which inspection it answers",
}
# What a metadata question wants when the extracted field is missing and the text must say it.
FIELD_TYPES = {
    "response_date": "date",
    "published": "date",
    "days_to_respond": "date",
    "within_56_days": "date",
    "signatory": "person",
    "addressee": "person",
    "inspection": None,
}


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


class _Citer:
    """Numbers citations as they are made; each quotes the source line holding the value."""

    def __init__(self, chunks_of: dict[str, list[Chunk]]) -> None:
        self.chunks_of = chunks_of
        self.citations: list[Citation] = []

    def cite(self, document: Document, start: int, end: int) -> str:
        line_start = document.text.rfind("\n", 0, start) + 1
        line_end = document.text.find("\n", end)
        line_end = len(document.text) if line_end < 0 else line_end
        quote = document.text[line_start:line_end].strip()
        quote_start = document.text.index(quote, line_start)
        chunk = next(
            (
                c
                for c in self.chunks_of.get(document.doc_id, [])
                if c.char_start <= quote_start and quote_start + len(quote) <= c.char_end
            ),
            None,
        )
        span = (chunk.char_start, chunk.char_end) if chunk else (line_start, line_end)
        self.citations.append(
            Citation(
                number=len(self.citations) + 1,
                doc_id=document.doc_id,
                file_name=document.file_name,
                force=document.metadata.force,
                section=chunk.section if chunk else "",
                page=chunk.page if chunk else document.page_at(quote_start),
                char_start=span[0],
                char_end=span[1],
                quote=quote,
                chunk_id=chunk.chunk_id if chunk else None,
                passage=document.text[span[0] : span[1]],
            )
        )
        return f"[{len(self.citations)}]"

    def cite_date(self, document: Document, value: date) -> str:
        spans = [(s, e) for d, s, e in find_dates(document.text) if d == value]
        return self.cite(document, *spans[0]) if spans else ""

    def cite_text(self, document: Document, value: str) -> str:
        position = document.text.rfind(value)
        return self.cite(document, position, position + len(value)) if position >= 0 else ""


def answer_fact(
    question: Question, documents: Sequence[Document], chunks_of: dict[str, list[Chunk]]
) -> Answer:
    """One line per response stating the fact asked for, or that the response does not say.

    A which-forces question constrained by a value ("addressed to the Home Secretary", "in
    May 2023", "late") is answered by filtering on it: only the responses whose extracted value
    matches are named, each citing the line that holds it.
    """
    field = question.metadata_field or "response_date"
    citer = _Citer(chunks_of)
    wanted = _constraint(question, field)
    if wanted is not None:
        return _filtered(question, field, wanted, documents, citer)
    lines, known, unknown = [], [], []
    for document in documents:
        force = document.metadata.force or document.file_name
        sentence = _fact_line(field, document, citer)
        if sentence is None:
            unknown.append(force)
            lines.append(
                f"- **{force}**: the response does not state {UNSTATED[field]}"
                + _unknown_reason(field, document)
                + "."
            )
        else:
            known.append(force)
            lines.append(f"- **{force}**: {sentence}")
    if field == "within_56_days":
        met = [d.metadata.force for d in documents if d.metadata.within_56_days]
        lead = (
            f"{len(met)} of {len(documents)} responses are dated within 56 days of "
            f"publication" + (f": {', '.join(m for m in met if m)}." if met else ".")
        )
        forces = tuple(f for f in met if f)
    else:
        plural = "response" if len(documents) == 1 else "responses"
        lead = f"The {FIELD_LABELS[field]} of {len(documents)} {plural}, from the documents:"
        forces = tuple(known)
    text = "\n".join([lead, "", *lines])
    return Answer(
        question=question.text,
        text=text,
        kind="metadata",
        forces=forces,
        citations=tuple(citer.citations),
        forces_without_evidence=tuple(unknown),
        abstained=not known,
        searched=f"extracted metadata of {len(documents)} documents",
    )


def _unknown_reason(field: str, document: Document) -> str:
    meta = document.metadata
    if field in ("days_to_respond", "within_56_days"):
        if meta.response_date is None:
            return " (it gives no response date)"
        if meta.published is None:
            return " (it gives no HMICFRS publication date)"
    return ""


def _fact_line(field: str, document: Document, citer: _Citer) -> str | None:
    meta = document.metadata
    if field == "response_date" and meta.response_date:
        cited = citer.cite_date(document, meta.response_date)
        return f"responded on {_day(meta.response_date)} {cited}."
    if field == "published" and meta.published:
        return (
            f"the report was published on {_day(meta.published)} "
            f"{citer.cite_date(document, meta.published)}."
        )
    if field in ("days_to_respond", "within_56_days") and meta.days_to_respond is not None:
        published = citer.cite_date(document, meta.published)
        responded = citer.cite_date(document, meta.response_date)
        verdict = "within" if meta.within_56_days else "outside"
        return (
            f"published {_day(meta.published)} {published}, response dated "
            f"{_day(meta.response_date)} {responded}: {meta.days_to_respond} days, "
            f"{verdict} the statutory 56 days."
        )
    if field == "signatory" and meta.signatory:
        return f"signed by {meta.signatory} {citer.cite_text(document, meta.signatory)}."
    if field == "inspection" and meta.inspection:
        return f"responds to “{meta.inspection}” {citer.cite_text(document, meta.inspection)}."
    if field == "addressee" and meta.addressee:
        name = meta.addressee.split(" (")[0]
        return f"addressed to {meta.addressee} {citer.cite_text(document, name)}."
    return None


_MONTH_YEAR = re.compile(
    r"\b(?:in|during)\s+(?:(january|february|march|april|may|june|july|august|september"
    r"|october|november|december)\s+)?((?:19|20)\d{2})\b",
    re.IGNORECASE,
)
_FILTER_PHRASES = {
    "addressee": "are addressed to {value}",
    "signatory": "are signed by {value}",
    "response_date": "are dated {value}",
    "published": "respond to reports published {value}",
}


def _constraint(question: Question, field: str) -> str | None:
    """The value a listing question filters on, or None when it asks for every value."""
    if not question.listing:
        return None
    if field in ("response_date", "published"):
        match = _MONTH_YEAR.search(question.searched or question.text)
        return " ".join(g for g in match.groups() if g) if match else None
    return question.metadata_value


def _matches(field: str, wanted: str, document: Document) -> bool | None:
    """Whether a document's extracted value matches; None when it does not state one."""
    meta = document.metadata
    if field in ("within_56_days", "days_to_respond"):
        within = meta.within_56_days
        return None if within is None else within == (wanted == "yes")
    if field in ("response_date", "published"):
        day = meta.response_date if field == "response_date" else meta.published
        return None if day is None else wanted.casefold() in f"{day:%B %Y}".casefold()
    value = meta.addressee if field == "addressee" else meta.signatory
    if not value:
        return None
    words = set(re.findall(r"\w+", wanted.casefold())) - {"the", "of", "for", "and"}
    return words <= set(re.findall(r"\w+", value.casefold()))


def _filtered(
    question: Question, field: str, wanted: str, documents: Sequence[Document], citer: _Citer
) -> Answer:
    lines, named, unknown = [], [], []
    for document in documents:
        force = document.metadata.force or document.file_name
        verdict = _matches(field, wanted, document)
        if verdict is None:
            unknown.append(force)
        elif verdict:
            sentence = _fact_line(field, document, citer)
            named.append(force)
            lines.append(f"- **{force}**: {sentence}")
    if field in ("within_56_days", "days_to_respond"):
        phrase = (
            "are dated within 56 days of the report's publication"
            if wanted == "yes"
            else "are dated more than 56 days after the report's publication"
        )
    else:
        phrase = _FILTER_PHRASES.get(field, "match").format(value=wanted)
    forces = tuple(dict.fromkeys(named))
    lead = f"{len(named)} of {len(documents)} responses {phrase}" + (
        f": {', '.join(forces)}." if forces else "."
    )
    text = "\n".join([lead, "", *lines])
    if unknown:
        text += f"\n\nNot stated in the responses from: {', '.join(dict.fromkeys(unknown))}."
    return Answer(
        question=question.text,
        text=text,
        kind="metadata",
        forces=forces,
        citations=tuple(citer.citations),
        forces_without_evidence=tuple(dict.fromkeys(unknown)),
        abstained=not forces,
        searched=f"extracted metadata of {len(documents)} documents",
    )
