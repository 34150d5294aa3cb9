"""The benchmark's own machinery: synthetic responses and paired timing (not speed itself)."""

from __future__ import annotations

from pathlib import Path

from bench.paired import paired, ratio
from bench.synthetic import generate


def test_synthetic_responses_are_realistic_and_all_different(tmp_path: Path) -> None:
    from ingest.forces import detect_force

    files = generate(tmp_path, documents=12)
    texts = [p.read_text(encoding="utf-8") for p in files]
    assert len(set(texts)) == 12
    assert 2_000 < sum(map(len, texts)) / 12 < 15_000
    forces = {detect_force(text, p.name).force for p, text in zip(files, texts, strict=True)}
    assert len(forces) == 12, "each response is re-addressed to its own force"
    # Quoted recommendations repeat, as in real responses; the responses' own prose does not.
    prose = [p for text in texts for p in text.split("\n\n") if len(p) > 300 and "should" not in p]
    assert len(set(prose)) == len(prose)


def test_paired_rounds_rotate_the_order_and_use_self_timed_figures() -> None:
    calls: list[str] = []
    variants = {
        "a": lambda: calls.append("a"),
        "b": lambda: calls.append("b") or 2.0,
    }
    seconds = paired(variants, rounds=2, warm=False)
    assert calls == ["a", "b", "b", "a"]
    assert seconds["b"] == [2.0, 2.0]
    assert ratio([4.0, 6.0], [2.0, 2.0]) == 2.5
