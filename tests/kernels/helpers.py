"""Shared strategies and comparisons for the kernel tests."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

DTYPES = (np.float32, np.float64)
# Above the 262,144-element parallel gate: exercises the multi-threaded variants.
LARGE = 300_007


def float_arrays(dtype, bound: float = 60.0, max_dims: int = 3, min_side: int = 1):
    """Arrays of odd small shapes with finite elements in [-bound, bound]."""
    elements = st.floats(-bound, bound, width=np.dtype(dtype).itemsize * 8)
    shapes = array_shapes(min_dims=1, max_dims=max_dims, min_side=min_side, max_side=9)
    return arrays(dtype, shapes, elements=elements)


def close(actual: np.ndarray, expected: np.ndarray, scale: float = 1.0) -> None:
    """Equal dtype and shape, values within a few ulps of `scale` (NaN matches NaN)."""
    assert actual.dtype == expected.dtype
    assert actual.shape == expected.shape
    tol = 4e-6 if expected.dtype == np.float32 else 1e-13
    np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol * scale, equal_nan=True)


def noncontiguous(x: np.ndarray) -> np.ndarray:
    """A strided view holding the same values as x."""
    wide = np.zeros((*x.shape[:-1], 2 * x.shape[-1]), x.dtype)
    wide[..., ::2] = x
    return wide[..., ::2]
