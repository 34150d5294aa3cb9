"""Ingestion end to end on real files: incremental runs, bad input, interrupted runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.normalise import normalise
from ingest.pipeline import ingest_paths
from ingest.store import CorpusStore

from .conftest import CORPUS


def make_docx(path: Path, paragraphs: list[str]) -> Path:
    import docx

    document = docx.Document()
    document.add_heading("Response to HMICFRS inspection", level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


def snapshot(store: CorpusStore) -> tuple:
    return (
        sorted(store.known_hashes().items()),
        store.chunk_count(),
        [(c.doc_id, c.ordinal, c.text) for c in store.chunks()],
    )


@pytest.fixture
def store(tmp_path: Path):
    with CorpusStore(tmp_path / "corpus.sqlite3") as opened:
        yield opened


def test_corpus_ingests_five_documents_with_their_forces(store: CorpusStore) -> None:
    report = ingest_paths([CORPUS], store)
    assert report.count("added") == 5 and not report.failed
    forces = sorted(d.metadata.force for d in store.documents())
    assert forces == ["Cambridgeshire", "Cleveland", "Cumbria", "Norfolk", "West Mercia"]
    assert {d.metadata.published.isoformat() for d in store.documents()} == {"2023-03-08"}


def test_every_chunk_maps_back_to_its_source_span(store: CorpusStore) -> None:
    ingest_paths([CORPUS], store)
    texts = {d.doc_id: d.text for d in store.documents()}
    for chunk in store.chunks():
        source = texts[chunk.doc_id][chunk.char_start : chunk.char_end]
        # The chunk is exactly the normalised form of its cited source span.
        assert normalise(source).text == chunk.text


def test_second_run_changes_nothing(store: CorpusStore) -> None:
    ingest_paths([CORPUS], store)
    before = snapshot(store)
    report = ingest_paths([CORPUS], store)
    assert report.count("unchanged") == 5
    assert not report.changed
    assert snapshot(store) == before


def test_add_change_and_delete(store: CorpusStore, corpus_copy: Path) -> None:
    ingest_paths([corpus_copy], store)
    norfolk = next(corpus_copy.glob("norfolk*"))
    norfolk.write_text(norfolk.read_text() + "\n\nAddendum: Norfolk now trains all officers.\n")
    (next(corpus_copy.glob("cleveland*"))).unlink()
    make_docx(
        corpus_copy / "kent-response.docx",
        ["Kent Police response to the HMICFRS inspection.", "Kent Police accepts both."],
    )
    report = ingest_paths([corpus_copy], store)
    status = {Path(f.path).name: f.status for f in report.files}
    assert status["kent-response.docx"] == "added"
    assert status[norfolk.name] == "updated"
    assert status["cleveland-pcc-response-form-serious-youth-violence-2023.txt"] == "removed"
    assert report.count("unchanged") == 3
    assert "Kent" in [d.metadata.force for d in store.documents()]
    assert "Cleveland" not in [d.metadata.force for d in store.documents()]
    assert any("Addendum" in c.text for c in store.chunks())


def test_corrupt_pdf_fails_and_good_docx_is_ingested(store: CorpusStore, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\nthis is not really a pdf\x00\xff" * 20)
    make_docx(folder / "good.docx", ["Kent Police response: we accept the recommendation."])
    (folder / "empty.txt").write_bytes(b"")
    (folder / "sheet.xlsx").write_bytes(b"PK\x03\x04")
    report = ingest_paths([folder, tmp_path / "missing.pdf"], store)
    reasons = {Path(f.path).name: f.reason for f in report.failed}
    assert [Path(f.path).name for f in report.files if f.status == "added"] == ["good.docx"]
    assert reasons.get("broken.pdf")
    assert "empty.txt" in reasons
    assert "unsupported" in reasons["sheet.xlsx"]
    assert "does not exist" in reasons["missing.pdf"]
    # A rerun reports the same failures from the record instead of re-reading the files.
    again = ingest_paths([folder], store)
    assert {Path(f.path).name: f.reason for f in again.failed}.items() >= {
        "broken.pdf": reasons["broken.pdf"]
    }.items()


def test_interrupted_run_leaves_database_as_before(store: CorpusStore, corpus_copy: Path) -> None:
    ingest_paths([corpus_copy], store)
    before = snapshot(store)
    (next(corpus_copy.glob("norfolk*"))).write_text("Norfolk Constabulary. A new text entirely.")
    shutil.copy(next(corpus_copy.glob("cumbria*")), corpus_copy / "cumbria-copy.txt")
    seen = []

    def interrupt(path: Path) -> None:
        seen.append(path)
        if len(seen) == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ingest_paths([corpus_copy], store, on_file=interrupt)
    assert snapshot(store) == before


def test_crash_while_writing_rolls_back(store: CorpusStore, corpus_copy: Path, monkeypatch) -> None:
    ingest_paths([corpus_copy], store)
    before = snapshot(store)
    make_docx(corpus_copy / "kent.docx", ["Kent Police response."])
    make_docx(corpus_copy / "essex.docx", ["Essex Police response."])
    calls = []
    original = CorpusStore.put_document

    def crash_on_second(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(CorpusStore, "put_document", crash_on_second)
    with pytest.raises(RuntimeError):
        ingest_paths([corpus_copy], store)
    assert snapshot(store) == before


def test_near_duplicate_is_flagged_and_counted_once(store: CorpusStore, corpus_copy: Path) -> None:
    original = next(corpus_copy.glob("west-mercia*"))
    text = original.read_text()
    (corpus_copy / "zz-west-mercia-web-page.txt").write_text(
        "Published on the OPCC website.\n\n" + text.replace("Dear Home Secretary", "Dear Minister")
    )
    report = ingest_paths([corpus_copy], store)
    copy = next(f for f in report.files if f.path.endswith("zz-west-mercia-web-page.txt"))
    assert copy.duplicate_of is not None
    assert store.forces().count("West Mercia") == 1
    assert len(store.filtered_chunk_ids(forces=["West Mercia"])) == len(
        store.chunks_of(next(d.doc_id for d in store.documents() if d.path == str(original)))
    )
