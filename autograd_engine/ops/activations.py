"""Activation functions, backed by the fused kernels.

Each activation's backward is an op of its own (`SigmoidBackward`, ...), as in PyTorch: its
forward is the fused kernel, which the first-order backward runs on arrays, and its own
backward, written once with ops, is what `create_graph=True` differentiates.
"""

from __future__ import annotations

from typing import Any

from .. import kernels as K
from ..tensor import Tensor
from ._util import Primitive, as_tensor, same_shape
from .elementwise import Where


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
        return SigmoidBackward.call(g, y)

    @staticmethod
    def jvp(ctx, t):
        return SigmoidBackward.call(t, ctx.output)  # elementwise: J t = J^T t


class SigmoidBackward(Primitive):
    """g sigma'(x) = g y (1 - y) from the output y = sigma(x)."""

    name = "sigmoid_backward"

    @staticmethod
    def forward(ctx, g, y):
        ctx.save_for_backward(g, y)
        return K.sigmoid_backward(y, g)

    @staticmethod
    def backward(ctx, gg):
        g, y = ctx.saved_tensors
        # linear in g;  d/dy [g y (1 - y)] = g (1 - 2y)
        return SigmoidBackward.call(gg, y), gg * g * (1 - 2 * y)


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
        return TanhBackward.call(g, y)

    @staticmethod
    def jvp(ctx, t):
        return TanhBackward.call(t, ctx.output)


class TanhBackward(Primitive):
    """g tanh'(x) = g (1 - y^2) from the output y = tanh(x)."""

    name = "tanh_backward"

    @staticmethod
    def forward(ctx, g, y):
        ctx.save_for_backward(g, y)
        return K.tanh_backward(y, g)

    @staticmethod
    def backward(ctx, gg):
        g, y = ctx.saved_tensors
        # linear in g;  d/dy [g (1 - y^2)] = -2 g y
        return TanhBackward.call(gg, y), -2 * gg * g * y


class ReLU(Primitive):
    name = "relu"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return K.relu(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return ReLUBackward.call(g, x)

    @staticmethod
    def jvp(ctx, t):
        return ReLUBackward.call(t, ctx.inputs[0])


class ReLUBackward(Primitive):
    """g where x > 0, else 0 (0 at the kink; g where x is NaN, as PyTorch)."""

    name = "relu_backward"
    on_arrays = staticmethod(lambda g, x: K.relu_backward(x, g))  # first-order backward

    @staticmethod
    def forward(ctx, g, x):
        ctx.save_for_backward(x)
        return K.relu_backward(x, g)

    @staticmethod
    def backward(ctx, gg):
        (x,) = ctx.saved_tensors
        return ReLUBackward.call(gg, x), None  # linear in g; piecewise constant in x


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
        return LeakyReLUBackward.call(g, x, ctx.slope), None

    @staticmethod
    def jvp(ctx, t, _slope):
        return LeakyReLUBackward.call(t, ctx.inputs[0], ctx.slope)


class LeakyReLUBackward(Primitive):
    """g where x > 0, else slope g."""

    name = "leaky_relu_backward"

    @staticmethod
    def forward(ctx, g, x, slope):
        ctx.save_for_backward(x)
        ctx.slope = slope
        return K.leaky_relu_backward(x, g, slope)

    @staticmethod
    def backward(ctx, gg):
        (x,) = ctx.saved_tensors
        return LeakyReLUBackward.call(gg, x, ctx.slope), None, None


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
        return ELUBackward.call(g, x, ctx.alpha), None

    @staticmethod
    def jvp(ctx, t, _alpha):
        return ELUBackward.call(t, ctx.inputs[0], ctx.alpha)


class ELUBackward(Primitive):
    """g where x > 0, else g alpha exp(x)."""

    name = "elu_backward"

    @staticmethod
    def forward(ctx, g, x, alpha):
        ctx.save_for_backward(g, x)
        ctx.alpha = alpha
        return K.elu_backward(x, g, alpha)

    @staticmethod
    def backward(ctx, gg):
        g, x = ctx.saved_tensors
        # linear in g;  d/dx = g alpha exp(x) for x <= 0 (the same kernel, masked), 0 above
        grad_x = Where.call(x > 0, 0.0, ELUBackward.call(gg * g, x, ctx.alpha))
        return ELUBackward.call(gg, x, ctx.alpha), grad_x, None


class Softplus(Primitive):
    name = "softplus"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return K.softplus(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return SoftplusBackward.call(g, x)

    @staticmethod
    def jvp(ctx, t):
        return SoftplusBackward.call(t, ctx.inputs[0])


class SoftplusBackward(Primitive):
    """g sigma(x), the derivative of log(1 + e^x)."""

    name = "softplus_backward"

    @staticmethod
    def forward(ctx, g, x):
        ctx.save_for_backward(g, x)
        return K.softplus_backward(x, g)

    @staticmethod
    def backward(ctx, gg):
        g, x = ctx.saved_tensors
        # linear in g;  d/dx [g sigma(x)] = g sigma'(x)
        return SoftplusBackward.call(gg, x), SigmoidBackward.call(gg * g, Sigmoid.call(x))


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


# The backward ops, as differentiable functions (torch.ops.aten's names and argument order).
def _pair(op: str, grad_output: Any, value: Any) -> tuple[Tensor, Tensor]:
    grad_output, value = as_tensor(grad_output), as_tensor(value)
    same_shape(op, grad_output, value)
    return grad_output, value


def sigmoid_backward(grad_output: Any, output: Any) -> Tensor:
    """grad_output * y (1 - y) for the output y of sigmoid."""
    return SigmoidBackward.apply(*_pair("sigmoid_backward", grad_output, output))


def tanh_backward(grad_output: Any, output: Any) -> Tensor:
    """grad_output * (1 - y^2) for the output y of tanh."""
    return TanhBackward.apply(*_pair("tanh_backward", grad_output, output))


def relu_backward(grad_output: Any, input: Any) -> Tensor:
    """grad_output where input > 0, else 0 (torch's threshold_backward at 0)."""
    return ReLUBackward.apply(*_pair("relu_backward", grad_output, input))


def leaky_relu_backward(grad_output: Any, input: Any, negative_slope: float = 0.01) -> Tensor:
    """grad_output where input > 0, else negative_slope * grad_output."""
    pair = _pair("leaky_relu_backward", grad_output, input)
    return LeakyReLUBackward.apply(*pair, float(negative_slope))


def elu_backward(grad_output: Any, input: Any, alpha: float = 1.0) -> Tensor:
    """grad_output where input > 0, else grad_output * alpha * exp(input)."""
    return ELUBackward.apply(*_pair("elu_backward", grad_output, input), float(alpha))


def softplus_backward(grad_output: Any, input: Any) -> Tensor:
    """grad_output * sigma(input)."""
    return SoftplusBackward.apply(*_pair("softplus_backward", grad_output, input))
