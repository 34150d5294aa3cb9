"""The web UI in a real browser: Playwright driving Debian's chromium against the launched app.

The tests share one page and run in file order, as one inspector's session would: ask, open a
source, rate, export, browse documents, upload, compare. Screenshots go to artifacts/.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_web import CORRUPT_PDF, TUSERV, copy_home, free_port, open_app

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 1000}
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def site(corpus_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from ui.web import create_app, launch_app

    home = copy_home(corpus_home, tmp_path_factory.mktemp("browser-home"))
    app, index = open_app(home, tmp_path_factory.mktemp("browser-exports"))
    demo = create_app(app)
    url = launch_app(demo, app, port=free_port(), prevent_thread_lock=True, quiet=True)
    yield url
    demo.close(verbose=False)
    index.close()


@pytest.fixture(scope="module")
def outside() -> list[str]:
    """Every request the page made to anywhere but the app itself."""
    return []


@pytest.fixture(scope="module")
def page(site: str, outside: list[str]) -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed: run `make browser`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.on(
            "request",
            lambda r: None if r.url.startswith((site, "data:", "blob:")) else outside.append(r.url),
        )
        page.goto(site)
        page.wait_for_selector("#pq-question textarea")
        yield page
        browser.close()


def open_tab(page: Any, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()


def wait_in_view(page: Any, element: Any) -> None:
    """Wait until the element shows inside its scrolling document body's visible area."""
    page.wait_for_function(
        """e => { const box = e.closest('.pq-doc-body').getBoundingClientRect();
                  const r = e.getBoundingClientRect();
                  return r.top >= box.top && r.top < box.bottom; }""",
        arg=element.element_handle(),
    )


def test_ask_shows_cambridgeshire_with_a_citation(page: Any, artifacts: Path) -> None:
    page.fill("#pq-question textarea", TUSERV)
    page.click("#pq-ask")
    page.wait_for_selector("#pq-sources .pq-card")
    answer = page.locator("#pq-answer")
    assert "Cambridgeshire" in answer.inner_text()
    assert answer.locator("a.pq-cite").first.inner_text() == "[1]"
    assert "tuServ" in page.locator("#pq-sources .pq-card mark").first.inner_text()
    page.click("#pq-evidence")
    page.get_by_role("button", name="Download evidence table (CSV)").wait_for()
    page.screenshot(path=artifacts / "web-ask.png", full_page=True)


def test_opening_a_citation_shows_the_quote_in_its_document(page: Any, artifacts: Path) -> None:
    quote = page.locator("#pq-sources .pq-card mark").first.inner_text()
    page.locator("#pq-sources button[data-action=open]").first.click()
    cited = page.locator("#pq-viewer mark#pq-cited")
    cited.wait_for()
    assert cited.inner_text() == quote
    wait_in_view(page, cited)  # the document opens at the cited place
    assert "Darryl Preston" in page.locator("#pq-viewer").inner_text(), "the whole document"
    page.get_by_role("button", name="Download the original file").first.wait_for()
    page.screenshot(path=artifacts / "web-source.png")


def test_rating_an_answer_lands_in_the_export(page: Any, artifacts: Path) -> None:
    page.locator("#pq-verdict").get_by_label("correct", exact=True).check()
    page.get_by_label("Note (optional)").fill("checked in the browser")
    page.click("#pq-rate")
    page.locator("#pq-rate-status", has_text="saved: correct").wait_for()
    open_tab(page, "Review")
    page.click("#pq-export")
    link = page.locator("#pq-ratings-files a[download='ratings.csv']")
    with page.expect_download() as download:
        link.click()
    with open(download.value.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[-1]["note"] == "checked in the browser" and rows[-1]["verdict"] == "correct"
    page.get_by_role("button", name="Show a random sample").click()
    page.locator("#pq-ratings", has_text="checked in the browser").wait_for()
    page.screenshot(path=artifacts / "web-review.png", full_page=True)


def test_documents_table_lists_five_documents(page: Any, artifacts: Path) -> None:
    open_tab(page, "Documents")
    rows = page.locator("#pq-documents [role=row]:has([role=gridcell])")
    rows.filter(has_text="West Mercia").wait_for()
    assert rows.count() == 5
    rows.filter(has_text="Cumbria").locator("[role=gridcell]").first.click()
    page.locator("#pq-document-viewer", has_text="Cumbria response").wait_for()
    page.screenshot(path=artifacts / "web-documents.png", full_page=True)


def test_uploading_a_corrupt_pdf_reports_why(page: Any, artifacts: Path) -> None:
    open_tab(page, "Add documents")
    upload = {"name": "broken-response.pdf", "mimeType": "application/pdf", "buffer": CORRUPT_PDF}
    page.set_input_files("#pq-upload input[type=file]", files=[upload])
    page.locator("#pq-upload a[download='broken-response.pdf']").wait_for()  # uploaded
    page.click("#pq-add")
    report = page.locator("#pq-ingest-report .pq-notice")
    report.wait_for()
    assert "1 failed" in report.inner_text(), report.inner_text()
    failed = page.locator("#pq-ingest-report .pq-failed")
    assert "broken-response.pdf" in failed.inner_text()
    assert "not a readable PDF" in failed.inner_text()
    page.screenshot(path=artifacts / "web-ingest.png", full_page=True)


def test_compare_opens_a_cell_at_its_citation(page: Any, artifacts: Path) -> None:
    pytest.importorskip("qa.compare")
    open_tab(page, "Compare")
    page.get_by_role("button", name="Compare responses").click()
    page.locator("#pq-compare table").wait_for()
    page.locator("#pq-compare button[data-action=open]").first.click()
    cited = page.locator("#pq-compare-viewer mark#pq-cited")
    cited.wait_for()
    wait_in_view(page, cited)
    page.screenshot(path=artifacts / "web-compare.png", full_page=True)


def test_the_page_made_no_outbound_requests(page: Any, outside: list[str]) -> None:
    assert outside == []
