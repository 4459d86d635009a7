"""Gradient clipping and flattening parameters into one vector (`nn.utils`)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

import autograd_engine as ae

Tensor = ae.Tensor


def _as_list(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


@ae.compiler.disable  # in-place work on gradients: a compiled step calls it again on replay
def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Rescale all gradients together so that their joint norm is at most `max_norm`:
    g <- g * min(1, max_norm / (||g|| + 1e-6)). Returns the norm before clipping.

    The joint norm is the `norm_type`-norm of the vector of all gradient entries
    (`float("inf")` for the largest absolute entry).
    """
    grads = [p.grad.numpy() for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return ae.tensor(0.0)
    norm_type = float(norm_type)
    if math.isinf(norm_type):
        total = max(float(np.max(np.abs(g))) if g.size else 0.0 for g in grads)
    else:
        per = [np.sum(np.abs(g.astype(np.float64)) ** norm_type) for g in grads]
        total = float(np.sum(per)) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total {norm_type}-norm of the gradients is {total}; set "
            "error_if_nonfinite=False to clip anyway"
        )
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        for g in grads:
            g *= coef
    return ae.tensor(total, dtype=grads[0].dtype)


@ae.compiler.disable
def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient entry to [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        if p.grad is not None:
            g = p.grad.numpy()
            np.clip(g, -clip_value, clip_value, out=g)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one 1-D tensor (differentiable)."""
    return ae.cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-D `vec` into the parameters, in place."""
    if vec.ndim != 1:
        raise ae.ShapeError(f"vector_to_parameters: expected a 1-D vector, got {tuple(vec.shape)}")
    params = list(parameters)
    needed = sum(p.numel() for p in params)
    if vec.numel() != needed:
        raise ae.ShapeError(
            f"vector_to_parameters: the vector has {vec.numel()} entries but the parameters "
            f"need {needed}"
        )
    offset = 0
    with ae.no_grad():
        for p in params:
            n = p.numel()
            p.copy_(vec.numpy()[offset : offset + n].reshape(p.shape))
            offset += n


from . import rnn_utils as rnn  # noqa: E402, F401  (nn.utils.rnn, as torch.nn.utils.rnn)
