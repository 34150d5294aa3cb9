"""The 43 territorial police forces of England and Wales: lookup, mentions, document ownership."""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

REGISTRY_FILE = "forces.json"

# Weights for deciding which force a response belongs to: a force named in a title line, the
# letterhead or the signature block outweighs any number of passing mentions of a neighbour.
TITLE_WEIGHT = 5
SIGNATURE_WEIGHT = 5
MENTION_WEIGHT = 1
FILE_NAME_WEIGHT = 0.5  # less than one mention: the file name only ever breaks a tie
HEAD_LINES = 4
SIGNATURE_LINES = 8

_TITLE_LINE = re.compile(
    r"commissioner|\bpf?cc\b|\bmayor\b|\bresponse\s+(?:by|of|from|to)\b|\binspections?\s+of\b"
    r"|\boffice\s+of\b|^\s*#|constabulary['’]?s?\s+response",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?][\s'\"’”)*_]*$")
_SIGN_OFF = re.compile(
    r"^\s*(?:yours\s+(?:sincerely|faithfully|truly)|kind\s+regards|best\s+wishes)\b",
    re.IGNORECASE | re.MULTILINE,
)
_ROLE_LINE = re.compile(
    r"^[\s*_]*(?:deputy\s+)?(?:police,?\s+(?:fire\s+)?and\s+crime\s+commissioner|commissioner"
    r"|mayor\b|deputy\s+mayor\s+for\s+policing)",
    re.IGNORECASE,
)
_SPACE = re.compile(r"\s+")
_NAME_SEPARATORS = re.compile(r"[\s\-_.]+")


@dataclass(frozen=True, slots=True)
class FormerBody:
    """A policing body that oversaw a force until a date (e.g. a PCC before a mayor took over)."""

    policing_body: str
    body_kind: str
    until: date


@dataclass(frozen=True, slots=True)
class Force:
    """One territorial force, the names people and documents use for it, and its policing body."""

    force: str
    force_name: str
    area: str
    policing_body: str
    body_kind: str
    aliases: tuple[str, ...]
    welsh: bool
    former_bodies: tuple[FormerBody, ...] = ()

    def policing_body_on(self, day: date | None) -> str:
        """The body overseeing the force on a day (today's body when the day is unknown)."""
        if day is not None:
            for former in sorted(self.former_bodies, key=lambda body: body.until):
                if day < former.until:
                    return former.policing_body
        return self.policing_body

    def to_dict(self) -> dict[str, Any]:
        return {
            "force": self.force,
            "force_name": self.force_name,
            "area": self.area,
            "policing_body": self.policing_body,
            "body_kind": self.body_kind,
            "aliases": list(self.aliases),
            "welsh": self.welsh,
        }


def _force_from_entry(entry: dict[str, Any]) -> Force:
    former = tuple(
        FormerBody(item["policing_body"], item["body_kind"], date.fromisoformat(item["until"]))
        for item in entry.get("former_bodies", ())
    )
    return Force(
        force=entry["force"],
        force_name=entry["force_name"],
        area=entry["area"],
        policing_body=entry["policing_body"],
        body_kind=entry["body_kind"],
        aliases=tuple(entry["aliases"]),
        welsh=bool(entry["welsh"]),
        former_bodies=former,
    )


@cache
def all_forces() -> tuple[Force, ...]:
    """Every force in the registry, loaded once from the packaged JSON."""
    raw = resources.files("ingest").joinpath("data", REGISTRY_FILE).read_text(encoding="utf-8")
    return tuple(_force_from_entry(entry) for entry in json.loads(raw))


def _key(name: str) -> str:
    """A spelling-insensitive lookup key: case, '&' for 'and', hyphens, apostrophes, spacing."""
    lowered = name.lower().replace("&", " and ").replace("’", "'").replace("-", " ")
    return _SPACE.sub(" ", lowered).strip().removeprefix("the ")


@cache
def _lookup() -> dict[str, Force]:
    table: dict[str, Force] = {}
    for force in all_forces():
        names = (force.force, force.force_name, force.area, force.policing_body, *force.aliases)
        for name in names:
            table.setdefault(_key(name), force)
    return table


def find_force(name: str) -> Force | None:
    """The force a user or document means by any of its names, or None if it names none."""
    return _lookup().get(_key(name))


def _phrase_pattern(name: str) -> str:
    """A name as a regex tolerating '&' for 'and', hyphen or space, curly quotes, line wraps."""
    words = _key(name).split(" ")
    parts = []
    for word in words:
        if word == "and":
            parts.append(r"(?:and|&)")
        else:
            parts.append(re.escape(word).replace("'", "['’]"))
    return r"[\s\-]+".join(parts)


@cache
def _mention_pattern() -> tuple[re.Pattern[str], dict[str, Force]]:
    """One alternation over every alias, longest first so 'North Yorkshire' wins over any part."""
    owner: dict[str, Force] = {}
    for force in all_forces():
        for alias in (force.force_name, *force.aliases):
            owner.setdefault(_key(alias), force)
    names = sorted(owner, key=len, reverse=True)
    alternation = "|".join(_phrase_pattern(name) for name in names)
    return re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])", re.IGNORECASE), owner


def force_mentions(text: str) -> list[tuple[Force, int, int]]:
    """Every whole-phrase mention of a force as (force, start, end), in order."""
    pattern, owner = _mention_pattern()
    return [(owner[_key(m.group())], m.start(), m.end()) for m in pattern.finditer(text)]


def forces_mentioned(text: str) -> list[Force]:
    """The forces a text names, each once, in order of first mention."""
    seen: dict[str, Force] = {}
    for force, _, _ in force_mentions(text):
        seen.setdefault(force.force, force)
    return list(seen.values())


def _line_spans(text: str) -> list[tuple[int, int]]:
    """Start and end offsets of the non-blank lines."""
    spans, offset = [], 0
    for line in text.splitlines(keepends=True):
        if line.strip():
            spans.append((offset, offset + len(line)))
        offset += len(line)
    return spans


def _is_title(line: str, index: int) -> bool:
    """A letterhead line or a heading about a response or policing body; prose is neither."""
    return (index < HEAD_LINES or bool(_TITLE_LINE.search(line))) and not _SENTENCE_END.search(line)


def _prominent_lines(text: str) -> tuple[set[int], set[int]]:
    """Indexes of non-blank lines that are titles/letterhead, and of those in a signature block."""
    lines = _line_spans(text)
    titles = {i for i, (s, e) in enumerate(lines) if _is_title(text[s:e], i)}
    signature: set[int] = set()
    for i, (s, e) in enumerate(lines):
        line = text[s:e]
        if _SIGN_OFF.match(line):
            signature.update(range(i + 1, i + 1 + SIGNATURE_LINES))
        elif _ROLE_LINE.match(line):
            signature.update(range(i, i + 3))
    return titles, signature


def _scores(text: str) -> Counter[str]:
    starts = [start for start, _ in _line_spans(text)]
    titles, signature = _prominent_lines(text)
    scores: Counter[str] = Counter()
    for force, start, _ in force_mentions(text):
        line = bisect_right(starts, start) - 1
        if line in signature:
            scores[force.force] += SIGNATURE_WEIGHT
        elif line in titles:
            scores[force.force] += TITLE_WEIGHT
        else:
            scores[force.force] += MENTION_WEIGHT
    return scores


def detect_force(text: str, file_name: str = "") -> Force | None:
    """The force a response document belongs to, or None when the text does not settle it."""
    scores = _scores(text)
    for force in forces_mentioned(_NAME_SEPARATORS.sub(" ", file_name)):
        scores[force.force] += FILE_NAME_WEIGHT
    ranked = scores.most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return find_force(ranked[0][0])
