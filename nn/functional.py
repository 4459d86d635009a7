"""Stateless layer functions, with PyTorch's names and arguments (`import nn.functional as F`).

Activations map to the core's fused primitives; `linear` is one fused operation; reductions take
`dim=` / `keepdim=` as in the core and PyTorch. Losses live in `nn.losses` and are re-exported here.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

import autograd_engine as ae
from autograd_engine import lazy

from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    gaussian_kl,
    gaussian_nll_loss,
    kl_div,
    l1_loss,
    l1_penalty,
    l2_penalty,
    mse_loss,
    nll_loss,
)

Tensor = ae.Tensor


def _check_dtype(op: str, input: Tensor, *params: Tensor | None) -> None:
    """Raise DTypeError unless the input has the dtype of the weights, as PyTorch requires
    ("mat1 and mat2 must have the same dtype") instead of silently computing in the wider."""
    for p in params:
        if p is not None and input.dtype != p.dtype:
            raise ae.DTypeError(
                f"{op}: the input has dtype {input.dtype} but the weights {p.dtype}; convert "
                f"the input (x.to({p.dtype}), or x.float() for NumPy float64 data) or the "
                f"model (model.to({input.dtype}))"
            )


__all__ = [
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dropout",
    "elu",
    "gaussian_kl",
    "gaussian_nll_loss",
    "kl_div",
    "l1_loss",
    "l1_penalty",
    "l2_penalty",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "maxout",
    "mse_loss",
    "nll_loss",
    "relu",
    "sigmoid",
    "softmax",
    "softplus",
    "tanh",
]


# The core's matmul on arrays or Tensors alike (Function.call), for _Linear's backward: on
# arrays, the BLAS kernel (np.dot: no slow path for the batch-1 weight gradient).
_matmul = ae.ops.linalg.Matmul.call


def _rows(a: np.ndarray) -> np.ndarray:
    """a (..., features) with its batch dimensions folded into one: (rows, features)."""
    return a if a.ndim == 2 else a.reshape(-1, a.shape[-1])


class _Linear(ae.Function):
    """y = x W^T + b in one node (kernels.linear forms the product the faster way round)."""

    name = "linear"
    raw_backward = True  # the first-order backward gets arrays (see ae.Function)

    @staticmethod
    def forward(ctx, x, weight, bias):
        # Checked here, on the arrays: this runs on every step, and ndarray attributes are
        # cheaper to read than the Tensors' properties.
        if x.shape[-1:] != weight.shape[-1:]:
            raise ae.ShapeError(
                f"linear: input has {x.shape[-1] if x.ndim else 0} features (shape "
                f"{x.shape}) but the weight expects {weight.shape[-1]} (weight shape "
                f"{weight.shape})"
            )
        if x.dtype is not weight.dtype or (bias is not None and bias.dtype is not weight.dtype):
            _check_dtype("linear", x, weight, bias)
        need_x, need_w, _ = ctx.needs_input_grad  # dX needs W, dW needs X
        ctx.save_for_backward(x if need_w else None, weight if need_x else None)
        return ae.kernels.linear(x, weight, bias)

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        # dX = G W, dW = G^T X, db = sum of G's rows, with batch dimensions folded into one.
        grad_x = _matmul(g, weight) if need_x else None
        grad_w = _matmul(*_Linear.weight_factors(x, g)) if need_w else None
        grad_b = _rows(g).sum(0) if need_b else None
        return grad_x, grad_w, grad_b

    @staticmethod
    def weight_factors(x, g):
        """dW = G^T X as its two factors (batch dimensions folded into one)."""
        return _rows(g).T, _rows(x)

    # ae.compile may fuse the weight's and the bias's gradients with a plain SGD update
    # (compiler.py): the backward then runs without dW and db, and the methods named here,
    # by argument, apply W -= lr G^T X (kernels.matmul_sub_: one pass at batch 1, one BLAS
    # call above) and b -= lr (sum of G's rows) (kernels.sum_sub_) without making them.
    sgd_updates: ClassVar[dict[int, str]] = {1: "sgd_update", 2: "sgd_update_bias"}

    @staticmethod
    def sgd_update(ctx, g, weight, lr):
        """weight -= lr G^T X without making dW."""
        x, _ = ctx.saved_tensors
        ae.kernels.matmul_sub_(weight, *_Linear.weight_factors(x, g), lr=lr)

    @staticmethod
    def sgd_update_bias(ctx, g, bias, lr):
        """bias -= lr (sum of G's rows) without making db."""
        ae.kernels.sum_sub_(bias, _rows(g), lr=lr)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x W^T + b for x of shape (..., in), W of shape (out, in) and b of shape (out,)."""
    return _Linear.apply(input, weight, bias)


# ----------------------------------------------------------------------------- activations
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(0, x). `inplace` is accepted for PyTorch compatibility; the result is always new."""
    return ae.relu(input)


def sigmoid(input: Tensor) -> Tensor:
    """sigma(x) = 1 / (1 + e^-x)."""
    return ae.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    return ae.tanh(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """max(negative_slope x, x) for 0 <= negative_slope <= 1."""
    return ae.leaky_relu(input, negative_slope)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha (e^x - 1) otherwise."""
    return ae.elu(input, alpha)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(beta x)) / beta, and x itself where beta x > threshold (as PyTorch)."""
    scaled = input if beta == 1 else input * beta
    smooth = ae.softplus(scaled) if beta == 1 else ae.softplus(scaled) / beta
    return ae.where(scaled.detach() > threshold, input, smooth)


def _softmax_dim(dim: int | None, ndim: int) -> int:
    """PyTorch's legacy choice when no dim is given: 0 for 0-, 1- and 3-D inputs, else 1."""
    if dim is not None:
        return dim
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None) -> Tensor:
    """e^x_i / sum_j e^x_j along `dim`."""
    return ae.softmax(input, dim=_softmax_dim(dim, input.ndim))


def log_softmax(input: Tensor, dim: int | None = None) -> Tensor:
    """x_i - log sum_j e^x_j along `dim`, finite where log(softmax(x)) would underflow."""
    return ae.log_softmax(input, dim=_softmax_dim(dim, input.ndim))


def maxout(input: Tensor, weight: Tensor, bias: Tensor | None, pieces: int) -> Tensor:
    """max_k (W_k x + b_k): `weight` stacks the k affine maps, shape (out * pieces, in)."""
    z = linear(input, weight, bias)
    z = z.reshape(*z.shape[:-1], z.shape[-1] // pieces, pieces)
    return z.max(dim=-1).values  # the gradient reaches the chosen piece, as PyTorch's


# ----------------------------------------------------------------------------- regularisation
def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Inverted dropout: zero each element with probability p and scale the rest by 1/(1-p),
    so that nothing changes at evaluation time. The mask comes from the engine's seeded
    generator (`ae.manual_seed`)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability must be in [0, 1], got {p}")
    return ae.dropout(input, p, training)


# ----------------------------------------------------------------------------- normalisation
@ae.compiler.disable  # in place: a compiled step calls it again with each batch's statistics
def _update_running_stats(
    running_mean: Tensor,
    running_var: Tensor,
    mean: Tensor,
    var: Tensor,
    momentum: float,
    count: int,
) -> None:
    """r <- (1 - momentum) r + momentum * s for the batch mean and the unbiased variance."""
    with ae.no_grad():
        running_mean.mul_(1.0 - momentum).add_(momentum * mean.numpy().reshape(-1))
        unbiased = var.numpy().reshape(-1) * (count / (count - 1))
        running_var.mul_(1.0 - momentum).add_(momentum * unbiased)


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """y = (x - mu) / sqrt(sigma^2 + eps) * gamma + beta per channel (dimension 1).

    In training, mu and sigma^2 (biased) come from the batch, and the running statistics are
    updated in place: r <- (1 - momentum) r + momentum * s, with the unbiased variance as
    PyTorch. Otherwise the running statistics are used.
    """
    if input.ndim < 2:
        raise ae.ShapeError(
            f"batch_norm: expected an input (N, C, *spatial) with at least 2 dimensions, got "
            f"shape {tuple(input.shape)}"
        )
    _check_dtype("batch_norm", input, weight, bias, running_mean)
    axes = (0, *range(2, input.ndim))
    shape = (1, input.shape[1]) + (1,) * (input.ndim - 2)
    if training or running_mean is None:
        count = math.prod(input.shape[a] for a in axes)
        if training and count <= 1:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, got input "
                f"of shape {tuple(input.shape)}"
            )
        mean = input.mean(dim=axes, keepdim=True)
        centred = input - mean
        var = (centred * centred).mean(dim=axes, keepdim=True)
        if training and running_mean is not None:
            _update_running_stats(running_mean, running_var, mean, var, momentum, count)
    else:
        centred = input - running_mean.reshape(shape)
        var = running_var.reshape(shape)
    out = centred / ae.sqrt(var + eps)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def layer_norm(
    input: Tensor,
    normalized_shape: int | tuple[int, ...],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the trailing `normalized_shape` dimensions of each sample (biased
    variance), then scale by gamma and shift by beta elementwise."""
    dims = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(dims) :]) != dims:
        raise ae.ShapeError(
            f"layer_norm: the input's trailing dimensions {tuple(input.shape)} do not match "
            f"normalized_shape {dims}"
        )
    _check_dtype("layer_norm", input, weight, bias)
    axes = tuple(range(input.ndim - len(dims), input.ndim))
    centred = input - input.mean(dim=axes, keepdim=True)
    var = (centred * centred).mean(dim=axes, keepdim=True)
    out = centred / ae.sqrt(var + eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


# ----------------------------------------------------------------------------- PyTorch names
_SQRT_HALF = math.sqrt(0.5)
_SQRT_TWO_OVER_PI = math.sqrt(2.0 / math.pi)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x Phi(x) with Phi the standard normal CDF: 0.5 x (1 + erf(x / sqrt 2)); with
    approximate="tanh", 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    if approximate == "none":
        return 0.5 * input * (1.0 + ae.erf(input * _SQRT_HALF))
    if approximate == "tanh":
        inner = _SQRT_TWO_OVER_PI * (input + 0.044715 * input * input * input)
        return 0.5 * input * (1.0 + ae.tanh(inner))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x sigma(x) (the swish). `inplace` is accepted for PyTorch compatibility."""
    return input * ae.sigmoid(input)


def _vector_norm(input: Tensor, p: float, dim: int | tuple[int, ...]) -> Tensor:
    """(sum |x|^p)^(1/p) along `dim`, kept; its gradient is 0 (not NaN) at a zero vector."""
    if p == 2:
        total = (input * input).sum(axis=dim, keepdims=True)
    else:
        total = (ae.abs(input) ** p).sum(axis=dim, keepdims=True)
    nonzero = total.numpy() > 0
    safe = ae.where(nonzero, total, 1.0)
    root = ae.sqrt(safe) if p == 2 else safe ** (1.0 / p)
    return ae.where(nonzero, root, 0.0)


def normalize(
    input: Tensor, p: float = 2.0, dim: int | tuple[int, ...] = 1, eps: float = 1e-12
) -> Tensor:
    """x / max(||x||_p, eps) along `dim`: unit vectors (zero vectors stay zero)."""
    return input / ae.maximum(_vector_norm(input, p, dim), eps)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1 * x2) / (max(||x1||, eps) max(||x2||, eps)) along `dim` (inputs broadcast), each
    normalised first. As PyTorch, a norm raised to eps keeps the norm's derivative."""
    shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))

    def unit(x: Tensor) -> Tensor:
        norm = _vector_norm(ae.broadcast_to(x, shape), 2, dim)
        value = norm.numpy()
        return x / (norm + (np.maximum(value, eps) - value))

    return (unit(x1) * unit(x2)).sum(axis=dim)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices of shape (...) to int64 one-hot rows of shape (..., num_classes);
    num_classes=-1 takes the largest index + 1."""
    labels = tensor.numpy() if isinstance(tensor, Tensor) else np.asarray(tensor)
    if labels.dtype.kind not in "iu":
        raise ae.DTypeError(
            f"one_hot: expected an integer (class index) tensor, got dtype {labels.dtype}; "
            "convert it with .long()"
        )
    if num_classes == -1:
        if labels.size == 0:
            raise ValueError("one_hot: cannot infer num_classes from an empty tensor; pass it")
        num_classes = int(labels.max()) + 1
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ae.IndexOutOfRangeError(
            f"one_hot: class values must be in [0, {num_classes}), got values from "
            f"{labels.min()} to {labels.max()}"
        )
    out = np.zeros((*labels.shape, num_classes), dtype=np.int64)
    np.put_along_axis(out, labels[..., None].astype(np.int64), 1, axis=-1)
    return ae.tensor(out)


def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """x clipped to [min_val, max_val]."""
    return ae.clamp(input, min_val, max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(0, x), 6)."""
    return ae.clamp(input, 0.0, 6.0)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6: a piecewise-linear sigmoid."""
    return relu6(input + 3.0) / 6.0


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x relu6(x + 3) / 6 (MobileNetV3)."""
    return input * hardsigmoid(input)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x tanh(softplus(x))."""
    return input * ae.tanh(ae.softplus(input))


def logsigmoid(input: Tensor) -> Tensor:
    """log sigma(x) = -softplus(-x), finite for any x."""
    return -ae.softplus(-input)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants of Klambauer et al. (2017)."""
    return _SELU_SCALE * ae.elu(input, _SELU_ALPHA)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha (e^(x / alpha) - 1)) = alpha elu(x / alpha)."""
    return alpha * ae.elu(input / alpha) if alpha != 1.0 else ae.elu(input)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return input / (1.0 + ae.abs(input))


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x)."""
    return input - ae.tanh(input)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a sigma(b) with a and b the two halves of the input along `dim` (gated linear unit)."""
    n = input.shape[dim]
    if n % 2:
        raise ae.ShapeError(
            f"glu: dimension {dim} of the input (shape {tuple(input.shape)}) must have an even "
            "size, to split it into halves"
        )
    before = (slice(None),) * (dim % input.ndim)
    a = input[(*before, slice(0, n // 2))]
    b = input[(*before, slice(n // 2, n))]
    return a * ae.sigmoid(b)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """max(0, x) + a min(0, x) with a learned slope a: one for all channels, or one per
    channel (dimension 1)."""
    if weight.numel() != 1:
        channels = input.shape[1] if input.ndim >= 2 else input.shape[0]
        if weight.numel() != channels:
            raise ae.ShapeError(
                f"prelu: {weight.numel()} slopes for {channels} channels (input shape "
                f"{tuple(input.shape)}); give one slope or one per channel"
            )
        if input.ndim >= 2:
            weight = weight.reshape(channels, *(1,) * (input.ndim - 2))
    return ae.relu(input) - weight * ae.relu(-input)


from .huber import huber_loss, smooth_l1_loss  # noqa: E402
from .sampling import interpolate, pad, upsample  # noqa: E402

__all__ += [
    "celu",
    "cosine_similarity",
    "gelu",
    "glu",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "huber_loss",
    "interpolate",
    "logsigmoid",
    "mish",
    "normalize",
    "one_hot",
    "pad",
    "prelu",
    "relu6",
    "selu",
    "silu",
    "smooth_l1_loss",
    "softsign",
    "tanhshrink",
    "upsample",
]


# ----------------------------------------------------------------------------- convolutions
def dropout2d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Channel dropout for (N, C, H, W) or (C, H, W): zero whole channels with probability p
    and scale the others by 1/(1-p); the identity when not training."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout2d probability must be in [0, 1], got {p}")
    if input.ndim not in (3, 4):
        raise ae.ShapeError(
            f"dropout2d: expected an input (N, C, H, W) or (C, H, W), got shape "
            f"{tuple(input.shape)}"
        )
    if not training or p == 0.0:
        return input
    keep = ae.random.generator().random((*input.shape[:-2], 1, 1)) >= p
    scale = 0.0 if p == 1.0 else 1.0 / (1.0 - p)
    return input * (keep * scale).astype(input.dtype)


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """The rows of weight (num_embeddings, dim) at the integer indices `input` (any shape);
    the row padding_idx (if given) receives no gradient."""
    idx = input.numpy() if isinstance(input, Tensor) else np.asarray(input)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got dtype {idx.dtype}")
    n = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ae.IndexOutOfRangeError(
            f"embedding: indices must lie in [0, {n - 1}] for a weight of {n} rows, got min "
            f"{idx.min()} and max {idx.max()}"
        )
    out = weight[idx]
    if padding_idx is not None:
        padding_idx %= n
        keep = ae.tensor((idx != padding_idx)[..., None])
        out = ae.where(keep, out, weight.detach()[padding_idx])
    return out


__all__ += [
    "dropout2d",
    "embedding",
]


# The convolution and pooling ops are the core's (`F.conv2d is ae.ops.conv2d`); they, and the
# attention functions, load on first use.
_LAZY = {
    "autograd_engine.ops.conv": ("conv1d", "conv2d", "conv_transpose2d"),
    "autograd_engine.ops.pool": (
        "adaptive_avg_pool2d",
        "avg_pool2d",
        "max_pool1d",
        "max_pool2d",
    ),
    "nn.attention": ("multi_head_attention_forward", "scaled_dot_product_attention"),
}
__getattr__, __dir__ = lazy.exports(__name__, _LAZY)
__all__ += [name for names in _LAZY.values() for name in names]
