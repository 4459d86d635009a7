"""`out=`: PyTorch's functions can write their result into a given tensor and return it
(`torch.add(a, b, out=c)`). As in PyTorch this is not differentiable: it is refused while grad
mode is on and an argument (or `out`) requires grad; the result must convert to out's dtype
without leaving its category (no float into an integer tensor), and a tensor of another shape
is resized (with PyTorch's warning when it was not empty).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

from .errors import ArgumentError, DTypeError, NotDifferentiableError
from .grad_mode import THREAD, no_grad
from .tensor import Tensor

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}
_NAMES = {"b": "Bool", "u": "Byte", "i": "Long", "f": "Float"}


def _requires_grad(args: tuple, kwargs: dict) -> bool:
    for a in (*args, *kwargs.values()):
        if isinstance(a, Tensor) and a.requires_grad:
            return True
        if isinstance(a, list | tuple) and any(
            isinstance(x, Tensor) and x.requires_grad for x in a
        ):
            return True
    return False


def write(op: str, result: Tensor, out: Tensor) -> Tensor:
    """Put `result` into `out` (cast to its dtype, resized if needed) and return `out`."""
    if not isinstance(out, Tensor):
        raise ArgumentError(f"{op}: out= must be a Tensor, got {type(out).__name__}")
    have, want = result.dtype, out.dtype
    if _CATEGORY[have.kind] > _CATEGORY[want.kind]:
        raise DTypeError(
            f"{op}: result type {_NAMES[have.kind]} ({have}) can't be cast to the desired output "
            f"type {_NAMES[want.kind]} ({want}) of out=; give an out tensor of dtype {have}"
        )
    with no_grad():
        if out.shape == result.shape:
            out.copy_(result)
        else:
            if out.numel():
                warnings.warn(
                    f"{op}: an output with one or more elements was resized since it had shape "
                    f"{tuple(out.shape)}, which does not match the required output shape "
                    f"{tuple(result.shape)}",
                    UserWarning,
                    stacklevel=3,
                )
            out.data = result.to(want).numpy().copy()
            out._vc[0] += 1
    return out


def with_out(fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """`fn` taking PyTorch's `out=` keyword as well."""

    @functools.wraps(fn)
    def wrapped(*args: Any, out: Tensor | None = None, **kwargs: Any) -> Tensor:
        if out is None:
            return fn(*args, **kwargs)
        if THREAD.state.grad_enabled and (out.requires_grad or _requires_grad(args, kwargs)):
            raise NotDifferentiableError(
                f"{fn.__name__}(): functions with out=... arguments don't support automatic "
                "differentiation, but one of the arguments requires grad; call it under "
                "torch.no_grad() or without out="
            )
        with no_grad():
            result = fn(*args, **kwargs)
        return write(fn.__name__, result, out)

    return wrapped
