"""The packages import one way: the libraries never load the application, `autograd_engine`
loads neither `nn` nor `optim`, and `nn` does not load `optim`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "module, forbidden",
    [
        ("autograd_engine", {"nn", "optim", "autograd_engine.app"}),
        ("nn", {"optim", "autograd_engine.app"}),
        ("optim", {"nn", "autograd_engine.app"}),
    ],
)
def test_a_library_does_not_load_what_is_above_it(module, forbidden):
    code = f"import sys, {module}; print(sorted(set(sys.modules) & {forbidden!r}))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]", f"importing {module} loads {done.stdout.strip()}"
