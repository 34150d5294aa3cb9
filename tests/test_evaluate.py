"""The dev question set is true to the corpus, and the evaluation metrics count what they say."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from qa.evaluate import (
    DEV_QUESTIONS,
    KINDS,
    EvalQuestion,
    QuestionSetError,
    evaluate,
    load_questions,
)
from qa.types import Answer, Citation
from tests.conftest import CORPUS

FORCE_OF_FILE = {
    "cambridgeshire-pcc-letter-serious-youth-violence-2023.txt": "Cambridgeshire",
    "cleveland-pcc-response-form-serious-youth-violence-2023.txt": "Cleveland",
    "cumbria-pcc-response-serious-youth-violence-2023.txt": "Cumbria",
    "norfolk-pcc-response-serious-youth-violence-2023.txt": "Norfolk",
    "west-mercia-pcc-letter-serious-youth-violence-2023.txt": "West Mercia",
}
KIND_MINIMUMS = {"which_forces": 8, "force": 6, "compare": 4, "metadata": 5, "unanswerable": 7}
MIN_QUESTIONS = 36
MIN_PARAPHRASES = 6
# The unanswerable questions' topics: none may appear anywhere in the corpus.
ABSENT_TOPICS = ("niche", "drone", "body-worn", "taser", "domestic", "facial", "precept", "fraud")


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


@pytest.fixture(scope="module")
def dev_questions() -> list[EvalQuestion]:
    return load_questions()


@pytest.fixture(scope="module")
def corpus_text() -> dict[str, str]:
    return {name: _normalise((CORPUS / name).read_text(encoding="utf-8")) for name in FORCE_OF_FILE}


def test_every_evidence_phrase_is_verbatim_in_an_expected_document(dev_questions, corpus_text):
    for q in dev_questions:
        for phrase in q.evidence:
            found = [d for d in q.expected_documents if _normalise(phrase) in corpus_text[d]]
            assert found, f"{q.id}: '{phrase}' is in none of {q.expected_documents}"


def test_expected_forces_are_the_forces_of_the_expected_documents(dev_questions):
    for q in dev_questions:
        assert set(q.expected_documents) <= FORCE_OF_FILE.keys(), q.id
        assert sorted(q.expected_forces) == sorted(FORCE_OF_FILE[d] for d in q.expected_documents)


def test_question_set_covers_every_kind_with_its_minimum(dev_questions):
    kinds = Counter(q.kind for q in dev_questions)
    assert len(dev_questions) >= MIN_QUESTIONS
    assert set(kinds) == set(KINDS)
    for kind, minimum in KIND_MINIMUMS.items():
        assert kinds[kind] >= minimum, kind
    assert sum("paraphrase" in q.tags for q in dev_questions) >= MIN_PARAPHRASES


def test_unanswerable_topics_are_absent_from_the_corpus(corpus_text):
    for topic in ABSENT_TOPICS:
        assert not [d for d, text in corpus_text.items() if topic in text], topic


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        ("{not json", "not valid JSON"),
        ('{"id": "x"}', "missing key 'question'"),
        (
            '{"id": "x", "question": "q?", "kind": "vibes", "expected_forces": [], '
            '"expected_documents": [], "evidence": [], "answerable": false}',
            "unknown kind 'vibes'",
        ),
        (
            '{"id": "x", "question": "q?", "kind": "unanswerable", "expected_forces": ["Norfolk"], '
            '"expected_documents": [], "evidence": [], "answerable": false}',
            "no forces, documents or evidence",
        ),
    ],
)
def test_load_questions_names_the_bad_line(tmp_path: Path, bad_line: str, reason: str):
    good = DEV_QUESTIONS.read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "questions.jsonl"
    path.write_text(f"{good}\n\n{bad_line}\n", encoding="utf-8")
    with pytest.raises(QuestionSetError, match=rf"line 3: .*{re.escape(reason)}"):
        load_questions(path)


SOURCE = {"doc-n": "Norfolk commissions diversion schemes.", "doc-c": "Cleveland secured a VRU."}


def _question(qid: str, forces: tuple[str, ...], docs: tuple[str, ...], evidence=()):
    kind = "which_forces" if forces else "unanswerable"
    return EvalQuestion(qid, f"question {qid}", kind, forces, docs, tuple(evidence), bool(forces))


def _citation(doc_id: str, start: int, end: int, quote: str) -> Citation:
    return Citation(1, doc_id, f"{doc_id}.txt", None, "", None, start, end, quote)


QUESTIONS = [
    _question("q1", ("Norfolk",), ("n.txt",), ["diversion  SCHEMES"]),
    _question("q2", ("Cleveland", "Norfolk"), ("c.txt", "n.txt"), ["secured a VRU"]),
    _question("q3", (), ()),
]
ANSWERS = {
    "q1": Answer(
        "q1", "", "which_forces", ("Norfolk",), (_citation("doc-n", 0, 38, SOURCE["doc-n"]),)
    ),
    # A wrong force, and a quote whose span does not hold it.
    "q2": Answer("q2", "", "which_forces", ("Cumbria",), (_citation("doc-c", 0, 9, "a VRU"),)),
    "q3": Answer("q3", "", "unanswerable", abstained=True),
}
RANKS = {"question q1": ["n.txt", "c.txt"], "question q2": ["a.txt", "c.txt", "n.txt"]}


@pytest.fixture(scope="module")
def report():
    calls = []

    def answer_fn(question: EvalQuestion) -> Answer:
        calls.append(question.id)
        return ANSWERS[question.id]

    result = evaluate(
        QUESTIONS,
        answer_fn=answer_fn,
        rank_fn=RANKS.__getitem__,
        source_text=SOURCE.__getitem__,
        baseline_rank_fn=lambda question: list(reversed(RANKS[question])),
    )
    assert calls == ["q1", "q1", "q2", "q3"], "one untimed warm-up, then each question once"
    return result


def test_force_set_scores_are_micro_averaged(report):
    # q1: 1 right; q2: Cumbria wrong, Cleveland and Norfolk missed -> tp 1, fp 1, fn 2.
    assert report.force_precision == pytest.approx(1 / 2)
    assert report.force_recall == pytest.approx(1 / 3)
    assert report.force_f1 == pytest.approx(2 * 1 / (2 * 1 + 1 + 2))


def test_evidence_abstention_and_quotes_are_counted(report):
    assert report.evidence_hit_rate == pytest.approx(1 / 2)
    assert report.abstention_accuracy == 1.0
    assert report.false_abstentions == 0
    assert (report.citations_checked, report.unverified_quotes) == (2, 1)
    assert {(f.question_id, f.metric) for f in report.failures} == {
        ("q2", "forces"),
        ("q2", "evidence"),
        ("q2", "quote"),
    }


def test_retrieval_scores_come_from_ranx_for_ours_and_the_baseline(report):
    # q2's first expected document is at rank 2: MRR (1 + 1/2) / 2; both found in the top 5.
    assert report.retrieval.recall_at_5 == pytest.approx(1.0)
    assert report.retrieval.mrr == pytest.approx(0.75)
    # Reversed: q1 finds n.txt second, q2 finds n.txt first.
    assert report.baseline.mrr == pytest.approx(0.75)
    assert report.latency_p50_ms >= 0 and report.latency_p95_ms >= report.latency_p50_ms


def test_report_renders_as_json_and_a_side_by_side_table(report):
    data = json.loads(json.dumps(report.to_dict()))
    assert data["failures"][0]["question_id"] == "q2"
    table = report.table()
    assert "baseline" in table.splitlines()[0]
    assert "Recall@5" in table and "0.750" in table


def test_tutorial_baseline_ranks_the_tuserv_response_first():
    from qa.tutorial import TutorialPipeline

    pipeline = TutorialPipeline()
    stats = pipeline.build(CORPUS)
    ranked = pipeline.rank_documents("tuServ demographic data")
    assert stats.chunks > len(FORCE_OF_FILE)
    assert ranked[0] == "cambridgeshire-pcc-letter-serious-youth-violence-2023.txt"
    assert sorted(ranked) == sorted(FORCE_OF_FILE)
