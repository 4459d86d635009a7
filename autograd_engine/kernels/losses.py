"""Fused losses: softmax cross-entropy on 2-D logits and binary cross-entropy on logits.

Cross-entropy reads each row of logits twice for the loss, `lse(row) - row[target]` (the row
maximum, then the sum of exponentials), and keeps each row's logsumexp in float64 so that the
gradient, `(exp(row - lse) - onehot(target)) g[row]`, is one more pass without the maximum and the
sum again. BCE on logits is elementwise:
`max(x, 0) - x t + log1p(exp(-|x|))`, gradient `g (sigmoid(x) - t)`.
Targets may be negative, counted from the end as in NumPy indexing; out of range raises.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .elementwise import _flat, _sigmoid
from .fastexp import exp
from .reductions import lse64_row
from .threads import use_parallel


@njit(cache=True)
def _class(t, n):
    """Index of target t among n classes, negative t counting from the end."""
    if t < -n or t >= n:
        raise IndexError("target out of range")
    return t + n if t < 0 else t


@njit(cache=True, error_model="numpy")
def _ce_rows(logits, target, out, lse):
    n = logits.shape[1]
    buf = np.empty(n, logits.dtype)
    for i in range(logits.shape[0]):
        lse[i] = lse64_row(logits[i], buf)
        out[i] = lse[i] - logits[i, _class(target[i], n)]


@njit(cache=True, error_model="numpy")
def _ce_backward_rows(logits, target, lse, g, out):
    n = logits.shape[1]
    for i in range(logits.shape[0]):
        x, o, gi, m = logits[i], out[i], g[i], lse[i]
        for j in range(n):
            o[j] = exp(o.dtype.type(x[j] - m)) * gi
        o[_class(target[i], n)] -= gi


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


def softmax_cross_entropy(logits: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lg = np.ascontiguousarray(logits)
    out, lse = np.empty(lg.shape[0], lg.dtype), np.empty(lg.shape[0])
    _ce_rows(lg, np.ascontiguousarray(target), out, lse)
    return out, lse


def softmax_cross_entropy_backward(
    logits: np.ndarray, target: np.ndarray, lse: np.ndarray, g: np.ndarray
) -> np.ndarray:
    out = np.empty(logits.shape, logits.dtype)
    lg, tg = np.ascontiguousarray(logits), np.ascontiguousarray(target)
    _ce_backward_rows(lg, tg, np.ascontiguousarray(lse), np.ascontiguousarray(g), out)
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
