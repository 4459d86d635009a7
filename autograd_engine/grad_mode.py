"""Global switches: whether operations are recorded, and anomaly detection.

`no_grad()` turns recording off (inference, manual parameter updates); `enable_grad()` turns it
back on inside it. Both work as context managers and as decorators.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _State:
    """Mutable module state: read on every operation, so kept as plain attributes."""

    grad_enabled: bool = True
    anomaly: bool = False
    scope: tuple[str, ...] = ()
    keep_args: bool = False


STATE = _State()


def is_grad_enabled() -> bool:
    return STATE.grad_enabled


def set_grad_enabled(mode: bool) -> None:
    STATE.grad_enabled = bool(mode)


class _GradModeContext:
    """Sets grad mode for a `with` block or a decorated function, restoring it afterwards."""

    mode: bool

    def __enter__(self) -> None:
        self._previous = STATE.grad_enabled
        STATE.grad_enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        STATE.grad_enabled = self._previous

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradModeContext):
    """Do not record operations: results have no `grad_fn` and do not require grad."""

    mode = False


class enable_grad(_GradModeContext):
    """Record operations again, for example inside a `no_grad()` block."""

    mode = True


class detect_anomaly:
    """Check every forward and backward result for NaN or Inf and name the operation at fault.

    Slow (one extra pass over every array); meant for debugging a training run that diverges.
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        self._previous = STATE.anomaly
        STATE.anomaly = self.check_nan

    def __exit__(self, *exc: object) -> None:
        STATE.anomaly = self._previous

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class scope:
    """Label the operations recorded inside the block, e.g. with the module that ran them.

    `nn.Module.__call__` opens one per call ("encoder: Linear"), so graph drawings can box and
    collapse each module's operations. Scopes nest; each node keeps the whole stack.
    """

    def __init__(self, label: str) -> None:
        self.label = label

    def __enter__(self) -> None:
        STATE.scope = (*STATE.scope, self.label)

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        STATE.scope = STATE.scope[:-1]


class _Duals(threading.local):
    """Forward mode's per-thread state (see forward_ad.py): how many `dual_level()` scopes are
    open, and the tangents, id(tensor) -> (tensor, tangent array). The tensor is held so that
    its id stays unique while the level lasts."""

    level = 0

    def __init__(self) -> None:
        self.tangents: dict[int, tuple[Any, Any]] = {}


DUALS = _Duals()
