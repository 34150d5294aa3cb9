"""Each force's candidate evidence for a question: its best passages, split into scored sentences.

A sentence is read with its neighbours (a window), because responses often state a thing over
two sentences ("We have a Violence Reduction Unit. It funds ..."). Every score here is about one
force's own text; how forces compare is the judge's business.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.search import SearchFilters, SearchIndex
from index.types import Hit
from ingest.sentences import Sentence, split_sentences
from ingest.types import Chunk, DocumentMetadata
from qa.lexical import TermWeights, stems
from qa.question import Question

PASSAGES_PER_FORCE = 4
WINDOW = 1  # sentences either side that a sentence is read with

_NEGATION = re.compile(
    r"\b(?:not|no|never|neither|nor|without|none|unable)\b|n[’']t\b", re.IGNORECASE
)
# "3. By 31 March 2024, chief constables should ..." and restatements without the deadline.
_RECOMMENDATION_WORDING = re.compile(
    r"^[\W\d]*(?:#?\d+\s*[–-]\s*)?(?:recommendation\s*\d*\s*:?\s*)?(?:by [^,]{3,40},\s*)?"
    r"(?:all )?(?:chief constables|the home office|police forces|forces|pccs|police and crime "
    r"commissioners|the inspectorate|hmicfrs|the college of policing|the npcc)\s+should\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Unit:
    """One sentence of a force's passage, scored against the question alone and in its window."""

    sentence: Sentence
    chunk: Chunk
    passage: str
    window: str
    dense: float
    dense_window: float
    coverage: float
    coverage_window: float
    rarest_present: bool
    distinctive: float  # share of the question's two rarest words (absent ones too) held
    absent_meaning: float  # how closely the window says what the corpus's unknown words mean
    negated: bool
    quotes_recommendation: bool

    @property
    def key(self) -> str:
        return self.sentence.key


@dataclass(frozen=True, slots=True)
class ForceCandidates:
    """A force's best passages for a question and every sentence in them."""

    force: str
    hits: tuple[Hit, ...]
    units: tuple[Unit, ...]
    bm25: float
    dense_chunk: float
    coverage_chunk: float


def gather(
    index: SearchIndex,
    question: Question,
    forces: Sequence[str],
    weights: TermWeights,
    metadata: dict[str, DocumentMetadata],
    filters: SearchFilters | None = None,
) -> dict[str, ForceCandidates]:
    """Every force's candidates: its best passages by hybrid search, sentences scored."""
    base = filters or SearchFilters()
    vector = index.query_vector(question.focus)
    rarest = weights.rarest()
    # A word no response uses ('Kestrel', 'scammers') can still be said in other words: each
    # sentence is compared with the word's own meaning too.
    words = [weights.terms[k] for k in sorted(weights.absent)]
    unknown = np.vstack([index.query_vector(w) for w in words] or [np.zeros((0, len(vector)))])
    by_force = index.search_each_force(
        question.focus, forces, PASSAGES_PER_FORCE, base, query_vector=vector
    )
    return {
        force: _force_candidates(index, force, hits, vector, unknown, weights, rarest, metadata)
        for force, hits in by_force.items()
    }


def _force_candidates(
    index: SearchIndex,
    force: str,
    hits: list[Hit],
    vector: np.ndarray,
    unknown: np.ndarray,
    weights: TermWeights,
    rarest: str | None,
    metadata: dict[str, DocumentMetadata],
) -> ForceCandidates:
    passages = index.passages([h.chunk.chunk_id for h in hits])
    units: list[Unit] = []
    seen: set[tuple[str, int]] = set()
    distinctive = set(weights.distinctive())
    chunk_coverage = best_bm25 = 0.0
    for hit in hits:
        passage = passages.get(hit.chunk.chunk_id, hit.chunk.text)
        chunk_coverage = max(chunk_coverage, weights.coverage(weights.present(passage)))
        best_bm25 = max(best_bm25, weights.bm25(passage))
        sentences = split_sentences(passage, offset=hit.chunk.char_start)
        if not sentences:
            continue
        keys = [s.key for s in sentences]
        held = [stems(k) for k in keys]
        matrix = index.sentence_vectors(keys)
        # Per sentence, the mean over unknown words of its likeness to each (1: none unknown).
        likeness = (matrix @ unknown.T).mean(axis=1) if len(unknown) else np.ones(len(keys))
        for i, sentence in enumerate(sentences):
            if (hit.chunk.doc_id, sentence.start) in seen:
                continue  # overlapping chunks repeat sentences
            seen.add((hit.chunk.doc_id, sentence.start))
            lo, hi = max(0, i - WINDOW), min(len(sentences), i + WINDOW + 1)
            window = " ".join(keys[lo:hi])
            window_vector = matrix[lo:hi].sum(axis=0)
            window_vector /= np.linalg.norm(window_vector) or 1.0
            present = weights.present(keys[i], held[i])
            present_window = weights.present(window, set().union(*held[lo:hi]))
            units.append(
                Unit(
                    sentence=sentence,
                    chunk=hit.chunk,
                    passage=passage,
                    window=window,
                    dense=float(matrix[i] @ vector),
                    dense_window=float(window_vector @ vector),
                    coverage=weights.coverage(present),
                    coverage_window=weights.coverage(present_window),
                    rarest_present=rarest is not None and rarest in present_window,
                    distinctive=len(distinctive & present_window) / max(len(distinctive), 1),
                    absent_meaning=float(likeness[lo:hi].max()),
                    negated=bool(_NEGATION.search(keys[i])),
                    quotes_recommendation=_quotes_recommendation(
                        sentence, keys[i], metadata.get(hit.chunk.doc_id)
                    ),
                )
            )
    return ForceCandidates(
        force=force,
        hits=tuple(hits),
        units=tuple(units),
        bm25=best_bm25,
        dense_chunk=max((h.dense_score or 0.0) for h in hits),
        coverage_chunk=chunk_coverage,
    )


def _quotes_recommendation(sentence: Sentence, key: str, metadata: DocumentMetadata | None) -> bool:
    if _RECOMMENDATION_WORDING.match(key):
        return True
    return metadata is not None and any(
        r.char_start < sentence.end and sentence.start < r.char_end
        for r in metadata.recommendations
    )
