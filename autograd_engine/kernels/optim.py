"""Fused in-place optimizer updates, one pass over the parameter per step.

The equations are those of the torch.optim documentation (see the NumPy versions in
`reference.py`, which share these signatures). Every array argument is updated in place and
must be C-contiguous with the parameter's dtype and shape; the dispatcher in `__init__` sends
anything else to the NumPy reference (`sgd_step_` checks its inputs itself, see there). State
arrays are allocated by the caller (zeros, or `initial_accumulator_value` for Adagrad); `step`
counts from 1 at the first update.

Arrays come first and positionally, hyperparameters after them by keyword only:

- `sgd_step_(param, grad, momentum_buf, *, lr, momentum, dampening, nesterov, weight_decay,
  first_step)`: `momentum_buf` may be None when momentum is 0; on the first step it is set to
  the gradient.
- `sgd_foreach_(params, grads, *, lr)`: `p -= lr g` over a group, in one call.
- `adam_step_(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, *, step, lr, beta1, beta2,
  eps, weight_decay, amsgrad, decoupled_weight_decay)`: AdamW is
  `decoupled_weight_decay=True`; `max_exp_avg_sq` may be None unless amsgrad.
- `rmsprop_step_(param, grad, square_avg, momentum_buf, grad_avg, *, lr, alpha, eps,
  weight_decay, momentum, centered)`: `momentum_buf` may be None unless momentum > 0,
  `grad_avg` None unless centered.
- `adagrad_step_(param, grad, state_sum, *, lr, lr_decay, weight_decay, eps, step)`.

Scalars are cast to the parameter's dtype, so a float32 update is computed in float32 as
PyTorch does. The Adam update runs on two threads for large parameters.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from . import reference
from .summation import column_totals
from .threads import use_parallel

# The dtypes the kernels are compiled for; `is` also rejects non-native byte orders.
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)


def _flat(a: np.ndarray | None, like: np.ndarray) -> np.ndarray:
    """A flat view of `a`, or an empty array standing for a state that is not kept."""
    return like[:0] if a is None else a.ravel()


@njit(cache=True, error_model="numpy")
def _sgd_plain(p, g, lr):
    """p -= lr g: SGD without momentum or weight decay (the default). Three arguments instead of
    nine make the call 0.36 us instead of 0.69 us at 1K floats, where NumPy takes 1.7 us."""
    lr = p.dtype.type(lr)
    for i in range(p.size):
        p[i] -= lr * g[i]


@njit(cache=True, error_model="numpy")
def _sum_sub(c, g, lr):
    _sgd_plain(c, column_totals(g), lr)


def sum_sub_(c: np.ndarray, g: np.ndarray, *, lr: float) -> None:
    """c -= lr * g.sum(0) for 2-D g: plain SGD of a bias from its layer's output gradient
    (ae.compile folds it into the backward), bitwise the unfused step: the sum in NumPy's
    order (summation.py), then the SGD kernel's update, with no gradient array in Python."""
    d = c.dtype
    if (
        (d is _F32 or d is _F64)
        and g.dtype is d
        and g.ndim == 2
        and c.shape == (g.shape[1],)
        and c.flags.c_contiguous
        and g.flags.c_contiguous
    ):
        _sum_sub(c, g, float(lr))
    else:
        reference.sum_sub_(c, g, lr=lr)


@njit(cache=True, error_model="numpy")
def _sgd_plain_checked(param, grad, lr):
    """`_sgd_plain` if param and grad are C-contiguous and of one shape, else False and no
    change. Checking layout and shape here, in compiled code, is free, where NumPy's `flags`
    and two `ravel()` calls cost about 1 us in Python (the plain step takes 0.4 us at 1K)."""
    if param.shape != grad.shape or not (param.flags.c_contiguous and grad.flags.c_contiguous):
        return False
    _sgd_plain(param.ravel(), grad.ravel(), lr)
    return True


@njit(cache=True, error_model="numpy")
def sgd_plain_group(params, grads, lr):
    """`_sgd_plain` over tuples of flat parameters and their gradients, one call per group.
    Compiled once per group size (a tuple's length is part of its type)."""
    for j in range(len(params)):
        _sgd_plain(params[j], grads[j], lr)


@njit(cache=True, error_model="numpy")
def _sgd(p, g, buf, lr, momentum, dampening, nesterov, weight_decay, first_step):
    t = p.dtype.type
    lr, mu, wd, keep = t(lr), t(momentum), t(weight_decay), t(1 - dampening)
    for i in range(p.size):
        d = g[i] + wd * p[i] if wd != 0 else g[i]
        if mu != 0:
            b = d if first_step else mu * buf[i] + keep * d
            buf[i] = b
            d = d + mu * b if nesterov else b
        p[i] -= lr * d


@njit(cache=True, error_model="numpy")
def _adam(p, g, m, v, vmax, c, amsgrad):
    """One element: the new (p, m, v, vmax), with c = (decay, wd, 1 - b1, b2, 1 - b2,
    step size, sqrt of the second bias correction, eps) in the parameter's dtype."""
    decay, wd, k1, b2, k2, step_size, bc2_sqrt, eps = c
    if decay != 1:
        p = p * decay
    if wd != 0:
        g = g + wd * p
    m = m + k1 * (g - m)
    v = b2 * v + k2 * g * g
    if amsgrad:
        vmax = max(vmax, v)
    denom = np.sqrt(vmax if amsgrad else v) / bc2_sqrt + eps
    return p - step_size * m / denom, m, v, vmax


@njit(cache=True, error_model="numpy")
def _adam_constants(p, decay, wd, k1, b2, k2, step_size, bc2_sqrt, eps):
    """The constants of `_adam`, cast to p's dtype (passed as Python floats, which Numba
    types 20x faster than a tuple of NumPy scalars)."""
    t = p.dtype.type
    return (t(decay), t(wd), t(k1), t(b2), t(k2), t(step_size), t(bc2_sqrt), t(eps))


@njit(cache=True, error_model="numpy")
def _adam_loop(p, g, m, v, vmax, amsgrad, decay, wd, k1, b2, k2, step_size, bc2_sqrt, eps):
    c = _adam_constants(p, decay, wd, k1, b2, k2, step_size, bc2_sqrt, eps)
    for i in range(p.size):
        p[i], m[i], v[i], vm = _adam(
            p[i], g[i], m[i], v[i], vmax[i] if amsgrad else v[i], c, amsgrad
        )
        if amsgrad:
            vmax[i] = vm


@njit(cache=True, parallel=True, error_model="numpy")
def _adam_par(p, g, m, v, vmax, amsgrad, decay, wd, k1, b2, k2, step_size, bc2_sqrt, eps):
    c = _adam_constants(p, decay, wd, k1, b2, k2, step_size, bc2_sqrt, eps)
    for i in prange(p.size):
        p[i], m[i], v[i], vm = _adam(
            p[i], g[i], m[i], v[i], vmax[i] if amsgrad else v[i], c, amsgrad
        )
        if amsgrad:
            vmax[i] = vm


@njit(cache=True, error_model="numpy")
def _rmsprop(p, g, sq, lr, alpha, eps, weight_decay, momentum, buf, centered, gavg):
    t = p.dtype.type
    lr, a, k, eps = t(lr), t(alpha), t(1 - alpha), t(eps)
    wd, mu = t(weight_decay), t(momentum)
    for i in range(p.size):
        gi = g[i] + wd * p[i] if wd != 0 else g[i]
        sq[i] = a * sq[i] + k * gi * gi
        if centered:
            gavg[i] += k * (gi - gavg[i])
            avg = np.sqrt(sq[i] - gavg[i] * gavg[i]) + eps
        else:
            avg = np.sqrt(sq[i]) + eps
        if mu > 0:
            buf[i] = mu * buf[i] + gi / avg
            p[i] -= lr * buf[i]
        else:
            p[i] -= lr * gi / avg


@njit(cache=True, error_model="numpy")
def _adagrad(p, g, state_sum, clr, weight_decay, eps):
    t = p.dtype.type
    clr, wd, eps = t(clr), t(weight_decay), t(eps)
    for i in range(p.size):
        gi = g[i] + wd * p[i] if wd != 0 else g[i]
        state_sum[i] += gi * gi
        p[i] -= clr * gi / (np.sqrt(state_sum[i]) + eps)


def sgd_foreach_(params: list[np.ndarray], grads: list[np.ndarray], *, lr: float) -> None:
    """One call for the group: 5 us against 10 us of one call per parameter for the six
    parameters of a 2-64-64-1 MLP."""
    flat_params = tuple([p.ravel() for p in params])
    sgd_plain_group(flat_params, tuple([g.ravel() for g in grads]), float(lr))


def sgd_step_(
    param: np.ndarray,
    grad: np.ndarray,
    momentum_buf: np.ndarray | None,
    *,
    lr: float,
    momentum: float,
    dampening: float,
    nesterov: bool,
    weight_decay: float,
    first_step: bool,
) -> None:
    """Checks its own inputs, the cheapest way (the plain step checks the layout in compiled
    code), and hands those the loops do not take to the reference: any but C-contiguous
    arrays of one shape and one dtype, float32 or float64."""
    d = param.dtype
    if (d is _F32 or d is _F64) and grad.dtype is d:
        if not momentum and not weight_decay:  # the default p -= lr g: the short path
            if _sgd_plain_checked(param, grad, float(lr)):
                return
        elif all(
            a is None or (a.dtype is d and a.shape == param.shape and a.flags.c_contiguous)
            for a in (param, grad, momentum_buf)
        ):
            p = param.ravel()
            _sgd(
                p,
                grad.ravel(),
                _flat(momentum_buf, p),
                float(lr),
                float(momentum),
                float(dampening),
                bool(nesterov),
                float(weight_decay),
                bool(first_step),
            )
            return
    reference.sgd_step_(
        param,
        grad,
        momentum_buf,
        lr=lr,
        momentum=momentum,
        dampening=dampening,
        nesterov=nesterov,
        weight_decay=weight_decay,
        first_step=first_step,
    )


def adam_step_(
    param: np.ndarray,
    grad: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    max_exp_avg_sq: np.ndarray | None,
    *,
    step: int,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    amsgrad: bool,
    decoupled_weight_decay: bool,
) -> None:
    p = param.ravel()
    decoupled = weight_decay and decoupled_weight_decay
    kernel = _adam_par if use_parallel(p.size) else _adam_loop
    kernel(
        p,
        grad.ravel(),
        exp_avg.ravel(),
        exp_avg_sq.ravel(),
        _flat(max_exp_avg_sq, p),
        bool(amsgrad),
        float(1 - lr * weight_decay if decoupled else 1.0),
        float(0.0 if decoupled else weight_decay),
        float(1 - beta1),
        float(beta2),
        float(1 - beta2),
        float(lr / (1 - beta1**step)),
        math.sqrt(1 - beta2**step),
        float(eps),
    )


def rmsprop_step_(
    param: np.ndarray,
    grad: np.ndarray,
    square_avg: np.ndarray,
    momentum_buf: np.ndarray | None,
    grad_avg: np.ndarray | None,
    *,
    lr: float,
    alpha: float,
    eps: float,
    weight_decay: float,
    momentum: float,
    centered: bool,
) -> None:
    p = param.ravel()
    _rmsprop(
        p,
        grad.ravel(),
        square_avg.ravel(),
        float(lr),
        float(alpha),
        float(eps),
        float(weight_decay),
        float(momentum),
        _flat(momentum_buf, p),
        bool(centered),
        _flat(grad_avg, p),
    )


def adagrad_step_(
    param: np.ndarray,
    grad: np.ndarray,
    state_sum: np.ndarray,
    *,
    lr: float,
    lr_decay: float,
    weight_decay: float,
    eps: float,
    step: int,
) -> None:
    p = param.ravel()
    clr = lr / (1 + (step - 1) * lr_decay)
    _adagrad(p, grad.ravel(), state_sum.ravel(), float(clr), float(weight_decay), float(eps))
