"""Typo tolerance: a word neither the corpus nor English knows is read as the nearest corpus word.

"whcih forcs use tuserve" is searched as "which forces use tuserv". Only words absent from both
the corpus and an English lexicon are touched, so a real word the corpus lacks ('Niche',
'drone') stays as asked and can still make the answer "no response mentions it".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from qa.lexical import stem

MIN_WORD = 4  # shorter words have too many neighbours one edit away
LONG_WORD = 10  # from this length a word may be two edits (transpositions count one) off
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*[A-Za-z]|[A-Za-z]")


@dataclass(frozen=True, slots=True)
class Correction:
    """A word as typed and the corpus word it was read as."""

    typed: str
    corrected: str


class Vocabulary:
    """The corpus's indexed stems with their document counts, for spotting and mending typos."""

    def __init__(self, counts: Mapping[str, int], surface: Callable[[str], str | None]) -> None:
        self.counts = counts
        self._surface = surface
        self._stems = list(counts)

    def nearest(self, word: str) -> str | None:
        """The corpus word nearest a typed one, or None when none is near enough.

        A word whose stem the corpus holds ('forcs' -> 'forc') is read as the corpus's own
        spelling of that stem; otherwise the nearest stem within one edit (two for long words).
        """
        key = stem(word)
        if key in self.counts:
            return self._surface(key)
        limit = 2 if len(word) >= LONG_WORD else 1
        found = process.extract(key, self._stems, scorer=OSA.distance, score_cutoff=limit, limit=8)
        if not found:
            return None
        best = min(found, key=lambda item: (item[1], -self.counts[item[0]]))[0]
        return self._surface(best)


def correct(text: str, vocabulary: Vocabulary) -> tuple[str, tuple[Correction, ...]]:
    """The text with unknown words replaced by their nearest corpus words, and what changed."""
    corrections: list[Correction] = []

    def mend(match: re.Match[str]) -> str:
        word = match.group()
        if len(word) < MIN_WORD or _known(word):
            return word
        replacement = vocabulary.nearest(word)
        if replacement is None or replacement.casefold() == word.casefold():
            return word
        if word.islower():
            replacement = replacement.lower()
        corrections.append(Correction(word, replacement))
        return replacement

    mended = _WORD.sub(mend, text)
    return mended, tuple(corrections)


def _known(word: str) -> bool:
    return word.casefold().replace("’", "'") in _lexicon()


@cache
def _lexicon() -> frozenset[str]:
    """English words (pyspellchecker's frequency list), loaded on the first unknown word."""
    from spellchecker import SpellChecker

    return frozenset(SpellChecker().word_frequency.dictionary)
