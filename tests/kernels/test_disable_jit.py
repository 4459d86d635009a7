"""The kernels' Python source, run without compiling (NUMBA_DISABLE_JIT=1), passes the tests.

This checks the formulas themselves, and that nothing depends on Numba-only behaviour. Large
arrays and the tiled matmul are left out: uncompiled loops over them take minutes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_kernels_pass_with_disable_jit():
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1", "PYTHONPATH": str(ROOT)}
    selection = "not disable_jit and not large and not tiled and not thread"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", selection]
    result = subprocess.run(
        [*command, "tests/kernels"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
