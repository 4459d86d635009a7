"""Activation functions as modules (lecture 003): sigmoid, tanh, ReLU, leaky ReLU, ELU,
softplus, softmax, log-softmax, and maxout, the one with parameters."""

from __future__ import annotations

from typing import Any

import autograd_engine as ae

from .. import functional as F
from ..module import Module
from ..parameter import Parameter
from .linear import Linear


class Sigmoid(Module):
    """sigma(x) = 1 / (1 + e^-x), in (0, 1); saturates, so gradients vanish for large |x|."""

    def forward(self, input: ae.Tensor) -> ae.Tensor:
        return F.sigmoid(input)


class Tanh(Module):
    """tanh(x), in (-1, 1) and zero-centred."""

    def forward(self, input: ae.Tensor) -> ae.Tensor:
        return F.tanh(input)


class ReLU(Module):
    """max(0, x). `inplace` is accepted for PyTorch compatibility and has no effect."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()

    def forward(self, input: ae.Tensor) -> ae.Tensor:
        return F.relu(input)


class LeakyReLU(Module):
    """max(a x, x) with a small slope a, so that units never stop learning."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, input: ae.Tensor) -> ae.Tensor:
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """x for x > 0 and alpha (e^x - 1) otherwise: smooth, with negative outputs."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, input: ae.Tensor) -> ae.Tensor:
        return F.elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Softplus(Module):
    """log(1 + e^(beta x)) / beta, a smooth ReLU."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: ae.Tensor) -> ae.Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    """sigma_i(z) = e^z_i / sum_j e^z_j along `dim`: a probability distribution."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: ae.Tensor) -> ae.Tensor:
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log softmax along `dim`, computed as z - logsumexp(z)."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: ae.Tensor) -> ae.Tensor:
        return F.log_softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Maxout(Module):
    """max(w_1^T x + b_1, ..., w_k^T x + b_k) per output unit: the maximum of k = `pieces`
    affine maps, a learned piecewise-linear convex activation.

    `weight` stacks the maps as (out_features * pieces, in_features), row o * pieces + j for
    piece j of output o; it is initialised as a Linear layer of that size.
    """

    def __init__(
        self, in_features: int, out_features: int, pieces: int, bias: bool = True, dtype: Any = None
    ) -> None:
        super().__init__()
        if pieces < 1:
            raise ValueError(f"Maxout: pieces must be at least 1, got {pieces}")
        self.in_features = in_features
        self.out_features = out_features
        self.pieces = pieces
        affine = Linear(in_features, out_features * pieces, bias=bias, dtype=dtype)
        self.weight = Parameter(affine.weight)
        if bias:
            self.bias = Parameter(affine.bias)
        else:
            self.register_parameter("bias", None)

    def forward(self, input: ae.Tensor) -> ae.Tensor:
        return F.maxout(input, self.weight, self.bias, self.pieces)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"pieces={self.pieces}, bias={self.bias is not None}"
        )


class GELU(Module):
    """x Phi(x), Phi the standard normal CDF (exact, with erf), or its tanh approximation
    with approximate="tanh"; the activation of transformers."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: ae.Tensor) -> ae.Tensor:
        return F.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x sigma(x) (swish): smooth, non-monotonic, unbounded above."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()

    def forward(self, input: ae.Tensor) -> ae.Tensor:
        return F.silu(input)
