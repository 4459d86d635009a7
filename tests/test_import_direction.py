"""The packages import one way: the libraries never load the application, `autograd_engine`
loads neither `nn` nor `optim`, `nn` does not load `optim`, and neither reads the core's
private fields."""

import os
import re
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


def test_nn_and_optim_use_only_the_public_tensor_api():
    """No reads of the Tensor's private fields or of the core's per-thread state: nn and optim
    are written as a user's code would be (the README's architecture section says so)."""
    private = re.compile(r"\._(data|grad_fn|requires_grad|vc|view|accumulator|grad)\b|\bTHREAD\b")
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for package in ("nn", "optim")
        for path in sorted((ROOT / package).rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if private.search(line)
    ]
    assert not found, "private core names used:\n" + "\n".join(found)
