"""Section 3, matmul GFLOP/s: the engine's `@` against np.matmul and torch, float32/float64."""

from __future__ import annotations

import numpy as np

import autograd_engine as ae

from . import plots
from .config import Config
from .peers import torch_or_none
from .profiling import profile
from .report import Section, Target, times, us
from .timing import Budget, measure

TARGET = 0.9  # of NumPy's GFLOP/s, from n = 256 up
TARGET_FROM = 256


def pair(rng: np.random.Generator, m: int, k: int, n: int, dtype) -> tuple[np.ndarray, ...]:
    return rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype)


def timings(a: np.ndarray, b: np.ndarray, budget: Budget, torch, dot: bool) -> dict[str, float]:
    """Median seconds of the engine, np.matmul (np.dot too if `dot`) and torch on a @ b."""
    ta, tb = ae.tensor(a, dtype=a.dtype), ae.tensor(b, dtype=b.dtype)
    cases = {"engine": lambda: ta @ tb, "np.matmul": lambda: np.matmul(a, b)}
    if dot:
        cases["np.dot"] = lambda: np.dot(a, b)
    if torch is not None:
        pa, pb = torch.from_numpy(a), torch.from_numpy(b)
        cases["torch"] = lambda: pa @ pb
    return {k: v.median for k, v in measure(cases, budget).items()}


def run(cfg: Config) -> Section:
    torch = torch_or_none()
    rng = np.random.default_rng(0)
    sizes = cfg.pick([64, 128, 256, 512, 1024, 2048], [64, 128])
    budget = cfg.budget(rounds=7)
    rows, targets = [], []
    fig, axes = plots.figure(2)
    for ax, dtype in zip(axes, (np.float32, np.float64)):
        name = np.dtype(dtype).name
        curves: dict[str, list[float]] = {"engine": [], "np.matmul": [], "torch": []}
        for n in sizes:
            t = timings(*pair(rng, n, n, n, dtype), budget, torch, dot=False)
            gflops = {k: 2 * n**3 / v / 1e9 for k, v in t.items()}
            for k in curves:
                curves[k].append(gflops.get(k, float("nan")))
            share = gflops["engine"] / gflops["np.matmul"]
            rows.append(
                [
                    name,
                    f"{n}x{n} @ {n}x{n}",
                    f"{gflops['engine']:.1f}",
                    f"{gflops['np.matmul']:.1f}",
                    f"{gflops.get('torch', float('nan')):.1f}",
                    f"{100 * share:.0f} %",
                ]
            )
            if n >= TARGET_FROM or cfg.quick:
                targets.append(Target.at_least(f"{name} n={n}, share of np.matmul", share, TARGET))
        for k, values in curves.items():
            ax.plot(sizes, values, marker="o", label=k)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("n (square n x n matrices)")
        ax.set_ylabel("GFLOP/s")
        ax.set_title(name)
        ax.legend(fontsize=8)
    x = rng.standard_normal((1, 784)).astype(np.float32)
    g = rng.standard_normal((1, 256)).astype(np.float32)
    t = timings(x.T, g, budget, torch, dot=True)
    best = min(t["np.matmul"], t["np.dot"])
    rows.append(
        [
            "float32",
            "weight gradient X.T @ G, X (1, 784), G (1, 256)",
            f"{us(t['engine'])} us",
            f"{us(t['np.matmul'])} us (np.dot {us(t['np.dot'])} us)",
            f"{us(t.get('torch', float('nan')))} us",
            f"{100 * best / t['engine']:.0f} %",
        ]
    )
    targets.append(
        Target.at_least(
            "batch-1 weight gradient, share of NumPy's best", best / t["engine"], TARGET
        )
    )
    section = Section(
        "matmul",
        "3. Matmul: GFLOP/s of `a @ b` (Tensors without grad) against np.matmul and torch",
        [
            "dtype",
            "shape",
            "engine GFLOP/s",
            "np.matmul GFLOP/s",
            "PyTorch GFLOP/s",
            "engine / NumPy",
        ],
        rows,
        targets=targets,
        notes=[
            f"Targets count from n = {TARGET_FROM}; the weight-gradient row gives times and "
            "compares with the faster of np.matmul and np.dot (np.matmul has a slow path for "
            "inner dimension 1).",
            f"engine / NumPy for the weight gradient is NumPy's best time / engine time; PyTorch "
            f"speed-up there: {times(t.get('torch', float('nan')) / t['engine'])}.",
        ],
    )
    section.plot = plots.save(fig, cfg.plot_dir, "matmul")
    if section.missed:
        ta, tb = ae.tensor(x).T, ae.tensor(g)
        section.profile = profile(lambda: ta @ tb, cfg.pick(2000, 20))
    return section
