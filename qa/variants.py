"""The same question asked as people ask it: lower case, a typo in the key word, other words.

Answers that hold only for the exact words of a question fail their users; the evaluation runs
every question again in these forms and reports the scores beside the originals.
"""

from __future__ import annotations

import re

from qa.evaluate import EvalQuestion

VARIANTS = ("original", "lower", "typo", "reworded")
MIN_TYPO_WORD = 5

_WORD = re.compile(r"[A-Za-z]+")
_QUESTION_WORDS = frozenset(
    "which what where when whose there their these those forces force about being".split()
)


def variant(question: EvalQuestion, name: str) -> str | None:
    """The question in the named form, or None when the set has no such form for it."""
    if name == "original":
        return question.question
    if name == "lower":
        return question.question.lower()
    if name == "typo":
        return question.typo or with_typo(question.question)
    if name == "reworded":
        return question.reworded
    raise ValueError(f"unknown variant '{name}': choose one of {', '.join(VARIANTS)}")


def with_typo(text: str) -> str:
    """Swap two middle letters of the question's longest word, as a hurried typist would."""
    words = [
        m
        for m in _WORD.finditer(text)
        if len(m.group()) >= MIN_TYPO_WORD and m.group().lower() not in _QUESTION_WORDS
    ]
    if not words:
        return text
    word = max(words, key=lambda m: (len(m.group()), -m.start()))
    middle = word.start() + len(word.group()) // 2
    return text[: middle - 1] + text[middle] + text[middle - 1] + text[middle + 1 :]
