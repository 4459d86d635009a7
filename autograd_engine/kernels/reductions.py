"""Softmax, log-softmax and logsumexp along one axis, with their backward passes.

The kernels work on the rows of a C-contiguous 2-D array; any other axis is swapped with the
last one and the array flattened to rows first (the row order does not matter). Each row is
shifted by its maximum so exp never overflows, and sums accumulate in float64 whatever the
storage dtype. The kernels are serial: with the vectorized exp, one thread already beats NumPy's
several passes at every size.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .fastexp import exp

# --- one row ---------------------------------------------------------------------------------
# Loops index with range (Numba's `for v in x` iterator does not vectorize). Sums accumulate in
# float64 in helpers compiled with reassociation allowed, so that LLVM can split them into SIMD
# partial sums (the order of a sum changes its rounding only); exp comes from `fastexp` and is
# written to a buffer before the sum, which measured 1.5x faster than summing exps as they come.

_ROW = {"cache": True, "error_model": "numpy"}
_SUM = {**_ROW, "fastmath": {"reassoc"}}


@njit(**_ROW)
def _row_max(x):
    """max(x), NaN if any element is NaN (as np.max)."""
    m = x[0]
    nan = m != m
    for j in range(1, x.size):
        v = x[j]
        m = v if v > m else m
        nan |= v != v
    return x.dtype.type(np.nan) if nan else m


@njit(**_SUM)
def _sum(x):
    s = np.float64(0.0)  # not 0.0: NEP 50 would make it float32 without Numba
    for j in range(x.size):
        s += x[j]
    return s


@njit(**_SUM)
def _dot(x, y):
    s = np.float64(0.0)
    for j in range(x.size):
        s += x[j] * y[j]
    return s


@njit(**_ROW)
def _exp_shifted(x, m, out):
    """out = exp(x - m)."""
    for j in range(x.size):
        out[j] = exp(x[j] - m)


@njit(**_ROW)
def exp_sum_row(x, out):
    """out = exp(x - m) with m = max x, or 0 when max x is not finite; returns m and the sum of
    out in float64."""
    m = _row_max(x)
    if not np.isfinite(m):
        m = x.dtype.type(0)
    _exp_shifted(x, m, out)
    return m, _sum(out)


@njit(**_ROW)
def _lse64_row(x, buf):
    """log sum exp x in float64; buf is scratch space of x's size and dtype."""
    m, s = exp_sum_row(x, buf)
    return np.log(s) + m


@njit(**_ROW)
def softmax_row(x, out):
    """out = exp(x - max x) / sum exp(x - max x)."""
    _exp_shifted(x, _row_max(x), out)
    inv = out.dtype.type(1.0 / _sum(out))
    for j in range(x.size):
        out[j] *= inv


@njit(**_ROW)
def _log_softmax_row(x, out):
    """out = (x - m) - log sum exp(x - m), m = max x, with out as scratch space: x - m is
    exact, where x - logsumexp(x) would round logsumexp to x's precision first (an error of
    half a float32 ulp of 1e4, 5e-4, for logits near 1e4)."""
    m, s = exp_sum_row(x, out)
    log_s = x.dtype.type(np.log(s))
    for j in range(x.size):
        out[j] = (x[j] - m) - log_s


@njit(**_ROW)
def _softmax_backward_row(y, g, out):
    """out = y (g - sum(g y))."""
    d = y.dtype.type(_dot(g, y))
    for j in range(y.size):
        out[j] = y[j] * (g[j] - d)


@njit(**_ROW)
def _log_softmax_backward_row(y, g, out):
    """out = g - exp(y) sum(g), y being log_softmax(x)."""
    d = y.dtype.type(_sum(g))
    for j in range(y.size):
        out[j] = g[j] - exp(y[j]) * d


# --- all rows -----------------------------------------------------


@njit(**_ROW)
def _lse_rows(x, out):
    buf = np.empty(x.shape[1], x.dtype)
    for i in range(x.shape[0]):
        out[i] = _lse64_row(x[i], buf)


@njit(**_ROW)
def _softmax_rows(x, out):
    for i in range(x.shape[0]):
        softmax_row(x[i], out[i])


@njit(**_ROW)
def _log_softmax_rows(x, out):
    for i in range(x.shape[0]):
        _log_softmax_row(x[i], out[i])


@njit(**_ROW)
def _softmax_backward_rows(y, g, out):
    for i in range(y.shape[0]):
        _softmax_backward_row(y[i], g[i], out[i])


@njit(**_ROW)
def _log_softmax_backward_rows(y, g, out):
    for i in range(y.shape[0]):
        _log_softmax_backward_row(y[i], g[i], out[i])


# --- any axis --------------------------------------------------------------------------------


def _rows(a: np.ndarray, axis: int) -> np.ndarray:
    """a with `axis` swapped with the last one, as a C-contiguous (rows, a.shape[axis]) array."""
    if axis != a.ndim - 1:
        a = np.swapaxes(a, axis, -1)
    return np.ascontiguousarray(a).reshape(-1, a.shape[-1])


def _unrows(rows: np.ndarray, shape: tuple[int, ...], axis: int) -> np.ndarray:
    """Inverse of `_rows` for an output of the input's shape."""
    if axis == len(shape) - 1:
        return rows.reshape(shape)
    swapped = list(shape)
    swapped[axis], swapped[-1] = shape[-1], shape[axis]
    return np.swapaxes(rows.reshape(swapped), axis, -1)


def _map_rows(kernel, shape, axis, *arrays):
    axis = axis % len(shape)
    rows = [_rows(a, axis) for a in arrays]
    out = np.empty_like(rows[-1])
    kernel(*rows, out)
    return _unrows(out, shape, axis)


def logsumexp(x: np.ndarray, axis: int, keepdims: bool = False) -> np.ndarray:
    axis = axis % x.ndim
    rows = _rows(x, axis)
    out = np.empty(rows.shape[0], x.dtype)
    _lse_rows(rows, out)
    shape = list(x.shape)
    shape[axis] = 1
    out = _unrows(out, tuple(shape), axis)
    return out if keepdims else out.squeeze(axis)


def softmax(x: np.ndarray, axis: int) -> np.ndarray:
    return _map_rows(_softmax_rows, x.shape, axis, x)


def softmax_backward(y: np.ndarray, g: np.ndarray, axis: int) -> np.ndarray:
    return _map_rows(_softmax_backward_rows, y.shape, axis, y, g)


def log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    return _map_rows(_log_softmax_rows, x.shape, axis, x)


def log_softmax_backward(y: np.ndarray, g: np.ndarray, axis: int) -> np.ndarray:
    return _map_rows(_log_softmax_backward_rows, y.shape, axis, y, g)
