"""Keep the FAISS index in step with the store's chunks, embedding only text never seen before."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.embedder import DEFAULT_MODEL, Embedder, text_hash
from index.errors import ModelMismatch
from index.manifest import Manifest
from index.snapshot import current_vectors, open_writer, previous_manifest, publish
from index.vectors import VectorIndex
from ingest.faults import fault_point
from ingest.pipeline import IngestReport, ingest_paths
from ingest.sentences import split_sentences
from ingest.store import CorpusStore
from ingest.types import Chunk

log = logging.getLogger(__name__)

# Chunks per embedding pass: their texts and sentences are sorted by length together, so a
# larger pass pads less; this one bounds memory and still gives the progress bar steps.
EMBED_BLOCK = 1024


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What a sync did: vectors added and removed, and how many texts needed the model.

    `embedded` and `cached` count texts of both kinds answers read: chunks and the sentences of
    the added chunks (`sentences` of them), so a synced index answers without embedding more.
    """

    added: int
    removed: int
    embedded: int
    cached: int
    vectors: int
    model: str
    index_kind: str
    generation: int = 0
    sentences: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def embedding_text(chunk: Chunk) -> str:
    """What the model reads for a chunk: its section title gives short passages their topic."""
    return f"{chunk.section}: {chunk.text}" if chunk.section else chunk.text


def sync_index(
    store: CorpusStore,
    home: Path,
    embedder: Embedder,
    *,
    rebuild: bool = False,
    progress: bool = False,
) -> SyncReport:
    """Add vectors for new chunks, drop those of removed chunks, publish them as a generation.

    Call it inside the transaction that wrote the chunks (as ingest_and_index does), so the
    rows and the vectors are published together. Raises ModelMismatch when the existing index
    was built with another model (unless rebuild).
    """
    manifest = previous_manifest(store, home, rebuild)
    if manifest and manifest.model != embedder.model and not rebuild:
        raise ModelMismatch(
            f"the index in {home} was built with '{manifest.model}', not '{embedder.model}': "
            f"run `pccqa ingest --rebuild --model {embedder.model}` to re-index"
        )
    vectors = None if rebuild else _load_existing(store, home, manifest)
    wanted = store.chunk_ids()
    fresh = vectors is None
    if vectors is None:
        vectors = VectorIndex.create(embedder.dim, expected_size=len(wanted))
    present = set(vectors.ids().tolist())
    stale = np.array(sorted(present - set(wanted)), dtype=np.int64)
    removed = vectors.remove(stale) if len(stale) else 0
    new_ids = [i for i in wanted if i not in present]
    embedded, cached, sentences = _add_chunks(store, vectors, embedder, new_ids, progress)
    generation = store.generation()
    if fresh or removed or new_ids:
        generation = publish(
            store,
            home,
            vectors,
            Manifest(
                model=embedder.model,
                dim=vectors.dim,
                normalised=True,
                index_kind=vectors.kind,
                vectors=len(vectors),
            ),
        )
    return SyncReport(
        len(new_ids),
        removed,
        embedded,
        cached,
        len(vectors),
        embedder.model,
        vectors.kind,
        generation,
        sentences,
    )


def _load_existing(store: CorpusStore, home: Path, manifest: Manifest | None) -> VectorIndex | None:
    """The saved index, or None to start afresh when it is missing or unreadable."""
    return None if manifest is None else current_vectors(store, home)


def _add_chunks(
    store: CorpusStore,
    vectors: VectorIndex,
    embedder: Embedder,
    chunk_ids: Sequence[int],
    progress: bool,
) -> tuple[int, int, int]:
    """Vectors for new chunks, and for their sentences into the cache: one pass per block."""
    embedded = cached = sentences = 0
    bar = _progress_bar(len(chunk_ids), progress)
    for start in range(0, len(chunk_ids), EMBED_BLOCK):
        batch = store.chunks(chunk_ids[start : start + EMBED_BLOCK])
        texts = [embedding_text(c) for c in batch]
        keys = sentence_keys(store.passages(c.chunk_id for c in batch).values())
        matrix, n_new = embed_with_cache(store, embedder, texts + keys)
        vectors.add(np.array([c.chunk_id for c in batch], dtype=np.int64), matrix[: len(batch)])
        fault_point("embed")
        embedded += n_new
        cached += len(texts) + len(keys) - n_new
        sentences += len(keys)
        if bar:
            bar.update(len(batch))
    if bar:
        bar.close()
    return embedded, cached, sentences


def sentence_keys(passages: Iterable[str]) -> list[str]:
    """The distinct sentence keys of passages: what answers score against a question."""
    return list(dict.fromkeys(s.key for text in passages for s in split_sentences(text)))


def embed_with_cache(
    store: CorpusStore, embedder: Embedder, texts: Sequence[str]
) -> tuple[np.ndarray, int]:
    """Vectors for texts, from the store's cache where possible, and how many were new.

    The texts not in the cache go to the model in one call (which sorts them by length), each
    distinct text once.
    """
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32), 0
    hashes = [text_hash(t) for t in texts]
    found = store.cached_vectors(embedder.model, hashes)
    missing = {h: t for h, t in zip(hashes, texts, strict=True) if h not in found}
    if missing:
        fresh = embedder.encode_documents(list(missing.values()))
        new = {h: fresh[j].tobytes() for j, h in enumerate(missing)}
        with store.transaction():
            store.cache_vectors(embedder.model, new)
        found.update(new)
    matrix = np.vstack([np.frombuffer(found[h], dtype=np.float32) for h in hashes])
    return matrix, len(missing)


def _progress_bar(total: int, enabled: bool) -> Any:
    if not enabled or total == 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="embedding", unit="chunk")


def ingest_and_index(
    paths: Sequence[Path],
    home: Path,
    *,
    model: str | None = None,
    rebuild: bool = False,
    max_bytes: int | None = None,
    progress: bool = False,
    wait: bool = True,
    on_wait: Callable[[int | None], None] | None = None,
) -> tuple[IngestReport, SyncReport]:
    """The main job's first half: bring the store and the vectors in line with the files.

    One writer at a time (a second waits, or raises IngestBusy when not `wait`); the new rows
    and vectors are published together when it returns, or not at all.
    """
    with open_writer(home, wait=wait, on_wait=on_wait) as store:
        manifest = previous_manifest(store, home, rebuild)
        embedder = Embedder(model or (manifest.model if manifest else DEFAULT_MODEL))
        files_bar = None
        if progress:
            from tqdm import tqdm

            files_bar = tqdm(desc="reading", unit="file")
        try:
            report = ingest_paths(
                paths,
                store,
                rebuild=rebuild,
                on_file=(lambda _path: files_bar.update(1)) if files_bar is not None else None,
                **({"max_bytes": max_bytes} if max_bytes else {}),
            )
        finally:
            if files_bar is not None:
                files_bar.close()
        sync = sync_index(store, home, embedder, rebuild=rebuild, progress=progress)
        fault_point("commit")
    return report, sync
