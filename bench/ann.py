"""Exact versus IVF search on synthetic chunk embeddings: build time, size, latency and recall.

Not a test: it prints figures for the README and for choosing NLIST/NPROBE in index/vectors.py.

    python bench/ann.py [--sizes 100000 1000000] [--queries 200] [--nprobe 32 64]
                        [--threads N] [--query-threads 1] [--json]

The vectors imitate sentence embeddings of a large corpus: TOPICS themes of skewed popularity,
each holding "documents" of about CHUNKS_PER_DOCUMENT chunks, each chunk its document's centre
plus noise. A query is a fresh chunk of an indexed document. The top-1/top-10 cosine it prints
lets you compare the data's difficulty with real all-MiniLM-L6-v2 neighbours: over the 61 long
paragraphs of the bundled corpus they average 0.76 (top-1) and 0.57 (top-10), and a larger corpus
only brings neighbours closer, so these vectors are, if anything, harder. Recall depends on
that structure: vectors with none below the topic level (each topic one Gaussian blob) need far
more probes, so re-check --nprobe against real embeddings when a large corpus exists.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path

import numpy as np

from index.vectors import FLAT, IVF, NPROBE, VectorIndex, set_threads

DIM = 384
K = 10
TOPICS = 1000
CHUNKS_PER_DOCUMENT = 20
# Spread of documents around their topic and of chunks around their document, as fractions of
# the unit centre's length: top-1 neighbours land near cosine 0.6, unrelated pairs near 0.
DOCUMENT_SPREAD = 0.8
CHUNK_NOISE = 1.2
# Topic popularity ~ Zipf, capped so no topic swallows the corpus; makes IVF lists unequal.
ZIPF_A = 1.5
ZIPF_CAP = 50
FILTER_FRACTION = 0.01  # one police force's share of a national corpus
DEFAULT_SIZES = (100_000, 1_000_000)
SEED = 7


@dataclass
class Row:
    """One index kind at one collection size."""

    size: int
    kind: str
    nlist: int
    nprobe: int
    build_s: float
    index_bytes: int
    p50_ms: float
    p95_ms: float
    recall_at_10: float
    speedup_p50: float
    filtered_p50_ms: float
    filtered_p95_ms: float
    filtered_recall_at_10: float
    data: dict[str, float] = field(default_factory=dict)


def clustered_vectors(n: int, rng: np.random.Generator) -> np.ndarray:
    """Normalised float32 vectors in topic -> document -> chunk clusters (see module docstring)."""
    topics = rng.standard_normal((TOPICS, DIM), dtype=np.float32)
    topics /= np.linalg.norm(topics, axis=1, keepdims=True)
    weights = np.minimum(rng.zipf(ZIPF_A, TOPICS), ZIPF_CAP).astype(np.float64)
    documents = max(1, n // CHUNKS_PER_DOCUMENT)
    centres = topics[rng.choice(TOPICS, documents, p=weights / weights.sum())]
    centres += rng.standard_normal((documents, DIM), dtype=np.float32) * (
        DOCUMENT_SPREAD / np.sqrt(DIM)
    )
    vectors = centres[rng.integers(0, documents, n)]
    for start in range(0, n, 100_000):  # in slices, so noise never doubles peak memory
        block = vectors[start : start + 100_000]
        block += rng.standard_normal(block.shape, dtype=np.float32) * (CHUNK_NOISE / np.sqrt(DIM))
        block /= np.linalg.norm(block, axis=1, keepdims=True)
    return vectors


def timed_queries(
    search: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]], queries: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One query at a time, as a person asks: (latencies in s, ids (n, K))."""
    search(queries[:1])  # warm caches and thread pools
    latencies = np.empty(len(queries))
    found = np.empty((len(queries), K), dtype=np.int64)
    for row in range(len(queries)):
        start = time.perf_counter()
        _, ids = search(queries[row : row + 1])
        latencies[row] = time.perf_counter() - start
        found[row] = ids[0]
    return latencies, found


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of the exact top-K that the approximate top-K contains."""
    hits = [
        len(set(f[f >= 0]) & set(t[t >= 0])) / max(1, (t >= 0).sum())
        for f, t in zip(found, truth, strict=True)
    ]
    return float(statistics.fmean(hits))


def file_bytes(index: VectorIndex) -> int:
    """Size of the saved index, which is also roughly its size in memory."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "vectors.faiss"
        index.save(path)
        return path.stat().st_size


def ms(seconds: np.ndarray, q: float) -> float:
    """Percentile q of the latencies, in milliseconds."""
    return float(np.percentile(seconds, q) * 1000)


@dataclass(frozen=True)
class Threads:
    """faiss threads for building (k-means and adding parallelise well) and for single queries.

    One query gains little from a second thread on 2 cores and loses much when another process
    holds that core: an OpenMP barrier then waits out the scheduler's time slice.
    """

    build: int
    query: int


@dataclass
class Timing:
    """Latencies (s) and top-K ids of the queries, unfiltered and within the allowed ids."""

    latencies: np.ndarray
    found: np.ndarray
    filtered_latencies: np.ndarray
    filtered_found: np.ndarray


def measure(
    index: VectorIndex, queries: np.ndarray, allowed: np.ndarray, threads: Threads
) -> Timing:
    """Time the queries against one index, with and without the filter."""
    set_threads(threads.query)
    latencies, found = timed_queries(lambda q: index.search(q, K), queries)
    filtered_latencies, filtered_found = timed_queries(
        lambda q: index.search(q, K, allowed_ids=allowed), queries
    )
    set_threads(threads.build)
    return Timing(latencies, found, filtered_latencies, filtered_found)


def build(kind: str, ids: np.ndarray, vectors: np.ndarray) -> tuple[VectorIndex, float]:
    """An index of `kind` holding the vectors, and the seconds it took (IVF training included)."""
    start = time.perf_counter()
    index = VectorIndex.create(DIM, kind, expected_size=len(ids))
    index.add(ids, vectors)
    index.search(vectors[:1], K)  # IVF trains by the first search if the add did not
    return index, time.perf_counter() - start


def bench_size(
    size: int, n_queries: int, nprobes: list[int], threads: Threads, log: Callable[[str], None]
) -> list[Row]:
    """Build exact and IVF indexes over `size` vectors; time and compare them."""
    rng = np.random.default_rng(SEED)
    log(f"[{size:,}] generating vectors")
    everything = clustered_vectors(size + n_queries, rng)
    vectors, queries = everything[:size], everything[size:].copy()
    ids = np.arange(1, size + 1, dtype=np.int64)  # SQLite row ids start at 1
    allowed = np.sort(rng.choice(ids, max(1, int(size * FILTER_FRACTION)), replace=False))

    log(f"[{size:,}] exact (flat): building and querying")
    flat, flat_build = build(FLAT, ids, vectors)
    exact = measure(flat, queries, allowed, threads)
    scores, _ = flat.search(queries, K)
    data = {"top1_cosine": float(scores[:, 0].mean()), "top10_cosine": float(scores[:, -1].mean())}
    rows = [
        Row(
            size=size,
            kind=FLAT,
            nlist=0,
            nprobe=0,
            build_s=flat_build,
            index_bytes=file_bytes(flat),
            p50_ms=ms(exact.latencies, 50),
            p95_ms=ms(exact.latencies, 95),
            recall_at_10=1.0,
            speedup_p50=1.0,
            filtered_p50_ms=ms(exact.filtered_latencies, 50),
            filtered_p95_ms=ms(exact.filtered_latencies, 95),
            filtered_recall_at_10=1.0,
            data=data,
        )
    ]
    flat = None  # free its memory before the IVF copy is built

    log(f"[{size:,}] IVF: training and adding")
    ivf, ivf_build = build(IVF, ids, vectors)
    ivf_bytes = file_bytes(ivf)
    for nprobe in nprobes:
        ivf.nprobe = min(nprobe, ivf.nlist)
        log(f"[{size:,}] IVF nprobe={ivf.nprobe}: querying")
        approx = measure(ivf, queries, allowed, threads)
        rows.append(
            Row(
                size=size,
                kind=IVF,
                nlist=ivf.nlist,
                nprobe=ivf.nprobe,
                build_s=ivf_build,
                index_bytes=ivf_bytes,
                p50_ms=ms(approx.latencies, 50),
                p95_ms=ms(approx.latencies, 95),
                recall_at_10=recall(approx.found, exact.found),
                speedup_p50=ms(exact.latencies, 50) / ms(approx.latencies, 50),
                filtered_p50_ms=ms(approx.filtered_latencies, 50),
                filtered_p95_ms=ms(approx.filtered_latencies, 95),
                filtered_recall_at_10=recall(approx.filtered_found, exact.filtered_found),
                data=data,
            )
        )
    return rows


def table(rows: list[Row], settings: dict[str, object]) -> str:
    """A fixed-width table for people."""
    lines = [
        "ANN benchmark: {dim}-dim clustered vectors, k={k}, {queries} single queries, faiss "
        "{faiss}, filter = {filter_pct:g}% of ids".format(**settings),
        "threads: {threads} to build, {query_threads} to query; 1-min load average "
        "{load_average} at start, {load_average_end} at end".format(**settings),
        f"{'size':>10} {'index':<12} {'build s':>8} {'MiB':>7} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'speed-up':>8} {'recall@10':>9} | {'filt p50':>8} {'filt p95':>8} {'filt rec':>8}",
    ]
    for r in rows:
        name = "flat (exact)" if r.kind == FLAT else f"ivf {r.nlist}/{r.nprobe}"
        lines.append(
            f"{r.size:>10,} {name:<12} {r.build_s:>8.1f} {r.index_bytes / 2**20:>7.0f} "
            f"{r.p50_ms:>8.2f} {r.p95_ms:>8.2f} {r.speedup_p50:>7.1f}x {r.recall_at_10:>9.4f} | "
            f"{r.filtered_p50_ms:>8.2f} {r.filtered_p95_ms:>8.2f} {r.filtered_recall_at_10:>8.4f}"
        )
    seen: dict[int, dict[str, float]] = {}
    for r in rows:
        seen.setdefault(r.size, r.data)
    for size, data in seen.items():
        lines.append(
            f"data at {size:,}: mean cosine of top-1 {data['top1_cosine']:.3f}, "
            f"of top-10 {data['top10_cosine']:.3f}"
        )
    lines.append("ivf A/B = nlist lists, nprobe probed; speed-up = exact p50 / ivf p50")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table, or JSON with --json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--nprobe",
        type=int,
        nargs="+",
        default=[NPROBE],
        help=f"IVF lists probed per query; several to compare (default {NPROBE})",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=os.cpu_count() or 1,
        help="faiss OpenMP threads for building (default: all cores)",
    )
    parser.add_argument(
        "--query-threads",
        type=int,
        default=1,
        help="faiss OpenMP threads while timing single queries (default: 1)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object, no table")
    args = parser.parse_args(argv)
    threads = Threads(build=args.threads, query=args.query_threads)
    set_threads(threads.build)
    settings = {
        "dim": DIM,
        "k": K,
        "queries": args.queries,
        "threads": args.threads,
        "query_threads": args.query_threads,
        "load_average": round(os.getloadavg()[0], 2),
        "faiss": version("faiss-cpu"),
        "filter_pct": FILTER_FRACTION * 100,
    }

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    rows = [
        row
        for size in args.sizes
        for row in bench_size(size, args.queries, args.nprobe, threads, progress)
    ]
    # Other processes on a small machine skew latencies: report how busy it was.
    settings["load_average_end"] = round(os.getloadavg()[0], 2)
    if args.json:
        print(json.dumps({"settings": settings, "results": [asdict(r) for r in rows]}, indent=2))
    else:
        print(table(rows, settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
