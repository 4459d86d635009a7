"""PyTorch's keyword forms of the arithmetic ops: `torch.add(a, b, alpha=2)`,
`torch.sub(a, b, alpha=2)`, `torch.div(a, b, rounding_mode="floor")`.

The operators (`a + b`, `a / b`) call the plain ops of elementwise.py directly
(`OPERATORS` in ops/__init__.py), so they never pay for these keyword checks.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArgumentValueError
from ..tensor import Tensor
from . import elementwise
from ._util import binary
from .special import check_integer_divisor


def add(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """input + alpha * other."""
    return elementwise.add(input, other if alpha == 1 else elementwise.mul(other, alpha))


def sub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """input - alpha * other."""
    return elementwise.sub(input, other if alpha == 1 else elementwise.mul(other, alpha))


def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """input / other; with rounding_mode "trunc" or "floor" the quotient rounded toward zero or
    down: integers then stay integers, and floats get a zero gradient (as torch.div)."""
    if rounding_mode is None:
        return elementwise.div(input, other)
    if rounding_mode not in ("trunc", "floor"):
        raise ArgumentValueError(
            f"div: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}"
        )
    a, b = binary(input, other)
    if (a if isinstance(a, Tensor) else b)._data.dtype.kind == "f":  # both are, after binary
        quotient = elementwise.div(a, b)
        return quotient.floor() if rounding_mode == "floor" else quotient.trunc()
    x, y = (v._data if isinstance(v, Tensor) else v for v in (a, b))
    check_integer_divisor(f"div(rounding_mode={rounding_mode!r})", x, y)
    out = np.asarray(np.floor_divide(x, y))
    if rounding_mode == "trunc":  # floor is one below trunc for inexact negative quotients
        out = out + ((out < 0) & (out * y != x))
    return Tensor._make(out, False, None)


def floor_divide(input: Any, other: Any) -> Tensor:
    """input // other, rounded down (torch.floor_divide, Python's //): integers stay integers,
    floats get a zero gradient."""
    return div(input, other, rounding_mode="floor")


__all__ = ["add", "div", "floor_divide", "sub"]
