"""Reductions along axes: sum, max, min, log-sum-exp, softmax, and what is built from them.

`axis` is an int, a tuple of ints or None (all axes); `keepdims` keeps reduced axes as size 1,
as in NumPy. mean, var and std are compositions of primitives, so their gradients come for free.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import kernels as K
from ..tensor import Tensor
from ._util import Primitive, as_tensor, broadcast_array, keepdims_shape, normalize_axis
from .elementwise import Exp, sqrt

Axis = int | tuple[int, ...] | None


class SumBackward(Primitive):
    """A reduced gradient spread back over the reduced axes: the backward of a sum."""

    name = "sum_backward"

    @staticmethod
    def forward(ctx, g, shape, axes):
        ctx.axes = axes
        return broadcast_array(g.reshape(keepdims_shape(shape, axes)), shape)

    @staticmethod
    def backward(ctx, gg):
        (shape, _) = ctx.input_meta[0]
        return Sum.call(gg, ctx.axes, True).reshape(shape), None, None


class Sum(Primitive):
    name = "sum"
    symbol = "Σ"

    @staticmethod
    def forward(ctx, x, axes, keepdims):
        ctx.axes = axes
        return x.sum(axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        (shape, _) = ctx.input_meta[0]
        if keepdims_shape(shape, ctx.axes) == shape:  # only axes of size 1 were summed
            return g.reshape(shape), None, None
        return SumBackward.call(g, shape, ctx.axes), None, None  # d sum = 1 for every element


class _Extreme(Primitive):
    """max / min along axes; the gradient is shared evenly among tied extreme elements."""

    reduce = staticmethod(np.max)

    @classmethod
    def forward(cls, ctx, x, axes, keepdims):
        if x.size == 0:
            raise ValueError(f"{cls.name} of an empty tensor is not defined")
        out = cls.reduce(x, axis=axes, keepdims=True)
        hits = x == out
        ctx.weights = hits / hits.sum(axis=axes, keepdims=True).astype(x.dtype)
        ctx.shape, ctx.axes = x.shape, axes
        return out if keepdims else np.squeeze(out, axis=axes)

    @staticmethod
    def backward(ctx, g):
        return SumBackward.call(g, ctx.shape, ctx.axes) * ctx.weights, None, None


class Max(_Extreme):
    name = "max"


class Min(_Extreme):
    name = "min"
    reduce = staticmethod(np.min)


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


def _one_axis(axis: int, ndim: int) -> int:
    return normalize_axis(axis, ndim)[0]


def sum(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    x = as_tensor(x)
    return Sum.apply(x, normalize_axis(axis, x.ndim), keepdims)


def mean(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    x = as_tensor(x)
    axes = normalize_axis(axis, x.ndim)
    count = math.prod(x.shape[a] for a in axes)
    return Sum.apply(x, axes, keepdims) * (1.0 / count if count else math.nan)


def max(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    x = as_tensor(x)
    return Max.apply(x, normalize_axis(axis, x.ndim), keepdims)


def min(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    x = as_tensor(x)
    return Min.apply(x, normalize_axis(axis, x.ndim), keepdims)


def var(x: Any, axis: Axis = None, keepdims: bool = False, correction: int = 1) -> Tensor:
    """Variance sum((x - mean)^2) / (n - correction); correction=1 is unbiased, as PyTorch."""
    x = as_tensor(x)
    axes = normalize_axis(axis, x.ndim)
    count = math.prod(x.shape[a] for a in axes)
    centred = x - mean(x, axes, keepdims=True)
    denom = count - correction
    return sum(centred * centred, axes, keepdims) * (1.0 / denom if denom > 0 else math.inf)


def std(x: Any, axis: Axis = None, keepdims: bool = False, correction: int = 1) -> Tensor:
    return sqrt(var(x, axis, keepdims, correction))


def logsumexp(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """log(sum(exp(x))) computed as m + log(sum(exp(x - m))): finite for huge inputs."""
    x = as_tensor(x)
    return LogSumExp.apply(x, normalize_axis(axis, x.ndim), keepdims)


def softmax(x: Any, axis: int = -1) -> Tensor:
    """exp(x_i) / sum_j exp(x_j) along one axis; softmax(0, 10) = (0.00005, 0.99995)."""
    x = as_tensor(x)
    return Softmax.apply(x, _one_axis(axis, x.ndim))


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    """x - logsumexp(x): the log-probabilities, stable where log(softmax(x)) underflows."""
    x = as_tensor(x)
    return LogSoftmax.apply(x, _one_axis(axis, x.ndim))


def softmax_backward(grad_output: Any, output: Any, dim: int) -> Tensor:
    """The gradient of softmax from its output, y (g - sum(g y)) along `dim`: softmax's
    backward as a differentiable op (torch's _softmax_backward_data)."""
    grad_output, output = as_tensor(grad_output), as_tensor(output)
    return SoftmaxBackward.apply(grad_output, output, _one_axis(dim, output.ndim))


def log_softmax_backward(grad_output: Any, output: Any, dim: int) -> Tensor:
    """The gradient of log_softmax from its output, g - exp(y) sum(g) along `dim`, as a
    differentiable op (torch's _log_softmax_backward_data)."""
    grad_output, output = as_tensor(grad_output), as_tensor(output)
    return LogSoftmaxBackward.apply(grad_output, output, _one_axis(dim, output.ndim))
