"""The one timing helper: interleaved rounds of each case, first call apart, medians.

`measure` first calls every case once (that call pays for JIT compilation or cache loading and
is reported apart) and once more to calibrate how many calls fill a round (skipped when a round
is one call); then it runs `rounds` rounds, each timing every case in turn, so load that comes
and goes hits all cases alike. The figure is the median of the rounds' per-call means; ratios
between cases of one `measure` call are fair.

Before each block of calls it pauses `settle` seconds: with several threads per library on 2
cores, the worker threads of the previous case's library (OpenBLAS spins about 0.1 s after each
call, OpenMP pools spin too) otherwise starve the next case's threads; timing them back to back
was measured to turn 50 us products into 40 ms ones. Single-threaded runs need no pause. The
garbage collector stays on: its pauses are part of what a training loop pays.
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
    """`rounds` rounds of about `round_time` seconds per case, each block after a pause of
    `settle` seconds."""

    rounds: int
    round_time: float
    settle: float = 0.0


@dataclass(frozen=True)
class Timing:
    """Seconds per call: the first call, and the per-call means of the timed rounds."""

    first: float
    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)


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


def measure(cases: Mapping[str, Callable[[], object]], budget: Budget) -> dict[str, Timing]:
    """Time the cases in interleaved rounds; return a Timing per case name."""
    first, calls = {}, {}
    for name, fn in cases.items():
        time.sleep(budget.settle)
        first[name] = _seconds(fn)
        once = _seconds(fn) if budget.round_time else 0.0
        calls[name] = max(1, round(budget.round_time / max(once, 1e-9))) if once else 1
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(budget.rounds):
        for name, fn in cases.items():
            time.sleep(budget.settle)
            samples[name].append(_seconds(fn, calls[name]))
    return {name: Timing(first[name], tuple(samples[name])) for name in cases}


def time_case(fn: Callable[[], object], budget: Budget) -> Timing:
    """`measure` of a single case."""
    return measure({"case": fn}, budget)["case"]


def phases(parts: Mapping[str, Callable[[], object]], passes: int) -> dict[str, float]:
    """Median seconds of each part over `passes` passes that run the parts in order (for work
    whose parts depend on each other: forward, then backward, then the update)."""
    samples: dict[str, list[float]] = {name: [] for name in parts}
    for _ in range(passes):
        for name, fn in parts.items():
            samples[name].append(_seconds(fn))
    return {name: statistics.median(s) for name, s in samples.items()}
