"""The machine and software the figures come from, for the top of RESULTS.md."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
from pathlib import Path

import numba
import numpy as np

from .peers import blas_threads, torch_or_none


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def simd() -> str:
    flags = next(
        (
            line
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("flags")
        ),
        "",
    ).split()
    return (
        ", ".join(f for f in ("avx2", "fma", "avx512f") if f in flags) or "none of AVX2/FMA/AVX-512"
    )


def numpy_blas() -> str:
    """NumPy's BLAS, with the kernels OpenBLAS chose (AVX2 "Haswell", AVX-512 "SkylakeX", ...)
    and the OPENBLAS_CORETYPE that forced them, if set: the products' speed depends on both."""
    from threadpoolctl import threadpool_info

    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    arch = next((i.get("architecture") for i in threadpool_info() if i["user_api"] == "blas"), None)
    forced = os.environ.get("OPENBLAS_CORETYPE")
    kernels = f", {arch} kernels" if arch else ""
    kernels += f" (OPENBLAS_CORETYPE={forced})" if forced else ""
    return f"{blas['name']} {blas['version']}{kernels}"


def torch_blas(torch) -> str:
    return "MKL" if torch.backends.mkl.is_available() else "no MKL (OpenBLAS or Eigen)"


def git_commit() -> str:
    run = subprocess.run(
        ["git", "describe", "--always", "--dirty"], capture_output=True, text=True, check=False
    )
    return run.stdout.strip() or "unknown"


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def describe(threads: int, command: str) -> list[tuple[str, str]]:
    """(field, value) pairs describing this run."""
    torch = torch_or_none()
    rows = [
        ("date", datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")),
        ("command", f"`{command}`"),
        ("commit", git_commit()),
        ("CPU", f"{cpu_model()}, {os.cpu_count()} logical cores, {simd()}"),
        ("Python", platform.python_version()),
        ("NumPy", f"{np.__version__} ({numpy_blas()}; BLAS threads: {blas_threads()})"),
        ("Numba", f"{numba.__version__} ({numba.threading_layer()} layer, {threads} threads)"),
    ]
    if torch is None:
        rows.append(("PyTorch", "not installed: PyTorch columns are empty"))
    else:
        rows.append(
            (
                "PyTorch",
                f"{torch.__version__} ({torch_blas(torch)}, {torch.get_num_threads()} threads)",
            )
        )
    rows.append(("load average (1, 5, 15 min) at start", load()))
    return rows


def header(fields: list[tuple[str, str]], end_load: str) -> str:
    lines = [
        "# Benchmark results",
        "",
        "Written by `python -m bench` (bench/__main__.py); rerunning overwrites this file.",
        "",
        "| | |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in fields],
        f"| load average at end | {end_load} |",
        "",
        "Method (bench/timing.py): each case runs in its own block of timed rounds after a "
        "short pause, so the previous library's spinning worker threads do not starve it; the "
        "first call of each case (JIT compilation, cache loading) is timed apart and never "
        "enters a median; figures are medians of the rounds. The cases of one comparison run "
        "back to back and ratios are formed only between them. PyTorch runs with as many "
        "threads as Numba (torch.set_num_threads); with `--threads N` NumPy's BLAS gets N too, "
        "otherwise it keeps its default (one thread per core). The machine is shared: compare "
        "ratios, not absolute times across runs. `speed-up` columns are peer time / engine "
        "time (> 1: the engine is faster).",
        f"Python executable: `{sys.executable}`.",
    ]
    return "\n".join(lines)
