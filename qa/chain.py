"""The LangChain seam: our index as a BaseRetriever, the answer as an LCEL chain of Runnables.

question -> plan (typos, kind, forces in scope) -> gather (every force's candidate evidence,
judged by one fitted model) -> write (extractive composer, or a chat model) -> verify (every
quote in its source). The steps are plain functions; LangChain only strings them together.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda

from index.search import TOP_K, SearchFilters, SearchIndex
from index.types import Hit
from ingest.types import Chunk, Document
from qa.answer_types import states_type
from qa.candidates import ForceCandidates, Unit, gather
from qa.composer import Gathered, compose
from qa.facts import FIELD_TYPES, answer_fact
from qa.judge import (
    NOTHING,
    RELATED,
    STATES,
    AnswerPolicy,
    ForceVerdict,
    judge_forces,
    load_policy,
    names_its_forces,
)
from qa.lexical import TermWeights, forms, stem
from qa.question import Question, read_question
from qa.spelling import Vocabulary, correct
from qa.types import Answer, Citation

MAX_QUESTION_CHARS = 1000
NEAREST_K = 5
NEAREST_MIN_WORDS = 8  # a label such as 'The Terms of Reference included' explains nothing


class QuestionError(ValueError):
    """A question that cannot be asked: empty, or too long to be one question."""


class PassageRetriever(BaseRetriever):
    """pcc-qa's hybrid index as a LangChain retriever; metadata carries the full citation."""

    index: Any
    k: int = TOP_K
    filters: SearchFilters | None = None
    diverse: bool = False

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[LCDocument]:
        hits = self.index.search(query, k=self.k, filters=self.filters, diverse=self.diverse)
        return [hit_to_document(hit) for hit in hits]


def hit_to_document(hit: Hit) -> LCDocument:
    """A Hit as a LangChain Document whose metadata is everything a citation needs."""
    return LCDocument(page_content=hit.chunk.text, metadata=hit.to_dict())


def document_to_hit(document: LCDocument) -> Hit:
    meta = document.metadata
    chunk = Chunk(**{f: meta[f] for f in Chunk.__dataclass_fields__})
    return Hit(
        chunk,
        meta["score"],
        meta.get("dense_rank"),
        meta.get("keyword_rank"),
        meta.get("dense_score"),
        meta.get("keyword_score"),
    )


@dataclass(frozen=True, slots=True)
class _Plan:
    question: Question
    in_scope: tuple[str, ...]
    readable: tuple[str, ...]  # every force whose evidence is read, for the relative judgment
    missing: tuple[str, ...]  # forces asked about with no response in the corpus at all
    filtered_out: tuple[str, ...]  # forces asked about whose responses the filters leave out
    filters: SearchFilters


class QAEngine:
    """Answers questions over one open index; build once, call `answer` many times."""

    def __init__(
        self, index: SearchIndex, llm: Any | None = None, policy: AnswerPolicy | None = None
    ) -> None:
        self.index = index
        self.llm = llm
        self._policy = policy
        self._documents: list[Document] | None = None
        self._vocabulary: Vocabulary | None = None
        self.chain: Runnable = (
            RunnableLambda(self._plan, name="plan")
            | RunnableLambda(self._gather, name="gather")
            | RunnableLambda(self._write, name="write")
            | RunnableLambda(self._verify, name="verify")
        )

    def refresh(self) -> bool:
        """Move to the newest complete corpus if an ingest published one; True if it moved.

        Cached documents and corpus statistics are forgotten only when the corpus changed.
        """
        if not self.index.refresh():
            return False
        self._documents = None
        self._vocabulary = None
        return True

    @property
    def documents(self) -> list[Document]:
        if self._documents is None:
            self._documents = self.index.documents()
        return self._documents

    @property
    def policy(self) -> AnswerPolicy:
        """The fitted answer policy, loaded on first use (fitting one needs none)."""
        if self._policy is None:
            self._policy = load_policy()
        return self._policy

    @property
    def vocabulary(self) -> Vocabulary:
        if self._vocabulary is None:
            self._vocabulary = Vocabulary(self.index.term_counts(), self._surface)
        return self._vocabulary

    def answer(self, question: str, filters: SearchFilters | None = None) -> Answer:
        """Answer a question with verified citations, or abstain; never raises on no evidence.

        Raises QuestionError for an empty question or one over MAX_QUESTION_CHARS.
        """
        text = question.strip()
        if not text:
            raise QuestionError("the question is empty: type what you want to know")
        if len(text) > MAX_QUESTION_CHARS:
            raise QuestionError(
                f"the question is {len(text):,} characters long; ask it in at most "
                f"{MAX_QUESTION_CHARS:,} (one question at a time)"
            )
        started = time.perf_counter()
        answer = self.chain.invoke({"question": text, "filters": filters or SearchFilters()})
        return replace(answer, elapsed_ms=(time.perf_counter() - started) * 1000)

    # Chain steps -----------------------------------------------------------------------------

    def _plan(self, request: dict[str, Any]) -> _Plan:
        return self.plan(request["question"], request["filters"])

    def plan(self, text: str, filters: SearchFilters | None = None) -> _Plan:
        """A question read (its typos mended) and scoped within the filters."""
        searched, _ = correct(text, self.vocabulary)
        return self.plan_for(read_question(text, searched), filters or SearchFilters())

    def plan_for(self, question: Question, filters: SearchFilters) -> _Plan:
        """Who the question is about, within the filters the user set."""
        available = _forces_of(self._documents_in(filters, ()))
        in_corpus = _forces_of(self._documents_in(SearchFilters(), ()))
        asked = filters.forces or question.forces
        readable = tuple(f for f in available if f not in question.excluded)
        in_scope = tuple(f for f in asked if f in available) if asked else readable
        return _Plan(
            question,
            in_scope,
            readable,
            missing=tuple(f for f in asked if f not in in_corpus),
            filtered_out=tuple(f for f in asked if f in in_corpus and f not in available),
            filters=replace(filters, forces=asked),
        )

    def _gather(self, plan: _Plan) -> Gathered | Answer:
        question = plan.question
        if question.kind == "metadata":
            facts = self._facts(plan) if question.listing or question.forces else None
            if facts is not None and not facts.abstained:
                return facts
            # The field was not extracted (or no response is named): the text must say it.
            question = replace(question, answer_type=FIELD_TYPES.get(question.metadata_field))
            plan = replace(plan, question=question)
        documents = self._documents_in(plan.filters, plan.in_scope)
        common = dict(
            question=question,
            searched_forces=plan.in_scope,
            documents_searched=len(documents),
            filters=plan.filters.to_dict(),
            scope=_scope_words(plan),
            forces_without_responses=plan.missing,
            filtered_out=plan.filtered_out,
        )
        if not plan.in_scope:
            return Gathered(verdicts=(), **{**common, "documents_searched": 0})
        candidates, weights, absent = self.evidence(plan)
        verdicts = self._verdicts(plan, candidates, absent_share(weights, absent))
        verdicts, unstated = _check_answer_type(question, verdicts)
        stated = any(v.verdict == STATES for v in verdicts)
        nearest = () if stated else _nearest(verdicts)
        return Gathered(
            verdicts=tuple(verdicts),
            nearest=nearest,
            absent_terms=tuple(_as_typed(question.text, weights.terms[a]) for a in absent),
            unstated_type=unstated,
            **common,
        )

    def evidence(
        self, plan: _Plan
    ) -> tuple[dict[str, ForceCandidates], TermWeights, tuple[str, ...]]:
        """Every readable force's candidate evidence, the question's term weights, absent stems."""
        weights, absent = self.term_weights(plan.question.terms)
        metadata = {d.doc_id: d.metadata for d in self.documents}
        candidates = gather(
            self.index, plan.question, plan.readable, weights, metadata, plan.filters
        )
        return candidates, weights, absent

    def _verdicts(
        self, plan: _Plan, candidates: dict[str, ForceCandidates], absent: float
    ) -> list[ForceVerdict]:
        return judge_forces(
            candidates,
            plan.in_scope,
            absent,
            self.policy,
            negative=plan.question.negative,
            singular=plan.question.singular,
            named=names_its_forces(plan.question),
            comparing=plan.question.kind == "compare",
        )

    def _write(self, gathered: Gathered | Answer) -> Answer:
        if isinstance(gathered, Answer):
            return gathered
        if self.llm is not None and gathered.with_verdict(STATES):
            from qa.llm import synthesise

            return synthesise(self.llm, gathered, compose(gathered))
        return compose(gathered)

    def _verify(self, answer: Answer) -> Answer:
        """Drop any citation whose quote is not verbatim in its cited span, then its force.

        Kept citations get the page their quote is on: a passage may start a page earlier.
        """
        by_id = {d.doc_id: d for d in self.documents}

        def checked(citations: tuple[Citation, ...]) -> tuple[Citation, ...]:
            return tuple(
                _on_quoted_page(c, by_id[c.doc_id])
                for c in citations
                if c.quote
                and c.doc_id in by_id
                and c.quote in by_id[c.doc_id].text[c.char_start : c.char_end]
            )

        good, related = checked(answer.citations), checked(answer.related)
        nearest = tuple(
            _on_quoted_page(c, by_id[c.doc_id]) for c in answer.nearest if c.doc_id in by_id
        )
        verified = replace(answer, citations=good, related=related, nearest=nearest)
        if len(good) == len(answer.citations):
            return verified
        # A citation whose document is gone was made from an older generation of the corpus.
        reingested = sum(1 for c in answer.citations if c.doc_id not in by_id)
        dropped = len(answer.citations) - len(good) - reingested
        cited = {c.force for c in good}
        warnings = []
        if dropped:
            warnings.append(f"{dropped} citation(s) removed: quote not found in the cited source")
        if reingested:
            warnings.append(
                f"{reingested} citation(s) removed: the source was re-ingested; ask again"
            )
        return replace(
            verified,
            forces=tuple(f for f in answer.forces if f in cited),
            warnings=(*answer.warnings, *warnings),
        )

    # Helpers ---------------------------------------------------------------------------------

    def term_weights(self, terms: Sequence[str]) -> tuple[TermWeights, tuple[str, ...]]:
        """IDF of each question term over the corpus's chunks, and the stems it never holds."""
        total = max(len(self.index.vectors), 1)
        weights: dict[str, float] = {}
        words: dict[str, str] = {}
        absent: list[str] = []
        for term in terms:
            key = stem(term)
            if key in weights:
                continue
            df = self._chunks_holding(term)
            weights[key] = math.log((total + 1) / (df + 0.5))
            words[key] = term
            if df == 0:
                absent.append(key)
        return TermWeights(weights, words, frozenset(absent)), tuple(absent)

    def _chunks_holding(self, term: str) -> int:
        """Chunks holding a term in its most common glossary form ('vru' or the phrase)."""
        counts = self.index.term_counts()
        return max(
            self.index.keyword_count(f'"{form.lower()}"')
            if " " in form
            else counts.get(stem(form), 0)
            for form in forms(term)
        )

    def _surface(self, indexed_stem: str) -> str | None:
        """A corpus word for an indexed stem, as a document writes it."""
        passage = self.index.example_passage(f'"{indexed_stem}"')
        if passage is None:
            return None
        for word in passage.split():
            cleaned = word.strip(".,;:()[]“”\"'’!?")
            if cleaned and stem(cleaned) == indexed_stem:
                return cleaned
        return None

    def _about(self, question: Question, documents: list[Document]) -> list[Document]:
        """Of a force's responses, those a question points at ('its fraud letter'), or all.

        Each is scored by the share of the question's weighted terms in its inspection title
        and text; only the best-scoring ones are kept when some score above the rest.
        """
        if len(documents) < 2 or not question.terms:
            return documents
        weights, _ = self.term_weights(question.terms)
        scores = [
            weights.coverage(weights.present(f"{d.metadata.inspection or ''} {d.text}"))
            for d in documents
        ]
        best = max(scores)
        return [d for d, score in zip(documents, scores, strict=True) if score >= best]

    def _documents_in(self, filters: SearchFilters, forces: Sequence[str]) -> list[Document]:
        """Original (non-duplicate) documents matching the filters: what 'searched' means."""
        return [
            d
            for d in self.documents
            if d.duplicate_of is None
            and (not forces or d.metadata.force in forces)
            and (
                not filters.inspection
                or filters.inspection.lower() in (d.metadata.inspection or "").lower()
            )
            and _dated_within(d, filters)
        ]

    def _facts(self, plan: _Plan) -> Answer:
        forces = () if plan.question.listing else plan.in_scope
        documents = self._documents_in(replace(plan.filters, forces=()), forces)
        if not plan.question.listing:
            documents = self._about(plan.question, documents)
        chunks = {d.doc_id: self.index.chunks_of(d.doc_id) for d in documents}
        answer = answer_fact(plan.question, documents, chunks)
        return replace(answer, filters=plan.filters.to_dict())


def absent_share(weights: TermWeights, absent: Sequence[str]) -> float:
    total = weights.total
    return sum(weights.weights[a] for a in absent) / total if total else 0.0


def _check_answer_type(
    question: Question, verdicts: list[ForceVerdict]
) -> tuple[list[ForceVerdict], str | None]:
    """A question asking for a number, date, person or grade needs evidence holding one.

    A force whose evidence lacks it is downgraded to 'related, check', and the answer says the
    response does not state it, rather than quoting something loosely related.
    """
    wanted = question.answer_type
    if wanted is None:
        return verdicts, None
    checked, unstated = [], None
    for verdict in verdicts:
        if verdict.verdict == STATES:
            # The value must sit in a sentence about the question, not anywhere nearby.
            typed = tuple(
                u
                for u in verdict.evidence
                if u.coverage > 0 and states_type(u.key, wanted, question.searched)
            )
            if typed:
                verdict = replace(verdict, evidence=typed)
            else:
                verdict, unstated = replace(verdict, verdict=RELATED), wanted
        checked.append(verdict)
    return checked, unstated


def _forces_of(documents: Sequence[Document]) -> list[str]:
    return sorted({d.metadata.force for d in documents if d.metadata.force})


def _as_typed(text: str, term: str) -> str:
    """A term as the question wrote it ('Niche', not 'niche'), for the answer's wording."""
    match = re.search(rf"\b{re.escape(term)}\b", text, re.IGNORECASE)
    return match.group() if match else term


def _nearest(verdicts: Sequence[ForceVerdict]) -> tuple[Unit, ...]:
    """The closest full sentences, one per force first, shown as "not an answer"."""
    units = [
        u
        for v in verdicts
        if v.verdict != NOTHING or v.probability > 0
        for u in v.evidence
        if len(u.key.split()) >= NEAREST_MIN_WORDS
    ]
    seen: set[str] = set()
    firsts = []
    for unit in units:
        if unit.chunk.force not in seen:
            seen.add(unit.chunk.force or "")
            firsts.append(unit)
    return tuple(firsts[:NEAREST_K])


def _scope_words(plan: _Plan) -> str:
    if plan.question.forces or plan.filters.forces:
        return "every response from " + ", ".join(plan.in_scope or plan.missing)
    if plan.question.excluded:
        return "every response except " + ", ".join(plan.question.excluded)
    return "every response from every force in the corpus"


def _on_quoted_page(citation: Citation, document: Document) -> Citation:
    if not document.pages:
        return citation
    start = document.text.find(citation.quote, citation.char_start, citation.char_end)
    page = document.page_at(start) if start >= 0 else citation.page
    return replace(citation, page=page)


def _dated_within(document: Document, filters: SearchFilters) -> bool:
    """Date filters keep only responses with a known date in range, as the store's filter does."""
    if not (filters.date_from or filters.date_to):
        return True
    day = document.metadata.response_date
    return (
        day is not None
        and (not filters.date_from or day >= filters.date_from)
        and (not filters.date_to or day <= filters.date_to)
    )


_engines: dict[str, QAEngine] = {}


def answer(question: str, filters: SearchFilters | None = None, home: Any = None) -> Answer:
    """Python API: answer a question over the index in `home` (default $PCCQA_HOME)."""
    import os
    from pathlib import Path

    where = Path(home or os.environ.get("PCCQA_HOME", ".pccqa"))
    key = str(where.resolve())
    if key not in _engines:
        _engines[key] = QAEngine(SearchIndex.open(where))
    engine = _engines[key]
    engine.refresh()  # an ingest since the last question: answer from the new corpus
    return engine.answer(question, filters)
