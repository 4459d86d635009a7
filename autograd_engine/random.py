"""The engine's random number generator: one seeded NumPy Generator shared by all sampling.

`manual_seed(s)` makes every random tensor, initialisation, dropout mask and shuffle that uses
it reproducible; `get_rng_state` / `set_rng_state` let checkpoints resume a run exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the global generator; returns it."""
    global _generator
    _generator = np.random.default_rng(int(seed))
    return _generator


def generator() -> np.random.Generator:
    """The global NumPy Generator (draw from it directly for NumPy-side sampling)."""
    return _generator


def get_rng_state() -> dict[str, Any]:
    """The generator's state as a plain dict (JSON-friendly), for checkpoints."""
    return _generator.bit_generator.state


def set_rng_state(state: dict[str, Any]) -> None:
    _generator.bit_generator.state = state
