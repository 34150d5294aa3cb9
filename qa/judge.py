"""One judgment, one place: does each force's response state the answer to the question?

Every force in scope gets a graded verdict from one fitted model: *states it*, *related, check*
or *nothing close*. Its features say how a force's best evidence matches the question (meaning,
IDF-weighted words, the rarest word) and how it stands against every other force's evidence for
the same question, so the cut-off is relative to the question's best rather than one absolute
score that would not transfer from a corpus of five responses to one of five hundred.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from qa.candidates import ForceCandidates, Unit
from qa.question import Question

POLICY_FILE = Path(__file__).resolve().parent / "data" / "answer_policy.json"
STATES, RELATED, NOTHING = "states it", "related, check", "nothing close"

FEATURES = (
    "dense",
    "dense_window",
    "dense_chunk",
    "coverage",
    "coverage_window",
    "coverage_chunk",
    "rarest_present",
    "distinctive",
    "absent_meaning",
    "bm25_share",
    "dense_gap",
    "coverage_gap",
    "dense_rank",
    "bm25_rank",
    "negation_mismatch",
    "recommendation",
    "absent_share",
)


class PolicyMissing(Exception):
    """The fitted answer policy is not installed: `pccqa eval --fit` writes it."""


@dataclass(frozen=True, slots=True)
class AnswerPolicy:
    """Every constant of the per-force decision, fitted on the dev set (never hand-set).

    `states_min` and `related_min` are probabilities; `relative` keeps only forces within that
    share of the question's best force, the form that held across corpus sizes. Comparisons
    ask which forces address a topic, not which state a fact, and have cut-offs of their own.
    """

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    states_min: float
    relative: float
    related_min: float
    compare_min: float  # comparisons: the forces that address a topic, a wider net
    compare_relative: float
    fitted_on: dict[str, Any] = field(default_factory=dict)

    def probability(self, rows: np.ndarray) -> np.ndarray:
        z = (rows - np.asarray(self.mean)) / np.asarray(self.scale)
        return 1.0 / (1.0 + np.exp(-(z @ np.asarray(self.coef) + self.intercept)))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AnswerPolicy:
        values = dict(data)
        for key in ("features", "mean", "scale", "coef"):
            values[key] = tuple(values[key])
        if values["features"] != FEATURES:
            raise PolicyMissing("the answer policy was fitted on other features: refit it")
        return cls(**values)


@cache
def load_policy(path: Path = POLICY_FILE) -> AnswerPolicy:
    """The packaged policy: plain JSON numbers, so loading it can never run code."""
    if not path.exists():
        raise PolicyMissing(f"no answer policy at {path}: run `pccqa eval --fit` to fit one")
    return AnswerPolicy.from_dict(json.loads(path.read_text(encoding="utf-8")))


@dataclass(frozen=True, slots=True)
class ForceVerdict:
    """A force's verdict on one question, its probability, best evidence and why."""

    force: str
    verdict: str
    probability: float
    evidence: tuple[Unit, ...]
    reasons: dict[str, float]


def feature_rows(
    candidates: Mapping[str, ForceCandidates], absent_share: float
) -> dict[str, np.ndarray]:
    """Each force's feature row: its best evidence, and where that stands among all forces.

    A force stands only against forces that do better (gap to the best, share of the best,
    rank), so a response that says nothing close, added to the corpus, changes no other row.
    """
    pooled = {force: _pooled(c) for force, c in candidates.items()}
    if not pooled:
        return {}
    dense = np.array([p["dense_window"] for p in pooled.values()])
    bm25 = np.array([c.bm25 for c in candidates.values()])
    coverage = np.array([p["coverage_window"] for p in pooled.values()])
    rows = {}
    for i, (force, values) in enumerate(pooled.items()):
        row = dict(values)
        row["bm25_share"] = bm25[i] / bm25.max() if bm25.max() > 0 else 0.0
        row["dense_gap"] = dense[i] - dense.max()
        row["coverage_gap"] = coverage[i] - coverage.max()
        row["dense_rank"] = 1.0 / (1 + np.sum(dense > dense[i]))
        row["bm25_rank"] = 1.0 / (1 + np.sum(bm25 > bm25[i]))
        row["absent_share"] = absent_share
        rows[force] = np.array([row[name] for name in FEATURES], dtype=np.float64)
    return rows


def judge_forces(
    candidates: Mapping[str, ForceCandidates],
    in_scope: Sequence[str],
    absent_share: float,
    policy: AnswerPolicy,
    *,
    negative: bool = False,
    singular: bool = False,
    named: bool = False,
    comparing: bool = False,
) -> list[ForceVerdict]:
    """Verdicts for every force in scope, most probable first.

    Every force of the corpus is read (so each stands against the whole field), but only those
    in scope get a verdict; a force with no candidate passage gets *nothing close*. Forces the
    question names (`named`: "compare Kent and Essex on ...") are each judged on their own
    evidence, not against the best of them.
    """
    rows = feature_rows(candidates, absent_share)
    if negative:
        negation = FEATURES.index("negation_mismatch")
        for row in rows.values():
            row[negation] = 1.0 - row[negation]
    probabilities = {
        force: float(p)
        for force, p in zip(
            rows, policy.probability(np.vstack(list(rows.values()))) if rows else [], strict=True
        )
    }
    best = max((probabilities.get(f, 0.0) for f in in_scope), default=0.0)
    floor = policy.compare_min if comparing else policy.states_min
    relative = policy.compare_relative if comparing else policy.relative
    verdicts = []
    for force in in_scope:
        p = probabilities.get(force, 0.0)
        stated = p >= floor and (named or p >= relative * best)
        if singular and stated and p < best:
            stated = False
        related = p >= min(policy.related_min, floor)
        verdict = STATES if stated else RELATED if related else NOTHING
        units = _best_units(candidates[force]) if force in candidates else ()
        reasons = (
            dict(zip(FEATURES, rows[force].round(3).tolist(), strict=True)) if force in rows else {}
        )
        verdicts.append(ForceVerdict(force, verdict, p, units, reasons))
    return sorted(verdicts, key=lambda v: -v.probability)


def names_its_forces(question: Question) -> bool:
    """A question about the forces it names (one force, or a comparison of named forces)."""
    return bool(question.forces) and question.kind in ("force", "compare")


def _pooled(c: ForceCandidates) -> dict[str, float]:
    """A force's best value of each sentence-level score (restated recommendations set aside)."""
    own = [u for u in c.units if not u.quotes_recommendation] or list(c.units)
    best = max(own, key=_unit_strength, default=None)
    return {
        "dense": max((u.dense for u in own), default=0.0),
        "dense_window": max((u.dense_window for u in own), default=0.0),
        "dense_chunk": c.dense_chunk,
        "coverage": max((u.coverage for u in own), default=0.0),
        "coverage_window": max((u.coverage_window for u in own), default=0.0),
        "coverage_chunk": c.coverage_chunk,
        "rarest_present": float(any(u.rarest_present for u in own)),
        "distinctive": max((u.distinctive for u in own), default=0.0),
        "absent_meaning": max((u.absent_meaning for u in own), default=0.0),
        "negation_mismatch": float(best.negated) if best else 0.0,
        "recommendation": float(all(u.quotes_recommendation for u in c.units)),
    }


def _unit_strength(unit: Unit) -> float:
    """Meaning and words together, each on its own 0-1 scale, to pick the sentence to quote."""
    return unit.dense_window + unit.coverage_window + unit.dense + unit.coverage


def _best_units(c: ForceCandidates, count: int = 3) -> tuple[Unit, ...]:
    own = [u for u in c.units if not u.quotes_recommendation]
    return tuple(sorted(own, key=_unit_strength, reverse=True)[:count])
