"""Hostile and broken files: each is refused with one line, in seconds, and never stops the rest.

Every fixture is generated here (no committed binaries). PDF, DOCX and HTML go through the
parse worker as in a real ingest.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from bench.crash import deep_html, zip_bomb
from ingest.errors import ResourceLimit
from ingest.loaders import load_file
from ingest.pipeline import ingest_paths
from ingest.sandbox import ParseLimits, ParseSandbox
from ingest.store import CorpusStore

from .conftest import write_pdf

GOOD = "Kent Police and Crime Commissioner response.\n\nKent Police accepts the recommendation.\n"


@pytest.fixture
def store(tmp_path: Path):
    with CorpusStore(tmp_path / "home" / "corpus.sqlite3") as opened:
        yield opened


def outcomes(report) -> dict[str, tuple[str, str]]:
    return {Path(f.path).name: (f.status, f.reason) for f in report.files}


def test_bombs_and_deep_nesting_are_refused_and_the_rest_ingested(
    store: CorpusStore, tmp_path: Path
) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    zip_bomb(folder / "bomb.docx", gigabytes=0.2)
    deep_html(folder / "deep.html", 100_000)
    (folder / "crowded.html").write_text("<p>x</p>" * 250_001)
    (folder / "junk.txt").write_bytes(os.urandom(4096))
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    (folder / "kent.txt").write_text(GOOD)
    started = time.perf_counter()
    report = ingest_paths([folder], store)
    assert time.perf_counter() - started < 30
    seen = outcomes(report)
    assert seen["kent.txt"][0] == "added"
    assert seen["bomb.docx"] == (
        "failed",
        "bomb.docx: word/document.xml expands to 192 MB uncompressed "
        f"({_ratio(folder / 'bomb.docx')} times its compressed size): refused",
    )
    assert seen["deep.html"] == (
        "failed",
        "deep.html nests HTML elements more than 512 deep: refused",
    )
    assert "more than 250,000 HTML elements: refused" in seen["crowded.html"][1]
    assert seen["junk.txt"][0] == "failed" and "re-save it as UTF-8" in seen["junk.txt"][1]
    assert all("\n" not in reason for _, reason in seen.values())


def _ratio(path: Path) -> str:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        member = archive.getinfo("word/document.xml")
    return f"{member.file_size / member.compress_size:,.0f}"


def test_pdf_pages_and_text_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ingest.pdf
    import ingest.text

    pdf = write_pdf(tmp_path / "long.pdf", ("Kent Police response, page one.", "Page two."))
    monkeypatch.setattr(ingest.pdf, "MAX_PDF_PAGES", 1)
    with pytest.raises(ResourceLimit, match="has 2 pages, over the 1-page limit: refused"):
        load_file(pdf)
    monkeypatch.setattr(ingest.pdf, "MAX_PDF_PAGES", 10)
    monkeypatch.setattr(ingest.pdf, "MAX_TEXT_CHARS", 20)
    with pytest.raises(ResourceLimit, match="more than 20 characters of text: refused"):
        load_file(pdf)
    monkeypatch.setattr("ingest.loaders.MAX_TEXT_CHARS", 20)
    (tmp_path / "long.txt").write_text(GOOD)
    with pytest.raises(ResourceLimit, match="characters of text, over the 20 limit: refused"):
        load_file(tmp_path / "long.txt")
    assert ingest.text.MAX_TEXT_CHARS == 50_000_000


def test_a_slow_file_meets_its_deadline_and_the_next_is_read(tmp_path: Path) -> None:
    slow = tmp_path / "slow.html"
    slow.write_text("<html><body>" + "<p>Kent Police accepts.</p>" * 150_000 + "</body></html>")
    good = tmp_path / "good.html"
    good.write_text(f"<html><body><p>{GOOD}</p></body></html>")
    with ParseSandbox(ParseLimits(seconds=0.3)) as sandbox:
        with pytest.raises(ResourceLimit, match=r"slow.html took more than 0.3 s to read: refused"):
            sandbox.parse(slow, str(slow), "h", 50 * 2**20)
        sandbox.limits = ParseLimits(seconds=60)
        assert (
            "accepts the recommendation" in sandbox.parse(good, str(good), "h", 2**20).document.text
        )


def test_memory_over_budget_is_a_refusal_and_the_next_file_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.html"
    big.write_text("<html><body><p>" + "Kent Police accepts. " * 1_000_000 + "</p></body></html>")
    good = tmp_path / "good.html"
    good.write_text(f"<html><body><p>{GOOD}</p></body></html>")
    with ParseSandbox(ParseLimits(seconds=60, memory_mb=300)) as sandbox:
        with pytest.raises(ResourceLimit, match=r"big.html needs more than 300 MB .*: refused"):
            sandbox.parse(big, str(big), "h", 50 * 2**20)
        sandbox.limits = ParseLimits(seconds=60)
        assert sandbox.parse(good, str(good), "h", 2**20).chunks


def test_a_reader_that_dies_is_one_line_and_the_next_file_is_read(tmp_path: Path) -> None:
    slow = tmp_path / "slow.html"
    slow.write_text("<html><body>" + "<p>Kent Police accepts.</p>" * 150_000 + "</body></html>")
    good = tmp_path / "good.html"
    good.write_text(f"<html><body><p>{GOOD}</p></body></html>")
    failures: list[Exception] = []

    def parse_slow() -> None:
        try:
            sandbox.parse(slow, str(slow), "h", 50 * 2**20)
        except ResourceLimit as error:
            failures.append(error)

    with ParseSandbox(ParseLimits(seconds=120, memory_mb=2048)) as sandbox:
        reading = threading.Thread(target=parse_slow)
        reading.start()
        while sandbox._worker is None:
            time.sleep(0.01)
        time.sleep(0.2)
        os.kill(sandbox._worker.pid, signal.SIGKILL)  # as the kernel's OOM killer would
        reading.join(timeout=30)
        assert [str(e) for e in failures] == [
            "slow.html stopped its reader (signal SIGKILL) "
            "within the 2048 MB, 120 s budget: refused"
        ]
        assert sandbox.parse(good, str(good), "h", 2**20).chunks


@pytest.mark.parametrize("error", [RecursionError, MemoryError, KeyError, AssertionError])
def test_any_exception_in_a_reader_is_that_files_failure(
    store: CorpusStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: type
) -> None:
    import ingest.pipeline

    real = ingest.pipeline.parse_file

    def fragile(path: Path, *args, **kwargs):
        if path.name == "bad.txt":
            raise error("maximum recursion depth exceeded")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(ingest.pipeline, "parse_file", fragile)
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "bad.txt").write_text(GOOD)
    (folder / "good.txt").write_text(GOOD.replace("Kent", "Essex"))
    seen = outcomes(ingest_paths([folder], store))
    assert seen["good.txt"][0] == "added"
    assert seen["bad.txt"][0] == "failed"
    assert seen["bad.txt"][1].startswith(f"bad.txt could not be read ({error.__name__}")


def test_a_pathological_markdown_heading_is_read_in_linear_time(tmp_path: Path) -> None:
    path = tmp_path / "spaces.md"
    path.write_text("# Kent" + " " * 300_000 + "x\n\n" + GOOD + "\n## Closing ##\n")
    started = time.perf_counter()
    loaded = load_file(path)
    assert time.perf_counter() - started < 2
    assert [h.title for h in loaded.headings][-1] == "Closing"
