"""RMSprop (Hinton), optionally centered and with momentum.

With g the gradient (negated when maximizing):

    g = g + weight_decay * p
    v = alpha * v + (1 - alpha) * g^2
    a = alpha * a + (1 - alpha) * g                       (centered)
    s = sqrt(v - a^2) + eps  (centered)  or  sqrt(v) + eps
    b = momentum * b + g / s,  p = p - lr * b             (momentum > 0)
    p = p - lr * g / s                                    (otherwise)
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_engine as ae

from .optimizer import Optimizer, ParamsT


class RMSprop(Optimizer):
    """`RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
    centered=False, maximize=False)`, as torch.optim.RMSprop."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "alpha": alpha,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "centered": centered,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        self._require_nonnegative(group, "alpha", "eps", "weight_decay", "momentum")

    def _init_state(self, param: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        state = {"step": 0, "square_avg": np.zeros(param.shape, param.dtype)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = np.zeros(param.shape, param.dtype)
        if group["centered"]:
            state["grad_avg"] = np.zeros(param.shape, param.dtype)
        return state

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        state["step"] += 1
        ae.kernels.rmsprop_step_(
            param,
            grad,
            state["square_avg"],
            state["momentum_buffer"] if group["momentum"] > 0 else None,
            state["grad_avg"] if group["centered"] else None,
            lr=group["lr"],
            alpha=group["alpha"],
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            momentum=group["momentum"],
            centered=group["centered"],
        )
