"""Chunk vectors in FAISS: exact search while small, IVF once large. The only faiss import.

Vectors are normalised float32, so inner product equals cosine similarity. Ids are the SQLite
row ids of chunks (int64, never negative: FAISS uses -1 for "no result").
"""

from __future__ import annotations

import contextlib
import errno
import logging
import math
import os
import tempfile
from pathlib import Path

import faiss
import numpy as np

from index.errors import CorruptIndexError

log = logging.getLogger(__name__)

FLAT = "flat"
IVF = "ivf"
KINDS = ("auto", FLAT, IVF)

# Below this many vectors exact search is fast enough: about 4 ms a query at 50k on 2 cores.
EXACT_MAX = 50_000
# IVF lists: about sqrt(n), a power of two; 1024 lists at 1M vectors.
NLIST_MIN = 64
NLIST_MAX = 4096
# Lists probed per query: 64 of 1024 at 1M scans ~6% of vectors; recall@10 0.987 in 8 ms,
# against 190 ms for exact search (bench/ann.py).
NPROBE = 64
# k-means wants at least 39 points a list; 64 gives steadier centroids, capped to bound build time.
TRAIN_POINTS_PER_LIST = 64
MIN_POINTS_PER_LIST = 39
TRAIN_MAX = 100_000
TRAIN_SEED = 1234
# A filter this small (one force's chunks) is searched exactly over its own vectors, read back by
# id: faster than scanning every id against the filter, and IVF probing would miss allowed
# vectors that sit in lists it does not probe.
FILTER_EXACT_MAX = 100_000

REBUILD_HINT = "run `pccqa ingest --rebuild` to rebuild it"


def set_threads(threads: int) -> None:
    """Cap faiss's OpenMP threads (it uses every core by default), e.g. beside a web server."""
    faiss.omp_set_num_threads(max(1, threads))


def nlist_for(size: int) -> int:
    """IVF list count for a collection of `size` vectors: about sqrt(size), within bounds."""
    return int(min(NLIST_MAX, max(NLIST_MIN, 2 ** round(math.log2(math.sqrt(max(size, 1)))))))


class VectorIndex:
    """Normalised float32 vectors keyed by chunk id, searchable by cosine, optionally filtered.

    An "auto" index is exact (flat) until it holds more than EXACT_MAX vectors, then becomes IVF.
    An untrained IVF index buffers added vectors until it holds its expected size (or, with none
    given, enough to train on); `search` and `save` train it on whatever it holds by then.
    """

    def __init__(
        self, index: faiss.Index, kind: str, *, grows: bool, expected_size: int = 0
    ) -> None:
        self._index = index
        self._kind = kind
        self._grows = grows
        self._ids = np.empty(0, dtype=np.int64)  # sorted; includes the pending ones
        self._pending_ids: list[np.ndarray] = []
        self._pending_vectors: list[np.ndarray] = []
        self.nprobe = min(NPROBE, index.nlist) if kind == IVF else 0
        # Training waits for the whole expected collection: the first batches of an ingest
        # (one force's files, say) would make centroids that fit the rest badly.
        self._train_at = expected_size

    @classmethod
    def create(
        cls, dim: int, kind: str = "auto", expected_size: int = 0, *, nlist: int | None = None
    ) -> VectorIndex:
        """An empty index; "auto" picks flat below EXACT_MAX expected vectors, IVF above."""
        if not isinstance(dim, int) or dim <= 0:
            raise ValueError(f"dim must be a positive int, got {dim!r}")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
        resolved = kind
        if kind == "auto":
            resolved = IVF if expected_size > EXACT_MAX else FLAT
        if resolved == FLAT:
            return cls(_new_flat(dim), FLAT, grows=kind == "auto")
        size = max(expected_size, EXACT_MAX)
        ivf = _new_ivf(dim, nlist or nlist_for(size))
        return cls(ivf, IVF, grows=False, expected_size=expected_size)

    @classmethod
    def load(cls, path: Path, *, grows: bool = True, mmap: bool = False) -> VectorIndex:
        """Read an index written by `save`; raises FileNotFoundError or CorruptIndexError.

        With `mmap` the vectors stay in the file, paged in as searches touch them: opening
        costs milliseconds at any size, and the index is for searching only (no add/remove).
        """
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(errno.ENOENT, "no vector index", str(path))
        flags = faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY if mmap else 0
        try:
            index = faiss.read_index(str(path), flags)
        except RuntimeError as error:
            log.debug("faiss could not read %s: %s", path, error)
            raise CorruptIndexError(
                f"the vector index {path} is truncated or corrupt; {REBUILD_HINT}"
            ) from error
        if isinstance(index, faiss.IndexIDMap2) and _is_inner_product(index.index):
            loaded = cls(index, FLAT, grows=grows)
            ids = faiss.vector_to_array(index.id_map).astype(np.int64)
        elif isinstance(index, faiss.IndexIVFFlat) and _is_inner_product(index):
            if index.direct_map.type != faiss.DirectMap.Hashtable:
                index.set_direct_map_type(faiss.DirectMap.Hashtable)
            loaded = cls(index, IVF, grows=False)
            ids = _ivf_ids(index)
        else:
            raise CorruptIndexError(
                f"the vector index {path} holds a {type(index).__name__}, not an index "
                f"pcc-qa writes; {REBUILD_HINT}"
            )
        loaded._ids = np.unique(ids)
        if len(loaded._ids) != len(ids):
            raise CorruptIndexError(f"the vector index {path} repeats ids; {REBUILD_HINT}")
        return loaded

    @property
    def kind(self) -> str:
        """Either flat (exact) or ivf (approximate): recorded in the manifest."""
        return self._kind

    @property
    def dim(self) -> int:
        """Vector width every add and search must match."""
        return int(self._index.d)

    @property
    def nlist(self) -> int:
        """IVF list count (0 for flat)."""
        return int(self._index.nlist) if self._kind == IVF else 0

    def __len__(self) -> int:
        return len(self._ids)

    def ids(self) -> np.ndarray:
        """Every id present, sorted, as int64."""
        return self._ids.copy()

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under new ids; an id already present is a ValueError (remove it first)."""
        ids = _as_ids(ids, "ids")
        vectors = self._as_matrix(vectors, "vectors")
        if len(ids) != len(vectors):
            raise ValueError(f"got {len(ids)} ids for {len(vectors)} vectors; expected one each")
        if not len(ids):
            return
        order = np.argsort(ids, kind="stable")
        sorted_ids = ids[order]
        if np.any(sorted_ids[1:] == sorted_ids[:-1]):
            raise ValueError("ids must be unique within one add")
        clash = sorted_ids[_contains(self._ids, sorted_ids)]
        if len(clash):
            raise ValueError(f"ids already in the index (remove them first): {clash[:5].tolist()}")
        if self._grows and self._kind == FLAT and len(self) + len(ids) > EXACT_MAX:
            self._become_ivf(len(self) + len(ids))
        if self._kind == IVF and not self._index.is_trained:
            pending = len(ids) + sum(len(p) for p in self._pending_ids)
            enough = min(TRAIN_MAX, TRAIN_POINTS_PER_LIST * self.nlist)
            train_now = pending >= max(enough, self._train_at)
            # Buffered arrays are copied, as the caller may reuse them before training;
            # arrays consumed at once are not, which spares a copy of a big first add.
            self._pending_ids.append(ids if train_now else ids.copy())
            self._pending_vectors.append(vectors if train_now else vectors.copy())
            self._ids = _merge_sorted(self._ids, sorted_ids)
            if train_now:
                self._flush()
            return
        self._index.add_with_ids(vectors, ids)
        self._ids = _merge_sorted(self._ids, sorted_ids)

    def remove(self, ids: np.ndarray) -> int:
        """Drop these ids (absent ones are ignored); returns how many were present."""
        ids = np.unique(_as_ids(ids, "ids"))
        present = ids[_contains(self._ids, ids)]
        if not len(present):
            return 0
        if self._pending_ids:
            keep = [~np.isin(p, present) for p in self._pending_ids]
            self._pending_ids = [p[k] for p, k in zip(self._pending_ids, keep, strict=True)]
            self._pending_vectors = [v[k] for v, k in zip(self._pending_vectors, keep, strict=True)]
        if self._kind == IVF:
            # The hashtable direct map only accepts removal by IDSelectorArray.
            selector = faiss.IDSelectorArray(len(present), faiss.swig_ptr(present))
            self._index.remove_ids(selector)
        else:
            self._index.remove_ids(present)
        self._ids = np.delete(self._ids, np.searchsorted(self._ids, present))
        return len(present)

    def train(self, sample: np.ndarray) -> None:
        """Train IVF centroids on a representative sample; a no-op for flat indexes."""
        sample = self._as_matrix(sample, "sample")
        if self._kind == FLAT:
            return
        if self._index.is_trained:
            raise ValueError("the IVF index is already trained; build a new one to retrain")
        self._train(sample)
        self._flush()

    def search(
        self, queries: np.ndarray, k: int, allowed_ids: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k cosine matches per query, optionally only among `allowed_ids`.

        Returns (scores, ids), each of shape (len(queries), k), best first. Rows with fewer than
        k matches are padded with id -1 and score -inf: callers must skip ids < 0.
        """
        queries = self._as_matrix(queries, "queries")
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
            raise ValueError(f"k must be a positive int, got {k!r}")
        k = int(k)
        self._flush()
        params = faiss.SearchParametersIVF(nprobe=self.nprobe) if self._kind == IVF else None
        if allowed_ids is not None:
            allowed = np.unique(_as_ids(allowed_ids, "allowed_ids"))
            allowed = allowed[_contains(self._ids, allowed)]
            if len(allowed) <= FILTER_EXACT_MAX:
                return _exact_top_k(queries, self._index.reconstruct_batch(allowed), allowed, k)
            # The selector must outlive the search: params.sel holds only a C pointer to it.
            selector = faiss.IDSelectorBatch(len(allowed), faiss.swig_ptr(allowed))
            params = params or faiss.SearchParameters()
            params.sel = selector
            if self._kind == IVF:
                # Allowed vectors are sparse in each list: probe more lists the sparser they are.
                boost = math.sqrt(len(self) / len(allowed))
                params.nprobe = min(self.nlist, math.ceil(self.nprobe * boost))
        if not len(self):
            return _empty(len(queries), k)
        scores, found = self._index.search(queries, k, params=params)
        scores[found < 0] = -np.inf  # faiss pads with -FLT_MAX; -inf cannot pass for a score
        return scores, found

    def save(self, path: Path) -> None:
        """Write atomically: a crash leaves the old file or the new one, never half of one."""
        path = Path(path)
        self._flush()
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        try:
            _write_index(self._index, tmp)
            with open(tmp, "rb") as written:
                os.fsync(written.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(path.parent)

    def _as_matrix(self, array: np.ndarray, name: str) -> np.ndarray:
        if not isinstance(array, np.ndarray) or array.dtype != np.float32:
            dtype = getattr(array, "dtype", type(array).__name__)
            raise ValueError(f"{name} must be a float32 numpy array, got {dtype}")
        if array.ndim != 2 or array.shape[1] != self.dim:
            raise ValueError(
                f"{name} must have shape (n, {self.dim}), got {array.shape}"
                + ("; use vector[None, :] for one" if array.ndim == 1 else "")
            )
        if not np.isfinite(array).all():
            raise ValueError(f"{name} contains NaN or infinite values")
        return np.ascontiguousarray(array)

    def _become_ivf(self, size: int) -> None:
        """Swap a growing flat index for IVF, moving its vectors into the training buffer."""
        log.info("vector index passes %d vectors; switching from exact to IVF search", EXACT_MAX)
        flat, n = faiss.downcast_index(self._index.index), len(self)
        vectors = faiss.rev_swig_ptr(flat.get_xb(), n * self.dim).reshape(n, self.dim).copy()
        ids = faiss.vector_to_array(self._index.id_map).astype(np.int64)
        self._index = _new_ivf(self.dim, nlist_for(size))
        self._kind = IVF
        self._grows = False
        self.nprobe = min(NPROBE, self._index.nlist)
        self._pending_ids = [ids]
        self._pending_vectors = [vectors]

    def _train(self, vectors: np.ndarray) -> None:
        if len(vectors) < MIN_POINTS_PER_LIST * self.nlist:
            # Too few points for the planned lists: fewer, fuller lists train sensibly.
            nlist = max(1, len(vectors) // MIN_POINTS_PER_LIST)
            log.info(
                "training IVF on %d vectors: %d lists, not %d", len(vectors), nlist, self.nlist
            )
            self._index = _new_ivf(self.dim, nlist)
            self.nprobe = min(NPROBE, nlist)
        if len(vectors) > TRAIN_MAX:
            rng = np.random.default_rng(TRAIN_SEED)
            vectors = vectors[np.sort(rng.choice(len(vectors), TRAIN_MAX, replace=False))]
        self._index.train(vectors)

    def _flush(self) -> None:
        """Train on the buffered vectors if need be, then add them."""
        if not self._pending_ids:
            return
        ids, vectors = _joined(self._pending_ids), _joined(self._pending_vectors)
        if len(ids):
            if not self._index.is_trained:
                self._train(vectors)
            self._index.add_with_ids(vectors, ids)
        self._pending_ids, self._pending_vectors = [], []


def _write_index(index: faiss.Index, path: str) -> None:
    """faiss.write_index, its errors raised as OSError with an errno (a full disk, say)."""
    try:
        faiss.write_index(index, path)
    except RuntimeError as error:
        text = str(error)
        code = errno.ENOSPC if "No space left" in text else errno.EIO
        code = errno.EDQUOT if "quota" in text.lower() else code
        raise OSError(code, f"{os.strerror(code)}: cannot write the vector index", path) from error


def _new_flat(dim: int) -> faiss.Index:
    # IDMap2 keeps a reverse map, so vectors can be read back by id (filtered search, growth).
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def _new_ivf(dim: int, nlist: int) -> faiss.IndexIVFFlat:
    quantizer = faiss.IndexFlatIP(dim)
    # faiss's Python wrapper keeps `quantizer` alive as long as `index`.
    index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    # A hashtable direct map makes vectors readable by id and still allows removal.
    index.set_direct_map_type(faiss.DirectMap.Hashtable)
    return index


def _is_inner_product(index: faiss.Index) -> bool:
    return faiss.downcast_index(index).metric_type == faiss.METRIC_INNER_PRODUCT


def _ivf_ids(index: faiss.IndexIVF) -> np.ndarray:
    lists = index.invlists
    parts = [np.empty(0, dtype=np.int64)]
    for list_no in range(index.nlist):
        size = lists.list_size(list_no)
        if size:
            pointer = lists.get_ids(list_no)
            parts.append(faiss.rev_swig_ptr(pointer, size).astype(np.int64))
            lists.release_ids(list_no, pointer)
    return np.concatenate(parts)


def _as_ids(ids: np.ndarray, name: str) -> np.ndarray:
    array = np.asarray(ids)
    if array.ndim != 1 or not (np.issubdtype(array.dtype, np.integer) or array.size == 0):
        raise ValueError(f"{name} must be a 1-D int64 array, got {array.dtype} {array.shape}")
    if array.size and array.min() < 0:
        raise ValueError(f"{name} must be non-negative (-1 means 'no result'), got {array.min()}")
    return np.ascontiguousarray(array, dtype=np.int64)


def _contains(sorted_ids: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Which values are in sorted_ids: a binary search each, O(m log n) rather than a sort."""
    positions = np.searchsorted(sorted_ids, values)
    inside = positions < len(sorted_ids)
    found = np.zeros(len(values), dtype=bool)
    found[inside] = sorted_ids[positions[inside]] == values[inside]
    return found


def _joined(arrays: list[np.ndarray]) -> np.ndarray:
    # One array is used as is: concatenating would copy a million vectors for nothing.
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)


def _merge_sorted(existing: np.ndarray, new_sorted: np.ndarray) -> np.ndarray:
    # Insertion into a sorted array is one O(n) copy, cheaper than re-sorting per batch.
    return np.insert(existing, np.searchsorted(existing, new_sorted), new_sorted)


def _exact_top_k(
    queries: np.ndarray, vectors: np.ndarray, ids: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    if not len(ids):
        return _empty(len(queries), k)
    scores = queries @ vectors.T
    take = min(k, len(ids))
    top = np.argpartition(-scores, take - 1, axis=1)[:, :take]
    top_scores = np.take_along_axis(scores, top, axis=1)
    order = np.argsort(-top_scores, axis=1, kind="stable")
    out_scores, out_ids = _empty(len(queries), k)
    out_scores[:, :take] = np.take_along_axis(top_scores, order, axis=1)
    out_ids[:, :take] = ids[np.take_along_axis(top, order, axis=1)]
    return out_scores, out_ids


def _empty(rows: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    return np.full((rows, k), -np.inf, dtype=np.float32), np.full((rows, k), -1, dtype=np.int64)


def _fsync_dir(directory: Path) -> None:
    # The rename itself must reach the disk; directories cannot be opened on Windows.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
