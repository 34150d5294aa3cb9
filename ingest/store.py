"""The SQLite corpus store: documents, chunks, keyword index, generation, failures, ratings.

Every SQL statement on the corpus lives here (the embedding cache's are in ingest/cache.py). One
ingest is one transaction that also records the corpus's new generation, so a crash or Ctrl-C
half-way leaves the database exactly as it was, and readers pinned to a snapshot never see a
half-written corpus.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ingest.cache import CACHE_FILE, EmbeddingCache
from ingest.database import Database, table_exists
from ingest.errors import CorpusBusy, CorpusNotFound, HomeNotWritable, StoreError
from ingest.home import not_writable_sentence
from ingest.schema import SCHEMA, chunk_from_row, document_from_row, filter_clause
from ingest.types import Chunk, Document

# 2: the embedding cache moved to its own file; the generation is a meta row.
SCHEMA_VERSION = 2
READABLE_VERSIONS = (1, 2)  # a reader reads a schema-1 corpus as it is (generation 0)


class SchemaMismatch(Exception):
    """The database was written by another schema version of pcc-qa."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class CorpusStore(Database):
    """One SQLite database holding the corpus; open it, use it, close it.

    `CorpusStore(path)` is the writer's: read-write, schema migrated, one transaction per
    ingest. `CorpusStore.reader(path)` is a reader's: read-only (on a read-only home too) and
    pinned to the last committed generation until closed. Both write the embedding cache and
    ratings, which belong to no generation, on connections of their own.
    """

    def __init__(self, path: Path | str, *, snapshot: bool = False) -> None:
        memory = str(path) == ":memory:"
        self.cache = EmbeddingCache(
            ":memory:" if memory else Path(path).with_name(CACHE_FILE), best_effort=snapshot
        )
        try:
            super().__init__(path, snapshot=snapshot)
        except BaseException:
            self.cache.close()
            raise

    def close(self) -> None:
        super().close()
        self.cache.close()

    def _check_version(self) -> int:
        if not table_exists(self._db, "meta"):
            raise CorpusNotFound(f"no corpus in {self.path.parent}: run `pccqa ingest` first")
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = int(row["value"]) if row else SCHEMA_VERSION
        if version not in (READABLE_VERSIONS if self.snapshot else (1, SCHEMA_VERSION)):
            raise SchemaMismatch(
                f"{self.path} has schema version {version}, this pcc-qa needs "
                f"{SCHEMA_VERSION}: delete it and run `pccqa ingest` to rebuild"
            )
        return version

    def _migrate(self) -> None:
        version = self._check_version() if table_exists(self._db, "meta") else SCHEMA_VERSION
        self._db.executescript(SCHEMA)
        # Chunk text counts twice the section title in bm25, for every query.
        self._db.execute(
            "INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('rank', 'bm25(1.0, 0.5)')"
        )
        if version == 1 and table_exists(self._db, "embeddings"):
            self.cache.import_from(self._db)
        self._db.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)",
            (str(SCHEMA_VERSION),),
        )

    # Generations -----------------------------------------------------------------------------

    def generation(self) -> int:
        """The generation this store reads: pinned for a reader, the current one for a writer."""
        return _generation(self._db)

    def latest_generation(self) -> int:
        """The newest committed generation, whatever this reader is pinned to."""
        with self._live_lock:
            return _generation(self._live())

    def published(self) -> tuple[dict[str, Any] | None, str | None]:
        """The index manifest and publication time recorded with this store's generation."""
        rows = dict(
            self._db.execute(
                "SELECT key, value FROM meta WHERE key IN ('index', 'published_at')"
            ).fetchall()
        )
        index = rows.get("index")
        return (json.loads(index) if index else None), rows.get("published_at")

    def publish(self, generation: int, index: dict[str, Any]) -> None:
        """Record a new generation and its index manifest, in the caller's transaction."""
        self._db.executemany(
            "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
            [
                ("generation", str(generation)),
                ("index", json.dumps(index, sort_keys=True)),
                ("published_at", _now()),
            ],
        )

    def chunk_checksum(self) -> tuple[int, int]:
        """(count, sum) of chunk ids: a cheap test that vectors and rows are the same set."""
        row = self._db.execute("SELECT count(*), coalesce(sum(chunk_id), 0) FROM chunks")
        count, total = row.fetchone()
        return int(count), int(total)

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

    def file_names(self) -> set[str]:
        """The file name of every stored document (a re-ingested file keeps its name)."""
        rows = self._db.execute("SELECT path FROM documents")
        return {Path(r[0]).name for r in rows}

    def original_count(self) -> int:
        """Documents that are not near-duplicates of another: what 'searched N documents' counts."""
        return self._db.execute(
            "SELECT count(*) FROM documents WHERE duplicate_of IS NULL"
        ).fetchone()[0]

    def signatures(self) -> dict[str, list[int]]:
        rows = self._db.execute(
            "SELECT doc_id, signature FROM documents WHERE duplicate_of IS NULL"
        )
        return {r["doc_id"]: json.loads(r["signature"]) for r in rows}

    def documents(self) -> list[Document]:
        rows = self._db.execute("SELECT * FROM documents ORDER BY force, path")
        return [document_from_row(r) for r in rows]

    def document(self, doc_id: str) -> Document | None:
        row = self._db.execute("SELECT * FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return document_from_row(row) if row else None

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
            return [chunk_from_row(r) for r in rows]
        ids = list(chunk_ids)
        found: dict[int, Chunk] = {}
        for batch in _batches(ids, 500):
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(f"{_CHUNK_SELECT} WHERE c.chunk_id IN ({marks})", batch)
            found.update({r["chunk_id"]: chunk_from_row(r) for r in rows})
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
        return [chunk_from_row(r) for r in rows]

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
        where, args = filter_clause(
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
        return self.cache.vectors(model, text_hashes)

    def cache_vectors(self, model: str, vectors: dict[str, bytes]) -> None:
        """Keep vectors in the cache file, committed at once, whatever transaction is open."""
        self.cache.add(model, vectors)

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
        """Store an evaluator's verdict on an answer; returns the rating id.

        Raises HomeNotWritable on a read-only home and CorpusBusy while an ingest is writing.
        """
        values = (
            _now(),
            rating["question"],
            json.dumps(rating.get("filters", {})),
            rating["answer"],
            json.dumps(rating.get("citations", [])),
            json.dumps(rating.get("configuration", {})),
            rating["verdict"],
            rating.get("note", ""),
        )
        with self._live_lock:
            try:
                cursor = self._live().execute(
                    "INSERT INTO ratings(rated_at, question, filters, answer, citations,"
                    " configuration, verdict, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    values,
                )
            except sqlite3.OperationalError as error:
                raise _rating_error(self.path.parent, error) from error
        return int(cursor.lastrowid or 0)

    def ratings(self, sample: int | None = None) -> list[dict[str, Any]]:
        order = "RANDOM()" if sample else "rating_id"
        sql = f"SELECT * FROM ratings ORDER BY {order}" + (" LIMIT ?" if sample else "")
        with self._live_lock:
            rows = self._live().execute(sql, (sample,) if sample else ()).fetchall()
        out = []
        for r in rows:
            item = dict(r)
            for key in ("filters", "citations", "configuration"):
                item[key] = json.loads(item[key])
            out.append(item)
        return out


def _generation(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    return int(row[0]) if row else 0


def _rating_error(home: Path, error: sqlite3.OperationalError) -> StoreError:
    if "locked" in str(error) or "busy" in str(error):
        return CorpusBusy(
            f"an ingest is updating the corpus in {home}: rate again when it has finished"
        )
    return HomeNotWritable(not_writable_sentence(home, error))


_CHUNK_SELECT = (
    "SELECT c.chunk_id, c.doc_id, c.ordinal, c.text, c.char_start, c.char_end, c.section, c.page,"
    " c.force, d.path FROM chunks c JOIN documents d USING (doc_id)"
)


def _batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
