"""The embedding cache: vectors by (model, text hash), in a file of its own beside the corpus.

The cache is content-addressed, so it belongs to no generation of the corpus: an ingest's
embeddings are kept as soon as they are made (a killed ingest resumes where it stopped), and
readers add sentence vectors while an ingest holds the corpus's write transaction open.
Readers write it best-effort: when it is busy or read-only they keep vectors in memory only.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ingest.database import BUSY_MS, connect_reader, connect_writer
from ingest.errors import StoreError
from ingest.home import writable

log = logging.getLogger(__name__)

CACHE_FILE = "embeddings.sqlite3"
READER_BUSY_MS = 200  # a reader never waits long to save a vector it can remake
BATCH = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    model TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, text_hash)
);
"""


class EmbeddingCache:
    """One connection to the cache file, opened on first use and shared by threads."""

    def __init__(self, path: Path | str, *, best_effort: bool = False) -> None:
        self.path = Path(path)
        self.best_effort = best_effort
        self._memory = str(path) == ":memory:"
        self._db: sqlite3.Connection | None = None
        self._opened = False
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
            self._db, self._opened = None, True

    def vectors(self, model: str, text_hashes: Sequence[str]) -> dict[str, bytes]:
        """text hash -> vector bytes, for the hashes cached for this model."""
        found: dict[str, bytes] = {}
        with self._lock:
            db = self._connection()
            if db is None:
                return found
            try:
                for batch in _batches(list(text_hashes)):
                    marks = ",".join("?" * len(batch))
                    rows = db.execute(
                        "SELECT text_hash, vector FROM embeddings"
                        f" WHERE model = ? AND text_hash IN ({marks})",
                        [model, *batch],
                    )
                    found.update({r[0]: r[1] for r in rows})
            except sqlite3.Error as error:
                if not self.best_effort:
                    raise
                log.debug("embedding cache unreadable (%s)", error)
        return found

    def add(self, model: str, vectors: dict[str, bytes]) -> None:
        """Keep vectors, committed at once; a reader skips this when it cannot write."""
        rows = [(model, h, v) for h, v in vectors.items()]
        with self._lock:
            try:
                db = self._connection()
                if db is None:
                    return
                db.execute("BEGIN IMMEDIATE")
                try:
                    db.executemany(
                        "INSERT OR REPLACE INTO embeddings(model, text_hash, vector)"
                        " VALUES (?, ?, ?)",
                        rows,
                    )
                except BaseException:
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
            except (sqlite3.Error, OSError, StoreError) as error:
                if not self.best_effort:
                    raise
                log.debug("embedding cache not updated (%s): vectors kept in memory", error)

    def import_from(self, db: sqlite3.Connection) -> None:
        """Move a schema-1 corpus's embeddings table into this file (one-off migration)."""
        with self._lock:
            if self._connection() is None:
                return
        db.execute("ATTACH DATABASE ? AS cache", (str(self.path),))
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(
                    "INSERT OR IGNORE INTO cache.embeddings(model, text_hash, vector)"
                    " SELECT model, text_hash, vector FROM main.embeddings"
                )
                db.execute("DROP TABLE main.embeddings")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.execute("DETACH DATABASE cache")

    def _connection(self) -> sqlite3.Connection | None:
        """The shared connection, opened once; None for a reader that has no cache to use."""
        if not self._opened:
            self._opened = True
            try:
                if self._memory or not self.best_effort or writable(self.path.parent):
                    location = ":memory:" if self._memory else self.path
                    busy_ms = READER_BUSY_MS if self.best_effort else BUSY_MS
                    self._db = connect_writer(location, busy_ms)
                    self._db.executescript(_SCHEMA)
                elif self.path.is_file():
                    self._db = connect_reader(self.path)  # a read-only home: read what is there
            except (sqlite3.Error, OSError, StoreError) as error:
                if not self.best_effort:
                    raise
                log.debug("no embedding cache (%s): vectors kept in memory", error)
        return self._db


def _batches(items: list[Any]) -> Iterator[list[Any]]:
    for i in range(0, len(items), BATCH):
        yield items[i : i + BATCH]
