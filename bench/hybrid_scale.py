"""Hybrid search at scale: FTS5 bm25 plus IVF over N synthetic chunks, fused as in production.

Not a test: it prints figures for the README.

    python bench/hybrid_scale.py [--size 1000000] [--queries 100] [--json]

Chunk texts are sentences of the bundled corpus recombined at random (a realistic vocabulary
and term-frequency spread); vectors are random clustered unit vectors (the dense side's recall
is measured by bench/ann.py). Queries are the dev questions. The keyword side runs through
CorpusStore.keyword_search and the fusion through index.search's reciprocal-rank fusion, the
same code a real query runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.ann import clustered_vectors
from index.embedder import Embedder
from index.search import CANDIDATES, SearchIndex, reciprocal_rank_fusion
from index.vectors import VectorIndex, set_threads
from ingest.sentences import split_sentences
from ingest.store import CorpusStore
from ingest.types import Chunk, Document
from qa.evaluate import DATA, load_questions

CHUNKS_PER_DOCUMENT = 100
SENTENCES_PER_CHUNK = 4
SEED = 11


def synthetic_store(path: Path, size: int, rng: np.random.Generator) -> CorpusStore:
    """A store of `size` chunks made of corpus sentences, in documents of 100 chunks."""
    corpus = Path(__file__).resolve().parent.parent / "corpus"
    sentences = [
        s.key for p in sorted(corpus.glob("*")) for s in split_sentences(p.read_text("utf-8"))
    ]
    store = CorpusStore(path)
    with store.transaction():
        for doc_no in range(size // CHUNKS_PER_DOCUMENT):
            picks = rng.integers(0, len(sentences), (CHUNKS_PER_DOCUMENT, SENTENCES_PER_CHUNK))
            texts = [" ".join(sentences[i] for i in row) for row in picks]
            doc_id = f"doc{doc_no}"
            document = Document(doc_id, f"/synthetic/{doc_id}.txt", "txt", doc_id, "")
            chunks = [
                Chunk(doc_id, n, text, 0, 0, force=f"force{doc_no % 43}")
                for n, text in enumerate(texts)
            ]
            store.put_document(document, chunks, [])
    return store


def timed(run, queries: list[str]) -> list[float]:
    times = []
    for query in queries:
        started = time.perf_counter()
        run(query)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(SEED)
    questions = [q.question for q in load_questions(DATA / "seeds_dev.jsonl")][: args.queries]
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        store = synthetic_store(Path(folder) / "corpus.sqlite3", args.size, rng)
        ids = np.array(store.chunk_ids(), dtype=np.int64)
        vectors = VectorIndex.create(384, expected_size=len(ids))
        vectors.add(ids, clustered_vectors(len(ids), rng))
        build_s = time.perf_counter() - started
        set_threads(1)
        query_vectors = clustered_vectors(len(questions), rng)
        by_query = dict(zip(questions, query_vectors, strict=True))

        def dense(query: str) -> list[tuple[int, float]]:
            scores, found = vectors.search(by_query[query][None, :], CANDIDATES)
            return [(int(i), float(s)) for s, i in zip(scores[0], found[0], strict=True) if i >= 0]

        searcher = SearchIndex(Path(folder), store, Embedder(), vectors)

        def keyword(query: str) -> list[tuple[int, float]]:
            return searcher._keyword(query, None)

        def hybrid(query: str) -> list[tuple[int, float]]:
            return reciprocal_rank_fusion(dense(query), keyword(query))

        for query in questions:  # warm the page cache and the IVF lists
            hybrid(query)
        results = {}
        for name, run in (("dense (IVF)", dense), ("keyword (FTS5)", keyword), ("hybrid", hybrid)):
            times = timed(run, questions)
            results[name] = {
                "p50_ms": statistics.median(times),
                "p95_ms": sorted(times)[int(0.95 * (len(times) - 1))],
            }
        store.close()
    report = {"size": args.size, "build_s": build_s, "queries": len(questions), **results}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(
            f"Hybrid search over {args.size:,} synthetic chunks (built in {build_s:.0f} s), "
            f"{len(questions)} dev questions, 1 query thread:"
        )
        for name, row in results.items():
            print(f"  {name:<16} p50 {row['p50_ms']:8.1f} ms   p95 {row['p95_ms']:8.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
