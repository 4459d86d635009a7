"""Fused loss primitives that must stay finite for extreme logits.

Computing log(softmax(x)) or log(sigmoid(x)) in two steps underflows to log(0) = -inf for large
logits; these primitives work in log space and have one-pass kernels for forward and backward.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels as K
from ..errors import IndexOutOfRangeError, ShapeError
from ..grad_mode import STATE
from ..tensor import Tensor
from ._util import Primitive, as_tensor, binary, broadcast_array
from .activations import sigmoid
from .reduce import softmax


class SoftmaxCrossEntropy(Primitive):
    """Per-row losses, or their mean or sum in the same node (one node fewer per step)."""

    name = "softmax_cross_entropy"

    @staticmethod
    def forward(ctx, logits, target, reduction):
        ctx.save_for_backward(logits)
        losses, ctx.probs = K.softmax_cross_entropy(logits, target)
        ctx.target, ctx.reduction = target, reduction
        if reduction == "none":
            return losses
        total = losses.sum(dtype=np.float64)  # accumulate in float64, as PyTorch
        return (total / len(losses) if reduction == "mean" else total).astype(losses.dtype)

    @staticmethod
    def backward(ctx, g):
        (logits,) = ctx.saved_tensors
        rows = logits.shape[0]
        if ctx.reduction != "none":  # every row's loss gets g (mean: g / rows)
            scale = 1.0 / rows if ctx.reduction == "mean" and rows else 1.0
            if isinstance(g, np.ndarray):
                g = broadcast_array(np.asarray(g * scale, dtype=g.dtype), (rows,))
            else:
                g = (g * scale).expand(rows)
        if not STATE.grad_enabled:
            return K.softmax_cross_entropy_backward(ctx.probs, ctx.target, g), None, None
        # d(-log softmax(z)_t) / dz = softmax(z) - onehot(t)
        onehot = np.zeros(logits.shape, dtype=logits.dtype)
        onehot[np.arange(rows), ctx.target] = 1
        return (softmax(logits, axis=1) - onehot) * g.reshape(-1, 1), None, None

    @staticmethod
    def jvp(ctx, t, _target, _reduction):
        rows = np.arange(len(ctx.target))
        per_row = (ctx.probs * t).sum(axis=1) - t[rows, ctx.target]  # (softmax - onehot) . t
        if ctx.reduction == "none":
            return per_row
        total = per_row.sum()
        return total / len(per_row) if ctx.reduction == "mean" and len(per_row) else total


class BCEWithLogits(Primitive):
    name = "bce_with_logits"

    @staticmethod
    def forward(ctx, x, t):
        ctx.save_for_backward(x, t)
        return K.bce_with_logits(x, np.asarray(t, dtype=x.dtype))  # t may be a Python number

    @staticmethod
    def backward(ctx, g):
        x, t = ctx.saved_tensors
        need_x, need_t = ctx.needs_input_grad
        # d/dx = sigma(x) - t,  d/dt = -x
        if not STATE.grad_enabled:  # arrays: the fused kernel on operands broadcast to g
            grad_x = None
            if need_x:
                x_b, t_b, g_b = np.broadcast_arrays(x, np.asarray(t, dtype=x.dtype), g)
                grad_x = K.bce_with_logits_backward(x_b, t_b, g_b)
            return grad_x, (-g * x if need_t else None)
        return (g * (sigmoid(x) - t) if need_x else None), (-g * x if need_t else None)

    @staticmethod
    def jvp(ctx, tx, tt):
        x, target = ctx.inputs
        return tx * (K.sigmoid(x) - target) - tt * x


def softmax_cross_entropy(logits: Any, target: Any, reduction: str = "none") -> Tensor:
    """-log softmax(logits)[target] per sample for logits (N, C) and class indices (N,);
    `reduction` "mean" or "sum" reduces them inside the same graph node."""
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(
            f"softmax_cross_entropy: reduction must be 'none', 'mean' or 'sum', got {reduction!r}"
        )
    logits = as_tensor(logits)
    target = np.asarray(target._data if isinstance(target, Tensor) else target)
    if logits.ndim != 2 or target.shape != logits.shape[:1]:
        raise ShapeError(
            f"softmax_cross_entropy: expected logits (N, C) and targets (N,), got "
            f"{logits.shape} and {target.shape}"
        )
    if target.dtype.kind not in "iu":
        raise TypeError(
            f"softmax_cross_entropy: targets must be integer class indices, got {target.dtype}"
        )
    if target.size and (target.min() < 0 or target.max() >= logits.shape[1]):
        raise IndexOutOfRangeError(
            f"softmax_cross_entropy: target values must lie in [0, {logits.shape[1] - 1}] for "
            f"{logits.shape[1]} classes, got min {target.min()} and max {target.max()}"
        )
    return SoftmaxCrossEntropy.apply(logits, target.astype(np.int64, copy=False), reduction)


def bce_with_logits(logits: Any, target: Any) -> Tensor:
    """Elementwise binary cross-entropy of sigmoid(logits) against targets in [0, 1]."""
    return BCEWithLogits.apply(*binary(logits, target))
