"""UK-style dates as responses write them, found with their exact spans so they can be cited."""

from __future__ import annotations

import re
from datetime import date

MONTHS = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
EARLIEST_YEAR = 1900
LATEST_YEAR = 2099
TWO_DIGIT_PIVOT = 70  # '23' is 2023, '98' is 1998

_MONTH_NAME = "(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?(?![a-z])"
# "8th", "8 th", "8<sup>th</sup>" (HTML and DOCX superscripts survive extraction this way)
_DAY = r"(?P<day>\d{1,2})(?:\s?(?:st|nd|rd|th)|<sup>\s*(?:st|nd|rd|th)\s*</sup>)?"
_DAY_MONTH_YEAR = re.compile(
    rf"(?<![\w/.-]){_DAY}(?:\s+of)?\s+{_MONTH_NAME},?\s+(?P<year>\d{{4}})(?!\d)", re.IGNORECASE
)
_MONTH_DAY_YEAR = re.compile(
    rf"(?<![\w/.-]){_MONTH_NAME}\s+{_DAY},?\s+(?P<year>\d{{4}})(?!\d)", re.IGNORECASE
)
# Day first, as the UK writes them; dots and hyphens only with a four-digit year ("1.2.23" is
# more often a section number than a date).
_SLASHED = re.compile(
    r"(?<![\w/.-])(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4}|\d{2})(?![\w/]|[.-]\d)"
)
_DOTTED = re.compile(
    r"(?<![\w/.-])(?P<day>\d{1,2})(?P<sep>[.-])(?P<month>\d{1,2})(?P=sep)(?P<year>\d{4})(?![\w/]|[.-]\d)"
)
_ISO = re.compile(r"(?<![\w/.-])(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?![\w/]|[.-]\d)")
_PATTERNS = (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR, _SLASHED, _DOTTED, _ISO)
_WEEKDAY = re.compile(
    r"^(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+", re.IGNORECASE
)
_TRAILING_PUNCTUATION = ".,;: \t\r\n"


def _year(digits: str) -> int:
    year = int(digits)
    if len(digits) == 2:
        year += 2000 if year < TWO_DIGIT_PIVOT else 1900
    return year


def _to_date(match: re.Match[str]) -> date | None:
    """The calendar date a match names, or None for an impossible one (31 February, month 13)."""
    month_text = match.group("month")
    month = int(month_text) if month_text.isdigit() else MONTHS[month_text.lower()]
    year = _year(match.group("year"))
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        return None
    try:
        return date(year, month, int(match.group("day")))
    except ValueError:
        return None


def find_dates(text: str) -> list[tuple[date, int, int]]:
    """Every real date in a text as (date, start, end), in order, no two spans overlapping."""
    found: list[tuple[date, int, int]] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            day = _to_date(match)
            if day is not None:
                found.append((day, match.start(), match.end()))
    found.sort(key=lambda item: (item[1], -item[2]))
    kept: list[tuple[date, int, int]] = []
    for item in found:
        if not kept or item[1] >= kept[-1][2]:
            kept.append(item)
    return kept


def parse_uk_date(s: str) -> date | None:
    """The date a string holds when it is a date and nothing else (a weekday may precede it)."""
    candidate = _WEEKDAY.sub("", s.strip()).rstrip(_TRAILING_PUNCTUATION)
    dates = find_dates(candidate)
    if len(dates) == 1 and dates[0][1] == 0 and dates[0][2] == len(candidate):
        return dates[0][0]
    return None
