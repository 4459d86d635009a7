"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay.

With g the gradient (negated when maximizing), at step t:

    d = g + weight_decay * p
    b = d                                   (t = 1)
    b = momentum * b + (1 - dampening) * d  (t > 1)
    d = d + momentum * b  (nesterov)  or  b  (momentum != 0)
    p = p - lr * d
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_engine as ae

from .optimizer import Optimizer, ParamsT


class SGD(Optimizer):
    """`SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
    maximize=False)`, as torch.optim.SGD."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        self._require_nonnegative(group, "momentum", "weight_decay")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: Nesterov momentum needs momentum > 0 and dampening = 0, got "
                f"momentum={group['momentum']!r}, dampening={group['dampening']!r}"
            )

    def _init_state(self, param: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        return {"momentum_buffer": None}

    def fused_rate(self, param: Any) -> float | None:
        cls = type(self)
        if cls.step is not SGD.step or cls._update_group is not SGD._update_group:
            return None  # a subclass with an update of its own
        for group in self.param_groups:
            for p in group["params"]:  # a loop, not any(...): this runs on every replay
                if p is param:
                    plain = not (group["momentum"] or group["weight_decay"] or group["maximize"])
                    return float(group["lr"]) if plain else None
        return None

    def _update_group(
        self,
        params: list[np.ndarray],
        grads: list[np.ndarray],
        states: list[dict[str, Any]],
        group: dict[str, Any],
    ) -> None:
        if group["momentum"] or group["weight_decay"]:
            super()._update_group(params, grads, states, group)
        else:  # the default p -= lr g: one kernel call for the group
            ae.kernels.sgd_foreach_(params, grads, lr=group["lr"])

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        buf = state["momentum_buffer"]
        first_step = buf is None
        if group["momentum"] and first_step:
            buf = state["momentum_buffer"] = np.zeros(param.shape, param.dtype)
        ae.kernels.sgd_step_(
            param,
            grad,
            buf,
            lr=group["lr"],
            momentum=group["momentum"],
            dampening=group["dampening"],
            nesterov=group["nesterov"],
            weight_decay=group["weight_decay"],
            first_step=first_step,
        )
