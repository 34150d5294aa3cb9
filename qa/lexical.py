"""Words as the keyword index sees them: Porter stems (FTS5's own), glossary forms, IDF coverage.

One stemmer for the question, the evidence and the index, so 'policies' matches 'policy' and
'communities' matches 'community' here exactly when FTS5 matches them.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

from index.keyword import GLOSSARY, query_terms

_WORD = re.compile(r"\w+")
BM25_K1 = 1.2
_local = threading.local()


def stem(word: str) -> str:
    """The Porter stem FTS5's `porter` tokenizer indexes for a word (lower-cased first)."""
    return _stem(word.casefold())


@lru_cache(maxsize=65_536)
def _stem(word: str) -> str:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:  # PyStemmer objects are not thread-safe: one per thread
        stemmer = _local.stemmer = Stemmer.Stemmer("porter")
    return stemmer.stemWord(word)


def stems(text: str) -> set[str]:
    return {stem(w) for w in _WORD.findall(text)}


def content_terms(text: str) -> tuple[str, ...]:
    """The words of a text a match should hinge on, lower-cased, without stopwords."""
    return tuple(query_terms(text))


def forms(term: str) -> tuple[str, ...]:
    """A term and its glossary equivalents ('vru' also means 'violence reduction unit')."""
    lowered = term.casefold()
    for group in GLOSSARY:
        if lowered in (form.casefold() for form in group):
            return group
    return (term,)


@lru_cache(maxsize=4096)
def form_pattern(term: str) -> re.Pattern[str] | None:
    """A pattern for a term's multi-word or acronym glossary forms; None when it has none."""
    others = [f for f in forms(term) if f.casefold() != term.casefold()]
    if not others:
        return None
    alternatives = "|".join(r"\W+".join(map(re.escape, f.split())) for f in others)
    return re.compile(rf"(?<!\w)(?:{alternatives})s?(?!\w)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class TermWeights:
    """IDF weight of each question term (by stem): rare words say what a question is about."""

    weights: Mapping[str, float]  # stem -> idf
    terms: Mapping[str, str]  # stem -> the word as asked
    absent: frozenset[str] = frozenset()  # stems no chunk holds

    @property
    def total(self) -> float:
        return sum(self.weights.values())

    def present(self, text: str, text_stems: set[str] | None = None) -> set[str]:
        """The question's stems a text holds, directly or in a glossary form."""
        held = text_stems if text_stems is not None else stems(text)
        found = set()
        for key, word in self.terms.items():
            pattern = form_pattern(word)
            if key in held or (pattern is not None and pattern.search(text)):
                found.add(key)
        return found

    def coverage(self, present: Iterable[str]) -> float:
        """Share of the question's IDF weight that the present stems carry."""
        total = self.total
        return sum(self.weights[s] for s in present) / total if total else 0.0

    def bm25(self, text: str) -> float:
        """BM25 of a passage for the question's terms, with these (always positive) weights.

        FTS5's own IDF sinks to nothing for a word in half of a small corpus's chunks, which
        would make five responses rank unlike five hundred; this one does not.
        """
        counts: dict[str, int] = {}
        for word in _WORD.findall(text):
            key = stem(word)
            if key in self.weights:
                counts[key] = counts.get(key, 0) + 1
        return sum(self.weights[k] * n * (BM25_K1 + 1) / (n + BM25_K1) for k, n in counts.items())

    def rarest(self) -> str | None:
        """The rarest question term the corpus holds at all."""
        held = [k for k in self.weights if k not in self.absent]
        return max(held, key=self.weights.__getitem__, default=None)

    def distinctive(self, count: int = 2) -> list[str]:
        """The question's rarest terms, whether or not the corpus holds them."""
        return sorted(self.weights, key=self.weights.__getitem__, reverse=True)[:count]
