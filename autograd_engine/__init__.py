"""autograd-engine: reverse-mode automatic differentiation on NumPy arrays, with Numba kernels.

>>> from autograd_engine import tensor
>>> x = tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> y = (x * x).sum()
>>> y.backward()
>>> x.grad
tensor([2., 4., 6.])
"""

from . import kernels, random
from .autograd import backward, grad
from .creation import (
    arange,
    eye,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    tensor,
    zeros,
    zeros_like,
)
from .dtypes import (
    bool_,
    float32,
    float64,
    get_default_dtype,
    int32,
    int64,
    set_default_dtype,
)
from .errors import (
    AnomalyError,
    AutogradError,
    BackwardError,
    DTypeError,
    IndexOutOfRangeError,
    InplaceError,
    NotDifferentiableError,
    ShapeError,
)
from .function import Function
from .grad_mode import detect_anomaly, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .ops import (
    abs,
    add,
    all,
    allclose,
    any,
    argmax,
    argmin,
    bce_with_logits,
    broadcast_to,
    cat,
    clamp,
    clip,
    concatenate,
    cos,
    div,
    elu,
    exp,
    expand,
    flatten,
    isfinite,
    isnan,
    leaky_relu,
    log,
    log_softmax,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mul,
    neg,
    pad,
    permute,
    pow,
    relu,
    reshape,
    sigmoid,
    sign,
    sin,
    softmax,
    softmax_cross_entropy,
    softplus,
    sqrt,
    squeeze,
    stack,
    std,
    sub,
    sum,
    swapaxes,
    tanh,
    transpose,
    unsqueeze,
    var,
    view,
    where,
)
from .random import get_rng_state, manual_seed, set_rng_state
from .tensor import Tensor

__version__ = "0.1.0"

__all__ = [
    "AnomalyError", "AutogradError", "BackwardError", "DTypeError", "Function",
    "IndexOutOfRangeError", "InplaceError", "NotDifferentiableError", "ShapeError", "Tensor",
    "abs", "add", "all", "allclose", "any", "arange", "argmax", "argmin", "backward",
    "bce_with_logits", "bool_", "broadcast_to", "cat", "clamp", "clip", "concatenate", "cos",
    "detect_anomaly", "div", "elu", "enable_grad", "exp", "expand", "eye", "flatten",
    "float32", "float64", "full", "full_like", "get_default_dtype", "get_rng_state", "grad",
    "int32", "int64", "is_grad_enabled", "isfinite", "isnan", "kernels", "leaky_relu",
    "linspace", "log", "log_softmax", "logsumexp", "manual_seed", "matmul", "max", "maximum",
    "mean", "min", "minimum", "mul", "neg", "no_grad", "ones", "ones_like", "pad", "permute",
    "pow", "rand", "rand_like", "randint", "randn", "randn_like", "random", "relu", "reshape",
    "set_default_dtype", "set_grad_enabled", "set_rng_state", "sigmoid", "sign", "sin",
    "softmax", "softmax_cross_entropy", "softplus", "sqrt", "squeeze", "stack", "std", "sub",
    "sum", "swapaxes", "tanh", "tensor", "transpose", "unsqueeze", "var", "view", "where",
    "zeros", "zeros_like",
]  # fmt: skip
