"""Read a question: its kind, the forces it is about, its topic and terms, what type of answer.

Everything here is case-insensitive and reads intent, not capitalisation: "Which areas have a
Violence Reduction Unit?" and "which areas have a violence reduction unit?" are one question.
A force named inside a which-forces question ("learned from the West Midlands VRU") is part of
its topic, not its scope; only a question *about* a force ("What did Norfolk say ...") scopes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.forces import force_mentions
from qa.lexical import content_terms

KINDS = ("which_forces", "compare", "force", "metadata", "general")

_PARTY = (
    r"(?:police,? (?:fire )?and crime commissioners?|forces?|constabular(?:y|ies)|p[fc]?ccs?"
    r"|opccs?|commissioners?|areas?|responses?|offices?|count(?:y|ies)|policing bodies|mayors?"
    r"|services?)"
)
# "Which (of the) (other) forces ...": the wh-word's own noun is a force or body; words in
# between are adjectives, never a verb ("What did Suffolk's PCC say" asks about one force).
_VERB = r"(?:is|are|was|were|did|does|do|has|have|had|will|can|should|would)\b"
_BETWEEN = rf"(?:(?!{_VERB})[\w'’-]+\s+){{0,3}}?"
_LISTING = re.compile(
    rf"\b(?:which|what|whose|how many|name|list|identify|show|find)\s+{_BETWEEN}{_PARTY}\b"
    r"(?! for improvement)"
    rf"|\b(?:any|all|every|other)\s+(?:of\s+the\s+|the\s+)?{_PARTY}\b(?! for improvement)"
    r"|^\s*(?:has|have|do|does|did|is|are|were)\s+(?:any|some)\b",
    re.IGNORECASE,
)
_PLURAL_PARTY = re.compile(
    r"\b(?:forces|constabularies|p[fc]?ccs|opccs|commissioners|areas|responses|counties)\b",
    re.IGNORECASE,
)
_SINGULAR = re.compile(
    r"\b(?:which|what|name the)\s+(?:one\s+)?(?:force|constabulary|p[fc]?cc|opcc|commissioner"
    r"|county|area|office|response|mayor)\b(?!s)",
    re.IGNORECASE,
)
_COMPARE = re.compile(
    r"\bcompar\w*|\bdiffer\w*|\bcontrast\w*|\bacross (?:the )?(?:forces|responses|pccs)\b"
    r"|\beach (?:force|pcc|commissioner|response)\b|\bside by side\b|\bversus\b|\bvs\.?\s",
    re.IGNORECASE,
)
_WHICH_OF = re.compile(r"\bwhich of\b", re.IGNORECASE)
_WHICH_OF_LEAD = re.compile(r"^\s*which of(?:\s+the(?:se)?)?\s*", re.IGNORECASE)
_EXCLUDING = re.compile(
    r"(?:other than|apart from|except(?: for)?|excluding|besides|aside from|not including"
    r"|outside(?: of)?)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}$",
    re.IGNORECASE,
)
_FRAMING_LEAD = re.compile(
    rf"^\s*(?:(?:which|what|whose|name|list|identify|show|find)(?:\s+(?:all|of))?(?:\s+the)?"
    rf"(?:\s+\w+)?(?:\s+{_PARTY})+(?:['’]s?)?(?:\s+(?:have|has|had|do|does|did|are|is|were"
    rf"|was|that|which|who|where|will|can))*"
    rf"|(?:has|have|do|does|did|is|are)\s+(?:any|some)(?:\s+\w+)?(?:\s+{_PARTY})+"
    rf"|how\s+(?:do|did|does)\s+(?:the\s+)?{_PARTY}(?:\s+responses?)?\s+compare(?:\s+(?:on|in|about))?"
    r"|compare\s+how(?:\s+the)?|how\s+(?:do|does|did)|what\s+(?:do|does|did))\s+",
    re.IGNORECASE,
)
_NEGATIVE = re.compile(
    r"\b(?:not|never|no longer|fail(?:s|ed)? to|without|refus\w*|reject\w*|declin\w*)\b|n[’']t\b",
    re.IGNORECASE,
)

# Words that frame a question about responses rather than say what it is about.
FRAMING_WORDS = frozenset(
    """force forces police constabulary constabularies pcc pccs pfcc pfccs opcc opccs
    commissioner commissioners office offices response responses respond responded say said
    says mention mentions mentioned talk talks discuss discusses describe describes doing way
    ways which what anything something report inspection hmicfrs area areas their its they them
    chief constable constables refer refers referred reference references regarding relating
    name list identify show find whose many much""".split()
)

METADATA_FIELDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "within_56_days",
        re.compile(
            r"\b56[- ]days?\b|\bwithin (?:the )?(?:statutory|deadline|time)|\bon time\b|\blate\b"
            r"|\bdeadline\b|\bin time\b",
            re.I,
        ),
    ),
    ("days_to_respond", re.compile(r"\bhow (?:many days|long)\b.*\b(?:respond|reply|take)", re.I)),
    (
        "response_date",
        re.compile(
            r"\bwhen\b.*\b(?:respond|reply|replied|write|wrote|sign|date)"
            r"|\b(?:response|reply|letter) date\b|\bdated\b",
            re.I,
        ),
    ),
    ("published", re.compile(r"\bwhen\b.*\bpublish|\bpublication date\b|\bdate published\b", re.I)),
    (
        "inspection",
        re.compile(
            r"\b(?:which|what) (?:hmicfrs |hmic )?(?:report|inspection)\b[^?]*\b(?:respond\w*"
            r"|about|answer\w*|comment\w*)|\btitle of (?:the )?(?:report|inspection)\b",
            re.I,
        ),
    ),
    (
        "signatory",
        re.compile(r"\bwho (?:signed|wrote|sent|authored)\b|\bsignator|\bsigned by\b", re.I),
    ),
    (
        "addressee",
        re.compile(
            r"\b(?:to whom|who (?:was|is) (?:it|the \w+) addressed|addressed to|sent to|"
            r"written to|who (?:was|is) (?:it|the \w+) (?:sent|written) to)\b",
            re.I,
        ),
    ),
)
_METADATA_VALUE = {
    "addressee": re.compile(r"\b(?:addressed|sent|written) to\s+(?:the\s+)?(.+?)\s*[?.]*$", re.I),
    "signatory": re.compile(r"\bsigned (?:by|off by)\s+(?:the\s+)?(.+?)\s*[?.]*$", re.I),
}
_LATE = re.compile(r"\blate\b|\bafter the deadline\b|\bmiss\w*\b|\boutside\b|\bmore than\b", re.I)

ANSWER_TYPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("amount", re.compile(r"\bhow much\b|\bwhat (?:amount|sum|budget)\b", re.I)),
    ("number", re.compile(r"\bhow many\b|\bwhat (?:number|proportion|percentage)\b", re.I)),
    (
        "date",
        re.compile(
            r"^\s*when\b|\bby when\b|\bwhat (?:date|year|month)\b"
            r"|\bwhen (?:will|did|was|is|does|do)\b",
            re.I,
        ),
    ),
    ("rating", re.compile(r"\b(?:grade|graded|grading|rating|rated|judged)\b", re.I)),
    (
        "person",
        re.compile(
            r"^\s*who\b(?!\s+(?:has|have|had|else)\b)"
            r"|\bwhich (?:officer|person|individual)\b|\bname of the\b",
            re.I,
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class Question:
    """A question read for answering; `text` as asked, `searched` with typos mended."""

    text: str
    kind: str
    forces: tuple[str, ...] = ()  # the forces the question is about; () means every force
    excluded: tuple[str, ...] = ()  # forces it leaves out ("other than Norfolk")
    topic: str = ""
    terms: tuple[str, ...] = ()
    singular: bool = False
    listing: bool = False  # asks for a set of forces ("which forces ...")
    negative: bool = False
    metadata_field: str | None = None
    metadata_value: str | None = None
    answer_type: str | None = None
    searched: str = ""

    @property
    def focus(self) -> str:
        """What evidence is compared with: the topic, or the question when it has none."""
        return self.topic or self.searched or self.text


def read_question(text: str, searched: str | None = None) -> Question:
    """Read a question (as searched, typos mended) for kind, scope, topic, terms and answer type."""
    searched = (searched or text).strip()
    mentions = force_mentions(searched)
    excluded = tuple(
        dict.fromkeys(f.force for f, start, _ in mentions if _EXCLUDING.search(searched[:start]))
    )
    named = tuple(dict.fromkeys(f.force for f, _, _ in mentions if f.force not in excluded))
    field = metadata_field(searched)
    listing = (
        bool(_LISTING.search(searched))
        or (not named and bool(_PLURAL_PARTY.search(searched)))
        or (len(named) >= 2 and bool(_WHICH_OF.search(searched)))
    )
    if field:
        kind = "metadata"
    elif _COMPARE.search(searched):
        kind = "compare"
    elif listing:
        kind = "which_forces"
    elif len(named) > 1:
        kind = "compare"  # "How do the Essex and Hampshire commissioners describe ...?"
    elif named:
        kind = "force"
    else:
        kind = "general"
    scope = _scope(kind, named, searched)
    topic = question_topic(searched, (*scope, *excluded))
    return Question(
        text=text,
        kind=kind,
        forces=scope,
        excluded=excluded,
        topic=topic,
        terms=tuple(t for t in content_terms(topic) if t not in FRAMING_WORDS),
        singular=bool(_SINGULAR.search(searched)),
        listing=listing,
        negative=bool(_NEGATIVE.search(searched)),
        metadata_field=field,
        metadata_value=_metadata_value(field, searched) if listing else None,
        answer_type=None if listing else answer_type(searched),
        searched=searched,
    )


def _scope(kind: str, named: tuple[str, ...], text: str) -> tuple[str, ...]:
    """The forces a question is about: those it asks about, not those it merely mentions."""
    if kind in ("force", "compare") or (kind == "metadata" and named):
        return named
    if kind == "which_forces" and len(named) >= 2 and _WHICH_OF.search(text):
        return named  # "which of Kent, Essex and Surrey ..."
    return ()


def question_topic(text: str, scope: tuple[str, ...] = ()) -> str:
    """What the question is about, without 'which forces ...' framing or the forces it scopes.

    Evidence is compared with this: the word 'forces' or a force's name in the question would
    make any sentence naming a force look relevant.
    """
    topic = _FRAMING_LEAD.sub("", text.strip())
    for force, start, end in reversed(force_mentions(topic)):
        if force.force in scope:
            before = _EXCLUDING.sub("", topic[:start])
            topic = before + " " + re.sub(r"^['’]s?\b", "", topic[end:])
    topic = _WHICH_OF_LEAD.sub("", topic)
    topic = re.sub(r"^(?:[\s,]|\b(?:and|or)\b)+", "", topic, flags=re.IGNORECASE)
    topic = re.sub(r"\s+", " ", topic).strip(" ,?")
    return topic if content_terms(topic) else text


def metadata_field(text: str) -> str | None:
    """Which extracted fact a question asks for, if it asks for one."""
    for name, pattern in METADATA_FIELDS:
        if pattern.search(text):
            return name
    return None


def answer_type(text: str) -> str | None:
    """The type of value a question wants (a number, a date, a person ...), if it wants one."""
    for name, pattern in ANSWER_TYPES:
        if pattern.search(text):
            return name
    return None


def _metadata_value(field: str | None, text: str) -> str | None:
    """The value a which-forces question filters a metadata field on ('the Home Secretary')."""
    if field == "within_56_days":
        return "no" if _LATE.search(text) else "yes"
    pattern = _METADATA_VALUE.get(field or "")
    match = pattern.search(text) if pattern else None
    return match.group(1).strip() if match else None
