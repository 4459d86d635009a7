"""Section 6, one epoch of the 784-256-128-10 MLP on Fashion-MNIST with the DataLoader.

The engine uses nn.data.FashionMNIST, TensorDataset and DataLoader; PyTorch the same arrays in
torch.utils.data.TensorDataset and DataLoader (which fetches sample by sample and collates),
and, as a second PyTorch row, a sampler that fetches a whole batch with one index.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np

import autograd_engine as ae
from nn.data import DataLoader, FashionMNIST, TensorDataset

from . import plots
from .config import Config
from .peers import torch_or_none
from .report import Section
from .timing import measure
from .trainers import Spec, engine_model, engine_step, torch_model, torch_step

SPEC = Spec((784, 256, 128, 10), "cross_entropy", "sgd")
BATCH = 128


def engine_epoch(x: np.ndarray, y: np.ndarray) -> tuple[Callable[[], object], Callable[[], float]]:
    """A function running one epoch, and one giving the accuracy on (x, y) afterwards."""
    ae.manual_seed(0)
    model = engine_model(SPEC.widths)
    step = engine_step(SPEC, model)
    loader = DataLoader(TensorDataset(x, y), batch_size=BATCH, shuffle=True, seed=0)

    def epoch() -> None:
        for xb, yb in loader:
            step(xb, yb)

    def accuracy(xt: np.ndarray, yt: np.ndarray) -> float:
        with ae.no_grad():
            return float((model(ae.tensor(xt)).numpy().argmax(1) == yt).mean())

    return epoch, accuracy, [p.numpy().copy() for p in model.parameters()]


def torch_epoch(
    torch, x: np.ndarray, y: np.ndarray, weights: list[np.ndarray], whole_batches: bool
):
    model = torch_model(torch, SPEC.widths, weights)
    step = torch_step(torch, SPEC, model)
    data = torch.utils.data
    dataset = data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    if whole_batches:
        sampler = data.BatchSampler(data.RandomSampler(dataset), BATCH, drop_last=False)
        loader = data.DataLoader(dataset, sampler=sampler, batch_size=None)
    else:
        loader = data.DataLoader(dataset, batch_size=BATCH, shuffle=True)

    def epoch() -> None:
        for xb, yb in loader:
            step(xb, yb)

    def accuracy(xt: np.ndarray, yt: np.ndarray) -> float:
        with torch.no_grad():
            return float((model(torch.from_numpy(xt)).numpy().argmax(1) == yt).mean())

    return epoch, accuracy


def run(cfg: Config) -> Section:
    torch = torch_or_none()
    start = time.perf_counter()
    x, y = FashionMNIST(split="train").as_arrays()
    xt, yt = FashionMNIST(split="test").as_arrays()
    load = time.perf_counter() - start
    if cfg.quick:
        x, y, xt, yt = x[:512], y[:512], xt[:512], yt[:512]
    epoch, accuracy, weights = engine_epoch(x, y)
    runs = {"engine (nn.data DataLoader)": (epoch, accuracy)}
    if torch is not None:
        runs["PyTorch DataLoader (per-sample fetch + collate)"] = torch_epoch(
            torch, x, y, weights, False
        )
        runs["PyTorch, whole-batch sampler"] = torch_epoch(torch, x, y, weights, True)
    budget = cfg.budget(rounds=3, round_time=0.0)
    t = measure({name: fn for name, (fn, _) in runs.items()}, budget)
    epochs = budget.rounds + 1
    mine = t["engine (nn.data DataLoader)"].median
    rows = [
        [
            name,
            f"{t[name].median:.2f}",
            f"{t[name].first:.2f}",
            f"{t[name].median / mine:.2f}x",
            f"{100 * acc(xt, yt):.1f} %",
        ]
        for name, (_, acc) in runs.items()
    ]
    section = Section(
        "epoch",
        f"6. One epoch of MLP {SPEC} on Fashion-MNIST, batch {BATCH}, shuffled",
        [
            "implementation",
            "epoch s (median)",
            "first epoch s",
            "time / engine time",
            f"test accuracy after {epochs} epochs",
        ],
        rows,
        notes=[
            f"{len(x):,} training images (784 float32 pixels in [0, 1]), "
            f"{math.ceil(len(x) / BATCH)} steps per epoch; reading both IDX splits took "
            f"{load:.2f} s and is not timed.",
            "Each implementation starts from the same weights and trains on; the first epoch "
            "includes JIT compilation or cache loading; the median is over the later epochs.",
        ],
    )
    fig, (ax,) = plots.figure()
    names = list(runs)
    ax.barh(range(len(names)), [t[n].median for n in names])
    ax.set_yticks(
        range(len(names)), [n.split(" (")[0].replace(", ", "\n") for n in names], fontsize=8
    )
    ax.set_xlabel("seconds per epoch")
    ax.set_title("Fashion-MNIST epoch, 784-256-128-10 MLP, SGD")
    section.plot = plots.save(fig, cfg.plot_dir, "epoch")
    return section
