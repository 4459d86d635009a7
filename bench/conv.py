"""Section 8, convolutional networks: conv2d forward + backward and the LeNet-5 training step
against PyTorch, one thread each, and how their time grows with the image size.

conv2d: x (64, 16, S, S) by 32 filters 3 x 3 with padding 1 and a bias, forward and then
backward of a fixed upstream gradient (all three gradients). LeNet-5: nn.models.LeNet5 (5 x 5
convolutions, max pooling, 120-84-10 head, ReLU) on a batch of 64 S x S images, SGD.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

import autograd_engine as ae
import nn.functional as F

from . import nets, plots
from .config import Config
from .peers import torch_or_none
from .profiling import profile
from .report import Section, Target, ms, table, times
from .timing import measure, phases

TARGETS = {"conv2d": 0.8, "LeNet-5": 1.0}  # speed-up over PyTorch at S = 28, batch 64
SIZE = 28


def conv_cases(n: int, size: int) -> dict[str, Callable[[], object]]:
    """conv2d forward + backward in both frameworks on the same arrays; checks first that
    their outputs and gradients agree."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 16, size, size), dtype=np.float32)
    w = rng.standard_normal((32, 16, 3, 3), dtype=np.float32) / 12
    b = rng.standard_normal(32, dtype=np.float32)
    g = rng.standard_normal((n, 32, size, size), dtype=np.float32)
    mine = [ae.tensor(a, requires_grad=True) for a in (x, w, b)]
    eg = ae.tensor(g)

    def engine() -> object:
        for t in mine:
            t.grad = None
        out = F.conv2d(*mine, padding=1)
        out.backward(eg)
        return out

    cases = {"engine": engine}
    torch = torch_or_none()
    if torch is not None:
        theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
        tg = torch.from_numpy(g)

        def peer() -> object:
            for t in theirs:
                t.grad = None
            out = torch.nn.functional.conv2d(*theirs, padding=1)
            out.backward(tg)
            return out

        cases["torch"] = peer
        found = [engine().numpy(), *(t.grad.numpy() for t in mine)]
        expected = [peer().detach().numpy(), *(t.grad.numpy() for t in theirs)]
        for name, a, e in zip(("output", "grad x", "grad w", "grad b"), found, expected):
            err = float(np.abs(a - e).max()) / float(np.abs(e).max())
            assert err < 1e-4, f"conv2d {x.shape}: {name} differs from PyTorch by {err:.1e}"
    return cases


def lenet_cases(n: int, size: int) -> dict[str, Callable[[], object]]:
    x, y = nets.batch((n, 1, size, size))
    nets.check_same_step(nets.lenet(size), x, y)
    return nets.steps(nets.lenet(size), x, y)


WORK = {"conv2d": conv_cases, "LeNet-5": lenet_cases}


def run(cfg: Config) -> Section:
    n = cfg.pick(64, 8)
    sizes = cfg.pick([14, 28, 56], [14])
    results: dict[tuple[str, int], dict] = {}
    rows, targets = [], []
    with nets.one_thread():
        for work, cases in WORK.items():
            for size in sizes:
                found = measure(cases(n, size), cfg.budget(rounds=cfg.pick(11, 3)))
                m = {k: v.median for k, v in found.items()}
                results[work, size] = m
                ratio = m.get("torch", math.nan) / m["engine"]
                rows.append(
                    [
                        work,
                        f"{size} x {size}",
                        ms(m["engine"]),
                        ms(m.get("torch", math.nan)),
                        times(ratio),
                        ms(found["engine"].first),
                    ]
                )
                if size == cfg.pick(SIZE, sizes[-1]):
                    what = f"{work}, batch {n}, {size} x {size}, vs PyTorch"
                    targets.append(Target.at_least(what, ratio, TARGETS[work]))
        section = Section(
            "conv",
            "8. Convolutional networks: conv2d forward + backward and the LeNet-5 training step, "
            "one thread each, float32",
            ["work", "image", "engine ms", "PyTorch ms", "speed-up vs PyTorch", "engine 1st ms"],
            rows,
            targets=targets,
            notes=[
                f"conv2d: x ({n}, 16, S, S) by 32 filters 3 x 3, padding 1, bias; forward, "
                "then backward of a fixed upstream gradient (grad x, grad w, grad b). Before "
                "timing, the engine's output and gradients are checked against PyTorch's.",
                f"LeNet-5: nn.models.LeNet5(input_size=S) (5 x 5 convolutions, padding 2 on the "
                f"first when S < 32, 2 x 2 max pooling, ReLU, 120-84-10) on {n} images, "
                "cross-entropy, SGD lr 0.05, the same batch every step; PyTorch's twin loads "
                "the engine's state_dict, and both are checked to agree after two steps.",
                "Numba kernels, BLAS and PyTorch each run one thread (bench/nets.py "
                "`one_thread`). `engine 1st ms` is the first call (Numba cache loading or "
                "compilation), never part of a median.",
            ],
        )
        panels = [
            (
                f"{work}, batch {n}",
                {
                    peer: [results[work, s].get(peer, math.nan) * 1e3 for s in sizes]
                    for peer in ("engine", "torch")
                },
            )
            for work in WORK
        ]
        section.plot = plots.peer_panels(
            cfg.plot_dir, "conv", sizes, panels, "image side S (pixels)", "ms per call"
        )
        if section.missed:
            section.profile = missed_profile(section.missed, n, cfg)
    return section


def missed_profile(missed: list[Target], n: int, cfg: Config) -> str:
    """The worst miss: the median time of each part of the step in both frameworks, and a
    cProfile of the engine's."""
    worst = min(missed, key=lambda t: float(t.measured.rstrip("x")))
    work = next(w for w in WORK if worst.what.startswith(w))
    size = int(worst.what.split(" x ")[1].split(",")[0])
    if work == "LeNet-5":
        x, y = nets.batch((n, 1, size, size))
        parts = nets.step_parts(nets.lenet(size), x, y)
        split = {name: phases(p, cfg.pick(30, 3)) for name, p in parts.items()}
        rows = [
            [part, ms(t), ms(split.get("torch", {}).get(part, math.nan))]
            for part, t in split["engine"].items()
        ]
        fn = nets.steps(nets.lenet(size), x, y)["engine"]
    else:
        split = {name: phases(p, cfg.pick(30, 3)) for name, p in conv_parts(n, size).items()}
        rows = [
            [part, ms(t), ms(split.get("torch", {}).get(part, math.nan))]
            for part, t in split["engine"].items()
        ]
        fn = conv_cases(n, size)["engine"]
    return "\n\n".join(
        [
            f"Profiled: {worst.what}. Median time of each part:",
            table(["part", "engine ms", "PyTorch ms"], rows),
            profile(fn, cfg.pick(30, 3)),
        ]
    )


def conv_parts(n: int, size: int) -> dict[str, dict[str, Callable[[], object]]]:
    """conv2d's forward and backward apart, in both frameworks."""
    found = {"engine": _parts(ae.tensor, F.conv2d, n, size)}
    torch = torch_or_none()
    if torch is not None:
        found["torch"] = _parts(torch.tensor, torch.nn.functional.conv2d, n, size)
    return found


def _parts(tensor: Callable, conv: Callable, n: int, size: int) -> dict[str, Callable]:
    rng = np.random.default_rng(0)
    shapes = ((n, 16, size, size), (32, 16, 3, 3), (32,))
    inputs = [tensor(rng.standard_normal(s, dtype=np.float32), requires_grad=True) for s in shapes]
    g = tensor(rng.standard_normal((n, 32, size, size), dtype=np.float32))
    state = {}

    def forward() -> None:
        for t in inputs:
            t.grad = None
        state["out"] = conv(*inputs, padding=1)

    return {"forward": forward, "backward": lambda: state["out"].backward(g)}
