"""Adam and AdamW (Kingma & Ba; Loshchilov & Hutter), with the AMSGrad variant.

With g the gradient (negated when maximizing), at step t >= 1:

    p = p * (1 - lr * weight_decay)   (decoupled, AdamW)  or  g = g + weight_decay * p  (Adam)
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g^2
    v_max = max(v_max, v)             (amsgrad; then v_max replaces v below)
    p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_engine as ae

from .optimizer import Optimizer, ParamsT


def check_adam_options(name: str, group: dict[str, Any]) -> None:
    """eps and weight_decay >= 0, betas a pair in [0, 1) (stored as a tuple): the options
    Adam and its variants share."""
    for option in ("eps", "weight_decay"):
        if not group[option] >= 0:
            raise ValueError(f"{name}: invalid {option}={group[option]!r}; it must be >= 0")
    betas = group["betas"]
    if len(betas) != 2:
        raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
    for i, beta in enumerate(betas):
        if not 0 <= beta < 1:
            raise ValueError(
                f"{name}: invalid beta{i + 1}={beta!r} in betas={betas!r}; each beta must be "
                "in [0, 1)"
            )
    group["betas"] = tuple(betas)


class Adam(Optimizer):
    """`Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False,
    maximize=False, decoupled_weight_decay=False)`, as torch.optim.Adam."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        check_adam_options(self._name, group)

    def _init_state(self, param: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        state = {
            "step": 0,
            "exp_avg": np.zeros(param.shape, param.dtype),
            "exp_avg_sq": np.zeros(param.shape, param.dtype),
        }
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = np.zeros(param.shape, param.dtype)
        return state

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        state["step"] += 1
        beta1, beta2 = group["betas"]
        ae.kernels.adam_step_(
            param,
            grad,
            state["exp_avg"],
            state["exp_avg_sq"],
            state["max_exp_avg_sq"] if group["amsgrad"] else None,
            step=state["step"],
            lr=group["lr"],
            beta1=beta1,
            beta2=beta2,
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            amsgrad=group["amsgrad"],
            decoupled_weight_decay=group["decoupled_weight_decay"],
        )


class AdamW(Adam):
    """`AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
    amsgrad=False, maximize=False)`: Adam with decoupled weight decay, as torch.optim.AdamW."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )
