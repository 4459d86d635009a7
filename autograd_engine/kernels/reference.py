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
    """The upstream gradient except where x <= 0 (0 at the kink; NaN x passes it, as PyTorch)."""
    return np.where(x <= 0, 0, g).astype(g.dtype, copy=False)


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
    """(x - m) - log sum exp(x - m) with m = max x: x - m is exact, x - logsumexp(x) is not."""
    m = np.max(x, axis=axis, keepdims=True)
    shifted = x - np.where(np.isfinite(m), m, 0)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def log_softmax_backward(y: np.ndarray, g: np.ndarray, axis: int) -> np.ndarray:
    """g - softmax * sum(g), from the saved output y = log_softmax(x)."""
    return g - np.exp(y) * np.sum(g, axis=axis, keepdims=True)


def softmax_cross_entropy(logits: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row loss -log softmax(logits)[target] for 2-D logits and integer targets, and
    softmax(logits) for the backward (both from a float64 logsumexp: the logits' precision)."""
    lse = logsumexp(logits.astype(np.float64), axis=1, keepdims=True)
    losses = lse[:, 0] - logits[np.arange(logits.shape[0]), target]
    return losses.astype(logits.dtype), np.exp(logits - lse).astype(logits.dtype)


def softmax_cross_entropy_backward(
    probs: np.ndarray, target: np.ndarray, g: np.ndarray
) -> np.ndarray:
    """(probs - onehot(target)) * g[:, None], probs being softmax(logits) from the forward."""
    d = probs.copy()
    d[np.arange(probs.shape[0]), target] -= 1
    return d * g[:, None]


def bce_with_logits(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """max(x, 0) - x t + log1p(exp(-|x|)): binary cross-entropy on logits, finite for any x."""
    return np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x)))


def bce_with_logits_backward(x: np.ndarray, t: np.ndarray, g: np.ndarray) -> np.ndarray:
    return g * (sigmoid(x) - t)


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.matmul(a, b)


def linear(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    return np.matmul(x, w.T) if b is None else np.matmul(x, w.T) + b


def matmul_sub_(c: np.ndarray, a: np.ndarray, b: np.ndarray, *, lr: float) -> None:
    c -= c.dtype.type(lr) * np.matmul(a, b)


def sum_sub_(c: np.ndarray, g: np.ndarray, *, lr: float) -> None:
    c -= c.dtype.type(lr) * g.sum(0)


# --- optimizer updates, in place, following the torch.optim documentation ---------------------


def sgd_step_(
    param: np.ndarray,
    grad: np.ndarray,
    momentum_buf: np.ndarray | None,
    *,
    lr: float,
    momentum: float,
    dampening: float,
    nesterov: bool,
    weight_decay: float,
    first_step: bool,
) -> None:
    """d = g + wd p; b = d on the first step, else mu b + (1 - tau) d;
    d = d + mu b (Nesterov) or b; p -= lr d."""
    d = grad + weight_decay * param if weight_decay else grad
    if momentum:
        if first_step:
            momentum_buf[...] = d
        else:
            momentum_buf *= momentum
            momentum_buf += (1 - dampening) * d
        d = d + momentum * momentum_buf if nesterov else momentum_buf
    param -= lr * d


def sgd_foreach_(params: list[np.ndarray], grads: list[np.ndarray], *, lr: float) -> None:
    """p -= lr g for every parameter of a group (SGD without momentum or weight decay)."""
    for p, g in zip(params, grads, strict=True):
        p -= lr * g


def adam_step_(
    param: np.ndarray,
    grad: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    max_exp_avg_sq: np.ndarray | None,
    *,
    step: int,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    amsgrad: bool,
    decoupled_weight_decay: bool,
) -> None:
    """Adam (AdamW when decoupled) at step t >= 1:
    p *= 1 - lr wd (decoupled) or g += wd p; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
    vmax = max(vmax, v) (AMSGrad); p -= lr / (1 - b1^t) m / (sqrt(v) / sqrt(1 - b2^t) + eps)."""
    if weight_decay:
        if decoupled_weight_decay:
            param *= 1 - lr * weight_decay
        else:
            grad = grad + weight_decay * param
    exp_avg += (1 - beta1) * (grad - exp_avg)
    exp_avg_sq *= beta2
    exp_avg_sq += (1 - beta2) * grad * grad
    v = exp_avg_sq
    if amsgrad:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        v = max_exp_avg_sq
    denom = np.sqrt(v) / np.sqrt(1 - beta2**step) + eps
    param -= lr / (1 - beta1**step) * exp_avg / denom


def rmsprop_step_(
    param: np.ndarray,
    grad: np.ndarray,
    square_avg: np.ndarray,
    momentum_buf: np.ndarray | None,
    grad_avg: np.ndarray | None,
    *,
    lr: float,
    alpha: float,
    eps: float,
    weight_decay: float,
    momentum: float,
    centered: bool,
) -> None:
    """g += wd p; v = a v + (1 - a) g^2; ga = a ga + (1 - a) g (centered);
    s = sqrt(v - ga^2) (centered) or sqrt(v), plus eps; b = mu b + g / s, p -= lr b (momentum)
    or p -= lr g / s."""
    if weight_decay:
        grad = grad + weight_decay * param
    square_avg *= alpha
    square_avg += (1 - alpha) * grad * grad
    if centered:
        grad_avg += (1 - alpha) * (grad - grad_avg)
        avg = np.sqrt(square_avg - grad_avg * grad_avg) + eps
    else:
        avg = np.sqrt(square_avg) + eps
    if momentum > 0:
        momentum_buf *= momentum
        momentum_buf += grad / avg
        param -= lr * momentum_buf
    else:
        param -= lr * grad / avg


def adagrad_step_(
    param: np.ndarray,
    grad: np.ndarray,
    state_sum: np.ndarray,
    *,
    lr: float,
    lr_decay: float,
    weight_decay: float,
    eps: float,
    step: int,
) -> None:
    """g += wd p; s += g^2; p -= lr / (1 + (t - 1) lr_decay) g / (sqrt(s) + eps), t >= 1."""
    if weight_decay:
        grad = grad + weight_decay * param
    state_sum += grad * grad
    param -= lr / (1 + (step - 1) * lr_decay) * grad / (np.sqrt(state_sum) + eps)
