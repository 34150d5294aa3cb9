"""Cross-force comparison and section 55 compliance, checked cell by cell against the five seeds.

The expected matrix below was worked out by reading each response, not by running the code.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from ingest.recommendations import extract_recommendations
from ingest.types import Document, DocumentMetadata
from qa.align import align, deadline, group_by_inspection, lexical_similarity
from qa.compare import ComparisonMatrix, compare_responses, similar_passages
from qa.compliance import compliance_report, timeliness
from qa.status import ResponseReader
from ui.cli_compare import compare, compliance, similar

INSPECTION = "An inspection of how well the police tackle serious youth violence"
FORCES = ("Cambridgeshire", "Cleveland", "Cumbria", "Norfolk", "West Mercia")
ANOTHER = "addressed to another body"
NO_MENTION = "does not mention it"  # the note when a response is silent on a Home Office one
NO_COMMENT = "quotes it without comment"  # ... and when it only quotes it

# (status, a phrase of the excerpt) for every force x recommendation.
#
# Judgement calls, as an inspector would make them:
# - R1/R2 are the Home Office's, so every force's cell is 'addressed to another body'. The
#   evidence is the response saying so (Cambridgeshire, Norfolk), else a note that it only
#   quotes the recommendation (Cleveland: HMICFRS's words are never a force's response), else a
#   note that the response is silent (Cumbria, West Mercia).
# - Cambridgeshire R3/R4: no acceptance is stated. R3's response describes governance that
#   "will ensure" messaging and training; R4's says work "will be monitored", messaging "has
#   already commenced", analysis "has started": work under way, so 'in progress', not in place.
#   The PCC's "I welcome the Chief Constable's response to the four recommendations" welcomes
#   the response, not the recommendations.
# - Cleveland R3/R4: "The Force has received and accepted the report and recommendations:"
#   introduces both; the action-plan paragraph after it is how, so 'accepted'.
# - Cumbria numbers R3/R4 as 1/2 (#25968/#26011); "Regarding recommendation 1" describes "an
#   established and embedded process", "recommendation 2" says "Already in existence are ...
#   governance processes": both 'already in place'.
# - Norfolk: "Norfolk Constabulary accepts both recommendations" outranks the "will continue"
#   wording in each recommendation's own section: 'accepted'.
# - West Mercia R3: "welcome the use and principle of outcome 22" welcomes outcome 22, not the
#   recommendation; "A policy ... is being developed": 'in progress'. R4: "accept this
#   recommendation": 'accepted'.
EXPECTED = {
    "Cambridgeshire": {
        "R1": (ANOTHER, "This recommendation is addressed to the Home Office"),
        "R2": (ANOTHER, "This recommendation is addressed to the Home Office"),
        "R3": ("in progress", "This will ensure direct messaging and guidance"),
        "R4": ("in progress", "This will be monitored both through the Head of Crime"),
    },
    "Cleveland": {
        "R1": (ANOTHER, NO_COMMENT),
        "R2": (ANOTHER, NO_COMMENT),
        "R3": ("accepted", "has received and accepted the report and recommendations"),
        "R4": ("accepted", "has received and accepted the report and recommendations"),
    },
    "Cumbria": {
        "R1": (ANOTHER, NO_MENTION),
        "R2": (ANOTHER, NO_MENTION),
        "R3": ("already in place", "have an established and embedded process"),
        "R4": ("already in place", "Already in existence are strategic governance processes"),
    },
    "Norfolk": {
        "R1": (ANOTHER, "are for the Home Office to progress"),
        "R2": (ANOTHER, "are for the Home Office to progress"),
        "R3": ("accepted", "Norfolk Constabulary accepts both recommendations"),
        "R4": ("accepted", "Norfolk Constabulary accepts both recommendations"),
    },
    "West Mercia": {
        "R1": (ANOTHER, NO_MENTION),
        "R2": (ANOTHER, NO_MENTION),
        "R3": ("in progress", "A policy on the use of outcome 22 is being developed"),
        "R4": ("accepted", "West Mercia Police accept this recommendation"),
    },
}
# (key, number, HMICFRS id, addressee, a phrase of the text)
EXPECTED_RECOMMENDATIONS = [
    ("R1", 1, None, "Home Office", "define processes for violence reduction units"),
    ("R2", 2, None, "Home Office", "joint evaluation and learning"),
    ("R3", 3, "#25968", "forces", "trained in the use of Home Office crime outcome 22"),
    ("R4", 4, "#26011", "forces", "understand the levels of racial disproportionality"),
]
# (force, published, response date, days, within 56 days, flag): Cleveland's form and Norfolk's
# template carry no date of their own.
EXPECTED_COMPLIANCE = [
    ("Cambridgeshire", date(2023, 3, 8), date(2023, 5, 2), 55, True, "within 56 days"),
    ("Cleveland", date(2023, 3, 8), None, None, None, "unknown: no response date"),
    ("Cumbria", date(2023, 3, 8), date(2023, 5, 3), 56, True, "within 56 days"),
    ("Norfolk", date(2023, 3, 8), None, None, None, "unknown: no response date"),
    ("West Mercia", date(2023, 3, 8), date(2023, 4, 26), 49, True, "within 56 days"),
]


@pytest.fixture(scope="module")
def matrix(engine) -> ComparisonMatrix:
    matrices = compare_responses(engine)
    assert len(matrices) == 1, [m.inspection for m in matrices]
    return matrices[0]


def test_one_inspection_whatever_the_title_case(matrix: ComparisonMatrix) -> None:
    # Cleveland's form says "How Well the Police Tackle Serious Youth Violence".
    assert matrix.inspection == INSPECTION
    assert matrix.forces == FORCES


def test_canonical_recommendations(matrix: ComparisonMatrix) -> None:
    got = [(r.key, r.number, r.ref_id, r.addressee) for r in matrix.recommendations]
    assert got == [row[:4] for row in EXPECTED_RECOMMENDATIONS]
    for rec, (*_, phrase) in zip(matrix.recommendations, EXPECTED_RECOMMENDATIONS, strict=True):
        assert phrase in rec.text
    # Cambridgeshire's fifth, "By March 2022 ... protected characteristics", is an earlier report's.
    assert not any("protected characteristics" in r.text for r in matrix.recommendations)
    assert [r.to_forces for r in matrix.recommendations] == [False, False, True, True]


@pytest.mark.parametrize("force", FORCES)
def test_matrix_row(matrix: ComparisonMatrix, force: str) -> None:
    for key, (status, phrase) in EXPECTED[force].items():
        cell = matrix.cell(force, key)
        assert (cell.status, phrase in cell.excerpt) == (status, True), (key, cell.excerpt)


def test_every_citation_is_verbatim_in_its_source(engine, matrix: ComparisonMatrix) -> None:
    texts = {d.doc_id: d.text for d in engine.documents}
    cited = [c for c in matrix.cells if c.citation]
    assert len(cited) == 14  # every cell but the Home Office ones a response is silent on
    for cell in cited:
        c = cell.citation
        assert c.force == cell.force and cell.excerpt == c.quote
        assert c.quote in texts[c.doc_id][c.char_start : c.char_end]
        assert c.passage == texts[c.doc_id][c.char_start : c.char_end]
    assert len({c.citation.number for c in cited}) == len(cited)


def test_no_cell_quotes_a_recommendation_as_the_response(matrix: ComparisonMatrix) -> None:
    """HMICFRS's wording is never a force's evidence; a status said of all recommendations
    together is marked as such, with what the response says of each one alone beside it."""
    wordings = [r.text for r in matrix.recommendations]
    for cell in matrix.cells:
        for c in filter(None, (cell.citation, cell.detail)):
            assert all(lexical_similarity(c.quote, w) < 0.9 for w in wordings), c.quote
    norfolk = [matrix.cell("Norfolk", key) for key in ("R3", "R4")]
    assert all(c.collective and c.detail for c in norfolk)
    assert norfolk[0].detail.quote != norfolk[1].detail.quote, "each its own sentence"
    assert "outcome code" in norfolk[0].detail.quote
    assert not matrix.cell("West Mercia", "R4").collective


def test_inspection_filter(engine) -> None:
    assert [m.inspection for m in compare_responses(engine, "SERIOUS youth")] == [INSPECTION]
    assert [m.inspection for m in compare_responses(engine, "How well the police tackle")] == [
        INSPECTION
    ]
    assert compare_responses(engine, "PEEL 2023") == []


def test_exports(matrix: ComparisonMatrix) -> None:
    data = json.loads(json.dumps(matrix.to_dict()))
    assert len(data["cells"]) == 20 and data["forces"] == list(FORCES)
    rows = list(csv.DictReader(io.StringIO(matrix.to_csv())))
    assert len(rows) == 20
    cumbria_r3 = next(r for r in rows if r["force"] == "Cumbria" and r["recommendation"] == "R3")
    assert cumbria_r3["status"] == "already in place" and cumbria_r3["ref_id"] == "#25968"


def test_compliance_table(engine) -> None:
    rows = compliance_report(engine)
    got = [(r.force, r.published, r.response_date, r.days, r.within_56_days, r.flag) for r in rows]
    assert got == EXPECTED_COMPLIANCE
    for row in rows:
        assert row.inspection == INSPECTION
        assert (row.recommendations_to_forces, row.answered, row.unanswered) == (2, 2, ())


def test_similar_passages_come_from_other_forces(search_index) -> None:
    text = "A policy on the use of outcome 22 is being developed in force"
    hits = similar_passages(search_index, text, exclude_force="West Mercia", k=4)
    forces = [h.chunk.force for h in hits]
    assert "West Mercia" not in forces
    assert len(set(forces)) == len(forces) == 4  # one best passage per force first
    assert any("outcome 22" in h.chunk.text.lower() for h in hits[:2])


# CLI ----------------------------------------------------------------------------------------


def _run(corpus_home: Path, command, args: list[str]):
    result = CliRunner().invoke(command, args, env={"PCCQA_HOME": str(corpus_home)})
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_compare_json(corpus_home: Path) -> None:
    data = json.loads(_run(corpus_home, compare, ["--json"]))
    cells = {(c["force"], c["recommendation"]): c for c in data[0]["cells"]}
    for force, row in EXPECTED.items():
        for key, (status, _) in row.items():
            assert cells[(force, key)]["status"] == status


def test_cli_compare_markdown(corpus_home: Path) -> None:
    out = _run(corpus_home, compare, ["--markdown", "--inspection", "serious youth violence"])
    assert out.startswith(f"## {INSPECTION}")
    header = "| Recommendation | Cambridgeshire | Cleveland | Cumbria | Norfolk | West Mercia |"
    assert header in out, "recommendations down, forces across, as the web UI shows it"
    r3 = next(line for line in out.splitlines() if line.startswith("| **R3**"))
    assert r3.split(" | ")[3].startswith("**already in place**"), "Cumbria's column"
    assert "established and embedded" in r3
    assert "Sources:" in out and "[14] West Mercia response" in out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "already in place"),
        (["--csv"], "force,recommendation"),
    ],
)
def test_cli_compare_formats(corpus_home: Path, args: list[str], expected: str) -> None:
    assert expected in _run(corpus_home, compare, args)


def test_cli_compare_usage_errors(corpus_home: Path) -> None:
    env = {"PCCQA_HOME": str(corpus_home)}
    both = CliRunner().invoke(compare, ["--json", "--csv"], env=env)
    assert both.exit_code == 2 and "choose one of" in both.output
    unknown = CliRunner().invoke(compare, ["--inspection", "PEEL"], env=env)
    assert unknown.exit_code == 2 and "serious youth violence" in unknown.output


def test_cli_compliance(corpus_home: Path) -> None:
    data = json.loads(_run(corpus_home, compliance, ["--json"]))
    assert [(r["force"], r["days"], r["flag"]) for r in data] == [
        (f, days, flag) for f, _, _, days, _, flag in EXPECTED_COMPLIANCE
    ]
    assert "2/2" in _run(corpus_home, compliance, [])
    rows = list(csv.DictReader(io.StringIO(_run(corpus_home, compliance, ["--csv"]))))
    assert rows[2]["force"] == "Cumbria" and rows[2]["days"] == "56"


def test_cli_similar(corpus_home: Path) -> None:
    text = "officers trained in outcome 22"
    data = json.loads(_run(corpus_home, similar, [text, "--force", "norfolk", "-k", "3", "--json"]))
    assert len(data) == 3 and all(h["force"] != "Norfolk" for h in data)
    assert all(h["passage"] for h in data)
    assert "similarity" in _run(corpus_home, similar, [text])


# Rules on small made-up responses (no model) -------------------------------------------------


def _document(
    text: str,
    force: str = "Norfolk",
    title: str = INSPECTION,
    published: date | None = date(2023, 3, 8),
) -> Document:
    meta = DocumentMetadata(
        force=force,
        inspection=title,
        published=published,
        recommendations=extract_recommendations(text),
    )
    return Document(force.lower(), f"{force.lower()}.txt", "txt", force, text, metadata=meta)


def _no_meaning(texts) -> np.ndarray:
    """Zero vectors: alignment falls back on wording alone."""
    return np.zeros((len(texts), 4), dtype=np.float32)


def _never_similar(text, sentences) -> np.ndarray:
    return np.zeros(len(sentences))


def _statuses(*documents: Document) -> dict[tuple[str, str], str]:
    (group,) = group_by_inspection(documents)
    alignment = align(group, _no_meaning)
    found = {}
    for document in group.documents:
        reader = ResponseReader(
            document,
            alignment.quoted.get(document.doc_id, {}),
            alignment.recommendations,
            _never_similar,
        )
        for rec in alignment.recommendations:
            found[(document.metadata.force, rec.key)] = reader.assess(rec).status
    return found


RESPONSE = """Recommendation 1

By 31 March 2024, chief constables should review their custody records.

{one}

Recommendation 2

By 31 March 2024, chief constables should publish their stop and search data.

{two}
"""


@pytest.mark.parametrize(
    ("one", "two", "expected"),
    [
        # Accepting both outranks "will" wording about one; "already in place" outranks both.
        (
            "We accept both recommendations. Reviews will start in May.",
            "Publication is already in place.",
            ("accepted", "already in place"),
        ),
        (
            "Work has already commenced and will finish in June.",
            "Our action plan covers this.",
            ("in progress", "in progress"),
        ),
        ("The review was discussed at a board.", "", ("no clear status", "no clear status")),
    ],
)
def test_status_rules(one: str, two: str, expected: tuple[str, str]) -> None:
    found = _statuses(_document(RESPONSE.format(one=one, two=two)))
    assert (found[("Norfolk", "R1")], found[("Norfolk", "R2")]) == expected


def test_numbering_follows_the_report_and_silence_is_not_mentioned() -> None:
    # Cumbria-style renumbering (1 for the report's 2) loses the vote to the report's own.
    full = _document(RESPONSE.format(one="We accept this recommendation.", two="It will be done."))
    partial = _document(
        "1. By 31 March 2024, chief constables should publish their stop and search data.\n\n"
        "Regarding recommendation 1 - this is already in place.\n",
        force="Suffolk",
    )
    silent = _document("We thank HMICFRS for the report.", force="Essex")
    found = _statuses(full, partial, silent)
    assert found[("Suffolk", "R2")] == "already in place"
    assert found[("Suffolk", "R1")] == "not mentioned"
    assert found[("Essex", "R2")] == "not mentioned"


def test_inspections_group_by_title_and_date() -> None:
    same = _document("", force="Kent", title="HOW WELL THE POLICE TACKLE SERIOUS YOUTH VIOLENCE")
    later = _document("", force="Essex", published=date(2024, 3, 8))
    peel = [
        _document("", force=f, title=f"PEEL 2023–25: An inspection of {f} Police")
        for f in ("Kent", "Essex")
    ]
    groups = group_by_inspection([_document(""), same, later, *peel])
    assert sorted(len(g.documents) for g in groups) == [1, 1, 1, 2]


def test_deadline_and_timeliness() -> None:
    (rec,) = extract_recommendations("By March 2022, all police forces should record ethnicity.")
    assert deadline(rec) == date(2022, 3, 31)
    assert timeliness(date(2023, 3, 8), date(2023, 5, 7))[1:] == (False, "late: 60 days")
    assert timeliness(date(2023, 3, 8), date(2023, 5, 3)) == (56, True, "within 56 days")
    assert timeliness(None, date(2023, 5, 3))[2] == "unknown: no publication date"
    assert timeliness(date(2023, 3, 8), date(2023, 1, 3))[2].startswith("unknown")
