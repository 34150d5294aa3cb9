"""Find the sentences in retrieved passages that answer a question, scored against the question."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.embedder import text_hash
from index.keyword import GLOSSARY
from index.search import SearchIndex
from index.types import Hit
from ingest.sentences import Sentence, split_sentences
from ingest.types import Chunk
from qa.question import Question

# Calibrated on the dev set (qa/data/dev_questions.jsonl); see README "Answer quality".
SUPPORT_MIN = 0.52  # semantic + lexical score a sentence needs to count as evidence
ANCHORED_SUPPORT_MIN = 0.30  # lower bar when the sentence contains the question's key term
LEXICAL_WEIGHT = 0.25
RECOMMENDATION_QUOTE_PENALTY = 0.12  # a restated recommendation is not the force's answer
SECOND_QUOTE_MARGIN = 0.08
SENTENCE_CACHE_SIZE = 50_000

_WORD = re.compile(r"[a-z0-9]+")
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "es", "ed", "ly", "s")


def stem(word: str) -> str:
    """A light stemmer: enough to match 'trained'/'training', 'forces'/'force'."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


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
        self._recommendation_spans: dict[str, list[tuple[int, int]]] = {}

    def missing_anchors(self, question: Question) -> list[str]:
        """Key terms of the question that no passage in the corpus contains at all."""
        return [a for a in question.anchors if not self._corpus_has(a)]

    def _corpus_has(self, term: str) -> bool:
        forms = _forms(term)
        match = " OR ".join('"' + " ".join(_WORD.findall(f.lower())) + '"' for f in forms)
        return bool(self.index.store.keyword_search(match, 1))

    def score(
        self,
        question: Question,
        query_vector: np.ndarray,
        hits: Sequence[Hit],
        anchors: Sequence[str],
    ) -> list[Evidence]:
        """Every sentence of the hits, best first, marked with whether it supports an answer."""
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
        focus = {stem(t) for t in question.focus_terms}
        anchor_patterns = [_anchor_pattern(a) for a in anchors]
        seen: set[tuple[str, int]] = set()
        scored = []
        for (sentence, chunk, passage), sem in zip(candidates, semantic, strict=True):
            if (chunk.doc_id, sentence.start) in seen:
                continue  # overlapping chunks repeat sentences
            seen.add((chunk.doc_id, sentence.start))
            lexical = len(focus & stems(sentence.key)) / len(focus) if focus else 0.0
            anchored = any(p.search(sentence.key) for p in anchor_patterns)
            total = float(sem) + LEXICAL_WEIGHT * lexical
            if self._is_recommendation_quote(chunk.doc_id, sentence):
                total -= RECOMMENDATION_QUOTE_PENALTY
            if anchor_patterns:
                supports = anchored and total >= ANCHORED_SUPPORT_MIN
            else:
                supports = total >= SUPPORT_MIN
            scored.append(
                Evidence(sentence, chunk, passage, total, float(sem), lexical, anchored, supports)
            )
        return sorted(scored, key=lambda e: e.score, reverse=True)

    def sentence_vectors(self, keys: Sequence[str]) -> np.ndarray:
        """Vectors for sentence keys: memory, then the store's cache, then the model."""
        with self._lock:
            missing = [k for k in dict.fromkeys(keys) if k not in self._vectors]
        if missing:
            model = self.index.embedder.model
            hashes = {k: text_hash(k) for k in missing}
            cached = self.index.store.cached_vectors(model, list(hashes.values()))
            fresh_keys = [k for k in missing if hashes[k] not in cached]
            fresh = self.index.embedder.encode_documents(fresh_keys) if fresh_keys else None
            with self._lock:
                for k in missing:
                    if hashes[k] in cached:
                        self._vectors[k] = np.frombuffer(cached[hashes[k]], dtype=np.float32)
                for i, k in enumerate(fresh_keys):
                    self._vectors[k] = fresh[i]
                while len(self._vectors) > SENTENCE_CACHE_SIZE:
                    self._vectors.popitem(last=False)
        with self._lock:
            return np.vstack([self._vectors[k] for k in keys])

    def _is_recommendation_quote(self, doc_id: str, sentence: Sentence) -> bool:
        if doc_id not in self._recommendation_spans:
            document = self.index.store.document(doc_id)
            recs = document.metadata.recommendations if document else ()
            self._recommendation_spans[doc_id] = [(r.char_start, r.char_end) for r in recs]
        return any(
            start < sentence.end and sentence.start < end
            for start, end in self._recommendation_spans[doc_id]
        )


def best_per_force(evidence: Sequence[Evidence], per_force: int = 2) -> dict[str, list[Evidence]]:
    """Each force's strongest supporting sentences, at most `per_force`, close to its best."""
    grouped: dict[str, list[Evidence]] = {}
    for item in evidence:
        if not item.supports:
            continue
        force = item.chunk.force or "Unknown force"
        chosen = grouped.setdefault(force, [])
        if len(chosen) < per_force and (
            not chosen or item.score >= chosen[0].score - SECOND_QUOTE_MARGIN
        ):
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
