"""Embedding throughput: how the model is run, against how it ran before, paired on one workload.

    python -m bench embed [--documents 30] [--rounds 3] [--json]

The workload is what an ingest embeds: the chunk texts and sentence keys of synthetic
responses. Each variant embeds all of it once per round (order rotated, see bench/paired.py).
Figures: real tokens per second (padding excluded), useful GFLOP/s and their share of the
CPU's measured peaks (bench/peak.py), speed-up over the old configuration, and how closely
each variant's vectors agree with sentence-transformers' float32 ones (cosine).
"""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.paired import paired, ratio, table
from bench.peak import Peaks, measure

DOCUMENTS = 30
ROUNDS = 3
BASELINE = "torch fp32, 1 call x all cores, batch 16 (before)"


@dataclass(frozen=True, slots=True)
class EmbedRow:
    """One way of running the model over the workload."""

    name: str
    seconds: float
    tokens_per_s: float
    gflops: float
    percent_of_peak: float
    peak: str
    speedup: float
    cosine_min: float
    cosine_median: float


@dataclass(frozen=True, slots=True)
class EmbedBench:
    texts: int
    tokens: int
    padded_tokens_sorted_b8: int
    padded_tokens_unsorted_b8: int
    peaks: Peaks
    rows: tuple[EmbedRow, ...]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "peaks": self.peaks.to_dict()}

    def table(self) -> str:
        p = self.peaks
        waste = 1 - self.tokens / self.padded_tokens_unsorted_b8
        lines = [
            f"Embedding {self.texts:,} texts ({self.tokens:,} tokens: chunks and sentences of "
            f"synthetic responses), {p.cores} cores, paired rounds:",
            f"  peaks measured: fp32 {p.fp32_gflops:,.0f} GFLOP/s"
            + (f", bf16 {p.bf16_gflops:,.0f} GFLOP/s" if p.bf16_gflops else "")
            + (f", int8 {p.int8_gops:,.0f} GOP/s" if p.int8_gops else "")
            + (
                f" (AVX-512 VNNI estimate {p.vnni_int8_gops_estimate:,.0f})"
                if p.vnni_int8_gops_estimate
                else ""
            )
            + f"; flags: {' '.join(p.flags)}",
            f"  padding in batches of 8: {waste:.0%} of tokens unsorted, "
            f"{1 - self.tokens / self.padded_tokens_sorted_b8:.0%} sorted by length",
            table(
                ("variant", "s", "tokens/s", "GFLOP/s", "% peak", "of", "speed-up", "cos min"),
                [
                    (
                        r.name,
                        r.seconds,
                        r.tokens_per_s,
                        r.gflops,
                        r.percent_of_peak,
                        r.peak,
                        f"{r.speedup:.2f}x",
                        f"{r.cosine_min:.6f}",
                    )
                    for r in self.rows
                ],
            ),
        ]
        return "\n".join(lines)


def workload(documents: int) -> list[str]:
    """Chunk texts and sentence keys of synthetic responses: what an ingest embeds."""
    from bench.synthetic import generate
    from index.build import embedding_text, sentence_keys
    from ingest.pipeline import ingest_paths
    from ingest.store import CorpusStore

    with tempfile.TemporaryDirectory() as folder:
        generate(Path(folder) / "corpus", documents)
        with CorpusStore(Path(folder) / "corpus.sqlite3") as store:
            ingest_paths([Path(folder) / "corpus"], store)
            chunks = store.chunks()
            texts = [embedding_text(c) for c in chunks]
            keys = sentence_keys(store.passages(c.chunk_id for c in chunks).values())
    return list(dict.fromkeys(texts + keys))


def model_flops(lengths: np.ndarray, config: dict[str, Any]) -> float:
    """Multiply-add FLOPs of a BERT encoder over sequences of these lengths (no padding)."""
    d, ff, layers = config["hidden_size"], config["intermediate_size"], config["num_hidden_layers"]
    n = lengths.astype(np.float64)
    dense = 2 * n * (4 * d * d + 2 * d * ff)  # q, k, v, output projections and the MLP
    attention = 4 * n * n * d  # scores and weighted values
    return float(layers * (dense + attention).sum())


def run(documents: int = DOCUMENTS, rounds: int = ROUNDS) -> EmbedBench:
    import json

    import torch

    from index import bf16
    from index.batching import TokenBatcher, cores
    from index.embedder import BUNDLED_MODEL, Embedder, model_location
    from index.onnx import BATCH_SIZE, OnnxRunner

    location = Path(model_location(BUNDLED_MODEL))
    config = json.loads((location / "config.json").read_text(encoding="utf-8"))
    texts = workload(documents)
    n_cores = cores()
    one = TokenBatcher(location, workers=1)
    many = TokenBatcher(location, workers=n_cores)
    tokenized = one.tokenize(texts)
    flops = model_flops(tokenized.lengths, config)
    reference = Embedder(BUNDLED_MODEL, backend="torch")
    fp32 = OnnxRunner(location)
    fp32_threads = OnnxRunner(location, threads=n_cores)
    int8 = OnnxRunner(location, precision="int8")
    peaks = measure(n_cores)

    def torch_st(threads: int) -> Callable[[], np.ndarray]:
        def go() -> np.ndarray:
            torch.set_num_threads(threads)
            return reference.encode_documents(texts)

        return go

    def fast(batcher: TokenBatcher, runner: Any, batch: int, sort: bool = True) -> Any:
        return lambda: batcher.encode(tokenized, runner, runner.dim, batch, sort=sort)

    variants: dict[str, tuple[Callable[[], np.ndarray], str]] = {
        BASELINE: (torch_st(n_cores), "fp32"),
        "torch fp32, 1 call x 1 thread, batch 16": (torch_st(1), "fp32"),
        f"onnx fp32, 1 call x {n_cores} threads, batch 8": (fast(one, fp32_threads, 8), "fp32"),
        f"onnx fp32, {n_cores} calls x 1 thread, batch 8 unsorted": (
            fast(many, fp32, 8, sort=False),
            "fp32",
        ),
    }
    for batch in (4, 8, 16, 32):
        mark = " (ours, small jobs)" if batch == BATCH_SIZE else ""
        variants[f"onnx fp32, {n_cores} calls x 1 thread, batch {batch}{mark}"] = (
            fast(many, fp32, batch),
            "fp32",
        )
    variants[f"onnx int8 dynamic, {n_cores} calls x 1 thread, batch 8 (rejected)"] = (
        fast(many, int8, 8),
        "vnni",
    )
    if bf16.amx_bf16():
        runner = bf16.Bf16Runner(location)
        for batch in (8, 16, 32):
            mark = " (ours, ingest)" if batch == bf16.BATCH_SIZE else ""
            variants[f"torch bf16 AMX, {n_cores} calls x 1 thread, batch {batch}{mark}"] = (
                _one_torch_thread(fast(many, runner, batch)),
                "bf16",
            )
    expected = torch_st(n_cores)()
    agreement = {}
    for name, (go, _) in variants.items():
        vectors = go()
        cosines = np.sum(vectors * expected, axis=1)
        agreement[name] = (float(cosines.min()), float(np.median(cosines)))
    seconds = paired({name: go for name, (go, _) in variants.items()}, rounds, warm=False)
    torch.set_num_threads(n_cores)
    peak_of = {
        "fp32": ("fp32", peaks.fp32_gflops),
        "bf16": ("bf16", peaks.bf16_gflops or peaks.fp32_gflops),
        "vnni": ("int8 VNNI", peaks.vnni_int8_gops_estimate or peaks.int8_gops or 1.0),
    }
    rows = []
    for name, (_, kind) in variants.items():
        median = statistics.median(seconds[name])
        label, peak = peak_of[kind]
        rows.append(
            EmbedRow(
                name,
                median,
                tokenized.tokens / median,
                flops / median / 1e9,
                100 * flops / median / 1e9 / peak,
                label,
                ratio(seconds[BASELINE], seconds[name]),
                *agreement[name],
            )
        )
    sorted_pad, unsorted_pad = _padded(tokenized.lengths, 8)
    return EmbedBench(len(texts), tokenized.tokens, sorted_pad, unsorted_pad, peaks, tuple(rows))


def _one_torch_thread(go: Callable[[], np.ndarray]) -> Callable[[], np.ndarray]:
    """The bf16 runner's calls each take one core, as in index/bf16.py."""

    def wrapped() -> np.ndarray:
        import torch

        torch.set_num_threads(1)
        return go()

    return wrapped


def _padded(lengths: np.ndarray, batch: int) -> tuple[int, int]:
    """Tokens the model computes, padding included, with and without sorting by length."""

    def total(order: np.ndarray) -> int:
        return sum(
            int(lengths[order[i : i + batch]].max()) * len(order[i : i + batch])
            for i in range(0, len(order), batch)
        )

    return total(np.argsort(lengths, kind="stable")), total(np.arange(len(lengths)))
