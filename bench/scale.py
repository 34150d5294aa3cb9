"""National scale: 400,000 chunks (every force's responses over ten years), on paper and measured.

    python -m bench scale [--chunks 400000] [--json]

1. Ingest time, extrapolated: 20 synthetic responses are ingested for real (cold, to ready);
   their chunks per second, scaled to N chunks, plus the store and FAISS costs measured at N.
2. A store of N chunks in documents of 100 for the 43 forces, each chunk four sentences of the
   bundled corpus recombined; every distinct sentence embedded for real, each chunk's vector the
   normalised mean of its sentences' (so dense search finds meaning, at no cost of embedding N
   chunks); IVF as `pccqa ingest` builds it.
3. In a fresh process: open the index, answer which-forces questions with
   `QAEngine(index).answer(question)` (whatever answer logic is current), report latency and
   memory. The answers search every force's responses (43 searches each).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.paired import percentile, table

CHUNKS = 400_000
CHUNKS_PER_DOCUMENT = 100
SENTENCES_PER_CHUNK = 4
SAMPLE_DOCUMENTS = 20
REPEATS = 3
SEED = 11
FORCE_SHARE = 0.25  # of the corpus's sentences, each force's documents draw on
REPO = Path(__file__).resolve().parent.parent
QUESTIONS = (
    "Which forces use tuServ for demographic capture?",
    "Which forces mention the Athena system?",
    "Which PCCs secured funding for a violence reduction unit?",
    "Which forces train officers in the use of outcome 22?",
    "Which forces have a serious violence needs assessment?",
)


@dataclass(frozen=True, slots=True)
class ScaleBench:
    chunks: int
    forces: int
    sample_chunks_per_s: float
    sample_chars_per_s: float
    store_seconds: float
    faiss_seconds: float
    extrapolated_ingest_hours: float
    open_seconds: float
    rss_mib: float
    vectors_mib: float
    answer_p50_ms: float
    answer_p95_ms: float
    answers: int
    texts_embedded_while_answering: int
    forces_named: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def table(self) -> str:
        rows = [
            ("ingest to ready, extrapolated (N / sample rate + FAISS at N)",
             f"{self.extrapolated_ingest_hours:.1f} h"),
            ("  sample: 20 responses ingested to ready",
             f"{self.sample_chunks_per_s:.0f} chunks/s, {self.sample_chars_per_s:,.0f} chars/s"),
            ("  (writing N chunks to SQLite with FTS5, included above)",
             f"{self.store_seconds:.0f} s"),
            ("  FAISS IVF of N vectors (train + add + save)", f"{self.faiss_seconds:.0f} s"),
            ("open the index and read its documents (fresh process)",
             f"{self.open_seconds:.2f} s"),
            ("peak memory of that process (VmHWM)", f"{self.rss_mib:,.0f} MiB"),
            ("  the vectors file (memory-mapped)", f"{self.vectors_mib:,.0f} MiB"),
            (f"which-forces answer across {self.forces} forces, p50",
             f"{self.answer_p50_ms:.0f} ms"),
            ("  p95", f"{self.answer_p95_ms:.0f} ms"),
            ("  texts embedded while answering (besides questions)",
             str(self.texts_embedded_while_answering)),
        ]  # fmt: skip
        named = ", ".join(f"{n} forces" for n in self.forces_named.values())
        return (
            f"National scale, {self.chunks:,} synthetic chunks, {self.answers} answers "
            f"({len(self.forces_named)} questions x {REPEATS}, warm):\n"
            + table(("figure", "value"), rows)
            + f"\n  forces named per question: {named}"
        )


def _sample_rate() -> tuple[float, float]:
    """Chunks and characters per second of a real, cold ingest of synthetic responses."""
    from bench.synthetic import generate
    from index.build import ingest_and_index
    from index.embedder import Embedder

    Embedder().load(bulk=True)
    with tempfile.TemporaryDirectory() as scratch:
        files = generate(Path(scratch) / "corpus", SAMPLE_DOCUMENTS)
        chars = sum(len(p.read_text(encoding="utf-8")) for p in files)
        started = time.perf_counter()
        report, _ = ingest_and_index([Path(scratch) / "corpus"], Path(scratch) / "home")
        seconds = time.perf_counter() - started
    return report.total_chunks / seconds, chars / seconds


def build(home: Path, size: int) -> tuple[float, float]:
    """The synthetic national index in `home`; returns (store seconds, FAISS seconds)."""
    from index.build import embed_with_cache
    from index.embedder import Embedder
    from index.manifest import DATABASE_FILE, VECTORS_FILE, Manifest, write_manifest
    from index.vectors import VectorIndex
    from ingest.forces import all_forces
    from ingest.sentences import split_sentences
    from ingest.store import CorpusStore
    from ingest.types import Chunk, Document, DocumentMetadata

    rng = np.random.default_rng(SEED)
    corpus = REPO / "corpus"
    pool = list(
        dict.fromkeys(
            s.key for p in sorted(corpus.glob("*.txt")) for s in split_sentences(p.read_text())
        )
    )
    forces = all_forces()
    embedder = Embedder()
    home.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    store = CorpusStore(home / DATABASE_FILE)
    # Each force writes about its own share of the topics, as real responses do, so that a
    # distinctive practice (tuServ, Athena) is found in some forces' responses, not all.
    shares = [rng.choice(len(pool), int(len(pool) * FORCE_SHARE), replace=False) for _ in forces]
    picks = np.empty((size, SENTENCES_PER_CHUNK), dtype=np.int64)
    for doc_no in range(size // CHUNKS_PER_DOCUMENT):
        rows = slice(doc_no * CHUNKS_PER_DOCUMENT, (doc_no + 1) * CHUNKS_PER_DOCUMENT)
        share = shares[doc_no % len(forces)]
        picks[rows] = share[rng.integers(0, len(share), (CHUNKS_PER_DOCUMENT, SENTENCES_PER_CHUNK))]
    with store.transaction():
        for doc_no in range(size // CHUNKS_PER_DOCUMENT):
            force = forces[doc_no % len(forces)]
            rows = picks[doc_no * CHUNKS_PER_DOCUMENT : (doc_no + 1) * CHUNKS_PER_DOCUMENT]
            # Blank lines between sentences: each splits back into exactly the embedded keys.
            texts = ["\n\n".join(pool[i] for i in row) for row in rows]
            spans, start = [], 0
            for text in texts:
                spans.append((start, start + len(text)))
                start += len(text) + 2
            doc_id = f"doc{doc_no}"
            metadata = DocumentMetadata(force=force.force, force_name=force.force_name)
            document = Document(
                doc_id, f"/synthetic/{doc_id}.txt", "txt", doc_id, "\n\n".join(texts),
                metadata=metadata,
            )  # fmt: skip
            chunks = [
                Chunk(doc_id, n, text, a, b, force=force.force, file_name=f"{doc_id}.txt")
                for n, (text, (a, b)) in enumerate(zip(texts, spans, strict=True))
            ]
            store.put_document(document, chunks, [])
    store_seconds = time.perf_counter() - started
    started = time.perf_counter()
    sentence_vectors, _ = embed_with_cache(store, embedder, pool)
    ids = np.array(store.chunk_ids(), dtype=np.int64)
    # A chunk's vector: the normalised mean of its sentences' (rows of `picks`, in id order).
    vectors = sentence_vectors[picks].mean(axis=1)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = VectorIndex.create(embedder.dim, expected_size=len(ids))
    index.add(ids, np.ascontiguousarray(vectors, dtype=np.float32))
    index.save(home / VECTORS_FILE)
    faiss_seconds = time.perf_counter() - started
    write_manifest(home, Manifest(embedder.model, embedder.dim, True, index.kind, len(index)))
    store.close()
    return store_seconds, faiss_seconds


def answer_figures(home: str) -> dict[str, Any]:
    """Run in a fresh process: open, answer each question REPEATS times, report."""
    from index.search import SearchIndex
    from qa.chain import QAEngine

    started = time.perf_counter()
    index = SearchIndex.open(Path(home))
    engine = QAEngine(index)
    engine.documents  # noqa: B018 - part of opening, as the first answer would pay it
    open_seconds = time.perf_counter() - started
    embedded = []
    original = index.embedder.encode_documents
    index.embedder.encode_documents = lambda texts, progress=False: (
        embedded.extend(texts) or (original(texts, progress))
    )
    forces_named = {}
    for question in QUESTIONS:  # warm: the first answer of each question
        forces_named[question] = len(engine.answer(question).forces)
    times = []
    for _ in range(REPEATS):
        for question in QUESTIONS:
            began = time.perf_counter()
            engine.answer(question)
            times.append((time.perf_counter() - began) * 1000)
    rss = _peak_rss_mib()
    return {
        "open_seconds": open_seconds,
        "rss_mib": rss,
        "p50_ms": statistics.median(times),
        "p95_ms": percentile(times, 0.95),
        "answers": len(times),
        "embedded": len(embedded),
        "forces": len(index.forces),
        "forces_named": forces_named,
    }


def _peak_rss_mib() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited at exec)."""
    with open("/proc/self/status", encoding="utf-8") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def run(size: int = CHUNKS) -> ScaleBench:
    from index.manifest import VECTORS_FILE

    chunks_per_s, chars_per_s = _sample_rate()
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch) / "home"
        store_seconds, faiss_seconds = build(home, size)
        code = (
            "import json; from bench.scale import answer_figures; "
            f"print(json.dumps(answer_figures({str(home)!r})))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
        )
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        vectors_mib = (home / VECTORS_FILE).stat().st_size / 2**20
    # The sample's rate already includes writing its chunks to SQLite; IVF training is not in
    # it (a small index is exact), so the FAISS build at N is added.
    hours = (size / chunks_per_s + faiss_seconds) / 3600
    return ScaleBench(
        chunks=size,
        forces=figures["forces"],
        sample_chunks_per_s=chunks_per_s,
        sample_chars_per_s=chars_per_s,
        store_seconds=store_seconds,
        faiss_seconds=faiss_seconds,
        extrapolated_ingest_hours=hours,
        open_seconds=figures["open_seconds"],
        rss_mib=figures["rss_mib"],
        vectors_mib=vectors_mib,
        answer_p50_ms=figures["p50_ms"],
        answer_p95_ms=figures["p95_ms"],
        answers=figures["answers"],
        texts_embedded_while_answering=figures["embedded"],
        forces_named=figures["forces_named"],
    )
