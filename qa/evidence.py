"""Find the sentences in retrieved passages that answer a question, scored against the question."""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.build import embed_with_cache
from index.keyword import GLOSSARY
from index.search import SearchIndex
from index.types import Hit
from ingest.sentences import Sentence, split_sentences
from ingest.types import Chunk, DocumentMetadata
from qa.question import Question

# Calibrated on the dev set (qa/data/dev_questions.jsonl); see README "Answer quality".
SUPPORT_MIN = 0.55  # semantic + weighted lexical score a sentence needs to count as evidence
ANCHORED_SUPPORT_MIN = 0.3  # ...or, holding the question's distinctive names, this much
COMPARE_MIN = 0.5  # a force's closest sentence in a comparison must still be on the topic
MIN_COVERAGE = 0.5  # share (IDF-weighted) of the question's terms a cross-force quote must hold
STRONG_SEMANTIC = 0.62  # ...unless its meaning is this close (a paraphrase)
PARAPHRASE_COVERAGE = 0.3  # ...and it still shares some of the question's words
LEXICAL_WEIGHT = 0.25
RECOMMENDATION_QUOTE_PENALTY = 0.12  # a restated recommendation is not the force's answer
TITLE_PENALTY = 0.15  # nor is the inspection's title, which resembles any question on its topic
SECOND_QUOTE_MARGIN = 0.08
SENTENCE_CACHE_SIZE = 50_000
WARM_BATCH = 128
WEIGHTS_CACHE_SIZE = 256
PHRASE_WEIGHT_SHARE = 0.8  # two rare words this close in weight, adjacent in the question

_WORD = re.compile(r"[a-z0-9]+")
_NEGATION = re.compile(r"\b(?:not|no|never|neither|nor|without|none)\b|n't\b|n’t\b", re.IGNORECASE)
# "3. By 31 March 2024, chief constables should ..." and restatements without the deadline.
_RECOMMENDATION_WORDING = re.compile(
    r"^[\W\d]*(?:#?\d+\s*[–-]\s*)?(?:recommendation\s*\d*\s*:?\s*)?(?:by [^,]{3,40},\s*)?"
    r"(?:all )?(?:chief constables|the home office|police forces|forces|pccs|police and crime "
    r"commissioners|the inspectorate|hmicfrs)\s+should\b",
    re.IGNORECASE,
)
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "es", "ed", "ly", "s")


def stem(word: str) -> str:
    """A light stemmer: enough to match 'trained'/'training', 'forces'/'force'."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    # 'secure'/'secured', 'outcome'/'outcomes': a final e is dropped on both sides.
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def stems(text: str) -> set[str]:
    return {stem(w) for w in _WORD.findall(text.lower())}


@dataclass(frozen=True, slots=True)
class Evidence:
    """A sentence that may answer the question, with the passage it came from and why it scored."""

    sentence: Sentence
    chunk: Chunk
    passage: str
    score: float
    semantic: float
    lexical: float
    anchored: bool
    supports: bool


class EvidenceFinder:
    """Scores sentences of hits against a question, reusing precomputed sentence vectors."""

    def __init__(self, index: SearchIndex) -> None:
        self.index = index
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._metadata_cache: dict[str, DocumentMetadata] = {}
        self._weights: dict[tuple[str, ...], dict[str, float]] = {}

    def missing_anchors(self, question: Question) -> list[str]:
        """Key terms of the question that no passage in the corpus contains at all."""
        return [a for a in question.anchors if not self._corpus_has(a)]

    def _corpus_has(self, term: str) -> bool:
        return bool(self.index.store.keyword_search(_forms_match(term), 1))

    def forget(self) -> None:
        """Drop corpus statistics after an ingest."""
        self._weights.clear()

    def term_weights(self, terms: Sequence[str]) -> dict[str, float]:
        """IDF of each term over the corpus's chunks: rare words decide what a question is about.

        Remembered per question: a which-forces answer scores every force with the same terms.
        """
        key = tuple(terms)
        if key not in self._weights:
            if len(self._weights) >= WEIGHTS_CACHE_SIZE:
                self._weights.clear()
            total = max(self.index.store.chunk_count(), 1)
            self._weights[key] = {
                stem(term): math.log(
                    (total + 1) / (self.index.store.keyword_count(_forms_match(term)) + 0.5)
                )
                for term in terms
            }
        return self._weights[key]

    def score(
        self,
        question: Question,
        query_vector: np.ndarray,
        hits: Sequence[Hit],
        anchors: Sequence[str],
        mode: str = "strict",
    ) -> list[Evidence]:
        """Every sentence of the hits, best first, marked with whether it supports an answer.

        Modes: "strict" (which forces ...) names a force only on a sentence that holds the
        question's key terms (`anchors`) and most of its weighted words, or says the same in other
        words; "compare" takes each force's closest sentence on the topic; "single" (one named
        force) ranks that force's sentences by score alone.
        """
        passages = self.index.store.passages(h.chunk.chunk_id for h in hits)
        candidates: list[tuple[Sentence, Chunk, str]] = []
        for hit in hits:
            passage = passages.get(hit.chunk.chunk_id, "")
            for sentence in split_sentences(passage, offset=hit.chunk.char_start):
                candidates.append((sentence, hit.chunk, passage))
        if not candidates:
            return []
        matrix = self.sentence_vectors([s.key for s, _, _ in candidates])
        semantic = matrix @ query_vector
        weights = self.term_weights(question.focus_terms)
        asks_negative = bool(_NEGATION.search(question.text))
        total_weight = sum(weights.values())
        # 'RMS' is also present where a sentence says 'records management system'.
        alternatives = {
            stem(t): [_anchor_pattern(f) for f in _forms(t) if f.lower() != t]
            for t in question.focus_terms
        }
        rarest = max(weights.values(), default=0.0)
        key_terms = {term for term, weight in weights.items() if weight >= rarest - 1e-9}
        key_phrase = _key_phrase(question.focus_terms, question.text, weights)
        anchor_patterns = [_anchor_pattern(a) for a in anchors]
        seen: set[tuple[str, int]] = set()
        scored = []
        for (sentence, chunk, passage), sem in zip(candidates, semantic, strict=True):
            if (chunk.doc_id, sentence.start) in seen:
                continue  # overlapping chunks repeat sentences
            seen.add((chunk.doc_id, sentence.start))
            present = _terms_present(weights, alternatives, sentence.key)
            coverage = sum(weights[t] for t in present) / total_weight if total_weight else 0.0
            anchored = any(p.search(sentence.key) for p in anchor_patterns)
            total = float(sem) + LEXICAL_WEIGHT * coverage
            quotes_recommendation = self._is_recommendation_quote(chunk.doc_id, sentence)
            if quotes_recommendation:
                total -= RECOMMENDATION_QUOTE_PENALTY
            if self._quotes_title(chunk.doc_id, sentence):
                total -= TITLE_PENALTY
            # The inspectorate's own words, quoted back, are never a force's evidence.
            supports = not quotes_recommendation and (anchored or not anchor_patterns)
            if mode == "strict":
                paraphrase = sem >= STRONG_SEMANTIC and coverage >= PARAPHRASE_COVERAGE
                # A name the model has never seen ('Niche') is evidence by its presence alone.
                bar = ANCHORED_SUPPORT_MIN if anchored else SUPPORT_MIN
                supports = supports and total >= bar
                # Most of the question's weight, including its rarest word, or a paraphrase.
                holds_key = bool(key_terms & present) and (
                    key_phrase is None or bool(key_phrase.search(sentence.key))
                )
                supports = supports and ((coverage >= MIN_COVERAGE and holds_key) or paraphrase)
                # "Norfolk was not one of the forces inspected" answers "which were", negatively.
                supports = supports and (asks_negative or not _NEGATION.search(sentence.key))
            elif mode == "compare":
                supports = supports and total >= COMPARE_MIN
            else:
                supports = not quotes_recommendation and total >= SUPPORT_MIN
            scored.append(
                Evidence(sentence, chunk, passage, total, float(sem), coverage, anchored, supports)
            )
        return sorted(scored, key=lambda e: e.score, reverse=True)

    def sentence_vectors(self, keys: Sequence[str]) -> np.ndarray:
        """Vectors for sentence keys: memory, then the store's cache, then the model.

        Sentences are embedded the first time an answer reads them and kept in the store's
        cache, so ingestion embeds chunks only and later processes start warm.
        """
        with self._lock:
            missing = [k for k in dict.fromkeys(keys) if k not in self._vectors]
        if missing:
            matrix, _ = embed_with_cache(self.index.store, self.index.embedder, missing)
            with self._lock:
                self._vectors.update(zip(missing, matrix, strict=True))
                while len(self._vectors) > SENTENCE_CACHE_SIZE:
                    self._vectors.popitem(last=False)
        with self._lock:
            return np.vstack([self._vectors[k] for k in keys])

    def _metadata(self, doc_id: str) -> DocumentMetadata:
        if doc_id not in self._metadata_cache:
            document = self.index.store.document(doc_id)
            self._metadata_cache[doc_id] = document.metadata if document else DocumentMetadata()
        return self._metadata_cache[doc_id]

    def _is_recommendation_quote(self, doc_id: str, sentence: Sentence) -> bool:
        if _RECOMMENDATION_WORDING.match(sentence.key):
            return True
        return any(
            r.char_start < sentence.end and sentence.start < r.char_end
            for r in self._metadata(doc_id).recommendations
        )

    def _quotes_title(self, doc_id: str, sentence: Sentence) -> bool:
        title = self._metadata(doc_id).inspection
        return bool(title) and title.lower().rstrip(".") in sentence.key.lower()


def warm_sentence_cache(index: SearchIndex, batch: int = WARM_BATCH) -> int:
    """Embed every sentence not yet in the store's cache; returns how many were embedded.

    `pccqa serve` runs this in the background, so questions over a large corpus soon read only
    cached vectors while ingestion stays as fast as embedding the chunks alone.
    """
    chunk_ids = index.store.chunk_ids()
    embedded = 0
    for start in range(0, len(chunk_ids), batch):
        passages = index.store.passages(chunk_ids[start : start + batch])
        keys = sorted({s.key for text in passages.values() for s in split_sentences(text)})
        embedded += embed_with_cache(index.store, index.embedder, keys)[1]
    return embedded


def _terms_present(
    weights: dict[str, float], alternatives: dict[str, list[re.Pattern[str]]], sentence: str
) -> set[str]:
    """The question's (stemmed) terms a sentence holds, in any of their glossary forms."""
    sentence_stems = stems(sentence)
    return {
        term
        for term in weights
        if term in sentence_stems or any(p.search(sentence) for p in alternatives.get(term, ()))
    }


def _key_phrase(
    terms: Sequence[str], question: str, weights: dict[str, float]
) -> re.Pattern[str] | None:
    """When the question's two rarest words are a phrase ('needs assessment'), a pattern for it.

    A sentence must then hold them together (one word may come between: 'Child Criminal
    Exploitation'), so "police need strong partnerships" is no evidence of a needs assessment.
    """
    ranked = sorted(terms, key=lambda t: weights.get(stem(t), 0.0), reverse=True)
    if len(ranked) < 2:
        return None
    first, second = ranked[0], ranked[1]
    if weights.get(stem(second), 0.0) < PHRASE_WEIGHT_SHARE * weights.get(stem(first), 0.0):
        return None
    for a, b in ((first, second), (second, first)):
        if re.search(rf"\b{re.escape(a)}\W+{re.escape(b)}\b", question, re.IGNORECASE):
            return re.compile(rf"\b{_any_form(a)}\W+(?:\w+\W+)?{_any_form(b)}", re.IGNORECASE)
    return None


def _any_form(term: str) -> str:
    """A regex for a word by its stem or any glossary form ('rms', 'records management system')."""
    others = [re.escape(f) for f in _forms(term) if f.lower() != term.lower()]
    return "(?:" + "|".join([rf"{re.escape(stem(term))}\w*", *others]) + ")"


def _forms_match(term: str) -> str:
    """An FTS5 expression matching a term in any of its glossary forms."""
    return " OR ".join('"' + " ".join(_WORD.findall(f.lower())) + '"' for f in _forms(term))


def best_per_force(
    evidence: Sequence[Evidence], per_force: int = 2, margin: float = SECOND_QUOTE_MARGIN
) -> dict[str, list[Evidence]]:
    """Each force's strongest supporting sentences, at most `per_force`, close to its best."""
    grouped: dict[str, list[Evidence]] = {}
    for item in evidence:
        if not item.supports:
            continue
        force = item.chunk.force or "Unknown force"
        chosen = grouped.setdefault(force, [])
        if len(chosen) < per_force and (not chosen or item.score >= chosen[0].score - margin):
            chosen.append(item)
    return grouped


def _forms(term: str) -> list[str]:
    """A term and its glossary equivalents ('VRU' also matches 'violence reduction unit')."""
    for group in GLOSSARY:
        if term.lower() in (form.lower() for form in group):
            return list(group)
    return [term]


def _anchor_pattern(term: str) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(form) for form in _forms(term))
    return re.compile(rf"(?<![\w])(?:{alternatives})(?:s|es|'s)?(?![\w])", re.IGNORECASE)
