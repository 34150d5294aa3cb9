"""The force registry: every force findable by its names, mentions precise, ownership decided."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest

from ingest.forces import _key, all_forces, detect_force, find_force, forces_mentioned

from .conftest import CORPUS

PFCC_FORCES = {"Cumbria", "Essex", "Northamptonshire", "Staffordshire"}
MAYOR_FORCES = {
    "Greater Manchester",
    "Metropolitan",
    "North Yorkshire",
    "South Yorkshire",
    "West Yorkshire",
}
WELSH_FORCES = {"Dyfed-Powys", "Gwent", "North Wales", "South Wales"}
SEED_OWNERS = {
    "cambridgeshire-pcc-letter-serious-youth-violence-2023.txt": "Cambridgeshire",
    "cleveland-pcc-response-form-serious-youth-violence-2023.txt": "Cleveland",
    "cumbria-pcc-response-serious-youth-violence-2023.txt": "Cumbria",
    "norfolk-pcc-response-serious-youth-violence-2023.txt": "Norfolk",
    "west-mercia-pcc-letter-serious-youth-violence-2023.txt": "West Mercia",
}
FORCES = all_forces()


def test_registry_holds_each_of_the_43_forces_once() -> None:
    assert len(FORCES) == 43
    assert len({f.force for f in FORCES}) == 43
    assert len({f.force_name for f in FORCES}) == 43
    assert {f.force for f in FORCES if f.welsh} == WELSH_FORCES


def test_policing_bodies_are_of_the_right_kind() -> None:
    kinds = {f.force: f.body_kind for f in FORCES}
    assert {name for name, kind in kinds.items() if kind == "PFCC"} == PFCC_FORCES
    assert {name for name, kind in kinds.items() if kind == "Mayor"} == MAYOR_FORCES
    assert kinds["City of London"] == "Police Authority"
    assert find_force("Metropolitan").policing_body == "Mayor's Office for Policing and Crime"
    assert all(
        kind == "PCC"
        for name, kind in kinds.items()
        if name not in PFCC_FORCES | MAYOR_FORCES | {"City of London"}
    )


def test_policing_body_follows_the_date_of_the_document() -> None:
    north_yorkshire = find_force("North Yorkshire")
    assert north_yorkshire.policing_body_on(date(2018, 1, 1)).startswith("Police and Crime")
    assert north_yorkshire.policing_body_on(date(2023, 3, 8)) == (
        "Police, Fire and Crime Commissioner for North Yorkshire"
    )
    assert north_yorkshire.policing_body_on(date(2024, 6, 1)) == "Mayor of York and North Yorkshire"
    assert north_yorkshire.policing_body_on(None) == "Mayor of York and North Yorkshire"


def test_no_name_belongs_to_two_forces() -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for force in FORCES:
        for name in (
            force.force,
            force.force_name,
            force.area,
            force.policing_body,
            *force.aliases,
        ):
            owners[_key(name)].add(force.force)
    assert {name: forces for name, forces in owners.items() if len(forces) > 1} == {}


def test_aliases_are_lower_case() -> None:
    assert all(alias == alias.lower() for force in FORCES for alias in force.aliases)


@pytest.mark.parametrize("force", FORCES, ids=lambda f: f.force)
def test_every_force_is_found_by_short_and_official_name(force) -> None:
    assert find_force(force.force) == force
    assert find_force(force.force_name) == force
    assert find_force(force.force_name.upper()) == force
    assert find_force(force.policing_body) == force
    assert forces_mentioned(f"A report about {force.force_name} was published.") == [force]


@pytest.mark.parametrize(
    "force", [f for f in FORCES if f.force != "Metropolitan"], ids=lambda f: f.force
)
def test_every_force_is_mentioned_by_its_short_name(force) -> None:
    assert forces_mentioned(f"What did {force.force} say?") == [force]
    assert forces_mentioned(f"what did {force.force.lower()} say") == [force]


def test_metropolitan_is_mentioned_by_its_police_names_not_the_bare_word() -> None:
    met = find_force("Metropolitan")
    assert forces_mentioned("the Met Police and MOPAC") == [met]
    assert forces_mentioned("Wirral Metropolitan Borough Council and metropolitan areas") == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("cambs", "Cambridgeshire"),
        ("Hampshire", "Hampshire and Isle of Wight"),
        ("hampshire & isle of wight", "Hampshire and Isle of Wight"),
        ("Dyfed Powys Police", "Dyfed-Powys"),
        ("Mayor of Greater Manchester", "Greater Manchester"),
        ("Heddlu Gwent", "Gwent"),
        ("  west   MERCIA ", "West Mercia"),
    ],
)
def test_find_force_accepts_everyday_spellings(name: str, expected: str) -> None:
    assert find_force(name).force == expected


@pytest.mark.parametrize("name", ["London", "Yorkshire", "Wales", "Mercia", "Police", ""])
def test_find_force_rejects_what_names_no_single_force(name: str) -> None:
    assert find_force(name) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("West Mercia Police and the Safer West Mercia Plan", ["West Mercia"]),
        ("North Yorkshire, West Yorkshire and Yorkshire", ["North Yorkshire", "West Yorkshire"]),
        ("South Wales Police, North Wales and Wales", ["South Wales", "North Wales"]),
        ("Colleagues from the Essex VRU", ["Essex"]),
        (
            "Devon & Cornwall Police and Avon and Somerset",
            ["Devon and Cornwall", "Avon and Somerset"],
        ),
        ("Middlesex, Essexford and Kentish Town", []),
        ("All local forces in England and Wales", []),
    ],
)
def test_mentions_are_whole_phrases_longest_first(text: str, expected: list[str]) -> None:
    assert [f.force for f in forces_mentioned(text)] == expected


@pytest.mark.parametrize(("file_name", "owner"), sorted(SEED_OWNERS.items()))
def test_detect_force_owns_each_seed_response(file_name: str, owner: str) -> None:
    text = (CORPUS / file_name).read_text(encoding="utf-8")
    assert detect_force(text).force == owner
    assert detect_force(text, "unrelated.txt").force == owner


def test_title_and_signature_outweigh_a_neighbour_mentioned_more_often() -> None:
    text = (
        "RESPONSE BY THE PCC TO HMICFRS INSPECTIONS OF KENT POLICE\n\n"
        "Essex did well. Essex VRU. Essex again. Essex once more. Essex and more Essex.\n\n"
        "Yours sincerely\n\nJane Doe\nPolice and Crime Commissioner for Kent\n"
    )
    assert detect_force(text).force == "Kent"


def test_detect_force_returns_none_when_undecided() -> None:
    assert detect_force("A response naming no force at all.") is None
    assert detect_force("Officers from Surrey worked with officers from Sussex.") is None


def test_file_name_only_breaks_a_tie() -> None:
    tied = "Officers from Surrey worked with officers from Sussex."
    assert detect_force(tied, "sussex-pcc-response.pdf").force == "Sussex"
    assert detect_force("Surrey, Surrey and Sussex.", "sussex-pcc-response.pdf").force == "Surrey"
