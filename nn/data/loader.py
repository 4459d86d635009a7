"""`DataLoader`: batches from a dataset, shuffled reproducibly, resumable mid-epoch."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .collate import default_collate, to_batch_tensor
from .dataset import Dataset, Subset, as_generator

BatchFetcher = Callable[[np.ndarray | slice], tuple[np.ndarray, ...]]


def _batch_fetcher(dataset: Dataset) -> BatchFetcher | None:
    """The dataset's whole-batch fetch (`get_batch`), seen through Subsets; None if it has none."""
    if isinstance(dataset, Subset):
        inner = _batch_fetcher(dataset.dataset)
        if inner is None:
            return None
        return lambda rows: inner(dataset.indices[rows])
    return getattr(dataset, "get_batch", None)


class DataLoader:
    """Iterate over `dataset` in batches of `batch_size`, like `torch.utils.data.DataLoader`.

    With `shuffle=True` every epoch (every `iter()`) draws a new permutation from a NumPy
    Generator, made from `seed` or passed as `generator`, so the same seed gives the same
    batches. `state_dict()` / `load_state_dict()` save and restore that Generator and the
    position within the current epoch, so a run resumed from a checkpoint sees exactly the
    batches an uninterrupted run would.

    Datasets with `get_batch` (such as `TensorDataset`) are fetched a batch at a time with one
    NumPy indexing operation per array; others sample by sample, then `collate_fn` (by default
    `default_collate`, which stacks into Tensors) builds the batch.
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
        collate_fn: Callable[[list[Any]], Any] | None = None,
    ) -> None:
        if not isinstance(batch_size, int | np.integer) or batch_size < 1:
            raise ValueError(
                f"DataLoader: batch_size must be a positive integer, got {batch_size!r}"
            )
        if seed is not None and generator is not None:
            raise ValueError("DataLoader: give either seed or generator, not both")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.generator = as_generator(generator if generator is not None else seed)
        self.collate_fn = collate_fn
        self._fetch = None if collate_fn is not None else _batch_fetcher(dataset)
        self._epoch_state: dict[str, Any] | None = None
        self._batches_done = 0
        self._skip = 0

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _batch(self, rows: np.ndarray | slice) -> Any:
        if self._fetch is not None:
            return tuple(to_batch_tensor(a) for a in self._fetch(rows))
        indices = range(len(self.dataset))[rows] if isinstance(rows, slice) else rows
        samples = [self.dataset[int(i)] for i in indices]
        return (self.collate_fn or default_collate)(samples)

    def __iter__(self) -> Iterator[Any]:
        self._epoch_state = self.generator.bit_generator.state
        order = self.generator.permutation(len(self.dataset)) if self.shuffle else None
        start, self._skip = self._skip, 0
        self._batches_done = start
        for b in range(start, len(self)):
            lo = b * self.batch_size
            hi = min(lo + self.batch_size, len(self.dataset))
            rows = order[lo:hi] if order is not None else slice(lo, hi)
            batch = self._batch(rows)
            self._batches_done = b + 1
            yield batch
        self._epoch_state = None

    def state_dict(self) -> dict[str, Any]:
        """The Generator state and the number of batches already taken from the current epoch."""
        if self._epoch_state is not None and self._batches_done < len(self):
            return {"generator": self._epoch_state, "batches_done": self._batches_done}
        return {"generator": self.generator.bit_generator.state, "batches_done": self._skip}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a `state_dict()`: the next epoch resumes where the saved one stopped."""
        self.generator.bit_generator.state = state["generator"]
        self._skip = int(state["batches_done"])
        self._epoch_state = None
        self._batches_done = 0
