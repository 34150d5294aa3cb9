"""The two rankers every answer is measured against: case-folded BM25 and the tutorial's retriever.

Each asserts the forces of its top-3 passages, the rule the independent measurement used, so an
answer that loses what plain retrieval finds shows up as a lower score in the same run.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.search import SearchIndex

BASELINE_TOP = 3
TUTORIAL_CHUNK_SIZE = 1000
TUTORIAL_CHUNK_OVERLAP = 200
BM25_K1 = 1.5
BM25_B = 0.75

_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Passage:
    """A baseline's unit of retrieval: text and the document (file, force) it came from."""

    text: str
    file_name: str
    force: str | None


class BM25Ranker:
    """Okapi BM25 over lower-cased word tokens: no stemming, no stop list, no tuning."""

    name = "bm25"

    def __init__(self, passages: Sequence[Passage]) -> None:
        self.passages = list(passages)
        self._docs = [Counter(_TOKEN.findall(p.text.casefold())) for p in self.passages]
        lengths = np.array([sum(d.values()) for d in self._docs], dtype=np.float64)
        self._norm = BM25_K1 * (1 - BM25_B + BM25_B * lengths / max(lengths.mean(), 1.0))
        frequency = Counter(term for d in self._docs for term in d)
        n = len(self._docs)
        self._idf = {t: math.log((n - f + 0.5) / (f + 0.5) + 1.0) for t, f in frequency.items()}

    def rank(self, question: str) -> list[Passage]:
        terms = [t for t in _TOKEN.findall(question.casefold()) if t in self._idf]
        scores = np.zeros(len(self._docs))
        for i, doc in enumerate(self._docs):
            scores[i] = sum(
                self._idf[t] * doc[t] * (BM25_K1 + 1) / (doc[t] + self._norm[i])
                for t in terms
                if t in doc
            )
        order = np.argsort(-scores, kind="stable")
        return [self.passages[i] for i in order if scores[i] > 0]


class TutorialRanker:
    """The LangChain tutorial's retrieval: 1000/200 character splits, MiniLM, nearest first."""

    name = "tutorial"

    def __init__(self, index: SearchIndex) -> None:
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(
            chunk_size=TUTORIAL_CHUNK_SIZE, chunk_overlap=TUTORIAL_CHUNK_OVERLAP
        )
        self.index = index
        self.passages = [
            Passage(piece, d.file_name, d.metadata.force)
            for d in index.documents()
            if d.duplicate_of is None
            for piece in splitter.split_text(d.text)
        ]
        self._matrix = index.embed_texts([p.text for p in self.passages])

    def rank(self, question: str) -> list[Passage]:
        scores = self._matrix @ self.index.query_vector(question)
        return [self.passages[i] for i in np.argsort(-scores, kind="stable")]


def chunk_passages(index: SearchIndex) -> list[Passage]:
    """Every chunk pcc-qa indexed, as baseline passages: BM25 ranks the same chunks we do."""
    return [Passage(c.text, c.file_name, c.force) for c in index.all_chunks()]


def top_forces(ranked: Sequence[Passage], top: int = BASELINE_TOP) -> tuple[str, ...]:
    """The forces of the first `top` passages, each once: the baselines' 'which forces' answer."""
    return tuple(dict.fromkeys(p.force for p in ranked[:top] if p.force))


def ranked_files(ranked: Sequence[Passage]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.file_name for p in ranked))
