"""Crash consistency: an ingest killed at each named stage leaves one whole generation behind.

Each kill runs the real `pccqa ingest` in a subprocess with PCCQA_FAULT_AT=<stage>, which exits
with status 137 at that point, as `kill -9` would. The embedding cache is warmed first, so the
subprocess never loads the model (the kill points and the writes they interrupt are the same;
bench/crash.py does this on 300 documents with the model embedding for real).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.crash import State, consistent_state, pccqa
from index.build import ingest_and_index
from index.errors import CorruptIndexError
from index.manifest import VECTORS_FILE, read_manifest, vectors_file
from index.search import SearchIndex
from ingest.errors import IngestBusy
from ingest.faults import KILLED, STAGES
from ingest.home import writer_lock
from ui.cli import cli

from .conftest import CORPUS

ADDED = (
    "Kent Police and Crime Commissioner response to the HMICFRS inspection of serious youth "
    "violence.\n\nKent Police has introduced the Kestrel triage protocol for young people at "
    "risk of serious violence.\n"
)


QUESTION = "which forces use tuServ for demographic capture?"


def old_corpus(folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(CORPUS, folder)
    return folder


def new_corpus(folder: Path) -> Path:
    """The old corpus with one file removed, one edited and one added."""
    old_corpus(folder)
    next(folder.glob("cleveland*")).unlink()
    norfolk = next(folder.glob("norfolk*"))
    norfolk.write_text(norfolk.read_text() + "\n\nAddendum: Norfolk now trains every officer.\n")
    (folder / "kent-response.txt").write_text(ADDED)
    return folder


@pytest.fixture(scope="module")
def homes(tmp_path_factory: pytest.TempPathFactory, corpus_home: Path) -> dict[str, object]:
    """A home at the old corpus whose embedding cache already holds what every run will need."""
    root = tmp_path_factory.mktemp("crash")
    folder, home = root / "corpus", root / "base"
    shutil.copytree(corpus_home, home)
    ingest_and_index([new_corpus(folder)], home)
    new = consistent_state(home).documents
    ingest_and_index([old_corpus(folder)], home)
    assert run_cli(home, "ask", QUESTION)[0] == 0  # its sentence vectors, for every copy
    return {"root": root, "folder": folder, "base": home, "old": consistent_state(home), "new": new}


def run_cli(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env={"PCCQA_HOME": str(home)})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.mark.parametrize("stage", STAGES)
def test_a_kill_at_any_stage_leaves_one_whole_generation(
    homes: dict[str, object], stage: str, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    shutil.copytree(homes["base"], home)
    folder = new_corpus(homes["folder"])
    killed = pccqa(home, "ingest", str(folder), fault=stage)
    assert killed.returncode == KILLED, killed.stderr

    state = consistent_state(home)
    old: State = homes["old"]
    assert state.in_step, f"rows and vectors disagree after a kill at {stage}"
    expected = "new" if stage == "manifest" else "old"
    assert state.documents == (homes["new"] if expected == "new" else old.documents)
    assert state.generation == old.generation + (expected == "new")

    code, output = run_cli(home, "search", "Kestrel triage protocol", "-k", "3")
    assert code == 0 and ("kent-response.txt" in output) == (expected == "new")
    code, output = run_cli(home, "ask", QUESTION)
    assert code == 0 and "Cambridgeshire" in output

    report, sync = ingest_and_index([folder], home)
    final = consistent_state(home)
    assert final.in_step and final.documents == homes["new"]
    assert sync.generation == old.generation + 1, "the killed run published at most once"
    assert read_manifest(home).generation == final.generation, "manifest.json caught up"
    files = sorted(p.name for p in home.glob("*vectors*"))
    assert files == [vectors_file(home, g).name for g in (final.generation - 1, final.generation)]
    assert report.count("added") == (0 if expected == "new" else 1)


def test_readers_keep_their_generation_while_an_ingest_commits(
    homes: dict[str, object], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    shutil.copytree(homes["base"], home)
    reader = SearchIndex.open(home)
    try:
        before = (reader.generation, reader.store.chunk_count(), len(reader.vectors))
        ingest_and_index([new_corpus(homes["folder"])], home)
        assert reader.is_stale()
        assert (reader.generation, reader.store.chunk_count(), len(reader.vectors)) == before
        assert not {h.chunk.force for h in reader.search("Kestrel triage protocol", k=5)} & {"Kent"}
        assert reader.refresh() and reader.generation == before[0] + 1
        assert reader.search("Kestrel triage protocol", k=1)[0].chunk.force == "Kent"
        assert len(reader.vectors) == reader.store.chunk_count()
    finally:
        reader.close()


def test_an_older_home_out_of_step_says_what_to_run(homes: dict[str, object], tmp_path: Path):
    """A home an older pcc-qa left half-written (vectors.faiss behind its database)."""
    home = tmp_path / "home"
    shutil.copytree(homes["base"], home)
    behind = SearchIndex.open(home)
    behind.vectors.remove(behind.vectors.ids()[:10])
    behind.vectors.save(home / VECTORS_FILE)
    behind.close()
    vectors_file(home, read_manifest(home).generation).unlink()
    with sqlite3.connect(home / "corpus.sqlite3") as db:
        db.execute("DELETE FROM meta WHERE key IN ('generation', 'index', 'published_at')")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    manifest = json.loads((home / "manifest.json").read_text())
    del manifest["generation"]
    (home / "manifest.json").write_text(json.dumps(manifest))

    with pytest.raises(CorruptIndexError, match=r"out of step .* run `pccqa ingest`"):
        SearchIndex.open(home)
    code, output = run_cli(home, "ask", "which forces use tuServ?")
    assert code == 1 and "Traceback" not in output and "pccqa ingest" in output
    ingest_and_index([old_corpus(homes["folder"])], home)
    assert consistent_state(home).in_step


def test_a_second_ingest_waits_or_refuses_and_counts_truly(
    homes: dict[str, object], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    shutil.copytree(homes["base"], home)
    folder = new_corpus(homes["folder"])
    waited: list[int | None] = []
    reports = []
    with writer_lock(home):
        with pytest.raises(IngestBusy, match=r"another ingest is running .*\(pid \d+\)"):
            ingest_and_index([folder], home, wait=False)
        code, output = run_cli(home, "ingest", str(folder), "--no-wait")
        assert code == 1 and "another ingest is running" in output

        def second() -> None:
            reports.append(ingest_and_index([folder], home, on_wait=waited.append)[0])

        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive() and waited, "the second ingest waits, and says so"
    thread.join(timeout=60)
    first, _ = ingest_and_index([folder], home)
    assert reports[0].count("added") == 1 and first.count("added") == 0
    assert first.count("unchanged") == 5
