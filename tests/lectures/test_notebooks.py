"""Execute every lecture notebook and compare each number it prints with its saved output.

The notebooks pin their seeds (`ae.manual_seed`, `np.random.default_rng`) and run on one thread
(`ae.kernels.set_num_threads(1)`, kernels and BLAS alike), and their kernels get the same AVX2
code paths on every x86-64 machine (OpenBLAS, NumPy and Numba, `run_notebooks.pinned_numerics`),
so a re-run prints the saved numbers.
Every number in the text outputs of each code cell (printed lines and `repr`s) is compared with
the number at the same place in the saved copy: they must agree within `RTOL` relative plus one
unit of the last printed digit (a value on a rounding boundary may print either way); values
below `ATOL` are rounding noise ("max |difference| 2.2e-16") and agree with each other. A notebook
whose saved outputs are stale fails here; `python tools/run_notebooks.py NAME` re-saves it.
Lines reporting wall-clock time are skipped.
"""

import importlib.util
import json
import math
import os
import re
import shutil
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
RTOL = 1e-4  # relative, on top of one unit of the last printed digit
ATOL = 1e-9  # below this, printed values are rounding noise (max |a - b| = 2.2e-16) and agree
NOTEBOOK_TIMEOUT = 600  # seconds for a whole notebook (09 took 286 s on the loaded 2-core machine)
MAX_KIB = 400  # saved notebooks stay small: modest dpi, SVG graphs
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])")
WALL_CLOCK = re.compile(r"run time|\btook\b|\d\s*(?:s|ms|seconds)\b")


def _run_notebooks():
    spec = importlib.util.spec_from_file_location("run_notebooks", ROOT / "tools/run_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def printed_numbers(nb) -> list[list[tuple[str, str]]]:
    """For each code cell, the (number, line) pairs of its text outputs, in order."""
    cells = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        found = []
        for out in cell["outputs"]:
            text = out.get("text") or out.get("data", {}).get("text/plain", "")
            text = "".join(text) if isinstance(text, list) else text
            for line in text.splitlines():
                if not WALL_CLOCK.search(line):
                    found += [(m.group(), line.strip()) for m in NUMBER.finditer(line)]
        cells.append(found)
    return cells


def _last_digit(token: str) -> float:
    """One unit of the last printed digit of `token` ("0.0871" -> 1e-4, "3.2e-05" -> 1e-6)."""
    mantissa, _, exponent = token.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def agree(saved: str, rerun: str) -> bool:
    a, b = float(saved), float(rerun)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    slack = max(_last_digit(saved), _last_digit(rerun), ATOL)
    return abs(a - b) <= RTOL * max(abs(a), abs(b)) + slack * (1 + 1e-9)


def drift(saved_nb, rerun_nb) -> list[str]:
    """A description of every printed number that differs between the two notebooks."""
    problems = []
    for i, (old, new) in enumerate(zip(printed_numbers(saved_nb), printed_numbers(rerun_nb))):
        if len(old) != len(new):
            problems.append(f"code cell {i}: {len(old)} numbers saved, {len(new)} printed now")
            continue
        for (a, line_a), (b, line_b) in zip(old, new):
            if not agree(a, b):
                problems.append(f"code cell {i}: saved {a!r} ({line_a!r}), now {b!r} ({line_b!r})")
    return problems


def test_number_extraction_and_tolerance():
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "outputs": [
                    {"text": "float64 loss 0.0871 (3.2e-05) epoch 3/3 at 0x7f71\nrun time 12 s\n"}
                ],
            }
        ]
    }
    assert [t for t, _ in printed_numbers(nb)[0]] == ["0.0871", "3.2e-05", "3", "3"]
    assert agree("0.0871", "0.0872") and not agree("0.0871", "0.0873")
    assert agree("0.8467", "0.8467") and not agree("0.8467", "0.8508")
    assert agree("1.1e-16", "2.2e-16") and not agree("1.1e-06", "2.2e-06")
    assert agree("16.400022", "16.400023") and not agree("1234567", "1234890")


def draws_graphs(nb) -> bool:
    """Whether a notebook's outputs hold SVG drawings (graphs rendered by Graphviz's `dot`;
    without it, `draw_graph` shows the DOT text instead, which prints other numbers)."""
    return any(
        "image/svg+xml" in out.get("data", {})
        for cell in nb["cells"]
        if cell["cell_type"] == "code"
        for out in cell["outputs"]
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_reproduces_its_saved_numbers(path):
    saved = json.loads(path.read_text())
    if draws_graphs(saved) and shutil.which("dot") is None:
        pytest.skip("draws graphs: needs Graphviz's `dot` (apt-get install graphviz)")
    start = time.perf_counter()
    rerun = _run_notebooks().execute(path)  # raises CellExecutionError on a failing cell
    elapsed = time.perf_counter() - start
    problems = drift(saved, rerun)
    assert not problems, f"{path.name} drifted from its saved outputs:\n" + "\n".join(problems)
    assert elapsed < NOTEBOOK_TIMEOUT, f"{path.name} took {elapsed:.0f} s"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_saved_notebook_is_executed_and_small(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.execution_count is not None for c in code), "run tools/run_notebooks.py"
    assert not any(o.output_type == "error" for c in code for o in c.outputs)
    stderr = [o.text for c in code for o in c.outputs if o.get("name") == "stderr"]
    assert not stderr, f"{path.name} writes to stderr (a warning?): {stderr[0][:300]}"
    assert path.stat().st_size < MAX_KIB * 1024


def test_notebook_kernels_get_the_same_code_paths_on_every_x86_machine():
    """The pins `tools/run_notebooks.py` gives a notebook kernel take effect in a new process:
    OpenBLAS's Haswell kernels, NumPy without its AVX-512 loops, Numba code for Haswell."""
    import subprocess
    import sys

    tool = _run_notebooks()
    pins = tool.pinned_numerics()
    if not pins:
        assert not tool.has_avx2()
        return
    probe = (
        "import numpy, numba.core.config as c\n"
        "from threadpoolctl import threadpool_info\n"
        "try:\n    from numpy._core._multiarray_umath import __cpu_features__ as f\n"
        "except ImportError:\n    from numpy.core._multiarray_umath import __cpu_features__ as f\n"
        "print([i['architecture'] for i in threadpool_info() if i['user_api'] == 'blas'],"
        " c.CPU_NAME, repr(c.CPU_FEATURES), f.get('X86_V4', f.get('AVX512F')))"
    )
    env = dict(os.environ, **pins)
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["['Haswell']", "haswell", "''", "False"], out
