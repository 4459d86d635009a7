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


class Generator:
    """A seedable random source with torch.Generator's methods, over a NumPy Generator.

    Pass it where PyTorch takes `generator=` (DataLoader, random_split, samplers, init):
    `g = ae.Generator().manual_seed(0)`. `numpy` is the NumPy Generator it draws from.
    """

    def __init__(self, device: str = "cpu") -> None:
        self._seed = int(np.random.SeedSequence().entropy % (2**63))
        self.numpy = np.random.default_rng(self._seed)
        self.device = device

    def manual_seed(self, seed: int) -> Generator:
        """Reseed; returns the generator itself, so `Generator().manual_seed(0)` chains."""
        self._seed = int(seed)
        self.numpy = np.random.default_rng(self._seed)
        return self

    def seed(self) -> int:
        """Reseed from fresh entropy and return the new seed."""
        self.manual_seed(int(np.random.SeedSequence().entropy % (2**63)))
        return self._seed

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> dict[str, Any]:
        return self.numpy.bit_generator.state

    def set_state(self, state: dict[str, Any]) -> Generator:
        self.numpy.bit_generator.state = state
        return self


def numpy_generator(source: Generator | np.random.Generator | int | None) -> np.random.Generator:
    """The NumPy Generator to draw from: a given Generator's, a new one from an int seed, or
    (None) the global one that `manual_seed` resets."""
    if source is None:
        return _generator
    if isinstance(source, Generator):
        return source.numpy
    if isinstance(source, np.random.Generator):
        return source
    return np.random.default_rng(int(source))
