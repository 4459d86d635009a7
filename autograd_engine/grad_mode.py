"""Per-thread switches: whether operations are recorded, anomaly detection, module scopes.

`no_grad()` turns recording off (inference, manual parameter updates); `enable_grad()` turns it
back on inside it; `set_grad_enabled(mode)` sets it as a call or for a block; `inference_mode()`
is `no_grad()` here. All work as context managers and as decorators, and a block that raises
leaves the switches as they were. As in PyTorch the state is per thread: a thread starts with
recording on, anomaly detection off and no scope, whatever the thread that started it does.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class State:
    """The switches of one thread, read on every operation.

    A plain object with slots: a field costs about 10 ns to read, against 50-65 ns for an
    attribute of a `threading.local` (`python -m timeit`). The hot paths fetch the current
    thread's State once (`THREAD.state`) and read its fields from there.
    """

    __slots__ = (
        "anomaly",
        "capture",
        "grad_enabled",
        "inference",
        "keep_args",
        "saved",
        "scope",
        "watch",
    )

    def __init__(self) -> None:
        # A new thread starts here, whatever the thread that started it has set.
        self.grad_enabled = True
        self.inference = False
        self.anomaly = False
        self.scope: tuple[str, ...] = ()
        self.keep_args = False  # viz.recording(): nodes keep their arguments for drawings
        # Any of anomaly, keep_args or a forward-mode level on: one read in Function.apply
        # tells whether the rare work runs at all. Kept by `refresh_watch` after each change.
        self.watch = False
        self.capture: Any = None  # the recorder of an `ae.compile` capture (compiler.py)
        self.saved: list[tuple] = []  # the values the open `with` blocks will restore


class _PerThread(threading.local):
    """Each thread's own State, made on the thread's first use."""

    def __init__(self) -> None:
        self.state = State()


THREAD = _PerThread()


class CAPTURES:
    """How many `ae.compile` captures run now, in any thread (compiler.py). While none does,
    the checks that only a capture needs (a tensor's `numpy()`, in-place changes) cost one
    global read instead of a per-thread one."""

    running = 0
    lock = threading.Lock()


def refresh_watch() -> None:
    """Recompute the watch flag after anomaly, keep_args, the dual level or a capture changed."""
    state = THREAD.state
    state.watch = state.anomaly or state.keep_args or DUALS.level > 0 or state.capture is not None


def is_grad_enabled() -> bool:
    return THREAD.state.grad_enabled


def is_inference_mode_enabled() -> bool:
    return THREAD.state.inference


def is_anomaly_enabled() -> bool:
    return THREAD.state.anomaly


class _Switch:
    """Base of the context managers: `__enter__` saves the switches named in `_keys` and sets
    them with `_set`; `__exit__` restores them, also when the block raised. The saved values
    go on a stack of the current thread, so that one instance (a module's scope) can be open
    in several threads, or twice in one. As a decorator it opens the block around every call.
    """

    _keys: tuple[str, ...] = ("grad_enabled",)

    def _set(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> None:
        state = THREAD.state
        state.saved.append(tuple([getattr(state, key) for key in self._keys]))
        self._set()

    def __exit__(self, *exc: object) -> None:
        state = THREAD.state
        for key, value in zip(self._keys, state.saved.pop()):
            setattr(state, key, value)

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class _NoArgSwitch(_Switch):
    """A switch without arguments, also usable as a bare decorator (`@no_grad`), as in PyTorch."""

    def __new__(cls, fn: Callable | None = None) -> Any:
        self = object.__new__(cls)  # (object's __init__ then accepts the argument)
        return self if fn is None else self(fn)


class _GradSwitch(_NoArgSwitch):
    """`no_grad` and `enable_grad`: `_Switch` for grad mode alone, written out, as every
    `with no_grad():` of an evaluation loop or optimizer step runs it (0.3 against 1.3 us)."""

    mode = False

    def __enter__(self) -> None:
        state = THREAD.state
        state.saved.append(state.grad_enabled)
        state.grad_enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        state = THREAD.state
        state.grad_enabled = state.saved.pop()


class no_grad(_GradSwitch):
    """Do not record operations: results have no `grad_fn` and do not require grad."""

    mode = False


class enable_grad(_GradSwitch):
    """Record operations again, for example inside a `no_grad()` block."""

    mode = True


class set_grad_enabled(_Switch):
    """Turn recording on or off: at once when called (`set_grad_enabled(False)`), and back to
    the previous mode at the end of a `with` block; as a decorator, for each call only."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        state = THREAD.state
        self._before: bool | None = state.grad_enabled  # what the first `with` restores
        state.grad_enabled = self.mode

    def __enter__(self) -> None:
        state = THREAD.state
        before, self._before = self._before, None
        state.saved.append((state.grad_enabled if before is None else before,))
        state.grad_enabled = self.mode

    def _set(self) -> None:
        THREAD.state.grad_enabled = self.mode

    def __call__(self, fn: F) -> F:
        if self._before is not None:  # undo the call's own effect: the decorator acts per call
            THREAD.state.grad_enabled, self._before = self._before, None
        return super().__call__(fn)


class inference_mode(_Switch):
    """`no_grad()` for inference (a faster variant in PyTorch; here the same as `no_grad`),
    with `is_inference_mode_enabled()` true inside. `inference_mode(False)` changes nothing.
    Also a bare decorator (`@inference_mode`)."""

    _keys = ("grad_enabled", "inference")

    def __new__(cls, mode: Any = True) -> Any:
        self = super().__new__(cls)
        if callable(mode):
            self.mode = True
            return self(mode)
        return self

    def __init__(self, mode: bool = True) -> None:
        self.mode = bool(mode)

    def _set(self) -> None:
        if self.mode:
            THREAD.state.grad_enabled = False
            THREAD.state.inference = True


class detect_anomaly(_Switch):
    """Check every forward and backward result for NaN or Inf and name the operation at fault.

    Slow (one extra pass over every array); meant for debugging a training run that diverges.
    """

    _keys = ("anomaly",)

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def _set(self) -> None:
        THREAD.state.anomaly = self.check_nan
        refresh_watch()

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        refresh_watch()


class CallLabel(str):
    """A scope label as pushed by one entry of the block: equal to the label, but a new object
    each time, so drawings tell two calls of one module apart (`is`, not `==`)."""

    __slots__ = ()


class scope(_Switch):
    """Label the operations recorded inside the block, e.g. with the module that ran them.

    `nn.Module.__call__` opens one per call ("encoder: Linear"), so graph drawings can box and
    collapse each module's operations. Scopes nest; each node keeps the whole stack, whose
    labels are the same objects for every node of one call and new ones for the next call.
    """

    def __init__(self, label: str, owner: Any = None) -> None:
        self.label = label
        self.owner = owner  # the module whose calls it labels: a capture guards its mode

    # Entered on every module call, so kept to two attribute writes: a scope's exit restores
    # by dropping the label it added (blocks nest, and every exit runs, also on an error).
    # The fresh label costs about 0.1 us per call (`python -m timeit`).
    def __enter__(self) -> None:
        state = THREAD.state
        state.scope = (*state.scope, CallLabel(self.label))

    def __exit__(self, *exc: object) -> None:
        state = THREAD.state
        state.scope = state.scope[:-1]

    def run(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """`fn(*args, **kwargs)` inside the scope: `with self: return fn(...)` in one call,
        for `nn.Module.__call__`, which opens a scope for every module on every step."""
        state = THREAD.state
        outer = state.scope
        state.scope = (*outer, CallLabel(self.label))
        if state.watch and state.capture is not None and self.owner is not None:
            state.capture.module(self.owner)
        try:
            return fn(*args, **kwargs)
        finally:
            state.scope = outer


class _Duals(threading.local):
    """Forward mode's per-thread state (see forward_ad.py): how many `dual_level()` scopes are
    open, and the tangents, id(tensor) -> (tensor, tangent array). The tensor is held so that
    its id stays unique while the level lasts."""

    level = 0

    def __init__(self) -> None:
        self.tangents: dict[int, tuple[Any, Any]] = {}


DUALS = _Duals()
