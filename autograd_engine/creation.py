"""Ways to make tensors, with PyTorch's call shapes: sizes as separate ints or one tuple."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import dtypes
from .random import generator
from .tensor import Tensor


def _size(size: tuple) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], Sequence | np.ndarray):
        return tuple(int(s) for s in size[0])
    return tuple(int(s) for s in size)


def _dtype_or_default(dtype: Any) -> np.dtype:
    return dtypes.get_default_dtype() if dtype is None else dtypes.resolve(dtype)


def _new(array: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._make(array, False, None)
    if requires_grad:
        t.requires_grad = True
    return t


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of `data` (numbers, nested lists, arrays, tensors)."""
    return Tensor(data, dtype=dtype, requires_grad=requires_grad)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _new(np.zeros(_size(size), dtype=_dtype_or_default(dtype)), requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _new(np.ones(_size(size), dtype=_dtype_or_default(dtype)), requires_grad)


def full(size: Any, fill_value: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    size = (size,) if isinstance(size, int) else tuple(size)
    if dtype is None:
        dtype = np.asarray(fill_value).dtype
        dtype = dtypes.get_default_dtype() if dtype.kind == "f" else dtype
    return _new(np.full(size, fill_value, dtype=dtypes.resolve(dtype)), requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _new(np.eye(n, m, dtype=_dtype_or_default(dtype)), requires_grad)


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Values from start (or 0) up to end, exclusive; integers unless a bound is a float."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        all_int = all(isinstance(v, int | np.integer) for v in (start, end, step))
        dtype = dtypes.int64 if all_int else dtypes.get_default_dtype()
    return _new(np.arange(start, end, step, dtype=dtypes.resolve(dtype)), requires_grad)


def linspace(
    start: float, end: float, steps: int, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    return _new(np.linspace(start, end, steps, dtype=_dtype_or_default(dtype)), requires_grad)


def rand(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples on [0, 1) from the seeded global generator."""
    d = _dtype_or_default(dtype)
    return _new(generator().random(_size(size), dtype=d), requires_grad)


def randn(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the seeded global generator."""
    d = _dtype_or_default(dtype)
    return _new(generator().standard_normal(_size(size), dtype=d), requires_grad)


def randint(low: int, high: int, size: Any, dtype: Any = None) -> Tensor:
    size = (size,) if isinstance(size, int) else tuple(size)
    arr = generator().integers(low, high, size=size)
    return _new(arr.astype(dtypes.int64 if dtype is None else dtypes.resolve(dtype)), False)


def _like(fn: Any) -> Any:
    def like(x: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        return fn(x.shape, dtype=x.dtype if dtype is None else dtype, requires_grad=requires_grad)

    like.__name__ = fn.__name__ + "_like"
    like.__doc__ = f"{fn.__name__} with the shape (and by default the dtype) of x."
    return like


zeros_like = _like(zeros)
ones_like = _like(ones)
rand_like = _like(rand)
randn_like = _like(randn)


def full_like(
    x: Tensor, fill_value: float, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    return full(
        x.shape, fill_value, dtype=x.dtype if dtype is None else dtype, requires_grad=requires_grad
    )
