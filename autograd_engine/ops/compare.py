"""Comparisons, logic and arg-reductions: not differentiable, they return plain tensors."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import EmptyReductionError
from ..tensor import Tensor
from ._util import as_tensor, check_dim, normalize_axis, pick_alias, value


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


def _reduce_bool(op: str, fn: Any, a: Any, dim: Any, keepdim: bool, axis: Any, keepdims: Any):
    arr = np.asarray(value(a))
    axes = normalize_axis(pick_alias(op, "dim", dim, "axis", axis, None), arr.ndim, op)
    keep = bool(pick_alias(op, "keepdim", keepdim, "keepdims", keepdims, False))
    return _plain(fn(arr, axis=axes, keepdims=keep))


def any(
    a: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: Any = None
) -> Tensor:
    """True where some element along dim (all dims by default) is non-zero."""
    return _reduce_bool("any", np.any, a, dim, keepdim, axis, keepdims)


def all(
    a: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None, keepdims: Any = None
) -> Tensor:
    """True where every element along dim (all dims by default) is non-zero."""
    return _reduce_bool("all", np.all, a, dim, keepdim, axis, keepdims)


def _arg(op: str, fn: Any, a: Any, dim: Any, keepdim: bool, axis: Any, keepdims: Any):
    arr = as_tensor(a)._data
    d = pick_alias(op, "dim", dim, "axis", axis, None)
    keep = bool(pick_alias(op, "keepdim", keepdim, "keepdims", keepdims, False))
    if d is not None:
        d = check_dim(d, arr.ndim, op)
        if arr.ndim == 0:
            return _plain(np.zeros((), dtype=np.int64))
    if arr.size == 0 and (d is None or arr.shape[d] == 0):
        raise EmptyReductionError(f"{op}: cannot take the {op} of an empty dim (shape {arr.shape})")
    return _plain(fn(arr, axis=d, keepdims=keep).astype(np.int64))


def argmax(
    a: Any, dim: int | None = None, keepdim: bool = False, *, axis: Any = None, keepdims: Any = None
) -> Tensor:
    """Index of the largest value along dim, or in the flattened tensor (the first of ties)."""
    return _arg("argmax", np.argmax, a, dim, keepdim, axis, keepdims)


def argmin(
    a: Any, dim: int | None = None, keepdim: bool = False, *, axis: Any = None, keepdims: Any = None
) -> Tensor:
    """Index of the smallest value along dim, or in the flattened tensor (the first of ties)."""
    return _arg("argmin", np.argmin, a, dim, keepdim, axis, keepdims)


def allclose(a: Any, b: Any, rtol: float = 1e-5, atol: float = 1e-8) -> bool:
    return bool(np.allclose(value(a), value(b), rtol=rtol, atol=atol))
