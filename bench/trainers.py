"""One MLP in three implementations (engine, hand-written NumPy, PyTorch) from one set of weights.

`trainers(spec, batch_size)` gives each implementation's training step on the same batch, ready
to time; `check_same_step` asserts that the engine's updated weights equal the NumPy peer's (and
PyTorch's) after a few steps from the same weights.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import autograd_engine as ae
import nn
import nn.functional as F
import optim

from .numpy_mlp import NumpyMLP
from .peers import torch_or_none


@dataclass(frozen=True)
class Spec:
    """Layer widths, loss ("cross_entropy" or "mse") and optimizer ("sgd" or "adam")."""

    widths: tuple[int, ...]
    loss: str
    optimizer: str
    dtype: str = "float32"

    @property
    def lr(self) -> float:
        return 0.05 if self.optimizer == "sgd" else 1e-3

    def __str__(self) -> str:
        widths = "-".join(map(str, self.widths))
        return f"{widths} {self.loss.replace('_', '-')} {self.optimizer.upper()}"


@dataclass
class Trainers:
    """The three models and a zero-argument training step for each, on the same batch."""

    engine: nn.Module
    numpy: NumpyMLP
    torch: object | None
    steps: dict[str, Callable[[], object]]

    def weights(self) -> dict[str, list[np.ndarray]]:
        found = {
            "engine": [p.numpy() for p in self.engine.parameters()],
            "numpy": self.numpy.params,
        }
        if self.torch is not None:
            found["torch"] = [p.detach().numpy() for p in self.torch.parameters()]
        return found


def engine_model(widths: tuple[int, ...], dtype: str = "float32") -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(widths)):
        layers += [nn.ReLU()] if i else []
        layers.append(nn.Linear(n_in, n_out, dtype=getattr(ae, dtype)))
    return nn.Sequential(*layers)


def torch_model(
    torch, widths: tuple[int, ...], weights: list[np.ndarray] | None = None, dtype: str = "float32"
):
    """PyTorch's Sequential of the same layers, with `weights` copied in when given."""
    layers = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(widths)):
        layers += [torch.nn.ReLU()] if i else []
        layers.append(torch.nn.Linear(n_in, n_out))
    model = torch.nn.Sequential(*layers).to(getattr(torch, dtype))
    with torch.no_grad():
        for p, w in zip(model.parameters(), weights or []):
            p.copy_(torch.from_numpy(w))
    return model


def batch(spec: Spec, size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.standard_normal((size, spec.widths[0])).astype(spec.dtype)
    if spec.loss == "mse":
        return x, rng.standard_normal((size, spec.widths[-1])).astype(spec.dtype)
    return x, rng.integers(0, spec.widths[-1], size)


def engine_training(spec: Spec, model: nn.Module) -> tuple[optim.Optimizer, Callable]:
    """The engine's optimizer over the model and its loss function."""
    make = optim.SGD if spec.optimizer == "sgd" else optim.Adam
    loss_fn = F.cross_entropy if spec.loss == "cross_entropy" else F.mse_loss
    return make(model.parameters(), lr=spec.lr), loss_fn


def torch_training(torch, spec: Spec, model) -> tuple[object, Callable]:
    make = torch.optim.SGD if spec.optimizer == "sgd" else torch.optim.Adam
    fn = torch.nn.functional
    loss_fn = fn.cross_entropy if spec.loss == "cross_entropy" else fn.mse_loss
    return make(model.parameters(), lr=spec.lr), loss_fn


def split_step(model, opt, loss_fn: Callable, x, y) -> dict[str, Callable[[], object]]:
    """The training step in its four parts, to run in order; works for both frameworks."""
    state = {}

    def forward() -> None:
        state["loss"] = loss_fn(model(x), y)

    return {
        "zero_grad": opt.zero_grad,
        "forward + loss": forward,
        "backward": lambda: state["loss"].backward(),
        "optimizer step": opt.step,
    }


def make_step(model, opt, loss_fn: Callable) -> Callable[[object, object], None]:
    """zero_grad, forward, loss, backward, optimizer step: the loop a user writes."""

    def step(x, y) -> None:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    return step


def engine_step(spec: Spec, model: nn.Module) -> Callable[[object, object], None]:
    return make_step(model, *engine_training(spec, model))


def torch_step(torch, spec: Spec, model) -> Callable[[object, object], None]:
    return make_step(model, *torch_training(torch, spec, model))


def trainers(spec: Spec, batch_size: int, seed: int = 0) -> Trainers:
    ae.manual_seed(seed)
    model = engine_model(spec.widths, spec.dtype)
    initial = [p.numpy().copy() for p in model.parameters()]
    x, y = batch(spec, batch_size, np.random.default_rng(seed))
    mine = engine_step(spec, model)
    tx, ty = ae.tensor(x, dtype=x.dtype), ae.tensor(y, dtype=y.dtype)
    peer = NumpyMLP([w.copy() for w in initial], spec.loss, spec.optimizer, spec.lr)
    steps = {"engine": lambda: mine(tx, ty), "numpy": lambda: peer.step(x, y)}
    torch = torch_or_none()
    reference = None
    if torch is not None:
        reference = torch_model(torch, spec.widths, initial, spec.dtype)
        theirs = torch_step(torch, spec, reference)
        px, py = torch.from_numpy(x), torch.from_numpy(y)
        steps["torch"] = lambda: theirs(px, py)
    return Trainers(model, peer, reference, steps)


def phase_cases(spec: Spec, batch_size: int) -> dict[str, dict[str, Callable[[], object]]]:
    """The engine's and PyTorch's step parts on one batch, for a per-part breakdown."""
    trio = trainers(spec, batch_size)
    x, y = batch(spec, batch_size, np.random.default_rng(0))
    found = {
        "engine": split_step(
            trio.engine, *engine_training(spec, trio.engine), ae.tensor(x), ae.tensor(y)
        )
    }
    torch = torch_or_none()
    if torch is not None:
        model = trio.torch
        parts = torch_training(torch, spec, model)
        found["torch"] = split_step(model, *parts, torch.from_numpy(x), torch.from_numpy(y))
    return found


def check_same_step(spec: Spec, batch_size: int, steps: int = 3, rtol: float = 1e-7) -> None:
    """Assert that every implementation's weights match the engine's after `steps` steps.

    The check runs in float64: in float32, Adam's m / sqrt(v) turns rounding differences of
    near-cancelling gradient sums into visible weight differences.
    """
    spec = dataclasses.replace(spec, dtype="float64")
    trio = trainers(spec, batch_size)
    for _ in range(steps):
        for step in trio.steps.values():
            step()
    found = trio.weights()
    for name, weights in found.items():
        for i, (mine, theirs) in enumerate(zip(found["engine"], weights)):
            scale = float(np.abs(mine).max()) or 1.0
            err = float(np.abs(mine - theirs).max()) / scale
            assert err <= rtol, (
                f"{spec}, batch {batch_size}: parameter {i} after {steps} steps differs between "
                f"the engine and {name} by {err:.2e} of its largest value (allowed {rtol:g})"
            )
