"""Execute the lecture notebooks in place, so the saved outputs match the code.

    python tools/run_notebooks.py                 # every notebooks/*.ipynb
    python tools/run_notebooks.py 01 03_vanish    # those whose name starts with a prefix
    python tools/run_notebooks.py --check         # run, but leave the files untouched

Each notebook runs in a fresh kernel from inside `notebooks/` (so relative paths work), with
PYTHONHASHSEED fixed and no timing metadata written, so re-running gives the same file apart
from wall-clock times. On x86-64 the kernel's floating-point code paths are pinned to AVX2
(`pinned_numerics`): OpenBLAS, NumPy and Numba otherwise pick AVX-512 code where the CPU has it,
whose rounding differs, and a training loop turns a last-bit difference into another printed
number; pinned, every x86-64 machine with AVX2 and FMA prints the saved numbers. The notebooks
seed their own generators (`ae.manual_seed`, `np.random.default_rng`) and run on one thread
(`ONE_THREAD`: OpenBLAS splits a product over two threads differently, so the numbers would
otherwise depend on the core count);
tests/lectures/test_notebooks.py re-executes them and compares every printed number with the
saved copy.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def numpy_cpu() -> Any:
    """NumPy's module that lists the CPU features it found and the ones it dispatches to."""
    try:
        from numpy._core import _multiarray_umath
    except ImportError:  # NumPy 1.x
        from numpy.core import _multiarray_umath
    return _multiarray_umath


def has_avx2() -> bool:
    """An x86-64 CPU with AVX2 and FMA: the one OpenBLAS's Haswell kernels need."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    features = numpy_cpu().__cpu_features__
    return bool(features.get("AVX2") and features.get("FMA3"))


# One thread for BLAS and Numba in the kernel: OpenBLAS splits a product differently over two
# threads than over one, so the printed numbers would otherwise depend on the core count.
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def pinned_numerics() -> dict[str, str]:
    """Environment variables that give a notebook kernel the same floating-point code on every
    x86-64 machine with AVX2: OpenBLAS's Haswell kernels, Numba code generated for Haswell (no
    host extras), and NumPy's AVX2 loops (its AVX-512 dispatch targets turned off). None
    elsewhere (other architectures, and x86-64 CPUs without AVX2 and FMA)."""
    if not has_avx2():  # other architectures, or a CPU older than Haswell
        return {}
    wide = [t for t in numpy_cpu().__cpu_dispatch__ if t.startswith("AVX512") or t == "X86_V4"]
    return {
        "OPENBLAS_CORETYPE": "Haswell",
        "NUMBA_CPU_NAME": "haswell",
        "NUMBA_CPU_FEATURES": "",
        "NPY_DISABLE_CPU_FEATURES": " ".join(wide),
    }


def execute(path: Path, timeout: int = 600, kernel: str = "python3") -> nbformat.NotebookNode:
    """Run every cell of the notebook at `path` in a fresh kernel and return it with outputs."""
    nb = nbformat.read(path, as_version=4)
    env = dict(os.environ, PYTHONHASHSEED="0", **pinned_numerics(), **ONE_THREAD)
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute(env=env)  # the kernel's environment, not this process's
    return nb


def select(prefixes: list[str]) -> list[Path]:
    found = sorted(NOTEBOOKS.glob("*.ipynb"))
    if not prefixes:
        return found
    chosen = [p for p in found if any(p.name.startswith(x) for x in prefixes)]
    missing = [x for x in prefixes if not any(p.name.startswith(x) for p in found)]
    if missing:
        raise SystemExit(f"no notebook starts with: {', '.join(missing)}")
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefixes", nargs="*", help="run only notebooks starting with these")
    parser.add_argument("--check", action="store_true", help="execute without saving")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell (600)")
    args = parser.parse_args(argv)
    failed = []
    for path in select(args.prefixes):
        start = time.perf_counter()
        try:
            nb = execute(path, args.timeout)
        except Exception as exc:  # report every failing notebook, not only the first
            failed.append(path.name)
            print(f"FAIL {path.name}: {type(exc).__name__}: {str(exc)[-2000:]}", file=sys.stderr)
            continue
        if not args.check:
            nbformat.write(nb, path)
        seconds, size = time.perf_counter() - start, path.stat().st_size / 1024
        print(f"ok   {path.name}  {seconds:5.1f} s  {size:6.0f} KiB", flush=True)
    if failed:
        print(f"{len(failed)} notebook(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
