"""Layers that pass values on or reshape them: Identity, Flatten, and the Residual wrapper."""

from __future__ import annotations

from typing import Any

import autograd_engine as ae

from ..module import Module


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. for a removed layer)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:
        return input


class Flatten(Module):
    """Merge dimensions start_dim..end_dim into one: (N, C, H, W) -> (N, C*H*W) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: ae.Tensor) -> ae.Tensor:
        return ae.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Residual(Module):
    """A skip connection around `module`: y = f(x) + x, so the gradient always has the
    identity path dy/dx = f'(x) + 1, a remedy for vanishing gradients in deep networks."""

    def __init__(self, module: Module) -> None:
        super().__init__()
        self.module = module

    def forward(self, input: ae.Tensor) -> ae.Tensor:
        return self.module(input) + input
