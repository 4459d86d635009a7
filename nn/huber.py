"""Robust regression losses: quadratic for small errors, linear for large ones, so outliers
pull less than under the squared error (`F.smooth_l1_loss`, `F.huber_loss`)."""

from __future__ import annotations

from typing import Any

import autograd_engine as ae

from .losses import _check_same_shape, _reduce

Tensor = ae.Tensor


def _quadratic_then_linear(name: str, input: Tensor, target: Any, width: float) -> Tensor:
    """0.5 d^2 where |d| < width, else width (|d| - 0.5 width), with d = x - y."""
    _check_same_shape(name, input, target)
    if width < 0:
        raise ValueError(f"{name}: the threshold must be >= 0, got {width}")
    diff = input - target
    size = ae.abs(diff)
    if width == 0:
        return size
    small = size.numpy() < width
    return ae.where(small, 0.5 * diff * diff, width * (size - 0.5 * width))


def huber_loss(
    input: Tensor,
    target: Any,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Tensor | None = None,
) -> Tensor:
    """0.5 d^2 for |d| < delta, else delta (|d| - 0.5 delta); optional elementwise `weight`."""
    loss = _quadratic_then_linear("huber_loss", input, target, delta)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def smooth_l1_loss(
    input: Tensor,
    target: Any,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """0.5 d^2 / beta for |d| < beta, else |d| - 0.5 beta: the Huber loss divided by beta (the
    L1 loss for beta = 0). `size_average` and `reduce` are PyTorch's deprecated spellings."""
    if size_average is not None or reduce is not None:
        reduction = "none" if reduce is False else ("sum" if size_average is False else "mean")
    loss = _quadratic_then_linear("smooth_l1_loss", input, target, beta)
    return _reduce(loss if beta == 0 else loss / beta, reduction)
