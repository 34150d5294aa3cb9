"""Chunk -> vectors + keyword index -> Hit: embedder, FAISS, FTS5 and hybrid search."""

from index.build import SyncReport, ingest_and_index, sync_index
from index.errors import CorruptIndexError, IndexNotFound, ModelMismatch
from index.search import SearchFilters, SearchIndex
from index.snapshot import CorpusInfo
from index.types import Hit

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
