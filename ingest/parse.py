"""One file -> its Document, Chunks and near-duplicate signature, and that result as JSON.

The JSON form is how the parse worker (ingest/sandbox.py) hands a result back: plain data, so
nothing a hostile file does inside the worker can make the parent run code.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ingest.chunking import chunk_document
from ingest.duplicates import minhash_signature
from ingest.errors import IngestError
from ingest.loaders import MAX_FILE_BYTES, load_file
from ingest.metadata import extract_metadata
from ingest.schema import metadata_from_dict
from ingest.types import Chunk, Document, Page


@dataclass(frozen=True, slots=True)
class Parsed:
    """A file read, described and chunked, ready to be written to the store."""

    document: Document
    chunks: list[Chunk]
    signature: list[int]

    def to_dict(self) -> dict[str, Any]:
        doc = self.document
        return {
            "document": {
                "doc_id": doc.doc_id,
                "path": doc.path,
                "file_type": doc.file_type,
                "content_hash": doc.content_hash,
                "text": doc.text,
                "pages": [[p.number, p.start, p.end] for p in doc.pages],
                "metadata": doc.metadata.to_dict(),
            },
            "chunks": [asdict(c) for c in self.chunks],
            "signature": self.signature,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Parsed:
        doc = data["document"]
        document = Document(
            doc_id=doc["doc_id"],
            path=doc["path"],
            file_type=doc["file_type"],
            content_hash=doc["content_hash"],
            text=doc["text"],
            pages=tuple(Page(*p) for p in doc["pages"]),
            metadata=metadata_from_dict(doc["metadata"]),
        )
        chunks = [Chunk(**c) for c in data["chunks"]]
        return cls(document, chunks, [int(v) for v in data["signature"]])


def parse_file(path: Path, key: str, content_hash: str, max_bytes: int = MAX_FILE_BYTES) -> Parsed:
    """Load, describe and chunk one file; raises IngestError with a one-line reason."""
    loaded = load_file(path, max_bytes=max_bytes)
    metadata = extract_metadata(loaded.text, path.name)
    document = Document(
        doc_id=hashlib.sha256(f"{key}\0{content_hash}".encode()).hexdigest()[:16],
        path=key,
        file_type=path.suffix.lower().lstrip("."),
        content_hash=content_hash,
        text=loaded.text,
        pages=loaded.pages,
        metadata=metadata,
    )
    chunks = chunk_document(document, loaded.headings)
    if not chunks:
        raise IngestError(f"{path.name}: no text to index after cleaning")
    return Parsed(document, chunks, minhash_signature(loaded.text))
