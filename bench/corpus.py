"""Corpus benchmark: our ingest and search beside the stock LangChain tutorial pipeline.

Not a test: `pccqa bench` prints these figures (the README quotes them). Both pipelines use the
same bundled model on the same files in the same run, so the ratios are like for like.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

WARM_REPEATS = 3


@dataclass(frozen=True, slots=True)
class LatencyRow:
    """Warm query latency of one retriever over the question set."""

    name: str
    queries: int
    p50_ms: float
    p95_ms: float


@dataclass(frozen=True, slots=True)
class CorpusBench:
    """Ingest throughput and query latency, ours and the tutorial pipeline's."""

    files: int
    source_chars: int
    ours_chunks: int
    ours_seconds: float
    tutorial_chunks: int
    tutorial_seconds: float
    latencies: tuple[LatencyRow, ...]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ours_chunks_per_s"] = self.ours_chunks / self.ours_seconds
        data["tutorial_chunks_per_s"] = self.tutorial_chunks / self.tutorial_seconds
        data["ours_chars_per_s"] = self.source_chars / self.ours_seconds
        data["tutorial_chars_per_s"] = self.source_chars / self.tutorial_seconds
        return data

    def table(self) -> str:
        data = self.to_dict()
        speed = self.tutorial_seconds / self.ours_seconds
        lines = [
            f"Ingest of {self.files} files ({self.source_chars:,} characters), cold cache:",
            f"  {'pipeline':<26}{'chunks':>8}{'seconds':>10}{'chunks/s':>10}{'chars/s':>10}",
            f"  {'pcc-qa':<26}{self.ours_chunks:>8}{self.ours_seconds:>10.2f}"
            f"{data['ours_chunks_per_s']:>10.1f}{data['ours_chars_per_s']:>10.0f}",
            f"  {'LangChain tutorial':<26}{self.tutorial_chunks:>8}{self.tutorial_seconds:>10.2f}"
            f"{data['tutorial_chunks_per_s']:>10.1f}{data['tutorial_chars_per_s']:>10.0f}",
            f"  source text per second, ours / tutorial: {speed:.2f}x",
            "",
            "Warm query latency over the dev questions:",
            f"  {'retriever':<26}{'queries':>8}{'p50 ms':>10}{'p95 ms':>10}",
        ]
        for row in self.latencies:
            lines.append(f"  {row.name:<26}{row.queries:>8}{row.p50_ms:>10.1f}{row.p95_ms:>10.1f}")
        return "\n".join(lines)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _latency(name: str, queries: list[str], run: Callable[[str], Any]) -> LatencyRow:
    for query in queries:  # warm: model, caches, first-shape costs
        run(query)
    times = []
    for _ in range(WARM_REPEATS):
        for query in queries:
            started = time.perf_counter()
            run(query)
            times.append((time.perf_counter() - started) * 1000)
    return LatencyRow(name, len(times), statistics.median(times), _percentile(times, 0.95))


def run_corpus_bench(corpus: Path, questions: list[str]) -> CorpusBench:
    """Ingest the corpus both ways from cold, then time warm queries of each retriever."""
    from qa.tutorial import TutorialPipeline
    from index.build import ingest_and_index
    from index.embedder import Embedder
    from index.search import SearchIndex
    from qa.chain import QAEngine

    files = [p for p in corpus.rglob("*") if p.is_file()]
    chars = sum(len(p.read_text(encoding="utf-8", errors="ignore")) for p in files)
    Embedder().encode_query("load the model before timing")
    with tempfile.TemporaryDirectory() as home:
        started = time.perf_counter()
        report, _ = ingest_and_index([corpus], Path(home))
        ours_seconds = time.perf_counter() - started
        tutorial = TutorialPipeline()
        stats = tutorial.build(corpus)
        index = SearchIndex.open(Path(home))
        engine = QAEngine(index)
        rows = (
            *(
                _latency(f"pcc-qa {mode}", questions, lambda q, m=mode: index.search(q, mode=m))
                for mode in ("dense", "keyword", "hybrid")
            ),
            _latency("pcc-qa answer (extractive)", questions, engine.answer),
            _latency("LangChain tutorial FAISS", questions, tutorial.search),
        )
        index.close()
    return CorpusBench(
        len(files), chars, report.total_chunks, ours_seconds, stats.chunks, stats.seconds, rows
    )
