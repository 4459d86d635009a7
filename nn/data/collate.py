"""Turning fetched samples into batches of Tensors.

Dtype policy for batches: floating data becomes float32 (float64 stays float64, so a user who
chose double precision keeps it), integers become int64 (class labels, as PyTorch's losses
expect), booleans stay boolean.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from autograd_engine import Tensor, tensor


def batch_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype a batch of `dtype` data gets (see the module docstring)."""
    if dtype.kind == "f":
        return np.dtype(np.float64) if dtype == np.float64 else np.dtype(np.float32)
    if dtype.kind in "iu":
        return np.dtype(np.int64)
    if dtype.kind == "b":
        return dtype
    raise TypeError(
        f"cannot collate data of dtype {dtype} into a Tensor (numbers or booleans only)"
    )


def to_batch_tensor(array: np.ndarray) -> Tensor:
    """A Tensor holding `array` converted to its batch dtype."""
    return tensor(array, dtype=batch_dtype(array.dtype))


def default_collate(samples: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch, keeping the samples' structure.

    Tuples and lists of fields give a tuple of batched fields, dicts a dict; arrays, Tensors
    and numbers are stacked along a new first dimension into one Tensor.
    """
    first = samples[0]
    if isinstance(first, Mapping):
        return {key: default_collate([s[key] for s in samples]) for key in first}
    if isinstance(first, tuple | list):
        if any(len(s) != len(first) for s in samples):
            raise ValueError("default_collate: samples have different numbers of fields")
        return tuple(default_collate(field) for field in zip(*samples))
    if isinstance(first, str):
        return list(samples)
    arrays = [s.numpy() if isinstance(s, Tensor) else s for s in samples]
    if isinstance(first, float):
        return to_batch_tensor(np.asarray(arrays, dtype=np.float32))
    return to_batch_tensor(np.stack([np.asarray(a) for a in arrays]))


def default_convert(sample: Any) -> Any:
    """One sample with its arrays and numbers turned into Tensors, keeping its structure (what
    a DataLoader yields with `batch_size=None`)."""
    if isinstance(sample, Mapping):
        return {key: default_convert(value) for key, value in sample.items()}
    if isinstance(sample, tuple | list):
        return type(sample)(default_convert(v) for v in sample)
    if isinstance(sample, np.ndarray | np.generic):
        return to_batch_tensor(np.asarray(sample))
    return sample
