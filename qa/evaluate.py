"""Score answers against a question set, per question kind, beside the baselines' answers.

Every system (ours, BM25's top-3, the tutorial retriever's top-3) is turned into the same
`Prediction` per question and scored by the same code, so the figures are comparable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qa.types import Answer, Citation

DATA = Path(__file__).resolve().parent / "data"
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
_OPTIONAL = {"tags": list, "reworded": str, "typo": str, "notes": str}
_WHITESPACE = re.compile(r"\s+")


class QuestionSetError(ValueError):
    """A line of a question file that does not describe an evaluation question."""


@dataclass(frozen=True, slots=True)
class EvalQuestion:
    """A question with the forces, documents and verbatim phrases a correct answer needs.

    `reworded` and `typo` are the same question asked another way, written with it, so answers
    can be checked for depending on the exact words.
    """

    id: str
    question: str
    kind: str
    expected_forces: tuple[str, ...]
    expected_documents: tuple[str, ...]
    evidence: tuple[str, ...]
    answerable: bool
    tags: tuple[str, ...] = ()
    reworded: str | None = None
    typo: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {key: list(v) if isinstance(v, tuple) else v for key, v in asdict(self).items()}


@dataclass(frozen=True, slots=True)
class Prediction:
    """What one system said for one question, in the terms every metric reads."""

    forces: tuple[str, ...]
    abstained: bool
    ranked_documents: tuple[str, ...] = ()
    cited_documents: tuple[str, ...] = ()
    quotes: tuple[str, ...] = ()
    unverified_quotes: int = 0
    latency_ms: float | None = None


@dataclass(frozen=True, slots=True)
class KindScores:
    """One system's scores over one question kind (or all); None: nothing to measure it on."""

    questions: int
    force_precision: float | None
    force_recall: float | None
    force_f1: float | None
    exact_set: float | None
    abstention: float | None
    false_abstention: float | None
    evidence_hits: float | None
    citation_precision: float | None
    recall_at_5: float | None
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    citations: int = 0
    unverified_quotes: int = 0


@dataclass(frozen=True, slots=True)
class Failure:
    """One metric one question failed, and why, so a person can go straight to the cause."""

    question_id: str
    metric: str
    reason: str


@dataclass(frozen=True, slots=True)
class EvalReport:
    """Every system's scores by kind, the variants' overall scores, and our failures."""

    question_set: str
    corpus: str
    documents: int
    forces: int
    scores: dict[str, dict[str, KindScores]]
    variants: dict[str, dict[str, KindScores]] = field(default_factory=dict)
    failures: tuple[Failure, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def table(self) -> str:
        """Per kind, ours beside each baseline: the figures a person compares."""
        systems = list(self.scores)
        lines = [
            f"{self.question_set}: {self.documents} documents, {self.forces} forces"
            f" ({self.corpus})",
            "",
            _row("kind (questions)", [f"{s} F1/exact/abst/false-abst" for s in systems]),
        ]
        for kind in self.scores[systems[0]]:
            first = self.scores[systems[0]][kind]
            cells = [_kind_cell(self.scores[s][kind]) for s in systems]
            lines.append(_row(f"{kind} ({first.questions})", cells))
        ours = self.scores[systems[0]]["all"]
        lines += [
            "",
            f"ours: evidence hits {_num(ours.evidence_hits)}, citation precision "
            f"{_num(ours.citation_precision)}, unverified quotes {ours.unverified_quotes} of "
            f"{ours.citations}, recall@5 {_num(ours.recall_at_5)}, latency p50/p95 "
            f"{_num(ours.latency_p50_ms, 0)}/{_num(ours.latency_p95_ms, 0)} ms",
        ]
        if self.variants:
            lines += ["", _row("variant (answerable F1 / abstention)", systems)]
            for name, by_system in self.variants.items():
                cells = [
                    f"{_num(by_system[s].force_f1)} / {_num(by_system[s].abstention)}"
                    for s in systems
                ]
                lines.append(_row(name, cells))
        return "\n".join(lines)


def load_questions(path: Path | str) -> list[EvalQuestion]:
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


def prediction_from_answer(
    answer: Answer,
    ranked_documents: Sequence[str],
    source_text: Callable[[str], str],
    latency_ms: float | None = None,
) -> Prediction:
    """Our answer in the metrics' terms; each quote is checked verbatim in its cited span."""
    shown = (*answer.citations, *answer.related, *answer.nearest)
    return Prediction(
        forces=answer.forces,
        abstained=answer.abstained or not answer.forces,
        ranked_documents=tuple(ranked_documents),
        cited_documents=tuple(c.file_name for c in answer.citations),
        quotes=tuple(c.quote for c in answer.citations),
        unverified_quotes=sum(_quote_problem(c, source_text) is not None for c in shown),
        latency_ms=latency_ms,
    )


def score(
    questions: Sequence[EvalQuestion], predictions: Sequence[Prediction]
) -> dict[str, KindScores]:
    """Scores for each kind present, then for all questions together."""
    pairs = list(zip(questions, predictions, strict=True))
    by_kind: dict[str, list[tuple[EvalQuestion, Prediction]]] = {}
    for question, prediction in pairs:
        by_kind.setdefault(question.kind, []).append((question, prediction))
    result = {kind: _score(by_kind[kind]) for kind in KINDS if kind in by_kind}
    result["all"] = _score(pairs)
    return result


def failures(
    questions: Sequence[EvalQuestion], predictions: Sequence[Prediction]
) -> tuple[Failure, ...]:
    """Every miss of every question, with the reason, for the person improving the answers."""
    found: list[Failure] = []
    for q, p in zip(questions, predictions, strict=True):
        if p.unverified_quotes:
            found.append(Failure(q.id, "quote", f"{p.unverified_quotes} quote(s) not verbatim"))
        if not q.answerable:
            if not p.abstained:
                found.append(Failure(q.id, "abstention", f"answered {list(p.forces)}"))
            continue
        if p.abstained:
            found.append(Failure(q.id, "false_abstention", "abstained on an answerable question"))
            continue
        expected = {f.casefold() for f in q.expected_forces}
        named = {f.casefold() for f in p.forces}
        if expected != named:
            missing = sorted(f for f in q.expected_forces if f.casefold() not in named)
            extra = sorted(f for f in p.forces if f.casefold() not in expected)
            found.append(Failure(q.id, "forces", f"missing {missing}, extra {extra}"))
        quoted = _normalise(" ".join(p.quotes))
        lost = [e for e in q.evidence if _normalise(e) not in quoted]
        if lost:
            found.append(Failure(q.id, "evidence", f"not quoted: {lost}"))
    return tuple(found)


def _score(pairs: Sequence[tuple[EvalQuestion, Prediction]]) -> KindScores:
    answerable = [(q, p) for q, p in pairs if q.answerable]
    unanswerable = [p for q, p in pairs if not q.answerable]
    precision, recall, f1, exact = [], [], [], []
    evidence_found = evidence_total = cited_right = cited = 0
    recall_at_5 = []
    for q, p in answerable:
        expected = {f.casefold() for f in q.expected_forces}
        named = {f.casefold() for f in p.forces} if not p.abstained else set()
        right = len(expected & named)
        if named:
            precision.append(right / len(named))
        recall.append(right / len(expected) if expected else float(not named))
        f1.append(2 * right / (len(expected) + len(named)) if expected or named else 1.0)
        exact.append(float(expected == named))
        quoted = _normalise(" ".join(p.quotes))
        evidence_total += len(q.evidence) if p.quotes else 0
        evidence_found += sum(_normalise(e) in quoted for e in q.evidence) if p.quotes else 0
        cited += len(p.cited_documents)
        cited_right += sum(d in q.expected_documents for d in p.cited_documents)
        if q.expected_documents and p.ranked_documents:
            top = p.ranked_documents[:RECALL_DEPTH]
            recall_at_5.append(
                sum(d in top for d in q.expected_documents) / len(q.expected_documents)
            )
    latencies = [p.latency_ms for _, p in pairs if p.latency_ms is not None]
    return KindScores(
        questions=len(pairs),
        force_precision=_mean(precision),
        force_recall=_mean(recall),
        force_f1=_mean(f1),
        exact_set=_mean(exact),
        abstention=_mean([float(p.abstained) for p in unanswerable]),
        false_abstention=_mean([float(p.abstained) for _, p in answerable]),
        evidence_hits=evidence_found / evidence_total if evidence_total else None,
        citation_precision=cited_right / cited if cited else None,
        recall_at_5=_mean(recall_at_5),
        latency_p50_ms=_percentile(latencies, LATENCY_PERCENTILES[0]),
        latency_p95_ms=_percentile(latencies, LATENCY_PERCENTILES[1]),
        citations=cited,
        unverified_quotes=sum(p.unverified_quotes for _, p in pairs),
    )


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
        data.get("reworded"),
        data.get("typo"),
    )


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


def _mean(values: Sequence[float]) -> float | None:
    return float(np.mean(values)) if values else None


def _percentile(values: Sequence[float], q: int) -> float | None:
    return float(np.percentile(values, q)) if values else None


def _num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _kind_cell(s: KindScores) -> str:
    return "/".join(_num(v) for v in (s.force_f1, s.exact_set, s.abstention, s.false_abstention))


def _row(first: str, cells: Sequence[str]) -> str:
    return f"{first:<34}" + "".join(f"  {c:>28}" for c in cells)
