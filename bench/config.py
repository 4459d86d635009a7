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

    @property
    def budget(self) -> Budget:
        """The default timing budget: short calls repeated until a round lasts round_time."""
        return self.pick(
            Budget(rounds=9, round_time=0.05), Budget(rounds=3, round_time=0.005, settle=0.01)
        )
