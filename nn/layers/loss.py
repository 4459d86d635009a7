"""Losses as modules: each holds its options and calls the function in `nn.losses`."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_engine as ae

from .. import losses
from ..huber import huber_loss, smooth_l1_loss
from ..module import Module


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f'reduction must be "mean", "sum" or "none", got "{reduction}"')
        self.reduction = reduction

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


def _constant(value: Any) -> ae.Tensor | None:
    """Class weights and similar options, stored as buffers (as PyTorch)."""
    if value is None or isinstance(value, ae.Tensor):
        return value
    array = np.asarray(value)
    return ae.tensor(array, dtype=ae.get_default_dtype() if array.dtype.kind == "f" else None)


class MSELoss(_Loss):
    """Mean squared error: mean((x - y)^2)."""

    def forward(self, input: ae.Tensor, target: Any) -> ae.Tensor:
        return losses.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """Mean absolute error: mean(|x - y|)."""

    def forward(self, input: ae.Tensor, target: Any) -> ae.Tensor:
        return losses.l1_loss(input, target, self.reduction)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities in [0, 1] (logs clamped at -100)."""

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", _constant(weight))

    def forward(self, input: ae.Tensor, target: Any) -> ae.Tensor:
        return losses.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of sigmoid(x), fused and finite for any logits."""

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(reduction)
        self.register_buffer("weight", _constant(weight))
        self.register_buffer("pos_weight", _constant(pos_weight))

    def forward(self, input: ae.Tensor, target: Any) -> ae.Tensor:
        return losses.binary_cross_entropy_with_logits(
            input, target, self.weight, self.reduction, self.pos_weight
        )


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy of logits against class indices or class probabilities."""

    def __init__(
        self,
        weight: Any = None,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(reduction)
        self.register_buffer("weight", _constant(weight))
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: ae.Tensor, target: Any) -> ae.Tensor:
        return losses.cross_entropy(
            input,
            target,
            self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities (pair it with LogSoftmax)."""

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean"):
        super().__init__(reduction)
        self.register_buffer("weight", _constant(weight))
        self.ignore_index = ignore_index

    def forward(self, input: ae.Tensor, target: Any) -> ae.Tensor:
        return losses.nll_loss(
            input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction
        )


class KLDivLoss(Module):
    """KL divergence of a target distribution from log-probabilities x; "batchmean" gives the
    mathematically correct KL, "mean" (the default, as PyTorch) averages over elements."""

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        super().__init__()
        if reduction not in ("mean", "batchmean", "sum", "none"):
            raise ValueError(f"KLDivLoss: unknown reduction {reduction!r}")
        self.reduction = reduction
        self.log_target = log_target

    def forward(self, input: ae.Tensor, target: Any) -> ae.Tensor:
        return losses.kl_div(input, target, self.reduction, self.log_target)


class GaussianNLLLoss(_Loss):
    """Negative log-likelihood of targets under N(input, var)."""

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean"):
        super().__init__(reduction)
        self.full = full
        self.eps = eps

    def forward(self, input: ae.Tensor, target: Any, var: ae.Tensor | float) -> ae.Tensor:
        return losses.gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)


class SmoothL1Loss(_Loss):
    """0.5 d^2 / beta for |d| < beta, else |d| - 0.5 beta (d = x - y), reduced."""

    def __init__(
        self,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
        beta: float = 1.0,
    ) -> None:
        if size_average is not None or reduce is not None:
            reduction = "none" if reduce is False else ("sum" if size_average is False else "mean")
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input: ae.Tensor, target: Any) -> ae.Tensor:
        return smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """0.5 d^2 for |d| < delta, else delta (|d| - 0.5 delta) (d = x - y), reduced."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: ae.Tensor, target: Any) -> ae.Tensor:
        return huber_loss(input, target, reduction=self.reduction, delta=self.delta)
