"""Comparisons, logic and arg-reductions: not differentiable, they return plain tensors."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from ._util import as_tensor, value


def _plain(array: Any) -> Tensor:
    return Tensor._make(np.asarray(array), False, None)


def eq(a: Any, b: Any) -> Tensor:
    return _plain(np.equal(value(a), value(b)))


def ne(a: Any, b: Any) -> Tensor:
    return _plain(np.not_equal(value(a), value(b)))


def lt(a: Any, b: Any) -> Tensor:
    return _plain(np.less(value(a), value(b)))


def le(a: Any, b: Any) -> Tensor:
    return _plain(np.less_equal(value(a), value(b)))


def gt(a: Any, b: Any) -> Tensor:
    return _plain(np.greater(value(a), value(b)))


def ge(a: Any, b: Any) -> Tensor:
    return _plain(np.greater_equal(value(a), value(b)))


def logical_not(a: Any) -> Tensor:
    return _plain(np.logical_not(value(a)))


def logical_and(a: Any, b: Any) -> Tensor:
    return _plain(np.logical_and(value(a), value(b)))


def logical_or(a: Any, b: Any) -> Tensor:
    return _plain(np.logical_or(value(a), value(b)))


def isfinite(a: Any) -> Tensor:
    return _plain(np.isfinite(value(a)))


def isnan(a: Any) -> Tensor:
    return _plain(np.isnan(value(a)))


def any(a: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    return _plain(np.any(value(a), axis=axis, keepdims=keepdims))


def all(a: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    return _plain(np.all(value(a), axis=axis, keepdims=keepdims))


def argmax(a: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the largest value (along `axis`, or of the flattened tensor)."""
    return _plain(np.argmax(as_tensor(a)._data, axis=axis, keepdims=keepdims).astype(np.int64))


def argmin(a: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    return _plain(np.argmin(as_tensor(a)._data, axis=axis, keepdims=keepdims).astype(np.int64))


def allclose(a: Any, b: Any, rtol: float = 1e-5, atol: float = 1e-8) -> bool:
    return bool(np.allclose(value(a), value(b), rtol=rtol, atol=atol))
