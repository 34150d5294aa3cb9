"""Facts a response states (force, inspection, dates, signatory, addressee); unknown is None."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import date

from ingest.dates import find_dates, parse_uk_date
from ingest.forces import detect_force
from ingest.recommendations import extract_recommendations
from ingest.types import DocumentMetadata

MIN_FORM_FIELDS = 2
SIGNATURE_LINES = 6
ROLE_NAME_DISTANCE = 2  # a name sits on one of the two lines above "Police and Crime Commissioner"
PROSE_CONTEXT = 120
MAX_ROLE_CHARS = 80

_FLAGS = re.IGNORECASE | re.MULTILINE
_TITLE_FIELD = re.compile(
    r"^[ \t*_]*(?:inspection\s+(?:title|name)|title\s+of\s+(?:the\s+)?(?:inspection|report)"
    r"|(?:report|publication)\s+title|name\s+of\s+(?:the\s+)?(?:inspection|report))"
    r"[ \t*_]*:?[ \t]*(?P<value>.*)$",
    _FLAGS,
)
_SUBJECT_LINE = re.compile(
    r"^[ \t*_]*(?:(?:pcc\s+)?response\s+to\s+(?:the\s+)?)?(?:re|subject|(?:hmicfrs\s+)?report"
    r"|inspection)[ \t*_]*:[ \t*_]*(?P<value>\S.*)$",
    _FLAGS,
)
_ENTITLED = re.compile(
    r"\b(?:entitled|titled|called)\s*:?\s*(?:‘(?P<a>[^’\n]+)’|“(?P<b>[^”\n]+)”|\"(?P<c>[^\"\n]+)\""
    r"|'(?P<d>[^\n]+?)'(?!\w))",
    re.IGNORECASE,
)
_TITLE_START = (
    r"(?:an?\s+(?:joint\s+|thematic\s+|national\s+)*inspection\b|inspection\s+of\b|peel\b)"
)
_MARKDOWN_TITLE = re.compile(rf"^#{{1,6}}[ \t]+(?P<value>{_TITLE_START}[^\n]{{5,200}})$", _FLAGS)
# A plain line that is only a title; a sentence ending in a full stop is prose, not a heading.
_PLAIN_TITLE = re.compile(rf"^[ \t*_]*(?P<value>{_TITLE_START}[^\n]{{5,150}}?)[ \t*_]*$", _FLAGS)
_QUOTED_TITLE = re.compile(rf"[‘“\"'](?P<value>{_TITLE_START}[^’”\"'\n]{{5,200}})[’”\"']", _FLAGS)
_TITLE_NOISE = re.compile(
    r"^(?:[\s*_“\"‘'|]|#\d+|hmicfrs(?:\s+report)?\s*[–—:-]|re\s*:)+|[\s*_.,;:”\"’'|]+$",
    re.IGNORECASE,
)
_PUBLISHED_FIELD = re.compile(
    r"^[ \t*_]*(?:date\s+(?:of\s+)?(?:the\s+)?(?:inspection\s+|report\s+)?(?:published|publication)"
    r"|(?:inspection\s+|report\s+)?publication\s+date|(?:report\s+)?published(?:\s+on)?)\b"
    r"[ \t*_]*:?[ \t]*(?P<value>.*)$",
    _FLAGS,
)
_RESPONSE_FIELD = re.compile(
    r"^[ \t*_]*(?:(?:date\s+of\s+(?:the\s+|this\s+)?(?:pcc['’]?s?\s+|commissioner['’]?s?\s+)?"
    r"(?:response|letter|reply|submission|comments)|(?:pcc\s+)?response\s+date"
    r"|date\s+(?:responded|submitted|sent|signed))[ \t*_]*:?|date[ \t*_]*:)[ \t]*(?P<value>.*)$",
    _FLAGS,
)
_PUBLISHED_BEFORE = re.compile(
    r"\bpublished(?:\s+(?:its|the|their|this|a|his|her)\s+(?:[\w-]+\s+){0,3}?report)?"
    r"\s*(?:on\s+|dated\s+)?(?:the\s+)?$",
    re.IGNORECASE,
)
_PUBLISHED_SUBJECT = re.compile(
    r"\b(?:report|inspection|hmicfrs|inspectorate|response|letter|reply|comments|statement)\b",
    re.IGNORECASE,
)
_OUR_WORDS = ("response", "letter", "reply", "comments", "statement")
_CLAUSE_BREAK = re.compile(r"[.!?\n]")
_DEAR = re.compile(r"^[ \t*_]*Dear\s+(?P<who>[^,\n]+?)[\s,*_]*$", re.MULTILINE)
_SIGN_OFF = re.compile(
    r"^[ \t*_]*(?:yours\s+(?:sincerely|faithfully|truly)|(?:with\s+)?(?:kind|best|warm)\s+"
    r"(?:regards|wishes)|regards)\b",
    _FLAGS,
)
_GENERIC_SALUTATION = re.compile(r"^(?:sirs?|madam|sir\s*(?:/|or)\s*madam|colleagues?|all)$", re.I)
_ROLE_WORDS = re.compile(
    r"\b(?:secretary|minister|commissioner|constable|inspector|chair|mayor|director|chief|officer"
    r"|president|members?)\b",
    re.IGNORECASE,
)
_HONORIFIC_NAME = re.compile(
    r"\b(?:The\s+)?(?:Rt\.?\s+Hon\.?|Right\s+Honourable|Mr|Mrs|Ms|Miss|Dr|Sir|Dame|Lord|Baroness)\.?"
    r"[ \t]+[A-Z][\w'’-]+(?:[ \t]+(?!(?:Home|Secretary|Minister|Office|Department|Parliamentary"
    r"|Under|State|Chief|Police|Commissioner)\b)[A-Z][\w'’.-]*){0,5}"
)
_ROLE_LINE = re.compile(
    r"^(?:deputy\s+)?(?:police,?\s+(?:fire\s+)?and\s+crime\s+commissioner(?:\s+for\s+.+)?"
    r"|commissioner|mayor\s+of\s+.+|deputy\s+mayor\s+for\s+policing\s+and\s+crime)$",
    re.IGNORECASE,
)
_PERSON_NAME = re.compile(
    r"^(?:(?:The\s+)?(?:Rt\.?\s+Hon\.?|Cllr\.?|Councillor|Dr\.?|Mr\.?|Mrs\.?|Ms\.?|Miss|Sir|Dame"
    r"|Lord|Baroness|Prof\.?|Professor)\s+)*[A-Z][a-zA-Z'’-]+(?:\s+(?:[A-Z]\.|[A-Z][a-zA-Z'’-]+))"
    r"{1,3}(?:,?\s+(?:OBE|MBE|CBE|QPM|KPM|BEM|KC|QC|MP|JP|DL))*$"
)
# Words that make a capitalised line a role, an address or a heading rather than a person.
_NOT_A_NAME = re.compile(
    r"\b(?:police|crime|commissioner|office|constabulary|secretary|home|street|road|house|council"
    r"|mayor|chief|constable|deputy|inspectorate|appendix|response|recommendations?|hmicfrs|force"
    r"|yours|sincerely|regards|enc|cc|panel|service|authority|the|of|and|for)\b",
    re.IGNORECASE,
)
_SIGNED_FIELD = re.compile(
    r"^[ \t*_]*(?:signed(?:\s+by)?|signatory)[ \t*_]*[:|][ \t]*(?P<value>.*)$", _FLAGS
)
_SIGNATURE_IMAGE = re.compile(r"signature|^\s*!?\[|\bimage\b", re.IGNORECASE)
_SIGNATURE_IMAGE_NAME = re.compile(
    r"signature[^\n]*?[‘'“\"](?P<name>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){1,3})[’'”\"]"
)
_LETTER = re.compile(r"^[ \t*_]*(?:dear\s+\S|yours\s+(?:sincerely|faithfully))", _FLAGS)
_FORM_FIELDS = (
    r"inspection\s+title",
    r"title\s+of\s+(?:the\s+)?inspection",
    r"for\s+office\s+use\s+only",
    r"type\s+of\s+inspection",
    r"date\s+(?:inspection\s+)?published",
    r"published\s+on\s*:",
    r"date\s+of\s+(?:the\s+)?response",
    r"publication\s+types?\s*:",
)
_FORM_FIELD = re.compile("|".join(f"(?:{field})" for field in _FORM_FIELDS), re.IGNORECASE)
_URL = re.compile(r"https?://|www\.", re.IGNORECASE)
OPENING_LINES = 12  # a letter names its subject within its first lines, around "Dear"
PROSE_WORDS = 12
# "PCC response to the HMICFRS inspection of X", "HMICFRS report into X – PFCC response":
# the title follows an inspection or report noun and "of / into / on / :".
_OPENING_SUBJECT = re.compile(
    r"\b(?:hmicfrs|hmic|inspectorate['’]?s?)?\s*(?:joint\s+|thematic\s+|national\s+)?"
    r"(?P<noun>inspection|report|review)(?:\s+(?P<of>of|into|on)\s+|\s*[:–—-]\s*"
    r"|\s+(?=[‘“\"']))(?P<value>\S.{5,200})$",
    re.IGNORECASE,
)
_OPENING_HINT = re.compile(r"\b(?:hmicfrs|hmic|inspectorate|inspection|report)\b", re.IGNORECASE)
_RESPONSE_TAIL = re.compile(
    r"\s*(?:[–—-]|\(|:)\s*(?:the\s+)?(?:p[f]?cc|commissioner|ope?cc)?['’]?s?\s*"
    r"(?:response|reply|comments)\)?\s*$",
    re.IGNORECASE,
)
_KEY_NOISE = re.compile(r"#\d+|\bhmicfrs\b|\bhmic\b|\breport\b|[^a-z0-9 ]")
_KEY_OPENING = re.compile(
    r"^(?:the\s+)?(?:an?\s+)?(?:(?:joint|thematic|national)\s+)*(?:inspection|review)\s+(?:of|into)\s+"
)
_EMPHASIS = re.compile(r"[*_]+")
_SPACE = re.compile(r"\s+")


def _lines(text: str) -> list[str]:
    """The non-blank lines, where letters put one item (name, title, date) each."""
    return [line for line in text.splitlines() if line.strip()]


def _next_nonblank(text: str, position: int) -> str:
    """The first non-blank line after a position (the value under a form's label)."""
    for line in text[position:].splitlines()[1:]:
        if line.strip():
            return line
    return ""


def _field_value(text: str, match: re.Match[str]) -> str:
    """A label's value: the rest of its line, or the next line when the label stands alone."""
    value = match.group("value")
    return value if value.strip() else _next_nonblank(text, match.end())


def _clean_title(raw: str) -> str | None:
    """A title without reference numbers, 'HMICFRS –', quotes or a closing full stop."""
    title = _SPACE.sub(" ", _TITLE_NOISE.sub("", _EMPHASIS.sub("", raw).strip())).strip()
    if len(title) <= 3 or title.endswith(":") or _URL.search(title):
        return None
    return title


def extract_inspection(text: str) -> str | None:
    """The inspection's title as this document words it, from labels, subject lines or quotes."""
    for match in _TITLE_FIELD.finditer(text):
        value = _field_value(text, match)
        if not _TITLE_FIELD.match(value) and (title := _clean_title(value)):
            return title
    for pattern in (_SUBJECT_LINE, _ENTITLED, _MARKDOWN_TITLE, _PLAIN_TITLE, _QUOTED_TITLE):
        for match in pattern.finditer(text):
            value = next(group for group in match.groups() if group)
            if pattern is _PLAIN_TITLE and value.rstrip().endswith("."):
                continue
            if title := _clean_title(value):
                return title
    return _opening_title(text)


def _opening_title(text: str) -> str | None:
    """A letter's subject in its opening lines, unlabelled: 'Response to the HMICFRS inspection
    of X', 'HMICFRS report into X – PCC response' (a PDF puts it on any of the first lines)."""
    for line in _lines(text)[:OPENING_LINES]:
        plain = _EMPHASIS.sub("", line).strip()
        if plain.endswith(".") and len(plain.split()) >= PROSE_WORDS:
            return None  # the letter's prose has begun: past its subject
        # 'inspections of Norfolk Constabulary published by HMICFRS' names a series, not one
        if not _OPENING_HINT.search(plain) or re.search(r"\binspections\b", plain, re.I):
            continue
        match = _OPENING_SUBJECT.search(plain)
        if match is None:
            continue
        value = _RESPONSE_TAIL.sub("", match.group("value"))
        if match.group("of") and match.group("noun").lower() == "inspection":
            value = f"An inspection {match.group('of').lower()} {value}"
        if (title := _clean_title(value)) and len(title.split()) >= 3:
            return title[0].upper() + title[1:]
    return None


def inspection_key(title: str) -> str:
    """A title without case, punctuation, ids, 'HMICFRS' or an opening 'An inspection of'."""
    words = " ".join(_KEY_NOISE.sub(" ", title.lower()).split())
    return _KEY_OPENING.sub("", words)


def canonical_inspections(titles: Iterable[str]) -> dict[str, str]:
    """Each wording of a title mapped to one name for its inspection: the wording most
    documents use (the longest on a tie), so the same inspection is listed once."""
    counts = Counter(t for t in titles if t)
    groups: dict[str, list[str]] = {}
    for title in counts:
        groups.setdefault(inspection_key(title), []).append(title)
    return {
        title: max(wordings, key=lambda t: (counts[t], len(t)))
        for wordings in groups.values()
        for title in wordings
    }


def _dates_in_field(text: str, pattern: re.Pattern[str]) -> list[date]:
    """Dates given as the value of the first labelled field that has any."""
    for match in pattern.finditer(text):
        value = _field_value(text, match)
        dates = find_dates(value)
        # a value on the next line counts only if it is a date, not a paragraph mentioning one
        if dates and (match.group("value").strip() or not value[: dates[0][1]].strip()):
            return [day for day, _, _ in dates]
    return []


def _published_in_prose(text: str) -> date | None:
    """'The inspection, published on 8th March 2023' - but not 'this response, published on'."""
    for day, start, _ in find_dates(text):
        before = text[max(0, start - PROSE_CONTEXT) : start]
        published = _PUBLISHED_BEFORE.search(before)
        if published is None:
            continue
        clause = _CLAUSE_BREAK.split(before[: published.start()])[-1]
        subjects = _PUBLISHED_SUBJECT.findall(clause)
        if not subjects or subjects[-1].lower() not in _OUR_WORDS:
            return day
    return None


def extract_published(text: str) -> date | None:
    """When HMICFRS published the report: a labelled field first, else 'published on <date>'."""
    dates = _dates_in_field(text, _PUBLISHED_FIELD)
    return dates[0] if dates else _published_in_prose(text)


def _letter_date(text: str) -> date | None:
    """A date alone on a line above 'Dear ...': the date of the letter."""
    dear = _DEAR.search(text)
    if dear is None:
        return None
    dates = [parse_uk_date(line) for line in _lines(text[: dear.start()])]
    dated = [day for day in dates if day is not None]
    return dated[-1] if dated else None


def extract_response_date(text: str) -> date | None:
    """When the PCC responded: a response-date field, a 'published – responded' range, a letter."""
    dates = _dates_in_field(text, _RESPONSE_FIELD)
    if dates:
        return dates[0]
    published = _dates_in_field(text, _PUBLISHED_FIELD)
    if len(published) == 2:
        return published[1]
    return _letter_date(text)


def _person(line: str) -> str | None:
    """The line as a person's name, or None if it is a role, an address or prose."""
    candidate = _EMPHASIS.sub("", line).strip().rstrip(",")
    if _PERSON_NAME.match(candidate) and not _NOT_A_NAME.search(candidate):
        return candidate
    return None


def _signed_field(text: str) -> str | None:
    """A form's 'Signed:' or 'Signatory:' field, when it holds a name rather than an image."""
    for match in _SIGNED_FIELD.finditer(text):
        if name := _person(_field_value(text, match)):
            return name
    return None


def _name_after_sign_off(lines: list[str]) -> str | None:
    """The first name under 'Yours sincerely', past any description of a signature image;
    a PDF may run them onto one line ('Yours sincerely, Jane Smith, Commissioner')."""
    for i, line in enumerate(lines):
        if sign_off := _SIGN_OFF.match(line):
            same_line = [p for p in line[sign_off.end() :].split(",") if p.strip()]
            for following in [*same_line, *lines[i + 1 : i + 1 + SIGNATURE_LINES]]:
                if not _SIGNATURE_IMAGE.search(following) and (name := _person(following)):
                    return name
    return None


def _name_above_role(lines: list[str]) -> str | None:
    """The name just above the last 'Police and Crime Commissioner' title line."""
    for i in range(len(lines) - 1, 0, -1):
        if _ROLE_LINE.match(_EMPHASIS.sub("", lines[i]).strip().rstrip(".,")):
            for above in lines[max(0, i - ROLE_NAME_DISTANCE) : i][::-1]:
                if name := _person(above):
                    return name
    return None


def extract_signatory(text: str) -> str | None:
    """Who signed: the name under the sign-off or above the commissioner's title."""
    lines = _lines(text)
    name = _name_after_sign_off(lines) or _name_above_role(lines) or _signed_field(text)
    if name is None and (described := _SIGNATURE_IMAGE_NAME.search(text)):
        name = described.group("name")
    return name


def extract_addressee(text: str) -> str | None:
    """To whom a letter is written: the salutation's role with the named recipient, if any."""
    dear = _DEAR.search(text)
    if dear is None:
        return None
    who = _EMPHASIS.sub("", dear.group("who")).strip()
    names = list(_HONORIFIC_NAME.finditer(text, 0, dear.start()))
    if not names:
        return None if _GENERIC_SALUTATION.match(who) else who
    name = names[-1].group().strip()
    role = who if _ROLE_WORDS.search(who) else _role_below(text, names[-1].end())
    return f"{role} ({name})" if role else name


def _role_below(text: str, position: int) -> str | None:
    """The recipient's title on the line under their name ('Home Secretary'), if it is one."""
    line_end = text.find("\n", position)
    if text[position : len(text) if line_end < 0 else line_end].strip():
        return None
    line = _next_nonblank(text, position).strip()
    return line if _ROLE_WORDS.search(line) and len(line) <= MAX_ROLE_CHARS else None


def document_form(text: str) -> str:
    """'letter', 'response form' (a template of labelled fields) or 'other'."""
    if _LETTER.search(text):
        return "letter"
    fields = {match.group().lower() for match in _FORM_FIELD.finditer(text)}
    return "response form" if len(fields) >= MIN_FORM_FIELDS else "other"


def extract_metadata(text: str, file_name: str = "") -> DocumentMetadata:
    """Everything the response states about itself; a field it does not state stays None."""
    force = detect_force(text, file_name)
    published = extract_published(text)
    response_date = extract_response_date(text)
    return DocumentMetadata(
        force=force.force if force else None,
        force_name=force.force_name if force else None,
        policing_body=force.policing_body_on(response_date or published) if force else None,
        inspection=extract_inspection(text),
        published=published,
        response_date=response_date,
        signatory=extract_signatory(text),
        addressee=extract_addressee(text),
        form=document_form(text),
        recommendations=extract_recommendations(text),
    )
