"""More elementwise math: erf (which the exact GELU needs), log1p, expm1, sinh, cosh, atan2,
rounding, and dropout (whose mask is drawn inside the op, so a compiled step draws it anew).

Each one-input function states its local derivative once, as `local(a, out)`: backward
multiplies the upstream gradient by it (reverse mode) and `jvp` the tangent (forward mode).
`local` uses operations that arrays and Tensors share and other ops' `call`, so
`create_graph=True` differentiates it again.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import random
from ..errors import ArgumentValueError, IntegerDivisionByZeroError
from ..tensor import Tensor
from ._util import Primitive, as_tensor, binary
from .elementwise import Exp

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


class _Unary(Primitive):
    """f(a) elementwise, with f'(a) given by `local(a, out)` where out = f(a)."""

    @staticmethod
    def f(a: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def local(a: Any, out: Any) -> Any:
        raise NotImplementedError

    @classmethod
    def forward(cls, ctx, a):
        out = np.asarray(cls.f(a)).astype(a.dtype, copy=False)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        return g * ctx.fn.local(a, out)

    @staticmethod
    def jvp(ctx, t):
        return t * ctx.fn.local(ctx.inputs[0], ctx.output)


def _erf(a: np.ndarray) -> np.ndarray:
    import scipy.special  # on first use: importing it takes about 0.1 s of every start

    return scipy.special.erf(a)


class Erf(_Unary):
    name = "erf"
    f = staticmethod(_erf)

    @staticmethod
    def local(a, out):
        return _TWO_OVER_SQRT_PI * Exp.call(-(a * a))  # erf' = 2/sqrt(pi) e^(-a^2)


class Log1p(_Unary):
    name = "log1p"
    f = staticmethod(np.log1p)

    @staticmethod
    def local(a, out):
        return 1 / (1 + a)


class Expm1(_Unary):
    name = "expm1"
    f = staticmethod(np.expm1)

    @staticmethod
    def local(a, out):
        return out + 1  # d(e^a - 1) = e^a


class Sinh(_Unary):
    name = "sinh"
    f = staticmethod(np.sinh)

    @staticmethod
    def local(a, out):
        return Cosh.call(a)


class Cosh(_Unary):
    name = "cosh"
    f = staticmethod(np.cosh)

    @staticmethod
    def local(a, out):
        return Sinh.call(a)


class _Rounding(_Unary):
    """Piecewise constant: the derivative is 0 almost everywhere (PyTorch gives 0)."""

    @staticmethod
    def local(a, out):
        return a * 0


class Round(_Rounding):
    name = "round"
    f = staticmethod(np.round)  # halves to even, as torch.round


class Floor(_Rounding):
    name = "floor"
    f = staticmethod(np.floor)


class Ceil(_Rounding):
    name = "ceil"
    f = staticmethod(np.ceil)


class Trunc(_Rounding):
    name = "trunc"
    f = staticmethod(np.trunc)


class Atan2(Primitive):
    """The angle of the point (x, y): d/dy = x / (x^2 + y^2), d/dx = -y / (x^2 + y^2)."""

    name = "atan2"

    @staticmethod
    def forward(ctx, y, x):
        ctx.save_for_backward(y, x)
        return np.arctan2(y, x)

    @staticmethod
    def partials(y: Any, x: Any) -> tuple[Any, Any]:
        r2 = x * x + y * y
        return x / r2, -y / r2

    @staticmethod
    def backward(ctx, g):
        dy, dx = Atan2.partials(*ctx.saved_tensors)
        return g * dy, g * dx

    @staticmethod
    def jvp(ctx, ty, tx):
        dy, dx = Atan2.partials(*ctx.inputs)
        return ty * dy + tx * dx


def check_integer_divisor(op: str, a: Any, b: Any) -> None:
    """Integer division by zero has no value: raise as PyTorch does (NumPy gives 0)."""
    b = np.asarray(b)
    if np.result_type(a, b).kind in "iub" and not b.all():
        raise IntegerDivisionByZeroError(
            f"{op}: integer division by zero (divisor of shape {b.shape} holds a 0); "
            "use a float tensor (x.float()) for inf/nan results"
        )


class _Modulo(Primitive):
    """a - q b for the quotient q = a / b rounded to an integer by `rounding` (Floor: the
    remainder, with the sign of b; Trunc: fmod, with the sign of a). q is piecewise constant,
    so d/da = 1 and d/db = -q (PyTorch's gradients)."""

    @classmethod
    def forward(cls, ctx, a, b):
        check_integer_divisor(cls.name, a, b)
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):  # x % 0.0 is NaN, silently
            return cls.f(a, b)

    @classmethod
    def quotient(cls, a: Any, b: Any) -> Any:
        with np.errstate(divide="ignore", invalid="ignore"):
            return cls.rounding.call(a / b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g, -g * ctx.fn.quotient(a, b)

    @staticmethod
    def jvp(ctx, ta, tb):
        return ta - tb * ctx.fn.quotient(*ctx.inputs)


class Remainder(_Modulo):
    name = "remainder"
    f = staticmethod(np.remainder)  # exact, as Python's % and torch.remainder
    rounding = Floor


class Fmod(_Modulo):
    name = "fmod"
    f = staticmethod(np.fmod)
    rounding = Trunc


class Dropout(Primitive):
    """x * mask, the mask drawn in forward from the engine's generator: keep with probability
    1 - p and scale by 1 / (1 - p). Drawing it inside the op (not before it) lets a replay of
    a compiled step draw fresh masks from the same generator, in eager mode's order."""

    name = "dropout"

    @staticmethod
    def forward(ctx, x, p):
        keep = random.generator().random(x.shape) >= p
        scale = 0.0 if p == 1.0 else 1.0 / (1.0 - p)
        ctx.mask = (keep * scale).astype(x.dtype)
        return x * ctx.mask

    @staticmethod
    def backward(ctx, g):
        return g * ctx.mask, None

    @staticmethod
    def jvp(ctx, tx, tp):
        return tx * ctx.mask


def dropout(input: Any, p: float = 0.5, train: bool = True) -> Tensor:
    """torch.dropout: zero each element with probability p and scale the rest by 1/(1-p) when
    `train`; the input itself otherwise (or when p is 0)."""
    if not 0.0 <= p <= 1.0:
        raise ArgumentValueError(f"dropout: probability must be in [0, 1], got {p}")
    if not train or p == 0.0:
        return input
    return Dropout.apply(as_tensor(input), float(p))


def remainder(input: Any, other: Any) -> Tensor:
    """Python's `%`: input - floor(input / other) * other, with the sign of `other`
    (torch.remainder), elementwise with broadcasting."""
    return Remainder.apply(*binary(input, other))


def fmod(input: Any, other: Any) -> Tensor:
    """C's fmod: input - trunc(input / other) * other, with the sign of `input` (torch.fmod)."""
    return Fmod.apply(*binary(input, other))


def erf(a: Any) -> Tensor:
    """erf(x) = 2/sqrt(pi) * integral_0^x e^(-t^2) dt, elementwise."""
    return Erf.apply(as_tensor(a))


def log1p(a: Any) -> Tensor:
    """log(1 + a), accurate for tiny a."""
    return Log1p.apply(as_tensor(a))


def expm1(a: Any) -> Tensor:
    """exp(a) - 1, accurate for tiny a."""
    return Expm1.apply(as_tensor(a))


def sinh(a: Any) -> Tensor:
    return Sinh.apply(as_tensor(a))


def cosh(a: Any) -> Tensor:
    return Cosh.apply(as_tensor(a))


def round(a: Any, decimals: int = 0) -> Tensor:
    """Round half to even (as torch.round); with `decimals`, to that many decimal places."""
    if decimals:
        scale = 10.0**decimals
        return Round.apply(as_tensor(a) * scale) / scale
    return Round.apply(as_tensor(a))


def floor(a: Any) -> Tensor:
    return Floor.apply(as_tensor(a))


def ceil(a: Any) -> Tensor:
    return Ceil.apply(as_tensor(a))


def trunc(a: Any) -> Tensor:
    return Trunc.apply(as_tensor(a))


def atan2(y: Any, x: Any) -> Tensor:
    """The angle of (x, y) in (-pi, pi], elementwise with broadcasting (torch.atan2(input,
    other) with input = y)."""
    return Atan2.apply(*binary(y, x))


__all__ = [
    "atan2",
    "ceil",
    "cosh",
    "erf",
    "expm1",
    "floor",
    "fmod",
    "log1p",
    "remainder",
    "round",
    "sinh",
    "trunc",
]
