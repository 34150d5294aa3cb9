"""The LangChain seam: our index as a BaseRetriever, the answer as an LCEL chain of Runnables.

question -> plan (kind, forces in scope) -> gather (per-force retrieval + sentence evidence)
         -> write (extractive composer, or a chat model) -> verify (every quote in its source)
"""

from __future__ import annotations

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
from qa.composer import Gathered, compose
from qa.evidence import SECOND_QUOTE_MARGIN, Evidence, EvidenceFinder, best_per_force
from qa.facts import answer_fact
from qa.question import Question, parse_question
from qa.types import Answer, Citation

PER_FORCE_K = 5
FORCE_K = 6
GENERAL_K = 10
NEAREST_K = 5
NEAREST_MIN_WORDS = 8  # a label such as 'The Terms of Reference included' explains nothing
MANY_FORCES = 8  # past this many forces, one quote each keeps the answer readable
SINGULAR_MIN_SEMANTIC = 0.45  # 'which force ...?': the one force's quote must be this close
SINGULAR_LEAD = 0.03  # ...and this much closer than any other force's
FORCE_QUOTES = 4  # a one-force answer shows up to this many quotes...
FORCE_MARGIN = 0.25  # ...this close to its best


class PassageRetriever(BaseRetriever):
    """pcc-qa's hybrid index as a LangChain retriever; metadata carries the full citation."""

    index: Any
    k: int = TOP_K
    filters: SearchFilters | None = None
    diverse: bool | None = None

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
    )


@dataclass(frozen=True, slots=True)
class _Plan:
    question: Question
    forces: tuple[str, ...]
    filters: SearchFilters


class QAEngine:
    """Answers questions over one open index; build once, call `answer` many times."""

    def __init__(self, index: SearchIndex, llm: Any | None = None) -> None:
        self.index = index
        self.llm = llm
        self.evidence = EvidenceFinder(index)
        self._documents: list[Document] | None = None
        self.chain: Runnable = (
            RunnableLambda(self._plan, name="plan")
            | RunnableLambda(self._gather, name="gather")
            | RunnableLambda(self._write, name="write")
            | RunnableLambda(self._verify, name="verify")
        )

    def refresh(self) -> None:
        """Forget cached documents and corpus statistics after an ingest."""
        self._documents = None
        self.evidence.forget()
        self.index.refresh()

    @property
    def documents(self) -> list[Document]:
        if self._documents is None:
            self._documents = self.index.store.documents()
        return self._documents

    def answer(self, question: str, filters: SearchFilters | None = None) -> Answer:
        """Answer a question with verified citations, or abstain; never raises on no evidence."""
        started = time.perf_counter()
        answer = self.chain.invoke({"question": question, "filters": filters or SearchFilters()})
        return replace(answer, elapsed_ms=(time.perf_counter() - started) * 1000)

    # Chain steps -----------------------------------------------------------------------------

    def _plan(self, request: dict[str, Any]) -> _Plan:
        filters: SearchFilters = request["filters"]
        text = request["question"].strip()
        named = filters.forces or self.index.forces_in_query(text)
        question = parse_question(text, tuple(named))
        in_scope = tuple(named) if named else tuple(self._forces_in(filters))
        scoped = replace(filters, forces=()) if not named else replace(filters, forces=tuple(named))
        return _Plan(question, in_scope, scoped)

    def _gather(self, plan: _Plan) -> Gathered | Answer:
        question = plan.question
        if question.kind == "metadata":
            return self._facts(plan)
        documents = self._documents_in(plan.filters, plan.forces)
        common = dict(
            question=question,
            searched_forces=plan.forces,
            documents_searched=len(documents),
            filters=plan.filters.to_dict(),
            scope="every response from "
            + ("these forces" if plan.filters.forces else "every force in the corpus"),
        )
        k = FORCE_K if question.kind == "force" else GENERAL_K
        missing = self.evidence.missing_anchors(question)
        anchors = [a for a in question.anchors if a not in missing]
        if missing:
            return Gathered(
                per_force={}, nearest=self._nearest(plan), missing_anchors=tuple(missing), **common
            )
        # Sentences are scored against the topic: force names would flatter any sentence.
        query_vector = self.index.query_vector(question.topic)
        if question.kind in ("which_forces", "compare"):
            scored_by_force = {
                force: self.evidence.score(
                    question,
                    query_vector,
                    self._retrieve(
                        question.text, replace(plan.filters, forces=(force,)), PER_FORCE_K
                    ),
                    anchors,
                    mode="compare" if question.kind == "compare" else "strict",
                )
                for force in plan.forces
            }
            quotes = 1 if len(plan.forces) > MANY_FORCES else 2
            per_force = {}
            for scored in scored_by_force.values():
                per_force.update(best_per_force(scored, per_force=quotes))
            if not per_force and question.singular:
                per_force = _best_single_force(scored_by_force, bool(anchors))
        else:
            hits = self._retrieve(question.text, plan.filters, k, diverse=True)
            one_force = question.kind == "force"
            scored = self.evidence.score(
                question, query_vector, hits, anchors, mode="single" if one_force else "strict"
            )
            per_force = best_per_force(
                scored,
                per_force=FORCE_QUOTES if one_force else 2,
                margin=FORCE_MARGIN if one_force else SECOND_QUOTE_MARGIN,
            )
        nearest = () if per_force else self._nearest(plan)
        return Gathered(per_force=per_force, nearest=nearest, **common)

    def _write(self, gathered: Gathered | Answer) -> Answer:
        if isinstance(gathered, Answer):
            return gathered
        if self.llm is not None and gathered.per_force:
            from qa.llm import synthesise

            return synthesise(self.llm, gathered, compose(gathered))
        return compose(gathered)

    def _verify(self, answer: Answer) -> Answer:
        """Drop any citation whose quote is not verbatim in its cited span, then its force.

        Kept citations get the page their quote is on: a passage may start a page earlier.
        """
        by_id = {d.doc_id: d for d in self.documents}
        good = tuple(
            _on_quoted_page(c, by_id[c.doc_id])
            for c in answer.citations
            if c.quote
            and c.doc_id in by_id
            and c.quote in by_id[c.doc_id].text[c.char_start : c.char_end]
        )
        nearest = tuple(
            _on_quoted_page(c, by_id[c.doc_id]) for c in answer.nearest if c.doc_id in by_id
        )
        if len(good) == len(answer.citations):
            return replace(answer, citations=good, nearest=nearest)
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
            answer,
            citations=good,
            nearest=nearest,
            forces=tuple(f for f in answer.forces if f in cited),
            warnings=(*answer.warnings, *warnings),
        )

    # Helpers ---------------------------------------------------------------------------------

    def _retrieve(
        self, query: str, filters: SearchFilters, k: int, diverse: bool | None = False
    ) -> list[Hit]:
        retriever = PassageRetriever(index=self.index, k=k, filters=filters, diverse=diverse)
        return [document_to_hit(d) for d in retriever.invoke(query)]

    def _nearest(self, plan: _Plan) -> tuple[Evidence, ...]:
        """The closest full sentences, shown under "not an answer" when nothing answers."""
        hits = self._retrieve(plan.question.text, plan.filters, NEAREST_K, diverse=True)
        vector = self.index.query_vector(plan.question.topic)
        scored = self.evidence.score(plan.question, vector, hits, ())
        readable = [e for e in scored if len(e.sentence.key.split()) >= NEAREST_MIN_WORDS]
        return tuple(readable[:NEAREST_K])

    def _forces_in(self, filters: SearchFilters) -> list[str]:
        return sorted(
            {d.metadata.force for d in self._documents_in(filters, ()) if d.metadata.force}
        )

    def _documents_in(self, filters: SearchFilters, forces: Sequence[str]) -> list[Document]:
        """Original (non-duplicate) documents matching the filters: what 'searched' means."""
        meta_ok = [
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
        return meta_ok

    def _facts(self, plan: _Plan) -> Answer:
        documents = self._documents_in(plan.filters, plan.forces)
        chunks = {d.doc_id: self.index.store.chunks_of(d.doc_id) for d in documents}
        answer = answer_fact(plan.question, documents, chunks)
        return replace(answer, filters=plan.filters.to_dict())


def _best_single_force(
    scored_by_force: dict[str, list[Evidence]], require_anchor: bool
) -> dict[str, list[Evidence]]:
    """For 'which force ...?' (one expected): the clearly closest force, if close enough.

    Its best sentence must mean nearly what the question asks and lead every other force's
    best by a margin; otherwise the answer stays "nothing found".
    """
    best = []
    for force, items in scored_by_force.items():
        eligible = [e for e in items if e.anchored or not require_anchor]
        if eligible:
            top = max(eligible, key=lambda e: e.semantic)
            best.append((top.semantic, force, top))
    best.sort(key=lambda item: item[0], reverse=True)
    if not best or best[0][0] < SINGULAR_MIN_SEMANTIC:
        return {}
    if len(best) > 1 and best[0][0] - best[1][0] < SINGULAR_LEAD:
        return {}
    return {best[0][1]: [best[0][2]]}


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
    return _engines[key].answer(question, filters)
