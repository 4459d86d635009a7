"""Normalisation layers: BatchNorm1d and BatchNorm2d (statistics over the batch) and LayerNorm
(per sample)."""

from __future__ import annotations

from typing import Any

import autograd_engine as ae

from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter


@ae.compiler.disable  # in place: a compiled step counts each replayed batch too
def _count_batch(counter: ae.Tensor) -> None:
    with ae.no_grad():
        counter.add_(1)


class BatchNorm1d(Module):
    """Batch normalisation of (N, C) or (N, C, L) inputs, per channel C:

        y = (x - mu_B) / sqrt(sigma_B^2 + eps) * gamma + beta

    In training, mu_B and sigma_B^2 are the batch's mean and (biased) variance and the running
    estimates move towards them: r <- (1 - momentum) r + momentum * s, using the unbiased batch
    variance (momentum=None: a cumulative average). In eval mode the running estimates are used.
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(ae.ones(num_features, dtype=dtype))
            self.bias = Parameter(ae.zeros(num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", ae.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", ae.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", ae.tensor(0, dtype=ae.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            init.zeros_(self.num_batches_tracked)

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    # The input's accepted numbers of dimensions, and their description for errors.
    _ndims: tuple[int, ...] = (2, 3)
    _layout = "(N, {c}) or (N, {c}, L)"

    def forward(self, input: ae.Tensor) -> ae.Tensor:
        if input.ndim not in self._ndims or input.shape[1] != self.num_features:
            raise ae.ShapeError(
                f"{type(self).__name__}({self.num_features}): expected input "
                f"{self._layout.format(c=self.num_features)}, got shape {tuple(input.shape)}"
            )
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            _count_batch(self.num_batches_tracked)
            if self.momentum is None:  # (a value read into Python: compiled steps run eagerly)
                momentum = 1.0 / self.num_batches_tracked.item()
        return F.batch_norm(
            input,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            momentum,
            self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm2d(BatchNorm1d):
    """Batch normalisation of (N, C, H, W) images per channel C, with statistics over the
    batch and both spatial dimensions (as BatchNorm1d's over N and L)."""

    _ndims = (4,)
    _layout = "(N, {c}, H, W)"


class LayerNorm(Module):
    """Normalise each sample over its trailing `normalized_shape` dimensions, then scale and
    shift elementwise: y = (x - E[x]) / sqrt(Var[x] + eps) * gamma + beta."""

    def __init__(
        self,
        normalized_shape: int | tuple[int, ...],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ae.ones(self.normalized_shape, dtype=dtype))
            if bias:
                self.bias = Parameter(ae.zeros(self.normalized_shape, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input: ae.Tensor) -> ae.Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )
