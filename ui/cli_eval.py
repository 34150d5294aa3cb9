"""`pccqa eval`: index a question set's corpus, answer every question, score beside baselines.

The evaluation index lives under $PCCQA_HOME/eval/, apart from the user's own corpus, and is
brought up to date incrementally, so a rerun only answers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from index.build import ingest_and_index
from index.search import SearchIndex
from qa.baselines import BM25Ranker, TutorialRanker, chunk_passages, ranked_files, top_forces
from qa.chain import QAEngine
from qa.evaluate import (
    DATA,
    EvalQuestion,
    EvalReport,
    Prediction,
    failures,
    load_questions,
    prediction_from_answer,
    score,
)
from qa.variants import VARIANTS, variant

REPO = Path(__file__).resolve().parents[1]
WIDE_CORPUS = REPO / "tests" / "data" / "corpus_wide" / "documents"
SEED_CORPUS = REPO / "corpus"
QUESTION_SETS = {
    "dev": (DATA / "dev.jsonl", WIDE_CORPUS),
    "locked": (DATA / "locked_test.jsonl", WIDE_CORPUS),
    "seeds": (DATA / "seeds_dev.jsonl", SEED_CORPUS),
}
RANKED_DOCUMENTS_K = 20

System = Callable[[str], Prediction]


def run_eval(
    name: str,
    questions_file: Path,
    corpus: Path,
    home: Path,
    *,
    with_variants: bool = True,
    progress: bool = False,
) -> EvalReport:
    """Every question (and its variants) through ours and both baselines, scored alike."""
    questions = load_questions(questions_file)
    index = open_eval_index(corpus, home, progress)
    try:
        systems = build_systems(index)
        results: dict[str, tuple[list[EvalQuestion], dict[str, list[Prediction]]]] = {}
        for form in VARIANTS if with_variants else VARIANTS[:1]:
            asked = [(q, text) for q in questions if (text := variant(q, form))]
            if not asked:
                continue  # the set does not ask its questions this way
            predictions = {s: [run(text) for _, text in asked] for s, run in systems.items()}
            results[form] = ([q for q, _ in asked], predictions)
        asked_questions, original = results.pop("original")
        documents = [d for d in index.documents() if d.duplicate_of is None]
        return EvalReport(
            question_set=name,
            corpus=str(corpus),
            documents=len(documents),
            forces=len({d.metadata.force for d in documents if d.metadata.force}),
            scores={s: score(asked_questions, p) for s, p in original.items()},
            variants={
                form: {s: score(asked, p)["all"] for s, p in by_system.items()}
                for form, (asked, by_system) in results.items()
            },
            failures=failures(asked_questions, original["ours"]),
        )
    finally:
        index.close()


FIT_SETS = ("dev", "seeds")  # two corpora of different sizes: cut-offs must hold on both


def fit(home: Path, progress: bool = False) -> dict[str, object]:
    """Fit the answer policy on the development sets (never the locked one) and install it."""
    from qa.fit import fit_policy, training_rows

    indexes = [open_eval_index(QUESTION_SETS[name][1], home, progress) for name in FIT_SETS]
    try:
        rows = training_rows(
            [
                (QAEngine(index), load_questions(QUESTION_SETS[name][0]))
                for name, index in zip(FIT_SETS, indexes, strict=True)
            ]
        )
    finally:
        for index in indexes:
            index.close()
    policy, _ = fit_policy(rows)
    return {
        **policy.fitted_on,
        "states_min": policy.states_min,
        "relative": policy.relative,
        "related_min": policy.related_min,
        "sets": list(FIT_SETS),
    }


def open_eval_index(corpus: Path, home: Path, progress: bool) -> SearchIndex:
    """The corpus's evaluation index, updated from its files first (unchanged files are skipped)."""
    where = home / "eval" / corpus.resolve().name
    ingest_and_index([corpus], where, progress=progress)
    return SearchIndex.open(where)


def build_systems(index: SearchIndex) -> dict[str, System]:
    """Ours and the two baselines, each a function from a question to a Prediction."""
    engine = QAEngine(index)
    texts = {d.doc_id: d.text for d in index.documents()}
    bm25 = BM25Ranker(chunk_passages(index))
    tutorial = TutorialRanker(index)

    def ours(text: str) -> Prediction:
        started = time.perf_counter()
        answer = engine.answer(text)
        elapsed = (time.perf_counter() - started) * 1000
        ranked = dict.fromkeys(h.chunk.file_name for h in index.search(text, RANKED_DOCUMENTS_K))
        return prediction_from_answer(answer, tuple(ranked), texts.__getitem__, elapsed)

    def baseline(ranker: BM25Ranker | TutorialRanker) -> System:
        def predict(text: str) -> Prediction:
            ranked = ranker.rank(text)
            forces = top_forces(ranked)
            return Prediction(
                forces=forces,
                abstained=not forces,
                ranked_documents=ranked_files(ranked),
                cited_documents=tuple(p.file_name for p in ranked[:3]),
            )

        return predict

    engine.answer("warm-up: which forces respond?")  # model loads stay out of the latencies
    return {"ours": ours, "bm25": baseline(bm25), "tutorial": baseline(tutorial)}
