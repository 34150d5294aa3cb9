"""The per-force judgment: a fitted policy of plain JSON numbers, and the rule it applies."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa.fit import Rows, decide, fit_policy
from qa.judge import FEATURES, POLICY_FILE, AnswerPolicy, PolicyMissing, load_policy


def _rows(questions: int = 40, forces: int = 6, seed: int = 7) -> Rows:
    """Synthetic rows where the first feature separates the forces that state it."""
    rng = np.random.default_rng(seed)
    features, labels, groups = [], [], []
    expected = {}
    for group in range(questions):
        answer = rng.integers(0, forces) if group % 4 else -1  # every fourth: unanswerable
        for force in range(forces):
            row = rng.normal(0, 1, len(FEATURES))
            row[0] = 2.5 if force == answer else rng.normal(-1, 0.5)
            features.append(row)
            labels.append(int(force == answer))
            groups.append(group)
        expected[group] = int(answer >= 0)
    count = len(labels)
    return Rows(
        np.vstack(features),
        np.asarray(labels),
        np.asarray(groups),
        np.asarray(groups),
        np.zeros(count, dtype=bool),
        np.zeros(count, dtype=bool),
        np.asarray(groups) % 5 == 0,  # every fifth question a comparison
        expected,
    )


def test_fitting_writes_a_policy_of_plain_numbers(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    policy, info = fit_policy(_rows(), path)
    data = json.loads(path.read_text(encoding="utf-8"))  # JSON: loading it runs no code
    assert tuple(data["features"]) == FEATURES
    assert load_policy.__wrapped__(path) == policy
    assert info["cv_objective"] > 0.9, "a separable signal is found out of fold"
    assert 0 < policy.states_min < 1 and policy.related_min <= policy.states_min
    assert 0 < policy.compare_min < 1, "comparisons get cut-offs of their own"


def test_the_packaged_policy_loads_and_a_missing_one_says_how_to_fit(tmp_path: Path) -> None:
    assert load_policy(POLICY_FILE).features == FEATURES
    with pytest.raises(PolicyMissing, match="pccqa eval --fit"):
        load_policy.__wrapped__(tmp_path / "none.json")


def test_a_policy_fitted_on_other_features_is_refused() -> None:
    data = load_policy(POLICY_FILE).to_dict() | {"features": ["dense"]}
    with pytest.raises(PolicyMissing, match="refit"):
        AnswerPolicy.from_dict(data)


def test_decision_is_relative_to_the_best_unless_forces_are_named() -> None:
    p = np.array([0.9, 0.5, 0.3, 0.05])
    assert decide(p, False, 0.2, 0.5).tolist() == [True, True, False, False]
    assert decide(p, True, 0.2, 0.5).tolist() == [True, False, False, False], "which force?"
    assert decide(p, False, 0.2, 0.5, named=True).tolist() == [True, True, True, False]
