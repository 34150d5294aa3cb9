"""The evaluator's record: every answer the web UI gave, and each reviewer's verdicts on it.

Two append-only JSON Lines files under $PCCQA_HOME/review/: answers.jsonl (one line per answer)
and reviews.jsonl (one line per save; a reviewer's latest save of an answer is their review, so
saving twice never counts twice). A line torn by a crash is skipped when read.
"""

from __future__ import annotations

import json
import logging
import random
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qa.types import Answer, Citation

log = logging.getLogger(__name__)

ANSWER_VERDICTS = ("correct", "partly correct", "wrong")
CITATION_VERDICTS = ("supports", "partly supports", "does not support")
ALL = "all"
NOT_REVIEWED = "not yet reviewed"
REVIEWED = "reviewed"
REVIEW_STATES = (ALL, NOT_REVIEWED, REVIEWED)
ANONYMOUS = "anonymous"
REVIEW_COLUMNS = (
    "answer_id", "asked_at", "kind", "question", "filters", "answer", "forces", "reviewer",
    "reviewed_at", "verdict", "note", "citation", "force", "document", "section", "page",
    "char_start", "char_end", "quote", "citation_verdict",
)  # fmt: skip


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class SampleFilters:
    """Which answers a sample is drawn from: question kind, force, reviewed or not."""

    kind: str = ALL
    force: str = ALL
    state: str = ALL
    stratify: bool = False


class ReviewLog:
    """Answers and reviews in two JSON Lines files; callers serialise access (AppState.lock)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.answers_path = self.folder / "answers.jsonl"
        self.reviews_path = self.folder / "reviews.jsonl"

    def record_answer(self, answer: Answer, configuration: dict[str, Any]) -> str:
        """Keep an answer as it was shown, so it can be sampled and checked later; its id."""
        answer_id = uuid.uuid4().hex[:12]
        record = {
            "answer_id": answer_id,
            "asked_at": _now(),
            **answer.to_dict(),
            "configuration": configuration,
        }
        self._append(self.answers_path, record)
        return answer_id

    def save_review(
        self,
        answer_id: str,
        reviewer: str | None,
        verdict: str | None,
        note: str = "",
        citations: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Record a reviewer's verdicts; a later save by the same reviewer replaces this one."""
        review = {
            "answer_id": answer_id,
            "reviewer": reviewer or ANONYMOUS,
            "reviewed_at": _now(),
            "verdict": verdict,
            "note": (note or "").strip(),
            "citations": dict(citations or {}),
        }
        self._append(self.reviews_path, review)
        return review

    def answers(self) -> list[dict[str, Any]]:
        return _read(self.answers_path)

    def answer(self, answer_id: str) -> dict[str, Any] | None:
        return next((a for a in self.answers() if a["answer_id"] == answer_id), None)

    def reviews(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Each reviewer's latest review of each answer, keyed by (answer_id, reviewer)."""
        return {(r["answer_id"], r["reviewer"]): r for r in _read(self.reviews_path)}

    def review(self, answer_id: str, reviewer: str | None) -> dict[str, Any] | None:
        return self.reviews().get((answer_id, reviewer or ANONYMOUS))

    def _append(self, path: Path, record: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")


def _read(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            log.warning("%s line %d is not JSON (a torn write?): skipped", path, number)
    return records


def answer_from_record(record: dict[str, Any]) -> Answer:
    """The Answer a record was made from, to show it again exactly as it was."""

    def citations(key: str) -> tuple[Citation, ...]:
        fields = set(Citation.__slots__)
        return tuple(
            Citation(**{k: v for k, v in c.items() if k in fields}) for c in record.get(key, ())
        )

    return Answer(
        question=record["question"],
        text=record["text"],
        kind=record.get("kind", "general"),
        forces=tuple(record.get("forces", ())),
        citations=citations("citations"),
        forces_without_evidence=tuple(record.get("forces_without_evidence", ())),
        abstained=bool(record.get("abstained")),
        nearest=citations("nearest"),
        searched=record.get("searched", ""),
        warnings=tuple(record.get("warnings", ())),
        elapsed_ms=float(record.get("elapsed_ms", 0.0)),
        filters=record.get("filters", {}),
        related_forces=tuple(record.get("related_forces", ())),
        related=citations("related"),
        searched_for=record.get("searched_for"),
    )


def _forces_of(record: dict[str, Any]) -> set[str]:
    cited = {c.get("force") for c in record.get("citations", ())}
    return {*record.get("forces", ()), *record.get("filters", {}).get("forces", ()), *cited} - {
        None
    }


def draw_sample(
    answers: Sequence[dict[str, Any]],
    reviewed_ids: set[str],
    size: int,
    filters: SampleFilters = SampleFilters(),
    rng: random.Random | None = None,
) -> list[dict[str, Any]]:
    """A random sample of answers; stratified, it takes the question kinds in equal turns."""
    rng = rng or random.Random()
    pool = [
        a
        for a in answers
        if filters.kind in (ALL, a.get("kind"))
        and (filters.force == ALL or filters.force in _forces_of(a))
        and (
            filters.state == ALL or (a["answer_id"] in reviewed_ids) == (filters.state == REVIEWED)
        )
    ]
    rng.shuffle(pool)
    if not filters.stratify:
        return pool[:size]
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in pool:
        by_kind[record.get("kind", "general")].append(record)
    sample: list[dict[str, Any]] = []
    while len(sample) < size and any(by_kind.values()):
        for kind in sorted(by_kind):
            if by_kind[kind] and len(sample) < size:
                sample.append(by_kind[kind].pop())
    return sample


def _rate(count: int, total: int) -> str:
    return f"{count / total:.0%}" if total else "–"


def _kind_row(counts: Counter[str]) -> dict[str, Any]:
    total = sum(counts.values())
    return {**{v: counts[v] for v in ANSWER_VERDICTS}, "error rate": _rate(counts["wrong"], total)}


def review_stats(
    answers: Sequence[dict[str, Any]], reviews: dict[tuple[str, str], dict[str, Any]]
) -> dict[str, Any]:
    """Counts and rates by verdict and by question kind, citation verdicts, and agreement."""
    kinds = {a["answer_id"]: a.get("kind", "general") for a in answers}
    latest = [r for r in reviews.values() if r["answer_id"] in kinds and r.get("verdict")]
    verdicts = Counter(r["verdict"] for r in latest)
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    for review in latest:
        by_kind[kinds[review["answer_id"]]][review["verdict"]] += 1
    claims = Counter(v for r in reviews.values() for v in r.get("citations", {}).values())
    per_answer: dict[str, list[str]] = defaultdict(list)
    for review in latest:
        per_answer[review["answer_id"]].append(review["verdict"])
    double = [v for v in per_answer.values() if len(v) > 1]
    agreed = sum(1 for v in double if len(set(v)) == 1)
    return {
        "answers": len(answers),
        "reviewed": len(per_answer),
        "reviews": len(latest),
        "verdicts": {v: (verdicts[v], _rate(verdicts[v], len(latest))) for v in ANSWER_VERDICTS},
        "by_kind": {kind: _kind_row(counts) for kind, counts in sorted(by_kind.items())},
        "citations": {
            v: (claims[v], _rate(claims[v], sum(claims.values()))) for v in CITATION_VERDICTS
        },
        "agreement": (agreed, len(double), _rate(agreed, len(double))),
    }


def export_rows(
    answers: Sequence[dict[str, Any]], reviews: dict[tuple[str, str], dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Flat rows (one per citation and review) for CSV/XLSX, and one nested record per answer."""
    by_answer: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for review in reviews.values():
        by_answer[review["answer_id"]].append(review)
    rows, records = [], []
    for answer in answers:
        mine = by_answer.get(answer["answer_id"]) or [{}]
        base = {
            "answer_id": answer["answer_id"],
            "asked_at": answer.get("asked_at"),
            "kind": answer.get("kind"),
            "question": answer["question"],
            "filters": answer.get("filters", {}),
            "answer": answer["text"],
            "forces": ", ".join(answer.get("forces", ())),
        }
        records.append({**base, "citations": answer.get("citations", []), "reviews": mine})
        for review in mine:
            reviewed = {
                "reviewer": review.get("reviewer", ""),
                "reviewed_at": review.get("reviewed_at", ""),
                "verdict": review.get("verdict") or "",
                "note": review.get("note", ""),
            }
            cited = answer.get("citations") or [{}]
            for citation in cited:
                number = citation.get("number")
                rows.append(
                    {
                        **base,
                        **reviewed,
                        "citation": number,
                        "force": citation.get("force"),
                        "document": citation.get("file_name"),
                        "section": citation.get("section"),
                        "page": citation.get("page"),
                        "char_start": citation.get("char_start"),
                        "char_end": citation.get("char_end"),
                        "quote": citation.get("quote"),
                        "citation_verdict": review.get("citations", {}).get(str(number), ""),
                    }
                )
    return rows, records
