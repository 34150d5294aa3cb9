"""Ingest-to-ready: 200 synthetic responses, ours against the LangChain tutorial, paired.

    python -m bench ingest [--rounds 3] [--json]

"Ready" is the state a user gets: every vector an answer reads is present (each chunk's and
each sentence's), so the first question embeds only itself; the benchmark checks that. Each
round ingests the same files both ways from cold (a fresh index and embedding cache for ours,
a fresh FAISS store for the tutorial), order alternating; both load their model before the
clock starts. Then warm query latency on the 200-document index, ours and the tutorial's.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.paired import paired, percentile, ratio, table

DOCUMENTS = 200
ROUNDS = 3
WARM_REPEATS = 3
READY_QUESTION = "Which forces use tuServ for demographic capture?"


@dataclass(frozen=True, slots=True)
class LatencyRow:
    """Warm query latency of one retriever over the question set."""

    name: str
    queries: int
    p50_ms: float
    p95_ms: float


@dataclass(frozen=True, slots=True)
class IngestBench:
    """Ingest throughput (ours and the tutorial's, per round) and query latency."""

    files: int
    source_chars: int
    ours_chunks: int
    ours_texts_embedded: int
    ours_texts_from_cache: int
    ours_sentences: int
    tutorial_chunks: int
    ours_seconds: tuple[float, ...]
    tutorial_seconds: tuple[float, ...]
    ratio: float
    ready: bool
    latencies: tuple[LatencyRow, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "ours_chars_per_s": self.source_chars / statistics.median(self.ours_seconds),
            "tutorial_chars_per_s": self.source_chars / statistics.median(self.tutorial_seconds),
        }

    def table(self) -> str:
        data = self.to_dict()
        rows = [
            (
                "pcc-qa: parse, metadata, chunk, SQLite, embed chunks + sentences, FAISS",
                self.ours_chunks,
                statistics.median(self.ours_seconds),
                data["ours_chars_per_s"],
                f"{self.ratio:.2f}x",
            ),
            (
                "LangChain tutorial: 1000/200 splitter, HuggingFaceEmbeddings, FAISS",
                self.tutorial_chunks,
                statistics.median(self.tutorial_seconds),
                data["tutorial_chars_per_s"],
                "1.00x",
            ),
        ]
        latency = [(r.name, r.queries, r.p50_ms, r.p95_ms) for r in self.latencies]
        rounds = ", ".join(
            f"{t / o:.2f}x" for o, t in zip(self.ours_seconds, self.tutorial_seconds, strict=True)
        )
        return "\n".join(
            [
                f"Ingest-to-ready of {self.files} synthetic responses "
                f"({self.source_chars:,} characters), cold, {len(self.ours_seconds)} paired "
                f"rounds (per round: {rounds}):",
                table(("pipeline", "chunks", "s", "chars/s", "ratio"), rows),
                f"  ours embedded {self.ours_texts_embedded:,} texts ({self.ours_sentences:,} "
                f"of the chunks' sentences among them), {self.ours_texts_from_cache:,} repeats "
                f"from the cache; ready (first answer embeds only its question): "
                f"{'yes' if self.ready else 'NO'}",
                "",
                "Warm query latency on that index, dev questions:",
                table(("retriever", "queries", "p50 ms", "p95 ms"), latency),
            ]
        )


def _latency(name: str, queries: list[str], run: Callable[[str], Any]) -> LatencyRow:
    for query in queries:  # warm: caches, first-shape costs
        run(query)
    times = []
    for _ in range(WARM_REPEATS):
        for query in queries:
            started = time.perf_counter()
            run(query)
            times.append((time.perf_counter() - started) * 1000)
    return LatencyRow(name, len(times), statistics.median(times), percentile(times, 0.95))


def answers_embed_only_questions(index: Any) -> bool:
    """True when answering needs no document embedding: everything was embedded at ingest."""
    from qa.chain import QAEngine

    calls = []
    original = index.embedder.encode_documents
    index.embedder.encode_documents = lambda texts, progress=False: (
        calls.append(texts) or (original(texts, progress))
    )
    try:
        QAEngine(index).answer(READY_QUESTION)
    finally:
        index.embedder.encode_documents = original
    return not calls


def run(rounds: int = ROUNDS, documents: int = DOCUMENTS) -> IngestBench:
    from bench.synthetic import generate
    from bench.tutorial import TutorialPipeline
    from index.build import ingest_and_index
    from index.embedder import Embedder
    from index.search import SearchIndex
    from qa.chain import QAEngine
    from qa.evaluate import DATA, load_questions

    questions = [q.question for q in load_questions(DATA / "seeds_dev.jsonl")]
    Embedder().load(bulk=True)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "corpus"
        files = generate(folder, documents)
        chars = sum(len(p.read_text(encoding="utf-8")) for p in files)
        homes: list[Path] = []
        reports: list[Any] = []
        tutorial = TutorialPipeline()
        built: list[Any] = []

        def ours() -> None:
            home = Path(tempfile.mkdtemp(dir=scratch))
            reports.append(ingest_and_index([folder], home))
            homes.append(home)

        def baseline() -> float:
            built.append(tutorial.build(folder))
            return float(built[-1].seconds)  # its model loads before its clock starts

        seconds = paired({"ours": ours, "tutorial": baseline}, rounds, warm=False)
        report, sync = reports[-1]
        index = SearchIndex.open(homes[-1])
        ready = answers_embed_only_questions(index)
        engine = QAEngine(index)
        rows = (
            *(
                _latency(f"pcc-qa {mode}", questions, lambda q, m=mode: index.search(q, mode=m))
                for mode in ("dense", "keyword", "hybrid")
            ),
            _latency("pcc-qa answer (extractive)", questions, engine.answer),
            _latency("LangChain tutorial similarity_search", questions, tutorial.search),
        )
        index.close()
    return IngestBench(
        files=len(files),
        source_chars=chars,
        ours_chunks=report.total_chunks,
        ours_texts_embedded=sync.embedded,
        ours_texts_from_cache=sync.cached,
        ours_sentences=sync.sentences,
        tutorial_chunks=built[-1].chunks,
        ours_seconds=tuple(seconds["ours"]),
        tutorial_seconds=tuple(seconds["tutorial"]),
        ratio=ratio(seconds["tutorial"], seconds["ours"]),
        ready=ready,
        latencies=rows,
    )
