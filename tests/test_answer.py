"""Answers on the real corpus with the real model: right forces, verified quotes, abstention."""

from __future__ import annotations

from dataclasses import replace

import pytest

from index.search import SearchFilters
from qa.chain import QAEngine
from qa.types import Citation

ALL_FORCES = {"Cambridgeshire", "Cleveland", "Cumbria", "Norfolk", "West Mercia"}


def source_of(engine: QAEngine, citation: Citation) -> str:
    document = next(d for d in engine.documents if d.doc_id == citation.doc_id)
    return document.text[citation.char_start : citation.char_end]


def assert_citations_verbatim(engine: QAEngine, answer) -> None:
    for citation in (*answer.citations, *answer.nearest):
        assert citation.quote in source_of(engine, citation), citation


def test_which_forces_use_tuserv(engine: QAEngine) -> None:
    answer = engine.answer("which forces use tuServ for demographic capture?")
    assert answer.kind == "which_forces"
    assert answer.forces == ("Cambridgeshire",)
    assert answer.text.startswith("1 of 5 forces searched: Cambridgeshire.")
    assert any("tuServ" in c.quote for c in answer.citations)
    others = set(answer.forces_without_evidence) | set(answer.related_forces)
    assert others == ALL_FORCES - {"Cambridgeshire"}
    assert not any("tuServ" in c.quote for c in answer.related)
    assert_citations_verbatim(engine, answer)


def test_absent_system_abstains_and_names_it(engine: QAEngine) -> None:
    answer = engine.answer("which forces use Niche RMS?")
    assert answer.abstained and not answer.forces and not answer.citations
    assert answer.text.startswith("No response in the corpus mentions “Niche”")
    assert "Searched: every response from every force in the corpus (5 documents" in answer.text
    assert set(answer.forces_without_evidence) | set(answer.related_forces) == ALL_FORCES
    assert_citations_verbatim(engine, answer)


def test_off_topic_question_abstains(engine: QAEngine) -> None:
    answer = engine.answer("what did forces say about drones and aerial surveillance?")
    assert answer.abstained, answer.text


def test_one_force_question_stays_with_that_force(engine: QAEngine) -> None:
    answer = engine.answer("How does West Mercia monitor the use of outcome 22?")
    assert answer.kind == "force"
    assert set(answer.forces) == {"West Mercia"}
    assert any("dashboard" in c.quote for c in answer.citations)
    assert_citations_verbatim(engine, answer)


def test_compare_gives_one_line_per_force(engine: QAEngine) -> None:
    answer = engine.answer("How do forces compare on training officers in outcome 22?")
    assert answer.kind == "compare"
    assert {"Norfolk", "West Mercia", "Cambridgeshire"} <= set(answer.forces)
    lines = [line for line in answer.text.splitlines() if line.startswith("- **")]
    assert len(lines) == len(answer.forces)
    assert_citations_verbatim(engine, answer)


def test_metadata_question_answered_from_extracted_dates(engine: QAEngine) -> None:
    answer = engine.answer("When did Cambridgeshire's PCC respond?")
    assert answer.kind == "metadata"
    assert answer.forces == ("Cambridgeshire",)
    assert "2 May 2023" in answer.text
    assert answer.citations[0].quote == "2nd May 2023"
    unknown = engine.answer("When did Cleveland's PCC respond?")
    assert unknown.forces == () and "does not" in unknown.text


def test_within_56_days(engine: QAEngine) -> None:
    answer = engine.answer("Which responses were within the statutory 56 days?")
    assert set(answer.forces) == {"Cambridgeshire", "Cumbria", "West Mercia"}
    assert "Cleveland" in answer.forces_without_evidence
    assert_citations_verbatim(engine, answer)


def test_filters_limit_the_forces_searched(engine: QAEngine) -> None:
    answer = engine.answer(
        "which forces mention outcome 22?", SearchFilters(forces=("Norfolk", "Cumbria"))
    )
    assert set(answer.forces) <= {"Norfolk", "Cumbria"}
    assert set(answer.forces) | set(answer.forces_without_evidence) == {"Norfolk", "Cumbria"}


def test_a_citation_whose_quote_is_not_in_the_source_is_dropped(engine: QAEngine) -> None:
    answer = engine.answer("which forces use tuServ for demographic capture?")
    forged = replace(answer.citations[0], quote="Cambridgeshire uses Niche RMS.")
    checked = engine._verify(replace(answer, citations=(forged,)))
    assert checked.citations == () and checked.forces == ()
    assert "removed" in checked.warnings[0]


@pytest.mark.parametrize(
    "question",
    [
        "which forces use tuServ for demographic capture?",
        "How does Norfolk use Athena?",
        "which forces have a violence reduction unit?",
        "who signed the West Mercia letter?",
    ],
)
def test_every_answer_names_forces_only_with_quotes(engine: QAEngine, question: str) -> None:
    answer = engine.answer(question)
    cited = {c.force for c in answer.citations}
    assert set(answer.forces) <= cited
    assert_citations_verbatim(engine, answer)


def test_after_ingest_answers_embed_only_their_question(
    tmp_path, corpus_copy, embedder, monkeypatch
) -> None:
    """Ingest embeds every chunk and every sentence an answer may quote: nothing is left."""
    from index.build import ingest_and_index
    from index.search import SearchIndex

    home = tmp_path / "home"
    _, sync = ingest_and_index([corpus_copy], home)
    assert sync.sentences > sync.added
    index = SearchIndex.open(home)
    try:
        engine = QAEngine(index)
        engine.answer("warm the query encoder")

        def no_model(*args, **kwargs):
            raise AssertionError("an ingested corpus should need no document embedding")

        monkeypatch.setattr(index.embedder, "encode_documents", no_model)
        answer = engine.answer("which forces use tuServ for demographic capture?")
        assert answer.forces == ("Cambridgeshire",)
    finally:
        index.close()


def test_a_rare_phrase_must_appear_as_a_phrase(engine: QAEngine) -> None:
    """Norfolk says "police need strong partnerships": no needs assessment there."""
    answer = engine.answer("Which forces mention a needs assessment for serious violence?")
    assert set(answer.forces) == {"Cambridgeshire", "Cumbria", "West Mercia"}
    assert all("ssessment" in c.quote for c in answer.citations)
