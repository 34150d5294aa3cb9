"""A response unlike the seeds (a PDF letter, another force, another inspection) end to end."""

from __future__ import annotations

import shutil

import pytest

from .conftest import CORPUS, write_pdf

KENT_PAGES = (
    """Office of the Police and Crime Commissioner for Kent

Rt Hon James Cleverly MP
Home Secretary
2 Marsham Street
London SW1P 4DF

14 March 2024

Dear Home Secretary

HMICFRS Report: An inspection of the police response to stalking and harassment

I write under section 55 of the Police Act 1996 in response to the HMICFRS report published on
24 January 2024.

Recommendation 1
By 31 October 2024, chief constables should make sure that stalking protection orders are
considered in every stalking case.""",
    """Force response: Kent Police accepts this recommendation. We have introduced a stalking
triage desk using the Niche records management system, and every case is reviewed within 48
hours by the Public Protection Unit.

PCC response
I welcome the Chief Constable's response and will monitor progress through my Performance and
Delivery Board.

Yours sincerely

Matthew Scott
Police and Crime Commissioner for Kent""",
)


@pytest.fixture(scope="module")
def kent_engine(tmp_path_factory: pytest.TempPathFactory, embedder):
    from index.build import ingest_and_index
    from index.search import SearchIndex
    from qa.chain import QAEngine

    folder = tmp_path_factory.mktemp("corpus")
    for path in CORPUS.glob("*.txt"):
        shutil.copy(path, folder)
    write_pdf(folder / "kent-stalking-letter.pdf", KENT_PAGES, font_size=11, line_height=6)
    home = tmp_path_factory.mktemp("home")
    report, _ = ingest_and_index([folder], home)
    assert not report.failed
    index = SearchIndex.open(home)
    yield QAEngine(index)
    index.close()


def kent_document(engine) -> object:
    return next(d for d in engine.documents if d.file_name == "kent-stalking-letter.pdf")


def test_pdf_letter_metadata_is_extracted(kent_engine) -> None:
    meta = kent_document(kent_engine).metadata
    assert meta.force == "Kent"
    assert meta.inspection == "An inspection of the police response to stalking and harassment"
    assert (meta.published.isoformat(), meta.response_date.isoformat()) == (
        "2024-01-24",
        "2024-03-14",
    )
    assert meta.days_to_respond == 50 and meta.within_56_days is True
    assert meta.signatory == "Matthew Scott" and meta.form == "letter"


def test_glossary_form_and_page_are_cited(kent_engine) -> None:
    answer = kent_engine.answer("which forces use Niche RMS?")
    assert answer.forces == ("Kent",)
    citation = answer.citations[0]
    assert "Niche records management system" in citation.quote and citation.page == 2
    document = kent_document(kent_engine)
    assert citation.quote in document.text[citation.char_start : citation.char_end]


def test_new_inspection_gets_its_own_matrix(kent_engine) -> None:
    from qa.compare import compare_responses

    matrices = compare_responses(kent_engine, inspection="stalking")
    assert [m.forces for m in matrices] == [("Kent",)]
    cell = matrices[0].cell("Kent", matrices[0].recommendations[0].key)
    assert cell.status == "accepted" and "accepts this recommendation" in cell.excerpt
