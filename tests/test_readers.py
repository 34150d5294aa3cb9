"""Readers beside writers: a server answers through an ingest and follows it; failures are one
sentence each.

The server here is the engine provider `pccqa serve` uses (AppState, its handlers and the
corpus follower), without Gradio on top: the web tests cover that layer.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

import index.build
from bench.crash import consistent_state
from index.build import ingest_and_index
from index.search import SearchIndex
from ingest.home import writer_lock
from qa.chain import QAEngine
from ui.cli import cli
from ui.follow import follow_corpus
from ui.handlers import AppState, ask, ingest_files, open_source
from ui.handlers_review import remember

from .conftest import CORPUS

KESTREL = "Which forces use the Kestrel triage protocol?"
DORSET = (
    "Dorset Police and Crime Commissioner response to the HMICFRS inspection of how well the "
    "police tackle serious youth violence.\n\nRecommendation 1\n\nDorset Police has introduced "
    "the Kestrel triage protocol for young people at risk of serious violence.\n"
)


def clean_copy(source: Path, target: Path) -> Path:
    """A copy of a home with its WAL folded in, as a home at rest looks."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*-wal", "*-shm", "*.lock"))
    for name in ("corpus.sqlite3", "embeddings.sqlite3"):
        if (source / f"{name}-wal").exists():
            with sqlite3.connect(source / name) as db:
                db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            shutil.copy(source / name, target / name)
    return target


def cli_run(home: Path, *args: str) -> tuple[int, str]:
    """A command as a person runs it: exit code and everything printed, never a traceback."""
    result = CliRunner().invoke(cli, list(args), env={"PCCQA_HOME": str(home)})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.fixture
def home(corpus_home: Path, tmp_path: Path) -> Path:
    return clean_copy(corpus_home, tmp_path / "home")


@pytest.fixture
def dorset(tmp_path: Path) -> Path:
    folder = tmp_path / "new"
    folder.mkdir()
    (folder / "dorset-response.txt").write_text(DORSET)
    return folder


def test_server_answers_through_an_ingest_then_follows_it_without_restart(
    home: Path, dorset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = AppState(QAEngine(SearchIndex.open(home)), home, export_dir=tmp_path / "exports")
    stop = threading.Event()
    follow_corpus(app, interval=0.2, stop=stop)
    written, release = threading.Event(), threading.Event()
    real_sync = index.build.sync_index

    def sync_then_hold(*args, **kwargs):
        """The riskiest moment: rows written, vectors saved, nothing committed yet."""
        result = real_sync(*args, **kwargs)
        written.set()
        release.wait(30)
        return result

    monkeypatch.setattr(index.build, "sync_index", sync_then_hold)
    writer = threading.Thread(target=ingest_and_index, args=([CORPUS, dorset], home))
    try:
        writer.start()
        assert written.wait(60)
        for _ in range(3):
            html, _, answer = ask(app, KESTREL)
            assert answer is not None and answer.abstained and "Searched 5 documents" in html
        code, output = cli_run(home, "ask", KESTREL)
        assert code == 0 and "Dorset" not in output
        assert "another ingest is running" in ingest_files(app, [dorset / "dorset-response.txt"])
        release.set()
        writer.join(60)
        started = time.monotonic()
        while app.engine.index.generation == 1 and time.monotonic() - started < 10:
            time.sleep(0.1)
        followed = time.monotonic() - started
        html, _, answer = ask(app, KESTREL)
        assert answer.forces == ("Dorset",) and "Searched 6 documents from 6 forces" in html
        assert followed < 5, f"took {followed:.1f} s to follow the corpus"
    finally:
        release.set()
        stop.set()
        app.engine.index.close()


def test_a_citation_whose_source_changed_says_so(home: Path, tmp_path: Path) -> None:
    app = AppState(QAEngine(SearchIndex.open(home)), home, export_dir=tmp_path / "exports")
    try:
        _, _, answer = ask(app, "which forces use tuServ for demographic capture?")
        moved = replace(answer.citations[0], doc_id="re-ingested")
        checked = app.engine._verify(replace(answer, citations=(moved, *answer.citations[1:])))
        assert "1 citation(s) removed: the source was re-ingested; ask again" in checked.warnings
        assert not any("quote not found" in w for w in checked.warnings)
        html, _ = open_source(app, moved)
        assert "re-ingested since this answer: ask again" in html
    finally:
        app.engine.index.close()


@contextmanager
def read_only(path: Path) -> Iterator[Path]:
    """The same folder, unwritable: a read-only bind mount as root, file modes otherwise."""
    if os.geteuid() != 0:
        for item in (path, *path.rglob("*")):
            item.chmod(item.stat().st_mode & ~0o222)
        try:
            yield path
        finally:
            for item in (path, *path.rglob("*")):
                item.chmod(item.stat().st_mode | 0o200)
        return
    mount = path.with_name(path.name + "-ro")
    mount.mkdir()
    binds = [
        ["mount", "--bind", str(path), str(mount)],
        ["mount", "-o", "remount,bind,ro", str(mount)],
    ]
    for command in binds:
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:
            subprocess.run(["umount", str(mount)], capture_output=True)
            pytest.skip(f"root here cannot make a read-only bind mount ({done.stderr.strip()})")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


@pytest.mark.parametrize("leftovers", [False, True], ids=["at rest", "with WAL files"])
def test_reading_works_on_a_read_only_home_and_writing_says_why_not(
    home: Path, dorset: Path, tmp_path: Path, leftovers: bool
) -> None:
    if leftovers:  # a home copied while a reader held it open
        reader = SearchIndex.open(home)
        shutil.copytree(home, tmp_path / "snapshot")
        reader.close()
        home = tmp_path / "snapshot"
        assert (home / "corpus.sqlite3-shm").exists()
    with read_only(home) as frozen:
        code, output = cli_run(frozen, "docs")
        assert code == 0 and "Cambridgeshire" in output
        code, output = cli_run(frozen, "search", "tuServ", "-k", "1")
        assert code == 0 and "Cambridgeshire" in output
        code, output = cli_run(frozen, "ask", "which forces use tuServ for demographic capture?")
        assert code == 0 and "1 of 5 forces searched: Cambridgeshire" in output
        code, output = cli_run(frozen, "ingest", str(dorset))
        assert code == 1
        assert f"Error: cannot write to PCCQA_HOME ({frozen}): read-only file system" in output
        app = AppState(QAEngine(SearchIndex.open(frozen)), frozen, export_dir=tmp_path / "out")
        try:
            _, _, answer = ask(app, "which forces use tuServ for demographic capture?")
            # Asking works; the answer just cannot be kept for review on a read-only home.
            assert answer is not None and remember(app, answer) is None
        finally:
            app.engine.index.close()


def test_a_full_disk_leaves_the_previous_corpus_and_says_what_to_free(
    home: Path, dorset: Path, tmp_path: Path
) -> None:
    if os.geteuid() != 0:
        pytest.skip("a small full disk needs root to mount a tmpfs; not root here")
    mount = tmp_path / "small"
    mount.mkdir()
    size_kb = sum(p.stat().st_size for p in home.iterdir()) // 1024 + 1024
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()})")
    try:
        full = clean_copy(home, mount / "home")
        before = consistent_state(full)
        free = shutil.disk_usage(mount).free
        (mount / "filler").write_bytes(b"\0" * max(free - 16 * 1024, 0))
        code, output = cli_run(full, "ingest", str(CORPUS), str(dorset))
        assert code == 1
        assert (
            f"Error: no space left in PCCQA_HOME ({full}): the previous corpus is unchanged; free "
            in output
        )
        assert output.rstrip().endswith("MB and run again")
        assert consistent_state(full) == before
        code, output = cli_run(full, "search", "tuServ", "-k", "1")
        assert code == 0 and "Cambridgeshire" in output
        (mount / "filler").unlink()
        code, output = cli_run(full, "ingest", str(CORPUS), str(dorset))
        assert code == 0 and "1 added" in output
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_permission_denied_is_a_sentence(home: Path) -> None:
    """A home this user may not write: as root, the subprocess runs without the capability to
    override file modes (setpriv), so the modes bind it as they bind any user."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("root ignores file modes, and setpriv (util-linux) is not here to stop it")
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]
        if subprocess.run([*prefix, "true"], capture_output=True).returncode:
            pytest.skip("root ignores file modes, and cannot give up that capability here")
    home.chmod(0o555)
    try:
        env = {**os.environ, "PCCQA_HOME": str(home)}
        pccqa = str(Path(sys.executable).with_name("pccqa"))

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            command = [*prefix, pccqa, *args]
            return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

        ingest = run("ingest", str(home / "missing"))
        assert ingest.returncode == 1 and "Traceback" not in ingest.stderr
        assert f"cannot write to PCCQA_HOME ({home}): permission denied" in ingest.stderr
        docs = run("docs")
        assert docs.returncode == 0 and "Cambridgeshire" in docs.stdout, docs.stderr
    finally:
        home.chmod(0o755)


def test_a_damaged_database_is_a_sentence(home: Path) -> None:
    (home / "corpus.sqlite3").write_bytes(b"this is not a database" * 100)
    for command in (("docs",), ("search", "tuServ"), ("ingest", str(CORPUS))):
        code, output = cli_run(home, *command)
        assert code == 1
        assert f"Error: the corpus database in PCCQA_HOME ({home}) is damaged" in output
        assert "move it aside and run `pccqa ingest`" in output


def test_an_index_from_another_version_is_a_sentence(home: Path) -> None:
    with sqlite3.connect(home / "corpus.sqlite3") as db:
        (recorded,) = db.execute("SELECT value FROM meta WHERE key = 'index'").fetchone()
        foreign = {**json.loads(recorded), "quantiser": "pq8"}
        db.execute("UPDATE meta SET value = ? WHERE key = 'index'", (json.dumps(foreign),))
    code, output = cli_run(home, "search", "tuServ")
    assert code == 1 and "was written by another version of pcc-qa" in output
    assert "run `pccqa ingest --rebuild`" in output
    code, output = cli_run(home, "ingest", "--rebuild", str(CORPUS))
    assert code == 0 and consistent_state(home).in_step

    import faiss

    generation = consistent_state(home).generation
    faiss.write_index(faiss.IndexHNSWFlat(384, 8), str(home / f"vectors-{generation}.faiss"))
    code, output = cli_run(home, "ask", "which forces use tuServ?")
    assert code == 1 and "holds a IndexHNSWFlat, not an index pcc-qa writes" in output


def test_a_missing_home_or_one_that_is_a_file_is_a_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no corpus/ here to build an index from
    missing = tmp_path / "nowhere"
    for command in (("docs",), ("search", "tuServ")):
        code, output = cli_run(missing, *command)
        assert code == 1 and "run `pccqa ingest` first" in output
    assert not missing.exists(), "reading never creates the home"
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    code, output = cli_run(afile, "ingest", str(CORPUS))
    assert code == 1 and f"Error: PCCQA_HOME ({afile}) is not a folder: point it at one" in output


def test_a_port_in_use_is_a_sentence(home: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, output = cli_run(home, "serve", "--port", str(port))
    assert code == 1
    assert f"Error: port {port} on 127.0.0.1 is in use (another pccqa serve?)" in output


def test_a_second_writer_on_the_same_home_from_the_web_is_refused_not_queued(
    home: Path, dorset: Path, tmp_path: Path
) -> None:
    app = AppState(QAEngine(SearchIndex.open(home)), home, export_dir=tmp_path / "exports")
    try:
        with writer_lock(home):
            html = ingest_files(app, [dorset / "dorset-response.txt"])
        assert f"another ingest is running on {home} (pid {os.getpid()})" in html
        assert "Dorset" in ingest_files(app, [dorset / "dorset-response.txt"])
    finally:
        app.engine.index.close()
