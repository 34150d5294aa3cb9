"""The web UI in a real browser: Playwright driving Debian's chromium against the launched app.

One app and one browser for the module; a desktop page (1366×768) and a phone page (390×844)
share it. The tests run in file order, as an inspector's and then an evaluator's session would,
one test per point of the UI issue. Screenshots of every tab at both sizes go to artifacts/.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_web import CORRUPT_PDF, TUSERV, copy_home, free_port, open_app
from ui.web_style import TITLE

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
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 30_000
TABS = ("Ask", "Documents", "Compare", "Add documents", "Review")
ATHENA = "Which forces mention the Athena system?"
# axe-core's own rules (WCAG 2.1 A/AA and best practice); a serious or critical one fails.
AXE_RUN = """async () => {
  const result = await axe.run(document);
  return result.violations.filter((v) => ['serious', 'critical'].includes(v.impact))
    .map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ' '
      + (n.any[0] || {}).message).join(', ')}`);
}"""


@pytest.fixture(scope="module")
def site(corpus_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    from ui.web import create_app, launch_app

    home = copy_home(corpus_home, tmp_path_factory.mktemp("browser-home"))
    app, index = open_app(home, tmp_path_factory.mktemp("browser-exports"))
    demo = create_app(app)
    url = launch_app(demo, app, port=free_port(), prevent_thread_lock=True, quiet=True)
    yield url, app
    demo.close(verbose=False)
    index.close()


@pytest.fixture(scope="module")
def outside() -> list[str]:
    """Every request the pages made to anywhere but the app itself."""
    return []


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed: run `make browser`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _page(browser: Any, site: tuple[str, Any], outside: list[str], viewport: dict) -> Any:
    url = site[0]
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.on(
        "request",
        lambda r: None if r.url.startswith((url, "data:", "blob:")) else outside.append(r.url),
    )
    page.goto(url)
    page.wait_for_selector("#pq-question textarea")
    return page


@pytest.fixture(scope="module")
def page(browser: Any, site: tuple[str, Any], outside: list[str]) -> Any:
    return _page(browser, site, outside, DESKTOP)


@pytest.fixture(scope="module")
def phone(browser: Any, site: tuple[str, Any], outside: list[str]) -> Any:
    return _page(browser, site, outside, PHONE)


def open_tab(page: Any, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()


def ask(page: Any, question: str) -> None:
    """Type and press Enter, as people do; wait for this question's answer."""
    page.fill("#pq-question textarea", question)
    page.locator("#pq-question textarea").press("Enter")
    page.wait_for_function("q => location.search.includes(encodeURIComponent(q))", arg=question)
    page.locator("#pq-answer section").wait_for()


def in_view(page: Any, selector: str) -> bool:
    return page.evaluate(
        """s => { const r = document.querySelector(s).getBoundingClientRect();
                  return r.top >= 0 && r.top < innerHeight; }""",
        selector,
    )


def settled(page: Any) -> None:
    """Wait until no component shows Gradio's loading overlay (it fades what is under it)."""
    page.wait_for_function(
        """() => ![...document.querySelectorAll('[data-testid=status-tracker]')]
                 .some((e) => e.querySelector('.progress-text, .eta-bar'))
              && document.getAnimations().every((a) => a.playState !== 'running')"""
    )


def axe_violations(page: Any) -> list[str]:
    import axe_playwright_python

    settled(page)
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(Path(axe_playwright_python.__file__).parent / "axe.min.js"))
    return page.evaluate(AXE_RUN)


# 7. Layout and accessibility before a question -------------------------------------------------


def test_the_page_has_a_heading_and_no_rating_form_before_a_question(page: Any) -> None:
    assert page.locator("h1").all_inner_texts() == [TITLE]
    assert not page.locator("#pq-verdict").is_visible(), "nothing to rate yet"
    assert page.locator("#pq-answer [role=region][aria-live=polite]").count() == 1
    assert "Press Enter to ask" in page.locator("#pq-question").inner_text()


# 1, 7, 8. Ask: Enter sends, the answer and its sources fit the screen, downloads are named ------


def test_enter_asks_and_the_answer_and_first_source_fit_1366x768(page: Any, artifacts) -> None:
    ask(page, TUSERV)
    page.evaluate("scrollTo(0, 0)")
    answer_top = page.locator("#pq-answer").bounding_box()["y"]
    first_quote = page.locator("#pq-sources .pq-card mark").first.bounding_box()
    assert answer_top < 430, answer_top
    assert first_quote["y"] + first_quote["height"] / 2 < DESKTOP["height"], first_quote
    assert "Cambridgeshire" in page.locator("#pq-answer").inner_text()
    assert page.locator("#pq-verdict").is_visible()
    page.screenshot(path=artifacts / "web-ask-1366x768.png")


def test_the_evidence_table_is_named_after_the_question(page: Any) -> None:
    button = page.get_by_role("button", name="Download evidence table (CSV)")
    with page.expect_download() as download:
        button.click()
    name = download.value.suggested_filename
    assert name == "evidence-which-forces-use-tuserv-for-demographic-capture.csv"
    with open(download.value.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["question"] for r in rows} == {TUSERV}
    assert any(r["finding"] == "no evidence found" and r["force"] == "Norfolk" for r in rows)


def test_opening_a_source_scrolls_the_document_not_the_page(page: Any, artifacts) -> None:
    quote = page.locator("#pq-sources .pq-card mark").first.inner_text()
    button = page.locator("#pq-sources button[data-action=open]").first
    button.scroll_into_view_if_needed()
    before = page.evaluate("scrollY")
    button.click()
    cited = page.locator("#pq-viewer mark#pq-cited")
    cited.wait_for()
    assert " ".join(cited.inner_text().split()) == " ".join(quote.split())
    page.wait_for_function(
        """() => { const c = document.querySelector('#pq-viewer #pq-cited');
                   const b = c.closest('.pq-doc-body').getBoundingClientRect();
                   const r = c.getBoundingClientRect();
                   return r.top >= b.top && r.top < b.bottom; }"""
    )
    assert page.evaluate("scrollY") == before, "the page stays where the reader was"
    assert in_view(page, "#pq-viewer #pq-cited")
    assert "Darryl Preston" in page.locator("#pq-viewer").inner_text(), "the whole document"
    page.screenshot(path=artifacts / "web-source-1366x768.png")


def test_similar_passages_survive_opening_one(page: Any) -> None:
    """6: each other force once, the matching sentence marked, still listed after Open."""
    page.locator("#pq-sources button[data-action=similar]").first.click()
    cards = page.locator("#pq-similar .pq-card")
    cards.first.wait_for()
    forces = cards.locator("header strong").all_inner_texts()
    assert len(forces) == len(set(forces)) and "Cambridgeshire" not in " ".join(forces)
    assert cards.locator("mark").count() == cards.count()
    page.locator("#pq-similar button[data-action=open]").first.click()
    page.locator("#pq-viewer mark#pq-cited").wait_for()
    page.locator("#pq-viewer .pq-document", has_text=f"{forces[0]} response").wait_for()
    assert cards.count() == len(forces), "the list is still there after Open"


def test_rating_twice_keeps_one_rating(page: Any, site: tuple[str, Any]) -> None:
    """1: Save twice replaces the rating instead of adding a second."""
    page.locator("#pq-verdict").get_by_label("partly correct", exact=True).check()
    page.fill("#pq-note textarea", "second quote weak")
    page.click("#pq-rate")
    page.locator("#pq-rate-status", has_text="saved: partly correct").wait_for()
    page.locator("#pq-verdict").get_by_label("correct", exact=True).check()
    page.click("#pq-rate")
    page.locator("#pq-rate-status", has_text="saved: correct").wait_for()
    reviews = site[1].review.reviews()
    assert len(reviews) == 1 and next(iter(reviews.values()))["verdict"] == "correct"


def test_a_new_question_starts_from_a_clean_slate(page: Any) -> None:
    """1: the viewer, the similar list and the rating form belong to one answer only."""
    ask(page, ATHENA)
    page.locator("#pq-viewer", has_text="Open a source to read it here").wait_for()
    assert page.locator("#pq-viewer mark").count() == 0
    assert page.locator("#pq-similar .pq-card").count() == 0
    assert page.locator("#pq-verdict input:checked").count() == 0
    assert page.locator("#pq-note textarea").input_value() == ""
    assert page.locator("#pq-rate-status").inner_text().strip() == ""


def test_the_inspection_filter_lists_each_inspection_once(page: Any) -> None:
    """3: Cleveland's "How Well the Police Tackle ..." is not a second inspection."""
    page.get_by_text("Narrow the search").click()
    page.get_by_label("Inspection").first.click()
    options = page.get_by_role("option").all_inner_texts()
    assert [o.replace("✓", "").strip() for o in options] == [
        "All inspections",
        "An inspection of how well the police tackle serious youth violence",
    ]
    page.keyboard.press("Escape")


# 9. Permalinks and recent questions --------------------------------------------------------------


def test_a_permalink_reproduces_the_answer_and_recent_questions_are_listed(
    page: Any, site: tuple[str, Any]
) -> None:
    link = page.locator("#pq-answer a[data-permalink]").get_attribute("href")
    assert page.evaluate("location.search") == link, "the address bar is the permalink"
    page.goto(site[0] + "?q=" + TUSERV.replace(" ", "%20") + "&force=Cambridgeshire")
    page.locator("#pq-answer", has_text="Cambridgeshire").wait_for()
    assert page.locator("#pq-question textarea").input_value() == TUSERV
    assert "Cambridgeshire" in page.locator("#pq-sources").inner_text()
    page.get_by_text("Examples and your recent questions").click()
    recent = page.locator("#pq-recent")
    assert ATHENA in recent.inner_text() and "Your recent questions" in recent.inner_text()


# 5, 6. Compare -------------------------------------------------------------------------------


def test_compare_cells_open_and_find_similar(page: Any, artifacts) -> None:
    open_tab(page, "Compare")
    page.get_by_role("button", name="Compare responses").click()
    page.locator("#pq-compare table").wait_for()
    assert page.locator("#pq-compare", has_text="said of all the recommendations").count()
    page.locator("#pq-compare button[data-action=similar]").nth(2).click()
    page.locator("#pq-compare-similar .pq-card").first.wait_for()
    page.locator("#pq-compare-similar button[data-action=open]").first.click()
    page.locator("#pq-compare-viewer mark#pq-cited").wait_for()
    assert page.locator("#pq-compare-similar .pq-card").count() >= 1
    with page.expect_download() as download:
        page.locator("#pq-compare ~ * a[download$='.xlsx'], a[download$='.xlsx']").first.click()
    assert download.value.suggested_filename.endswith(".xlsx")
    page.screenshot(path=artifacts / "web-compare-1366x768.png", full_page=True)


# 8. Adding documents ---------------------------------------------------------------------------


def test_a_broken_upload_is_named_and_the_upload_box_empties(page: Any, artifacts) -> None:
    open_tab(page, "Add documents")
    upload = {"name": "broken-response.pdf", "mimeType": "application/pdf", "buffer": CORRUPT_PDF}
    page.set_input_files("#pq-upload input[type=file]", files=[upload])
    page.locator("#pq-upload a[download='broken-response.pdf']").wait_for()
    page.click("#pq-add")
    failed = page.locator("#pq-ingest-report .pq-failed")
    failed.wait_for()
    assert "broken-response.pdf" in failed.inner_text()
    assert "not a readable PDF" in failed.inner_text()
    page.locator("#pq-upload a[download='broken-response.pdf']").wait_for(state="detached")
    page.screenshot(path=artifacts / "web-ingest-1366x768.png", full_page=True)


def test_documents_tab_lists_five_documents(page: Any, artifacts) -> None:
    open_tab(page, "Documents")
    rows = page.locator("#pq-documents [role=row]:has([role=gridcell])")
    rows.filter(has_text="West Mercia").wait_for()
    assert rows.count() == 5
    rows.filter(has_text="Cumbria").locator("[role=gridcell]").first.click()
    page.locator("#pq-document-viewer", has_text="Cumbria response").wait_for()
    page.screenshot(path=artifacts / "web-documents-1366x768.png", full_page=True)


# 2. Review: sample, read with sources, verdict per citation, results, export ---------------------


def test_an_evaluator_reviews_a_sampled_answer(page: Any, artifacts) -> None:
    open_tab(page, "Review")
    page.locator("#pq-review-stats", has_text="answers recorded").wait_for()
    page.click("#pq-sample")
    rows = page.locator("#pq-review-sample [role=row]:has([role=gridcell])")
    rows.filter(has_text=TUSERV).first.wait_for()
    assert rows.filter(has_text=ATHENA).count() == 1, "unrated answers are sampled too"
    rows.filter(has_text=TUSERV).first.locator("[role=gridcell]").nth(3).click()
    card = page.locator("#pq-review-sources .pq-card").first
    card.wait_for()
    card.locator("button[data-value=supports]").click()
    page.locator("#pq-review-sources button[data-value=supports][aria-pressed=true]").wait_for()
    page.locator("#pq-review-sources button[data-action=open]").first.click()
    page.locator("#pq-review-viewer mark#pq-cited").wait_for()
    page.locator("#pq-review-verdict").get_by_label("correct", exact=True).check()
    page.fill("#pq-review-note textarea", "checked against the letter")
    page.click("#pq-save-review")
    page.locator("#pq-review-status", has_text="1 source checked").wait_for()
    page.locator("#pq-review-stats", has_text="Citations (claims) by verdict").wait_for()
    page.screenshot(path=artifacts / "web-review-1366x768.png", full_page=True)
    page.click("#pq-export")
    with page.expect_download() as download:
        page.locator("#pq-review-files a[download='reviews.csv']").click()
    with open(download.value.path(), encoding="utf-8-sig") as handle:
        rows = [r for r in csv.DictReader(handle) if r["note"] == "checked against the letter"]
    assert rows and rows[0]["citation_verdict"] == "supports" and rows[0]["question"] == TUSERV
    assert rows[0]["char_start"] and rows[0]["quote"]


# 7. Accessibility on every tab, and the phone layout -------------------------------------------


def test_axe_finds_no_serious_violation_on_any_tab(page: Any, artifacts) -> None:
    found = {}
    for tab in TABS:
        open_tab(page, tab)
        page.locator(f"[role=tab][aria-selected=true]:has-text('{tab}')").wait_for()
        found[tab] = axe_violations(page)
    assert found == {tab: [] for tab in TABS}


def test_every_tab_is_reachable_and_fits_a_phone(phone: Any, artifacts) -> None:
    assert phone.locator("text=•••").count() == 0 or not phone.locator("text=•••").is_visible()
    ask(phone, TUSERV)
    for tab in TABS:
        button = phone.get_by_role("tab", name=tab, exact=True)
        assert button.is_visible(), f"{tab} hides behind a menu"
        button.click()
        if tab == "Compare":
            phone.get_by_role("button", name="Compare responses").click()
            phone.locator("#pq-compare table").wait_for()
            wrap = phone.locator("#pq-compare .pq-table-wrap")
            assert wrap.evaluate("w => w.scrollWidth > w.clientWidth"), "the table scrolls inside"
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{tab} is {width} px wide"
        assert axe_violations(phone) == [], tab
        phone.screenshot(path=artifacts / f"web-{tab.lower().replace(' ', '-')}-390x844.png",
                         full_page=True)  # fmt: skip


def test_on_a_phone_a_source_opens_below_and_back_returns(phone: Any) -> None:
    open_tab(phone, "Ask")
    phone.locator("#pq-sources button[data-action=open]").first.click()
    phone.locator("#pq-viewer mark#pq-cited").wait_for()
    phone.wait_for_function("() => document.querySelector('#pq-viewer .pq-back')"
                            ".getBoundingClientRect().bottom > 0")  # fmt: skip
    phone.locator("#pq-viewer .pq-back").click()
    phone.wait_for_function(
        """() => { const r = document.querySelector('#pq-sources .pq-card').getBoundingClientRect();
                   return r.top < innerHeight && r.bottom > 0; }"""
    )


def test_the_pages_made_no_outbound_requests(outside: list[str]) -> None:
    assert outside == []
