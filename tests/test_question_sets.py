"""The dev and locked question sets are true to the wide corpus and kept apart."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from qa.evaluate import DATA, EvalQuestion, load_questions

WIDE = Path(__file__).resolve().parent / "data" / "corpus_wide"
SETS = {"dev": (DATA / "dev.jsonl", 150), "locked": (DATA / "locked_test.jsonl", 120)}


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


@pytest.fixture(scope="module")
def manifest() -> list[dict]:
    return json.loads((WIDE / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def texts(manifest) -> dict[str, str]:
    """Each document's text as written: its excerpt source, or the seed file itself."""
    return {
        entry["file"]: _normalise(
            (WIDE / (entry["source_file"] or f"documents/{entry['file']}")).read_text("utf-8")
        )
        for entry in manifest
    }


@pytest.fixture(scope="module", params=sorted(SETS))
def question_set(request) -> tuple[str, list[EvalQuestion], int]:
    path, minimum = SETS[request.param]
    return request.param, load_questions(path), minimum


def test_every_manifest_file_is_in_the_corpus(manifest) -> None:
    files = {p.name for p in (WIDE / "documents").iterdir()}
    assert {entry["file"] for entry in manifest} == files


def test_sets_are_large_and_cover_every_kind(question_set) -> None:
    name, questions, minimum = question_set
    kinds = Counter(q.kind for q in questions)
    assert len(questions) >= minimum, name
    assert set(kinds) == {"which_forces", "force", "compare", "metadata", "fact", "unanswerable"}
    assert sum("paraphrase" in q.tags for q in questions) >= len(questions) / 3, name
    assert all(q.reworded and q.typo for q in questions), "every question has its variants"


def test_expected_forces_are_those_of_the_expected_documents(question_set, manifest) -> None:
    _, questions, _ = question_set
    force_of = {entry["file"]: entry["force"] for entry in manifest}
    for q in questions:
        assert sorted(set(q.expected_forces)) == sorted({force_of[d] for d in q.expected_documents})


def test_every_evidence_phrase_is_verbatim_in_an_expected_document(question_set, texts) -> None:
    _, questions, _ = question_set
    for q in questions:
        for phrase in q.evidence:
            assert any(_normalise(phrase) in texts[d] for d in q.expected_documents), (q.id, phrase)


def test_a_quarter_of_the_locked_documents_are_not_dev_evidence() -> None:
    dev = {d for q in load_questions(SETS["dev"][0]) for d in q.expected_documents}
    locked = {d for q in load_questions(SETS["locked"][0]) for d in q.expected_documents}
    assert len(locked - dev) >= len(locked) / 4
