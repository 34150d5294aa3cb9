"""Files -> Document -> Chunk: readers, metadata, chunking and the SQLite corpus store."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ingest.errors import IngestError, StoreError
    from ingest.pipeline import FileOutcome, IngestReport, ingest_paths
    from ingest.store import CorpusStore
    from ingest.types import Chunk, Document, DocumentMetadata, Recommendation

# Names load on first use: reading the store (`pccqa ask`) never imports the file readers.
_HOMES = {
    "Chunk": "ingest.types",
    "CorpusStore": "ingest.store",
    "Document": "ingest.types",
    "DocumentMetadata": "ingest.types",
    "FileOutcome": "ingest.pipeline",
    "IngestError": "ingest.errors",
    "StoreError": "ingest.errors",
    "IngestReport": "ingest.pipeline",
    "Recommendation": "ingest.types",
    "ingest_paths": "ingest.pipeline",
}

__all__ = [
    "Chunk",
    "CorpusStore",
    "Document",
    "DocumentMetadata",
    "FileOutcome",
    "IngestError",
    "IngestReport",
    "Recommendation",
    "StoreError",
    "ingest_paths",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'ingest' has no attribute {name!r}")
    return getattr(import_module(_HOMES[name]), name)
