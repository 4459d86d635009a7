"""Compute kernels behind one small interface.

Every function takes and returns NumPy arrays (outputs in the input's dtype); the optimizer
steps update their arrays in place. Each name sends its call either to the Numba kernel or to
the plain NumPy definition in `reference`, by array size (`ROUTES`). Inputs the kernels do not
cover (dtypes other than float32/float64, mixed dtypes, shapes that would broadcast,
non-contiguous optimizer state) always go to NumPy. `set_num_threads(n)` (or NUMBA_NUM_THREADS
before start-up) sets the threads of the parallel kernels.
"""

from __future__ import annotations

import sys

import numpy as np

from . import elementwise as _ew
from . import losses as _losses
from . import optim as _optim
from . import reductions as _red
from . import reference
from .linalg import matmul, matmul_tiled
from .reference import tanh
from .threads import PARALLEL_MIN_SIZE, get_num_threads, limit_threads, set_num_threads

_NEVER = sys.maxsize

# name: (Numba below this many elements, Numba again from this many); NumPy in between.
# Measured with bench/kernels_threshold.py (float32, NumPy time / Numba time, 2 cores of a
# shared Zen 2; ratios vary by about 15 % between runs):
#   size                1     64    1K    4K   16K   64K  256K    1M
#   relu_backward     1.6   1.6   2.1   3.2   5.5  12.4  15.8  24.1
#   tanh_backward     1.1   1.1   1.3   1.5   1.8   2.2   2.0   2.0
#   sigmoid           4.2   3.7   2.0   1.3   1.0   2.7   2.9   3.4
#   elu               2.9   2.7   1.9   1.7   1.4   1.3   2.6   2.6
#   softplus_backward 3.7   3.4   1.9   1.2   1.0   1.5   3.4   2.5
#   bce               1.4   1.8   0.9   0.7   0.7   1.4   1.3   1.4
#   bce_backward      3.3   3.3   1.9   1.2   1.0   1.6   (noisy) 1.1
#   softmax           3.5   3.5   1.5   1.0   0.7   0.6   (NumPy's SIMD exp wins)
#   log_softmax       5.0   4.5   2.3   1.2   0.8   0.6   0.6   0.4
#   logsumexp         5.5   5.0   2.3   1.1   0.7   0.6   0.6   0.4
#   softmax_ce       10.4  10.5   3.4   1.4   0.8   0.6
#   softmax_ce_bw    12.3  10.0   3.6   1.6   0.9   0.8
#   adam              1.6   1.4   1.3   1.1   0.9   1.8   1.8   3.5
#   sgd               1.3   1.0   1.1   1.3   1.6   2.3   2.1   2.1
# Fused elementwise kernels and optimizer steps win at every size (the references make several
# passes and temporaries); the softmax family is fused and wins while the call overhead
# dominates, up to about 4K elements, and loses to NumPy's vectorised exp above. tanh is a single
# NumPy ufunc that beat a scalar Numba tanh kernel everywhere (NumPy/Numba 0.4 at 1 element,
# 0.15 to 0.3 from 4K; that kernel was then removed), so it is always NumPy.
_ALWAYS = (0, 0)
_ROWS = (4096, _NEVER)
ROUTES: dict[str, tuple[int, int]] = {
    "elementwise": _ALWAYS,
    "bce_with_logits": (1024, PARALLEL_MIN_SIZE),
    "rows": _ROWS,
    "optim": _ALWAYS,
}

_FLOAT_CHARS = "fd"  # float32, float64


def _numba(route: str, x: np.ndarray, *others: np.ndarray) -> bool:
    """Whether x (and same-shape, same-dtype others) of this size go to the Numba kernel.

    Called on every kernel call, so written to cost well under a microsecond.
    """
    below, start = ROUTES[route]
    if below <= x.size < start or x.dtype.char not in _FLOAT_CHARS:
        return False
    shape, dtype = x.shape, x.dtype
    for other in others:  # noqa: SIM110 - a loop is cheaper than all() over a generator
        if other.shape != shape or other.dtype != dtype:
            return False
    return True


def sigmoid(x: np.ndarray) -> np.ndarray:
    return _ew.sigmoid(x) if _numba("elementwise", x) else reference.sigmoid(x)


def sigmoid_backward(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    if _numba("elementwise", y, g):
        return _ew.sigmoid_backward(y, g)
    return reference.sigmoid_backward(y, g)


def tanh_backward(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    if _numba("elementwise", y, g):
        return _ew.tanh_backward(y, g)
    return reference.tanh_backward(y, g)


def relu(x: np.ndarray) -> np.ndarray:
    return _ew.relu(x) if _numba("elementwise", x) else reference.relu(x)


def relu_backward(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    if _numba("elementwise", x, g):
        return _ew.relu_backward(x, g)
    return reference.relu_backward(x, g)


def leaky_relu(x: np.ndarray, slope: float) -> np.ndarray:
    if _numba("elementwise", x):
        return _ew.leaky_relu(x, slope)
    return reference.leaky_relu(x, slope)


def leaky_relu_backward(x: np.ndarray, g: np.ndarray, slope: float) -> np.ndarray:
    if _numba("elementwise", x, g):
        return _ew.leaky_relu_backward(x, g, slope)
    return reference.leaky_relu_backward(x, g, slope)


def elu(x: np.ndarray, alpha: float) -> np.ndarray:
    return _ew.elu(x, alpha) if _numba("elementwise", x) else reference.elu(x, alpha)


def elu_backward(x: np.ndarray, g: np.ndarray, alpha: float) -> np.ndarray:
    if _numba("elementwise", x, g):
        return _ew.elu_backward(x, g, alpha)
    return reference.elu_backward(x, g, alpha)


def softplus(x: np.ndarray) -> np.ndarray:
    return _ew.softplus(x) if _numba("elementwise", x) else reference.softplus(x)


def softplus_backward(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    if _numba("elementwise", x, g):
        return _ew.softplus_backward(x, g)
    return reference.softplus_backward(x, g)


def logsumexp(x: np.ndarray, axis: int, keepdims: bool = False) -> np.ndarray:
    if _numba("rows", x) and x.ndim and x.shape[axis]:
        return _red.logsumexp(x, axis, keepdims)
    return reference.logsumexp(x, axis, keepdims)


def softmax(x: np.ndarray, axis: int) -> np.ndarray:
    if _numba("rows", x) and x.ndim and x.shape[axis]:
        return _red.softmax(x, axis)
    return reference.softmax(x, axis)


def softmax_backward(y: np.ndarray, g: np.ndarray, axis: int) -> np.ndarray:
    if _numba("rows", y, g) and y.ndim and y.shape[axis]:
        return _red.softmax_backward(y, g, axis)
    return reference.softmax_backward(y, g, axis)


def log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    if _numba("rows", x) and x.ndim and x.shape[axis]:
        return _red.log_softmax(x, axis)
    return reference.log_softmax(x, axis)


def log_softmax_backward(y: np.ndarray, g: np.ndarray, axis: int) -> np.ndarray:
    if _numba("rows", y, g) and y.ndim and y.shape[axis]:
        return _red.log_softmax_backward(y, g, axis)
    return reference.log_softmax_backward(y, g, axis)


def _ce_numba(logits: np.ndarray, target: np.ndarray) -> bool:
    return (
        _numba("rows", logits)
        and logits.ndim == 2
        and logits.shape[1] > 0
        and target.shape == logits.shape[:1]
        and target.dtype.kind in "iu"
    )


def softmax_cross_entropy(logits: np.ndarray, target: np.ndarray) -> np.ndarray:
    if _ce_numba(logits, target):
        return _losses.softmax_cross_entropy(logits, target)
    return reference.softmax_cross_entropy(logits, target)


def softmax_cross_entropy_backward(
    logits: np.ndarray, target: np.ndarray, g: np.ndarray
) -> np.ndarray:
    if _ce_numba(logits, target) and g.shape == target.shape and g.dtype == logits.dtype:
        return _losses.softmax_cross_entropy_backward(logits, target, g)
    return reference.softmax_cross_entropy_backward(logits, target, g)


def bce_with_logits(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    if _numba("bce_with_logits", x, t):
        return _losses.bce_with_logits(x, t)
    return reference.bce_with_logits(x, t)


def bce_with_logits_backward(x: np.ndarray, t: np.ndarray, g: np.ndarray) -> np.ndarray:
    if _numba("elementwise", x, t, g):
        return _losses.bce_with_logits_backward(x, t, g)
    return reference.bce_with_logits_backward(x, t, g)


def _optim_numba(param: np.ndarray, *state: np.ndarray | None) -> bool:
    """Numba needs every array C-contiguous, of one shape and dtype (None: state not kept)."""
    if not (param.flags.c_contiguous and _numba("optim", param)):
        return False
    shape, dtype = param.shape, param.dtype
    for array in state:
        if array is not None and (
            array.shape != shape or array.dtype != dtype or not array.flags.c_contiguous
        ):
            return False
    return True


def sgd_step_(
    param: np.ndarray,
    grad: np.ndarray,
    momentum_buf: np.ndarray | None,
    lr: float,
    momentum: float,
    dampening: float,
    nesterov: bool,
    weight_decay: float,
    first_step: bool,
) -> None:
    """In-place SGD step (torch.optim.SGD); see `optim` for the arguments."""
    step = _optim.sgd_step_ if _optim_numba(param, grad, momentum_buf) else reference.sgd_step_
    step(param, grad, momentum_buf, lr, momentum, dampening, nesterov, weight_decay, first_step)


def adam_step_(
    param: np.ndarray,
    grad: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    max_exp_avg_sq: np.ndarray | None,
    step: int,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    amsgrad: bool,
    decoupled_weight_decay: bool,
) -> None:
    """In-place Adam / AdamW step (torch.optim.Adam, AdamW); see `optim` for the arguments."""
    fast = _optim_numba(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq if amsgrad else None)
    (_optim.adam_step_ if fast else reference.adam_step_)(
        param,
        grad,
        exp_avg,
        exp_avg_sq,
        max_exp_avg_sq,
        step,
        lr,
        beta1,
        beta2,
        eps,
        weight_decay,
        amsgrad,
        decoupled_weight_decay,
    )


def rmsprop_step_(
    param: np.ndarray,
    grad: np.ndarray,
    square_avg: np.ndarray,
    lr: float,
    alpha: float,
    eps: float,
    weight_decay: float,
    momentum: float,
    momentum_buf: np.ndarray | None,
    centered: bool,
    grad_avg: np.ndarray | None,
) -> None:
    """In-place RMSprop step (torch.optim.RMSprop); see `optim` for the arguments."""
    buf = momentum_buf if momentum > 0 else None
    fast = _optim_numba(param, grad, square_avg, buf, grad_avg if centered else None)
    (_optim.rmsprop_step_ if fast else reference.rmsprop_step_)(
        param,
        grad,
        square_avg,
        lr,
        alpha,
        eps,
        weight_decay,
        momentum,
        momentum_buf,
        centered,
        grad_avg,
    )


def adagrad_step_(
    param: np.ndarray,
    grad: np.ndarray,
    state_sum: np.ndarray,
    lr: float,
    lr_decay: float,
    weight_decay: float,
    eps: float,
    step: int,
) -> None:
    """In-place Adagrad step (torch.optim.Adagrad); see `optim` for the arguments."""
    fast = _optim_numba(param, grad, state_sum)
    (_optim.adagrad_step_ if fast else reference.adagrad_step_)(
        param, grad, state_sum, lr, lr_decay, weight_decay, eps, step
    )


__all__ = [
    "ROUTES",
    "adagrad_step_",
    "adam_step_",
    "bce_with_logits",
    "bce_with_logits_backward",
    "elu",
    "elu_backward",
    "get_num_threads",
    "leaky_relu",
    "leaky_relu_backward",
    "limit_threads",
    "log_softmax",
    "log_softmax_backward",
    "logsumexp",
    "matmul",
    "matmul_tiled",
    "relu",
    "relu_backward",
    "rmsprop_step_",
    "set_num_threads",
    "sgd_step_",
    "sigmoid",
    "sigmoid_backward",
    "softmax",
    "softmax_backward",
    "softmax_cross_entropy",
    "softmax_cross_entropy_backward",
    "softplus",
    "softplus_backward",
    "tanh",
    "tanh_backward",
]
