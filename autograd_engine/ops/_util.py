"""Small helpers shared by the ops: operand conversion and axis handling."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import ArgumentError, IndexOutOfRangeError, ShapeError
from ..function import Function
from ..tensor import Tensor


class Primitive(Function):
    """A built-in operation. Its backward formula is written with operations that NumPy arrays
    and Tensors share, so the engine runs it on plain arrays in a first-order backward."""

    raw_backward = True


def xp(x: Any) -> Any:
    """The namespace whose functions fit x: NumPy for arrays, the engine's ops for Tensors.

    Lets one backward formula use exp, log, where, ... on either (see `Primitive`).
    """
    if isinstance(x, np.ndarray):
        return np
    from .. import ops

    return ops


def value(x: Any) -> Any:
    """The array behind a Tensor; arrays and numbers as they are."""
    return x._data if isinstance(x, Tensor) else x


def as_tensor(x: Any) -> Tensor:
    """x itself if it is a Tensor, else a new constant Tensor (default float dtype for floats)."""
    return x if isinstance(x, Tensor) else Tensor(x)


# Type tuples built once: `isinstance(x, A | B)` builds a union object on every call.
_AS_IS = (Tensor, int, float, bool)
_INTEGERS = (int, np.integer)


def operand(x: Any, like: Tensor) -> Any:
    """The other operand of a binary op: Tensors and Python numbers pass through; NumPy data
    takes the Tensor's float dtype, as PyTorch does for Python scalars."""
    if isinstance(x, _AS_IS):
        return x
    if isinstance(x, np.generic):
        return x.item()
    arr = np.asarray(x)
    if like._data.dtype.kind == "f" and arr.dtype.kind in "fiub":
        arr = arr.astype(like._data.dtype, copy=False)
    return Tensor._make(arr, False, None)


def binary(a: Any, b: Any) -> tuple[Any, Any]:
    """Both operands of a binary op, at least one of them a Tensor."""
    if type(b) is Tensor and type(a) is Tensor:
        return a, b
    if isinstance(a, Tensor):
        return a, operand(b, a)
    if isinstance(b, Tensor):
        return operand(a, b), b
    a = as_tensor(a)
    return a, operand(b, a)


def normalize_axis(
    axis: int | tuple[int, ...] | None, ndim: int, op: str = "reduce"
) -> tuple[int, ...]:
    """Axes as a sorted tuple of non-negative ints; None means all axes.

    As PyTorch: a 0-d tensor accepts dim 0 and -1 (and has no axes to reduce); an axis outside
    [-ndim, ndim) is an IndexOutOfRangeError, a non-integer axis an ArgumentError, a repeated
    one a ShapeError, each naming `op`.
    """
    if axis is None:
        return tuple(range(ndim))
    if type(axis) is int and -ndim <= axis < ndim:  # the common case, without the checks below
        return (axis % ndim,)
    axes = (axis,) if isinstance(axis, _INTEGERS) else _axis_tuple(axis, op)
    out = {check_dim(a, ndim, op) for a in axes}
    if len(out) != len(axes):
        raise ShapeError(f"{op}: dim {tuple(axes)} repeats a dimension; list each one once")
    return tuple(sorted(out)) if ndim else ()


def _axis_tuple(axis: Any, op: str) -> tuple[int, ...]:
    if isinstance(axis, (tuple, list)) and all(
        isinstance(a, _INTEGERS) and not isinstance(a, bool) for a in axis
    ):
        return tuple(axis)
    raise ArgumentError(
        f"{op}: dim must be an int or a tuple of ints, got {axis!r} ({type(axis).__name__})"
    )


def check_dim(dim: Any, ndim: int, op: str, new: int = 0) -> int:
    """One dimension index in [-ndim, ndim) (as PyTorch, [-1, 0] for a 0-d tensor), made
    non-negative. Ops that insert a dimension (unsqueeze, stack) pass new=1."""
    if not isinstance(dim, _INTEGERS) or isinstance(dim, bool):
        raise ArgumentError(f"{op}: dim must be an int, got {dim!r} ({type(dim).__name__})")
    size = max(ndim + new, 1)
    if not -size <= dim < size:
        raise IndexOutOfRangeError(
            f"{op}: dim {dim} is out of range for a tensor of {ndim} dimensions "
            f"(expected {-size} to {size - 1})"
        )
    return int(dim) % size


def pick_alias(op: str, name: str, value: Any, alias: str, alias_value: Any, default: Any) -> Any:
    """PyTorch's argument (`dim`, `keepdim`) or its NumPy alias (`axis`, `keepdims`), not both."""
    if alias_value is None:
        return default if value is None else value
    if value is not None and value is not default:
        raise ArgumentError(f"{op}: got both {name}= and its alias {alias}=; give one of them")
    return alias_value


def keepdims_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape of a reduction over `axes` with keepdims=True."""
    if len(axes) == len(shape):
        return (1,) * len(shape)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


# Below this many elements, filling a new array beats np.broadcast_to's view (about 3 us of
# Python-level set-up); measured: 0.4 us against 3.3 us at 32 elements, 7.0 against 3.7 at 64K.
_FILL_BELOW = 16_384


def broadcast_array(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """g broadcast to `shape`: a filled contiguous array when small, a read-only view when big."""
    if g.shape == shape:
        return g
    if math.prod(shape) < _FILL_BELOW:
        out = np.empty(shape, dtype=g.dtype)
        out[...] = g
        return out
    return np.broadcast_to(g, shape)
