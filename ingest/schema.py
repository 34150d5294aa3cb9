"""The corpus database's tables, the filters over them, and their rows back into our types."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from ingest.types import Chunk, Document, DocumentMetadata, Page, Recommendation

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    file_type TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    text TEXT NOT NULL,
    pages TEXT NOT NULL,
    metadata TEXT NOT NULL,
    force TEXT,
    inspection TEXT,
    signature TEXT NOT NULL,
    duplicate_of TEXT,
    ingested_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    section TEXT NOT NULL,
    page INTEGER,
    force TEXT
);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks(doc_id);
CREATE INDEX IF NOT EXISTS chunks_by_force ON chunks(force);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    text, section, content='chunks', content_rowid='chunk_id',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS chunks_ai AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts(rowid, text, section) VALUES (new.chunk_id, new.text, new.section);
END;
CREATE TRIGGER IF NOT EXISTS chunks_ad AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, text, section)
    VALUES ('delete', old.chunk_id, old.text, old.section);
END;
CREATE TABLE IF NOT EXISTS failures (
    path TEXT PRIMARY KEY,
    content_hash TEXT,
    reason TEXT NOT NULL,
    failed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ratings (
    rating_id INTEGER PRIMARY KEY AUTOINCREMENT,
    rated_at TEXT NOT NULL,
    question TEXT NOT NULL,
    filters TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    configuration TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('correct', 'partly correct', 'wrong')),
    note TEXT NOT NULL DEFAULT ''
);
"""


def chunk_from_row(row: sqlite3.Row) -> Chunk:
    return Chunk(
        doc_id=row["doc_id"],
        ordinal=row["ordinal"],
        text=row["text"],
        char_start=row["char_start"],
        char_end=row["char_end"],
        section=row["section"],
        page=row["page"],
        force=row["force"],
        file_name=Path(row["path"]).name,
        chunk_id=row["chunk_id"],
    )


def document_from_row(row: sqlite3.Row) -> Document:
    return Document(
        doc_id=row["doc_id"],
        path=row["path"],
        file_type=row["file_type"],
        content_hash=row["content_hash"],
        text=row["text"],
        pages=tuple(Page(*p) for p in json.loads(row["pages"])),
        metadata=metadata_from_dict(json.loads(row["metadata"])),
        duplicate_of=row["duplicate_of"],
    )


def metadata_from_dict(data: dict[str, Any]) -> DocumentMetadata:
    """Rebuild metadata from its `to_dict()` form."""

    def day(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    return DocumentMetadata(
        force=data.get("force"),
        force_name=data.get("force_name"),
        policing_body=data.get("policing_body"),
        inspection=data.get("inspection"),
        published=day(data.get("published")),
        response_date=day(data.get("response_date")),
        signatory=data.get("signatory"),
        addressee=data.get("addressee"),
        form=data.get("form", "other"),
        recommendations=tuple(Recommendation(**r) for r in data.get("recommendations", [])),
    )


def filter_clause(
    forces: Sequence[str],
    inspection: str | None,
    date_from: date | None,
    date_to: date | None,
    section: str | None,
    include_duplicates: bool,
) -> tuple[str, list[Any]]:
    """The WHERE clause (over chunks c joined to documents d) and its parameters for filters."""
    clauses, args = ["1 = 1"], []
    if not include_duplicates:
        clauses.append("d.duplicate_of IS NULL")
    if forces:
        clauses.append(f"c.force IN ({','.join('?' * len(forces))})")
        args.extend(forces)
    if inspection:
        clauses.append("lower(d.inspection) LIKE ?")
        args.append(f"%{inspection.lower()}%")
    if date_from:
        clauses.append("json_extract(d.metadata, '$.response_date') >= ?")
        args.append(date_from.isoformat())
    if date_to:
        clauses.append("json_extract(d.metadata, '$.response_date') <= ?")
        args.append(date_to.isoformat())
    if section:
        clauses.append("lower(c.section) LIKE ?")
        args.append(f"%{section.lower()}%")
    return " AND ".join(clauses), args
