"""Fused loss primitives that must stay finite for extreme logits.

Computing log(softmax(x)) or log(sigmoid(x)) in two steps underflows to log(0) = -inf for large
logits; these primitives work in log space and have one-pass kernels for forward and backward.
Each backward is an op of its own, whose forward is the fused kernel (see activations.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels as K
from ..errors import ArgumentValueError, DTypeError, IndexOutOfRangeError, ShapeError
from ..tensor import Tensor
from ._util import Primitive, as_tensor, binary, broadcast_array
from .activations import Sigmoid, SigmoidBackward
from .reduce import Softmax, SoftmaxBackward, Sum


class SoftmaxCrossEntropy(Primitive):
    """Per-row losses, or their mean or sum in the same node (one node fewer per step)."""

    name = "softmax_cross_entropy"

    @staticmethod
    def forward(ctx, logits, target, reduction):
        ctx.save_for_backward(logits, target)  # the target too: changing it in place raises
        losses, ctx.probs = K.softmax_cross_entropy(logits, target)
        ctx.reduction = reduction
        if reduction == "none":
            return losses
        total = losses.sum(dtype=np.float64)  # accumulate in float64, as PyTorch
        return (total / len(losses) if reduction == "mean" else total).astype(losses.dtype)

    @staticmethod
    def backward(ctx, g):
        logits, target = ctx.saved_tensors
        rows = logits.shape[0]
        if ctx.reduction == "mean" and rows:  # every row's loss gets g / rows
            g = g * (1.0 / rows)
        grad = SoftmaxCrossEntropyBackward.call(g, logits, target, probs=ctx.probs)
        return grad, None, None

    @staticmethod
    def jvp(ctx, t, _target, _reduction):
        target = ctx.inputs[1]
        per_row = (ctx.probs * t).sum(axis=1) - t[
            np.arange(len(target)), target
        ]  # (p - onehot) . t
        if ctx.reduction == "none":
            return per_row
        return (
            per_row.sum() / len(per_row)
            if ctx.reduction == "mean" and len(per_row)
            else per_row.sum()
        )


class SoftmaxCrossEntropyBackward(Primitive):
    """(softmax(z) - onehot(t)) g per row: the gradient of -log softmax(z)[t].

    g has one entry per row, or is a scalar for every row. `probs` is softmax(z) when the
    caller has it already (the forward computes it), which saves a pass over the logits.
    """

    name = "softmax_cross_entropy_backward"

    @staticmethod
    def forward(ctx, g, logits, target, probs=None):
        ctx.save_for_backward(g, logits)
        ctx.target = target
        if probs is None:
            probs = K.softmax(logits, 1)
        g = broadcast_array(np.asarray(g, dtype=probs.dtype), target.shape)
        return K.softmax_cross_entropy_backward(probs, target, g)

    @staticmethod
    def backward(ctx, gg):
        g, logits = ctx.saved_tensors
        p = Softmax.call(logits, 1)
        # d/dz = J_softmax^T (gg g);  d/dg = sum over classes of gg (p - onehot)
        grad_z = SoftmaxBackward.call(gg * g.reshape(-1, 1), p, 1)
        picked = gg[np.arange(len(ctx.target)), ctx.target]
        return Sum.call(gg * p, (1,), False) - picked, grad_z, None


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
        grad_x = BCEWithLogitsBackward.call(g, x, t) if need_x else None
        return grad_x, (-g * x if need_t else None)

    @staticmethod
    def jvp(ctx, tx, tt):
        x, target = ctx.inputs
        return BCEWithLogitsBackward.call(tx, x, target) - tt * x


class BCEWithLogitsBackward(Primitive):
    """g (sigma(x) - t), the gradient of BCE on logits x, in the broadcast shape."""

    name = "bce_with_logits_backward"

    @staticmethod
    def forward(ctx, g, x, t):
        ctx.save_for_backward(g, x, t)
        t = np.asarray(t, dtype=x.dtype)
        shape = np.broadcast_shapes(x.shape, t.shape, g.shape)
        return K.bce_with_logits_backward(*(broadcast_array(a, shape) for a in (x, t, g)))

    @staticmethod
    def backward(ctx, gg):
        g, x, t = ctx.saved_tensors
        need_g, need_x, need_t = ctx.needs_input_grad
        grad_g = BCEWithLogitsBackward.call(gg, x, t) if need_g else None
        # d/dx = g sigma'(x),  d/dt = -g
        grad_x = SigmoidBackward.call(gg * g, Sigmoid.call(x)) if need_x else None
        return grad_g, grad_x, (-gg * g if need_t else None)


def _class_indices(op: str, logits: Tensor, target: Any) -> Any:
    """The targets as int64 class indices (N,) for logits (N, C), checked: a Tensor stays
    itself, so that the graph sees (and refuses) in-place changes of it after the forward."""
    t = np.asarray(target._data if isinstance(target, Tensor) else target)
    if logits.ndim != 2 or t.shape != logits.shape[:1]:
        raise ShapeError(
            f"{op}: expected logits (N, C) and targets (N,), got {logits.shape} and {t.shape}"
        )
    if t.dtype.kind not in "iu":
        raise DTypeError(f"{op}: targets must be integer class indices, got {t.dtype}")
    if t.size and (t.min() < 0 or t.max() >= logits.shape[1]):
        raise IndexOutOfRangeError(
            f"{op}: target values must lie in [0, {logits.shape[1] - 1}] for "
            f"{logits.shape[1]} classes, got min {t.min()} and max {t.max()}"
        )
    if t.dtype != np.int64:
        return t.astype(np.int64)  # a copy, which no later change of target can reach
    return target if isinstance(target, Tensor) else t


def softmax_cross_entropy(logits: Any, target: Any, reduction: str = "none") -> Tensor:
    """-log softmax(logits)[target] per sample for logits (N, C) and class indices (N,);
    `reduction` "mean" or "sum" reduces them inside the same graph node."""
    if reduction not in ("none", "mean", "sum"):
        raise ArgumentValueError(
            f"softmax_cross_entropy: reduction must be 'none', 'mean' or 'sum', got {reduction!r}"
        )
    logits = as_tensor(logits)
    target = _class_indices("softmax_cross_entropy", logits, target)
    return SoftmaxCrossEntropy.apply(logits, target, reduction)


def bce_with_logits(logits: Any, target: Any) -> Tensor:
    """Elementwise binary cross-entropy of sigmoid(logits) against targets in [0, 1]."""
    return BCEWithLogits.apply(*binary(logits, target))


def softmax_cross_entropy_backward(grad_output: Any, logits: Any, target: Any) -> Tensor:
    """(softmax(logits) - onehot(target)) * grad_output[:, None]: the gradient of the per-row
    losses of softmax_cross_entropy, as a differentiable op."""
    logits, grad_output = as_tensor(logits), as_tensor(grad_output)
    target = _class_indices("softmax_cross_entropy_backward", logits, target)
    if grad_output.shape not in ((), logits.shape[:1]):
        raise ShapeError(
            f"softmax_cross_entropy_backward: grad_output must have shape {logits.shape[:1]} "
            f"(one per row) or be a scalar, got {grad_output.shape}"
        )
    return SoftmaxCrossEntropyBackward.apply(grad_output, logits, target)


def bce_with_logits_backward(grad_output: Any, input: Any, target: Any) -> Tensor:
    """grad_output * (sigmoid(input) - target), the gradient of bce_with_logits, as an op."""
    input, target = binary(input, target)
    return BCEWithLogitsBackward.apply(as_tensor(grad_output), input, target)
