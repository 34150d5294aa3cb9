"""Hybrid search: dense (FAISS) and keyword (FTS5) rankings fused, filtered and diversified."""

from __future__ import annotations

import re
import threading
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from index.embedder import Embedder
from index.errors import IndexNotFound, ModelMismatch
from index.keyword import fts_terms
from index.manifest import DATABASE_FILE, VECTORS_FILE, read_manifest
from index.types import Hit
from index.vectors import VectorIndex
from ingest.forces import forces_mentioned
from ingest.store import CorpusStore

TOP_K = 8
CANDIDATES = 50
RRF_K = 60
QUERY_CACHE_SIZE = 256
COMMON_TERM_SHARE = 0.01  # a keyword term in more than this share of chunks is left out...
COMMON_TERM_MIN = 500  # ...once that share is over this many chunks (never in a small corpus)
MODES = ("hybrid", "dense", "keyword")
_CACHE_LOCK = threading.Lock()

_ACROSS_FORCES = re.compile(
    r"\b(which|what|how many|how do|how did|do|did|across|all|each|every|other|peer)\b.{0,30}"
    r"\b(forces|constabularies|pccs|commissioners|responses|areas)\b|\bcompare\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """Restrict a search to some forces, an inspection, a response-date range or a section."""

    forces: tuple[str, ...] = ()
    inspection: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    section: str | None = None

    @property
    def empty(self) -> bool:
        return not (
            self.forces or self.inspection or self.date_from or self.date_to or self.section
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["forces"] = list(self.forces)
        for key in ("date_from", "date_to"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def asks_across_forces(query: str) -> bool:
    """True for questions like 'which forces ...' that want every force's best passage first."""
    return bool(_ACROSS_FORCES.search(query))


@dataclass
class SearchIndex:
    """The searchable corpus: store, vectors and the model that built them, checked on open."""

    home: Path
    store: CorpusStore
    embedder: Embedder
    vectors: VectorIndex
    _known_forces: list[str] = field(default_factory=list)
    _query_vectors: dict[str, np.ndarray] = field(default_factory=dict)
    _chunks: int | None = None

    @classmethod
    def open(cls, home: Path, model: str | None = None) -> SearchIndex:
        """Open an index folder; raises IndexNotFound, ModelMismatch or CorruptIndexError."""
        manifest = read_manifest(home)
        if manifest is None or not (home / VECTORS_FILE).exists():
            raise IndexNotFound(f"no index in {home}: run `pccqa ingest` first")
        if model and model != manifest.model:
            raise ModelMismatch(
                f"the index in {home} was built with '{manifest.model}', not '{model}': "
                f"run `pccqa ingest --rebuild --model {model}` to re-index"
            )
        vectors = VectorIndex.load(home / VECTORS_FILE, mmap=True)
        store = CorpusStore(home / DATABASE_FILE)
        if vectors.dim != manifest.dim or len(vectors) != store.chunk_count():
            store.close()
            raise IndexNotFound(
                f"the index in {home} is out of step with its corpus ({len(vectors)} vectors, "
                f"{store.chunk_count()} chunks): run `pccqa ingest --rebuild`"
            )
        return cls(home, store, Embedder(manifest.model), vectors)

    def close(self) -> None:
        self.store.close()

    def refresh(self) -> None:
        """Reload the vectors after an ingest in this process (the UI's upload)."""
        self.vectors = VectorIndex.load(self.home / VECTORS_FILE, mmap=True)
        self._known_forces = []
        self._chunks = None

    @property
    def forces(self) -> list[str]:
        if not self._known_forces:
            self._known_forces = self.store.forces()
        return self._known_forces

    def forces_in_query(self, query: str) -> tuple[str, ...]:
        """Forces of the corpus that the query names ('what did Norfolk say ...')."""
        named = [force.force for force in forces_mentioned(query)]
        return tuple(f for f in named if f in self.forces)

    def query_vector(self, query: str) -> np.ndarray:
        """The query's embedding, remembered: one question runs many per-force searches."""
        vector = self._query_vectors.get(query)
        if vector is None:
            vector = self.embedder.encode_query(query)
            with _CACHE_LOCK:  # the web UI answers in several threads at once
                if len(self._query_vectors) >= QUERY_CACHE_SIZE:
                    self._query_vectors.pop(next(iter(self._query_vectors)), None)
                self._query_vectors[query] = vector
        return vector

    def search(
        self,
        query: str,
        k: int = TOP_K,
        filters: SearchFilters | None = None,
        mode: str = "hybrid",
        diverse: bool | None = None,
        query_vector: np.ndarray | None = None,
    ) -> list[Hit]:
        """The k best chunks for a query; forces named in it filter the search when none given."""
        if mode not in MODES:
            raise ValueError(f"unknown search mode '{mode}': choose one of {', '.join(MODES)}")
        filters = filters or SearchFilters()
        if not filters.forces:
            named = self.forces_in_query(query)
            if named:
                filters = SearchFilters(
                    named, filters.inspection, filters.date_from, filters.date_to, filters.section
                )
        allowed = (
            None
            if filters.empty
            else self.store.filtered_chunk_ids(
                filters.forces,
                filters.inspection,
                filters.date_from,
                filters.date_to,
                filters.section,
            )
        )
        if allowed is not None and not allowed:
            return []
        dense = self._dense(query, allowed, query_vector) if mode != "keyword" else []
        keyword = self._keyword(query, allowed) if mode != "dense" else []
        fused = reciprocal_rank_fusion(dense, keyword)
        chunks = {c.chunk_id: c for c in self.store.chunks([cid for cid, _ in fused])}
        dense_rank = {cid: r for r, (cid, _) in enumerate(dense, 1)}
        dense_score = dict(dense)
        keyword_rank = {cid: r for r, (cid, _) in enumerate(keyword, 1)}
        hits = [
            Hit(
                chunks[cid], score, dense_rank.get(cid), keyword_rank.get(cid), dense_score.get(cid)
            )
            for cid, score in fused
            if cid in chunks
        ]
        if diverse if diverse is not None else asks_across_forces(query):
            hits = each_force_first(hits)
        return hits[:k]

    def _dense(
        self, query: str, allowed: list[int] | None, query_vector: np.ndarray | None
    ) -> list[tuple[int, float]]:
        vector = query_vector if query_vector is not None else self.query_vector(query)
        ids = None if allowed is None else np.asarray(allowed, dtype=np.int64)
        scores, found = self.vectors.search(vector[None, :], CANDIDATES, allowed_ids=ids)
        return [(int(i), float(s)) for s, i in zip(scores[0], found[0], strict=True) if i >= 0]

    def _keyword(self, query: str, allowed: list[int] | None) -> list[tuple[int, float]]:
        terms = self._discriminating(fts_terms(query))
        if not terms:
            return []
        return self.store.keyword_search(" OR ".join(terms), CANDIDATES, allowed)

    def _discriminating(self, terms: list[str]) -> list[str]:
        """Terms without the ones in a large share of all chunks (none in a small corpus).

        bm25 gives such terms almost no weight, yet scoring them means reading their whole
        posting lists: at a million chunks they are what makes a keyword query slow. When every
        term is that common, the dense side alone ranks the query.
        """
        cap = max(COMMON_TERM_MIN, int(self._chunk_count() * COMMON_TERM_SHARE))
        return [t for t in terms if self.store.keyword_count(t, cap=cap) < cap]

    def _chunk_count(self) -> int:
        if self._chunks is None:
            self._chunks = self.store.chunk_count()
        return self._chunks


def reciprocal_rank_fusion(*rankings: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """Reciprocal-rank fusion: robust to the two retrievers' incomparable score scales."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, (chunk_id, _) in enumerate(ranking, 1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank)
    return sorted(scores.items(), key=lambda item: item[1], reverse=True)


def each_force_first(hits: list[Hit]) -> list[Hit]:
    """Each force's best passage before any force's second, keeping order within each round."""
    rounds: dict[str | None, int] = {}
    ranked = []
    for position, hit in enumerate(hits):
        round_no = rounds.get(hit.chunk.force, 0)
        rounds[hit.chunk.force] = round_no + 1
        ranked.append((round_no, position, hit))
    return [hit for _, _, hit in sorted(ranked, key=lambda item: item[:2])]
