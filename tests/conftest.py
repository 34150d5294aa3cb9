"""Shared fixtures: the real model loaded once, and the bundled corpus indexed once per session."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
ARTIFACTS = REPO / "artifacts"


@pytest.fixture(scope="session")
def embedder():
    """The real bundled all-MiniLM-L6-v2, loaded once for the whole session."""
    from index.embedder import Embedder

    model = Embedder()
    model.encode_query("warm up")
    return model


@pytest.fixture(scope="session")
def corpus_home(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    """An index of the five bundled responses, built once with the real model."""
    from index.build import ingest_and_index

    home = tmp_path_factory.mktemp("pccqa-home")
    ingest_and_index([CORPUS], home)
    return home


@pytest.fixture(scope="session")
def search_index(corpus_home: Path) -> Iterator:
    from index.search import SearchIndex

    index = SearchIndex.open(corpus_home)
    yield index
    index.close()


@pytest.fixture(scope="session")
def engine(search_index):
    from qa.chain import QAEngine

    return QAEngine(search_index)


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the corpus for tests that add, change or delete files."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def write_pdf(
    path: Path, pages: tuple[str, ...], font_size: int = 12, line_height: int = 8
) -> Path:
    """A small real PDF with a text layer, one page per string."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=font_size)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, line_height, text)
    pdf.output(str(path))
    return path
