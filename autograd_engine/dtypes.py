"""Dtype policy: float32 by default, float64 on request; integers and bools never need grads."""

from __future__ import annotations

from typing import Any

import numpy as np

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)

_SUPPORTED = {float32, float64, int32, int64, bool_, np.dtype(np.uint8)}
_default = float32


def get_default_dtype() -> np.dtype:
    return _default


def set_default_dtype(dtype: Any) -> None:
    """Choose the dtype of new floating-point tensors (float32 or float64)."""
    global _default
    d = resolve(dtype)
    if d.kind != "f":
        raise TypeError(f"set_default_dtype: expected float32 or float64, got {d}")
    _default = d


def resolve(dtype: Any) -> np.dtype:
    """Turn `float32`, `"float64"`, `np.int64`, ... into a supported NumPy dtype."""
    if dtype is float:
        return _default
    d = np.dtype(dtype)
    if d.kind == "f" and d not in (float32, float64):
        raise TypeError(f"unsupported dtype {d}: use float32 or float64")
    if d not in _SUPPORTED and d.kind in "iu":
        return int64
    if d not in _SUPPORTED:
        raise TypeError(f"unsupported dtype {d}: use float32, float64, int64 or bool")
    return d


def as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """An array for a new tensor: floats become the default dtype unless `dtype` says otherwise.

    Python and NumPy integers become int64 and bools stay bool, as in PyTorch.
    """
    if dtype is not None:
        return np.array(data, dtype=resolve(dtype))
    arr = np.array(data)
    kind = arr.dtype.kind
    if kind == "f":
        return arr.astype(_default, copy=False)
    if kind in "iu" and arr.dtype != np.uint8:
        return arr.astype(int64, copy=False)
    if kind == "b" or arr.dtype == np.uint8:
        return arr
    raise TypeError(
        f"cannot make a tensor from data of dtype {arr.dtype}; "
        "give numbers, nested lists of numbers or a numeric NumPy array"
    )
