"""Generations: a corpus's rows and its vectors published together, and readers that open one.

An ingest writes the next generation's vectors to a file of their own (vectors-<n>.faiss),
then commits its rows together with the generation number and the index manifest in one
SQLite transaction: that commit is the moment the new corpus exists. A kill before it leaves
the previous generation whole (its rows, and its vectors file, untouched); a kill after it
leaves the new one whole. A reader pins one committed state of the database and loads the
vectors file that state names, so it never pairs rows of one generation with vectors of another.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from index.errors import CorruptIndexError, IndexNotFound
from index.manifest import (
    DATABASE_FILE,
    MANIFEST_FILE,
    VECTORS_FILE,
    Manifest,
    read_manifest,
    vectors_file,
    write_manifest,
)
from index.vectors import VectorIndex
from ingest.errors import CorpusNotFound
from ingest.faults import fault_point
from ingest.home import storage_errors, writer_lock
from ingest.store import CorpusStore

log = logging.getLogger(__name__)

KEEP = 2  # generations whose vectors stay on disk: a reader opening during a publish finds both
OPEN_ATTEMPTS = 5
_GENERATION_FILE = re.compile(r"^vectors-(\d+)\.faiss$")
_LEFTOVERS = (f".{VECTORS_FILE}.", ".vectors-", f".{MANIFEST_FILE}.")


@dataclass(frozen=True, slots=True)
class CorpusInfo:
    """Which corpus an answer was made from: what a person needs to read 'nothing found'."""

    documents: int
    forces: tuple[str, ...]
    generation: int
    published_at: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "forces": list(self.forces),
            "generation": self.generation,
            "published_at": self.published_at,
        }

    def sentence(self) -> str:
        """One line for the UI: what was searched, which generation, published when."""
        forces = len(self.forces)
        when = _as_of(self.published_at)
        return (
            f"Searched {self.documents} document{'s' * (self.documents != 1)} from {forces} "
            f"force{'s' * (forces != 1)} (corpus generation {self.generation}"
            + (f", as of {when}" if when else "")
            + ")."
        )


@dataclass(frozen=True)
class Snapshot:
    """One complete generation, opened: the pinned store and the vectors it names."""

    store: CorpusStore
    vectors: VectorIndex
    manifest: Manifest
    generation: int
    published_at: str | None


def open_snapshot(home: Path) -> Snapshot:
    """The last complete generation in home; raises IndexNotFound or CorruptIndexError.

    Retries when an ingest publishes (and prunes) between pinning the database and loading the
    vectors it names.
    """
    if not (home / DATABASE_FILE).is_file():
        raise IndexNotFound(f"no index in {home}: run `pccqa ingest` first")
    for _ in range(OPEN_ATTEMPTS):
        try:
            store = CorpusStore.reader(home / DATABASE_FILE)
        except CorpusNotFound as error:
            raise IndexNotFound(str(error)) from error
        try:
            snapshot = _load(store, home)
        except _Superseded:
            store.close()
            continue
        except BaseException:
            store.close()
            raise
        return snapshot
    raise IndexNotFound(f"the corpus in {home} kept changing while being opened: try again")


class _Superseded(Exception):
    """The pinned generation's vectors were pruned by a newer one: open again."""


def _load(store: CorpusStore, home: Path) -> Snapshot:
    generation = store.generation()
    manifest = published_manifest(store, home)
    if manifest is None:
        raise IndexNotFound(f"no index in {home}: run `pccqa ingest` first")
    path = vectors_file(home, generation)
    try:
        vectors = VectorIndex.load(path, mmap=True)
    except FileNotFoundError:
        if store.latest_generation() != generation:
            raise _Superseded from None
        raise IndexNotFound(
            f"the vectors of the corpus in {home} are missing ({path.name}): "
            "run `pccqa ingest` to rebuild them"
        ) from None
    count, total = store.chunk_checksum()
    if vectors.dim != manifest.dim or len(vectors) != count or int(vectors.ids().sum()) != total:
        raise CorruptIndexError(
            f"the index in {home} is out of step with its corpus ({len(vectors)} vectors, "
            f"{count} chunks), as an older pcc-qa could leave it after a crash: "
            "run `pccqa ingest` to bring it up to date"
        )
    _, published_at = store.published()
    return Snapshot(store, vectors, manifest, generation, published_at)


def published_manifest(store: CorpusStore, home: Path) -> Manifest | None:
    """The manifest committed with the store's generation (manifest.json for generation 0)."""
    recorded, _ = store.published()
    if recorded is not None:
        return Manifest.from_dict(recorded, f"the index manifest recorded in {store.path}")
    return read_manifest(home) if store.generation() == 0 else None


def previous_manifest(store: CorpusStore, home: Path, rebuild: bool) -> Manifest | None:
    """The published manifest as a writer sees it: an unreadable one does not stop a rebuild."""
    try:
        return published_manifest(store, home)
    except CorruptIndexError as error:
        if not rebuild:
            raise
        log.warning("%s; rebuilding", error)
        return None


def current_vectors(store: CorpusStore, home: Path) -> VectorIndex | None:
    """The writer's starting point: the current generation's vectors, or None to rebuild."""
    path = vectors_file(home, store.generation())
    try:
        return VectorIndex.load(path)
    except FileNotFoundError:
        return None
    except CorruptIndexError as error:
        log.warning("%s; rebuilding it from the embedding cache", error)
        return None


def publish(store: CorpusStore, home: Path, vectors: VectorIndex, manifest: Manifest) -> int:
    """Save the next generation's vectors and record it in the writer's open transaction.

    Nothing is visible to readers until that transaction commits; manifest.json is written and
    old vectors files removed after the commit.
    """
    generation = store.generation() + 1
    vectors.save(vectors_file(home, generation))
    fault_point("index-save")
    manifest = replace(manifest, generation=generation)
    with store.transaction():
        store.publish(generation, manifest.to_dict())
        store.after_commit(lambda: _after_publish(home, manifest))
    return generation


def _after_publish(home: Path, manifest: Manifest) -> None:
    fault_point("manifest")
    try:
        write_manifest(home, manifest)
    except OSError as error:
        # Readers take the manifest from the database; this file is for people and tools.
        log.warning("manifest.json not updated (%s); the corpus is published all the same", error)
    prune(home, manifest.generation)


def prune(home: Path, current: int) -> None:
    """Remove vectors of generations older than the previous one, and a crashed run's leftovers.

    Only the writer (under the home's lock) calls this, so no save is in progress.
    """
    keep = {vectors_file(home, g).name for g in range(max(0, current - KEEP + 1), current + 1)}
    for path in home.iterdir():
        leftover = path.name.startswith(_LEFTOVERS)
        stale = (
            _GENERATION_FILE.match(path.name) or path.name == VECTORS_FILE
        ) and path.name not in keep
        if leftover or stale:
            try:
                path.unlink()
            except OSError as error:
                log.warning("could not remove %s: %s", path, error)


@contextmanager
def open_writer(
    home: Path, *, wait: bool = True, on_wait: Callable[[int | None], None] | None = None
) -> Iterator[CorpusStore]:
    """The writer's store, inside the home's lock and one transaction that publishes on exit.

    A full disk, a read-only home or a damaged database comes out as one StoreError; the
    transaction is rolled back, so the previous generation stays the published one.
    """
    with (
        writer_lock(home, wait=wait, on_wait=on_wait),
        storage_errors(home, lambda: room_needed(home)),
    ):
        with CorpusStore(home / DATABASE_FILE) as store:
            with store.transaction():
                yield store
            recorded = published_manifest(store, home)
        if recorded is not None and recorded.generation:
            _tidy(home, recorded)


def _tidy(home: Path, recorded: Manifest) -> None:
    """After any run: what a crash after some earlier commit left undone, done now."""
    try:
        current = read_manifest(home)
    except CorruptIndexError:
        current = None
    if current != recorded:
        write_manifest(home, recorded)
    prune(home, recorded.generation)


def room_needed(home: Path) -> int:
    """Bytes a new generation may need: the database again (WAL pages) and another index."""
    sizes = [p.stat().st_size for p in home.glob("vectors*.faiss") if p.is_file()]
    database = home / DATABASE_FILE
    return (database.stat().st_size if database.is_file() else 0) + max(sizes, default=0)


def _as_of(published_at: str | None) -> str:
    if not published_at:
        return ""
    try:
        return datetime.fromisoformat(published_at).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return published_at
