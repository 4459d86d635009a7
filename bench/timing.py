"""The one timing helper: per case a settle pause, the first call apart, then timed rounds.

Each case is timed in a block of consecutive rounds, after a short pause: on 2 cores, the
worker threads of the previous case's library (OpenBLAS spins about 0.1 s after each call,
OpenMP pools spin too) otherwise starve the next case's threads, and interleaving cases call by
call was measured to inflate 50 us products to 40 ms. The first call of each case pays for JIT
compilation or cache loading and is reported apart; a second call calibrates how many calls
fill a round (skipped when a round is one call); the figure is the median of the rounds'
per-call means. The cases of one `measure` call run back to back, so ratios between them come
from the same minute. The garbage collector stays on: its pauses are part of what a training
loop pays.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

R = TypeVar("R")


@dataclass(frozen=True)
class Budget:
    """How long to time each case: `rounds` rounds of about `round_time` seconds, after a
    pause of `settle` seconds."""

    rounds: int
    round_time: float
    settle: float = 0.15


@dataclass(frozen=True)
class Timing:
    """Seconds per call: the first call, and the per-call means of the timed rounds."""

    first: float
    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def spread(self) -> float:
        """(max - min) / median of the rounds: how noisy the figure is."""
        return (max(self.samples) - min(self.samples)) / self.median


def timed(fn: Callable[[], R]) -> tuple[R, float]:
    """fn's result and the wall-clock seconds of one call (for work that cannot repeat)."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def _seconds(fn: Callable[[], object], calls: int = 1) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def time_case(fn: Callable[[], object], budget: Budget) -> Timing:
    time.sleep(budget.settle)
    first = _seconds(fn)
    calls = max(1, round(budget.round_time / max(_seconds(fn), 1e-9))) if budget.round_time else 1
    return Timing(first, tuple(_seconds(fn, calls) for _ in range(budget.rounds)))


def phases(parts: Mapping[str, Callable[[], object]], passes: int) -> dict[str, float]:
    """Median seconds of each part over `passes` passes that run the parts in order (for work
    whose parts depend on each other: forward, then backward, then the update)."""
    samples: dict[str, list[float]] = {name: [] for name in parts}
    for _ in range(passes):
        for name, fn in parts.items():
            samples[name].append(_seconds(fn))
    return {name: statistics.median(s) for name, s in samples.items()}


def measure(cases: Mapping[str, Callable[[], object]], budget: Budget) -> dict[str, Timing]:
    """Time the cases one after another; return a Timing per case name."""
    return {name: time_case(fn, budget) for name, fn in cases.items()}
