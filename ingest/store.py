"""The SQLite corpus store: documents, chunks, keyword index, embedding cache, ratings.

Every SQL statement in the project lives here. One ingest run is one transaction, so a crash or
Ctrl-C half-way leaves the database exactly as it was.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ingest.types import Chunk, Document, DocumentMetadata, Page, Recommendation

SCHEMA_VERSION = 1

_SCHEMA = """
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
CREATE TABLE IF NOT EXISTS embeddings (
    model TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, text_hash)
);
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


class SchemaMismatch(Exception):
    """The database was written by another schema version of pcc-qa."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class CorpusStore:
    """One SQLite database holding the corpus; open it, use it, close it."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._write_lock = threading.RLock()
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA busy_timeout = 10000")
        self._migrate()

    def _migrate(self) -> None:
        self._db.executescript(_SCHEMA)
        # Chunk text counts twice the section title in bm25, for every query.
        self._db.execute(
            "INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('rank', 'bm25(1.0, 0.5)')"
        )
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            self._db.execute(
                "INSERT INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
        elif int(row["value"]) != SCHEMA_VERSION:
            raise SchemaMismatch(
                f"{self.path} has schema version {row['value']}, this pcc-qa needs "
                f"{SCHEMA_VERSION}: delete it and run `pccqa ingest` to rebuild"
            )

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> CorpusStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing writes: any exception (KeyboardInterrupt too) rolls everything back.

        One writer at a time: the web UI shares this connection between threads.
        """
        with self._write_lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # Documents -------------------------------------------------------------------------------

    def put_document(
        self, document: Document, chunks: Sequence[Chunk], signature: list[int]
    ) -> None:
        """Insert or replace a document (by path) and its chunks."""
        self._db.execute("DELETE FROM documents WHERE path = ?", (document.path,))
        meta = document.metadata
        self._db.execute(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                document.doc_id,
                document.path,
                document.file_type,
                document.content_hash,
                document.text,
                json.dumps([[p.number, p.start, p.end] for p in document.pages]),
                json.dumps(meta.to_dict()),
                meta.force,
                meta.inspection,
                json.dumps(signature),
                document.duplicate_of,
                _now(),
            ),
        )
        self._db.executemany(
            "INSERT INTO chunks(doc_id, ordinal, text, char_start, char_end, section, page, force)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (c.doc_id, c.ordinal, c.text, c.char_start, c.char_end, c.section, c.page, c.force)
                for c in chunks
            ],
        )

    def delete_document(self, path: str) -> None:
        self._db.execute("DELETE FROM documents WHERE path = ?", (path,))
        self._db.execute(
            "UPDATE documents SET duplicate_of = NULL WHERE duplicate_of NOT IN "
            "(SELECT doc_id FROM documents)"
        )

    def known_hashes(self) -> dict[str, str]:
        """path -> content hash of every stored document."""
        rows = self._db.execute("SELECT path, content_hash FROM documents")
        return {r["path"]: r["content_hash"] for r in rows}

    def signatures(self) -> dict[str, list[int]]:
        rows = self._db.execute(
            "SELECT doc_id, signature FROM documents WHERE duplicate_of IS NULL"
        )
        return {r["doc_id"]: json.loads(r["signature"]) for r in rows}

    def documents(self) -> list[Document]:
        rows = self._db.execute("SELECT * FROM documents ORDER BY force, path")
        return [_document_from_row(r) for r in rows]

    def document(self, doc_id: str) -> Document | None:
        row = self._db.execute("SELECT * FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return _document_from_row(row) if row else None

    def forces(self) -> list[str]:
        """Forces with at least one original (non-duplicate) document, sorted."""
        rows = self._db.execute(
            "SELECT DISTINCT force FROM documents WHERE force IS NOT NULL AND duplicate_of IS NULL "
            "ORDER BY force"
        )
        return [r["force"] for r in rows]

    def inspections(self) -> list[str]:
        rows = self._db.execute(
            "SELECT DISTINCT inspection FROM documents WHERE inspection IS NOT NULL ORDER BY 1"
        )
        return [r["inspection"] for r in rows]

    # Chunks ----------------------------------------------------------------------------------

    def chunk_ids(self) -> list[int]:
        return [r[0] for r in self._db.execute("SELECT chunk_id FROM chunks ORDER BY chunk_id")]

    def chunk_count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    def chunks(self, chunk_ids: Iterable[int] | None = None) -> list[Chunk]:
        """Chunks by id, in the order asked (all chunks when ids is None)."""
        if chunk_ids is None:
            rows = self._db.execute(f"{_CHUNK_SELECT} ORDER BY c.chunk_id").fetchall()
            return [_chunk_from_row(r) for r in rows]
        ids = list(chunk_ids)
        found: dict[int, Chunk] = {}
        for batch in _batches(ids, 500):
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(f"{_CHUNK_SELECT} WHERE c.chunk_id IN ({marks})", batch)
            found.update({r["chunk_id"]: _chunk_from_row(r) for r in rows})
        return [found[i] for i in ids if i in found]

    def passages(self, chunk_ids: Iterable[int]) -> dict[int, str]:
        """chunk id -> the chunk's exact source wording (the document text over its span)."""
        found: dict[int, str] = {}
        for batch in _batches(list(chunk_ids), 500):
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(
                "SELECT c.chunk_id, substr(d.text, c.char_start + 1, c.char_end - c.char_start)"
                f" FROM chunks c JOIN documents d USING (doc_id) WHERE c.chunk_id IN ({marks})",
                batch,
            )
            found.update({r[0]: r[1] for r in rows})
        return found

    def chunk_forces(self) -> dict[int, str | None]:
        """Every chunk id and the force of its document."""
        return dict(self._db.execute("SELECT chunk_id, force FROM chunks"))

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        rows = self._db.execute(f"{_CHUNK_SELECT} WHERE c.doc_id = ? ORDER BY c.ordinal", (doc_id,))
        return [_chunk_from_row(r) for r in rows]

    def filtered_chunk_ids(
        self,
        forces: Sequence[str] = (),
        inspection: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        section: str | None = None,
        include_duplicates: bool = False,
    ) -> list[int]:
        """Ids of chunks whose document matches every filter given."""
        where, args = _filter_clause(
            forces, inspection, date_from, date_to, section, include_duplicates
        )
        rows = self._db.execute(
            f"SELECT c.chunk_id FROM chunks c JOIN documents d USING (doc_id) WHERE {where}", args
        )
        return [r[0] for r in rows]

    def keyword_search(
        self, match: str, limit: int, chunk_ids: Sequence[int] | None = None
    ) -> list[tuple[int, float]]:
        """(chunk_id, bm25 score; higher is better) for an FTS5 MATCH expression.

        Chunk text weighs twice the section title. The allowed ids travel as a JSON parameter,
        so concurrent searches on the shared connection share no state.
        """
        sql = (
            "SELECT rowid, -bm25(chunks_fts, 1.0, 0.5) AS score FROM chunks_fts "
            "WHERE chunks_fts MATCH ?"
        )
        args: list[Any] = [match]
        if chunk_ids is not None:
            sql += " AND rowid IN (SELECT value FROM json_each(?))"
            args.append(json.dumps(list(chunk_ids)))
        sql += " ORDER BY score DESC LIMIT ?"
        args.append(limit)
        return [(r[0], float(r[1])) for r in self._db.execute(sql, args)]

    def term_counts(self) -> dict[str, int]:
        """Every indexed (stemmed) term and how many chunks hold it, from FTS5's own vocabulary.

        A temporary fts5vocab table: reading it needs no write access to the database.
        """
        self._db.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.chunks_vocab "
            "USING fts5vocab(main, chunks_fts, 'row')"
        )
        return dict(self._db.execute("SELECT term, doc FROM temp.chunks_vocab"))

    def keyword_count(self, match: str, cap: int | None = None) -> int:
        """How many chunks match an FTS5 expression, counting no further than `cap`."""
        if cap is None:
            sql, args = "SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?", (match,)
        else:
            sql = "SELECT count(*) FROM (SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?)"
            args = (match, cap)
        return self._db.execute(sql, args).fetchone()[0]

    # Embedding cache -------------------------------------------------------------------------

    def cached_vectors(self, model: str, text_hashes: Sequence[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for batch in _batches(list(text_hashes), 500):
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(
                "SELECT text_hash, vector FROM embeddings"
                f" WHERE model = ? AND text_hash IN ({marks})",
                [model, *batch],
            )
            found.update({r["text_hash"]: r["vector"] for r in rows})
        return found

    def cache_vectors(self, model: str, vectors: dict[str, bytes]) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO embeddings(model, text_hash, vector) VALUES (?, ?, ?)",
            [(model, h, v) for h, v in vectors.items()],
        )

    # Failures --------------------------------------------------------------------------------

    def failures(self) -> dict[str, tuple[str | None, str]]:
        """path -> (content hash, reason) of files that failed before."""
        rows = self._db.execute("SELECT path, content_hash, reason FROM failures")
        return {r["path"]: (r["content_hash"], r["reason"]) for r in rows}

    def record_failure(self, path: str, content_hash: str | None, reason: str) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO failures VALUES (?, ?, ?, ?)",
            (path, content_hash, reason, _now()),
        )

    def clear_failure(self, path: str) -> None:
        self._db.execute("DELETE FROM failures WHERE path = ?", (path,))

    # Ratings ---------------------------------------------------------------------------------

    def add_rating(self, rating: dict[str, Any]) -> int:
        """Store an evaluator's verdict on an answer; returns the rating id."""
        cursor = self._db.execute(
            "INSERT INTO ratings(rated_at, question, filters, answer, citations, configuration,"
            " verdict, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                _now(),
                rating["question"],
                json.dumps(rating.get("filters", {})),
                rating["answer"],
                json.dumps(rating.get("citations", [])),
                json.dumps(rating.get("configuration", {})),
                rating["verdict"],
                rating.get("note", ""),
            ),
        )
        return int(cursor.lastrowid or 0)

    def ratings(self, sample: int | None = None) -> list[dict[str, Any]]:
        order = "RANDOM()" if sample else "rating_id"
        sql = f"SELECT * FROM ratings ORDER BY {order}" + (" LIMIT ?" if sample else "")
        rows = self._db.execute(sql, (sample,) if sample else ())
        out = []
        for r in rows:
            item = dict(r)
            for key in ("filters", "citations", "configuration"):
                item[key] = json.loads(item[key])
            out.append(item)
        return out


_CHUNK_SELECT = (
    "SELECT c.chunk_id, c.doc_id, c.ordinal, c.text, c.char_start, c.char_end, c.section, c.page,"
    " c.force, d.path FROM chunks c JOIN documents d USING (doc_id)"
)


def _filter_clause(
    forces: Sequence[str],
    inspection: str | None,
    date_from: date | None,
    date_to: date | None,
    section: str | None,
    include_duplicates: bool,
) -> tuple[str, list[Any]]:
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


def _batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _chunk_from_row(row: sqlite3.Row) -> Chunk:
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


def _document_from_row(row: sqlite3.Row) -> Document:
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
