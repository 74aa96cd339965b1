"""Small timing helpers: per-operation cost of a loop, and percentiles of samples."""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), nearest-rank on the sorted samples."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = math.ceil(q / 100 * len(ordered))  # 1-based
    return ordered[min(max(rank, 1), len(ordered)) - 1]


def per_op_us(run: Callable[[], int], repeats: int = 5) -> float:
    """Median over `repeats` of (time of one call of `run`) / (operations it reports), in µs."""
    costs = []
    for _ in range(repeats):
        gc.disable()
        try:
            start = time.perf_counter_ns()
            ops = run()
            elapsed = time.perf_counter_ns() - start
        finally:
            gc.enable()
        costs.append(elapsed / ops / 1000)
    return statistics.median(costs)


def sample_ms(call: Callable[[Any], object], args: Iterable[Any], warmup: int = 5) -> list[float]:
    """Time `call(arg)` once per argument; the first `warmup` calls are run but not kept."""
    args = list(args)
    for arg in args[:warmup]:
        call(arg)
    samples = []
    for arg in args:
        start = time.perf_counter_ns()
        call(arg)
        samples.append((time.perf_counter_ns() - start) / 1e6)
    return samples


def seconds(call: Callable[[], object]) -> tuple[float, object]:
    """Wall time of one call, in seconds, and what it returned."""
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def paired_ms(
    measured: Callable[[Any], object],
    baseline: Callable[[Any], object],
    args: Iterable[Any],
    warmup: int = 5,
    budget_s: float = 60.0,
    min_samples: int = 5,
) -> tuple[list[float], list[float]]:
    """Time both calls for every argument, alternating, so both see the same machine load.

    Stops early (after at least `min_samples` pairs) once `budget_s` is spent: a call that
    takes seconds is slow enough to report from a few samples, and the run stays short.
    """
    args = list(args)
    deadline = time.perf_counter() + budget_s
    for arg in args[:warmup]:
        measured(arg)
        baseline(arg)
        if time.perf_counter() > deadline:
            break
    got: tuple[list[float], list[float]] = ([], [])
    for n, arg in enumerate(args):
        if n >= min_samples and time.perf_counter() > deadline:
            break
        for samples, call in zip(got, (measured, baseline), strict=True):
            start = time.perf_counter_ns()
            call(arg)
            samples.append((time.perf_counter_ns() - start) / 1e6)
    return got


def p95(samples: Sequence[float]) -> float:
    return percentile(samples, 95)


def spread(samples: Sequence[float]) -> dict[str, float]:
    """What goes next to a p95 in results.json: the median, the worst and how many."""
    return {
        "p50": statistics.median(samples),
        "max": max(samples),
        "samples": len(samples),
    }
