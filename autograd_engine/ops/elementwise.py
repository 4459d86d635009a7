"""Elementwise arithmetic and math: each forward with its local derivative right below it.

Backward formulas are written with Tensor operations so that they can themselves be
differentiated (`create_graph=True`). Gradients come back in the broadcast shape; `Function.apply`
records the input shapes and the engine sums them back.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from ._util import Primitive, as_tensor, binary, value


class Add(Primitive):
    name = "add"
    symbol = "+"

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, g  # d(a + b) = da + db


class Sub(Primitive):
    name = "sub"
    symbol = "-"

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, g):
        return g, -g


class Mul(Primitive):
    name = "mul"
    symbol = "×"

    @staticmethod
    def forward(ctx, a, b):
        need_a, need_b = ctx.needs_input_grad  # keep only what backward reads
        ctx.save_for_backward(a if need_b else None, b if need_a else None)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga, gb = ctx.needs_input_grad
        return (g * b if ga else None), (g * a if gb else None)  # d(ab) = b da + a db


class Div(Primitive):
    name = "div"
    symbol = "/"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga, gb = ctx.needs_input_grad
        # d(a / b) = da / b - a db / b^2
        return (g / b if ga else None), (-g * a / (b * b) if gb else None)


class Neg(Primitive):
    name = "neg"
    symbol = "-"

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g


class Pow(Primitive):
    name = "pow"
    symbol = "^"

    @staticmethod
    def forward(ctx, a, b):
        out = np.power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        ga, gb = ctx.needs_input_grad
        # d(a^b)/da = b a^(b-1);  d(a^b)/db = a^b log a (taken as 0 where a = 0)
        grad_a = g * b * a ** (b - 1) if ga else None
        grad_b = None
        if gb:
            positive = np.asarray(value(a)) > 0
            log_a = Log.call(Where.call(positive, a, 1.0))
            grad_b = Where.call(positive, g * out * log_a, 0.0)
        return grad_a, grad_b


class Exp(Primitive):
    name = "exp"

    @staticmethod
    def forward(ctx, a):
        out = np.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out  # d exp(a) = exp(a) da


class Log(Primitive):
    name = "log"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / a


class Sqrt(Primitive):
    name = "sqrt"

    @staticmethod
    def forward(ctx, a):
        with np.errstate(invalid="ignore"):
            out = np.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g / (2 * out)  # d sqrt(a) = da / (2 sqrt(a))


class Abs(Primitive):
    name = "abs"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * np.sign(value(a))  # subgradient 0 at 0, as PyTorch


class Sin(Primitive):
    name = "sin"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.sin(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * Cos.call(a)


class Cos(Primitive):
    name = "cos"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.cos(a)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return -g * Sin.call(a)


class _Extremum(Primitive):
    """Elementwise maximum / minimum; at ties the gradient is split evenly between a and b."""

    pick = staticmethod(np.maximum)
    wins = staticmethod(np.greater)

    @classmethod
    def forward(cls, ctx, a, b):
        out = cls.pick(a, b)
        wins = cls.wins(a, b)
        ties = a == b
        ctx.weight_a = (wins + 0.5 * ties).astype(out.dtype)
        return out

    @staticmethod
    def backward(ctx, g):
        w = ctx.weight_a
        return g * w, g * (1 - w)


class Maximum(_Extremum):
    name = "maximum"


class Minimum(_Extremum):
    name = "minimum"
    pick = staticmethod(np.minimum)
    wins = staticmethod(np.less)


class Clip(Primitive):
    name = "clip"

    @staticmethod
    def forward(ctx, a, lo, hi):
        ctx.save_for_backward(a)
        ctx.bounds = lo, hi
        return np.clip(a, lo, hi)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        a = value(a)
        inside = np.ones(a.shape, dtype=bool)
        if lo is not None:
            inside &= a >= lo
        if hi is not None:
            inside &= a <= hi
        return g * inside.astype(g.dtype), None, None


class Where(Primitive):
    name = "where"

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.cond = cond
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        return None, Where.call(ctx.cond, g, 0.0), Where.call(ctx.cond, 0.0, g)


class Sign(Primitive):
    """The step function of the perceptron: recorded so graphs show it, but with no gradient."""

    name = "sign"

    @staticmethod
    def forward(ctx, a):
        return np.sign(a)


# --------------------------------------------------------------------------- public functions
def add(a: Any, b: Any) -> Tensor:
    return Add.apply(*binary(a, b))


def sub(a: Any, b: Any) -> Tensor:
    return Sub.apply(*binary(a, b))


def mul(a: Any, b: Any) -> Tensor:
    return Mul.apply(*binary(a, b))


def div(a: Any, b: Any) -> Tensor:
    return Div.apply(*binary(a, b))


def pow(a: Any, b: Any) -> Tensor:
    return Pow.apply(*binary(a, b))


def neg(a: Any) -> Tensor:
    return Neg.apply(as_tensor(a))


def exp(a: Any) -> Tensor:
    return Exp.apply(as_tensor(a))


def log(a: Any) -> Tensor:
    return Log.apply(as_tensor(a))


def sqrt(a: Any) -> Tensor:
    return Sqrt.apply(as_tensor(a))


def abs(a: Any) -> Tensor:
    return Abs.apply(as_tensor(a))


def sin(a: Any) -> Tensor:
    return Sin.apply(as_tensor(a))


def cos(a: Any) -> Tensor:
    return Cos.apply(as_tensor(a))


def maximum(a: Any, b: Any) -> Tensor:
    return Maximum.apply(*binary(a, b))


def minimum(a: Any, b: Any) -> Tensor:
    return Minimum.apply(*binary(a, b))


def clip(a: Any, min: float | None = None, max: float | None = None) -> Tensor:
    """Limit values to [min, max]; the gradient passes where min <= a <= max."""
    if min is None and max is None:
        raise ValueError("clip: give at least one of min and max")
    return Clip.apply(as_tensor(a), min, max)


clamp = clip


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """Elements of a where cond is true, else of b (both broadcast)."""
    cond = cond._data if isinstance(cond, Tensor) else np.asarray(cond)
    if cond.dtype != np.bool_:
        raise TypeError(f"where: the condition must be a bool tensor, got dtype {cond.dtype}")
    a, b = binary(a, b)
    return Where.apply(cond, a, b)


def sign(a: Any) -> Tensor:
    return Sign.apply(as_tensor(a))
