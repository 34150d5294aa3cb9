"""The web UI's handlers called directly, its renderings, and its API through gradio_client."""

from __future__ import annotations

import csv
import json
import shutil
import socket
import sys
import types
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from index.search import SearchIndex
from ingest.types import Document, DocumentMetadata, Page
from qa.chain import QAEngine
from qa.types import Answer, Citation
from ui import exports, render, render_documents
from ui.handlers import (
    AppState,
    ask,
    compare,
    documents_table,
    evidence_files,
    ingest_files,
    open_document,
    open_source,
    resolve,
    similar_to,
)
from ui.handlers_review import export_reviews, rate, remember, sample

from .conftest import write_pdf

TUSERV = "which forces use tuServ for demographic capture?"
NOTHING = "how many pigeons live in Cumbria?"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
CORRUPT_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog broken"
NEW_RESPONSE_PAGES = (
    "Kent Police and Crime Commissioner response to the HMICFRS inspection of how well the "
    "police tackle serious youth violence.\n\nThis sets out the Commissioner's view.",
    "Recommendation 1\n\nKent Police has introduced the Kestrel triage protocol for young "
    "people at risk of serious violence.",
)


def copy_home(source: Path, target: Path) -> Path:
    """A private copy of the session index, so writes (ratings, uploads) touch no other test."""
    shutil.copytree(source, target, dirs_exist_ok=True)
    return target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def open_app(home: Path, exports: Path, **options) -> tuple[AppState, SearchIndex]:
    index = SearchIndex.open(home)
    return AppState(QAEngine(index), home, export_dir=exports, **options), index


@pytest.fixture(scope="module")
def app(corpus_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppState]:
    home = copy_home(corpus_home, tmp_path_factory.mktemp("web-home"))
    state, index = open_app(home, tmp_path_factory.mktemp("web-exports"))
    yield state
    index.close()


@pytest.fixture
def fresh_app(corpus_home: Path, tmp_path: Path) -> Iterator[AppState]:
    """An app over its own copy of the corpus, for tests that add documents."""
    state, index = open_app(copy_home(corpus_home, tmp_path / "home"), tmp_path / "exports")
    yield state
    index.close()


@pytest.fixture(scope="module")
def tuserv(app: AppState) -> Answer:
    _, _, answer = ask(app, TUSERV)
    assert answer is not None
    return answer


# Ask -------------------------------------------------------------------------------------------


def test_ask_names_cambridgeshire_with_a_numbered_citation(app: AppState) -> None:
    answer_html, sources_html, answer = ask(app, TUSERV)
    assert answer is not None and not answer.abstained
    assert "Cambridgeshire" in answer_html and 'href="#pq-source-1">[1]</a>' in answer_html
    assert "Answered in" in answer_html
    assert 'data-ref="c1"' in sources_html and "<mark>" in sources_html
    assert "tuServ" in sources_html.split("<mark>", 1)[1].split("</mark>", 1)[0]


def test_nothing_found_still_shows_nearest_passages_as_such(app: AppState) -> None:
    answer_html, sources_html, answer = ask(app, NOTHING)
    assert answer is not None and answer.abstained
    assert "Nothing found" in answer_html and 'data-state="abstained"' in answer_html
    # The closest passages are shown, labelled as not an answer: as "possibly relevant" when
    # some force comes close, else as the nearest passages.
    if answer.related:
        assert "Possibly relevant, not confirmed" in sources_html
        assert 'data-ref="r1"' in sources_html
    else:
        assert "Nearest passages — not an answer" in sources_html
        assert 'data-ref="n1"' in sources_html
    assert "Nearest passages (not an answer)" not in answer_html, "listed once, as cards"


@pytest.mark.parametrize(
    ("question", "date_from", "date_to", "message"),
    [
        ("  ", "", "", "Type a question first."),
        (TUSERV, "2023-13-01", "", "is not a date: use YYYY-MM-DD"),
        (TUSERV, "2023-06-01", "2023-01-01", "after the &#x27;to&#x27; date"),
    ],
)
def test_ask_explains_bad_input(
    app: AppState, question: str, date_from: str, date_to: str, message: str
) -> None:
    answer_html, sources_html, answer = ask(app, question, [], "", date_from, date_to)
    assert answer is None and sources_html == ""
    assert message in answer_html


def test_filters_restrict_the_answer(app: AppState) -> None:
    answer_html, _, answer = ask(app, TUSERV, ["Cambridgeshire"], "", "2023-01-01", "2023-12-31")
    assert answer is not None
    assert answer.filters["forces"] == ["Cambridgeshire"]
    assert answer.citations and all(c.force == "Cambridgeshire" for c in answer.citations)
    assert 'href="?q=which%20forces%20use%20tuServ' in answer_html
    assert "force=Cambridgeshire" in answer_html, "the permalink keeps the forces"


@pytest.mark.parametrize(
    ("forces", "inspection", "dates", "message"),
    [
        ([], "", ("2030-01-01", "2030-12-31"), "The date filter (from 2030-01-01 and to "
         "2030-12-31) leaves no response to search: the responses are dated 2023-04-26 to "
         "2023-05-03, and 2 responses give no date."),
        (["Norfolk"], "", ("2023-01-01", ""), "no response states its date"),
        ([], "PEEL", ("", ""), "No response in the corpus is to an inspection matching 'PEEL'."),
    ],
)  # fmt: skip
def test_a_filter_that_excludes_everything_is_named(
    app: AppState, forces: list[str], inspection: str, dates: tuple[str, str], message: str
) -> None:
    """Point 4: not "No response answers this (0 documents from 0 forces)"."""
    answer_html, sources_html, answer = ask(app, TUSERV, forces, inspection, *dates)
    assert answer is None and sources_html == ""
    assert render.escape(message) in answer_html


def test_an_overlong_question_is_refused_with_a_reason(app: AppState) -> None:
    answer_html, _, answer = ask(app, "why" * 6666 + "s?")
    assert answer is None and "20,000 characters long" in answer_html


def test_evidence_table_as_csv_and_xlsx(app: AppState, tuserv: Answer) -> None:
    from openpyxl import load_workbook

    csv_path, xlsx_path = evidence_files(app, tuserv)
    assert csv_path is not None and xlsx_path is not None
    assert csv_path.name == "evidence-which-forces-use-tuserv-for-demographic-capture.csv"
    with csv_path.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(exports.EVIDENCE_COLUMNS)
    assert all(row["question"] == TUSERV for row in rows), "every row says what it answers"
    assert rows[0]["force"] == "Cambridgeshire" and rows[0]["response_date"] == "2023-05-02"
    assert rows[0]["quote"] == tuserv.citations[0].quote and rows[0]["finding"] == exports.CITED
    quote_span = (int(rows[0]["char_start"]), int(rows[0]["char_end"]))
    assert quote_span == (tuserv.citations[0].char_start, tuserv.citations[0].char_end)
    missing = {row["force"] for row in rows if row["finding"] == exports.NO_EVIDENCE}
    assert missing == {"Cleveland", "Cumbria", "Norfolk", "West Mercia"}
    sheet = load_workbook(xlsx_path).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == exports.EVIDENCE_COLUMNS
    assert values[1][exports.EVIDENCE_COLUMNS.index("quote")] == tuserv.citations[0].quote
    assert evidence_files(app, None) == (None, None)


def test_exports_defuse_formulas(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    rows = [{"quote": '=HYPERLINK("http://x")', "note": "- a bullet"}]
    exports.write_csv(rows, ("quote", "note"), tmp_path / "t.csv")
    text = (tmp_path / "t.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text
    assert ",- a bullet" in text, "a bullet is not a formula"
    exports.write_xlsx([("T", rows, ("quote", "note"))], tmp_path / "t.xlsx")
    cell = load_workbook(tmp_path / "t.xlsx").active["A2"]
    assert cell.data_type == "s" and cell.value == rows[0]["quote"]


def test_opening_a_citation_shows_the_whole_document_at_the_quote(
    app: AppState, tuserv: Answer
) -> None:
    citation = tuserv.citations[0]
    html, original = open_source(app, resolve("c1", tuserv))
    assert f'<mark class="pq-quote" id="pq-cited">{render.escape(citation.quote)}</mark>' in html
    document = app.engine.index.store.document(citation.doc_id)
    assert document is not None and "Darryl Preston" in document.text
    assert len(html) > len(document.text), "the whole document, not just the passage"
    assert original is not None and original.read_bytes() == Path(document.path).read_bytes()


def test_a_pdf_source_shows_its_cited_page() -> None:
    text = "First page text.\fSecond page holds the quote here.\fThird page."
    document = Document(
        "d1", "/x/report.pdf", "pdf", "h", text,
        pages=(Page(1, 0, 17), Page(2, 17, 50), Page(3, 50, len(text))),
        metadata=DocumentMetadata(force="Kent"),
    )  # fmt: skip
    html = render_documents.document_html(document, 17, 50, "the quote")
    assert "Cited page</dt><dd>2 of 3" in html
    assert '<section class="pq-page pq-cited-page"><h4>Page 2</h4>' in html
    assert '<mark class="pq-quote" id="pq-cited">the quote</mark>' in html


def test_document_text_is_always_escaped() -> None:
    citation = Citation(
        1, "d1", XSS, XSS, XSS, None, 0, len(XSS), quote=XSS, passage=f"before {XSS} after"
    )
    answer = Answer(question=XSS, text=f"- **{XSS}**: “{XSS}” [1]", kind="general",
                    citations=(citation,), warnings=(XSS,))  # fmt: skip
    document = Document("d1", f"/x/{XSS}.txt", "txt", "h", f"x {XSS} y",
                        metadata=DocumentMetadata(force=XSS, inspection=XSS))  # fmt: skip
    rendered = [
        render.answer_html(answer),
        render.sources_html(answer),
        render_documents.document_html(document, 0, len(document.text), XSS, back=XSS),
        render.similar_html([citation], XSS),
        render.notice(XSS),
    ]
    for html in rendered:
        assert "<script" not in html and "<img" not in html, html
        assert "&lt;script&gt;" in html


def test_resolve_only_accepts_passages_on_screen(tuserv: Answer) -> None:
    assert resolve("c1", tuserv) == tuserv.citations[0]
    for bad in ("", "c99", "x1", "s1", "s0", "r1", "m0|Norfolk|R1", "c1<script>"):
        assert resolve(bad, tuserv) is None
    peer = Citation(1, "d9", "k.txt", "Kent", "S", 2, 3, 7, quote="text")
    assert resolve("s1", tuserv, [peer]) == peer
    assert resolve("s2", tuserv, [peer]) is None


def test_similar_in_other_forces(app: AppState, tuserv: Answer) -> None:
    """Point 6: one passage per other force, no report summaries, the closest sentence marked."""
    html, found = similar_to(app, resolve("c1", tuserv))
    forces = [c.force for c in found]
    assert found and "Cambridgeshire" not in forces
    assert len(forces) == len(set(forces)), "each force once"
    assert not any("Key Findings" in c.section or "Executive summary" in c.section for c in found)
    for c in found:
        assert c.quote and c.quote in c.passage, "the matching sentence is marked"
    assert "Similar in other forces" in html and 'data-ref="s1"' in html
    assert html.count("<mark>") == len(found)
    assert resolve("s1", tuserv, found) == found[0]


# Documents and compare ---------------------------------------------------------------------------


def test_documents_table_lists_the_five_responses(app: AppState) -> None:
    rows = documents_table(app)
    assert len(rows) == 5
    columns = render_documents.DOCUMENT_COLUMNS
    by_force = {row[0]: dict(zip(columns, row, strict=True)) for row in rows}
    assert set(by_force) == {"Cambridgeshire", "Cleveland", "Cumbria", "Norfolk", "West Mercia"}
    cambs = by_force["Cambridgeshire"]
    assert (cambs["Days taken"], cambs["Within 56 days"], cambs["Signatory"]) == (
        55, "yes", "Darryl Preston"
    )  # fmt: skip
    assert by_force["Norfolk"]["Within 56 days"] == "unknown"
    assert {row["Inspection"] for row in by_force.values()} == {
        "An inspection of how well the police tackle serious youth violence"
    }, "Cleveland's 'How Well the Police Tackle ...' is the same inspection, named once"
    html, original = open_document(app, cambs["File"])
    assert "Cambridgeshire response" in html and original is not None
    assert "Pick a document" in open_document(app, "no-such-file.txt")[0]


def test_one_inspection_filter_entry_covers_every_wording(app: AppState) -> None:
    """Point 3: one entry, and choosing it still searches Cleveland's differently worded form."""
    from ui.handlers import filter_choices

    _, inspections = filter_choices(app)
    assert [name for name, _ in inspections] == [
        "An inspection of how well the police tackle serious youth violence"
    ]
    _, _, answer = ask(app, TUSERV, [], inspections[0][1])
    assert answer is not None and answer.searched == "5 documents from 5 forces"


def test_compare_renders_any_matrix_safely(app: AppState, monkeypatch) -> None:
    """A stand-in qa.compare with the agreed API: the tab renders, escapes and opens cells."""
    cited = Citation(1, "d1", "f.txt", "Kent", "R1", None, 0, 4, quote="text")
    cells = {
        ("Kent", "R1"): types.SimpleNamespace(
            status="accepted", excerpt=XSS, citation=cited, collective=True, detail=cited
        ),
        ("Essex", "R1"): types.SimpleNamespace(status="not mentioned", excerpt="", citation=None),
    }
    matrix = types.SimpleNamespace(
        inspection=XSS,
        recommendations=(types.SimpleNamespace(key="R1", text="Do <b>this</b>"),),
        forces=("Essex", "Kent"),
        cell=lambda force, key: cells[(force, key)],
        to_csv=lambda: "force,R1\nKent,accepted\n",
        to_markdown=lambda: "| force |",
    )
    fake = types.ModuleType("qa.compare")
    fake.compare_responses = lambda engine, inspection=None: [matrix]
    monkeypatch.setitem(sys.modules, "qa.compare", fake)
    html, files, matrices = compare(app, "")
    assert "<script" not in html and "Do this" in html, "formatting tags are dropped, not shown"
    assert 'data-ref="m0|Kent|R1"' in html and 'data-ref="m0|Essex|R1"' not in html
    assert 'data-action="similar" data-ref="m0|Kent|R1"' in html, "cells find similar passages"
    assert "said of all the recommendations together" in html
    assert {f.suffix for f in files} == {".csv", ".xlsx", ".md"}
    assert resolve("m0|Kent|R1", None, (), matrices) == cited
    assert resolve("m0|Kent|R1|detail", None, (), matrices) == cited
    assert resolve("m0|Nowhere|R1", None, (), matrices) is None


def test_compare_with_the_real_module(app: AppState) -> None:
    """Point 8: the comparison downloads as CSV, Markdown and XLSX, one row per cell."""
    from openpyxl import load_workbook

    html, files, matrices = compare(app, "")
    assert matrices and "pq-matrix" in html and "R1" in html
    assert files[0].read_text(encoding="utf-8-sig").strip()
    xlsx = next(f for f in files if f.suffix == ".xlsx")
    rows = list(load_workbook(xlsx).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("inspection", "force", "recommendation")
    assert len(rows) == 1 + 5 * 4, "five forces by four recommendations"


# Ingest ------------------------------------------------------------------------------------------


def test_upload_reports_every_failure_and_new_documents_are_searchable(
    fresh_app: AppState, tmp_path: Path
) -> None:
    broken = tmp_path / "broken-response.pdf"
    broken.write_bytes(CORRUPT_PDF)
    good = write_pdf(tmp_path / "kent-pcc-response.pdf", NEW_RESPONSE_PAGES)
    odd = tmp_path / "notes.xyz"
    odd.write_text("hello", encoding="utf-8")
    steps: list[str] = []
    report = ingest_files(
        fresh_app, [broken, good, odd], progress=lambda f, desc="": steps.append(desc)
    )
    assert "1 added" in report and "2 failed" in report
    # Point 8: our own words, not "embedding - 0.0% / Batches - 0.0% … 0/3 chunk"
    assert steps == ["Reading and indexing 3 files", "Done"]
    failed = report.split("Files that failed", 1)[1]
    assert "broken-response.pdf</strong>: broken-response.pdf is not a readable PDF" in failed
    assert "notes.xyz</strong>" in failed and "unsupported file type" in failed
    assert "kent-pcc-response.pdf</strong>: Kent" in report
    answer_html, _, answer = ask(fresh_app, "which forces use the Kestrel triage protocol?")
    assert answer is not None and answer.forces == ("Kent",), answer_html
    assert len(documents_table(fresh_app)) == 6
    html, original = open_source(fresh_app, resolve("c1", answer))
    assert "Cited page</dt><dd>2 of 2" in html and 'id="pq-cited">Kent Police has' in html
    assert original is not None and original.read_bytes() == good.read_bytes()


def test_upload_limits_and_sign_in(fresh_app: AppState, tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("x" * 3000, encoding="utf-8")
    small = replace(fresh_app, max_upload_mb=0.001)
    assert "big.txt</strong>: big.txt is 0.0 MB, over the 0.001 MB limit" in ingest_files(
        small, [big]
    )
    locked = replace(fresh_app, login_required=True)
    assert "Sign in to add documents." in ingest_files(locked, [big])
    assert "Choose one or more files" in ingest_files(fresh_app, [])


# Review ------------------------------------------------------------------------------------------


def test_rating_twice_keeps_one_review(app: AppState, tuserv: Answer) -> None:
    """Point 1: saving again replaces the reviewer's verdict and note, never adds a second."""
    answer_id = remember(app, tuserv)
    assert "Ask a question first" in rate(app, None, "correct")
    assert "Choose correct" in rate(app, answer_id, "maybe")
    assert "saved: partly correct" in rate(app, answer_id, "partly correct", " second quote weak ")
    assert "saved: correct" in rate(app, answer_id, "correct", "")
    mine = [r for (a, _), r in app.review.reviews().items() if a == answer_id]
    assert len(mine) == 1 and (mine[0]["verdict"], mine[0]["note"]) == ("correct", "")
    record = app.review.answer(answer_id)
    assert record["question"] == TUSERV and record["filters"] == tuserv.filters
    assert record["configuration"]["model"] == app.engine.index.embedder.model
    rows, _ = sample(app, 50)
    assert any(row[0] == answer_id and "correct" in row[-1] for row in rows)
    csv_path, xlsx_path, jsonl_path = export_reviews(app)
    with csv_path.open(encoding="utf-8-sig") as handle:
        exported = [r for r in csv.DictReader(handle) if r["answer_id"] == answer_id]
    assert exported[0]["verdict"] == "correct" and exported[0]["question"] == TUSERV
    records = [json.loads(line) for line in jsonl_path.read_text(encoding="utf-8").splitlines()]
    mine = next(r for r in records if r["answer_id"] == answer_id)
    assert mine["citations"][0]["quote"] == tuserv.citations[0].quote
    assert date.fromisoformat(mine["reviews"][0]["reviewed_at"][:10])
    assert xlsx_path.suffix == ".xlsx"


# The launched app, through gradio_client ---------------------------------------------------------


@pytest.fixture(scope="module")
def launched(app: AppState) -> Iterator[tuple[object, str]]:
    from ui.web import create_app, launch_app

    demo = create_app(app)
    url = launch_app(demo, app, port=free_port(), prevent_thread_lock=True, quiet=True)
    yield demo, url
    demo.close(verbose=False)


def test_app_is_local_bounded_and_quiet(launched: tuple[object, str]) -> None:
    demo, url = launched
    assert url.startswith("http://127.0.0.1:")
    assert demo.analytics_enabled is False and demo.share is False
    assert demo.enable_monitoring is False and demo.ssr_mode is False
    assert demo._queue.max_size >= 100, "a crowd of 100 waits in turn instead of being dropped"
    assert demo.max_file_size == 20 * 1024 * 1024


def test_api_ask_rate_and_export(launched: tuple[object, str]) -> None:
    from gradio_client import Client

    client = Client(launched[1], verbose=False, analytics_enabled=False)
    answer_html, sources_html, *_ = client.predict(TUSERV, [], "", "", "", [], api_name="/ask")
    assert "Cambridgeshire" in answer_html and 'data-ref="c1"' in sources_html
    csv_update, xlsx_update = client.predict(api_name="/evidence")
    assert Path(csv_update["value"]).read_text(encoding="utf-8-sig").count("Cambridgeshire") >= 1
    assert Path(xlsx_update["value"]).suffix == ".xlsx"
    assert "saved: wrong" in client.predict("wrong", "checked over the API", api_name="/rate")
    files = client.predict(api_name="/export_reviews")["value"]
    reviews_csv = next(Path(f) for f in files if f.endswith(".csv"))
    assert "checked over the API" in reviews_csv.read_text(encoding="utf-8-sig")


def test_api_sign_in_is_required_with_an_auth_file(app: AppState) -> None:
    import httpx

    from ui.auth import Credentials, hash_password
    from ui.web import create_app, launch_app

    credentials = Credentials({"inspector": hash_password("pw", iterations=1_000)})
    demo = create_app(app)
    url = launch_app(demo, app, port=free_port(), auth=credentials, prevent_thread_lock=True,
                     quiet=True)  # fmt: skip
    try:
        assert httpx.get(f"{url}config").status_code == 401
        with httpx.Client() as browser:
            bad = browser.post(f"{url}login", data={"username": "inspector", "password": "no"})
            assert bad.status_code == 400
            good = browser.post(f"{url}login", data={"username": "inspector", "password": "pw"})
            assert good.status_code == 200
            assert browser.get(f"{url}config").status_code == 200
    finally:
        demo.close(verbose=False)
