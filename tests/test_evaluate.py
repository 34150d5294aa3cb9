"""The seeds question set is true to its corpus, and the evaluation metrics count what they say."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from qa.baselines import BM25Ranker, Passage, TutorialRanker, top_forces
from qa.evaluate import (
    DATA,
    KINDS,
    EvalQuestion,
    EvalReport,
    QuestionSetError,
    failures,
    load_questions,
    prediction_from_answer,
    score,
)
from qa.types import Answer, Citation
from qa.variants import variant
from tests.conftest import CORPUS

SEEDS_DEV = DATA / "seeds_dev.jsonl"
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
    return load_questions(SEEDS_DEV)


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
    good = SEEDS_DEV.read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "questions.jsonl"
    path.write_text(f"{good}\n\n{bad_line}\n", encoding="utf-8")
    with pytest.raises(QuestionSetError, match=rf"line 3: .*{re.escape(reason)}"):
        load_questions(path)


SOURCE = {"doc-n": "Norfolk commissions diversion schemes.", "doc-c": "Cleveland secured a VRU."}


def _question(qid: str, forces: tuple[str, ...], docs: tuple[str, ...], evidence=(), kind=None):
    kind = kind or ("which_forces" if forces else "unanswerable")
    return EvalQuestion(qid, f"question {qid}", kind, forces, docs, tuple(evidence), bool(forces))


def _citation(doc_id: str, start: int, end: int, quote: str) -> Citation:
    return Citation(1, doc_id, f"{doc_id}.txt", None, "", None, start, end, quote)


QUESTIONS = [
    _question("q1", ("Norfolk",), ("doc-n.txt",), ["diversion  SCHEMES"]),
    _question("q2", ("Cleveland", "Norfolk"), ("doc-c.txt", "doc-n.txt"), ["secured a VRU"]),
    _question("q3", (), ()),
    _question("q4", ("Norfolk",), ("doc-n.txt",), kind="force"),
]
ANSWERS = [
    Answer("q1", "", "which_forces", ("Norfolk",), (_citation("doc-n", 0, 38, SOURCE["doc-n"]),)),
    # A wrong force, and a quote whose span does not hold it.
    Answer("q2", "", "which_forces", ("Cumbria",), (_citation("doc-c", 0, 9, "a VRU"),)),
    Answer("q3", "", "unanswerable", abstained=True),
    Answer("q4", "", "force", abstained=True),
]
RANKS = [("doc-n.txt", "doc-c.txt"), ("a.txt", "doc-c.txt", "doc-n.txt"), (), ()]


@pytest.fixture(scope="module")
def predictions():
    return [
        prediction_from_answer(answer, ranked, SOURCE.__getitem__, latency_ms=10.0 * i)
        for i, (answer, ranked) in enumerate(zip(ANSWERS, RANKS, strict=True), 1)
    ]


def test_force_scores_are_averaged_per_question(predictions):
    scores = score(QUESTIONS, predictions)
    which = scores["which_forces"]
    # q1 exact (F1 1); q2 names Cumbria only: precision 0, recall 0, F1 0.
    assert which.force_f1 == pytest.approx(0.5)
    assert which.force_precision == pytest.approx(0.5)
    assert which.exact_set == pytest.approx(0.5)
    assert which.false_abstention == 0.0
    # q4 abstained on an answerable question: F1 0, no precision to measure.
    assert scores["force"].force_f1 == 0.0 and scores["force"].force_precision is None
    assert scores["force"].false_abstention == 1.0
    assert scores["unanswerable"].abstention == 1.0
    assert scores["all"].questions == 4


def test_evidence_citations_and_quotes_are_counted(predictions):
    everything = score(QUESTIONS, predictions)["all"]
    assert everything.evidence_hits == pytest.approx(1 / 2)
    assert everything.citation_precision == pytest.approx(1.0)  # doc-c.txt is expected for q2
    assert (everything.citations, everything.unverified_quotes) == (2, 1)
    assert everything.recall_at_5 == pytest.approx(1.0)
    assert everything.latency_p50_ms == pytest.approx(25.0)
    assert {(f.question_id, f.metric) for f in failures(QUESTIONS, predictions)} == {
        ("q2", "forces"),
        ("q2", "evidence"),
        ("q2", "quote"),
        ("q4", "false_abstention"),
    }


def test_report_renders_as_json_and_a_side_by_side_table(predictions):
    scores = score(QUESTIONS, predictions)
    report = EvalReport("dev", "corpus", 2, 2, {"ours": scores, "bm25": scores})
    data = json.loads(json.dumps(report.to_dict()))
    assert data["scores"]["ours"]["which_forces"]["force_f1"] == pytest.approx(0.5)
    table = report.table()
    assert "ours F1" in table and "bm25 F1" in table
    assert "which_forces (2)" in table


def test_variants_lower_case_and_misspell_the_key_word():
    question = _question("q", ("Norfolk",), ("n.txt",))
    question = replace(question, question="Which forces use tuServ for demographic capture?")
    assert variant(question, "lower") == "which forces use tuserv for demographic capture?"
    assert variant(question, "typo") == "Which forces use tuServ for demorgaphic capture?"
    assert variant(question, "reworded") is None
    assert (
        variant(
            replace(question, reworded="Who records victims' ethnicity with tuServ?"), "reworded"
        )
        == "Who records victims' ethnicity with tuServ?"
    )


def test_bm25_ranks_by_case_folded_words():
    passages = [
        Passage("Norfolk commissions diversion schemes for young people.", "n.txt", "Norfolk"),
        Passage("Cleveland secured funding for a violence reduction unit.", "c.txt", "Cleveland"),
        Passage("Cumbria also runs DIVERSION work with partners.", "u.txt", "Cumbria"),
    ]
    ranked = BM25Ranker(passages).rank("which forces run diversion schemes")
    assert [p.force for p in ranked] == ["Norfolk", "Cumbria"]
    assert top_forces(ranked) == ("Norfolk", "Cumbria")


def test_tutorial_ranker_finds_the_tuserv_response_first(search_index):
    ranked = TutorialRanker(search_index).rank("tuServ demographic data")
    assert ranked[0].force == "Cambridgeshire"
    assert len(ranked) > len(FORCE_OF_FILE)
