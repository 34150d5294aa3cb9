"""Fit the answer policy on development questions: features, labels, cross-validated cut-offs.

Each (question, force) pair is one row, labelled by whether the question's expected forces
include that force. The model is a logistic regression over standardised features; its cut-offs
are chosen on out-of-fold probabilities (grouped by question, so no question is judged by a
model that saw it), and the result is written as plain JSON numbers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.chain import QAEngine, absent_share
from qa.evaluate import EvalQuestion
from qa.judge import FEATURES, POLICY_FILE, AnswerPolicy, feature_rows, names_its_forces
from qa.variants import variant

FOLDS = 5
REGULARISATION = 1.0  # scikit-learn's C: the default, not tuned on the set it is judged on
RELATED_PER_QUESTION = 3.0  # at most this many 'related, check' forces on average...
RELATED_PRECISION = 0.25  # ...of which at least this share do state the answer
STATES_GRID = np.round(np.arange(0.05, 0.95, 0.025), 3)
RELATIVE_GRID = np.round(np.arange(0.0, 1.0, 0.05), 2)
TRAINING_FORMS = ("original", "lower", "typo")  # so no cut-off hinges on exact wording
JUDGED_KINDS = ("which_forces", "compare", "force", "fact", "unanswerable")


@dataclass(frozen=True, slots=True)
class Rows:
    """Feature rows with their labels, question groups and the question facts decisions need."""

    features: np.ndarray
    labels: np.ndarray
    groups: np.ndarray  # one per question as asked (each form apart): decisions are per group
    questions: np.ndarray  # one per question, all its forms together: folds never split these
    singular: np.ndarray
    named: np.ndarray  # the question names the forces it compares: no relative cut-off
    comparing: np.ndarray  # a comparison: "addresses it" has cut-offs of its own
    expected: dict[int, int]  # group -> number of expected forces


def training_rows(named_sets: Sequence[tuple[QAEngine, Sequence[EvalQuestion]]]) -> Rows:
    """One row per (question, force in scope), over every engine's corpus and question set."""
    features, labels, groups, origins, singular, named, comparing = [], [], [], [], [], [], []
    expected: dict[int, int] = {}
    group = 0
    for set_number, (engine, questions) in enumerate(named_sets):
        for question in questions:
            if question.kind not in JUDGED_KINDS:
                continue
            for form in TRAINING_FORMS:
                plan = engine.plan(variant(question, form))
                if not plan.in_scope:
                    continue
                read = plan.question
                candidates, weights, absent = engine.evidence(plan)
                rows = feature_rows(candidates, absent_share(weights, absent))
                wanted = {f.casefold() for f in question.expected_forces}
                for force in plan.in_scope:
                    row = rows.get(force)
                    features.append(row if row is not None else np.zeros(len(FEATURES)))
                    labels.append(int(force.casefold() in wanted))
                    groups.append(group)
                    origins.append(f"{set_number}:{question.id}")
                    singular.append(read.singular)
                    named.append(names_its_forces(read))
                    comparing.append(read.kind == "compare")
                expected[group] = len(wanted)
                group += 1
    _, question_ids = np.unique(np.asarray(origins), return_inverse=True)
    return Rows(
        np.vstack(features),
        np.asarray(labels),
        np.asarray(groups),
        question_ids,
        np.asarray(singular),
        np.asarray(named),
        np.asarray(comparing),
        expected,
    )


def fit_policy(rows: Rows, path: Path = POLICY_FILE) -> tuple[AnswerPolicy, dict[str, float]]:
    """Fit, choose cut-offs on out-of-fold probabilities, write the policy JSON; return both."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    mean = rows.features.mean(axis=0)
    scale = rows.features.std(axis=0)
    scale[scale < 1e-9] = 1.0
    standard = (rows.features - mean) / scale
    out_of_fold = np.zeros(len(rows.labels))
    folds = GroupKFold(n_splits=FOLDS).split(standard, rows.labels, rows.questions)
    for train, test in folds:
        model = LogisticRegression(C=REGULARISATION, max_iter=2000)
        model.fit(standard[train], rows.labels[train])
        out_of_fold[test] = model.predict_proba(standard[test])[:, 1]
    listing = _by_group(rows, comparing=False)
    comparisons = _by_group(rows, comparing=True)
    states_min, relative, listing_score = _best_cutoffs(rows, out_of_fold, listing)
    compare_min, compare_relative, compare_score = _best_cutoffs(rows, out_of_fold, comparisons)
    related_min = _related_cutoff(rows, out_of_fold, states_min, relative, listing)
    cv_score = (listing_score * len(listing) + compare_score * len(comparisons)) / max(
        len(listing) + len(comparisons), 1
    )
    model = LogisticRegression(C=REGULARISATION, max_iter=2000).fit(standard, rows.labels)
    policy = AnswerPolicy(
        features=FEATURES,
        mean=tuple(mean.round(6).tolist()),
        scale=tuple(scale.round(6).tolist()),
        coef=tuple(model.coef_[0].round(6).tolist()),
        intercept=round(float(model.intercept_[0]), 6),
        states_min=states_min,
        relative=relative,
        related_min=related_min,
        compare_min=compare_min,
        compare_relative=compare_relative,
        fitted_on={
            "rows": len(rows.labels),
            "questions": len(rows.expected),
            "positives": int(rows.labels.sum()),
            "cv_objective": round(cv_score, 4),
        },
    )
    path.write_text(json.dumps(policy.to_dict(), indent=2) + "\n", encoding="utf-8")
    return policy, {"cv_objective": cv_score}


def decide(
    probabilities: np.ndarray,
    singular: bool,
    states_min: float,
    relative: float,
    named: bool = False,
) -> np.ndarray:
    """The judge's rule on one question's forces: above the floor and near the best."""
    best = probabilities.max(initial=0.0)
    stated = (probabilities >= states_min) & (named | (probabilities >= relative * best))
    if singular:
        stated &= probabilities >= best
    return stated


def _best_cutoffs(
    rows: Rows, probabilities: np.ndarray, by_group: dict[int, np.ndarray]
) -> tuple[float, float, float]:
    """The cut-offs maximising mean per-question F1 (answerable) and abstention (unanswerable)."""
    best = (0.5, 0.5, -1.0 if by_group else 0.0)
    for states_min in STATES_GRID:
        for relative in RELATIVE_GRID:
            scores = []
            for group, index in by_group.items():
                stated = decide(
                    probabilities[index],
                    rows.singular[index][0],
                    states_min,
                    relative,
                    rows.named[index][0],
                )
                scores.append(_question_score(rows.labels[index], stated, rows.expected[group]))
            score = float(np.mean(scores))
            if score > best[2] + 1e-9:
                best = (float(states_min), float(relative), score)
    return best


def _related_cutoff(
    rows: Rows,
    probabilities: np.ndarray,
    states_min: float,
    relative: float,
    by_group: dict[int, np.ndarray],
) -> float:
    """The lowest cut-off at which 'related, check' is worth a reader's time.

    At least RELATED_PRECISION of the forces shown there state the answer after all (so the
    heading finds missed forces rather than noise), and at most RELATED_PER_QUESTION are shown
    on average.
    """
    shown, labels = [], []
    for index in by_group.values():
        stated = decide(
            probabilities[index],
            rows.singular[index][0],
            states_min,
            relative,
            rows.named[index][0],
        )
        shown.append(probabilities[index][~stated])
        labels.append(rows.labels[index][~stated])
    pooled, truth = np.concatenate(shown), np.concatenate(labels)
    for cutoff in np.round(np.arange(0.01, states_min + 1e-9, 0.01), 3):
        above = pooled >= cutoff
        if not above.any():
            break
        precise = truth[above].mean() >= RELATED_PRECISION
        if precise and above.sum() / len(shown) <= RELATED_PER_QUESTION:
            return float(cutoff)
    return float(states_min)


def _question_score(labels: np.ndarray, stated: np.ndarray, expected: int) -> float:
    """F1 of the named forces for an answerable question; 1 for a correct abstention."""
    named = int(stated.sum())
    if expected == 0:
        return float(named == 0)
    right = int((stated & (labels == 1)).sum())
    return 2 * right / (expected + named)


def _by_group(rows: Rows, comparing: bool) -> dict[int, np.ndarray]:
    """Each question form's rows, for comparisons or for every other kind."""
    groups = np.unique(rows.groups[rows.comparing == comparing])
    return {int(g): np.flatnonzero(rows.groups == g) for g in groups}
