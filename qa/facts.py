"""Answer questions about extracted facts (dates, days taken, signatory), citing the source line."""

from __future__ import annotations

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
    "within_56_days": "whether the response met the 56-day deadline",
    "signatory": "signatory",
    "addressee": "addressee",
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
    """One line per response stating the fact asked for, or that the response does not say."""
    field = question.metadata_field or "response_date"
    citer = _Citer(chunks_of)
    lines, known, unknown = [], [], []
    for document in documents:
        force = document.metadata.force or document.file_name
        sentence = _fact_line(field, document, citer)
        if sentence is None:
            unknown.append(force)
            lines.append(
                f"- **{force}**: the response does not state {_unknown_what(field)}"
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
        count = f"{len(documents)} response{'s' if len(documents) != 1 else ''}"
        lead = f"The {FIELD_LABELS[field]} of {count}, from the documents:"
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


def _unknown_what(field: str) -> str:
    """'its response date', but 'whether it met the 56-day deadline' (no dangling 'its')."""
    if field == "within_56_days":
        return "whether it met the 56-day deadline"
    return f"its {FIELD_LABELS[field]}"


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
    if field == "addressee" and meta.addressee:
        name = meta.addressee.split(" (")[0]
        return f"addressed to {meta.addressee} {citer.cite_text(document, name)}."
    return None
