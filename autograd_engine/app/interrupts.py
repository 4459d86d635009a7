"""Stopping a command with Ctrl-C (SIGINT) or `kill` (SIGTERM), cleanly and without a traceback.

While `handled()` is active, the first of these signals raises KeyboardInterrupt, which
training turns into an early end and the command line into exit code 128 + signal. Once a run
is writing its results (`shielded()`), or after that first signal, signals are only noted:
a second Ctrl-C cannot drop the run that the first one promised to keep.

Python drops an exception raised inside a destructor (`__del__`, a weakref callback) and prints
it as "Exception ignored"; a signal arriving there (a tqdm bar collected between epochs) would
lose its KeyboardInterrupt. `handled()` catches that drop and delivers the signal again, from a
helper thread, so that it lands in ordinary code.
"""

from __future__ import annotations

import _thread
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _State:
    """The signals received since `handled()` began, and whether they are only noted."""

    received: list[int] = []  # noqa: RUF012 (one process-wide state, like the handlers)
    shielded = False
    raised = False  # the first signal's KeyboardInterrupt was raised
    redeliver = False  # ... but dropped in a destructor: raise it again


def _handle(signum: int, frame: FrameType | None) -> None:
    first = not _State.received
    _State.received.append(signum)
    if (first or _State.redeliver) and not _State.shielded:
        _State.raised, _State.redeliver = True, False
        raise KeyboardInterrupt
    os.write(2, b"autograd-engine: stopping; writing what the run keeps, please wait\n")


def _redeliver_dropped(hook: Callable[[Any], None]) -> Callable[[Any], None]:
    """An unraisable-exception hook that delivers again a stop signal dropped in a destructor
    and passes every other unraisable exception on to `hook`."""

    def unraisable(info: Any) -> None:
        if isinstance(info.exc_value, KeyboardInterrupt) and _State.raised:
            _State.raised, _State.redeliver = False, True
            # From another thread, a moment later: here, Python would run the handler at once,
            # inside this hook, and drop its exception again.
            timer = threading.Timer(0.01, _thread.interrupt_main, args=(_State.received[0],))
            timer.daemon = True
            timer.start()
            return
        hook(info)

    return unraisable


def received() -> int | None:
    """The first stop signal received, or None."""
    return _State.received[0] if _State.received else None


@contextlib.contextmanager
def handled(restore: bool = True) -> Iterator[None]:
    """Handle SIGINT and SIGTERM as described above. After the block the previous handlers
    come back, or with `restore=False` (a process about to exit) the signals are ignored, so
    that a late one cannot turn a finished command into a killed process."""
    previous = {s: signal.signal(s, _handle) for s in SIGNALS}
    previous_hook = sys.unraisablehook
    sys.unraisablehook = _redeliver_dropped(previous_hook)
    _State.received = []
    _State.raised = _State.redeliver = False
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler if restore else signal.SIG_IGN)
        sys.unraisablehook = previous_hook


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """Only note stop signals inside this block (the caller checks `received()` after it)."""
    _State.shielded = True
    try:
        yield
    finally:
        _State.shielded = False
