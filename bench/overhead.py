"""Section 1, per-op overhead: `(x * y + z).sum().backward()` on shape (1,) and its forward."""

from __future__ import annotations

import numpy as np

import autograd_engine as ae

from . import plots
from .config import Config
from .peers import MICROGRAD_NOTE, has_micrograd, torch_or_none
from .profiling import profile
from .report import Section, Target, times, us
from .timing import measure

TARGET_US = 20.0


def engine_cases() -> dict[str, object]:
    x, y, z = (ae.tensor([v], requires_grad=True) for v in (1.0, 2.0, 3.0))

    def no_grad() -> None:
        with ae.no_grad():
            (x * y + z).sum()

    return {
        "forward + backward": lambda: (x * y + z).sum().backward(),
        "forward only": lambda: (x * y + z).sum(),
        "no-grad forward": no_grad,
    }


def torch_cases(torch) -> dict[str, object]:
    x, y, z = (torch.tensor([v], requires_grad=True) for v in (1.0, 2.0, 3.0))

    def no_grad() -> None:
        with torch.no_grad():
            (x * y + z).sum()

    return {
        "forward + backward": lambda: (x * y + z).sum().backward(),
        "forward only": lambda: (x * y + z).sum(),
        "no-grad forward": no_grad,
    }


def run(cfg: Config) -> Section:
    torch = torch_or_none()
    a, b, c = (np.array([v], np.float32) for v in (1.0, 2.0, 3.0))
    cases = {f"engine {k}": f for k, f in engine_cases().items()}
    if torch is not None:
        cases |= {f"torch {k}": f for k, f in torch_cases(torch).items()}
    cases["numpy forward"] = lambda: (a * b + c).sum()
    t = {k: v.median for k, v in measure(cases, cfg.budget()).items()}
    rows, ratios = [], []
    for case in engine_cases():
        mine, peer = t[f"engine {case}"], t.get(f"torch {case}", float("nan"))
        ratios.append(peer / mine)
        rows.append([case, us(mine), us(peer), times(peer / mine)])
    rows.append(["NumPy `(a * b + c).sum()` on arrays (floor)", us(t["numpy forward"]), "", ""])
    full = t["engine forward + backward"]
    section = Section(
        "overhead",
        "1. Per-op overhead: `(x * y + z).sum().backward()`, shape (1,), float32",
        ["case", "engine us", "PyTorch us", "speed-up vs PyTorch"],
        rows,
        targets=[Target.at_most("forward + backward", full * 1e6, TARGET_US, "us")],
        notes=[
            "Three ops and a backward pass; the gradient accumulates into x.grad across calls.",
            MICROGRAD_NOTE if not has_micrograd() else "micrograd measured separately.",
        ],
    )
    fig, (ax,) = plots.figure()
    plots.bars(
        ax,
        list(engine_cases()),
        {
            "engine": [t[f"engine {k}"] * 1e6 for k in engine_cases()],
            "PyTorch": [t.get(f"torch {k}", float("nan")) * 1e6 for k in engine_cases()],
        },
        "microseconds per call",
    )
    ax.axhline(TARGET_US, color="k", ls="--", lw=0.8, label="target")
    ax.set_title("(x * y + z).sum() on shape (1,)")
    section.plot = plots.save(fig, cfg.plot_dir, "overhead")
    if section.missed:
        section.profile = profile(engine_cases()["forward + backward"], cfg.pick(20_000, 200))
    return section
