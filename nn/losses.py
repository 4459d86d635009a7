"""Loss functions with PyTorch's names, arguments and `reduction` ("mean", "sum", "none").

Cross-entropies go through the core's fused log-space primitives (`ae.softmax_cross_entropy`,
`ae.bce_with_logits`), so they stay finite for logits of any size. Re-exported by
`nn.functional`; the module forms are in `nn.layers.loss`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

import autograd_engine as ae

Tensor = ae.Tensor

_LOG_FLOOR = -100.0  # PyTorch clamps log(p) in binary_cross_entropy to at least this


def _check_reduction(reduction: str) -> None:
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f'reduction must be "mean", "sum" or "none", got "{reduction}"')


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    _check_reduction(reduction)
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _array(x: Any) -> np.ndarray:
    return x.numpy() if isinstance(x, Tensor) else np.asarray(x)


def _check_same_shape(name: str, input: Tensor, target: Any) -> None:
    if tuple(input.shape) != np.shape(_array(target)):
        raise ae.ShapeError(
            f"{name}: input shape {tuple(input.shape)} and target shape "
            f"{np.shape(_array(target))} must be equal"
        )


# ----------------------------------------------------------------------------- regression
class _SquaredError(ae.Function):
    """(x - y)^2 and its mean or sum in one node, where sub, square, sum and scale took four:
    the loss of every regression step. d/dx = 2 (x - y) g / n, d/dy = -d/dx."""

    name = "mse_loss"
    raw_backward = True  # the backward uses only operations arrays and Tensors share

    @staticmethod
    def forward(ctx, x, y, reduction):
        ctx.save_for_backward(x, y)
        ctx.reduction = reduction
        diff = x - y
        squared = diff * diff
        if reduction == "none":
            return squared
        total = squared.sum(dtype=np.float64)  # accumulate in float64, as PyTorch
        if reduction == "mean":  # the mean of nothing is NaN, as PyTorch's
            total = total / squared.size if squared.size else np.nan
        return np.asarray(total, dtype=squared.dtype)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        need_x, need_y, _ = ctx.needs_input_grad
        n = math.prod(x.shape)
        scale = (2.0 / n if n else math.nan) if ctx.reduction == "mean" else 2.0
        grad_x = (x - y) * (g * scale)
        return grad_x if need_x else None, -grad_x if need_y else None, None


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """(x - y)^2, reduced: mean((x - y)^2) by default."""
    _check_same_shape("mse_loss", input, target)
    _check_reduction(reduction)
    if not isinstance(target, Tensor):
        target = np.asarray(target)
        if target.dtype.kind in "fiub":
            target = target.astype(input.dtype, copy=False)
    return _SquaredError.apply(input, target, reduction)


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """|x - y|, reduced."""
    _check_same_shape("l1_loss", input, target)
    return _reduce(ae.abs(input - target), reduction)


def gaussian_nll_loss(
    input: Tensor,
    target: Any,
    var: Tensor | float,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """0.5 (log max(var, eps) + (x - y)^2 / max(var, eps)) [+ 0.5 log 2 pi if `full`].

    `var` has the input's shape, or lacks its last dimension, or has 1 there (one variance
    shared by the last dimension); the clamp at eps passes gradients through unchanged.
    """
    if not isinstance(var, Tensor):
        var = ae.full(input.shape, float(var), dtype=input.dtype)
    if var.shape != input.shape:
        if var.shape == input.shape[:-1]:
            var = var.unsqueeze(-1)
        elif not (var.shape[:-1] == input.shape[:-1] and var.shape[-1:] == (1,)):
            raise ae.ShapeError(
                f"gaussian_nll_loss: var of shape {tuple(var.shape)} does not fit input of shape "
                f"{tuple(input.shape)}"
            )
    if (var.numpy() < 0).any():
        raise ValueError("gaussian_nll_loss: var has negative entries")
    var = var.clone()
    with ae.no_grad():
        var.clamp_(min=eps)
    diff = input - target
    loss = 0.5 * (ae.log(var) + diff * diff / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


# ----------------------------------------------------------------------------- binary
class _BinaryCrossEntropy(ae.Function):
    """-(y log p + (1 - y) log(1 - p)) with both logs clamped at -100, as PyTorch, so the
    loss is finite at p = 0 and p = 1; the gradient's denominator p (1 - p) is kept >= 1e-12."""

    name = "binary_cross_entropy"

    @staticmethod
    def forward(ctx, p, y):
        ctx.save_for_backward(p, y)
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), _LOG_FLOOR)
            log_q = np.maximum(np.log1p(-p), _LOG_FLOOR)
        return -(y * log_p + (1 - y) * log_q)

    @staticmethod
    def backward(ctx, g):
        p, y = ctx.saved_tensors
        need_p, need_y = ctx.needs_input_grad
        grad_p = g * (p - y) / ae.maximum(p * (1 - p), 1e-12) if need_p else None
        grad_y = None
        if need_y:  # d/dy = log(1 - p) - log p, with the same clamps
            grad_y = g * (ae.clamp(ae.log(1 - p), _LOG_FLOOR) - ae.clamp(ae.log(p), _LOG_FLOOR))
        return grad_p, grad_y


def binary_cross_entropy(
    input: Tensor, target: Any, weight: Any = None, reduction: str = "mean"
) -> Tensor:
    """-w (y log p + (1 - y) log(1 - p)) for probabilities p in [0, 1]; logs clamped at -100."""
    _check_same_shape("binary_cross_entropy", input, target)
    if ((input.numpy() < 0) | (input.numpy() > 1)).any():
        raise ValueError(
            "binary_cross_entropy: input values must be probabilities in [0, 1]; for raw scores "
            "use binary_cross_entropy_with_logits"
        )
    if not isinstance(target, Tensor):
        target = ae.tensor(np.asarray(target), dtype=input.dtype)
    loss = _BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Any,
    weight: Any = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Tensor:
    """BCE of sigmoid(x) against y, in log space: (1 - y) x + (1 + (q - 1) y) softplus(-x),
    with q = pos_weight (1 without it). Finite for logits of any size."""
    _check_same_shape("binary_cross_entropy_with_logits", input, target)
    if pos_weight is None:
        loss = ae.bce_with_logits(input, target)
    else:
        log_weight = (pos_weight - 1) * target + 1
        loss = (1 - target) * input + log_weight * ae.softplus(-input)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


# ----------------------------------------------------------------------------- categorical
def _class_targets(name: str, input: Tensor, target: Any) -> tuple[Tensor, np.ndarray, tuple]:
    """(N, C, d1, ...) scores and (N, d1, ...) targets as (M, C) rows and (M,) targets, plus
    the targets' shape; an unbatched (C,) input with a scalar target becomes one row."""
    t = _array(target)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{name}: class-index targets must be integers, got dtype {t.dtype}")
    if input.ndim == 1:
        expected: tuple = ()
    else:
        expected = (input.shape[0], *input.shape[2:])
    if input.ndim == 0 or t.shape != expected:
        raise ae.ShapeError(
            f"{name}: input of shape {tuple(input.shape)} (N, C, d1, ...) needs targets of shape "
            f"{expected} (N, d1, ...), got {t.shape}"
        )
    classes = input.shape[0] if input.ndim == 1 else input.shape[1]
    if input.ndim > 2:  # move the class dimension last, then one row per position
        order = (0, *range(2, input.ndim), 1)
        rows = input.permute(order).reshape(-1, classes)
    else:  # (N, C) as it is: no reshape node in the graph
        rows = input if input.ndim == 2 else input.reshape(-1, classes)
    return rows, t.reshape(-1), t.shape


def _sample_weights(
    target: np.ndarray, weight: Any, ignore_index: int, dtype: np.dtype
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Targets with ignored entries replaced by 0, the mask of kept entries, and per-sample
    weights w[y] (0 where ignored; None when every weight is 1)."""
    keep = target != ignore_index
    safe = np.where(keep, target, 0)
    if weight is not None:
        return safe, keep, (_array(weight)[safe] * keep).astype(dtype)
    return safe, keep, None if keep.all() else keep.astype(dtype)


def _reduce_weighted(loss: Tensor, w: np.ndarray | None, reduction: str, shape: tuple) -> Tensor:
    """Mean = sum(w_i l_i) / sum(w_i), as PyTorch's weighted and ignore_index losses; when
    every target is ignored, NaN with zero gradients, as PyTorch (0 / 0 would give NaN ones)."""
    if reduction == "mean" and w is not None:
        total = w.sum()
        if total == 0:
            return ae.where(np.False_, loss.sum(), math.nan)
        return loss.sum() / total
    if reduction == "none":
        return loss.reshape(shape)
    return _reduce(loss, reduction)


def cross_entropy(
    input: Tensor,
    target: Any,
    weight: Any = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """-log softmax(x)[y] for class indices y, or -sum_c y_c log softmax(x)_c for class
    probabilities y (same shape as x). The class dimension is 1 ((N, C) or (N, C, d1, ...)).

    `weight` rescales each class; with label smoothing eps, the target puts 1 - eps + eps / C
    on the true class and eps / C on the others.
    """
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing}")
    if _array(target).dtype.kind == "f":
        return _cross_entropy_probabilities(input, target, weight, reduction, label_smoothing)
    rows, t, shape = _class_targets("cross_entropy", input, target)
    if weight is None and not (t == ignore_index).any():
        # Every target counts, with weight 1 (the common case, taken without copies). The
        # targets themselves (a view) go into the graph: changing them in place before the
        # backward then raises, as in PyTorch.
        safe = t
        if isinstance(target, Tensor):
            safe = target if target.ndim == 1 else target.reshape(-1)
        if label_smoothing == 0 and reduction in ("mean", "sum"):
            return ae.softmax_cross_entropy(rows, safe, reduction=reduction)  # one node
        keep = w = None
    else:
        safe, keep, w = _sample_weights(t, weight, ignore_index, rows.dtype)
    loss = ae.softmax_cross_entropy(rows, safe)
    if w is not None:
        loss = loss * w
    if label_smoothing > 0:
        log_p = ae.log_softmax(rows, dim=1)
        if weight is not None:
            log_p = log_p * _array(weight).astype(rows.dtype)
        smooth = -log_p.sum(dim=1)
        if keep is not None and not keep.all():
            smooth = smooth * keep.astype(rows.dtype)
        eps, classes = label_smoothing, rows.shape[1]
        loss = (1 - eps) * loss + (eps / classes) * smooth
    return _reduce_weighted(loss, w, reduction, shape)


def _cross_entropy_probabilities(
    input: Tensor, target: Any, weight: Any, reduction: str, label_smoothing: float
) -> Tensor:
    if tuple(input.shape) != np.shape(_array(target)):
        raise ae.ShapeError(
            f"cross_entropy: floating-point targets are class probabilities and need the "
            f"input's shape {tuple(input.shape)}, got {np.shape(_array(target))}; class "
            "indices must be an integer tensor (e.g. target.long())"
        )
    dim = 0 if input.ndim == 1 else 1
    classes = input.shape[dim]
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / classes
    terms = ae.log_softmax(input, dim=dim) * target
    if weight is not None:
        w = _array(weight).astype(input.dtype)
        terms = terms * w.reshape((classes,) + (1,) * (input.ndim - dim - 1))
    return _reduce(-terms.sum(dim=dim), reduction)


def nll_loss(
    input: Tensor,
    target: Any,
    weight: Any = None,
    *,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """-w[y] x[y]: the negative log-likelihood of log-probabilities x (e.g. from log_softmax)."""
    rows, t, shape = _class_targets("nll_loss", input, target)
    classes = rows.shape[1]
    bad = t[(t != ignore_index) & ((t < 0) | (t >= classes))]
    if bad.size:
        raise ae.IndexOutOfRangeError(
            f"nll_loss: target {bad[0]} is out of range for {classes} classes"
        )
    safe, _, w = _sample_weights(t, weight, ignore_index, rows.dtype)
    loss = -rows[np.arange(rows.shape[0]), safe]
    if w is not None:
        loss = loss * w
    return _reduce_weighted(loss, w, reduction, shape)


def kl_div(input: Tensor, target: Any, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL(target || exp(input)) pointwise: y (log y - x), taken as 0 where y = 0; with
    `log_target`, e^y (y - x). `input` holds log-probabilities. "batchmean" divides the sum
    by the batch size (the true KL divergence); "mean" averages over every element."""
    _check_same_shape("kl_div", input, target)
    if log_target:
        loss = ae.exp(target) * (target - input)
    else:
        positive = _array(target) > 0
        y_log_y = ae.where(positive, target * ae.log(ae.where(positive, target, 1.0)), 0.0)
        loss = y_log_y - target * input
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(loss, reduction)


# ----------------------------------------------------------------------------- VAE and penalties
def gaussian_kl(mu: Tensor, logvar: Tensor, reduction: str = "sum") -> Tensor:
    """KL(N(mu, sigma^2) || N(0, 1)) = -0.5 sum(1 + log sigma^2 - mu^2 - sigma^2), the VAE
    regulariser, in closed form. "batchmean" divides the sum by the batch size."""
    terms = -0.5 * (1 + logvar - mu * mu - ae.exp(logvar))
    if reduction == "batchmean":
        return terms.sum() / (mu.shape[0] if mu.ndim else 1)
    return _reduce(terms, reduction)


def l1_penalty(params: Iterable[Tensor]) -> Tensor:
    """sum_i |w_i| over all parameters (add lambda * penalty to the loss for L1 regularisation)."""
    terms = [ae.abs(p).sum() for p in params]
    return ae.stack(terms).sum() if terms else ae.tensor(0.0)


def l2_penalty(params: Iterable[Tensor]) -> Tensor:
    """sum_i w_i^2 over all parameters, the squared L2 norm (weight decay adds its gradient)."""
    terms = [(p * p).sum() for p in params]
    return ae.stack(terms).sum() if terms else ae.tensor(0.0)
