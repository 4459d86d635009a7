"""Reductions along axes: sum, max, min, log-sum-exp, softmax, and what is built from them.

`axis` is an int, a tuple of ints or None (all axes); `keepdims` keeps reduced axes as size 1,
as in NumPy. mean, var and std are compositions of primitives, so their gradients come for free.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import kernels as K
from ..grad_mode import STATE
from ..tensor import Tensor
from ._util import Primitive, as_tensor, broadcast_array, keepdims_shape, normalize_axis, xp
from .elementwise import exp, sqrt
from .shape import BroadcastTo, Reshape

Axis = int | tuple[int, ...] | None


def _spread(g: Any, shape: tuple[int, ...], axes: tuple[int, ...]) -> Any:
    """Broadcast a reduced gradient back over the reduced axes (the backward of a sum)."""
    kept = keepdims_shape(shape, axes)
    if isinstance(g, np.ndarray):
        return broadcast_array(g.reshape(kept), shape)
    if g.shape != kept:
        g = Reshape.apply(g, kept)
    return g if kept == shape else BroadcastTo.apply(g, shape)


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
        return _spread(g, shape, ctx.axes), None, None  # d sum = 1 for every element

    @staticmethod
    def jvp(ctx, t, _axes, _keepdims):
        return t.sum(axis=ctx.axes, keepdims=ctx.inputs[2])


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
        return _spread(g, ctx.shape, ctx.axes) * ctx.weights, None, None

    @staticmethod
    def jvp(ctx, t, _axes, _keepdims):
        return (t * ctx.weights).sum(axis=ctx.axes, keepdims=ctx.inputs[2])


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
        return _spread(g, ctx.shape, ctx.axes) * xp(g).exp(x - out), None, None

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
        if not STATE.grad_enabled:
            return K.softmax_backward(y, g, ctx.axis), None
        # J^T g = y * (g - sum(g * y))
        return y * (g - sum(g * y, axis=ctx.axis, keepdims=True)), None

    @staticmethod
    def jvp(ctx, t, _axis):
        y = ctx.output
        return y * (t - (y * t).sum(axis=ctx.axis, keepdims=True))


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
        if not STATE.grad_enabled:
            return K.log_softmax_backward(y, g, ctx.axis), None
        # J^T g = g - softmax(x) * sum(g)
        return g - exp(y) * sum(g, axis=ctx.axis, keepdims=True), None

    @staticmethod
    def jvp(ctx, t, _axis):
        p = np.exp(ctx.output)
        return t - (p * t).sum(axis=ctx.axis, keepdims=True)


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
