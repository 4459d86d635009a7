"""Fused losses: softmax cross-entropy on 2-D logits and binary cross-entropy on logits.

Cross-entropy reads each row of logits twice, for its maximum and for its exponentials, and
returns the loss `lse(row) - row[target]` with the row's softmax, which makes the gradient
`(softmax(row) - onehot(target)) g[row]` a pass without exp. BCE on logits is elementwise:
`max(x, 0) - x t + log1p(exp(-|x|))`, gradient `g (sigmoid(x) - t)`.
Targets may be negative, counted from the end as in NumPy indexing; out of range raises.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .elementwise import _sigmoid
from .reductions import exp_sum_row
from .threads import use_parallel


@njit(cache=True)
def _class(t, n):
    """Index of target t among n classes, negative t counting from the end."""
    if t < -n or t >= n:
        raise IndexError("target out of range")
    return t + n if t < 0 else t


@njit(cache=True, error_model="numpy")
def _ce_rows(logits, target, out, probs):
    n = logits.shape[1]
    for i in range(logits.shape[0]):
        x, p = logits[i], probs[i]
        m, s = exp_sum_row(x, p)
        out[i] = np.log(s) + m - x[_class(target[i], n)]
        inv = p.dtype.type(1.0 / s)
        for j in range(n):
            p[j] *= inv


@njit(cache=True, error_model="numpy")
def _ce_backward_rows(probs, target, g, out):
    n = probs.shape[1]
    for i in range(probs.shape[0]):
        p, o, gi = probs[i], out[i], g[i]
        for j in range(n):
            o[j] = p[j] * gi
        t = _class(target[i], n)
        o[t] = (p[t] - 1) * gi


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
    out, probs = np.empty(lg.shape[0], lg.dtype), np.empty(lg.shape, lg.dtype)
    _ce_rows(lg, np.ascontiguousarray(target), out, probs)
    return out, probs


def softmax_cross_entropy_backward(
    probs: np.ndarray, target: np.ndarray, g: np.ndarray
) -> np.ndarray:
    out = np.empty(probs.shape, probs.dtype)
    pr, tg = np.ascontiguousarray(probs), np.ascontiguousarray(target)
    _ce_backward_rows(pr, tg, np.ascontiguousarray(g), out)
    return out


def bce_with_logits(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    out = np.empty(x.shape, x.dtype)
    (_bce_par if use_parallel(x.size) else _bce_loop)(x.ravel(), t.ravel(), out.ravel())
    return out


def bce_with_logits_backward(x: np.ndarray, t: np.ndarray, g: np.ndarray) -> np.ndarray:
    out = np.empty(x.shape, x.dtype)
    kernel = _bce_backward_par if use_parallel(x.size) else _bce_backward_loop
    kernel(x.ravel(), t.ravel(), g.ravel(), out.ravel())
    return out
