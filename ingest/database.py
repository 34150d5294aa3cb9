"""Opening the SQLite files in PCCQA_HOME: writers in WAL mode, readers read-only and pinned.

WAL lets readers go on reading the last committed state while one writer works. A reader pins
that state by holding a read transaction open, so every query it makes sees one generation of
the corpus, however many ingests commit meanwhile. On a home it may not write (a read-only
mount), a reader opens the file as immutable: nobody can be writing it there.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from ingest.errors import CorpusNotFound
from ingest.home import storage_errors, writable

BUSY_MS = 10_000
LIVE_BUSY_MS = 5_000  # a reader's rating waits this long for an ingest's transaction


def connect_writer(path: Path | str, busy_ms: int = BUSY_MS) -> sqlite3.Connection:
    """A read-write connection in WAL mode, creating the file if need be."""
    db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("PRAGMA journal_mode = WAL")
    return db


def connect_reader(path: Path, busy_ms: int = BUSY_MS) -> sqlite3.Connection:
    """A read-only connection to an existing file; immutable where the home is read-only."""
    path = Path(path)
    if not path.is_file():
        raise CorpusNotFound(f"no corpus in {path.parent}: run `pccqa ingest` first")
    uri = path.resolve().as_uri()
    try:
        db = _open(f"{uri}?mode=ro", busy_ms)
    except sqlite3.OperationalError:
        # A WAL database needs its -shm file; where that cannot be made, nobody writes.
        if writable(path.parent):
            raise
        db = _open(f"{uri}?immutable=1", busy_ms)
    return db


def _open(uri: str, busy_ms: int) -> sqlite3.Connection:
    db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    try:
        db.row_factory = sqlite3.Row
        db.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except BaseException:
        db.close()
        raise
    return db


def pin(db: sqlite3.Connection) -> None:
    """Hold a read transaction: from the first read on, the connection sees one snapshot."""
    db.execute("BEGIN")
    db.execute("SELECT count(*) FROM sqlite_master").fetchone()


def table_exists(db: sqlite3.Connection, name: str, schema: str = "main") -> bool:
    row = db.execute(
        f"SELECT 1 FROM {schema}.sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None


class Database:
    """A corpus database file, opened for the one writer or for a reader pinned to a snapshot.

    The writer gets transactions (nested ones join the outermost) with after-commit hooks. A
    reader's queries all see the generation committed when it opened; what belongs to no
    generation (ratings, the newest generation number) goes through a second, unpinned
    connection.
    """

    def __init__(self, path: Path | str, *, snapshot: bool = False) -> None:
        self.path = Path(path)
        self.snapshot = snapshot
        self._write_lock = threading.RLock()
        self._depth = 0
        self._after_commit: list[Callable[[], None]] = []
        self._live_lock = threading.Lock()
        self._live_db: sqlite3.Connection | None = None
        with storage_errors(self.path.parent):
            if snapshot:
                self._db = connect_reader(self.path)
            else:
                if str(path) != ":memory:":
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                self._db = connect_writer(str(path))
            try:
                if snapshot:
                    self._check_version()
                    pin(self._db)
                else:
                    self._migrate()
            except BaseException:
                self._db.close()  # nobody else will: the caller never gets this object
                raise

    @classmethod
    def reader(cls, path: Path | str) -> Self:
        """A read-only view of the last committed generation; raises CorpusNotFound."""
        return cls(path, snapshot=True)

    def close(self) -> None:
        self._db.close()
        with self._live_lock:
            if self._live_db is not None and self._live_db is not self._db:
                self._live_db.close()
            self._live_db = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing writes: any exception (KeyboardInterrupt too) rolls everything back.

        Nested calls join the outermost one, so an ingest's rows, its generation and anything
        its steps write commit together. One writer at a time: the web UI shares a connection
        between threads. A reader has nothing to group (its cache and rating writes commit on
        their own), so for it this is a no-op.
        """
        if self.snapshot:
            yield
            return
        with self._write_lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
                self._depth = 0
                self._db.execute("COMMIT")
            except BaseException:
                self._after_commit.clear()
                # SQLite has already rolled back after some errors (a full disk).
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
            finally:
                self._depth = 0
            hooks, self._after_commit = self._after_commit, []
        for hook in hooks:
            hook()

    def after_commit(self, hook: Callable[[], None]) -> None:
        """Run hook once the current transaction commits (now, if none is open)."""
        with self._write_lock:
            if self._depth:
                self._after_commit.append(hook)
                return
        hook()

    def _live(self) -> sqlite3.Connection:
        """An unpinned connection, for what belongs to no generation (ratings, the newest one).

        Callers hold `_live_lock`: the connection is shared by threads.
        """
        if not self.snapshot:
            return self._db
        if self._live_db is None:
            with storage_errors(self.path.parent):
                if writable(self.path.parent):
                    self._live_db = connect_writer(self.path, LIVE_BUSY_MS)
                else:
                    self._live_db = connect_reader(self.path)
        return self._live_db

    def _check_version(self) -> int:
        """A reader's check that it can read this file; returns the schema version."""
        raise NotImplementedError

    def _migrate(self) -> None:
        """A writer's: bring the file's tables up to this version."""
        raise NotImplementedError
