"""Cross-force comparison: every force's cited position on each recommendation of an inspection."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from index.search import SearchFilters, SearchIndex
from index.types import Hit
from ingest.sentences import Sentence, split_sentences
from ingest.types import Chunk, Document
from qa.align import (
    CanonicalRecommendation,
    InspectionGroup,
    align,
    group_by_inspection,
    lexical_similarity,
    title_matches,
)
from qa.status import PRECEDENCE, RESTATEMENT_SIMILARITY, STATUSES, Finding, ResponseReader
from qa.types import Citation

if TYPE_CHECKING:
    from qa.chain import QAEngine

__all__ = [
    "STATUSES",
    "CanonicalRecommendation",
    "ComparisonMatrix",
    "MatrixCell",
    "compare_responses",
    "force_label",
    "inspection_matrices",
    "similar_citations",
    "similar_passages",
]

SIMILAR_K = 5
SIMILAR_CANDIDATES = 40  # dense candidates before recommendation quotes are dropped
# Cosine under which a passage only shares the subject: background such as "In 2018, the Home
# Office published its Serious Violence Strategy" scores about 0.38 against a force's practice.
SIMILAR_MIN = 0.4
# Sections that summarise the report or are form furniture, not a force's practice.
_NOT_PRACTICE = re.compile(
    r"\b(?:executive\s+summary|key\s+findings|summary\s+of\s+(?:the\s+)?report"
    r"|for\s+office\s+use)\b",
    re.I,
)
EXCERPT_CHARS = 160  # in the markdown table; the full quote is in the sources below it
_QUOTE_MARKS = ' \t\r\n“”"'  # a quote trimmed of the marks around it is still verbatim
# When a force sent several responses to one inspection, the position ranked first stands.
_RANK = {status: rank for rank, status in enumerate(PRECEDENCE)}


@dataclass(frozen=True, slots=True)
class MatrixCell:
    """One force's status on one recommendation, with the verbatim evidence for it."""

    force: str
    recommendation: str
    status: str
    excerpt: str
    citation: Citation | None = None
    # The status quote was said of all the recommendations together ("accepts both
    # recommendations"); `detail` is then what the response says of this one alone, if anything.
    collective: bool = False
    detail: Citation | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "force": self.force,
            "recommendation": self.recommendation,
            "status": self.status,
            "excerpt": self.excerpt,
            "citation": self.citation.to_dict() if self.citation else None,
            "collective": self.collective,
            "detail": self.detail.to_dict() if self.detail else None,
        }


@dataclass(frozen=True, slots=True)
class ComparisonMatrix:
    """Forces x canonical recommendations of one inspection; every cell checkable at its source."""

    inspection: str
    recommendations: tuple[CanonicalRecommendation, ...]
    forces: tuple[str, ...]
    cells: tuple[MatrixCell, ...]

    def cell(self, force: str, key: str) -> MatrixCell:
        """The cell for a force and a recommendation key ('R3'); KeyError names the options."""
        for cell in self.cells:
            if cell.force == force and cell.recommendation == key:
                return cell
        keys = ", ".join(r.key for r in self.recommendations)
        raise KeyError(
            f"no cell ({force}, {key}): forces are {', '.join(self.forces)}; "
            f"recommendations are {keys}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "inspection": self.inspection,
            "recommendations": [r.to_dict() for r in self.recommendations],
            "forces": list(self.forces),
            "cells": [c.to_dict() for c in self.cells],
        }

    def to_markdown(self) -> str:
        """Recommendations down, forces across (as the web UI shows it); sources listed beneath."""
        head = ["Recommendation", *self.forces]
        lines = [
            f"## {self.inspection}",
            "",
            "| " + " | ".join(head) + " |",
            "|---" * len(head) + "|",
        ]
        for rec in self.recommendations:
            label = f"**{rec.key}** ({rec.addressee}) {_shorten(rec.text)}"
            row = [_cell_text(label)]
            for force in self.forces:
                cell = self.cell(force, rec.key)
                text = f"**{cell.status}**"
                if cell.excerpt:
                    quoted = _shorten(cell.excerpt)
                    text += f" “{quoted}”" if cell.citation else f" ({quoted})"
                if cell.citation:
                    text += f" [{cell.citation.number}]"
                if cell.collective:
                    text += " (said of all the recommendations)"
                row.append(_cell_text(text))
            lines.append("| " + " | ".join(row) + " |")
        cited = [c.citation for c in self.cells if c.citation]
        if cited:
            lines += ["", "Sources:", ""]
            lines += [
                f"[{c.number}] {c.label}, {c.file_name}, characters {c.char_start}–"
                f"{c.char_end}: “{' '.join(c.quote.split())}”"
                for c in cited
            ]
        return "\n".join(lines) + "\n"

    def to_csv(self) -> str:
        """One row per force and recommendation, with the citation's file, section and span."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            [
                "inspection",
                "force",
                "recommendation",
                "number",
                "ref_id",
                "addressee",
                "recommendation_text",
                "status",
                "excerpt",
                "file_name",
                "section",
                "page",
                "char_start",
                "char_end",
            ]
        )
        recommendations = {r.key: r for r in self.recommendations}
        for cell in self.cells:
            rec, c = recommendations[cell.recommendation], cell.citation
            writer.writerow(
                [
                    self.inspection,
                    cell.force,
                    rec.key,
                    rec.number or "",
                    rec.ref_id or "",
                    rec.addressee,
                    rec.text,
                    cell.status,
                    cell.excerpt,
                    *(
                        (c.file_name, c.section, c.page or "", c.char_start, c.char_end)
                        if c
                        else ("", "", "", "", "")
                    ),
                ]
            )
        return out.getvalue()


def _shorten(text: str, limit: int = EXCERPT_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _cell_text(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def force_label(document: Document) -> str:
    """The force a response is filed under; a file with no force is listed by its own name."""
    return document.metadata.force or f"Unknown force ({document.file_name})"


def _citation(
    number: int, document: Document, finding: Finding, chunks: list[Chunk]
) -> Citation | None:
    """The evidence sentence as the quote, the passage holding it as the span (None: no quote)."""
    sentence = finding.sentence
    if sentence is None:
        return None
    start, end = finding.span or (sentence.start, sentence.end)
    if not start <= sentence.start < sentence.end <= end:
        start, end = sentence.start, sentence.end
    chunk = next(
        (c for c in chunks if c.char_start < sentence.end and sentence.start < c.char_end), None
    )
    return Citation(
        number=number,
        doc_id=document.doc_id,
        file_name=document.file_name,
        force=document.metadata.force,
        section=chunk.section if chunk else "",
        page=document.page_at(sentence.start),
        char_start=start,
        char_end=end,
        quote=sentence.text.strip(_QUOTE_MARKS),
        chunk_id=chunk.chunk_id if chunk else None,
        passage=document.text[start:end],
    )


def _matrix(engine: QAEngine, group: InspectionGroup) -> ComparisonMatrix:
    alignment = align(group, engine.index.sentence_vectors)

    def similarity(text: str, sentences: Sequence[Sentence]) -> np.ndarray:
        vectors = engine.index.sentence_vectors([s.key for s in sentences])
        return vectors @ engine.index.query_vector(text)

    best: dict[tuple[str, str], tuple[Document, Finding]] = {}
    readers: dict[str, ResponseReader] = {}
    for document in group.documents:
        reader = readers[document.doc_id] = ResponseReader(
            document,
            alignment.quoted.get(document.doc_id, {}),
            alignment.recommendations,
            similarity,
        )
        for rec in alignment.recommendations:
            finding = reader.assess(rec)
            key = (force_label(document), rec.key)
            if key not in best or _RANK[finding.status] < _RANK[best[key][1].status]:
                best[key] = (document, finding)
    forces = tuple(sorted({force_label(d) for d in group.documents}))
    chunks = {d.doc_id: engine.index.store.chunks_of(d.doc_id) for d in group.documents}
    cells: list[MatrixCell] = []
    for force in forces:
        for rec in alignment.recommendations:
            document, finding = best[(force, rec.key)]
            cited = sum(1 for c in cells if c.citation) + 1
            citation = _citation(cited, document, finding, chunks[document.doc_id])
            excerpt = citation.quote if citation else finding.note
            detail = None
            if finding.collective and (own := readers[document.doc_id].own_sentence(rec)):
                alone = Finding(finding.status, own[0], own[1])
                detail = _citation(cited, document, alone, chunks[document.doc_id])
            cells.append(
                MatrixCell(
                    force, rec.key, finding.status, excerpt, citation, finding.collective, detail
                )
            )
    return ComparisonMatrix(group.title, alignment.recommendations, forces, tuple(cells))


def inspection_matrices(
    engine: QAEngine, inspection: str | None = None
) -> list[tuple[InspectionGroup, ComparisonMatrix]]:
    """Each inspection's responses with their matrix; `inspection` keeps titles matching it."""
    groups = group_by_inspection(engine.documents)
    if inspection:
        groups = [g for g in groups if title_matches(inspection, g)]
    return [(group, _matrix(engine, group)) for group in groups]


def compare_responses(engine: QAEngine, inspection: str | None = None) -> list[ComparisonMatrix]:
    """One matrix per inspection (or per inspection matching `inspection`, case-insensitive)."""
    return [matrix for _, matrix in inspection_matrices(engine, inspection)]


def similar_passages(
    index: SearchIndex, text: str, exclude_force: str | None = None, k: int = SIMILAR_K
) -> list[Hit]:
    """Peer practice: each other force's passage closest in meaning, the closest force first.

    One passage per force; summaries of the report ("Key findings"), form furniture ("For
    office use only") and passages that mostly quote recommendations show no force's practice
    and are left out, as are weak matches.
    """
    forces = tuple(f for f in index.forces if f != exclude_force)
    if not forces or not text.strip():
        return []
    # Naming the forces explicitly stops a force named in the text from narrowing the search.
    filters = SearchFilters(forces=forces)
    hits = index.search(text, k=SIMILAR_CANDIDATES, filters=filters, mode="dense", diverse=False)
    documents = {d: index.store.document(d) for d in {h.chunk.doc_id for h in hits}}
    best: dict[str | None, Hit] = {}
    for hit in hits:
        if (
            hit.chunk.force not in best
            and (hit.dense_score if hit.dense_score is not None else hit.score) >= SIMILAR_MIN
            and not _NOT_PRACTICE.search(hit.chunk.section)
            and not _mostly_quoted(documents[hit.chunk.doc_id], hit.chunk)
        ):
            best[hit.chunk.force] = hit
    return list(best.values())[:k]


def similar_citations(
    index: SearchIndex, text: str, exclude_force: str | None = None, k: int = SIMILAR_K
) -> list[Citation]:
    """`similar_passages` as citations whose quote is the passage's sentence closest to `text`."""
    hits = similar_passages(index, text, exclude_force, k)
    if not hits:
        return []
    query = index.query_vector(text)
    citations = []
    for number, hit in enumerate(hits, 1):
        chunk = hit.chunk
        document = index.store.document(chunk.doc_id)
        if document is None:
            continue
        passage = document.text[chunk.char_start : chunk.char_end]
        sentences = split_sentences(passage, chunk.char_start)
        quote = ""
        if sentences:
            scores = index.embedder.encode_documents([s.key for s in sentences]) @ query
            quote = sentences[int(np.argmax(scores))].text
        anchor = (chunk.doc_id, chunk.file_name, chunk.force, chunk.section, chunk.page)
        citations.append(
            Citation(
                number,
                *anchor,
                chunk.char_start,
                chunk.char_end,
                quote=quote,
                chunk_id=chunk.chunk_id,
                passage=passage,
            )
        )
    return citations


def _mostly_quoted(document: Document | None, chunk: Chunk) -> bool:
    """A passage that mostly quotes or restates recommendations shows no force's practice."""
    if document is None:
        return False
    wordings = [r.text for r in document.metadata.recommendations]
    sentences = split_sentences(document.text[chunk.char_start : chunk.char_end])
    quoted = sum(
        len(s.text)
        for s in sentences
        if any(lexical_similarity(s.key, w) >= RESTATEMENT_SIMILARITY for w in wordings)
    )
    return quoted * 2 >= sum(len(s.text) for s in sentences)
