"""Adagrad (Duchi, Hazan & Singer) with learning-rate decay.

With g the gradient (negated when maximizing), at step t >= 1, and the sum s starting at
`initial_accumulator_value`:

    g = g + weight_decay * p
    s = s + g^2
    p = p - lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps)
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_engine as ae

from .optimizer import Optimizer, ParamsT


class Adagrad(Optimizer):
    """`Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
    eps=1e-10, maximize=False)`, as torch.optim.Adagrad."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "eps": eps,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        self._require_nonnegative(
            group, "lr_decay", "weight_decay", "initial_accumulator_value", "eps"
        )

    def _init_state(self, param: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        return {
            "step": 0,
            "sum": np.full(param.shape, group["initial_accumulator_value"], param.dtype),
        }

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        state["step"] += 1
        ae.kernels.adagrad_step_(
            param,
            grad,
            state["sum"],
            lr=group["lr"],
            lr_decay=group["lr_decay"],
            weight_decay=group["weight_decay"],
            eps=group["eps"],
            step=state["step"],
        )
