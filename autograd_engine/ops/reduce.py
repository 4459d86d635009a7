"""Reductions along dims: sum, prod, max, min, log-sum-exp, softmax, sorting and selection.

PyTorch's calling conventions: `dim` is an int, a tuple of ints or None (all dims), `keepdim`
keeps reduced dims as size 1; NumPy's `axis=` / `keepdims=` are accepted as aliases. `max` /
`min` along a dim, `sort`, `topk`, `median`, `mode` and `kthvalue` return `(values, indices)`;
the values take their gradient through `gather`, so it reaches the selected elements.
mean, var, std, norm are compositions of primitives, so their gradients come for free.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from .. import kernels as K
from ..errors import ArgumentValueError, EmptyReductionError, IndexOutOfRangeError
from ..tensor import Tensor
from ._util import (
    Primitive,
    as_tensor,
    broadcast_array,
    check_dim,
    keepdims_shape,
    normalize_axis,
    pick_alias,
    value,
)
from .elementwise import Exp, Where, abs, maximum, minimum, pow, sqrt, where
from .indexing import Gather
from .shape import squeeze

Axis = int | tuple[int, ...] | None


_HALF = np.dtype(np.float16)  # sums of float16 accumulate in float32


def _spread(g: np.ndarray, shape: tuple, axes: Any) -> np.ndarray:
    """g, reduced over `axes` of `shape`, broadcast back to `shape` (a read-only view)."""
    return broadcast_array(g.reshape(keepdims_shape(shape, axes)), shape)


class SumBackward(Primitive):
    """A reduced gradient spread back over the reduced axes: the backward of a sum."""

    name = "sum_backward"
    on_arrays = staticmethod(_spread)  # first-order backward: no context to fill

    @staticmethod
    def forward(ctx, g, shape, axes):
        ctx.axes = axes
        return _spread(g, shape, axes)

    @staticmethod
    def backward(ctx, gg):
        (shape, _) = ctx.input_meta[0]
        return Sum.call(gg, ctx.axes, True).reshape(shape), None, None


class Sum(Primitive):
    name = "sum"
    symbol = "Σ"
    fusable_total = True  # a sum over all dims can end a fused loop (fusion.py)

    @staticmethod
    def forward(ctx, x, axes, keepdims):
        ctx.axes = axes
        if x.dtype is _HALF:  # accumulated in float32, as PyTorch does
            return x.sum(axis=axes, keepdims=keepdims, dtype=np.float32).astype(_HALF)
        return x.sum(axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        (shape, _) = ctx.input_meta[0]
        if keepdims_shape(shape, ctx.axes) == shape:  # only axes of size 1 were summed
            return g.reshape(shape), None, None
        return SumBackward.call(g, shape, ctx.axes), None, None  # d sum = 1 for every element

    @staticmethod
    def jvp(ctx, t, _axes, _keepdims):
        return t.sum(axis=ctx.axes, keepdims=ctx.inputs[2])


class _Extreme(Primitive):
    """amax / amin over dims; the gradient is shared evenly among tied extreme elements."""

    reduce = staticmethod(np.max)

    @classmethod
    def forward(cls, ctx, x, axes, keepdims):
        _check_not_empty(cls.name, x.shape, axes)
        out = cls.reduce(x, axis=axes, keepdims=True)
        hits = x == out
        ctx.weights = hits / hits.sum(axis=axes, keepdims=True).astype(x.dtype)
        ctx.shape, ctx.axes = x.shape, axes
        return out if keepdims else np.squeeze(out, axis=axes)

    @staticmethod
    def backward(ctx, g):
        return SumBackward.call(g, ctx.shape, ctx.axes) * ctx.weights, None, None

    @staticmethod
    def jvp(ctx, t, _axes, _keepdims):
        return (t * ctx.weights).sum(axis=ctx.axes, keepdims=ctx.inputs[2])


def _check_not_empty(op: str, shape: tuple[int, ...], axes: tuple[int, ...]) -> None:
    """max, min and their kin have no value over zero elements."""
    empty = [a for a in axes if shape[a] == 0]
    if empty:
        raise EmptyReductionError(
            f"{op}: dim {empty[0]} of a tensor of shape {shape} has no elements to reduce; "
            "reduce over a non-empty dim"
        )


class Max(_Extreme):
    name = "amax"


class Min(_Extreme):
    name = "amin"
    reduce = staticmethod(np.min)


class Prod(Primitive):
    name = "prod"

    @staticmethod
    def forward(ctx, x, axes, keepdims):
        ctx.save_for_backward(x)
        ctx.shape, ctx.axes = x.shape, axes
        return np.prod(x, axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return SumBackward.call(g, ctx.shape, ctx.axes) * _others(x, ctx.axes), None, None

    @staticmethod
    def jvp(ctx, t, _axes, _keepdims):
        x, _, keepdims = ctx.inputs
        return (t * _others(x, ctx.axes)).sum(axis=ctx.axes, keepdims=keepdims)


def _others(x: Any, axes: tuple[int, ...]) -> Any:
    """d prod / dx_i, the product of the other elements of x's slice, without dividing by
    zero: with no zero in the slice it is prod / x_i; with one zero, the product of the
    non-zeros at the zero and 0 elsewhere; with two or more zeros, 0 everywhere."""
    zero = value(x) == 0
    zeros = zero.sum(axis=axes, keepdims=True)
    safe = Where.call(zero, 1.0, x)
    rest = Prod.call(safe, axes, True)
    return Where.call(zeros == 0, rest / safe, Where.call(zero & (zeros == 1), rest, 0.0))


class Cumsum(Primitive):
    name = "cumsum"

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        if x.dtype is _HALF:
            return np.cumsum(x, axis=axis, dtype=np.float32).astype(_HALF)
        return np.cumsum(x, axis=axis)

    @staticmethod
    def backward(ctx, g):
        # y_j = sum_{i <= j} x_i, so dL/dx_i = sum_{j >= i} g_j: a cumsum of g from the end.
        back = (slice(None),) * ctx.axis + (slice(None, None, -1),)
        return Cumsum.call(g[back], ctx.axis)[back], None

    @staticmethod
    def jvp(ctx, t, _axis):
        return np.cumsum(t, axis=ctx.axis)


class LogSumExp(Primitive):
    name = "logsumexp"

    @staticmethod
    def forward(ctx, x, axes, keepdims):
        if len(axes) == 1:
            out = K.logsumexp(x, axes[0], keepdims=True)
        else:  # the kernel reduces one axis; several (or none, for 0-d) go to NumPy
            out = K.reference.logsumexp(x, axes, keepdims=True)
        result = out if keepdims else np.squeeze(out, axis=axes)
        ctx.save_for_backward(x, result)  # the output itself, so create_graph sees lse(x)
        ctx.shape, ctx.axes = x.shape, axes
        return result

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        out = out.reshape(keepdims_shape(ctx.shape, ctx.axes))
        # d lse / dx_i = exp(x_i - lse) = softmax(x)_i
        return SumBackward.call(g, ctx.shape, ctx.axes) * Exp.call(x - out), None, None

    @staticmethod
    def jvp(ctx, t, _axes, _keepdims):
        x, axes, keepdims = ctx.inputs
        out = ctx.output if keepdims else np.expand_dims(ctx.output, axes)
        return (t * np.exp(x - out)).sum(axis=axes, keepdims=keepdims)


class Softmax(Primitive):
    name = "softmax"

    @staticmethod
    def forward(ctx, x, axis):
        y = K.softmax(x, axis)
        ctx.save_for_backward(y)
        ctx.axis = axis
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return SoftmaxBackward.call(g, y, ctx.axis), None

    @staticmethod
    def jvp(ctx, t, _axis):
        return SoftmaxBackward.call(t, ctx.output, ctx.axis)  # J is symmetric: J t = J^T t


class SoftmaxBackward(Primitive):
    """J^T g = y (g - sum(g y)) from the output y of softmax: its backward as an op."""

    name = "softmax_backward"

    @staticmethod
    def forward(ctx, g, y, axis):
        ctx.save_for_backward(g, y)
        ctx.axis = axis
        return K.softmax_backward(y, g, axis)

    @staticmethod
    def backward(ctx, gg):
        g, y = ctx.saved_tensors
        axes = (ctx.axis,)
        # linear in g with the same (symmetric) Jacobian; d/dy_k = gg_k (g_k - sum(g y)) -
        # g_k sum(gg y)
        grad_g = SoftmaxBackward.call(gg, y, ctx.axis)
        grad_y = gg * (g - Sum.call(g * y, axes, True)) - g * Sum.call(gg * y, axes, True)
        return grad_g, grad_y, None


class LogSoftmax(Primitive):
    name = "log_softmax"

    @staticmethod
    def forward(ctx, x, axis):
        y = K.log_softmax(x, axis)
        ctx.save_for_backward(y)
        ctx.axis = axis
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return LogSoftmaxBackward.call(g, y, ctx.axis), None

    @staticmethod
    def jvp(ctx, t, _axis):
        p = np.exp(ctx.output)  # J = I - 1 p^T, so J t = t - sum(p t)
        return t - (p * t).sum(axis=ctx.axis, keepdims=True)


class LogSoftmaxBackward(Primitive):
    """J^T g = g - softmax(x) sum(g) from the output y = log_softmax(x): its backward as an op."""

    name = "log_softmax_backward"

    @staticmethod
    def forward(ctx, g, y, axis):
        ctx.save_for_backward(g, y)
        ctx.axis = axis
        return K.log_softmax_backward(y, g, axis)

    @staticmethod
    def backward(ctx, gg):
        g, y = ctx.saved_tensors
        axes = (ctx.axis,)
        p = Exp.call(y)  # softmax(x)
        # d/dg_k = gg_k - sum(gg p);  d/dy_k = -gg_k p_k sum(g)
        grad_g = gg - Sum.call(gg * p, axes, True)
        grad_y = -gg * p * Sum.call(g, axes, True)
        return grad_g, grad_y, None


# --------------------------------------------------------------------------- public functions
class ValuesIndices(NamedTuple):
    """(values, indices), as PyTorch's torch.return_types: `v, i = x.max(1)` or `.indices`."""

    values: Tensor
    indices: Tensor


def _dims(op: str, x: Tensor, dim: Any, axis: Any) -> tuple[int, ...]:
    """The reduced dims; as in PyTorch (not NumPy), an empty tuple or list means all of them."""
    dims = dim if axis is None else pick_alias(op, "dim", dim, "axis", axis, None)
    if type(dims) in (tuple, list) and not dims:
        dims = None
    return normalize_axis(dims, x.ndim, op)


def _keep(op: str, keepdim: bool, keepdims: bool | None) -> bool:
    if keepdims is None:
        return bool(keepdim)
    return bool(pick_alias(op, "keepdim", keepdim, "keepdims", keepdims, False))


def _count(x: Tensor, axes: tuple[int, ...]) -> int:
    return math.prod(x.shape[a] for a in axes)


def sum(
    x: Any,
    dim: Axis = None,
    keepdim: bool = False,
    *,
    axis: Axis = None,
    keepdims: bool | None = None,
) -> Tensor:
    if dim is None and axis is None and keepdims is None and type(x) is Tensor:  # x.sum()
        return Sum.apply(x, tuple(range(x._data.ndim)), bool(keepdim))
    x = as_tensor(x)
    return Sum.apply(x, _dims("sum", x, dim, axis), _keep("sum", keepdim, keepdims))


def mean(
    x: Any,
    dim: Axis = None,
    keepdim: bool = False,
    *,
    axis: Axis = None,
    keepdims: bool | None = None,
) -> Tensor:
    x = as_tensor(x)
    axes = _dims("mean", x, dim, axis)
    count = _count(x, axes)
    return Sum.apply(x, axes, _keep("mean", keepdim, keepdims)) * (
        1.0 / count if count else math.nan
    )


def prod(
    x: Any,
    dim: Axis = None,
    keepdim: bool = False,
    *,
    axis: Axis = None,
    keepdims: bool | None = None,
) -> Tensor:
    """The product of the elements; its gradient (the product of the others) is exact at zeros."""
    x = as_tensor(x)
    return Prod.apply(x, _dims("prod", x, dim, axis), _keep("prod", keepdim, keepdims))


def amax(
    x: Any,
    dim: Axis = None,
    keepdim: bool = False,
    *,
    axis: Axis = None,
    keepdims: bool | None = None,
) -> Tensor:
    """The largest value over dims; tied maxima share the gradient evenly."""
    x = as_tensor(x)
    return Max.apply(x, _dims("amax", x, dim, axis), _keep("amax", keepdim, keepdims))


def amin(
    x: Any,
    dim: Axis = None,
    keepdim: bool = False,
    *,
    axis: Axis = None,
    keepdims: bool | None = None,
) -> Tensor:
    x = as_tensor(x)
    return Min.apply(x, _dims("amin", x, dim, axis), _keep("amin", keepdim, keepdims))


def _select(op: str, x: Tensor, axis: int, pick: Any, keepdim: bool | None) -> ValuesIndices:
    """values and int64 indices chosen along `axis` by pick(array, axis) -> indices (with the
    axis kept). keepdim=None keeps every picked index (sort, topk); a bool means one index per
    slice, squeezed unless keepdim."""
    if x.ndim == 0:  # PyTorch treats a 0-d tensor as one slice of one element
        out = _select(op, x.reshape(1), 0, pick, keepdim)
        return ValuesIndices(out.values.reshape(()), out.indices.reshape(()))
    if keepdim is not None:
        _check_not_empty(op, x.shape, (axis,))
    indices = np.asarray(pick(x._data, axis), dtype=np.int64)
    values = Gather.apply(x, axis, indices)
    indices = Tensor._make(indices, False, None)
    if keepdim is False:
        return ValuesIndices(squeeze(values, axis), squeeze(indices, axis))
    return ValuesIndices(values, indices)


def _nth(n: Any) -> Any:
    """pick for the n-th smallest along an axis (n may be a function of the axis length)."""

    def pick(a: np.ndarray, axis: int) -> np.ndarray:
        k = n(a.shape[axis]) if callable(n) else n
        order = np.argsort(a, axis=axis, kind="stable")
        return np.take(order, [k], axis=axis)

    return pick


def _extreme(op: str, x: Any, dim: Any, keepdim: bool, axis: Any, keepdims: Any) -> Any:
    if isinstance(dim, Tensor):  # max(a, b): the elementwise maximum, as torch.max(a, b)
        return (maximum if op == "max" else minimum)(x, dim)
    x = as_tensor(x)
    d = pick_alias(op, "dim", dim, "axis", axis, None)
    if d is None:
        return (Max if op == "max" else Min).apply(x, tuple(range(x.ndim)), False)
    arg = np.argmax if op == "max" else np.argmin
    return _select(
        op,
        x,
        check_dim(d, x.ndim, op),
        lambda a, ax: arg(a, axis=ax, keepdims=True),
        _keep(op, keepdim, keepdims),
    )


def max(
    x: Any,
    dim: Any = None,
    keepdim: bool = False,
    *,
    axis: Any = None,
    keepdims: bool | None = None,
) -> Any:
    """The largest value; along a dim, (values, indices) as torch.max; max(a, b) elementwise."""
    return _extreme("max", x, dim, keepdim, axis, keepdims)


def min(
    x: Any,
    dim: Any = None,
    keepdim: bool = False,
    *,
    axis: Any = None,
    keepdims: bool | None = None,
) -> Any:
    """The smallest value; along a dim, (values, indices) as torch.min; min(a, b) elementwise."""
    return _extreme("min", x, dim, keepdim, axis, keepdims)


def sort(x: Any, dim: int = -1, descending: bool = False, stable: bool = False) -> ValuesIndices:
    """Values sorted along dim and where they came from; ties keep their order."""
    x = as_tensor(x)

    def pick(a: np.ndarray, axis: int) -> np.ndarray:
        return np.argsort(-a if descending else a, axis=axis, kind="stable")

    return _select("sort", x, check_dim(dim, x.ndim, "sort"), pick, None)


def topk(x: Any, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> ValuesIndices:
    """The k largest (or smallest) values along dim, in order, and their indices."""
    x = as_tensor(x)
    axis = check_dim(dim, x.ndim, "topk")
    n = x.shape[axis] if x.ndim else 1
    if not 0 <= k <= n:
        raise IndexOutOfRangeError(f"topk: k={k} is out of range for dim {dim} of size {n}")

    def pick(a: np.ndarray, ax: int) -> np.ndarray:
        order = np.argsort(-a if largest else a, axis=ax, kind="stable")
        return np.take(order, range(k), axis=ax)

    return _select("topk", x, axis, pick, None)


def kthvalue(x: Any, k: int, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
    """The k-th smallest value (k from 1) along dim and its index."""
    x = as_tensor(x)
    axis = check_dim(dim, x.ndim, "kthvalue")
    n = x.shape[axis] if x.ndim else 1
    if not 1 <= k <= n:
        raise IndexOutOfRangeError(f"kthvalue: k={k} is out of range for dim {dim} of size {n}")
    return _select("kthvalue", x, axis, _nth(k - 1), keepdim)


def median(x: Any, dim: int | None = None, keepdim: bool = False) -> Any:
    """The middle value (the lower of the two middle ones for an even count, as PyTorch);
    along a dim, (values, indices). Without dim, tied medians share the gradient evenly."""
    x = as_tensor(x)
    if dim is None:
        if x._data.size == 0 and x._data.dtype.kind == "f":  # as torch: NaN, not an error
            return sum(x) * np.nan
        _check_not_empty("median", x.shape, tuple(range(x.ndim)))
        flat = np.sort(x._data, axis=None)
        m = flat[(flat.size - 1) // 2]
        hits = (x._data == m).astype(x.dtype)
        return sum(x * (hits / hits.sum()))
    return _select(
        "median", x, check_dim(dim, x.ndim, "median"), _nth(lambda n: (n - 1) // 2), keepdim
    )


def _mode_pick(a: np.ndarray, axis: int) -> np.ndarray:
    """The most frequent value of each slice (the smallest among equally frequent ones, as
    PyTorch), at the index of its last occurrence."""
    rows = np.moveaxis(a, axis, -1).reshape(-1, a.shape[axis])
    picked = np.empty(len(rows), dtype=np.int64)
    for r, row in enumerate(rows):
        values, counts = np.unique(row, return_counts=True)
        best = values[np.argmax(counts)]
        picked[r] = len(row) - 1 - np.argmax(row[::-1] == best)
    shape = np.moveaxis(a, axis, -1).shape[:-1]
    return np.expand_dims(picked.reshape(shape), axis)


def mode(x: Any, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
    """The most frequent value along dim and the index of its last occurrence."""
    x = as_tensor(x)
    return _select("mode", x, check_dim(dim, x.ndim, "mode"), _mode_pick, keepdim)


def _var_args(dim: Any, unbiased: Any, correction: Any) -> tuple[Any, float]:
    """PyTorch's var(dim, unbiased) and var(dim, correction=) forms; var(x, False) too."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return dim, correction


def var(
    x: Any,
    dim: Axis = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
    axis: Axis = None,
    keepdims: bool | None = None,
) -> Tensor:
    """Variance sum((x - mean)^2) / (n - correction); correction=1 (unbiased) by default."""
    x = as_tensor(x)
    dim, correction = _var_args(dim, unbiased, correction)
    axes = _dims("var", x, dim, axis)
    centred = x - mean(x, axes, keepdim=True)
    denom = _count(x, axes) - correction
    total = Sum.apply(centred * centred, axes, _keep("var", keepdim, keepdims))
    return total * (1.0 / denom if denom > 0 else math.inf)


def _sqrt_or_zero(v: Tensor) -> Tensor:
    """sqrt(v) whose gradient is 0 where v = 0 (PyTorch's for std and norm), not 1/0."""
    positive = v._data > 0
    return where(positive, sqrt(where(positive, v, 1.0)), 0.0)


def std(
    x: Any,
    dim: Axis = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
    axis: Axis = None,
    keepdims: bool | None = None,
) -> Tensor:
    """sqrt(var); where the spread is 0 the gradient is 0, as PyTorch's."""
    v = var(x, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims)
    return _sqrt_or_zero(v)


def norm(x: Any, p: float | str = "fro", dim: Axis = None, keepdim: bool = False) -> Tensor:
    """The vector p-norm over dims (all by default): p = 2 or 'fro', 1, inf, -inf or any
    other positive number. At a zero vector the 2-norm's gradient is 0, as PyTorch's."""
    x = as_tensor(x)
    axes = _dims("norm", x, dim, None)
    if p in ("fro", 2):
        return _sqrt_or_zero(Sum.apply(x * x, axes, keepdim))
    if p == math.inf:
        return Max.apply(abs(x), axes, keepdim)
    if p == -math.inf:
        return Min.apply(abs(x), axes, keepdim)
    if isinstance(p, str) or p <= 0:
        raise ArgumentValueError(
            f"norm: p={p!r} is not supported; use 'fro', 2, 1, inf, -inf or p > 0"
        )
    if p == 1:
        return Sum.apply(abs(x), axes, keepdim)
    return pow(Sum.apply(pow(abs(x), p), axes, keepdim), 1.0 / p)


def cumsum(x: Any, dim: int, *, axis: int | None = None) -> Tensor:
    """Running sums along dim: out[i] = x[0] + ... + x[i]."""
    x = as_tensor(x)
    d = check_dim(pick_alias("cumsum", "dim", dim, "axis", axis, None), x.ndim, "cumsum")
    if x.ndim == 0:
        return Cumsum.apply(x.reshape(1), 0).reshape(())
    return Cumsum.apply(x, d)


def logsumexp(
    x: Any,
    dim: Axis = None,
    keepdim: bool = False,
    *,
    axis: Axis = None,
    keepdims: bool | None = None,
) -> Tensor:
    """log(sum(exp(x))) computed as m + log(sum(exp(x - m))): finite for huge inputs; -inf
    over an empty dim (the log of an empty sum)."""
    x = as_tensor(x)
    axes = _dims("logsumexp", x, dim, axis)
    keep = _keep("logsumexp", keepdim, keepdims)
    if x.ndim and _count(x, axes) == 0:
        return Sum.apply(x, axes, keep) - math.inf
    return LogSumExp.apply(x, axes, keep)


def _softmax_dim(op: str, x: Tensor, dim: Any, axis: Any) -> int:
    return check_dim(pick_alias(op, "dim", dim, "axis", axis, -1), x.ndim, op)


def softmax(x: Any, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """exp(x_i) / sum_j exp(x_j) along dim (the last by default); softmax(0, 10) = (0.00005,
    0.99995)."""
    x = as_tensor(x)
    d = _softmax_dim("softmax", x, dim, axis)
    if x.ndim == 0 or x.numel() == 0:  # one element (softmax 1) or none (an empty result)
        return Softmax.apply(x.reshape(1), 0).reshape(()) if x.ndim == 0 else x * 1.0
    return Softmax.apply(x, d)


def log_softmax(x: Any, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """x - logsumexp(x): the log-probabilities, stable where log(softmax(x)) underflows."""
    x = as_tensor(x)
    d = _softmax_dim("log_softmax", x, dim, axis)
    if x.ndim == 0 or x.numel() == 0:
        return LogSoftmax.apply(x.reshape(1), 0).reshape(()) if x.ndim == 0 else x * 1.0
    return LogSoftmax.apply(x, d)


def softmax_backward(grad_output: Any, output: Any, dim: int) -> Tensor:
    """The gradient of softmax from its output, y (g - sum(g y)) along `dim`: softmax's
    backward as a differentiable op (torch's _softmax_backward_data)."""
    grad_output, output = as_tensor(grad_output), as_tensor(output)
    return SoftmaxBackward.apply(
        grad_output, output, check_dim(dim, output.ndim, "softmax_backward")
    )


def log_softmax_backward(grad_output: Any, output: Any, dim: int) -> Tensor:
    """The gradient of log_softmax from its output, g - exp(y) sum(g) along `dim`, as a
    differentiable op (torch's _log_softmax_backward_data)."""
    grad_output, output = as_tensor(grad_output), as_tensor(output)
    return LogSoftmaxBackward.apply(
        grad_output, output, check_dim(dim, output.ndim, "softmax_backward")
    )
