"""The evaluator's record and the Review tab's handlers, on answers built by hand (fast)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from qa.types import Answer, Citation
from ui.handlers_review import mark_citation
from ui.review import (
    NOT_REVIEWED,
    REVIEWED,
    ReviewLog,
    SampleFilters,
    answer_from_record,
    draw_sample,
    export_rows,
    review_stats,
)

QUOTE = "We use tuServ to capture demographic data."


def answer(question: str, kind: str = "which_forces", force: str = "Kent") -> Answer:
    cited = Citation(1, "d1", "kent.txt", force, "Recommendation 4", 2, 10, 60, quote=QUOTE,
                     passage=f"Before. {QUOTE} After.")  # fmt: skip
    return Answer(question=question, text=f"1 of 5 forces: {force}. [1]", kind=kind,
                  forces=(force,), citations=(cited,), filters={"forces": []})  # fmt: skip


@pytest.fixture
def log(tmp_path: Path) -> ReviewLog:
    return ReviewLog(tmp_path / "review")


def test_an_answer_comes_back_exactly_as_it_was_shown(log: ReviewLog) -> None:
    original = answer("which forces use tuServ?")
    answer_id = log.record_answer(original, {"model": "m"})
    assert answer_from_record(log.answer(answer_id)) == original


def test_the_latest_save_is_the_review_and_a_torn_line_is_skipped(log: ReviewLog) -> None:
    answer_id = log.record_answer(answer("q"), {})
    log.save_review(answer_id, "ann", "wrong", "first look", {"1": "does not support"})
    log.save_review(answer_id, "ann", "correct", "", {"1": "supports"})
    with log.reviews_path.open("a", encoding="utf-8") as handle:
        handle.write('{"answer_id": "torn')
    assert list(log.reviews()) == [(answer_id, "ann")]
    assert log.review(answer_id, "ann")["citations"] == {"1": "supports"}


def test_samples_draw_from_all_answers_by_kind_force_and_review_state(log: ReviewLog) -> None:
    kinds = ["which_forces"] * 6 + ["fact"] * 2 + ["force"] * 2
    ids = [log.record_answer(answer(f"q{i}", kind), {}) for i, kind in enumerate(kinds)]
    log.save_review(ids[0], None, "correct")
    answers, reviewed = log.answers(), {a for a, _ in log.reviews()}
    assert len(draw_sample(answers, reviewed, 50)) == 10, "rated or not"
    assert [a["answer_id"] for a in draw_sample(answers, reviewed, 5, SampleFilters(
        state=REVIEWED))] == [ids[0]]  # fmt: skip
    assert len(draw_sample(answers, reviewed, 50, SampleFilters(state=NOT_REVIEWED))) == 9
    assert len(draw_sample(answers, reviewed, 50, SampleFilters(kind="fact"))) == 2
    assert draw_sample(answers, reviewed, 50, SampleFilters(force="Essex")) == []
    stratified = draw_sample(answers, reviewed, 3, SampleFilters(stratify=True), random.Random(1))
    assert sorted(a["kind"] for a in stratified) == ["fact", "force", "which_forces"]


def test_counts_rates_by_kind_claims_and_agreement(log: ReviewLog) -> None:
    first = log.record_answer(answer("q1"), {})
    second = log.record_answer(answer("q2", "fact"), {})
    log.save_review(first, "ann", "correct", "", {"1": "supports"})
    log.save_review(first, "bob", "correct", "", {"1": "partly supports"})
    log.save_review(second, "ann", "wrong", "", {"1": "does not support"})
    stats = review_stats(log.answers(), log.reviews())
    assert stats["verdicts"]["correct"] == (2, "67%") and stats["verdicts"]["wrong"] == (1, "33%")
    assert stats["by_kind"]["fact"]["error rate"] == "100%"
    assert stats["citations"]["does not support"] == (1, "33%")
    assert stats["agreement"] == (1, 1, "100%")


def test_export_rows_carry_question_filters_spans_and_verdicts(log: ReviewLog) -> None:
    answer_id = log.record_answer(answer("which forces use tuServ?"), {})
    log.save_review(answer_id, "ann", "partly correct", "weak", {"1": "partly supports"})
    rows, records = export_rows(log.answers(), log.reviews())
    row = rows[0]
    assert (row["question"], row["verdict"], row["note"]) == (
        "which forces use tuServ?", "partly correct", "weak"
    )  # fmt: skip
    assert (row["char_start"], row["char_end"], row["quote"]) == (10, 60, QUOTE)
    assert row["citation_verdict"] == "partly supports" and row["filters"] == {"forces": []}
    assert records[0]["reviews"][0]["reviewer"] == "ann"


def test_a_citation_verdict_toggles_and_only_for_citations_on_screen() -> None:
    shown = answer("q")
    html, verdicts = mark_citation(shown, {}, "c1", "supports")
    assert verdicts == {"1": "supports"} and 'aria-pressed="true"' in html
    _, verdicts = mark_citation(shown, verdicts, "c1", "supports")
    assert verdicts == {}, "pressed again, cleared"
    for ref, value in (("c9", "supports"), ("c1", "maybe"), ("n1", "supports")):
        assert mark_citation(shown, {}, ref, value)[1] == {}
