"""Does a passage hold the type of value a question asks for: a number, a date, a person ...?

"How many officers were dismissed?" is not answered by a sentence about dismissals that gives
no number; the answer then says the response does not state one.
"""

from __future__ import annotations

import re

# 'one' is left out: "one of my priorities" counts nothing.
_NUMBER_WORDS = (
    r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty"
    r"|forty|fifty|hundred|thousand|million|dozen"
)
_MONTHS = (
    r"january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_GRADES = r"outstanding|good|adequate|requires improvement|inadequate"
# Capitalised words that name roles, bodies and places, not people.
_NOT_NAMES = (
    r"Police|Crime|Commissioner|Chief|Constable|Deputy|Home|Office|Secretary|Her|His|Majesty"
    r"|Majesty’s|Inspectorate|Inspector|Constabulary|Force|Service|Services|Fire|Rescue|Council"
    r"|County|City|The|This|National|Violence|Reduction|Unit|Youth|Justice|Board|Panel|Team"
    r"|Partnership|Government|Department|Mayor|Combined|Authority|Report|Inspection|Group"
)
PATTERNS = {
    # A count: digits that are not a year, or a number word.
    "number": re.compile(
        rf"\b(?!(?:19|20)\d{{2}}\b)\d[\d,]*(?:\.\d+)?%?|\b(?:{_NUMBER_WORDS})\b", re.IGNORECASE
    ),
    "amount": re.compile(
        r"[£$€]\s?\d|\b\d[\d,.]*\s?(?:k|m|bn|million|billion|thousand|pounds)\b"
        r"|\b\d[\d,.]*\s?(?:%|per ?cent\b)",
        re.IGNORECASE,
    ),
    "date": re.compile(
        rf"\b(?:{_MONTHS})\b|\b(?:19|20)\d{{2}}\b|\b\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}\b"
        r"|\b(?:spring|summer|autumn|winter|quarter|q[1-4]|financial year|end of the year)\b"
        rf"|\b(?:\d+|{_NUMBER_WORDS})\s+(?:days?|weeks?|months?|years?)\b",
        re.IGNORECASE,
    ),
    # A grade said as a grade: 'graded as good', 'a rating of outstanding', 'Inadequate'.
    "rating": re.compile(
        rf"\b(?:graded|rated|judged|assessed|grade|grading|rating)\b\W+(?:\w+\W+){{0,4}}"
        rf"(?:{_GRADES})\b|\b(?:{_GRADES})\b\W+(?:\w+\W+){{0,2}}(?:grade|grading|rating)\b"
        r"|\b(?:requires improvement|inadequate|outstanding)\b|[‘'\"“](?:Good|Adequate)[’'\"”]",
        re.IGNORECASE,
    ),
    # Who: a named person (a title and a name, or two capitalised words that are not a role or
    # body), or a named body ('the Crime and Justice Board').
    "person": re.compile(
        r"\b(?:Mr|Mrs|Ms|Miss|Dr|Sir|Dame|Lord|Baroness|Cllr|Councillor)\.?\s+[A-Z]\w+"
        rf"|\b(?!(?:{_NOT_NAMES})\b)[A-Z][a-z]+\s+(?:[A-Z]\.\s+)?"
        rf"(?!(?:{_NOT_NAMES})\b)[A-Z][a-z]{{2,}}\b"
        r"|\b(?:[A-Z][a-z]+\s+(?:and\s+)?){1,4}(?:Board|Panel|Team|Unit|Partnership|Group"
        r"|Committee|Service|Directorate|Command)\b"
    ),
}


def states_type(text: str, wanted: str, question: str = "") -> bool:
    """True when the text holds a value of the wanted type that the question did not give.

    "When did X respond to the 2018/19 report?" is not answered by the '2018/19' it names, nor
    "Who replaced Mark Webster?" by a sentence naming Mark Webster. Unknown types always pass.
    """
    pattern = PATTERNS.get(wanted)
    if pattern is None:
        return True
    asked = question.casefold()
    return any(m.group().casefold() not in asked for m in pattern.finditer(text))
