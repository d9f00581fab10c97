"""Timing helper shared by the benchmark scripts (run them as ``python perf/<name>.py``)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def timed(fn: Callable[[], Any], reps: int) -> tuple[float, float, float, Any]:
    """Run ``fn`` ``reps`` times; return (median, min, max) wall seconds and the last output."""
    times, out = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), max(times), out
