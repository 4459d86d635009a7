"""Run settings shared by the sections: quick or full, thread count, where plots go."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from .timing import Budget

T = TypeVar("T")


@dataclass(frozen=True)
class Config:
    quick: bool
    threads: int
    plot_dir: Path

    def pick(self, full: T, quick: T) -> T:
        """`quick` in quick mode, `full` otherwise."""
        return quick if self.quick else full

    def budget(self, rounds: int = 9, round_time: float = 0.05) -> Budget:
        """A timing budget; quick mode cuts it to a few short rounds. The settle pause is only
        needed when the libraries run several threads (see bench.timing)."""
        if self.quick:
            rounds, round_time = min(rounds, 3 if round_time else 1), min(round_time, 0.005)
        settle = 0.0 if self.threads == 1 else self.pick(0.12, 0.01)
        return Budget(rounds, round_time, settle)
