"""Latency figures shared by the benchmarks: each call timed in wall and CPU milliseconds, and
p50/p95 printed the same way everywhere."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable
from typing import Any


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def time_each(
    call: Callable[[Any], object], items: Iterable[Any]
) -> tuple[list[float], list[float]]:
    """Call ``call`` on each item; the wall and CPU milliseconds of each call."""
    wall: list[float] = []
    cpu: list[float] = []
    for item in items:
        t, c = time.perf_counter(), time.process_time()
        call(item)
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return wall, cpu


def latency(wall: list[float], cpu: list[float]) -> str:
    """``wall p50 … ms, p95 … ms; CPU p50 … ms, p95 … ms``."""
    return (
        f"wall p50 {statistics.median(wall):.1f} ms, p95 {percentile(wall, 0.95):.1f} ms; "
        f"CPU p50 {statistics.median(cpu):.1f} ms, p95 {percentile(cpu, 0.95):.1f} ms"
    )
