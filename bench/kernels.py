"""Section 4, elementwise and reduction kernels at 1K to 16M elements vs NumPy and torch.

The engine column calls `autograd_engine.kernels` (the routed interface the ops use: Numba or
NumPy by size); the NumPy column is the idiomatic NumPy a user would write; `sum` has no kernel
and is timed as `Tensor.sum()`. Row-wise ops (softmax, log-softmax, cross-entropy) use rows of
`ROW` elements.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import autograd_engine as ae
from autograd_engine import kernels as K

from . import plots
from .config import Config
from .peers import torch_or_none
from .report import Section, Target, times, us
from .timing import measure

ROW = 64
LR, BETA1, BETA2, EPS, STEP = 1e-3, 0.9, 0.999, 1e-8, 10
FUSED = [
    "sigmoid",
    "relu",
    "relu backward",
    "softmax",
    "log-softmax",
    "softmax CE fwd+bwd",
    "SGD update",
    "Adam update",
]
TWICE = ["relu backward", "softmax CE fwd+bwd", "SGD update", "Adam update"]
TWICE_SIZES = (1 << 16, 1 << 20)
Case = Callable[[], object]


def np_softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def np_log_softmax(x: np.ndarray) -> np.ndarray:
    shifted = x - x.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def np_cross_entropy(x: np.ndarray, t: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, ...]:
    rows = np.arange(len(t))
    logp = np_log_softmax(x)
    grad = np.exp(logp)
    grad[rows, t] -= 1
    return -logp[rows, t], grad * g[:, None]


def np_adam(p: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray) -> None:
    m *= BETA1
    m += (1 - BETA1) * g
    v *= BETA2
    v += (1 - BETA2) * g * g
    denom = np.sqrt(v) / np.sqrt(1 - BETA2**STEP) + EPS
    p -= LR / (1 - BETA1**STEP) * m / denom


def cross_entropy(x: np.ndarray, t: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, ...]:
    """The engine's forward and backward, as the loss op runs them."""
    losses, probs = K.softmax_cross_entropy(x, t)
    return losses, K.softmax_cross_entropy_backward(probs, t, g)


def engine_cases(x: np.ndarray, g: np.ndarray, t: np.ndarray) -> dict[str, Case]:
    p, m, v, rows = x.copy(), np.zeros_like(x), np.zeros_like(x), x.reshape(-1, ROW)
    gt, tensor = g[: len(t)].copy(), ae.tensor(x)
    return {
        "sigmoid": lambda: K.sigmoid(x),
        "tanh": lambda: K.tanh(x),
        "relu": lambda: K.relu(x),
        "relu backward": lambda: K.relu_backward(x, g),
        "softmax": lambda: K.softmax(rows, 1),
        "log-softmax": lambda: K.log_softmax(rows, 1),
        "sum": lambda: tensor.sum(),
        "softmax CE fwd+bwd": lambda: cross_entropy(rows, t, gt),
        "SGD update": lambda: K.sgd_step_(p, g, None, LR, 0.0, 0.0, False, 0.0, False),
        "Adam update": lambda: K.adam_step_(
            p, g, m, v, None, STEP, LR, BETA1, BETA2, EPS, 0.0, False, False
        ),
    }


def numpy_cases(x: np.ndarray, g: np.ndarray, t: np.ndarray) -> dict[str, Case]:
    p, m, v, rows = x.copy(), np.zeros_like(x), np.zeros_like(x), x.reshape(-1, ROW)
    gt = g[: len(t)].copy()

    def sgd() -> None:
        p.__isub__(LR * g)

    return {
        "sigmoid": lambda: 1 / (1 + np.exp(-x)),
        "tanh": lambda: np.tanh(x),
        "relu": lambda: np.maximum(x, 0),
        "relu backward": lambda: g * (x > 0),
        "softmax": lambda: np_softmax(rows),
        "log-softmax": lambda: np_log_softmax(rows),
        "sum": lambda: x.sum(),
        "softmax CE fwd+bwd": lambda: np_cross_entropy(rows, t, gt),
        "SGD update": sgd,
        "Adam update": lambda: np_adam(p, g, m, v),
    }


def torch_cases(torch, x: np.ndarray, g: np.ndarray, t: np.ndarray) -> dict[str, Case]:
    tx, tg, tt = torch.from_numpy(x), torch.from_numpy(g), torch.from_numpy(t)
    rows, gt = tx.reshape(-1, ROW), tg[: len(t)].clone()
    leaf = rows.clone().requires_grad_()
    p_sgd, p_adam = (tx.clone().requires_grad_() for _ in range(2))
    p_sgd.grad, p_adam.grad = tg.clone(), tg.clone()
    sgd = torch.optim.SGD([p_sgd], lr=LR)
    adam = torch.optim.Adam([p_adam], lr=LR, betas=(BETA1, BETA2), eps=EPS)

    def cross_entropy() -> object:
        loss = torch.nn.functional.cross_entropy(leaf, tt, reduction="none")
        return loss, torch.autograd.grad(loss, leaf, gt)

    return {
        "sigmoid": lambda: torch.sigmoid(tx),
        "tanh": lambda: torch.tanh(tx),
        "relu": lambda: torch.relu(tx),
        "relu backward": lambda: torch.ops.aten.threshold_backward(tg, tx, 0),
        "softmax": lambda: torch.softmax(rows, 1),
        "log-softmax": lambda: torch.log_softmax(rows, 1),
        "sum": lambda: tx.sum(),
        "softmax CE fwd+bwd": cross_entropy,
        "SGD update": sgd.step,
        "Adam update": adam.step,
    }


def run(cfg: Config) -> Section:
    torch = torch_or_none()
    rng = np.random.default_rng(0)
    sizes = cfg.pick([1 << 10, 1 << 16, 1 << 20, 1 << 24], [1 << 12])
    budget = cfg.budget(rounds=5, round_time=0.03)
    ratio: dict[tuple[str, int], tuple[float, float]] = {}
    rows = []
    for n in sizes:
        x = rng.standard_normal(n).astype(np.float32)
        g = rng.standard_normal(n).astype(np.float32)
        t = rng.integers(0, ROW, n // ROW)
        peers = {"engine": engine_cases(x, g, t), "numpy": numpy_cases(x, g, t)}
        if torch is not None:
            peers["torch"] = torch_cases(torch, x, g, t)
        for op in peers["engine"]:
            timing = measure({k: cases[op] for k, cases in peers.items()}, budget)
            m = {k: v.median for k, v in timing.items()}
            mine, peer = m["engine"], m.get("torch", float("nan"))
            ratio[op, n] = (m["numpy"] / mine, peer / mine)
            rows.append(
                [
                    op,
                    f"{n:,}",
                    us(mine),
                    f"{timing['engine'].first * 1e3:.1f}",
                    us(m["numpy"]),
                    us(peer),
                    times(m["numpy"] / mine),
                    times(peer / mine),
                ]
            )
    targets = []
    for op in FUSED:
        worst = min(sizes, key=lambda n: ratio[op, n][0])
        targets.append(
            Target.at_least(
                f"{op} >= NumPy at every size (worst: {worst:,})", ratio[op, worst][0], 1.0
            )
        )
    for op in TWICE:
        at = [n for n in TWICE_SIZES if n in sizes] or sizes[-1:]
        worst = min(at, key=lambda n: ratio[op, n][0])
        targets.append(
            Target.at_least(f"{op} 2x NumPy at 64K-1M (worst: {worst:,})", ratio[op, worst][0], 2.0)
        )
    section = Section(
        "kernels",
        "4. Elementwise and reduction kernels, float32",
        [
            "op",
            "elements",
            "engine us",
            "engine 1st call ms",
            "NumPy us",
            "PyTorch us",
            "speed-up vs NumPy",
            "speed-up vs PyTorch",
        ],
        rows,
        targets=targets,
        notes=[
            "Engine = `autograd_engine.kernels` (Numba or NumPy by size, as the ops call it); "
            "`engine 1st call` is the first call, with JIT compilation or cache loading, kept out "
            "of the medians.",
            f"Row-wise ops use rows of {ROW}; cross-entropy has {ROW} classes, per-row losses and "
            "an upstream gradient; PyTorch does it with F.cross_entropy + autograd.grad.",
            "The NumPy peer is idiomatic NumPy: `1 / (1 + exp(-x))`, `g * (x > 0)`, `p -= lr * g`, "
            "an in-place Adam; PyTorch's updates are torch.optim.SGD/Adam.step() on one tensor.",
            "`sum` has no Numba kernel: the engine column is `Tensor.sum()` (NumPy plus Tensor "
            "overhead); `tanh` is routed to NumPy at every size.",
        ],
    )
    compared = ("NumPy", "PyTorch") if torch is not None else ("NumPy",)  # no empty log panel
    fig, axes = plots.figure(len(compared))
    for ax, k, peer in zip(axes, (0, 1), compared):
        for op in peers["engine"]:
            ax.plot(sizes, [ratio[op, n][k] for n in sizes], marker="o", label=op)
        ax.axhline(1.0, color="k", lw=0.8)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("elements")
        ax.set_ylabel(f"{peer} time / engine time")
        ax.set_title(f"speed-up vs {peer}")
    axes[-1].legend(fontsize=7)
    section.plot = plots.save(fig, cfg.plot_dir, "kernels")
    return section
