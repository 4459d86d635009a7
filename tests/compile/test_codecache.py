"""The disk cache of generated kernels (codecache.py): a later process loads a fused loop's
machine code instead of compiling it; the files are written atomically and rewritten when
they do not hold their text; an unwritable cache compiles in memory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograd_engine import codecache
from autograd_engine.kernels import summation

STEP = """
import numpy as np
import autograd_engine as ae
from autograd_engine import fusion

x, y, z = (ae.tensor(np.arange(1.0, 301.0) * v, requires_grad=True) for v in (2, 3, 4))

@ae.compile
def step(x, y, z):
    (x * y + z).sum().backward()

while step.replays < 2:
    step(x, y, z)
hits = sum(sum(k.stats.cache_hits.values()) for k in fusion._KERNELS.values())
misses = sum(sum(k.stats.cache_misses.values()) for k in fusion._KERNELS.values())
print(len(fusion._KERNELS), hits, misses, x.grad.sum().item())
"""


def _run(folder: Path) -> list[str]:
    env = {**os.environ, "AUTOGRAD_ENGINE_CACHE": str(folder)}
    env.pop("NUMBA_DISABLE_JIT", None)
    done = subprocess.run(
        [sys.executable, "-c", STEP], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="needs Numba's JIT")
def test_a_later_process_loads_the_fused_kernels_from_disk(tmp_path: Path) -> None:
    kernels, hits, misses, first = _run(tmp_path)
    assert int(kernels) >= 1 and int(hits) == 0 and int(misses) == int(kernels)
    written = {p.name for p in (tmp_path / "kernels").iterdir()} - {"__pycache__"}
    assert written and all(
        name.startswith("fused_") and name.endswith(".py") for name in written
    ), written  # no temporary file is left behind
    again = _run(tmp_path)
    assert again == [kernels, misses, "0", first]  # every kernel a hit, the same gradient


def _source(name: str) -> str:
    return f"def {name}(a, out):\n    out[0] = pairwise_total(a, a.dtype.type(0.0)) * 2\n"


def test_a_kernel_file_is_written_once_and_rewritten_when_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOGRAD_ENGINE_CACHE", str(tmp_path))
    kernel = codecache.compile_source(_source("twice"), "twice", {"pairwise_total": summation})
    a, out = np.arange(300.0), np.zeros(1)
    kernel(a, out)
    assert out[0] == 2 * a.sum()
    (path,) = (tmp_path / "kernels").glob("twice_*.py")
    text = path.read_text()
    assert text.startswith(codecache.HEADER)
    assert codecache._stamp(summation) in text  # a changed summation.py names a new file
    path.write_text(text + "oops(\n")
    codecache.compile_source(_source("twice"), "twice", {"pairwise_total": summation})
    assert path.read_text() == text


def test_an_unwritable_cache_compiles_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("AUTOGRAD_ENGINE_CACHE", str(blocker))
    kernel = codecache.compile_source(
        _source("inmemory"), "inmemory", {"pairwise_total": summation}
    )
    out = np.zeros(1, np.float32)
    kernel(np.ones(10, np.float32), out)
    assert out[0] == 20 and blocker.read_text() == "not a folder"


def test_the_cache_folder_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUTOGRAD_ENGINE_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere")
    assert codecache.cache_folder() == Path("/somewhere/autograd_engine/kernels")
    monkeypatch.setenv("AUTOGRAD_ENGINE_CACHE", "/elsewhere")
    assert codecache.cache_folder() == Path("/elsewhere/kernels")
