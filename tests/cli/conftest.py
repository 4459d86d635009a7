"""Helpers for the command-line tests: run `autograd-engine` in a subprocess or in-process."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_engine.app.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _run_process(*args, cwd):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "autograd_engine", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="session")
def run_cli():
    """Run `python -m autograd_engine ARGS` in a folder, as a user would: returns the
    CompletedProcess (returncode, stdout, stderr)."""
    return _run_process


@pytest.fixture
def cli(capsys):
    """Run the CLI in this process: returns (exit code, stdout, stderr)."""

    def run(*args):
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run
