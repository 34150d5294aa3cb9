"""The question reader: kind, scope, topic, terms and answer type, read from intent not casing."""

from __future__ import annotations

import pytest

from qa.lexical import stem
from qa.question import read_question
from qa.spelling import Vocabulary, correct


@pytest.mark.parametrize(
    "text",
    [
        "Which areas have a Violence Reduction Unit?",
        "which areas have a violence reduction unit?",
        "WHICH AREAS HAVE A VIOLENCE REDUCTION UNIT?",
    ],
)
def test_casing_does_not_change_the_reading(text: str) -> None:
    question = read_question(text)
    assert question.kind == "which_forces" and question.listing
    assert question.terms == ("violence", "reduction", "unit")
    assert question.forces == ()


def test_a_force_named_inside_a_which_forces_question_is_topic_not_scope() -> None:
    question = read_question("Which PCC said they learned from the West Midlands VRU?")
    assert question.kind == "which_forces" and question.singular
    assert question.forces == ()
    assert {"west", "midlands", "vru"} <= set(question.terms)


def test_other_than_a_force_leaves_it_out() -> None:
    question = read_question("Which forces other than Norfolk mention outcome 22?")
    assert question.excluded == ("Norfolk",) and question.forces == ()
    assert question.terms == ("outcome", "22")


def test_a_question_about_one_force_scopes_to_it() -> None:
    question = read_question("What did Norfolk say about Athena?")
    assert question.kind == "force" and question.forces == ("Norfolk",)
    assert question.terms == ("athena",)


def test_which_of_named_forces_scopes_to_them() -> None:
    question = read_question("Which of Kent, Essex and Surrey accepted the recommendations?")
    assert question.listing and question.forces == ("Kent", "Essex", "Surrey")
    assert question.topic == "accepted the recommendations"


@pytest.mark.parametrize(
    ("text", "framing"),
    [
        ("Name the forces that train officers in trauma-informed practice", "name"),
        ("Has any force commissioned a needs assessment?", "has any"),
        ("which forces' commissioners fund youth diversion?", "possessive"),
        ("forces using tuserv", "search box"),
    ],
)
def test_every_framing_of_a_which_forces_question(text: str, framing: str) -> None:
    question = read_question(text)
    assert question.kind == "which_forces", framing
    assert not {"forces", "force", "name", "commissioners"} & set(question.terms), framing


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("Which responses were addressed to the Home Secretary?", "addressee", "Home Secretary"),
        ("Which forces responded late?", "within_56_days", "no"),
        ("Which responses were within the statutory 56 days?", "within_56_days", "yes"),
        ("Which responses were signed by the Deputy PCC?", "signatory", "Deputy PCC"),
    ],
)
def test_metadata_constraints_are_read_as_filters(text: str, field: str, value: str) -> None:
    question = read_question(text)
    assert (question.kind, question.metadata_field) == ("metadata", field)
    assert question.metadata_value == value


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("How many young people did User Voice interview?", "number"),
        ("When will West Mercia complete its needs assessment?", "date"),
        ("What grade did HMICFRS give Surrey for crime recording?", "rating"),
        ("How much did Cumbria's Property Fund give out?", "amount"),
        ("Who leads Cambridgeshire's work on outcome 22?", "person"),
        ("How does West Mercia monitor outcome 22?", None),
    ],
)
def test_answer_types(text: str, wanted: str | None) -> None:
    assert read_question(text).answer_type == wanted


def test_compare_reads_named_forces_as_scope() -> None:
    question = read_question("Compare how Kent and Essex handle vetting")
    assert question.kind == "compare" and question.forces == ("Kent", "Essex")


def _vocabulary(*words: str) -> Vocabulary:
    counts = {stem(w): 3 for w in words}
    surface = {stem(w): w for w in words}
    return Vocabulary(counts, surface.get)


def test_typos_are_mended_to_corpus_words() -> None:
    vocabulary = _vocabulary("which", "forces", "tuServ", "demographic", "capture", "Norfolk")
    mended, changes = correct(
        "whcih forcs use tuserve for demorgaphic capture in Norflok", vocabulary
    )
    assert mended == "which forces use tuserv for demographic capture in Norfolk"
    assert [c.typed for c in changes] == ["whcih", "forcs", "tuserve", "demorgaphic", "Norflok"]


def test_real_words_the_corpus_lacks_are_left_alone() -> None:
    # 'Niche' is one edit from 'nice', but it is an English word: it must stay, so the answer
    # can say no response mentions it.
    vocabulary = _vocabulary("nice", "drove", "forces")
    assert correct("Which forces use Niche or a drone?", vocabulary)[0] == (
        "Which forces use Niche or a drone?"
    )
