"""The types ingestion produces: a loaded document, its metadata, and its citable chunks."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a paginated source, as a character span of the document's text."""

    number: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Heading:
    """A structural heading the loader saw (DOCX style, HTML tag, markdown #), at a text offset."""

    title: str
    start: int
    level: int = 1


@dataclass(frozen=True, slots=True)
class LoadedText:
    """What a loader returns: the source text exactly as extracted, with its pages and headings."""

    text: str
    pages: tuple[Page, ...] = ()
    headings: tuple[Heading, ...] = ()


@dataclass(frozen=True, slots=True)
class Recommendation:
    """A recommendation as one response quotes it; number and ref_id where the text has them."""

    text: str
    number: int | None = None
    ref_id: str | None = None
    addressee: str = "unknown"
    char_start: int = 0
    char_end: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class DocumentMetadata:
    """Facts extracted from one response; None means the document does not say, never a guess."""

    force: str | None = None
    force_name: str | None = None
    policing_body: str | None = None
    inspection: str | None = None
    published: date | None = None
    response_date: date | None = None
    signatory: str | None = None
    addressee: str | None = None
    form: str = "other"
    recommendations: tuple[Recommendation, ...] = ()

    @property
    def days_to_respond(self) -> int | None:
        if self.published is None or self.response_date is None:
            return None
        return (self.response_date - self.published).days

    @property
    def within_56_days(self) -> bool | None:
        days = self.days_to_respond
        return None if days is None else 0 <= days <= 56

    def to_dict(self) -> dict[str, Any]:
        return {
            "force": self.force,
            "force_name": self.force_name,
            "policing_body": self.policing_body,
            "inspection": self.inspection,
            "published": self.published.isoformat() if self.published else None,
            "response_date": self.response_date.isoformat() if self.response_date else None,
            "days_to_respond": self.days_to_respond,
            "within_56_days": self.within_56_days,
            "signatory": self.signatory,
            "addressee": self.addressee,
            "form": self.form,
            "recommendations": [r.to_dict() for r in self.recommendations],
        }


@dataclass(frozen=True, slots=True)
class Document:
    """One source file, its exact extracted text, and what we know about it."""

    doc_id: str
    path: str
    file_type: str
    content_hash: str
    text: str
    pages: tuple[Page, ...] = ()
    metadata: DocumentMetadata = field(default_factory=DocumentMetadata)
    duplicate_of: str | None = None

    @property
    def file_name(self) -> str:
        return self.path.replace("\\", "/").rsplit("/", 1)[-1]

    def page_at(self, offset: int) -> int | None:
        """The page number holding a character offset, or None for unpaginated sources."""
        for page in self.pages:
            if page.start <= offset < page.end:
                return page.number
        return self.pages[-1].number if self.pages and offset >= self.pages[-1].end else None

    def to_dict(self, with_text: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "doc_id": self.doc_id,
            "path": self.path,
            "file_name": self.file_name,
            "file_type": self.file_type,
            "content_hash": self.content_hash,
            "pages": len(self.pages),
            "duplicate_of": self.duplicate_of,
            **self.metadata.to_dict(),
        }
        if with_text:
            out["text"] = self.text
        return out


@dataclass(frozen=True, slots=True)
class Chunk:
    """A searchable passage that carries its own citation anchor (document, section, page, span).

    `text` is the normalised passage used for embedding and keyword search; the exact source
    wording is `Document.text[char_start:char_end]`.
    """

    doc_id: str
    ordinal: int
    text: str
    char_start: int
    char_end: int
    section: str = ""
    page: int | None = None
    force: str | None = None
    file_name: str = ""
    chunk_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
