"""Section 5, MLP training steps: the engine against PyTorch and the hand-written NumPy peer.

A step is zero_grad, forward, loss, backward and the optimizer step, float32. Before timing,
each configuration asserts that the engine's updated weights equal the NumPy peer's.
"""

from __future__ import annotations

import math

from . import plots
from .config import Config
from .profiling import profile
from .report import Section, Target, table, times, us
from .timing import measure, phases
from .trainers import Spec, check_same_step, phase_cases, trainers

MNIST_SGD = Spec((784, 256, 128, 10), "cross_entropy", "sgd")
MNIST_ADAM = Spec((784, 256, 128, 10), "cross_entropy", "adam")
SMALL_SGD = Spec((2, 64, 64, 1), "mse", "sgd")
SMALL_ADAM = Spec((2, 64, 64, 1), "mse", "adam")
VS_TORCH = {1: 1.5, 32: 1.5, 128: 1.2, 512: 1.2}  # MNIST_SGD: speed-up over PyTorch
VS_NUMPY = 1.2  # MNIST_SGD from batch 32: engine time at most this times NumPy's
SMALL_VS_TORCH = 3.0


def run(cfg: Config) -> Section:
    batches = cfg.pick([1, 32, 128, 512], [32])
    configs = [(s, b) for s in (MNIST_SGD, MNIST_ADAM) for b in batches]
    configs += [(SMALL_SGD, 32), (SMALL_ADAM, 32)]
    rows, targets, results = [], [], {}
    for spec, size in configs:
        check_same_step(spec, size)
        m = {k: v.median for k, v in measure(trainers(spec, size).steps, cfg.budget()).items()}
        results[spec, size] = m
        vs_torch = m.get("torch", math.nan) / m["engine"]
        rows.append(
            [
                str(spec),
                str(size),
                us(m["engine"]),
                us(m["numpy"]),
                us(m.get("torch", math.nan)),
                times(vs_torch),
                f"{m['engine'] / m['numpy']:.2f}",
            ]
        )
        if spec == MNIST_SGD and size in VS_TORCH:
            targets.append(
                Target.at_least(f"{spec}, batch {size}, vs PyTorch", vs_torch, VS_TORCH[size])
            )
        if spec == MNIST_SGD and size >= 32:
            targets.append(
                Target(
                    f"{spec}, batch {size}, engine / NumPy time",
                    f"<= {VS_NUMPY}",
                    f"{m['engine'] / m['numpy']:.2f}",
                    m["engine"] / m["numpy"] <= VS_NUMPY,
                )
            )
        if spec == SMALL_SGD:
            targets.append(
                Target.at_least(f"{spec}, batch {size}, vs PyTorch", vs_torch, SMALL_VS_TORCH)
            )
    section = Section(
        "mlp",
        "5. MLP training step (zero_grad, forward, loss, backward, optimizer step), float32",
        [
            "model",
            "batch",
            "engine us",
            "NumPy peer us",
            "PyTorch us",
            "speed-up vs PyTorch",
            "engine / NumPy time",
        ],
        rows,
        targets=targets,
        notes=[
            "Before timing, every row asserts that three steps from the same weights give the "
            "same weights in the engine, the NumPy peer (bench/numpy_mlp.py) and PyTorch "
            "(in float64; max difference <= 1e-7 of the largest weight).",
            "SGD lr 0.05, Adam lr 1e-3 with default betas; the same batch every step.",
        ],
    )
    fig, axes = plots.figure(2)
    for ax, spec in zip(axes, (MNIST_SGD, MNIST_ADAM)):
        for name in ("engine", "numpy", "torch"):
            ax.plot(
                batches,
                [results[spec, b].get(name, math.nan) * 1e6 for b in batches],
                marker="o",
                label=name,
            )
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("batch size")
        ax.set_ylabel("microseconds per training step")
        ax.set_title(str(spec))
        ax.legend(fontsize=8)
    section.plot = plots.save(fig, cfg.plot_dir, "mlp")
    if section.missed:
        worst = min((t for t in section.missed), key=lambda t: float(t.measured.rstrip("x")))
        size = next(b for b in batches if f"batch {b}," in worst.what)
        spec = SMALL_SGD if str(SMALL_SGD) in worst.what else MNIST_SGD
        parts = phase_cases(spec, size)
        split = {name: phases(p, cfg.pick(300, 5)) for name, p in parts.items()}
        rows = [
            [part, us(t), us(split.get("torch", {}).get(part, math.nan))]
            for part, t in split["engine"].items()
        ]
        section.profile = "\n\n".join(
            [
                f"Profiled: {spec}, batch {size}. Median time of each part of the step:",
                table(["part", "engine us", "PyTorch us"], rows),
                profile(trainers(spec, size).steps["engine"], cfg.pick(300, 10)),
            ]
        )
    return section
