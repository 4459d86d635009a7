"""Small helpers shared by the ops: operand conversion and axis handling."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import dtypes
from ..errors import ArgumentError, DTypeError, IndexOutOfRangeError, ShapeError
from ..function import Function
from ..tensor import Tensor, made_constant


class Primitive(Function):
    """A built-in operation. Its backward is one formula written with operations that NumPy
    arrays and Tensors share and with other ops' `call`, so the engine runs it on plain arrays
    in a first-order backward and records it under `create_graph=True` (see function.py)."""

    raw_backward = True


def value(x: Any) -> Any:
    """The array behind a Tensor; arrays and numbers as they are."""
    return x._data if isinstance(x, Tensor) else x


def as_tensor(x: Any) -> Tensor:
    """x itself if it is a Tensor, else a new constant Tensor (as `tensor(x)` makes it)."""
    return x if isinstance(x, Tensor) else Tensor(x)


def same_shape(op: str, grad_output: Tensor, other: Tensor) -> None:
    """A backward op's gradient has the shape of the value it goes with."""
    if grad_output.shape != other.shape:
        raise ShapeError(
            f"{op}: grad_output has shape {grad_output.shape} but the value it belongs to has "
            f"shape {other.shape}; they must be equal"
        )


# Built once: `type(x) in` a set is one hash look-up. NumPy scalars are not in it (np.float64
# is a float subclass): NumPy would let them widen a float32 array, PyTorch does not.
_PYTHON_NUMBERS = frozenset((int, float, bool))
_INTEGERS = (int, np.integer)


def operand(x: Any, like: Tensor) -> Tensor | int | float | bool:
    """The other operand of a binary op, as a Tensor or a Python number. NumPy data and lists
    count as Python numbers do in PyTorch: floats take the Tensor's float dtype (the default
    one against an integer Tensor), integers meeting a float Tensor take its dtype."""
    if isinstance(x, Tensor) or type(x) in _PYTHON_NUMBERS:
        return x
    if isinstance(x, np.generic):
        return x.item()
    arr = np.asarray(x)
    kind = arr.dtype.kind
    if like._data.dtype.kind == "f" and kind in "fiub":
        arr = arr.astype(like._data.dtype, copy=False)
    elif kind == "f":
        arr = arr.astype(dtypes.get_default_dtype(), copy=False)
    return made_constant(Tensor._make(arr, False, None))


def binary(a: Any, b: Any) -> tuple[Any, Any]:
    """Both operands of a binary op, at least one of them a Tensor, such that NumPy computes
    in PyTorch's result dtype (`dtypes.result_type`).

    NumPy already agrees for equal dtypes and for a Python number that does not bring a float
    to an integer or bool Tensor (NEP 50: a Python number never widens an array); those pairs
    return at once, the rest go through `_promote`.
    """
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            if a._data.dtype is b._data.dtype:
                return a, b
        elif type(b) in _PYTHON_NUMBERS and (type(b) is not float or a._data.dtype.kind == "f"):
            return a, b
        else:
            b = operand(b, a)
    elif isinstance(b, Tensor):
        if type(a) in _PYTHON_NUMBERS and (type(a) is not float or b._data.dtype.kind == "f"):
            return a, b
        a = operand(a, b)
    else:
        a = as_tensor(a)
        b = operand(b, a)
    return _promote(a, b)


def _promote(a: Any, b: Any) -> tuple[Any, Any]:
    """Cast the Tensor operands that NumPy would not bring to the result dtype by itself: those
    of a lower category (an int Tensor meeting a Python float) or wider than the result (a 0-d
    float64 Tensor with a float32 one). Narrower ones of the same category NumPy widens."""
    dtype = dtypes.result_type(a, b)
    return _cast(a, dtype), _cast(b, dtype)


def _cast(x: Any, dtype: np.dtype) -> Any:
    if not isinstance(x, Tensor):
        return x
    own = x._data.dtype
    if own == dtype or (own.kind == dtype.kind and own.itemsize < dtype.itemsize):
        return x
    if own.kind in "ub" and dtype.kind in "iu" and own.itemsize < dtype.itemsize:
        return x  # bool and uint8 widen to a larger integer in NumPy too
    return x.to(dtype)


def true_division(a: Any, b: Any) -> tuple[Any, Any]:
    """The operands of `a / b`, which PyTorch computes in the default float dtype when both
    are integers or bools (NumPy would give float64)."""
    a, b = binary(a, b)
    if _is_float(a) or _is_float(b):
        return a, b
    default = dtypes.get_default_dtype()
    return _cast(a, default), _cast(b, default)


def _is_float(x: Any) -> bool:
    return x._data.dtype.kind == "f" if isinstance(x, Tensor) else type(x) is float


def same_dtype(op: str, a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """Both operands of a product that, as in PyTorch, needs one dtype: NumPy data and Python
    numbers convert (`operand`); Tensors of different dtypes raise DTypeError."""
    if not isinstance(a, Tensor):
        a = operand(a, b) if isinstance(b, Tensor) else as_tensor(a)
    if not isinstance(b, Tensor):
        b = operand(b, a)
    a, b = as_tensor(a), as_tensor(b)
    if a._data.dtype != b._data.dtype:
        raise dtype_mismatch(op, a._data.dtype, b._data.dtype)
    return a, b


def dtype_mismatch(op: str, first: np.dtype, second: np.dtype) -> DTypeError:
    """The error for two operands that must share a dtype and do not."""
    fix = "float()" if dtypes.get_default_dtype() == dtypes.float32 else "double()"
    return DTypeError(
        f"{op}: both operands must have the same dtype, got {first} and {second}; convert one "
        f"with .to(dtype) (e.g. x.{fix} for the default float dtype), as PyTorch requires"
    )


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
