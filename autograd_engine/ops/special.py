"""Special functions: the error function erf, which the exact GELU needs."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.special

from ..tensor import Tensor
from ._util import Primitive, as_tensor, xp

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


class Erf(Primitive):
    name = "erf"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return scipy.special.erf(a).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * (_TWO_OVER_SQRT_PI * xp(g).exp(-(a * a)))  # erf' = 2/sqrt(pi) e^(-x^2)

    @staticmethod
    def jvp(ctx, t):
        (a,) = ctx.inputs
        return t * _TWO_OVER_SQRT_PI * np.exp(-(a * a))


def erf(a: Any) -> Tensor:
    """erf(x) = 2/sqrt(pi) * integral_0^x e^(-t^2) dt, elementwise."""
    return Erf.apply(as_tensor(a))


__all__ = ["erf"]
