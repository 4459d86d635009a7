"""Elementwise arithmetic and math: each forward with its local derivative right below it.

Backward formulas are written with Tensor operations so that they can themselves be
differentiated (`create_graph=True`). Gradients come back in the broadcast shape; `Function.apply`
records the input shapes and the engine sums them back.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArgumentError, ArgumentValueError
from ..tensor import Tensor
from ._util import Primitive, as_tensor, binary, operand, true_division, value


class Add(Primitive):
    fusable = True  # forward and backward use only + - * / (fusion.py traces them)
    name = "add"
    symbol = "+"

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, g  # d(a + b) = da + db

    @staticmethod
    def jvp(ctx, ta, tb):
        return ta + tb


class Sub(Primitive):
    fusable = True  # forward and backward use only + - * / (fusion.py traces them)
    name = "sub"
    symbol = "-"

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, g):
        return g, -g

    @staticmethod
    def jvp(ctx, ta, tb):
        return ta - tb


class Mul(Primitive):
    fusable = True  # forward and backward use only + - * / (fusion.py traces them)
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

    @staticmethod
    def jvp(ctx, ta, tb):
        a, b = ctx.inputs
        return ta * b + a * tb


class Div(Primitive):
    fusable = True  # forward and backward use only + - * / (fusion.py traces them)
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

    @staticmethod
    def jvp(ctx, ta, tb):
        a, b = ctx.inputs
        return ta / b - a * tb / (b * b)


class Neg(Primitive):
    fusable = True  # forward and backward use only + - * / (fusion.py traces them)
    name = "neg"
    symbol = "-"

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, g):
        return -g

    @staticmethod
    def jvp(ctx, t):
        return -t


class Pow(Primitive):
    name = "pow"
    symbol = "^"

    @staticmethod
    def forward(ctx, a, b):
        out = np.power(a, b)
        if out.dtype == np.int8:  # bool ** bool: int8 in NumPy, bool in PyTorch
            out = out.astype(np.bool_)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        ga, gb = ctx.needs_input_grad
        grad_a = grad_b = None
        with np.errstate(divide="ignore", invalid="ignore"):  # 0 ** -1 and log(-1), as PyTorch
            # d(a^b)/da = b a^(b-1), taken as 0 where a = b = 0 (as PyTorch; 0 * 0^-1 is NaN)
            if ga and not isinstance(b, Tensor | np.ndarray) and b != 0:  # the common x ** 2
                grad_a = g * (b * a ** (b - 1))
            elif ga:
                undefined = (value(b) == 0) & (value(a) == 0)
                if isinstance(b, Tensor | np.ndarray):
                    b_1 = Where.call(undefined, 1.0, b - 1)
                else:
                    b_1 = np.where(undefined, 1.0, b - 1).astype(value(a).dtype)
                grad_a = g * Where.call(undefined, 0.0, b * a**b_1)
            # d(a^b)/db = a^b log a, taken as 0 where a = 0 and b >= 0 (NaN for a < 0)
            if gb:
                skip = (np.asarray(value(a)) == 0) & (value(b) >= 0)
                if isinstance(a, Tensor | np.ndarray):
                    log_a = Log.call(Where.call(skip, 1.0, a))
                else:  # a Python number: 2 ** x
                    log_a = np.log(np.where(skip, 1.0, a)).astype(value(out).dtype)
                grad_b = g * out * log_a
        return grad_a, grad_b

    @staticmethod
    def jvp(ctx, ta, tb):
        a, b = ctx.inputs
        positive = a > 0
        log_a = np.log(np.where(positive, a, 1.0))
        return ta * b * np.power(a, b - 1) + np.where(positive, tb * ctx.output * log_a, 0.0)


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

    @staticmethod
    def jvp(ctx, t):
        return t * ctx.output


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

    @staticmethod
    def jvp(ctx, t):
        return t / ctx.inputs[0]


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

    @staticmethod
    def jvp(ctx, t):
        return t / (2 * ctx.output)


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

    @staticmethod
    def jvp(ctx, t):
        return t * np.sign(ctx.inputs[0])


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

    @staticmethod
    def jvp(ctx, t):
        return t * np.cos(ctx.inputs[0])


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

    @staticmethod
    def jvp(ctx, t):
        return -t * np.sin(ctx.inputs[0])


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

    @staticmethod
    def jvp(ctx, ta, tb):
        w = ctx.weight_a
        return ta * w + tb * (1 - w)


class Maximum(_Extremum):
    name = "maximum"


class Minimum(_Extremum):
    name = "minimum"
    pick = staticmethod(np.minimum)
    wins = staticmethod(np.less)


class Clip(Primitive):
    """min(max(a, lo), hi); lo and hi are numbers, Tensors (broadcast) or None."""

    name = "clip"

    @staticmethod
    def forward(ctx, a, lo, hi):
        ctx.save_for_backward(a, lo, hi)
        return np.clip(a, lo, hi)  # all hi where lo > hi, as PyTorch

    @staticmethod
    def backward(ctx, g):
        from_a, from_lo, from_hi = _clip_sources(*(value(v) for v in ctx.saved_tensors))
        need_a, need_lo, need_hi = ctx.needs_input_grad

        def through(mask: Any) -> Any:
            return g * np.asarray(mask).astype(value(g).dtype)

        return (
            through(from_a) if need_a else None,
            through(from_lo) if need_lo else None,
            through(from_hi) if need_hi else None,
        )

    @staticmethod
    def jvp(ctx, t, t_lo, t_hi):
        from_a, from_lo, from_hi = _clip_sources(*ctx.inputs)
        return (
            t * from_a
            + (0.0 if t_lo is None else t_lo * from_lo)
            + (0.0 if t_hi is None else t_hi * from_hi)
        )


def _clip_sources(a: Any, lo: Any, hi: Any) -> tuple[Any, Any, Any]:
    """Where clip's output took its value from a, from lo and from hi, with PyTorch's choices:
    from a at the bounds, from hi wherever lo > hi."""
    above_lo = True if lo is None else a >= lo
    below_hi = True if hi is None else a <= hi
    from_lo = False if lo is None else (a < lo) & (True if hi is None else lo < hi)
    from_hi = False if hi is None else (a > hi) | (False if lo is None else hi < lo)
    return above_lo & below_hi, from_lo, from_hi


class Where(Primitive):
    name = "where"

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)  # a backward after `cond` was changed in place raises
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors
        return None, Where.call(cond, g, 0.0), Where.call(cond, 0.0, g)

    @staticmethod
    def jvp(ctx, t_cond, ta, tb):
        return np.where(ctx.inputs[0], ta, tb)


class Sign(Primitive):
    """The step function of the perceptron: recorded so graphs show it, but with no gradient."""

    name = "sign"

    @staticmethod
    def forward(ctx, a):
        return np.sign(a)

    @staticmethod
    def jvp(ctx, t):
        return np.zeros_like(ctx.output)


# --------------------------------------------------------------------------- public functions
def add(a: Any, b: Any) -> Tensor:
    return Add.apply(*binary(a, b))


def sub(a: Any, b: Any) -> Tensor:
    return Sub.apply(*binary(a, b))


def mul(a: Any, b: Any) -> Tensor:
    return Mul.apply(*binary(a, b))


def div(a: Any, b: Any) -> Tensor:
    return Div.apply(*true_division(a, b))


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


def clip(a: Any, min: Any = None, max: Any = None) -> Tensor:
    """Limit values to [min, max] (numbers or Tensors); all max where min > max, as PyTorch.

    The gradient passes to a where min <= a <= max, and to a Tensor bound where it is active.
    """
    if min is None and max is None:
        raise ArgumentValueError("clip: give at least one of min and max")
    a = as_tensor(a)
    return Clip.apply(
        a, None if min is None else operand(min, a), None if max is None else operand(max, a)
    )


clamp = clip


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """Elements of a where cond is true, else of b (both broadcast)."""
    if not isinstance(cond, Tensor):  # a copy: the user may change their array afterwards
        cond = Tensor(np.array(cond))
    if cond.dtype != np.bool_:
        raise ArgumentError(f"where: the condition must be a bool tensor, got dtype {cond.dtype}")
    a, b = binary(a, b)
    return Where.apply(cond, a, b)


def sign(a: Any) -> Tensor:
    return Sign.apply(as_tensor(a))
