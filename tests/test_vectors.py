"""The FAISS wrapper on small real indexes: exact and IVF kinds, filters, removal, files on disk."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index import vectors as vectors_module
from index.errors import CorruptIndexError
from index.vectors import FLAT, IVF, VectorIndex

DIM = 32
N = 2_000
KINDS = [FLAT, IVF]


def unit_vectors(n: int, seed: int) -> np.ndarray:
    """Random normalised float32 vectors, like an embedder's output."""
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((n, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def chunk_ids(n: int) -> np.ndarray:
    """Sparse ids, as SQLite row ids become after deletions."""
    return np.arange(n, dtype=np.int64) * 3 + 7


def exact_top(queries: np.ndarray, vectors: np.ndarray, ids: np.ndarray, k: int) -> np.ndarray:
    """Brute-force reference: ids of the k most similar vectors per query."""
    return ids[np.argsort(-(queries @ vectors.T), axis=1, kind="stable")[:, :k]]


def filled(kind: str, n: int = N) -> tuple[VectorIndex, np.ndarray, np.ndarray]:
    """An index of `kind` holding n random vectors, with their ids and the vectors."""
    index = VectorIndex.create(DIM, kind, nlist=16 if kind == IVF else None)
    ids, vectors = chunk_ids(n), unit_vectors(n, seed=1)
    index.add(ids, vectors)
    return index, ids, vectors


@pytest.mark.parametrize("kind", KINDS)
def test_each_vector_finds_its_own_id_first(kind: str) -> None:
    index, ids, vectors = filled(kind)
    scores, found = index.search(vectors[:50], k=3)
    assert index.kind == kind and index.dim == DIM and len(index) == N
    assert found.shape == scores.shape == (50, 3)
    assert found[:, 0].tolist() == ids[:50].tolist()
    assert np.allclose(scores[:, 0], 1.0, atol=1e-5), "inner product of unit vectors is cosine"
    assert np.all(np.diff(scores, axis=1) <= 0), "best first"


@pytest.mark.parametrize("kind", KINDS)
def test_removed_ids_never_come_back(kind: str) -> None:
    index, ids, vectors = filled(kind)
    gone = ids[::2]
    absent = np.array([1, 2], dtype=np.int64)  # never added: ignored, not counted
    assert index.remove(np.concatenate([gone, absent])) == len(gone)
    assert len(index) == N - len(gone)
    assert index.ids().tolist() == ids[1::2].tolist()
    _, found = index.search(vectors[:100], k=50)
    assert not set(found.ravel().tolist()) & set(gone.tolist())
    assert found[1::2, 0].tolist() == ids[1:100:2].tolist(), "kept vectors still find themselves"


@pytest.mark.parametrize(
    ("kind", "filter_exact_max"),
    [(FLAT, 100_000), (FLAT, 0), (IVF, 100_000), (IVF, 0)],
    ids=["flat-gathered", "flat-selector", "ivf-gathered", "ivf-selector"],
)
def test_allowed_ids_restrict_results_to_that_subset(
    kind: str, filter_exact_max: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vectors_module, "FILTER_EXACT_MAX", filter_exact_max)
    index, ids, vectors = filled(kind)
    rng = np.random.default_rng(5)
    pick = np.sort(rng.choice(N, 40, replace=False))
    allowed = np.concatenate([ids[pick], [10**9]])  # an unknown id is ignored
    queries = unit_vectors(20, seed=9)
    _, found = index.search(queries, k=5, allowed_ids=allowed)
    assert set(found.ravel().tolist()) <= set(ids[pick].tolist())
    assert found.tolist() == exact_top(queries, vectors[pick], ids[pick], 5).tolist()


@pytest.mark.parametrize("kind", KINDS)
def test_missing_results_are_minus_one(kind: str) -> None:
    index, ids, vectors = filled(kind)
    scores, found = index.search(vectors[:2], k=4, allowed_ids=ids[:2])
    assert found[:, 2:].tolist() == [[-1, -1], [-1, -1]]
    assert np.isneginf(scores[:, 2:]).all()
    _, none = index.search(vectors[:2], k=3, allowed_ids=np.array([], dtype=np.int64))
    assert (none == -1).all()
    empty = VectorIndex.create(DIM, kind)
    assert (empty.search(vectors[:1], k=2)[1] == -1).all()


@pytest.mark.parametrize("mmap", [False, True], ids=["read", "mmap"])
@pytest.mark.parametrize("kind", KINDS)
def test_save_and_load_give_identical_results(kind: str, mmap: bool, tmp_path: Path) -> None:
    index, ids, _ = filled(kind)
    index.remove(ids[:10])
    path = tmp_path / "vectors.faiss"
    index.save(path)
    again = VectorIndex.load(path, mmap=mmap)
    assert (again.kind, again.dim, len(again)) == (kind, DIM, len(index))
    assert again.ids().tolist() == index.ids().tolist()
    queries = unit_vectors(30, seed=4)
    for allowed in (None, ids[::7]):
        before, after = index.search(queries, 10, allowed), again.search(queries, 10, allowed)
        assert np.array_equal(before[1], after[1]) and np.array_equal(before[0], after[0])
    assert [p.name for p in tmp_path.iterdir()] == ["vectors.faiss"], "no temp files left"


def test_a_failed_save_keeps_the_previous_file(tmp_path: Path, monkeypatch) -> None:
    index, _, _ = filled(FLAT, n=50)
    path = tmp_path / "vectors.faiss"
    index.save(path)
    saved = path.read_bytes()

    def disk_full(*_args) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(vectors_module.faiss, "write_index", disk_full)
    with pytest.raises(OSError, match="No space"):
        index.save(path)
    assert path.read_bytes() == saved
    assert [p.name for p in tmp_path.iterdir()] == ["vectors.faiss"]


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],
        lambda data: data[:100],
        lambda data: b"",
        lambda data: np.random.default_rng(0).bytes(len(data)),
        lambda data: b"not a faiss index at all\n" * 40,
    ],
    ids=["half", "first-100-bytes", "empty", "random-bytes", "text"],
)
@pytest.mark.parametrize("kind", KINDS)
def test_damaged_file_says_how_to_rebuild(kind: str, damage, tmp_path: Path) -> None:
    index, _, _ = filled(kind, n=1_000)
    path = tmp_path / "vectors.faiss"
    index.save(path)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(CorruptIndexError, match="pccqa ingest --rebuild"):
        VectorIndex.load(path)


def test_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        VectorIndex.load(tmp_path / "nothing.faiss")


def test_bad_shapes_types_and_ids_name_what_was_expected() -> None:
    index, ids, vectors = filled(FLAT, n=10)
    cases = [
        (lambda: index.add(np.array([99]), unit_vectors(1, 0)[:, :16]), r"\(n, 32\)"),
        (lambda: index.search(unit_vectors(1, 0)[:, :16], 1), r"\(n, 32\)"),
        (lambda: index.search(vectors[0], 1), r"vector\[None, :\]"),
        (lambda: index.search(vectors.astype(np.float64), 1), "float32"),
        (lambda: index.search(vectors, 0), "positive"),
        (lambda: index.add(np.array([99, 100]), unit_vectors(1, 0)), "2 ids for 1 vectors"),
        (lambda: index.add(np.array([99, 99]), unit_vectors(2, 0)), "unique"),
        (lambda: index.add(ids[:1], vectors[:1]), "already in the index"),
        (lambda: index.add(np.array([-1]), unit_vectors(1, 0)), "non-negative"),
        (lambda: index.add(np.array([1.5]), unit_vectors(1, 0)), "int64"),
        (lambda: index.add(np.array([99]), np.full((1, DIM), np.nan, np.float32)), "NaN"),
        (lambda: VectorIndex.create(DIM, "hnsw"), "auto, flat, ivf"),
        (lambda: VectorIndex.create(0), "positive"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=message):
            call()
    assert len(index) == 10, "failed adds change nothing"


def test_auto_kind_switches_to_ivf_above_exact_max(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vectors_module, "EXACT_MAX", 100)
    assert VectorIndex.create(DIM, expected_size=100).kind == FLAT
    assert VectorIndex.create(DIM, expected_size=101).kind == IVF
    index = VectorIndex.create(DIM)
    ids, vectors = chunk_ids(300), unit_vectors(300, seed=2)
    index.add(ids[:80], vectors[:80])
    assert index.kind == FLAT
    index.add(ids[80:], vectors[80:])
    assert index.kind == IVF and len(index) == 300
    assert index.search(vectors[:40], 1)[1][:, 0].tolist() == ids[:40].tolist()


def test_ivf_trains_once_it_holds_its_expected_size() -> None:
    index = VectorIndex.create(DIM, IVF, expected_size=1_500, nlist=8)
    ids, vectors = chunk_ids(1_500), unit_vectors(1_500, seed=3)
    for start in range(0, 1_500, 500):
        index.add(ids[start : start + 500], vectors[start : start + 500])
        assert len(index) == start + 500, "buffered vectors count and can be listed"
    assert index.remove(ids[:100]) == 100
    assert index.search(vectors[100:110], 1)[1][:, 0].tolist() == ids[100:110].tolist()
    assert index.nlist == 8
