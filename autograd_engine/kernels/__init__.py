"""Compute kernels behind one small interface.

Every function takes and returns NumPy arrays (outputs in the input's dtype); the optimizer
steps update their arrays in place. Each name sends its call either to the Numba kernel or to
the plain NumPy definition in `reference`, by array size (`ROUTES`). Inputs the kernels do not
cover (dtypes other than float32/float64, mixed dtypes, shapes that would broadcast,
non-contiguous optimizer state) always go to NumPy. `set_num_threads(n)` (or NUMBA_NUM_THREADS
before start-up) sets the threads of the parallel kernels.
"""

from __future__ import annotations

import numpy as np

from . import elementwise as _ew
from . import losses as _losses
from . import optim as _optim
from . import reductions as _red
from . import reference
from .linalg import matmul, matmul_tiled
from .reference import tanh
from .threads import PARALLEL_MIN_SIZE, get_num_threads, limit_threads, set_num_threads

# name: (Numba below this many elements, Numba again from this many); NumPy in between.
# Measured with bench/kernels_threshold.py (float32, NumPy time / Numba time, 2 cores of a
# shared Zen 2, another job running; ratios vary by about 15 % between runs; rows of 100):
#   size                1     64    1K    4K   16K   64K  256K    1M
#   relu_backward     4.0   1.2   2.9   4.6   7.1  20.6  27.9  25.0
#   tanh_backward     1.4   1.5   1.8   1.9   2.8   2.3   2.1   3.4
#   sigmoid           3.1   6.7   4.3   3.6   3.1   5.8   6.4   6.7
#   elu               4.7   2.2   2.2   1.7   1.1   1.5   1.5   1.7
#   softplus_backward 5.7   4.9   4.5   5.0   4.3   5.6   6.6   7.0
#   bce               2.6   2.4   1.4   0.7   0.7   0.7   0.9   1.1
#   bce_backward      4.7   4.5   4.6   3.5   3.2   5.3   6.2   6.5
#   softmax           4.0   3.8   2.5   2.7   2.4   1.6   1.6   2.2
#   log_softmax       5.4   4.9   4.4   2.5   1.8   1.4   1.4   1.5
#   logsumexp         5.5   6.0   4.0   2.5   1.7   1.5   1.4   1.6
#   softmax_ce       12.5  12.6   8.5   7.5   4.3   4.0   4.3   4.7
#   softmax_ce_bw    11.6   6.3   3.9   2.6   1.7   1.5   1.5   2.1
#   adam              3.2   2.9   3.4   3.8   4.0   4.7   5.1  11.8
#   sgd               2.6   2.1   2.2   2.2   2.2   2.5   2.1   2.3
# The kernels win at every size because they make one pass where the references make several
# and because their exp vectorizes (`fastexp`; Numba's own exp is a scalar libm call, which lost
# to NumPy's SIMD exp from about 4K elements). BCE on logits is the exception: its log1p stays
# scalar, so NumPy takes it from 1K until the parallel kernel. tanh is a single NumPy ufunc that
# beat a scalar Numba tanh kernel everywhere (NumPy/Numba 0.4 at 1 element, 0.15 to 0.3 from 4K;
# that kernel was then removed), so it is always NumPy.
_ALWAYS = (0, 0)
ROUTES: dict[str, tuple[int, int]] = {
    "elementwise": _ALWAYS,
    "bce_with_logits": (1024, PARALLEL_MIN_SIZE),
    "rows": _ALWAYS,
    "optim": _ALWAYS,
}

# The dtypes the kernels are compiled for; `is` also rejects non-native byte orders.
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)


def _numba(route: str, x: np.ndarray) -> bool:
    """Whether x, at its size, goes to the Numba kernel.

    Called on every kernel call, so written to cost well under a microsecond (0.3 us).
    """
    below, start = ROUTES[route]
    dtype = x.dtype
    return (dtype is _F32 or dtype is _F64) and not below <= x.size < start


def _numba2(route: str, x: np.ndarray, y: np.ndarray) -> bool:
    """`_numba` for x with a second operand y, which must match x's shape and dtype (inlined:
    the extra call cost 0.2 us)."""
    below, start = ROUTES[route]
    dtype = x.dtype
    return (
        (dtype is _F32 or dtype is _F64)
        and y.dtype is dtype
        and y.shape == x.shape
        and not below <= x.size < start
    )


def sigmoid(x: np.ndarray) -> np.ndarray:
    return _ew.sigmoid(x) if _numba("elementwise", x) else reference.sigmoid(x)


def sigmoid_backward(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    if _numba2("elementwise", y, g):
        return _ew.sigmoid_backward(y, g)
    return reference.sigmoid_backward(y, g)


def tanh_backward(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    if _numba2("elementwise", y, g):
        return _ew.tanh_backward(y, g)
    return reference.tanh_backward(y, g)


def relu(x: np.ndarray) -> np.ndarray:
    return _ew.relu(x) if _numba("elementwise", x) else reference.relu(x)


def relu_backward(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    if _numba2("elementwise", x, g):
        return _ew.relu_backward(x, g)
    return reference.relu_backward(x, g)


def leaky_relu(x: np.ndarray, slope: float) -> np.ndarray:
    if _numba("elementwise", x):
        return _ew.leaky_relu(x, slope)
    return reference.leaky_relu(x, slope)


def leaky_relu_backward(x: np.ndarray, g: np.ndarray, slope: float) -> np.ndarray:
    if _numba2("elementwise", x, g):
        return _ew.leaky_relu_backward(x, g, slope)
    return reference.leaky_relu_backward(x, g, slope)


def elu(x: np.ndarray, alpha: float) -> np.ndarray:
    return _ew.elu(x, alpha) if _numba("elementwise", x) else reference.elu(x, alpha)


def elu_backward(x: np.ndarray, g: np.ndarray, alpha: float) -> np.ndarray:
    if _numba2("elementwise", x, g):
        return _ew.elu_backward(x, g, alpha)
    return reference.elu_backward(x, g, alpha)


def softplus(x: np.ndarray) -> np.ndarray:
    return _ew.softplus(x) if _numba("elementwise", x) else reference.softplus(x)


def softplus_backward(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    if _numba2("elementwise", x, g):
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
    if _numba2("rows", y, g) and y.ndim and y.shape[axis]:
        return _red.softmax_backward(y, g, axis)
    return reference.softmax_backward(y, g, axis)


def log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    if _numba("rows", x) and x.ndim and x.shape[axis]:
        return _red.log_softmax(x, axis)
    return reference.log_softmax(x, axis)


def log_softmax_backward(y: np.ndarray, g: np.ndarray, axis: int) -> np.ndarray:
    if _numba2("rows", y, g) and y.ndim and y.shape[axis]:
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


def softmax_cross_entropy(logits: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row losses, and softmax(logits), which the backward takes."""
    if _ce_numba(logits, target):
        return _losses.softmax_cross_entropy(logits, target)
    return reference.softmax_cross_entropy(logits, target)


def softmax_cross_entropy_backward(
    probs: np.ndarray, target: np.ndarray, g: np.ndarray
) -> np.ndarray:
    if _ce_numba(probs, target) and g.shape == target.shape and g.dtype is probs.dtype:
        return _losses.softmax_cross_entropy_backward(probs, target, g)
    return reference.softmax_cross_entropy_backward(probs, target, g)


def bce_with_logits(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    if _numba2("bce_with_logits", x, t):
        return _losses.bce_with_logits(x, t)
    return reference.bce_with_logits(x, t)


def bce_with_logits_backward(x: np.ndarray, t: np.ndarray, g: np.ndarray) -> np.ndarray:
    if _numba2("elementwise", x, t) and _numba2("elementwise", x, g):
        return _losses.bce_with_logits_backward(x, t, g)
    return reference.bce_with_logits_backward(x, t, g)


def _optim_numba(param: np.ndarray, *state: np.ndarray | None) -> bool:
    """Numba needs every array C-contiguous, of one shape and dtype (None: state not kept)."""
    below, start = ROUTES["optim"]
    shape, dtype = param.shape, param.dtype
    if (
        not (dtype is _F32 or dtype is _F64)
        or below <= param.size < start
        or not param.flags.c_contiguous
    ):
        return False
    for array in state:
        if array is not None and (
            array.dtype is not dtype or array.shape != shape or not array.flags.c_contiguous
        ):
            return False
    return True


def _fits(p: np.ndarray, g: np.ndarray, dtype: np.dtype) -> bool:
    """p and g are C-contiguous, of one shape and of `dtype`, float32 or float64: what the
    fused SGD kernels take."""
    return (
        (dtype is _F32 or dtype is _F64)
        and p.dtype is dtype
        and g.dtype is dtype
        and p.shape == g.shape
        and p.flags.c_contiguous
        and g.flags.c_contiguous
    )


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
    if not (momentum or weight_decay):  # the default p -= lr g, with a short dispatch path
        below, start = ROUTES["optim"]
        dtype = param.dtype
        if (
            (dtype is _F32 or dtype is _F64)
            and grad.dtype is dtype
            and not below <= param.size < start
            and _optim.sgd_plain_(param, grad, float(lr))
        ):
            return
    step = _optim.sgd_step_ if _optim_numba(param, grad, momentum_buf) else reference.sgd_step_
    step(param, grad, momentum_buf, lr, momentum, dampening, nesterov, weight_decay, first_step)


def sgd_foreach_(params: list[np.ndarray], grads: list[np.ndarray], lr: float) -> None:
    """p -= lr g for every parameter of a group (SGD without momentum or weight decay).

    One Numba call for the whole group when every pair fits the kernel (`_fits`, one dtype
    for all): 5 us against 10 us of one call per parameter for the six parameters of a
    2-64-64-1 MLP. The size routes do not apply: they weigh one call's cost, paid here once
    per group. Anything else goes parameter by parameter.
    """
    if not params:
        return
    dtype = params[0].dtype
    for p, g in zip(params, grads):
        if not _fits(p, g, dtype):
            break
    else:
        flat_params = tuple([p.ravel() for p in params])
        _optim.sgd_plain_group(flat_params, tuple([g.ravel() for g in grads]), float(lr))
        return
    for p, g in zip(params, grads):
        sgd_step_(p, g, None, lr, 0.0, 0.0, False, 0.0, False)


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
