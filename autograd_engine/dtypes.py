"""Dtype policy: float32 by default, float64 on request, float16 for storage (ops compute in
NumPy's float16 or, where a kernel needs it, in float32, and return float16 as PyTorch does);
integers and bools never need grads.

Operations on mixed dtypes follow PyTorch's promotion rules (`result_type`): categories rank
bool < integer < float, and an operand widens the result only within a higher category than the
others', in this order of precedence: tensors with dimensions, then 0-d tensors, then Python
numbers. So a float32 tensor times 2.5, or times a float64 0-d tensor, stays float32, an int64
tensor times 2.5 gets the default float dtype, float32 with int64 gives float32 and float32 with
float64 gives float64.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import ArgumentError

float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)
uint8 = np.dtype(np.uint8)

_SUPPORTED = {float16, float32, float64, int32, int64, bool_, uint8}
SUPPORTED = frozenset(_SUPPORTED)  # the dtypes a tensor can hold
_default = float32


def get_default_dtype() -> np.dtype:
    return _default


def set_default_dtype(dtype: Any) -> None:
    """Choose the dtype of new floating-point tensors (float32 or float64)."""
    global _default
    d = resolve(dtype)
    if d.kind != "f":
        raise ArgumentError(f"set_default_dtype: expected float32 or float64, got {d}")
    _default = d


def resolve(dtype: Any) -> np.dtype:
    """Turn `float32`, `"float64"`, `np.int64`, `float` (float64, as in PyTorch), ... into a
    supported NumPy dtype."""
    d = np.dtype(dtype)
    if d.kind == "f" and d not in _SUPPORTED:
        raise ArgumentError(f"unsupported dtype {d}: use float16, float32 or float64")
    if d not in _SUPPORTED and d.kind in "iu":
        return int64
    if d not in _SUPPORTED:
        raise ArgumentError(f"unsupported dtype {d}: use float32, float64, int64 or bool")
    return d


def as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """An array for a new tensor, as `torch.tensor` makes it: NumPy arrays, NumPy scalars and
    Tensors keep their dtype; Python floats (and lists of them) get the default dtype, Python
    ints int64 and bools bool. Unsupported float dtypes (float128) become the default one and
    other integer dtypes int64.
    """
    if dtype is not None:
        return np.array(data, dtype=resolve(dtype))
    typed = isinstance(data, np.ndarray | np.generic)
    arr = np.array(data)
    d = arr.dtype
    keep = typed and d in _SUPPORTED
    if d.kind == "f":
        return arr if keep else arr.astype(_default, copy=False)
    if d.kind in "iu":
        return arr if keep else arr.astype(int64, copy=False)
    if d.kind == "b":
        return arr
    raise ArgumentError(
        f"cannot make a tensor from data of dtype {d}; "
        "give numbers, nested lists of numbers or a numeric NumPy array"
    )


# Categories of the promotion rules: bool < integer < float.
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}
_PYTHON_NUMBERS = {bool: bool_, int: int64, float: None}  # float: the default dtype


def promote_types(a: Any, b: Any) -> np.dtype:
    """The dtype that both convert to (`torch.promote_types`): within a category the wider one;
    across categories the higher one, so int64 with float32 gives float32 (NumPy says float64).
    """
    a, b = resolve(a), resolve(b)
    if a == b:
        return a
    ca, cb = _CATEGORY[a.kind], _CATEGORY[b.kind]
    if ca != cb and 2 in (ca, cb):
        return a if ca == 2 else b
    return np.promote_types(a, b)


def _combine(higher: np.dtype | None, lower: np.dtype | None) -> np.dtype | None:
    """The result of operands of one precedence (`higher`) with those of a lower one: the lower
    ones only count if they bring a higher category."""
    if higher is None or lower is None:
        return higher if lower is None else lower
    if higher.kind == "f":
        return higher
    if higher.kind == "b" or lower.kind == "f":
        return promote_types(higher, lower)
    return higher


def result_type(*operands: Any) -> np.dtype:
    """The dtype of an arithmetic operation on `operands` (Tensors, arrays, Python numbers),
    by PyTorch's rules (`torch.result_type`), described at the top of this module."""
    found: list[np.dtype | None] = [None, None, None]  # Python numbers, 0-d, with dimensions
    for x in operands:
        kind = type(x)
        if kind in _PYTHON_NUMBERS:
            rank, d = 0, _PYTHON_NUMBERS[kind] or _default
        else:
            array = getattr(x, "_data", x)
            if isinstance(array, np.generic):
                array = np.asarray(array)
            rank, d = (2 if array.ndim else 1), resolve(array.dtype)
        found[rank] = d if found[rank] is None else promote_types(found[rank], d)
    out = _combine(found[2], _combine(found[1], found[0]))
    if out is None:
        raise ArgumentError("result_type: needs at least one operand")
    return out
