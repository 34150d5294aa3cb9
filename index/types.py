"""The type the index produces: one ranked passage with the scores that ranked it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ingest.types import Chunk


@dataclass(frozen=True, slots=True)
class Hit:
    """A retrieved chunk; `score` is the fused score, the ranks say which retriever found it."""

    chunk: Chunk
    score: float
    dense_rank: int | None = None
    keyword_rank: int | None = None
    dense_score: float | None = None
    keyword_score: float | None = None  # bm25, higher is better, comparable across filters

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.chunk.to_dict(),
            "score": self.score,
            "dense_rank": self.dense_rank,
            "keyword_rank": self.keyword_rank,
            "dense_score": self.dense_score,
            "keyword_score": self.keyword_score,
        }
