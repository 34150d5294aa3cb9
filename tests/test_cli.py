"""The `pccqa` command through click's CliRunner: JSON parsed, exit codes checked."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ui.cli import cli

from .conftest import REPO


@pytest.fixture
def run(corpus_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Run pccqa against a copy of the session's index, from the repository root."""
    home = tmp_path / "home"
    shutil.copytree(corpus_home, home)
    monkeypatch.chdir(REPO)

    def invoke(*args: str, home_dir: Path = home):
        return CliRunner().invoke(cli, list(args), env={"PCCQA_HOME": str(home_dir)})

    return invoke


def test_version_and_help(run) -> None:
    assert run("--version").exit_code == 0
    result = run("-h")
    assert result.exit_code == 0
    for verb in ("ingest", "docs", "search", "ask", "compare", "eval", "serve", "bench"):
        assert verb in result.output


def test_ingest_json_reports_five_documents(run, tmp_path: Path) -> None:
    result = run("ingest", str(REPO / "corpus"), "--json", home_dir=tmp_path / "fresh")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["added"] == 5 and report["failed"] == 0
    forces = sorted(f["force"] for f in report["files"])
    assert forces == ["Cambridgeshire", "Cleveland", "Cumbria", "Norfolk", "West Mercia"]
    again = json.loads(
        run("ingest", str(REPO / "corpus"), "--json", home_dir=tmp_path / "fresh").output
    )
    assert again["unchanged"] == 5 and again["index"]["embedded"] == 0


def test_ingest_with_a_bad_file_exits_1_and_names_it(run, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "scan.pdf").write_bytes(b"not a pdf at all")
    (folder / "note.txt").write_text("Kent Police response: we accept the recommendation.")
    result = run("ingest", str(folder), "--json", home_dir=tmp_path / "h2")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["added"] == 1 and report["failed"] == 1
    failed = next(f for f in report["files"] if f["status"] == "failed")
    assert failed["path"].endswith("scan.pdf") and failed["reason"]


def test_docs_json_has_extracted_metadata(run) -> None:
    documents = json.loads(run("docs", "--json").output)
    west_mercia = next(d for d in documents if d["force"] == "West Mercia")
    assert west_mercia["response_date"] == "2023-04-26"
    assert west_mercia["days_to_respond"] == 49 and west_mercia["within_56_days"] is True
    assert west_mercia["signatory"] == "John Campion"


def test_search_json_ranks_cambridgeshire_first(run) -> None:
    result = run("search", "tuServ demographic data", "--json")
    assert result.exit_code == 0
    hits = json.loads(result.output)
    assert hits[0]["force"] == "Cambridgeshire" and "tuServ" in hits[0]["text"]


@pytest.mark.parametrize(
    ("question", "forces", "abstained"),
    [
        ("which forces use tuServ for demographic capture", ["Cambridgeshire"], False),
        ("which forces use Niche RMS", [], True),
        ("How does Norfolk use the Athena database?", ["Norfolk"], False),
    ],
)
def test_ask_json(run, question: str, forces: list[str], abstained: bool) -> None:
    result = run("ask", question, "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["forces"] == forces and answer["abstained"] is abstained


def test_ask_text_lists_sources(run) -> None:
    result = run("ask", "which forces use tuServ for demographic capture")
    assert "Sources:" in result.output and "[1] Cambridgeshire response" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("search", "x", "--force", "Atlantis"), "not a force of England and Wales"),
        (("search", "x", "--mode", "fuzzy"), "fuzzy"),
        (("ask", "x", "--from", "8th of May"), "YYYY-MM-DD"),
        (("search",), "Missing argument"),
    ],
)
def test_usage_errors_exit_2(run, args: tuple[str, ...], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_model_mismatch_is_one_sentence_and_exit_1(run, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["ingest", str(REPO / "corpus"), "--model", "some/other-model"],
        env={"PCCQA_HOME": str(tmp_path / "none")},
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot load embedding model 'some/other-model'")
