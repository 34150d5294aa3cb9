"""Score the answerer on the dev questions: retrieval, forces named, evidence quoted, abstention."""

from __future__ import annotations

import json
import re
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qa.types import Answer, Citation

DEV_QUESTIONS = Path(__file__).resolve().parent / "data" / "dev_questions.jsonl"
KINDS = ("which_forces", "force", "compare", "metadata", "fact", "unanswerable")
RECALL_DEPTH = 5
LATENCY_PERCENTILES = (50, 95)

_REQUIRED = {
    "id": str,
    "question": str,
    "kind": str,
    "expected_forces": list,
    "expected_documents": list,
    "evidence": list,
    "answerable": bool,
}
_OPTIONAL = {"tags": list}
_WHITESPACE = re.compile(r"\s+")
_NOTHING = ""


class QuestionSetError(ValueError):
    """A line of a question file that does not describe a dev question."""


@dataclass(frozen=True, slots=True)
class EvalQuestion:
    """A dev question with the forces, documents and verbatim phrases a correct answer needs."""

    id: str
    question: str
    kind: str
    expected_forces: tuple[str, ...]
    expected_documents: tuple[str, ...]
    evidence: tuple[str, ...]
    answerable: bool
    tags: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {key: list(v) if isinstance(v, tuple) else v for key, v in asdict(self).items()}


@dataclass(frozen=True, slots=True)
class Retrieval:
    """How well a ranker put the expected documents near the top (answerable questions only)."""

    recall_at_5: float | None
    mrr: float | None


@dataclass(frozen=True, slots=True)
class Failure:
    """One metric one question failed, and why, so a person can go straight to the cause."""

    question_id: str
    metric: str
    reason: str


@dataclass(frozen=True, slots=True)
class EvalReport:
    """Every score of one evaluation run; None means the run had nothing to measure it on."""

    questions: int
    answerable: int
    retrieval: Retrieval
    baseline: Retrieval | None
    force_precision: float | None
    force_recall: float | None
    force_f1: float | None
    evidence_hit_rate: float | None
    abstention_accuracy: float | None
    false_abstentions: int
    citations_checked: int
    unverified_quotes: int
    latency_p50_ms: float
    latency_p95_ms: float
    failures: tuple[Failure, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def table(self) -> str:
        """Our scores beside the baseline's, one metric a row, for the terminal and the README."""
        base = self.baseline
        rows = [
            ("Recall@5 (documents)", self.retrieval.recall_at_5, base and base.recall_at_5),
            ("MRR (documents)", self.retrieval.mrr, base and base.mrr),
            ("Force precision", self.force_precision, None),
            ("Force recall", self.force_recall, None),
            ("Force F1", self.force_f1, None),
            ("Evidence hit rate", self.evidence_hit_rate, None),
            ("Abstention accuracy", self.abstention_accuracy, None),
            ("False abstentions", self.false_abstentions, None),
            (f"Unverified quotes (of {self.citations_checked})", self.unverified_quotes, None),
            ("Latency p50 (ms)", self.latency_p50_ms, None),
            ("Latency p95 (ms)", self.latency_p95_ms, None),
        ]
        width = max(len(name) for name, _, _ in rows)
        lines = [f"{'metric':<{width}}  {'ours':>8}  {'baseline':>8}"]
        lines += [f"{n:<{width}}  {_cell(ours):>8}  {_cell(b):>8}" for n, ours, b in rows]
        return "\n".join(lines)


def load_questions(path: Path | str = DEV_QUESTIONS) -> list[EvalQuestion]:
    """Read a JSONL question file, refusing any bad line with its number and the fix."""
    questions: list[EvalQuestion] = []
    seen: set[str] = set()
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            question = _parse(line)
            if question.id in seen:
                raise ValueError(f"duplicate id '{question.id}'")
        except ValueError as error:
            raise QuestionSetError(f"{path}, line {number}: {error}") from None
        seen.add(question.id)
        questions.append(question)
    return questions


def evaluate(
    questions: Sequence[EvalQuestion],
    *,
    answer_fn: Callable[[EvalQuestion], Answer],
    rank_fn: Callable[[str], list[str]],
    source_text: Callable[[str], str],
    baseline_rank_fn: Callable[[str], list[str]] | None = None,
) -> EvalReport:
    """Answer and rank every question, then score; `source_text(doc_id)` checks each quote."""
    if not questions:
        raise ValueError("no questions to evaluate")
    answer_fn(questions[0])  # warm-up: model loads and caches stay out of the latencies
    answers: list[Answer] = []
    latencies: list[float] = []
    for question in questions:
        started = time.perf_counter()
        answers.append(answer_fn(question))
        latencies.append((time.perf_counter() - started) * 1000.0)
    answerable = [q for q in questions if q.answerable]
    ranked = _rank_all(rank_fn, answerable)
    tally = _Tally()
    for question, answer in zip(questions, answers, strict=True):
        tally.add(question, answer, ranked.get(question.id, []), source_text)
    tp, fp, fn = tally.true_pos, tally.false_pos, tally.false_neg
    return EvalReport(
        questions=len(questions),
        answerable=len(answerable),
        retrieval=_retrieval(answerable, ranked),
        baseline=(
            None
            if baseline_rank_fn is None
            else _retrieval(answerable, _rank_all(baseline_rank_fn, answerable))
        ),
        force_precision=_ratio(tp, tp + fp),
        force_recall=_ratio(tp, tp + fn),
        force_f1=_ratio(2 * tp, 2 * tp + fp + fn),
        evidence_hit_rate=_ratio(tally.evidence_found, tally.evidence_total),
        abstention_accuracy=_ratio(tally.correct_abstentions, len(questions) - len(answerable)),
        false_abstentions=tally.false_abstentions,
        citations_checked=tally.citations_checked,
        unverified_quotes=tally.unverified_quotes,
        latency_p50_ms=float(np.percentile(latencies, LATENCY_PERCENTILES[0])),
        latency_p95_ms=float(np.percentile(latencies, LATENCY_PERCENTILES[1])),
        failures=tuple(sorted(tally.failures, key=lambda f: f.question_id)),
    )


@dataclass
class _Tally:
    """Running counts over the answers, and the failures that explain the misses."""

    true_pos: int = 0
    false_pos: int = 0
    false_neg: int = 0
    evidence_found: int = 0
    evidence_total: int = 0
    correct_abstentions: int = 0
    false_abstentions: int = 0
    citations_checked: int = 0
    unverified_quotes: int = 0
    failures: list[Failure] = field(default_factory=list)

    def add(
        self,
        question: EvalQuestion,
        answer: Answer,
        ranked: list[str],
        source_text: Callable[[str], str],
    ) -> None:
        for citation in (*answer.citations, *answer.nearest):
            self.citations_checked += 1
            problem = _quote_problem(citation, source_text)
            if problem:
                self.unverified_quotes += 1
                self._fail(question, "quote", f"[{citation.number}] {problem}")
        if not question.answerable:
            self.correct_abstentions += int(answer.abstained)
            if not answer.abstained:
                self._fail(question, "abstention", "answered, should have abstained")
            return
        if answer.abstained:
            self.false_abstentions += 1
            self._fail(question, "false_abstention", "abstained on an answerable question")
        missing = [d for d in question.expected_documents if d not in ranked[:RECALL_DEPTH]]
        if missing:
            self._fail(question, "retrieval", f"not in top {RECALL_DEPTH}: {missing}")
        self._forces(question, answer)
        quoted = _normalise(" ".join(c.quote for c in answer.citations))
        lost = [p for p in question.evidence if _normalise(p) not in quoted]
        self.evidence_total += len(question.evidence)
        self.evidence_found += len(question.evidence) - len(lost)
        if lost:
            self._fail(question, "evidence", f"not quoted: {lost}")

    def _forces(self, question: EvalQuestion, answer: Answer) -> None:
        expected = {f.casefold(): f for f in question.expected_forces}
        named = {f.casefold(): f for f in answer.forces}
        extra = sorted(named[f] for f in named.keys() - expected.keys())
        absent = sorted(expected[f] for f in expected.keys() - named.keys())
        self.true_pos += len(expected.keys() & named.keys())
        self.false_pos += len(extra)
        self.false_neg += len(absent)
        if extra or absent:
            self._fail(question, "forces", f"missing {absent}, extra {extra}")

    def _fail(self, question: EvalQuestion, metric: str, reason: str) -> None:
        self.failures.append(Failure(question.id, metric, reason))


def _rank_all(
    rank_fn: Callable[[str], list[str]], questions: Sequence[EvalQuestion]
) -> dict[str, list[str]]:
    return {q.id: list(dict.fromkeys(rank_fn(q.question))) for q in questions}


def _parse(line: str) -> EvalQuestion:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        raise ValueError(f"not valid JSON ({error.msg})") from None
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    unknown = data.keys() - _REQUIRED.keys() - _OPTIONAL.keys()
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}: use {sorted(_REQUIRED | _OPTIONAL)}")
    for key, kind in {**_REQUIRED, **_OPTIONAL}.items():
        if key not in data:
            if key in _REQUIRED:
                raise ValueError(f"missing key '{key}'")
        elif not isinstance(data[key], kind) or (
            kind is list and not all(isinstance(item, str) and item for item in data[key])
        ):
            wanted = "a list of non-empty strings" if kind is list else kind.__name__
            raise ValueError(f"'{key}' must be {wanted}")
    if data["kind"] not in KINDS:
        raise ValueError(f"unknown kind '{data['kind']}': use one of {', '.join(KINDS)}")
    if data["answerable"] == (data["kind"] == "unanswerable"):
        raise ValueError("'answerable' must be false exactly when kind is 'unanswerable'")
    if data["answerable"] and not data["expected_documents"]:
        raise ValueError("an answerable question needs 'expected_documents'")
    if not data["answerable"] and (
        data["expected_forces"] or data["expected_documents"] or data["evidence"]
    ):
        raise ValueError("an unanswerable question has no forces, documents or evidence")
    return EvalQuestion(
        data["id"],
        data["question"],
        data["kind"],
        tuple(data["expected_forces"]),
        tuple(data["expected_documents"]),
        tuple(data["evidence"]),
        data["answerable"],
        tuple(data.get("tags", ())),
    )


def _retrieval(questions: Sequence[EvalQuestion], ranked: dict[str, list[str]]) -> Retrieval:
    """Recall@5 and MRR by ranx (imported here: numba compiles it on first use, seconds)."""
    if not questions:
        return Retrieval(None, None)
    from ranx import Qrels, Run
    from ranx import evaluate as ranx_evaluate

    qrels = Qrels({q.id: dict.fromkeys(q.expected_documents, 1) for q in questions})
    run = Run({q.id: _scored(ranked[q.id]) for q in questions})
    with warnings.catch_warnings():
        # ranx's own numba kernels warn about an index cast that cannot matter at this size.
        warnings.filterwarnings("ignore", message="unsafe cast")
        scores = ranx_evaluate(qrels, run, [f"recall@{RECALL_DEPTH}", "mrr"])
    return Retrieval(float(scores[f"recall@{RECALL_DEPTH}"]), float(scores["mrr"]))


def _scored(names: list[str]) -> dict[str, float]:
    """Scores falling with rank; ranx needs one document per query, so nothing ranks a blank."""
    return {name: float(len(names) - i) for i, name in enumerate(names)} or {_NOTHING: 0.0}


def _quote_problem(citation: Citation, source_text: Callable[[str], str]) -> str | None:
    """Why a citation's quote is not verbatim at its span, or None when it is."""
    if not citation.quote:
        return "empty quote"
    try:
        text = source_text(citation.doc_id)
    except LookupError:
        return f"unknown document {citation.doc_id}"
    if citation.quote not in text[citation.char_start : citation.char_end]:
        return f"quote not at {citation.file_name}[{citation.char_start}:{citation.char_end}]"
    return None


def _normalise(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip().casefold()


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _cell(value: float | int | None) -> str:
    if value is None:
        return "–"
    return str(value) if isinstance(value, int) else f"{value:.3f}"
