"""Shared timing helpers of the benchmarks: first call, medians, p90, one printed line each."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, list[float]]:
    """(first call in ms, the following `runs` calls in ms)."""
    start = time.perf_counter()
    fn()
    first = (time.perf_counter() - start) * 1000
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return first, times


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]


def row(name: str, first: float, times: list[float], limit: float) -> tuple[str, bool]:
    """The printed line of one measurement and whether its median stays under the limit."""
    median = statistics.median(times)
    ok = median < limit
    return (
        f"  {name:<46} kalt {first:8.1f}   Median {median:8.1f}   p90 {p90(times):8.1f} ms"
        f"   Grenze {limit:6.0f}   {'ok' if ok else 'ZU LANGSAM'}",
        ok,
    )
