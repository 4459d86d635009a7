"""Fused losses: softmax cross-entropy on 2-D logits and binary cross-entropy on logits.

Cross-entropy reads each row of logits once for the loss, `lse(row) - row[target]`, and once
more for the gradient, `(softmax(row) - onehot(target)) g[row]`. BCE on logits is elementwise:
`max(x, 0) - x t + log1p(exp(-|x|))`, gradient `g (sigmoid(x) - t)`.
Targets may be negative, counted from the end as in NumPy indexing; out of range raises.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .elementwise import _flat, _sigmoid
from .reductions import lse_row, softmax_row
from .threads import use_parallel


@njit(cache=True)
def _class(t, n):
    """Index of target t among n classes, negative t counting from the end."""
    if t < -n or t >= n:
        raise IndexError("target out of range")
    return t + n if t < 0 else t


@njit(cache=True)
def _ce_rows(logits, target, out):
    n = logits.shape[1]
    for i in range(logits.shape[0]):
        out[i] = lse_row(logits[i]) - logits[i, _class(target[i], n)]


@njit(cache=True)
def _ce_backward_row(logits, t, g, out):
    softmax_row(logits, out)
    out[t] -= 1
    for j in range(out.size):
        out[j] *= g


@njit(cache=True)
def _ce_backward_rows(logits, target, g, out):
    n = logits.shape[1]
    for i in range(logits.shape[0]):
        _ce_backward_row(logits[i], _class(target[i], n), g[i], out[i])


@njit(cache=True)
def _bce(x, t, zero):
    return (x if x > zero else zero) - x * t + np.log1p(np.exp(-abs(x)))


@njit(cache=True)
def _bce_loop(x, t, out):
    zero = x.dtype.type(0)
    for i in range(x.size):
        out[i] = _bce(x[i], t[i], zero)


@njit(cache=True, parallel=True)
def _bce_par(x, t, out):
    zero = x.dtype.type(0)
    for i in prange(x.size):
        out[i] = _bce(x[i], t[i], zero)


@njit(cache=True)
def _bce_backward_loop(x, t, g, out):
    one = x.dtype.type(1)
    for i in range(x.size):
        out[i] = g[i] * (_sigmoid(x[i], one) - t[i])


@njit(cache=True, parallel=True)
def _bce_backward_par(x, t, g, out):
    one = x.dtype.type(1)
    for i in prange(x.size):
        out[i] = g[i] * (_sigmoid(x[i], one) - t[i])


def softmax_cross_entropy(logits: np.ndarray, target: np.ndarray) -> np.ndarray:
    out = np.empty(logits.shape[0], logits.dtype)
    _ce_rows(np.ascontiguousarray(logits), np.ascontiguousarray(target), out)
    return out


def softmax_cross_entropy_backward(
    logits: np.ndarray, target: np.ndarray, g: np.ndarray
) -> np.ndarray:
    out = np.empty(logits.shape, logits.dtype)
    lg, tg = np.ascontiguousarray(logits), np.ascontiguousarray(target)
    _ce_backward_rows(lg, tg, np.ascontiguousarray(g), out)
    return out


def bce_with_logits(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    out = np.empty(x.shape, x.dtype)
    (_bce_par if use_parallel(x.size) else _bce_loop)(_flat(x), _flat(t), out.reshape(-1))
    return out


def bce_with_logits_backward(x: np.ndarray, t: np.ndarray, g: np.ndarray) -> np.ndarray:
    out = np.empty(x.shape, x.dtype)
    kernel = _bce_backward_par if use_parallel(x.size) else _bce_backward_loop
    kernel(_flat(x), _flat(t), _flat(g), out.reshape(-1))
    return out
