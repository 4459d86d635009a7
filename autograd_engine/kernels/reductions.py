"""Softmax, log-softmax and logsumexp along one axis, with their backward passes.

The kernels work on the rows of a C-contiguous 2-D array; any other axis is swapped with the
last one and the array flattened to rows first (the row order does not matter). Each row is
shifted by its maximum so exp never overflows, and sums accumulate in float64 whatever the
storage dtype. The kernels are serial: exp is scalar in Numba here, so from about 4K elements
NumPy's vectorised exp is faster and the dispatcher sends large arrays there.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# --- one row ---------------------------------------------------------------------------------


@njit(cache=True)
def _row_max(x):
    """max(x), NaN if any element is NaN (as np.max)."""
    m = x[0]
    for v in x[1:]:
        if v > m or v != v:
            m = v
            if v != v:
                break
    return m


@njit(cache=True)
def lse_row(x):
    """log sum exp x = m + log sum exp(x - m), with m = max x or 0 when max x is not finite."""
    m = _row_max(x)
    if not np.isfinite(m):
        m = x.dtype.type(0)
    s = 0.0
    for v in x:
        s += np.exp(v - m)
    return x.dtype.type(np.log(s) + m)


@njit(cache=True)
def softmax_row(x, out):
    """out = exp(x - max x) / sum exp(x - max x)."""
    m = _row_max(x)
    s = 0.0
    for j in range(x.size):
        e = np.exp(x[j] - m)
        out[j] = e
        s += e
    inv = out.dtype.type(1.0 / s)
    for j in range(x.size):
        out[j] *= inv


@njit(cache=True)
def _log_softmax_row(x, out):
    """out = x - logsumexp(x)."""
    lse = lse_row(x)
    for j in range(x.size):
        out[j] = x[j] - lse


@njit(cache=True)
def _softmax_backward_row(y, g, out):
    """out = y (g - sum(g y))."""
    s = 0.0
    for j in range(y.size):
        s += g[j] * y[j]
    d = y.dtype.type(s)
    for j in range(y.size):
        out[j] = y[j] * (g[j] - d)


@njit(cache=True)
def _log_softmax_backward_row(y, g, out):
    """out = g - exp(y) sum(g), y being log_softmax(x)."""
    s = 0.0
    for v in g:
        s += v
    d = y.dtype.type(s)
    for j in range(y.size):
        out[j] = g[j] - np.exp(y[j]) * d


# --- all rows -----------------------------------------------------


@njit(cache=True)
def _lse_rows(x, out):
    for i in range(x.shape[0]):
        out[i] = lse_row(x[i])


@njit(cache=True)
def _softmax_rows(x, out):
    for i in range(x.shape[0]):
        softmax_row(x[i], out[i])


@njit(cache=True)
def _log_softmax_rows(x, out):
    for i in range(x.shape[0]):
        _log_softmax_row(x[i], out[i])


@njit(cache=True)
def _softmax_backward_rows(y, g, out):
    for i in range(y.shape[0]):
        _softmax_backward_row(y[i], g[i], out[i])


@njit(cache=True)
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
