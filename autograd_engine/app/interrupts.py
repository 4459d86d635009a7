"""Stopping a command with Ctrl-C (SIGINT) or `kill` (SIGTERM), cleanly and without a traceback.

While `handled()` is active, the first of these signals raises KeyboardInterrupt, which
training turns into an early end and the command line into exit code 128 + signal. Once a run
is writing its results (`shielded()`), or after that first signal, signals are only noted:
a second Ctrl-C cannot drop the run that the first one promised to keep.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _State:
    """The signals received since `handled()` began, and whether they are only noted."""

    received: list[int] = []  # noqa: RUF012 (one process-wide state, like the handlers)
    shielded = False


def _handle(signum: int, frame: FrameType | None) -> None:
    first = not _State.received
    _State.received.append(signum)
    if first and not _State.shielded:
        raise KeyboardInterrupt
    os.write(2, b"autograd-engine: stopping; writing what the run keeps, please wait\n")


def received() -> int | None:
    """The first stop signal received, or None."""
    return _State.received[0] if _State.received else None


@contextlib.contextmanager
def handled(restore: bool = True) -> Iterator[None]:
    """Handle SIGINT and SIGTERM as described above. After the block the previous handlers
    come back, or with `restore=False` (a process about to exit) the signals are ignored, so
    that a late one cannot turn a finished command into a killed process."""
    previous = {s: signal.signal(s, _handle) for s in SIGNALS}
    _State.received = []
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler if restore else signal.SIG_IGN)


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """Only note stop signals inside this block (the caller checks `received()` after it)."""
    _State.shielded = True
    try:
        yield
    finally:
        _State.shielded = False
