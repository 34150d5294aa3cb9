"""Read a question: what kind it is, which forces it names, which terms it hinges on."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.keyword import GLOSSARY, query_terms
from ingest.forces import forces_mentioned

KINDS = ("which_forces", "compare", "force", "metadata", "general")

# Words that frame a question about responses rather than say what it is about.
FRAMING_WORDS = frozenset(
    """force forces police constabulary constabularies pcc pccs pfcc opcc commissioner
    commissioners office response responses respond responded say said says mention mentions
    mentioned use uses using used talk talks discuss discusses describe describes plan plans
    planning doing approach approaches compare comparison differ different way ways how which
    what anything something report inspection hmicfrs area areas their its they them
    chief constable constables refer refers referred reference references regarding relating
    relation""".split()
)

_WHICH_FORCES = re.compile(
    r"\b(which|what|how many|do any|does any|did any|name the|list the|list all)\b[\w\s,'-]{0,25}?"
    r"\b(forces?|constabular(?:y|ies)|pccs?|commissioners?|areas?|responses?|opccs?|count(?:y|ies))\b"
    r"|\bany (?:force|pcc|commissioner)s?\b",
    re.IGNORECASE,
)
_COMPARE = re.compile(
    r"\bcompar\w*|\bdiffer\w*|\bacross (?:the )?(?:forces|responses|pccs)\b|\beach force\b"
    r"|\bhow do (?:the )?(?:forces|pccs|commissioners)\b|\bside by side\b|\bversus\b|\bvs\.?\b",
    re.IGNORECASE,
)

METADATA_FIELDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "within_56_days",
        re.compile(
            r"\b56[- ]day|\bwithin (?:the )?(?:statutory|deadline|time)|"
            r"\bon time\b|\blate\b|\bdeadline\b|\bin time\b",
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
        "signatory",
        re.compile(r"\bwho (?:signed|wrote|sent|authored)\b|\bsignator|\bsigned by\b", re.I),
    ),
    (
        "addressee",
        re.compile(
            r"\b(?:to whom|who (?:was|is) (?:it|the \w+) addressed|addressed to|"
            r"sent to|written to)\b",
            re.I,
        ),
    ),
)

_PARTY = (
    r"(?:forces?|constabular(?:y|ies)|pccs?|commissioners?|areas?|responses?|opccs?|counties"
    r"|county|offices?|police)"
)
_FRAMING_LEAD = re.compile(
    rf"^(?:(?:which|what)(?: of (?:these|the))?(?: \w+)?(?: {_PARTY})+"
    rf"(?: (?:have|has|do|does|did))?"
    rf"|how (?:do|did|does) (?:the )?{_PARTY}(?: responses?)? compare(?: on| in| about)?"
    rf"|compare how(?: the)?|how do(?:es)?|what (?:do|does|did))\s+",
    re.IGNORECASE,
)
_SINGULAR = re.compile(
    r"\bwhich (?:of these |one )?(?:force|constabulary|pcc|commissioner|county|area|office)\b"
    r"(?! (?:offices|forces|areas|teams|staff)\b)",
    re.IGNORECASE,
)
_SPECIFIC = re.compile(r"(?<![\w'])([A-Z][\w]*[A-Z][\w]*|[a-z]+[A-Z]\w*|[A-Z]{2,}\d*|\w*\d\w*)\b")
_CAPITALISED = re.compile(r"(?<=[\w,;:] )([A-Z][a-z]{2,})\b")


@dataclass(frozen=True, slots=True)
class Question:
    """A parsed question; `anchors` are distinctive terms any supporting sentence must contain."""

    text: str
    kind: str
    forces: tuple[str, ...]
    focus_terms: tuple[str, ...]
    anchors: tuple[str, ...]
    metadata_field: str | None = None
    topic: str = ""
    singular: bool = False


def parse_question(text: str, forces_named: tuple[str, ...] = ()) -> Question:
    """Classify a question and pull out what it hinges on."""
    field = metadata_field(text)
    if field and (forces_named or not _WHICH_FORCES.search(text)):
        kind = "metadata"
    elif _COMPARE.search(text):
        kind = "compare"
    elif _WHICH_FORCES.search(text):
        kind = "which_forces"
    elif forces_named:
        kind = "force"
    else:
        kind = "general"
    if field and kind == "which_forces":
        kind = "metadata"
    force_words = {w.lower() for name in forces_named for w in re.findall(r"\w+", name)}
    focus = tuple(t for t in query_terms(text) if t not in FRAMING_WORDS and t not in force_words)
    return Question(
        text,
        kind,
        forces_named,
        focus,
        anchor_terms(text, force_words),
        field,
        topic=question_topic(text),
        singular=bool(_SINGULAR.search(text)),
    )


def question_topic(text: str) -> str:
    """What the question is about, without force names or 'which forces ...' framing.

    Sentences are scored against this: a force's name or the word 'forces' in the question
    would otherwise make any sentence naming a force look relevant.
    """
    topic = _FRAMING_LEAD.sub("", text.strip())
    for force in forces_mentioned(topic):
        for name in sorted({force.force, force.force_name, *force.aliases}, key=len, reverse=True):
            topic = re.sub(rf"\b{re.escape(name)}(?:'s|’s)?\b", " ", topic, flags=re.IGNORECASE)
    topic = re.sub(r"\s+", " ", topic).strip(" ,?")
    topic = re.sub(r"^(?:and|or|,)\s+", "", topic)
    return topic if len(query_terms(topic)) >= 1 else text


def metadata_field(text: str) -> str | None:
    """Which extracted fact a question asks for, if it asks for one."""
    for name, pattern in METADATA_FIELDS:
        if pattern.search(text):
            return name
    return None


def anchor_terms(text: str, exclude: set[str] = frozenset()) -> tuple[str, ...]:
    """Acronyms, CamelCase names, codes and mid-sentence proper nouns: 'tuServ', 'Niche', 'RMS'.

    A sentence that lacks every form of such a term cannot be evidence for it, however similar
    its meaning; this is what keeps "which forces use Niche?" from naming a force that uses
    another system.
    """
    found: dict[str, int] = {}
    glossary_forms = {form.lower() for group in GLOSSARY for form in group}
    for match in [*_SPECIFIC.finditer(text), *_CAPITALISED.finditer(text)]:
        term = match.group(1)
        lowered = term.lower()
        if lowered in exclude or lowered in FRAMING_WORDS or lowered in _GENERIC_CAPS:
            continue
        if lowered in glossary_forms and lowered in _BROAD_GLOSSARY:
            continue
        if lowered.isdigit():
            continue  # "outcome 22": the number belongs to a phrase, not a name on its own
        found.setdefault(term, match.start(1))
    found = dict(sorted(found.items(), key=lambda item: item[1]))
    return tuple(found)


# Capitalised words that name the domain itself rather than a distinctive thing.
_GENERIC_CAPS = frozenset(
    """home office secretary england wales police crime commissioner constabulary chief
    constable hmicfrs hmic pcc pfcc opcc npcc uk march april may june july""".split()
)
_BROAD_GLOSSARY = frozenset({"pcc", "pfcc", "opcc", "hmicfrs", "hmic", "commissioner"})
