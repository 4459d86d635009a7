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


class Unflatten(Module):
    """Split dimension `dim` into `unflattened_size`: (N, 784) -> (N, 1, 28, 28) with
    Unflatten(1, (1, 28, 28)); the inverse of Flatten. One size may be -1."""

    def __init__(self, dim: int, unflattened_size: tuple[int, ...] | list[int]) -> None:
        super().__init__()
        if not isinstance(unflattened_size, tuple | list) or not unflattened_size:
            raise TypeError(
                f"Unflatten: unflattened_size must be a non-empty tuple or list of ints, got "
                f"{unflattened_size!r}"
            )
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input: ae.Tensor) -> ae.Tensor:
        dim = self.dim % input.ndim
        shape = (*input.shape[:dim], *self.unflattened_size, *input.shape[dim + 1 :])
        try:
            return input.reshape(shape)
        except ValueError as error:
            raise ae.ShapeError(
                f"Unflatten: cannot split dimension {self.dim} of size {input.shape[dim]} "
                f"(input shape {tuple(input.shape)}) into {self.unflattened_size}"
            ) from error

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
