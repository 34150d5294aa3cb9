"""Metamorphic checks: asking the same thing another way must not change which forces answer.

A small corpus is written here (four short responses), indexed with the real model and judged
with the packaged answer policy. Each question's force set must survive lower case and the
files in another order exactly; reworded, misspelt, or with an unrelated document added, no
force it states may vanish from the answer.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from index.build import ingest_and_index
from index.search import SearchIndex
from qa.chain import QAEngine

RESPONSES = {
    "kent-pcc-response-serious-violence.txt": (
        "Response of the Kent Police and Crime Commissioner to the HMICFRS report\n\n"
        "I welcome the report. The Kent and Medway Violence Reduction Unit, which I fund, brings "
        "together health, education and the police to prevent serious violence among young "
        "people. Its mentoring programme in Medway reached 400 teenagers last year.\n\n"
        "Recommendation 1: Kent Police accepts this recommendation and will publish a serious "
        "violence needs assessment by March 2024."
    ),
    "essex-pfcc-response-serious-violence.txt": (
        "Essex Police, Fire and Crime Commissioner: response to HMICFRS\n\n"
        "The Essex Violence and Vulnerability Unit is our violence reduction unit; it commissions "
        "detached youth workers in Basildon and Harlow and shares data with schools.\n\n"
        "Essex Police uses body-worn video in every custody suite and reviews footage monthly."
    ),
    "surrey-pcc-response-serious-violence.txt": (
        "Surrey Police and Crime Commissioner: comments on the HMICFRS report\n\n"
        "Surrey Police has trained every neighbourhood officer in trauma-informed practice and "
        "refers young people at risk to the Surrey Youth Justice Service.\n\n"
        "The Commissioner monitors progress through a quarterly performance meeting."
    ),
    "dorset-pcc-response-custody.txt": (
        "Dorset Police and Crime Commissioner: response to the HMICFRS custody inspection\n\n"
        "Dorset Police has refurbished the Weymouth custody suite and introduced body-worn video "
        "for detention officers. Independent custody visitors report to the Commissioner."
    ),
}
UNRELATED = {
    "lincolnshire-pcc-response-roads-policing.txt": (
        "Lincolnshire Police and Crime Commissioner: response on roads policing\n\n"
        "Lincolnshire Police will expand its fatal four enforcement on rural roads and add two "
        "safety camera vans funded by the Safer Roads Partnership."
    )
}
QUESTIONS = {
    "vru": (
        "Which forces have a violence reduction unit?",
        "name the forces that run a violence reduction unit",
        "Which forces have a violence reduction unti?",
    ),
    "bwv": (
        "Which forces use body-worn video in custody?",
        "Has any force got body worn cameras in its custody suites?",
        "Which forces use body-worn video in custdy?",
    ),
    "trauma": (
        "Which forces train officers in trauma-informed practice?",
        "list the forces whose officers are trained in trauma-informed practice",
        "Which forces train officers in trauma-informed practise?",
    ),
}


def _write(folder: Path, documents: dict[str, str], prefix: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in documents.items():
        (folder / f"{prefix}{name}").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory, embedder) -> dict[str, QAEngine]:
    """The corpus as written; reordered (other names, reverse order); and one more file."""
    base = tmp_path_factory.mktemp("metamorphic")
    original = _write(base / "original", RESPONSES)
    reordered = dict(reversed(list(RESPONSES.items())))
    shuffled = _write(base / "shuffled", reordered, prefix="z-")
    grown = _write(base / "grown", {**RESPONSES, **UNRELATED})
    built = {}
    for name, folder in (("original", original), ("shuffled", shuffled), ("grown", grown)):
        home = base / f"home-{name}"
        ingest_and_index([folder], home)
        built[name] = QAEngine(SearchIndex.open(home))
    yield built
    for engine in built.values():
        engine.index.close()


def _shown(answer) -> set[str]:
    """Forces an answer shows at all: stated, or under "possibly relevant, not confirmed"."""
    return set(answer.forces) | set(answer.related_forces)


@pytest.mark.parametrize("topic", sorted(QUESTIONS))
def test_force_set_survives_lower_case_and_another_file_order(
    engines: dict[str, QAEngine], topic: str
) -> None:
    """Lower case, and the same responses under other names in another order, change nothing."""
    asked = QUESTIONS[topic][0]
    expected = set(engines["original"].answer(asked).forces)
    assert expected, f"{topic}: the original question must name at least one force"
    forms = {
        "lower case": engines["original"].answer(asked.lower()),
        "reordered": engines["shuffled"].answer(asked),
    }
    for form, answer in forms.items():
        assert set(answer.forces) == expected, f"{topic}, {form}: {answer.text}"


@pytest.mark.parametrize("topic", sorted(QUESTIONS))
def test_other_words_a_typo_or_an_unrelated_document_never_make_a_force_vanish(
    engines: dict[str, QAEngine], topic: str
) -> None:
    """Reworded, misspelt or over a corpus with one more file, a stated force is still shown.

    Other words are other evidence, and another file moves the corpus's word statistics, so a
    force may move between "states it" and "possibly relevant, not confirmed"; it must never
    drop to "nothing found", where a reader would take it as absent.
    """
    asked, reworded, misspelt = QUESTIONS[topic]
    original = engines["original"].answer(asked)
    forms = (
        ("reworded", engines["original"], reworded),
        ("typo", engines["original"], misspelt),
        ("unrelated document added", engines["grown"], asked),
    )
    for form, engine, text in forms:
        answer = engine.answer(text)
        assert set(original.forces) <= _shown(answer), f"{topic}, {form}: {answer.text}"
        assert set(answer.forces) <= _shown(original), f"{topic}, {form}: {original.text}"
        assert set(answer.forces) & set(original.forces), f"{topic}, {form}: {answer.text}"
