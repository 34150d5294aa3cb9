"""Chunk -> vectors + keyword index -> Hit: embedder, FAISS, FTS5 and hybrid search."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from index.build import SyncReport, ingest_and_index, sync_index
    from index.errors import CorruptIndexError, IndexNotFound, ModelMismatch
    from index.search import SearchFilters, SearchIndex
    from index.snapshot import CorpusInfo
    from index.types import Hit

# Names load on first use, so importing one light module (index.types) does not import the
# ingest pipeline, FAISS and the embedder: a cold `pccqa ask` pays only for what it runs.
_HOMES = {
    "SyncReport": "index.build",
    "ingest_and_index": "index.build",
    "sync_index": "index.build",
    "CorruptIndexError": "index.errors",
    "IndexNotFound": "index.errors",
    "ModelMismatch": "index.errors",
    "SearchFilters": "index.search",
    "SearchIndex": "index.search",
    "Hit": "index.types",
    "CorpusInfo": "index.snapshot",
}

__all__ = [
    "CorpusInfo",
    "CorruptIndexError",
    "Hit",
    "IndexNotFound",
    "ModelMismatch",
    "SearchFilters",
    "SearchIndex",
    "SyncReport",
    "ingest_and_index",
    "sync_index",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'index' has no attribute {name!r}")
    return getattr(import_module(_HOMES[name]), name)
