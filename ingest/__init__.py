"""Files -> Document -> Chunk: readers, metadata, chunking and the SQLite corpus store."""

from ingest.errors import IngestError, StoreError
from ingest.pipeline import FileOutcome, IngestReport, ingest_paths
from ingest.store import CorpusStore
from ingest.types import Chunk, Document, DocumentMetadata, Recommendation

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
