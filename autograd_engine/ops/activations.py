"""Activation functions, backed by the fused kernels.

Each backward has two forms side by side: the fused kernel on arrays, used in the ordinary
first-order backward (no graph is being recorded), and the same derivative written with Tensor
operations, used under `create_graph=True` so that it can be differentiated again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels as K
from ..grad_mode import STATE
from ..tensor import Tensor
from ._util import Primitive, as_tensor
from .elementwise import exp, minimum, where


class Sigmoid(Primitive):
    name = "sigmoid"
    symbol = "σ"

    @staticmethod
    def forward(ctx, x):
        y = K.sigmoid(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        if not STATE.grad_enabled:
            return K.sigmoid_backward(y, g)
        return g * y * (1 - y)  # sigma' = sigma (1 - sigma), at most 1/4

    @staticmethod
    def jvp(ctx, t):
        y = ctx.output
        return t * y * (1 - y)


class Tanh(Primitive):
    name = "tanh"

    @staticmethod
    def forward(ctx, x):
        y = K.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        if not STATE.grad_enabled:
            return K.tanh_backward(y, g)
        return g * (1 - y * y)  # tanh' = 1 - tanh^2

    @staticmethod
    def jvp(ctx, t):
        y = ctx.output
        return t * (1 - y * y)


class ReLU(Primitive):
    name = "relu"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return K.relu(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        if not STATE.grad_enabled:
            return K.relu_backward(x, g)
        return g * (x._data > 0).astype(g.dtype)  # relu' = 1 for x > 0, else 0

    @staticmethod
    def jvp(ctx, t):
        return t * (ctx.inputs[0] > 0)


class LeakyReLU(Primitive):
    name = "leaky_relu"

    @staticmethod
    def forward(ctx, x, slope):
        ctx.save_for_backward(x)
        ctx.slope = slope
        return K.leaky_relu(x, slope)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        if not STATE.grad_enabled:
            return K.leaky_relu_backward(x, g, ctx.slope), None
        return g * np.where(x._data > 0, 1, ctx.slope).astype(g.dtype), None

    @staticmethod
    def jvp(ctx, t, _slope):
        return t * np.where(ctx.inputs[0] > 0, 1.0, ctx.slope)


class ELU(Primitive):
    name = "elu"

    @staticmethod
    def forward(ctx, x, alpha):
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        return K.elu(x, alpha)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        if not STATE.grad_enabled:
            return K.elu_backward(x, g, ctx.alpha), None
        # elu' = 1 for x > 0, alpha exp(x) otherwise (exp only sees x <= 0: no overflow)
        slope = where(x._data > 0, 1.0, ctx.alpha * exp(minimum(x, 0.0)))
        return g * slope, None

    @staticmethod
    def jvp(ctx, t, _alpha):
        x = ctx.inputs[0]
        return t * np.where(x > 0, 1.0, ctx.alpha * np.exp(np.minimum(x, 0.0)))


class Softplus(Primitive):
    name = "softplus"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return K.softplus(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        if not STATE.grad_enabled:
            return K.softplus_backward(x, g)
        return g * sigmoid(x)  # d log(1 + e^x) / dx = sigma(x)

    @staticmethod
    def jvp(ctx, t):
        return t * K.sigmoid(ctx.inputs[0])


def sigmoid(x: Any) -> Tensor:
    """sigma(x) = 1 / (1 + exp(-x)), finite for any x."""
    return Sigmoid.apply(as_tensor(x))


def tanh(x: Any) -> Tensor:
    return Tanh.apply(as_tensor(x))


def relu(x: Any) -> Tensor:
    """max(x, 0)."""
    return ReLU.apply(as_tensor(x))


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, negative_slope * x otherwise."""
    return LeakyReLU.apply(as_tensor(x), float(negative_slope))


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """x for x > 0, alpha (exp(x) - 1) otherwise."""
    return ELU.apply(as_tensor(x), float(alpha))


def softplus(x: Any) -> Tensor:
    """log(1 + exp(x)), a smooth ReLU."""
    return Softplus.apply(as_tensor(x))
