"""Turn what people type into a safe FTS5 query, expanded with the policing glossary."""

from __future__ import annotations

import re

# Synonym groups used at query time: a query naming one form also finds the others.
GLOSSARY: tuple[tuple[str, ...], ...] = (
    ("VRU", "violence reduction unit"),
    ("outcome 22", "OC22", "outcome22"),
    ("HMICFRS", "HMIC", "inspectorate"),
    ("PCC", "PFCC", "OPCC", "commissioner"),
    ("NPCC", "National Police Chiefs Council"),
    ("CSP", "community safety partnership"),
    ("SYV", "serious youth violence"),
    ("CCE", "child criminal exploitation"),
    ("CSE", "child sexual exploitation"),
    ("AFI", "area for improvement"),
    ("VAWG", "violence against women and girls"),
    ("ASB", "anti-social behaviour", "antisocial behaviour"),
    ("DA", "domestic abuse"),
    ("OOCD", "out of court disposal"),
    ("RMS", "records management system"),
    ("S55", "section 55"),
    ("LCJB", "local criminal justice board"),
    ("YOT", "youth offending team", "youth justice service"),
    ("stop and search", "stop search"),
    ("ethnicity", "race", "racial"),
)

STOPWORDS = frozenset(
    """a about above after again all also am an and any are as at be because been before being
    between both but by can could did do does doing done during each few for from further had has
    have having he her here hers him his how i if in into is it its itself just me more most my
    no nor not now of off on once only or other our ours out over own said same say says she
    should so some such than that the their theirs them then there these they this those through
    to too under until up very was we were what when where which while who whom why will with
    would you your yours tell show give find list me please any""".split()
)

_TOKEN = re.compile(r"[\w'’-]+", re.UNICODE)


def query_terms(text: str) -> list[str]:
    """Content words of a query, in order, without stopwords or duplicates."""
    seen: dict[str, None] = {}
    for raw in _TOKEN.findall(text):
        for token in re.split(r"['’-]", raw):
            word = token.lower()
            if word and word not in STOPWORDS and (len(word) > 1 or word.isdigit()):
                seen.setdefault(word, None)
    return list(seen)


def glossary_alternatives(text: str) -> list[tuple[str, ...]]:
    """The glossary groups any of whose forms appear in the text (whole words, any case)."""
    found = []
    for group in GLOSSARY:
        for form in group:
            if re.search(rf"(?<!\w){re.escape(form)}s?(?!\w)", text, re.IGNORECASE):
                found.append(group)
                break
    return found


def fts_terms(text: str, extra_terms: tuple[str, ...] = ()) -> list[str]:
    """The quoted FTS5 terms and glossary phrases of a query, each once, in query order.

    Every term is quoted, so FTS5 syntax characters typed by a user are never interpreted.
    """
    parts = [_quote(term) for term in [*query_terms(text), *extra_terms]]
    for group in glossary_alternatives(text):
        parts.extend(_quote(form) for form in group)
    return [p for p in dict.fromkeys(parts) if p != '""']


def _quote(phrase: str) -> str:
    words = [w for w in re.split(r"[^\w]+", phrase) if w]
    return '"' + " ".join(words) + '"'
