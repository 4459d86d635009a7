"""Optional peers (PyTorch, JAX, tinygrad, micrograd) and the thread counts shared with them."""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
from types import ModuleType

import numba


def optional(name: str) -> ModuleType | None:
    """The module if installed, else None."""
    return importlib.import_module(name) if importlib.util.find_spec(name) else None


def torch_or_none() -> ModuleType | None:
    """PyTorch if installed, else None (its columns are then left empty)."""
    return optional("torch")


def jax_or_none() -> ModuleType | None:
    """JAX if installed, else None. XLA's CPU backend is told to run each op on one thread
    (the flags must be set before JAX loads; a caller's own XLA_FLAGS win). That does not
    keep a jitted step on one thread: the compiled-step section also pins the process to one
    core (nets.one_core)."""
    os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")
    return optional("jax")


def tinygrad_or_none() -> ModuleType | None:
    """tinygrad if installed and Debian's `clang` (its CPU device's compiler) is on PATH, else
    None. Its CPU device runs each kernel on one thread (NUM_CPU_THREADS, read when tinygrad
    loads) on the CPU (DEV); a caller's own settings win."""
    if shutil.which("clang") is None:
        return None
    os.environ.setdefault("NUM_CPU_THREADS", "1")
    os.environ.setdefault("DEV", "CPU")
    return optional("tinygrad")


TINYGRAD_NOTE = (
    "tinygrad is not installed, or Debian's clang (its CPU compiler) is missing: its column is "
    "empty (`apt-get install clang; pip install tinygrad`)."
)


def has_micrograd() -> bool:
    return importlib.util.find_spec("micrograd") is not None


MICROGRAD_NOTE = "micrograd is not installed: its column is skipped (`pip install micrograd`)."


def set_threads(n: int | None) -> int:
    """Give Numba and PyTorch the same thread count (Numba's default when n is None); with an
    explicit n, NumPy's BLAS too (through threadpoolctl, when installed)."""
    if n is not None:
        numba.set_num_threads(n)
        threadpoolctl = optional("threadpoolctl")
        if threadpoolctl is not None:
            threadpoolctl.threadpool_limits(n, user_api="blas")
    threads = numba.get_num_threads()
    torch = torch_or_none()
    if torch is not None:
        torch.set_num_threads(threads)
    return threads


def blas_threads() -> str:
    threadpoolctl = optional("threadpoolctl")
    if threadpoolctl is None:
        return "default (one per core)"
    pools = [p for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
    return ", ".join(f"{p['internal_api']} {p['num_threads']}" for p in pools) or "unknown"
