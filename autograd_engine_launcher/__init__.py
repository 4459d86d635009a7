"""The `autograd-engine` console script: a launcher that catches a stop signal while the
engine loads.

Importing `autograd_engine` takes 0.5-2 s (NumPy, Numba, the kernels), and Ctrl-C or SIGTERM
in that time would end in a traceback from deep inside an import. This package imports only
the standard library: it handles SIGINT and SIGTERM first, then loads and runs the command
line (`autograd_engine.__main__`, whose own handlers take over once it runs). Stopped while
loading, the script prints one line and exits with the conventional 128 + signal (130, 143).
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType

_received: list[int] = []


def _stop(signum: int, frame: FrameType | None) -> None:
    """The first stop signal interrupts the import; later ones are only noted."""
    _received.append(signum)
    if len(_received) == 1:
        raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run `autograd-engine ARGS`; exit code 128 + signal when stopped while loading."""
    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, _stop)
    try:
        from autograd_engine.__main__ import main as run  # the heavy import, under _stop

        if _received:  # a library swallowed the interrupt (PIL takes an interrupted plugin
            raise KeyboardInterrupt  # import for an ImportError and goes on): stop anyway
        return run(argv)  # catches its own interrupts; only the first instants are ours
    except BaseException:
        # Not only KeyboardInterrupt: an extension module interrupted while it imports
        # another may report an ImportError instead (numpy's "could not import datetime").
        if not _received:
            raise
        print("autograd-engine: interrupted", file=sys.stderr, flush=True)
        sys.stdout.flush()
        # At once: the interrupted imports may leave half-made modules whose shutdown could
        # still end the process as killed by the signal.
        os._exit(128 + _received[0])
