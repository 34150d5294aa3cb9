"""Loaders on real files made here: generated PDFs and DOCX, HTML with page noise, encoded text."""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from docx import Document as new_docx
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from ingest.errors import (
    CorruptDocument,
    EmptyDocument,
    EncryptedDocument,
    FileTooLarge,
    IngestError,
    NeedsOCR,
    UndecodableText,
    UnsupportedFileType,
)
from ingest.loaders import MAX_FILE_BYTES, SUPPORTED_SUFFIXES, load_file
from ingest.types import LoadedText

from .conftest import write_pdf

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
PAGE_TEXTS = (
    "Page one: knife crime in Norfolk.",
    "Page two: the PCC response to recommendation 4.",
)

HTML_PAGE = """<!doctype html>
<html><head><title>Site title</title><style>p { color: red }</style>
<script>var tracking = "script noise";</script></head>
<body>
<header><a href="/">PCC home</a> Menu noise</header>
<nav><ul><li>Nav noise</li></ul></nav>
<main>
  <h1>Response to HMICFRS</h1>
  <p>The   Commissioner
     welcomes the report.</p>
  <h2>Recommendation 1</h2>
  <ul><li>Train officers</li><li>Record outcome 22</li></ul>
  <table><tr><th>Area</th><th>Status</th></tr><tr><td>VRU</td><td>Done</td></tr></table>
  <script>alert("inline noise")</script>
</main>
<aside>Aside noise</aside>
<footer>Footer noise &copy; 2023</footer>
</body></html>
"""


def _text_pdf(path: Path, pages: tuple[str, ...] = PAGE_TEXTS) -> Path:
    return write_pdf(path, pages, line_height=10)


def _encrypted_pdf(path: Path, user_password: str) -> Path:
    source = _text_pdf(path.with_name("plain-" + path.name))
    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def _image_only_pdf(path: Path) -> Path:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 120, 80, style="F")
    pdf.output(str(path))
    return path


def _response_docx(path: Path) -> Path:
    document = new_docx()
    document.add_heading("PCC response", level=0)
    document.add_heading("Recommendation 1", level=1)
    document.add_paragraph("The Commissioner welcomes the report.")
    document.add_paragraph("Train officers", style="List Bullet")
    document.add_paragraph("Record outcome 22", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    for row, values in zip(table.rows, (("Area", "Status"), ("VRU", "Done")), strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.add_paragraph("After the table.")
    document.add_heading("Next steps", level=2)
    document.save(str(path))
    return path


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _assert_headings_exact(loaded: LoadedText) -> None:
    for heading in loaded.headings:
        assert loaded.text[heading.start : heading.start + len(heading.title)] == heading.title


def test_pdf_pages_have_exact_spans(tmp_path: Path) -> None:
    loaded = load_file(_text_pdf(tmp_path / "two.pdf"))
    assert [page.number for page in loaded.pages] == [1, 2]
    for page, expected in zip(loaded.pages, PAGE_TEXTS, strict=True):
        assert loaded.text[page.start : page.end].strip() == expected
    assert loaded.pages[0].end <= loaded.pages[1].start
    assert loaded.text.index("recommendation 4") >= loaded.pages[1].start


def test_pdf_encrypted_with_empty_user_password_opens(tmp_path: Path) -> None:
    loaded = load_file(_encrypted_pdf(tmp_path / "open.pdf", user_password=""))
    assert "knife crime" in loaded.text
    assert len(loaded.pages) == 2


def test_docx_keeps_body_order_lists_tables_and_headings(tmp_path: Path) -> None:
    loaded = load_file(_response_docx(tmp_path / "response.docx"))
    expected_order = [
        "PCC response",
        "Recommendation 1",
        "The Commissioner welcomes the report.",
        "- Train officers",
        "- Record outcome 22",
        "Area | Status\nVRU | Done",
        "After the table.",
        "Next steps",
    ]
    assert loaded.text == "\n\n".join(expected_order)
    assert [(h.title, h.level) for h in loaded.headings] == [
        ("PCC response", 1),
        ("Recommendation 1", 1),
        ("Next steps", 2),
    ]
    _assert_headings_exact(loaded)


def test_html_keeps_main_text_only(tmp_path: Path) -> None:
    loaded = load_file(_write(tmp_path / "page.html", HTML_PAGE.encode()))
    assert loaded.text == (
        "Response to HMICFRS\n\nThe Commissioner welcomes the report.\n\nRecommendation 1\n\n"
        "- Train officers\n\n- Record outcome 22\n\nArea | Status\n\nVRU | Done"
    )
    assert "noise" not in loaded.text.lower()
    assert [(h.title, h.level) for h in loaded.headings] == [
        ("Response to HMICFRS", 1),
        ("Recommendation 1", 2),
    ]
    _assert_headings_exact(loaded)


def test_html_without_main_uses_body_and_meta_charset(tmp_path: Path) -> None:
    page = (
        '<html><head><meta charset="windows-1252"></head><body><nav>Menu</nav>'
        "<h3>Chief Constable’s reply</h3><div>Response – agreed</div></body></html>"
    )
    loaded = load_file(_write(tmp_path / "reply.htm", page.encode("cp1252")))
    assert loaded.text == "Chief Constable’s reply\n\nResponse – agreed"
    assert loaded.headings[0].level == 3


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("utf8.txt", "Commissioner’s reply".encode(), "Commissioner’s reply"),
        ("bom.txt", "\ufeffCommissioner’s reply".encode(), "Commissioner’s reply"),
        (
            "cp1252.txt",
            "Commissioner’s reply – café".encode("cp1252"),
            "Commissioner’s reply – café",
        ),
        ("utf16.md", "Commissioner’s reply".encode("utf-16"), "Commissioner’s reply"),
        ("utf16be.txt", b"\xfe\xff" + "reply".encode("utf-16-be"), "reply"),
    ],
)
def test_text_encodings(tmp_path: Path, name: str, data: bytes, expected: str) -> None:
    assert load_file(_write(tmp_path / name, data)).text == expected


def test_markdown_headings_point_at_title_text(tmp_path: Path) -> None:
    source = "Intro\n\n# Response\n\nBody\n\n## **Recommendation 2** ##\n#hashtag not heading\n"
    loaded = load_file(_write(tmp_path / "r.md", source.encode()))
    assert loaded.text == source
    assert [(h.title, h.level) for h in loaded.headings] == [
        ("Response", 1),
        ("Recommendation 2", 2),
    ]
    _assert_headings_exact(loaded)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.txt")), ids=lambda p: p.stem)
def test_corpus_files_load_unchanged(path: Path) -> None:
    loaded = load_file(path)
    assert loaded.text == path.read_text(encoding="utf-8")
    _assert_headings_exact(loaded)


def test_corpus_markdown_heading_found() -> None:
    loaded = load_file(CORPUS / "west-mercia-pcc-letter-serious-youth-violence-2023.txt")
    assert [h.title for h in loaded.headings] == [
        "An inspection of how well the police tackle serious youth violence"
    ]


def _random_bytes(size: int) -> bytes:
    return random.Random(7).randbytes(size)


BAD_FILES: list[tuple[str, Callable[[Path], object], type[IngestError], str]] = [
    ("locked.pdf", lambda p: _encrypted_pdf(p, "secret"), EncryptedDocument, "password"),
    ("scan.pdf", _image_only_pdf, NeedsOCR, "has 1 page but no text layer"),
    ("junk.pdf", lambda p: p.write_bytes(_random_bytes(4096)), CorruptDocument, "not a readable"),
    ("empty.pdf", lambda p: p.write_bytes(b""), EmptyDocument, "0 bytes"),
    ("junk.docx", lambda p: p.write_bytes(_random_bytes(4096)), CorruptDocument, "DOCX"),
    ("binary.txt", lambda p: p.write_bytes(_random_bytes(4096)), UndecodableText, "as UTF-8"),
    ("ctrl.txt", lambda p: p.write_bytes(bytes(range(1, 9)) * 50), UndecodableText, "UTF-8"),
    ("nobom.txt", lambda p: p.write_bytes("reply".encode("utf-16-le")), UndecodableText, "UTF-8"),
    ("blank.txt", lambda p: p.write_bytes(b" \n\t\n"), EmptyDocument, "no text"),
    ("blank.html", lambda p: p.write_bytes(b"<nav>menu</nav>"), EmptyDocument, "no text"),
    ("sheet.xlsx", lambda p: p.write_bytes(b"x"), UnsupportedFileType, ".docx, .htm"),
    ("README", lambda p: p.write_bytes(b"x"), UnsupportedFileType, "(no suffix)"),
    ("missing.txt", lambda p: None, IngestError, "does not exist"),
]


@pytest.mark.parametrize(
    ("name", "make", "error", "words"), BAD_FILES, ids=[b[0] for b in BAD_FILES]
)
def test_bad_files_raise_specific_errors(
    tmp_path: Path,
    name: str,
    make: Callable[[Path], object],
    error: type[IngestError],
    words: str,
) -> None:
    path = tmp_path / name
    make(path)
    with pytest.raises(error) as raised:
        load_file(path)
    message = str(raised.value)
    assert type(raised.value) is error
    assert words in message
    assert name in message
    assert "\n" not in message


def test_too_large_file_says_how_to_raise_the_limit(tmp_path: Path) -> None:
    path = _write(tmp_path / "big.txt", b"x" * 3 * 1024 * 1024)
    with pytest.raises(
        FileTooLarge, match=r"big\.txt is 3\.0 MB, over the 1\.0 MB limit.*--max-file-mb"
    ):
        load_file(path, max_bytes=1024 * 1024)
    assert MAX_FILE_BYTES == 50 * 1024 * 1024


def test_supported_suffixes_are_listed() -> None:
    assert SUPPORTED_SUFFIXES == (".docx", ".htm", ".html", ".md", ".pdf", ".txt")


def test_pypdf_noise_is_silenced_only_during_the_call(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A wrong startxref pointer makes pypdf warn while it rebuilds the xref; we still read it."""
    pdf = _text_pdf(tmp_path / "broken.pdf").read_bytes()
    path = _write(tmp_path / "broken.pdf", re.sub(rb"startxref\s+\d+", b"startxref\n999", pdf))
    caplog.set_level(logging.WARNING)
    level_before = logging.getLogger("pypdf").level
    loaded = load_file(path)
    assert "knife crime" in loaded.text
    assert not [record for record in caplog.records if record.name.startswith("pypdf")]
    assert logging.getLogger("pypdf").level == level_before
