"""`python -m autograd_engine ...`, and what the `autograd-engine` script runs: see `app/cli.py`.

Stop signals are handled before the command line's modules load, so Ctrl-C at any moment
after the engine itself is imported ends quietly; the script's launcher
(`autograd_engine_launcher`) covers the engine's own import too.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence

from .app import interrupts


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; exit code 128 + signal when stopped while it loads."""
    with interrupts.handled(restore=False):
        try:
            from .app.cli import main as run  # here, under the handler: loads nn, matplotlib
        except BaseException:  # an interrupted extension import may raise ImportError instead
            if interrupts.received() is None:
                raise
            print("autograd-engine: interrupted", file=sys.stderr, flush=True)
            sys.stdout.flush()
            # At once: the interrupted imports may leave half-made modules whose shutdown
            # could still end the process as killed by SIGINT (seen under load).
            os._exit(128 + (interrupts.received() or signal.SIGINT))
        return run(argv)


if __name__ == "__main__":
    sys.exit(main())
