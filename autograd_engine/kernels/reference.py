"""Plain NumPy references for every kernel.

Each function here is the readable definition that the compiled kernels are tested against.
They take and return NumPy arrays and never touch Tensors.
"""

from __future__ import annotations

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    """sigma(x) = 1 / (1 + exp(-x)), evaluated without overflow for either sign of x."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


def sigmoid_backward(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """d sigma / dx = sigma (1 - sigma), from the saved output y."""
    return g * y * (1 - y)


def tanh(x: np.ndarray) -> np.ndarray:
    return np.tanh(x)


def tanh_backward(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    """d tanh / dx = 1 - tanh^2, from the saved output y."""
    return g * (1 - y * y)


def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0).astype(x.dtype, copy=False)


def relu_backward(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """The upstream gradient where x > 0, zero elsewhere (0 at the kink, as PyTorch)."""
    return np.where(x > 0, g, 0).astype(g.dtype, copy=False)


def leaky_relu(x: np.ndarray, slope: float) -> np.ndarray:
    return np.where(x > 0, x, x * slope).astype(x.dtype, copy=False)


def leaky_relu_backward(x: np.ndarray, g: np.ndarray, slope: float) -> np.ndarray:
    return np.where(x > 0, g, g * slope).astype(g.dtype, copy=False)


def elu(x: np.ndarray, alpha: float) -> np.ndarray:
    """x for x > 0, alpha (exp(x) - 1) otherwise; exp only sees non-positive values."""
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))).astype(x.dtype, copy=False)


def elu_backward(x: np.ndarray, g: np.ndarray, alpha: float) -> np.ndarray:
    return np.where(x > 0, g, g * alpha * np.exp(np.minimum(x, 0))).astype(g.dtype, copy=False)


def softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)), finite for any x."""
    return (np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))).astype(x.dtype, copy=False)


def softplus_backward(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    return g * sigmoid(x)


def logsumexp(x: np.ndarray, axis: int, keepdims: bool = False) -> np.ndarray:
    """log sum exp x along axis, shifted by the maximum so it never overflows."""
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax_backward(y: np.ndarray, g: np.ndarray, axis: int) -> np.ndarray:
    """y * (g - sum(g * y)): the Jacobian-vector product of softmax from its output y."""
    return y * (g - np.sum(g * y, axis=axis, keepdims=True))


def log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    return x - logsumexp(x, axis, keepdims=True)


def log_softmax_backward(y: np.ndarray, g: np.ndarray, axis: int) -> np.ndarray:
    """g - softmax * sum(g), from the saved output y = log_softmax(x)."""
    return g - np.exp(y) * np.sum(g, axis=axis, keepdims=True)


def softmax_cross_entropy(logits: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Per-row loss -log softmax(logits)[target] for 2-D logits and integer targets."""
    lse = logsumexp(logits, axis=1)
    return lse - logits[np.arange(logits.shape[0]), target]


def softmax_cross_entropy_backward(
    logits: np.ndarray, target: np.ndarray, g: np.ndarray
) -> np.ndarray:
    """(softmax(logits) - onehot(target)) * g[:, None]."""
    p = softmax(logits, axis=1)
    p[np.arange(logits.shape[0]), target] -= 1
    return p * g[:, None]


def bce_with_logits(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """max(x, 0) - x t + log1p(exp(-|x|)): binary cross-entropy on logits, finite for any x."""
    return np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x)))


def bce_with_logits_backward(x: np.ndarray, t: np.ndarray, g: np.ndarray) -> np.ndarray:
    return g * (sigmoid(x) - t)


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.matmul(a, b)
