"""Section 2, deep chain: N chained elementwise ops on shape (1,), forward then backward."""

from __future__ import annotations

import gc
import statistics
from collections.abc import Callable

import autograd_engine as ae

from . import plots
from .config import Config
from .peers import MICROGRAD_NOTE, has_micrograd, torch_or_none
from .profiling import profile
from .report import Section, Target, ms, times
from .timing import measure, timed

TARGET_US_PER_OP = 10.0


def chain(x, n: int):
    """n ops alternating y * 1.0001 and y + 0.0001 (the same code for every framework)."""
    y = x
    for i in range(n):
        y = y * 1.0001 if i % 2 else y + 0.0001
    return y.sum()


def cases(x, n: int) -> dict[str, Callable[[], object]]:
    return {"forward": lambda: chain(x, n), "forward + backward": lambda: chain(x, n).backward()}


def backward_seconds(x, n: int, rounds: int) -> float:
    """Median seconds of `.backward()` alone, each time on a freshly recorded chain."""
    return statistics.median(timed(chain(x, n).backward)[1] for _ in range(rounds))


def without_gc(fn: Callable[[], object]) -> Callable[[], None]:
    """fn with Python's cyclic garbage collector paused (a diagnostic, not a fair figure)."""

    def run() -> None:
        gc.disable()
        try:
            fn()
        finally:
            gc.enable()

    return run


def run(cfg: Config) -> Section:
    torch = torch_or_none()
    sizes = cfg.pick([10_000, 100_000], [1_000])
    budget = cfg.budget(rounds=3, round_time=0.0)
    rows, targets, series = [], [], {"engine": [], "PyTorch": []}
    for n in sizes:
        mine_x = ae.tensor([1.0], requires_grad=True)
        work = {f"engine {k}": f for k, f in cases(mine_x, n).items()}
        work["engine, GC paused"] = without_gc(work["engine forward + backward"])
        bwd = {"engine": backward_seconds(mine_x, n, budget.rounds)}
        if torch is not None:
            x = torch.tensor([1.0], requires_grad=True)
            work |= {f"torch {k}": f for k, f in cases(x, n).items()}
            bwd["torch"] = backward_seconds(x, n, budget.rounds)
        t = {k: v.median for k, v in measure(work, budget).items()}
        mine = t["engine forward + backward"]
        peer = t.get("torch forward + backward", float("nan"))
        fwd, peer_fwd = t["engine forward"], t.get("torch forward", float("nan"))
        rows.append(
            [
                f"{n:,}",
                ms(fwd),
                ms(bwd["engine"]),
                f"{mine / n * 1e6:.2f}",
                f"{t['engine, GC paused'] / n * 1e6:.2f}",
                ms(peer_fwd),
                ms(bwd.get("torch", float("nan"))),
                f"{peer / n * 1e6:.2f}",
                times(peer / mine),
            ]
        )
        series["engine"].append(mine / n * 1e6)
        series["PyTorch"].append(peer / n * 1e6)
        if n >= 100_000 or cfg.quick:
            targets.append(
                Target.at_most(
                    f"{n:,}-op chain, forward + backward", mine / n * 1e6, TARGET_US_PER_OP, "us/op"
                )
            )
    section = Section(
        "chain",
        "2. Deep chain: N elementwise ops on shape (1,), forward + backward",
        [
            "ops",
            "engine fwd ms",
            "engine bwd ms",
            "engine us/op",
            "engine us/op, GC paused",
            "PyTorch fwd ms",
            "PyTorch bwd ms",
            "PyTorch us/op",
            "speed-up vs PyTorch",
        ],
        rows,
        targets=targets,
        notes=[
            "Ops alternate `y * 1.0001` and `y + 0.0001`, then `.sum().backward()`; bwd ms is "
            "`.backward()` alone, timed on a freshly recorded chain in each round.",
            "`GC paused` repeats the engine's forward + backward with Python's cyclic garbage "
            "collector disabled: the difference is what collections of the growing graph cost "
            "(PyTorch's graph lives in C++, outside the collector).",
            MICROGRAD_NOTE if not has_micrograd() else "micrograd measured separately.",
        ],
    )
    fig, (ax,) = plots.figure()
    plots.bars(ax, [f"{n:,} ops" for n in sizes], series, "microseconds per op (fwd + bwd)")
    ax.axhline(TARGET_US_PER_OP, color="k", ls="--", lw=0.8)
    ax.set_title("Deep chain of elementwise ops")
    section.plot = plots.save(fig, cfg.plot_dir, "chain")
    if section.missed:
        x = ae.tensor([1.0], requires_grad=True)
        section.profile = profile(lambda: chain(x, sizes[-1]).backward(), 1)
    return section
