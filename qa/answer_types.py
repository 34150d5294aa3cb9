"""Does a passage hold the type of value a question asks for: a number, a date, a person ...?

"How many officers were dismissed?" is not answered by a sentence about dismissals that gives
no number; the answer then says the response does not state one.
"""

from __future__ import annotations

import re

_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty"
    r"|forty|fifty|hundred|thousand|million|dozen|half|quarter|third|several|all|none|every"
)
_MONTHS = (
    r"january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
PATTERNS = {
    "number": re.compile(rf"\d|\b(?:{_NUMBER_WORDS})\b", re.IGNORECASE),
    "amount": re.compile(
        r"[£$€]\s?\d|\b\d[\d,.]*\s?(?:k|m|bn|million|billion|thousand|pounds)\b", re.IGNORECASE
    ),
    "date": re.compile(
        rf"\b(?:{_MONTHS})\b|\b(?:19|20)\d{{2}}\b|\b\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}\b"
        r"|\b(?:spring|summer|autumn|winter|quarter|q[1-4]|financial year|end of the year)\b",
        re.IGNORECASE,
    ),
    "rating": re.compile(
        r"\b(?:outstanding|good|adequate|requires improvement|inadequate|graded|grade)\b",
        re.IGNORECASE,
    ),
    # A name or a role: "Chief Constable Jo Smith", "the Crime and Justice Board", "Mr Smith".
    "person": re.compile(
        r"\b(?:Mr|Mrs|Ms|Dr|Sir|Dame|DCC|ACC|Supt|Superintendent|Inspector|Chief Constable"
        r"|Commissioner|Director|Head|Lead|Chair|Board|Panel|Team|Unit|Officer|Manager)\b"
        r"|\b[A-Z][a-z]+\s+(?:[A-Z]\.\s+)?[A-Z][a-z]+\b"
    ),
}


def states_type(text: str, wanted: str) -> bool:
    """True when the text holds a value of the wanted type (unknown types always pass)."""
    pattern = PATTERNS.get(wanted)
    return pattern is None or bool(pattern.search(text))
