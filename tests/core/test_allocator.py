"""allocator.py: on glibc, a step's freed arrays are kept for the next step (no page faults)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="mallopt settings are glibc's",
)

# A "step" that allocates and frees arrays of 4, 8 and 12 MB, as a training step does; prints
# whether the settings were applied and the page faults of one step after three warm-ups.
SCRIPT = """
import resource, numpy as np, autograd_engine
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
def step():
    arrays = [np.ones(1_000_000 * (k % 3 + 1), np.float32) for k in range(6)]
    del arrays
for _ in range(3):
    step()
before = faults()
for _ in range(10):
    step()
print(autograd_engine.allocator.KEPT, (faults() - before) / 10)
"""


def run(**env: str) -> tuple[bool, float]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUN"))}
    clean.pop("AUTOGRAD_ENGINE_MALLOC", None)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env={**clean, **env}
    )
    assert done.returncode == 0, done.stderr
    kept, faults = done.stdout.split()
    return kept == "True", float(faults)


def test_freed_arrays_are_reused_without_page_faults():
    kept, faults = run()
    assert kept and faults < 50  # 24 MB written per step: about 6,000 faults if unmapped


def test_glibc_defaults_on_request_fault_on_every_step():
    kept, faults = run(AUTOGRAD_ENGINE_MALLOC="default")
    assert not kept and faults > 1000


@pytest.mark.parametrize(
    "env",
    [
        {"MALLOC_TRIM_THRESHOLD_": "131072"},
        {"MALLOC_MMAP_THRESHOLD_": "131072"},
        {"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=131072"},
    ],
)
def test_settings_of_the_process_are_kept(env):
    assert not run(**env)[0]


def test_other_systems_are_left_alone(monkeypatch):
    """Off Linux nothing is called (Windows has no C library to open by None)."""
    from autograd_engine import allocator

    monkeypatch.setattr(allocator.sys, "platform", "win32")
    monkeypatch.setattr(allocator.ctypes, "CDLL", None)  # would fail if it were reached
    assert allocator.keep_freed_memory() is False
