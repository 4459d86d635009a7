"""cProfile of an engine workload, summarised as Markdown: time per component, top functions."""

from __future__ import annotations

import cProfile
import pstats
from collections import defaultdict
from collections.abc import Callable

from .report import table

# First matching path fragment names the component a function belongs to.
COMPONENTS = [
    ("autograd_engine/kernels", "kernels (Numba kernels, BLAS calls, NumPy routes)"),
    ("autograd_engine/autograd", "core: backward engine"),
    ("autograd_engine/function", "core: Function.apply / graph recording"),
    ("autograd_engine/tensor", "core: Tensor"),
    ("autograd_engine/ops", "core: op forward/backward"),
    ("autograd_engine", "core: other"),
    ("/nn/", "nn"),
    ("/optim/", "optim"),
    ("numpy", "NumPy (Python part)"),
    ("numba", "Numba dispatcher"),
    ("<built-in method", "C functions (NumPy ufuncs, BLAS, builtins)"),
    ("<method", "C methods (ndarray methods, ...)"),
]


def _component(func: tuple[str, int, str]) -> str:
    where = f"{func[0]}:{func[2]}"
    return next((label for key, label in COMPONENTS if key in where), "other Python")


def profile(fn: Callable[[], object], calls: int, top: int = 12) -> str:
    """Run fn `calls` times under cProfile; Markdown of self time per component and function."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        fn()
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(s[2] for s in stats.values()) or 1e-12
    per_component: dict[str, float] = defaultdict(float)
    for func, s in stats.items():
        per_component[_component(func)] += s[2]
    comp_rows = [
        [name, f"{t / calls * 1e6:.1f}", f"{100 * t / total:.0f} %"]
        for name, t in sorted(per_component.items(), key=lambda kv: -kv[1])
    ]
    funcs = sorted(stats.items(), key=lambda kv: -kv[1][2])[:top]
    func_rows = [
        [
            f"`{_short(func)}`",
            f"{s[1] / calls:.0f}",
            f"{s[2] / calls * 1e6:.1f}",
            f"{s[3] / calls * 1e6:.1f}",
        ]
        for func, s in funcs
    ]
    return "\n\n".join(
        [
            f"Profiled over {calls} calls; cProfile's own overhead inflates Python-heavy parts, "
            "so read shares, not absolute times. A function's self time includes the compiled "
            "code it reaches through operators and NumPy's dispatchers (`@`, `np.dot`, ufuncs "
            "on arrays) and the Numba kernels it calls.",
            table(["component (self time)", "us per call", "share"], comp_rows),
            table(["function", "calls per call", "self us", "cumulative us"], func_rows),
        ]
    )


def _short(func: tuple[str, int, str]) -> str:
    path, line, name = func
    if path == "~":
        return name
    parts = path.split("/")
    return f"{'/'.join(parts[-2:])}:{line}({name})"
