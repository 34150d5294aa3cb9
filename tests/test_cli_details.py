"""Point 8 and 4 of the UI/CLI issue at the command line: `docs` columns, `ask` validation."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ui.cli import cli


@pytest.fixture
def run(corpus_home, monkeypatch: pytest.MonkeyPatch):
    """Read-only commands straight on the session's index."""

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args), env={"PCCQA_HOME": str(corpus_home)})

    return invoke


def test_docs_lists_inspection_and_signatory_as_the_readme_says(run) -> None:
    result = run("docs")
    assert result.exit_code == 0, result.output
    header, *rows = result.output.splitlines()
    assert header.split()[:3] == ["force", "inspection", "published"] and "signatory" in header
    cambridgeshire = next(row for row in rows if row.startswith("Cambridgeshire"))
    assert "Darryl Preston" in cambridgeshire
    inspections = {
        row[header.index("inspection") : header.index("published")].strip() for row in rows
    }
    # Cleveland words it "How Well the Police Tackle ...": listed under the one name
    assert inspections == {"An inspection of how well the police tackle…"}


@pytest.mark.parametrize(
    ("question", "message"),
    [("", "Type a question first."), ("  ", "Type a question first."),
     ("why" * 400, "That question is 1,200 characters long")],
)  # fmt: skip
def test_ask_refuses_what_the_web_ui_refuses(run, question: str, message: str) -> None:
    result = run("ask", question)
    assert result.exit_code == 2 and message in result.output
