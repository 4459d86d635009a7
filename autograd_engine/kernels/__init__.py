"""Compute kernels behind one small interface, from one table.

Every function takes and returns NumPy arrays (outputs in the input's dtype); the optimizer
steps update their arrays in place, with the arrays as positional arguments and the
hyperparameters by keyword. Each kernel is registered once (`register`): its Numba version, its
plain NumPy reference in `reference` (the readable definition the tests compare it with), the
layout of inputs the Numba version takes, and, where NumPy wins at some sizes, its size route
in `ROUTES`. Inputs outside the layout (dtypes other than float32/float64, mixed dtypes, shapes
that would broadcast, non-contiguous optimizer state) go to the reference. `set_num_threads(n)`
(or NUMBA_NUM_THREADS before start-up) sets the threads of the parallel kernels.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import elementwise as _ew
from . import linalg as _linalg
from . import losses as _losses
from . import optim as _optim
from . import reductions as _red
from . import reference
from .linalg import matmul_tiled
from .threads import PARALLEL_MIN_SIZE, get_num_threads, limit_threads, set_num_threads

# Size routes: (Numba below this many elements, Numba again from this many); NumPy in between.
# Kernels without one run Numba at every size. Measured with bench/kernels_threshold.py
# (float32, NumPy time / Numba time, 2 cores of a shared Zen 2, another job running; ratios
# vary by about 15 % between runs; rows of 100):
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
ROUTES: dict[str, tuple[int, int]] = {"bce_with_logits": (1024, PARALLEL_MIN_SIZE)}

# The dtypes the kernels are compiled for; `is` also rejects non-native byte orders.
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)


@dataclass(frozen=True)
class Kernel:
    """One registered kernel. `numba` is None where NumPy is fastest at every size (tanh)."""

    name: str
    numba: Callable[..., Any] | None
    reference: Callable[..., Any]
    layout: str  # a key of LAYOUTS: which inputs the Numba version takes
    route: str | None = None  # a key of ROUTES, looked up on every call (tests change it)


KERNELS: dict[str, Kernel] = {}


# --- layouts: a dispatcher for each kind of input ------------------------------------------
# Each builds, once per kernel, the function the ops call. It must cost well under a
# microsecond (about 0.3 us: Numba's own dispatch costs about as much), so the checks of the
# elementwise and row kernels are written out inline rather than composed from smaller calls.


def _same(fast: Callable, ref: Callable, arrays: int, route: str | None) -> Callable:
    """Numba when the first `arrays` (1 to 3) arguments are float32 or float64 arrays of one
    dtype and shape (nothing to broadcast) and the size is not routed to NumPy; else the
    reference. Positional arguments only: forwarding keywords costs 60 ns a call."""
    second, third = arrays >= 2, arrays >= 3

    def call(x: np.ndarray, *args: Any) -> Any:
        d = x.dtype
        if (
            (d is _F32 or d is _F64)
            and (not second or (args[0].dtype is d and args[0].shape == x.shape))
            and (not third or (args[1].dtype is d and args[1].shape == x.shape))
            and (route is None or not ROUTES[route][0] <= x.size < ROUTES[route][1])
        ):
            return fast(x, *args)
        return ref(x, *args)

    return call


def _rows(fast: Callable, ref: Callable, arrays: int, route: str | None) -> Callable:
    """`_same` for kernels along an axis, given right after the arrays: Numba also needs the
    axis to be non-empty. Keywords (keepdims) pass through."""
    second = arrays >= 2

    def call(x: np.ndarray, *args: Any, **kwargs: Any) -> Any:
        d = x.dtype
        if (
            (d is _F32 or d is _F64)
            and (not second or (args[0].dtype is d and args[0].shape == x.shape))
            and x.ndim
            and x.shape[args[arrays - 1]]
        ):
            return fast(x, *args, **kwargs)
        return ref(x, *args, **kwargs)

    return call


def _class_rows(logits: np.ndarray, target: np.ndarray, g: np.ndarray | None = None) -> bool:
    """2-D float logits (or probabilities) with classes, integer targets, one per row, and an
    upstream gradient of one per row in the logits' dtype."""
    d = logits.dtype
    return (
        (d is _F32 or d is _F64)
        and logits.ndim == 2
        and logits.shape[1] > 0
        and target.shape == logits.shape[:1]
        and target.dtype.kind in "iu"
        and (g is None or (g.shape == target.shape and g.dtype is d))
    )


def _optimizer_state(param: np.ndarray, *state: np.ndarray | None) -> bool:
    """Every array C-contiguous, of one shape and float dtype (None: a state not kept)."""
    d, shape = param.dtype, param.shape
    if not ((d is _F32 or d is _F64) and param.flags.c_contiguous):
        return False
    for a in state:
        if a is not None and (a.dtype is not d or a.shape != shape or not a.flags.c_contiguous):
            return False
    return True


def _group(params: list[np.ndarray], grads: list[np.ndarray]) -> bool:
    """Every pair fits `_optimizer_state`, all in one dtype (one compiled group kernel)."""
    if not params:
        return False
    d = params[0].dtype
    if d is not _F32 and d is not _F64:
        return False
    for p, g in zip(params, grads):  # a plain loop: this runs on every optimizer step
        if (
            p.dtype is not d
            or g.dtype is not d
            or p.shape != g.shape
            or not (p.flags.c_contiguous and g.flags.c_contiguous)
        ):
            return False
    return True


def _checked(accepts: Callable[..., bool]):
    """A layout whose check `accepts` reads the positional (array) arguments."""

    def layout(fast: Callable, ref: Callable, arrays: int, route: str | None) -> Callable:
        def call(*args: Any, **kwargs: Any) -> Any:
            return (fast if accepts(*args) else ref)(*args, **kwargs)

        return call

    return layout


LAYOUTS = {
    "any": None,  # the kernel takes every input (or checks them itself): called directly
    "elementwise": _same,  # same dtype and shape for the array arguments
    "rows": _rows,  # the same, along a non-empty axis
    "class_rows": _checked(_class_rows),
    "optimizer": _checked(_optimizer_state),
    "optimizer_group": _checked(_group),
}


def register(
    name: str,
    numba: Callable | None,
    layout: str,
    *,
    arrays: int = 1,
    route: str | None = None,
) -> Callable:
    """Enter a kernel in KERNELS and return the function the ops call: the reference when
    Numba is never picked, `numba` itself when NumPy never is, else a dispatcher with the
    reference's name and signature. The reference is `reference.<name>`. `arrays` counts the
    leading array arguments that must share a dtype and shape (row kernels take their axis
    right after them, positionally)."""
    ref = getattr(reference, name)
    KERNELS[name] = Kernel(name, numba, ref, layout, route)
    if numba is None:
        return ref
    if LAYOUTS[layout] is None:
        return numba
    return functools.wraps(ref)(LAYOUTS[layout](numba, ref, arrays, route))


# --- the table -------------------------------------------------------------------------------
sigmoid = register("sigmoid", _ew.sigmoid, "elementwise")
sigmoid_backward = register("sigmoid_backward", _ew.sigmoid_backward, "elementwise", arrays=2)
tanh = register("tanh", None, "elementwise")
tanh_backward = register("tanh_backward", _ew.tanh_backward, "elementwise", arrays=2)
relu = register("relu", _ew.relu, "elementwise")
relu_backward = register("relu_backward", _ew.relu_backward, "elementwise", arrays=2)
leaky_relu = register("leaky_relu", _ew.leaky_relu, "elementwise")
leaky_relu_backward = register(
    "leaky_relu_backward", _ew.leaky_relu_backward, "elementwise", arrays=2
)
elu = register("elu", _ew.elu, "elementwise")
elu_backward = register("elu_backward", _ew.elu_backward, "elementwise", arrays=2)
softplus = register("softplus", _ew.softplus, "elementwise")
softplus_backward = register("softplus_backward", _ew.softplus_backward, "elementwise", arrays=2)

logsumexp = register("logsumexp", _red.logsumexp, "rows")
softmax = register("softmax", _red.softmax, "rows")
softmax_backward = register("softmax_backward", _red.softmax_backward, "rows", arrays=2)
log_softmax = register("log_softmax", _red.log_softmax, "rows")
log_softmax_backward = register("log_softmax_backward", _red.log_softmax_backward, "rows", arrays=2)

softmax_cross_entropy = register(
    "softmax_cross_entropy", _losses.softmax_cross_entropy, "class_rows"
)
softmax_cross_entropy_backward = register(
    "softmax_cross_entropy_backward", _losses.softmax_cross_entropy_backward, "class_rows"
)
bce_with_logits = register(
    "bce_with_logits", _losses.bce_with_logits, "elementwise", arrays=2, route="bce_with_logits"
)
bce_with_logits_backward = register(
    "bce_with_logits_backward", _losses.bce_with_logits_backward, "elementwise", arrays=3
)

matmul = register("matmul", _linalg.matmul, "any")  # routes to BLAS itself (linalg.py)
linear = register("linear", _linalg.linear, "any")  # picks the faster product (linalg.py)
matmul_sub_ = register("matmul_sub_", _linalg.matmul_sub_, "any")  # checks its own inputs

sgd_step_ = register("sgd_step_", _optim.sgd_step_, "any")  # checks in compiled code
sgd_foreach_ = register("sgd_foreach_", _optim.sgd_foreach_, "optimizer_group")
sum_sub_ = register("sum_sub_", _optim.sum_sub_, "any")  # checks its own inputs
adam_step_ = register("adam_step_", _optim.adam_step_, "optimizer")
rmsprop_step_ = register("rmsprop_step_", _optim.rmsprop_step_, "optimizer")
adagrad_step_ = register("adagrad_step_", _optim.adagrad_step_, "optimizer")


__all__ = [
    "KERNELS",
    "PARALLEL_MIN_SIZE",
    "ROUTES",
    "Kernel",
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
    "linear",
    "log_softmax",
    "log_softmax_backward",
    "logsumexp",
    "matmul",
    "matmul_sub_",
    "matmul_tiled",
    "register",
    "relu",
    "relu_backward",
    "rmsprop_step_",
    "set_num_threads",
    "sgd_foreach_",
    "sgd_step_",
    "sigmoid",
    "sigmoid_backward",
    "softmax",
    "softmax_backward",
    "softmax_cross_entropy",
    "softmax_cross_entropy_backward",
    "softplus",
    "softplus_backward",
    "sum_sub_",
    "tanh",
    "tanh_backward",
]
