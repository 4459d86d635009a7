"""Forward-mode automatic differentiation: a tangent carried beside each value.

Inside `dual_level()`, a tensor made by `make_dual(x, t)` carries the tangent t (a direction
dx). Every operation applied to it computes, besides its value y, the tangent of its output
dy = J dx with its `jvp` rule, written in each primitive next to its backward (the VJP).
This is the dual-number method: one forward pass gives J v for one direction v, with no graph
kept, so it wins over reverse mode when a function has few inputs and many outputs
(`func.jvp`, `func.jacfwd`). The state is per thread, as grad mode is (torch.autograd.forward_ad).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import numpy as np

from .errors import ArgumentError, NotDifferentiableError, ShapeError, StateError
from .grad_mode import DUALS, refresh_watch
from .tensor import Tensor


@contextmanager
def dual_level() -> Iterator[None]:
    """A scope in which dual tensors carry tangents; they are dropped when it ends."""
    outer = DUALS.tangents
    DUALS.level += 1
    DUALS.tangents = dict(outer)
    refresh_watch()
    try:
        yield
    finally:
        DUALS.level -= 1
        DUALS.tangents = outer
        refresh_watch()


def make_dual(tensor: Tensor, tangent: Any) -> Tensor:
    """A tensor with `tensor`'s values (shared memory) carrying `tangent` (same shape)."""
    if not DUALS.level:
        raise StateError("make_dual: call it inside `with forward_ad.dual_level():`")
    if tensor.dtype.kind != "f":
        raise ArgumentError(f"make_dual: the primal must be floating point, got {tensor.dtype}")
    t = np.asarray(tangent.numpy() if isinstance(tangent, Tensor) else tangent, tensor.dtype)
    if t.shape != tensor.shape:
        raise ShapeError(
            f"make_dual: the tangent has shape {t.shape} but the primal has shape "
            f"{tensor.shape}; they must match"
        )
    dual = tensor.detach()  # a new object: the tangent belongs to it, not to `tensor`
    DUALS.tangents[id(dual)] = (dual, t)
    return dual


class UnpackedDual(NamedTuple):
    primal: Tensor
    tangent: Tensor | None


def unpack_dual(tensor: Tensor) -> UnpackedDual:
    """(primal, tangent) of a dual tensor; the tangent is None where it carries none."""
    entry = DUALS.tangents.get(id(tensor))
    tangent = None if entry is None else Tensor._make(entry[1], False, None)
    return UnpackedDual(tensor.detach(), tangent)


def push_tangent(fn: Any, ctx: Any, args: tuple, arrays: list, out: np.ndarray, result: Any):
    """Give `result` the tangent of `fn`'s output when an input carries one (called by
    Function.apply inside a dual level)."""
    tangents = DUALS.tangents
    found = [tangents.get(id(a)) if isinstance(a, Tensor) else None for a in args]
    if not any(found):
        return
    jvp = fn.jvp
    if jvp is None:
        raise NotDifferentiableError(
            f"{fn.op_name()}: has no forward-mode (jvp) rule; compute this part with reverse "
            "mode (func.vjp / func.jacrev) instead"
        )
    ctx.inputs, ctx.output = arrays, out
    # Inputs without a tangent get zero (an array of zeros, or 0.0 for a Python number), so
    # that rules are plain formulas (ta * b + a * tb); non-numeric arguments get None.
    tangent = jvp(
        ctx, *[_zero(x) if f is None else f[1] for f, x in zip(found, arrays, strict=True)]
    )
    if tangent is not None:
        tangent = np.asarray(tangent, dtype=out.dtype)
        if tangent.shape != out.shape:
            tangent = np.array(np.broadcast_to(tangent, out.shape))
        tangents[id(result)] = (result, tangent)


def _zero(x: Any) -> np.ndarray | float | None:
    """The tangent of an input that carries none."""
    if isinstance(x, np.ndarray):
        return np.zeros_like(x) if x.dtype.kind == "f" else None
    return 0.0 if isinstance(x, int | float) and not isinstance(x, bool) else None
