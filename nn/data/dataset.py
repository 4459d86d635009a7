"""Datasets: indexable collections of samples, subsets and random splits.

A dataset maps an index to a sample. Datasets that can also fetch a whole batch at once with
one NumPy fancy-index expose `get_batch(indices)`; `DataLoader` uses it instead of a Python
loop over samples, which is what makes training on in-memory arrays fast.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_engine import Tensor, tensor
from autograd_engine.random import Generator, numpy_generator

Seed = int | Generator | np.random.Generator | None


def as_array(x: Any) -> np.ndarray:
    """The NumPy array behind a Tensor, array or array-like (no copy when possible)."""
    if isinstance(x, Tensor):
        return np.asarray(x.numpy())
    return np.asarray(x)


class Dataset:
    """Base class: subclasses implement `__getitem__(index)` and `__len__()`."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")


class IterableDataset(Dataset):
    """A stream of samples: subclasses implement `__iter__` (as torch's IterableDataset).

    A DataLoader batches the samples in the order the stream yields them.
    """

    def __iter__(self) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class TensorDataset(Dataset):
    """Samples are the rows of equally long Tensors or arrays, e.g. `TensorDataset(X, y)`.

    Items are tuples of Tensors (`dataset[i] == (X[i], y[i])`), as in PyTorch; `DataLoader`
    fetches whole batches at once. `tensors` holds the inputs as given.
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one array or Tensor")
        self.tensors = tensors
        self.arrays = tuple(as_array(t) for t in tensors)
        for a in self.arrays:
            if a.ndim == 0:
                raise ValueError(
                    "TensorDataset arrays need a first (sample) dimension; got a scalar"
                )
        lengths = {a.shape[0] for a in self.arrays}
        if len(lengths) > 1:
            shapes = ", ".join(str(a.shape) for a in self.arrays)
            raise ValueError(
                f"TensorDataset arrays must have the same first dimension (number of samples); "
                f"got shapes {shapes}"
            )

    def __len__(self) -> int:
        return self.arrays[0].shape[0]

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return tuple(
            t[index] if isinstance(t, Tensor) else tensor(a[index], dtype=a.dtype)
            for t, a in zip(self.tensors, self.arrays, strict=True)
        )

    def get_batch(self, indices: np.ndarray | slice) -> tuple[np.ndarray, ...]:
        """The rows at `indices` of every array, fetched with one indexing operation each."""
        return tuple(a[indices] for a in self.arrays)


class Subset(Dataset):
    """The samples of `dataset` at the given `indices`, in that order."""

    def __init__(self, dataset: Dataset, indices: Sequence[int] | np.ndarray) -> None:
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64).reshape(-1)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: int) -> Any:
        return self.dataset[int(self.indices[index])]


def _split_lengths(lengths: Sequence[float], total: int) -> list[int]:
    """Integer lengths from counts, or from fractions summing to 1 (remainder spread evenly)."""
    if all(isinstance(n, int | np.integer) for n in lengths):
        counts = [int(n) for n in lengths]
        if any(n < 0 for n in counts) or sum(counts) != total:
            raise ValueError(
                f"random_split: lengths {counts} must be non-negative and sum to the dataset "
                f"length {total}"
            )
        return counts
    fractions = [float(f) for f in lengths]
    if any(f < 0 or f > 1 for f in fractions) or not math.isclose(sum(fractions), 1.0):
        raise ValueError(
            f"random_split: fractions {fractions} must lie in [0, 1] and sum to 1 "
            "(or give integer lengths summing to the dataset length)"
        )
    counts = [math.floor(total * f) for f in fractions]
    for i in range(total - sum(counts)):
        counts[i % len(counts)] += 1
    return counts


def random_split(
    dataset: Dataset, lengths: Sequence[float], generator: Seed = None
) -> list[Subset]:
    """Split `dataset` into non-overlapping random subsets of the given lengths.

    `lengths` are sample counts summing to `len(dataset)`, or fractions summing to 1 (floors,
    with the remainder handed out one by one from the first subset on, as PyTorch does).
    `generator` is an `ae.Generator`, a NumPy Generator or an int seed; by default the
    engine's global generator (`ae.manual_seed`).
    """
    counts = _split_lengths(lengths, len(dataset))
    order = numpy_generator(generator).permutation(len(dataset))
    bounds = np.cumsum([0, *counts])
    return [Subset(dataset, order[a:b]) for a, b in itertools.pairwise(bounds)]


def _count(size: float, total: int, name: str) -> int:
    """A split size given as a fraction of `total` (float) or a sample count (int)."""
    if isinstance(size, int | np.integer):
        count = int(size)
    elif 0.0 <= float(size) < 1.0:
        count = round(float(size) * total)
    else:
        raise ValueError(
            f"train_val_test_split: {name}={size} must be a fraction in [0, 1) or a count"
        )
    if not 0 <= count <= total:
        raise ValueError(f"train_val_test_split: {name}={size} is outside 0..{total} samples")
    return count


def _stratified_order(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """An order of the samples in which every prefix holds each class in proportion.

    Each sample gets the key (rank within its shuffled class + a random class offset) / class
    size, so the keys of every class are spread evenly over [0, 1); sorting by key interleaves
    the classes, and any prefix has each class to within one sample of its share.
    """
    order = rng.permutation(len(labels))
    _, inverse, counts = np.unique(labels[order], return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    rank = np.empty(len(labels), dtype=np.int64)
    by_class = np.argsort(inverse, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank[by_class] = np.arange(len(labels)) - np.repeat(starts, counts)
    keys = (rank + rng.random(len(counts))[inverse]) / counts[inverse]
    return order[np.argsort(keys, kind="stable")]


def train_val_test_split(
    *arrays: Any,
    val: float = 0.1,
    test: float = 0.1,
    seed: Seed = 0,
    stratify: Any = None,
) -> tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]]:
    """Shuffle equally long arrays together and cut them into train, validation and test parts.

    `val` and `test` are fractions of the samples (rounded to the nearest count) or counts.
    With `stratify` (labels, one per sample) every part keeps the class proportions (to within
    two samples per class). Returns `(train, val, test)`, each a tuple with one entry per input
    array; Tensors come back as Tensors of the same dtype, anything else as NumPy arrays::

        (X_tr, y_tr), (X_va, y_va), (X_te, y_te) = train_val_test_split(X, y, seed=0)
    """
    dataset = TensorDataset(*arrays)
    total = len(dataset)
    n_val, n_test = _count(val, total, "val"), _count(test, total, "test")
    if n_val + n_test > total:
        raise ValueError(
            f"train_val_test_split: val ({n_val}) + test ({n_test}) exceed the {total} samples"
        )
    rng = numpy_generator(seed)
    if stratify is None:
        order = rng.permutation(total)
    else:
        labels = as_array(stratify).reshape(-1)
        if len(labels) != total:
            raise ValueError(
                f"train_val_test_split: stratify has {len(labels)} labels for {total} samples"
            )
        order = _stratified_order(labels, rng)
    parts = (order[n_val + n_test :], order[n_test : n_test + n_val], order[:n_test])
    return tuple(
        tuple(_take(original, array, part) for original, array in zip(arrays, dataset.arrays))
        for part in parts
    )


def _take(original: Any, array: np.ndarray, rows: np.ndarray) -> Any:
    """`array[rows]`, wrapped back into a Tensor when `original` was one."""
    picked = array[rows]
    return tensor(picked, dtype=picked.dtype) if isinstance(original, Tensor) else picked
