"""UK dates in every form responses use, day first, impossible ones rejected, spans exact."""

from __future__ import annotations

from datetime import date

import pytest

from ingest.dates import find_dates, parse_uk_date

MARCH_8 = date(2023, 3, 8)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2nd May 2023", date(2023, 5, 2)),
        ("26 April 2023", date(2023, 4, 26)),
        ("8th March 2023", MARCH_8),
        ("8<sup>th</sup> March 2023", MARCH_8),
        ("8 th March 2023", MARCH_8),
        ("8th of March 2023", MARCH_8),
        ("8 March, 2023", MARCH_8),
        ("8 MARCH 2023", MARCH_8),
        ("8 Mar 2023", MARCH_8),
        ("8 Sept. 2023", date(2023, 9, 8)),
        ("March 8, 2023", MARCH_8),
        ("March 8th 2023", MARCH_8),
        ("08/03/2023", MARCH_8),
        ("8/3/2023", MARCH_8),
        ("03/05/23", date(2023, 5, 3)),
        ("03/05/98", date(1998, 5, 3)),
        ("08.03.2023", MARCH_8),
        ("08-03-2023", MARCH_8),
        ("2023-03-08", MARCH_8),
        ("Tuesday 2 May 2023", date(2023, 5, 2)),
        (" 2nd May 2023. ", date(2023, 5, 2)),
        ("29 February 2024", date(2024, 2, 29)),
    ],
)
def test_parse_uk_date_reads_every_form(text: str, expected: date) -> None:
    assert parse_uk_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "31/02/2023",
        "29 February 2023",
        "30 February 2024",
        "13/13/2023",
        "00/03/2023",
        "32 March 2023",
        "2023-02-30",
        "8 March 1066",
        "March 2022",
        "8 March",
        "1.2.23",
        "the report of 8 March 2023",
        "",
    ],
)
def test_parse_uk_date_rejects_impossible_or_partial_dates(text: str) -> None:
    assert parse_uk_date(text) is None


def test_numeric_dates_are_day_first() -> None:
    assert parse_uk_date("03/05/2023") == date(2023, 5, 3)
    assert parse_uk_date("12/06/2024") == date(2024, 6, 12)


def test_find_dates_gives_every_date_with_its_exact_span() -> None:
    text = "Date Published:\n08/03/2023 – 03/05/23\nreport published on 8<sup>th</sup> March 2023."
    found = find_dates(text)
    assert [day for day, _, _ in found] == [MARCH_8, date(2023, 5, 3), MARCH_8]
    assert [text[start:end] for _, start, end in found] == [
        "08/03/2023",
        "03/05/23",
        "8<sup>th</sup> March 2023",
    ]


def test_find_dates_ignores_numbers_that_are_not_dates() -> None:
    text = "Section 1.2.3, version 2.10.2023.1, 31/02/2023, ref 25922/2023 and 12/2023/01."
    assert find_dates(text) == []


def test_find_dates_skips_impossible_dates_but_keeps_the_rest() -> None:
    found = find_dates("31 February 2023 and then 1 March 2023")
    assert [day for day, _, _ in found] == [date(2023, 3, 1)]
