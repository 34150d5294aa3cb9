"""Does a faster way of running the model change answers? The dev set, four ways, side by side.

    python -m bench quality [--json]

The bundled corpus is indexed with vectors from sentence-transformers in float32 (the
reference: how every vector was made before), ONNX Runtime float32 (ours, queries and small
jobs), dynamic int8 (rejected) and bfloat16 on AMX (ours, large jobs; here forced on every
text), and the 55 dev questions are answered and scored as `pccqa eval` does. An answer
"matches" when its text and citations equal the reference's; "same evidence" ignores order.
"""

from __future__ import annotations

import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.paired import table

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@dataclass(frozen=True, slots=True)
class QualityRow:
    name: str
    recall_at_5: float
    exact_set: float
    force_f1: float
    evidence_hit_rate: float
    abstention_accuracy: float
    unverified_quotes: int
    answers_matching: int
    same_evidence: int
    questions: int


@dataclass(frozen=True, slots=True)
class QualityBench:
    rows: tuple[QualityRow, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def table(self) -> str:
        header = ("vectors", "R@5", "exact", "force F1", "evidence", "abstain", "bad", "same")
        rows = [
            (
                r.name,
                f"{r.recall_at_5:.3f}",
                f"{r.exact_set:.3f}",
                f"{r.force_f1:.3f}",
                f"{r.evidence_hit_rate:.3f}",
                f"{r.abstention_accuracy:.2f}",
                r.unverified_quotes,
                f"{r.answers_matching}/{r.questions} ({r.same_evidence} same evidence)",
            )
            for r in self.rows
        ]
        return "Seeds-set answers by how vectors are made (bundled corpus, 55 questions):\n" + (
            table(header, rows)
        )


def _fixed_embedder(runner: Any, batch_size: int) -> Any:
    """The bundled model's embedder, every text through one given runner."""
    from index.embedder import BUNDLED_MODEL, Embedder

    class Fixed(Embedder):
        def _fast_encode(self, texts: Any, progress: bool) -> Any:
            tokenized = self._batcher.tokenize(texts)
            return self._batcher.encode(tokenized, runner, runner.dim, batch_size, progress)

    return Fixed(BUNDLED_MODEL, backend="onnx")


def _answers(embedder: Any) -> tuple[Any, dict[str, Any]]:
    from index.build import sync_index
    from index.manifest import vectors_file
    from index.search import SearchIndex
    from index.vectors import VectorIndex
    from ingest.pipeline import ingest_paths
    from ingest.store import CorpusStore
    from qa.chain import QAEngine
    from qa.evaluate import DATA, load_questions, prediction_from_answer, score

    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        store = CorpusStore(home / "corpus.sqlite3")
        ingest_paths([CORPUS], store)
        sync_index(store, home, embedder)
        vectors = VectorIndex.load(vectors_file(home, store.generation()))
        index = SearchIndex(home, store, embedder, vectors)
        engine = QAEngine(index)
        texts = {d.doc_id: d.text for d in engine.documents}
        answers: dict[str, Any] = {}

        questions = load_questions(DATA / "seeds_dev.jsonl")
        predictions = []
        for question in questions:
            result = engine.answer(question.question)
            cited = [(c.doc_id, c.char_start, c.char_end, c.quote) for c in result.citations]
            answers[question.id] = (result.text, cited)
            ranked = dict.fromkeys(h.chunk.file_name for h in index.search(question.question, 20))
            predictions.append(prediction_from_answer(result, tuple(ranked), texts.__getitem__))
        report = score(questions, predictions)["all"]
        store.close()
    return report, answers


def run() -> QualityBench:
    from index import bf16
    from index.embedder import BUNDLED_MODEL, Embedder, model_location
    from index.onnx import BATCH_SIZE, OnnxRunner

    location = Path(model_location(BUNDLED_MODEL))
    variants = {
        "torch fp32 (reference, before)": Embedder(BUNDLED_MODEL, backend="torch"),
        "onnx fp32 (ours)": _fixed_embedder(OnnxRunner(location), BATCH_SIZE),
        "onnx int8 dynamic (rejected)": _fixed_embedder(
            OnnxRunner(location, precision="int8"), BATCH_SIZE
        ),
    }
    if bf16.amx_bf16():
        variants["bf16 AMX (ours, ingest)"] = _fixed_embedder(
            bf16.Bf16Runner(location), bf16.BATCH_SIZE
        )
    results = {name: _answers(embedder) for name, embedder in variants.items()}
    _, reference = next(iter(results.values()))
    rows = []
    for name, (report, answers) in results.items():
        rows.append(
            QualityRow(
                name,
                report.recall_at_5,
                report.exact_set,
                report.force_f1,
                report.evidence_hits,
                report.abstention,
                report.unverified_quotes,
                sum(answers[q] == reference[q] for q in reference),
                sum(sorted(answers[q][1]) == sorted(reference[q][1]) for q in reference),
                len(reference),
            )
        )
    return QualityBench(tuple(rows))
