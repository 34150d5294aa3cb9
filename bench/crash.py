"""Kill an ingest at every named stage, then check what the next command sees; time hostile files.

    python bench/crash.py [--documents 300] [--skip-crash] [--skip-hostile] [--skip-overhead]

For each stage in ingest.faults.STAGES: a home holding an old corpus, the folder changed
(files removed, edited, added), `pccqa ingest` run with PCCQA_FAULT_AT=<stage> so it dies
there as if killed; then the invariant (database rows and vectors of one generation, either the
old corpus or the new one), `pccqa search` and `pccqa ask` (no traceback), and the ingest run
again to completion. Then a 6 GB zip-bomb DOCX and an HTML file nested 100,000 deep are
read as an ingest reads them, with the time to refusal and the reader's peak memory. Last,
what reading in the worker process costs on the bundled corpus.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ingest.faults import FAULT_ENV, KILLED, STAGES

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
FORCES = (
    "Avon and Somerset", "Bedfordshire", "Cheshire", "Derbyshire", "Devon and Cornwall", "Dorset",
    "Durham", "Essex", "Gloucestershire", "Gwent", "Hampshire", "Hertfordshire", "Kent",
    "Lancashire", "Leicestershire", "Lincolnshire", "Merseyside", "Northamptonshire", "Suffolk",
    "Surrey", "Sussex", "Thames Valley", "Warwickshire", "Wiltshire",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class State:
    """What a reader sees in a home: the generation, its documents, and whether vectors match."""

    generation: int
    documents: frozenset[tuple[str, str]]
    vectors: int
    chunks: int
    in_step: bool


def consistent_state(home: Path) -> State:
    """Open home as every reader does and compare its vectors with its chunk rows, id for id."""
    from index.search import SearchIndex

    index = SearchIndex.open(home)
    try:
        ids = set(index.vectors.ids().tolist())
        chunks = set(index.store.chunk_ids())
        documents = frozenset(index.store.known_hashes().items())
        in_step = ids == chunks and index.store.generation() == index.generation
        return State(index.generation, documents, len(ids), len(chunks), in_step)
    finally:
        index.close()


def pccqa(
    home: Path, *args: str, fault: str | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run the real `pccqa` command in a fresh process, as a person would."""
    env = {**os.environ, "PCCQA_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    env.pop(FAULT_ENV, None)
    if fault:
        env[FAULT_ENV] = fault
    command = [str(Path(sys.executable).with_name("pccqa")), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)


def write_corpus(folder: Path, documents: int, seed: int = 7) -> None:
    """Responses recombined from the bundled ones' paragraphs, one force named in each."""
    paragraphs = [
        block.strip()
        for path in sorted(CORPUS.glob("*.txt"))
        for block in path.read_text(encoding="utf-8").split("\n\n")
        if len(block.split()) > 12
    ]
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(documents):
        force = FORCES[number % len(FORCES)]
        body = "\n\n".join(rng.sample(paragraphs, min(12, len(paragraphs))))
        text = f"{force} Police and Crime Commissioner response, number {number}.\n\n{body}\n"
        (folder / f"{force.lower().replace(' ', '-')}-response-{number:04d}.txt").write_text(text)


def change_corpus(folder: Path, seed: int = 11) -> None:
    """Remove some files, edit some, add some: an ingest that touches every kind of change."""
    files = sorted(folder.glob("*.txt"))
    rng = random.Random(seed)
    share = max(1, len(files) // 20)
    for path in rng.sample(files, share):
        path.unlink()
    for path in rng.sample([p for p in files if p.exists()], share):
        path.write_text(path.read_text() + "\n\nAddendum: the force now reviews every case.\n")
    for number in range(share):
        (folder / f"added-response-{number:04d}.txt").write_text(
            f"Kent Police and Crime Commissioner response, addendum {number}.\n\n"
            "Kent Police has introduced a triage protocol for young people at risk of serious "
            f"violence, reviewed every {number + 2} weeks by the Public Protection Unit.\n"
        )


def crash_table(documents: int) -> list[dict[str, object]]:
    """One row per stage: how long until the kill, what the reader saw, and the recovery."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="pccqa-crash-") as scratch:
        root = Path(scratch)
        base_home, folder = root / "base-home", root / "corpus"
        write_corpus(folder, documents)
        started = time.perf_counter()
        pccqa(base_home, "ingest", str(folder), "--json")
        base = consistent_state(base_home)
        print(
            f"{len(base.documents)} documents, {base.chunks:,} chunks "
            f"(first ingest {time.perf_counter() - started:.0f} s); each run below removes, "
            "edits and adds 5% of the files\n"
        )
        old = base.documents
        pristine = root / "pristine"
        shutil.copytree(folder, pristine)
        for stage in STAGES:
            home = root / f"home-{stage}"
            shutil.copytree(base_home, home)
            shutil.rmtree(folder)
            shutil.copytree(pristine, folder)
            change_corpus(folder)
            started = time.perf_counter()
            killed = pccqa(home, "ingest", str(folder), fault=stage)
            seconds = time.perf_counter() - started
            state = consistent_state(home)
            search = pccqa(home, "search", "triage protocol", "-k", "3")
            ask = pccqa(home, "ask", "which forces use tuServ?")
            started = time.perf_counter()
            again = pccqa(home, "ingest", str(folder))
            recovery = time.perf_counter() - started
            final = consistent_state(home)
            rows.append(
                {
                    "stage": stage,
                    "killed": killed.returncode == KILLED,
                    "killed after s": round(seconds, 1),
                    "reader saw": "old" if state.documents == old else "new",
                    "in step": state.in_step,
                    "search/ask exit": f"{search.returncode}/{ask.returncode}",
                    "traceback": "Traceback" in search.stderr + ask.stderr,
                    "re-run exit": again.returncode,
                    "re-run s": round(recovery, 1),
                    "after re-run in step": final.in_step and final.documents != old,
                }
            )
    return rows


def zip_bomb(path: Path, gigabytes: float) -> Path:
    """A DOCX whose word/document.xml inflates to `gigabytes` of XML (about 1 MB a GB on disk)."""
    import docx

    template = path.with_suffix(".template.docx")
    document = docx.Document()
    document.add_paragraph("Kent Police response.")
    document.save(str(template))
    with (
        zipfile.ZipFile(template) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb,
    ):
        for item in source.infolist():
            if item.filename != "word/document.xml":
                bomb.writestr(item, source.read(item))
                continue
            xml = source.read(item)
            head, _, tail = xml.partition(b"<w:body>")
            with bomb.open(item.filename, "w", force_zip64=True) as member:
                member.write(head + b"<w:body>")
                block = b" " * (1 << 24)
                for _ in range(int(gigabytes * 2**30) >> 24):
                    member.write(block)
                member.write(tail)
    template.unlink()
    return path


def deep_html(path: Path, depth: int) -> Path:
    path.write_text("<html><body>" + "<div>" * depth + "deep" + "</div>" * depth + "</body></html>")
    return path


def hostile_table() -> list[dict[str, object]]:
    """Each hostile file read through the worker as an ingest does: reason, seconds, peak MB."""
    from ingest.sandbox import ParseSandbox

    rows = []
    with tempfile.TemporaryDirectory(prefix="pccqa-hostile-") as scratch:
        folder = Path(scratch)
        bomb = zip_bomb(folder / "bomb.docx", 6)
        files = [
            (bomb, f"DOCX inflating to 6 GB ({bomb.stat().st_size / 2**20:.1f} MB file)"),
            (deep_html(folder / "deep.html", 100_000), "HTML nested 100,000 deep"),
        ]
        for path, label in files:
            with ParseSandbox() as sandbox:
                started = time.perf_counter()
                try:
                    sandbox.parse(path, str(path), "x", 50 * 2**20)
                    reason = "read (not refused!)"
                except Exception as error:
                    reason = str(error)
                seconds = time.perf_counter() - started
                rows.append(
                    {
                        "file": label,
                        "refused in s": round(seconds, 2),
                        "reader peak MB": round(sandbox.peak_mb),
                        "reason": reason,
                    }
                )
    return rows


def overhead_table(repeats: int = 3) -> list[dict[str, object]]:
    """Reading the 5 bundled responses (as text, then as DOCX) with and without the worker."""
    from unittest import mock

    import docx

    import ingest.pipeline
    from ingest.pipeline import ingest_paths
    from ingest.store import CorpusStore

    rows = []
    with tempfile.TemporaryDirectory(prefix="pccqa-overhead-") as scratch:
        as_docx = Path(scratch) / "docx"
        as_docx.mkdir()
        for path in sorted(CORPUS.glob("*.txt")):
            document = docx.Document()
            for block in path.read_text(encoding="utf-8").split("\n\n"):
                document.add_paragraph(block.strip())
            document.save(str(as_docx / f"{path.stem}.docx"))
        for label, folder in (("5 responses as TXT", CORPUS), ("the same 5 as DOCX", as_docx)):
            timings = {}
            for mode in ("in-process", "worker"):
                suffixes = ingest.pipeline.SANDBOXED_SUFFIXES if mode == "worker" else frozenset()
                runs = []
                for attempt in range(repeats):
                    home = Path(scratch) / f"{label}-{mode}-{attempt}"
                    with (
                        mock.patch.object(ingest.pipeline, "SANDBOXED_SUFFIXES", suffixes),
                        CorpusStore(home / "corpus.sqlite3") as store,
                    ):
                        started = time.perf_counter()
                        ingest_paths([folder], store)
                        runs.append(time.perf_counter() - started)
                timings[mode] = sorted(runs)[len(runs) // 2]
            rows.append(
                {
                    "files": label,
                    "read in-process s": round(timings["in-process"], 2),
                    "read in the worker s": round(timings["worker"], 2),
                    "overhead s": round(timings["worker"] - timings["in-process"], 2),
                }
            )
    return rows


def print_table(rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in columns) + " |")
    print()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=300)
    parser.add_argument("--skip-crash", action="store_true")
    parser.add_argument("--skip-hostile", action="store_true")
    parser.add_argument("--skip-overhead", action="store_true")
    args = parser.parse_args(argv)
    if not args.skip_crash:
        print(f"Kill at every stage, {args.documents} documents:\n")
        print_table(crash_table(args.documents))
    if not args.skip_hostile:
        print("Hostile files:\n")
        print_table(hostile_table())
    if not args.skip_overhead:
        print("Parse worker overhead (parse and write, median of 3; embedding excluded):\n")
        print_table(overhead_table())


if __name__ == "__main__":
    main()
