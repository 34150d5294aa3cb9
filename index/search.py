"""Hybrid search: dense (FAISS) and keyword (FTS5) rankings fused, filtered and diversified."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from index.embedder import Embedder
from index.errors import ModelMismatch
from index.keyword import fts_terms
from index.snapshot import CorpusInfo, open_snapshot
from index.types import Hit
from index.vectors import VectorIndex
from ingest.store import CorpusStore
from ingest.types import Chunk, Document

TOP_K = 8
CANDIDATES = 50
RRF_K = 60
QUERY_CACHE_SIZE = 256
COMMON_TERM_SHARE = 0.01  # a keyword term in more than this share of chunks is left out...
COMMON_TERM_MIN = 500  # ...once that share is over this many chunks (never in a small corpus)
MODES = ("hybrid", "dense", "keyword")
SENTENCE_CACHE_SIZE = 50_000
EACH_FORCE_IN_ONE_PASS = 50_000  # chunks; past this, each force is searched on its own
KEYWORD_POOL = 5_000  # keyword matches read when splitting one pass by force


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
    _sentences: OrderedDict[str, np.ndarray] = field(default_factory=OrderedDict)
    _term_counts: dict[str, int] | None = None
    _owners: dict[int, str | None] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    generation: int = 0
    published_at: str | None = None
    _retired: list[CorpusStore] = field(default_factory=list)

    @classmethod
    def open(cls, home: Path, model: str | None = None) -> SearchIndex:
        """Open the last complete generation in home, pinned: an ingest never shows through.

        Raises IndexNotFound, ModelMismatch or CorruptIndexError.
        """
        snapshot = open_snapshot(home)
        if model and model != snapshot.manifest.model:
            snapshot.store.close()
            raise ModelMismatch(
                f"the index in {home} was built with '{snapshot.manifest.model}', not '{model}': "
                f"run `pccqa ingest --rebuild --model {model}` to re-index"
            )
        index = cls(home, snapshot.store, Embedder(snapshot.manifest.model), snapshot.vectors)
        index.generation, index.published_at = snapshot.generation, snapshot.published_at
        return index

    def close(self) -> None:
        for store in (*self._retired, self.store):
            store.close()
        self._retired.clear()

    def is_stale(self) -> bool:
        """Whether an ingest has published a newer generation than the one being read."""
        return self.store.latest_generation() > self.generation

    def refresh(self) -> bool:
        """Switch to the newest complete generation (after an ingest); False if already on it.

        Call it between requests: a search running meanwhile keeps the store it started with.
        """
        if not self.is_stale():
            return False
        snapshot = open_snapshot(self.home)
        for store in self._retired:  # retired a refresh ago: nobody still reads them
            store.close()
        self._retired = [self.store]
        if snapshot.manifest.model != self.embedder.model:
            self.embedder = Embedder(snapshot.manifest.model)
            self._query_vectors = {}
        self.store, self.vectors = snapshot.store, snapshot.vectors
        self.generation, self.published_at = snapshot.generation, snapshot.published_at
        self._known_forces = []
        self._chunks = None
        self._term_counts = None
        self._owners = None
        return True

    @property
    def corpus(self) -> CorpusInfo:
        """What this index answers from: documents, forces, generation, as of when."""
        documents = self.store.original_count()
        return CorpusInfo(documents, tuple(self.forces), self.generation, self.published_at)

    @property
    def forces(self) -> list[str]:
        if not self._known_forces:
            self._known_forces = self.store.forces()
        return self._known_forces

    def documents(self) -> list[Document]:
        """Every document of the corpus, duplicates included (they say which they copy)."""
        return self.store.documents()

    def all_chunks(self) -> list[Chunk]:
        return self.store.chunks()

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        return self.store.chunks_of(doc_id)

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised vectors for texts, read from the embedding cache where it has them."""
        from index.build import embed_with_cache

        return embed_with_cache(self.store, self.embedder, texts)[0]

    def passages(self, chunk_ids: Sequence[int]) -> dict[int, str]:
        """chunk id -> the chunk's exact source wording, which quotes are cut from."""
        return self.store.passages(chunk_ids)

    def sentence_vectors(self, keys: Sequence[str]) -> np.ndarray:
        """Vectors for sentence keys: memory first, then the embedding cache, then the model."""
        with self._lock:
            missing = [k for k in dict.fromkeys(keys) if k not in self._sentences]
        if missing:
            fresh = self.embed_texts(missing)
            with self._lock:
                self._sentences.update(zip(missing, fresh, strict=True))
                while len(self._sentences) > SENTENCE_CACHE_SIZE:
                    self._sentences.popitem(last=False)
        with self._lock:
            return np.vstack([self._sentences[k] for k in keys])

    def term_counts(self) -> dict[str, int]:
        """Indexed (Porter-stemmed) term -> number of chunks holding it; read once per corpus."""
        if self._term_counts is None:
            self._term_counts = self.store.term_counts()
        return self._term_counts

    def keyword_count(self, match: str) -> int:
        """How many chunks match an FTS5 expression (glossary phrases, say)."""
        return self.store.keyword_count(match)

    def example_passage(self, match: str) -> str | None:
        """The text of one chunk matching an FTS5 expression, to show a word as written."""
        found = self.store.keyword_search(match, 1)
        return self.store.passages([found[0][0]]).get(found[0][0]) if found else None

    def query_vector(self, query: str) -> np.ndarray:
        """The query's embedding, remembered: one question runs many per-force searches."""
        vector = self._query_vectors.get(query)
        if vector is None:
            vector = self.embedder.encode_query(query)
            with self._lock:  # the web UI answers in several threads at once
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
        diverse: bool = False,
        query_vector: np.ndarray | None = None,
    ) -> list[Hit]:
        """The k best chunks for a query within the filters the caller chose.

        Search never guesses intent: a force named in the query is just words; callers that
        mean "only Norfolk" pass that filter, and `diverse` puts each force's best first.
        """
        if mode not in MODES:
            raise ValueError(f"unknown search mode '{mode}': choose one of {', '.join(MODES)}")
        filters = filters or SearchFilters()
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
        hits = self._hits(dense, keyword)
        if diverse:
            hits = each_force_first(hits)
        return hits[:k]

    def search_each_force(
        self,
        query: str,
        forces: Sequence[str],
        k: int,
        filters: SearchFilters | None = None,
        query_vector: np.ndarray | None = None,
    ) -> dict[str, list[Hit]]:
        """The k best chunks of each force, as a force-filtered `search` would rank them.

        One keyword pass over the corpus is split by force (bm25 does not depend on the filter).
        While the index is exact, so is one dense pass; above that, each force's dense search
        runs on its own ids, so IVF's probes are spent inside the force.
        """
        filters = filters or SearchFilters()
        owner = self._chunk_forces()
        wanted = set(forces)
        allowed = self.store.filtered_chunk_ids(
            (), filters.inspection, filters.date_from, filters.date_to, filters.section
        )
        keep = {cid for cid in allowed if owner.get(cid) in wanted}
        keyword = [h for h in self._keyword(query, None, KEYWORD_POOL) if h[0] in keep]
        if len(self.vectors) <= EACH_FORCE_IN_ONE_PASS:
            every = max(len(self.vectors), 1)
            dense = [d for d in self._dense(query, None, query_vector, every) if d[0] in keep]
        else:
            ids_of: dict[str, list[int]] = {}
            for cid in keep:
                ids_of.setdefault(owner[cid], []).append(cid)
            dense = [
                hit
                for force in forces
                if force in ids_of
                for hit in self._dense(query, ids_of[force], query_vector)
            ]
        by_force: dict[str, tuple[list, list]] = {f: ([], []) for f in forces}
        for ranking, side in ((dense, 0), (keyword, 1)):
            for cid, score in ranking:
                bucket = by_force[owner[cid]][side]
                if len(bucket) < CANDIDATES:
                    bucket.append((cid, score))
        return {
            force: hits for force, (d, kw) in by_force.items() if (hits := self._hits(d, kw)[:k])
        }

    def _chunk_forces(self) -> dict[int, str | None]:
        if self._owners is None:
            self._owners = self.store.chunk_forces()
        return self._owners

    def _hits(self, dense: list[tuple[int, float]], keyword: list[tuple[int, float]]) -> list[Hit]:
        """Fuse two rankings into hits carrying each side's rank and score."""
        fused = reciprocal_rank_fusion(dense, keyword)
        chunks = {c.chunk_id: c for c in self.store.chunks([cid for cid, _ in fused])}
        dense_rank = {cid: r for r, (cid, _) in enumerate(dense, 1)}
        keyword_rank = {cid: r for r, (cid, _) in enumerate(keyword, 1)}
        dense_score, keyword_score = dict(dense), dict(keyword)
        return [
            Hit(
                chunks[cid],
                score,
                dense_rank.get(cid),
                keyword_rank.get(cid),
                dense_score.get(cid),
                keyword_score.get(cid),
            )
            for cid, score in fused
            if cid in chunks
        ]

    def _dense(
        self,
        query: str,
        allowed: list[int] | None,
        query_vector: np.ndarray | None,
        k: int = CANDIDATES,
    ) -> list[tuple[int, float]]:
        vector = query_vector if query_vector is not None else self.query_vector(query)
        ids = None if allowed is None else np.asarray(allowed, dtype=np.int64)
        scores, found = self.vectors.search(vector[None, :], k, allowed_ids=ids)
        return [(int(i), float(s)) for s, i in zip(scores[0], found[0], strict=True) if i >= 0]

    def _keyword(
        self, query: str, allowed: list[int] | None, k: int = CANDIDATES
    ) -> list[tuple[int, float]]:
        terms = self._discriminating(fts_terms(query))
        if not terms:
            return []
        return self.store.keyword_search(" OR ".join(terms), k, allowed)

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
