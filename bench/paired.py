"""Paired timing on a shared, noisy machine: every variant once per round, order rotated.

Other work on the machine comes and goes; timing the baseline and ours back to back, round
after round, exposes both to the same conditions, and the median of the per-round ratios is
robust to a round that a neighbour disturbed.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def paired(
    variants: dict[str, Callable[[], Any]], rounds: int, warm: bool = True
) -> dict[str, list[float]]:
    """Seconds of each variant in each round; round r starts at variant r (mod count).

    A variant that returns a float has timed itself (to leave out a model load, say): that
    figure is used instead of the wall time of the call.
    """
    names = list(variants)
    if warm:
        for name in names:
            variants[name]()
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for round_no in range(rounds):
        shift = round_no % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            timed = variants[name]()
            elapsed = time.perf_counter() - started
            seconds[name].append(timed if isinstance(timed, float) else elapsed)
    return seconds


def ratio(baseline: list[float], ours: list[float]) -> float:
    """Median over rounds of baseline time / our time: above 1 means we are faster."""
    return statistics.median(b / o for b, o in zip(baseline, ours, strict=True))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def table(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    """A plain text table, numbers right-aligned."""
    cells = [tuple(_cell(v) for v in row) for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for n, row in enumerate(cells):
        parts = [
            value.ljust(width) if i == 0 else value.rjust(width)
            for i, (value, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  " + "  ".join(parts))
        if n == 0:
            lines.append("  " + "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
