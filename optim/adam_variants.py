"""Adam's variants: Adamax, NAdam and RAdam, as torch.optim. With g the gradient (negated
when maximizing, plus weight_decay * p unless the decay is decoupled: p *= 1 - lr wd), at step
t, all keep m = beta1 m + (1 - beta1) g; then

Adamax (Kingma & Ba, 2015, 7.1), the infinity norm in place of the second moment:
    u = max(beta2 u, |g| + eps);  p -= lr / (1 - beta1^t) * m / u
NAdam (Dozat, 2016), Nesterov momentum with the schedule mu_t = beta1 (1 - 0.96^(t psi) / 2):
    v = beta2 v + (1 - beta2) g^2;  d = sqrt(v / (1 - beta2^t)) + eps
    p -= lr (1 - mu_t) / (1 - prod mu_1..t) * g / d + lr mu_{t+1} / (1 - prod mu_1..t+1) * m / d
RAdam (Liu et al., 2020), Adam with the variance of its adaptive rate rectified:
    v = beta2 v + (1 - beta2) g^2;  rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
    p -= lr m / (1 - beta1^t) * (r_t sqrt(1 - beta2^t) / (sqrt(v) + eps) if rho_t > 5 else 1)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .adam import check_adam_options
from .optimizer import Optimizer, ParamsT


class _AdamVariant(Optimizer):
    """Options and first moment shared by the variants; `_step` does the rest."""

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        check_adam_options(self._name, group)

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        state["step"] += 1
        wd = group["weight_decay"]
        if group.get("decoupled_weight_decay"):
            param *= 1 - group["lr"] * wd
        elif wd:
            grad = grad + wd * param
        m = state["exp_avg"]
        m += (1 - group["betas"][0]) * (grad - m)
        self._step(param, grad, state, group)

    def _step(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        raise NotImplementedError


class Adamax(_AdamVariant):
    """`Adamax(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    maximize=False)` (state: `step`, `exp_avg`, `exp_inf`)."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay}
        super().__init__(params, {**defaults, "maximize": maximize})

    def _init_state(self, param: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        zeros = np.zeros(param.shape, param.dtype)
        return {"step": 0, "exp_avg": zeros, "exp_inf": zeros.copy()}

    def _step(self, param, grad, state, group) -> None:
        beta1, beta2 = group["betas"]
        u = state["exp_inf"]
        u *= beta2
        np.maximum(u, np.abs(grad) + group["eps"], out=u)
        param -= group["lr"] / (1 - beta1 ** state["step"]) * state["exp_avg"] / u


class NAdam(_AdamVariant):
    """`NAdam(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    momentum_decay=4e-3, decoupled_weight_decay=False, maximize=False)` (state: `step`,
    `mu_product`, `exp_avg`, `exp_avg_sq`)."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay}
        defaults.update(
            momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        self._require_nonnegative(group, "momentum_decay")

    def _init_state(self, param: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        zeros = np.zeros(param.shape, param.dtype)
        return {"step": 0, "mu_product": 1.0, "exp_avg": zeros, "exp_avg_sq": zeros.copy()}

    def _step(self, param, grad, state, group) -> None:
        beta1, beta2 = group["betas"]
        t, psi, lr = state["step"], group["momentum_decay"], group["lr"]
        v = state["exp_avg_sq"]
        v *= beta2
        v += (1 - beta2) * grad * grad
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
        state["mu_product"] *= mu
        product = state["mu_product"]
        denom = np.sqrt(v / (1 - beta2**t)) + group["eps"]
        param -= lr * (1 - mu) / (1 - product) * grad / denom
        param -= lr * mu_next / (1 - product * mu_next) * state["exp_avg"] / denom


class RAdam(_AdamVariant):
    """`RAdam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    decoupled_weight_decay=False, maximize=False)` (state: `step`, `exp_avg`, `exp_avg_sq`)."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay}
        defaults.update(decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _init_state(self, param: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        zeros = np.zeros(param.shape, param.dtype)
        return {"step": 0, "exp_avg": zeros, "exp_avg_sq": zeros.copy()}

    def _step(self, param, grad, state, group) -> None:
        beta1, beta2 = group["betas"]
        t, lr = state["step"], group["lr"]
        v = state["exp_avg_sq"]
        v *= beta2
        v += (1 - beta2) * grad * grad
        m_hat = state["exp_avg"] / (1 - beta1**t)
        correction2 = 1 - beta2**t
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2**t / correction2
        if rho_t > 5:  # the variance of the adaptive rate is finite: rectify it
            rect = math.sqrt(
                (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            )
            param -= m_hat * lr * (math.sqrt(correction2) / (np.sqrt(v) + group["eps"])) * rect
        else:  # early steps: plain momentum
            param -= m_hat * lr
