"""LeNet-5 and the recurrent classifiers in the engine and in PyTorch from one set of weights,
their training steps on one batch, and the single thread both run with in sections 8 and 9.

A step is zero_grad, forward, cross-entropy, backward and an SGD step (lr 0.05), float32, the
same batch every step. The PyTorch twin is built from the engine model's layers and loads the
engine's state_dict (same keys), so both start from the same weights; `check_same_step`
asserts that they still agree after two steps.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator

import numpy as np

import autograd_engine as ae
import nn
import nn.functional as F
import optim
from autograd_engine.kernels.threads import limit_threads

from .peers import torch_or_none
from .trainers import make_step, split_step

LR = 0.05
CLASSES = 10


@contextlib.contextmanager
def one_core() -> Iterator[None]:
    """Every thread of the process on one CPU inside the block (threads started inside it
    inherit that), the previous affinities back afterwards; nothing where the OS has no
    affinity call or no /proc to list the threads. JAX has no setting that keeps a jitted
    step on one thread: XLA's runtime runs independent ops of the step on a thread pool
    whatever XLA_FLAGS say (1.4 to 1.7 cores busy on the 784-256-128-10 SGD step at batch 32
    and 128), and pinning the process is the way JAX's maintainers give to limit it."""
    if not hasattr(os, "sched_setaffinity") or not os.path.isdir("/proc/self/task"):
        yield
        return
    cpu = max(os.sched_getaffinity(0))
    previous = {}
    for tid in map(int, os.listdir("/proc/self/task")):
        with contextlib.suppress(OSError):  # the thread may have ended meanwhile
            previous[tid] = os.sched_getaffinity(tid)
            os.sched_setaffinity(tid, {cpu})
    try:
        yield
    finally:
        mine = previous[threading.get_native_id()]
        for tid in map(int, os.listdir("/proc/self/task")):
            with contextlib.suppress(OSError):
                os.sched_setaffinity(tid, previous.get(tid, mine))


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """One thread for the Numba kernels, BLAS and PyTorch inside the block, and the process on
    one core (`one_core`: JAX's jit cannot be limited otherwise), as issues 13 and 17 compare
    single-thread speed; the previous counts and affinities come back afterwards."""
    torch = torch_or_none()
    previous = torch.get_num_threads() if torch is not None else 0
    with limit_threads(1), one_core():
        if torch is not None:
            torch.set_num_threads(1)
        try:
            yield
        finally:
            if torch is not None:
                torch.set_num_threads(previous)


def lenet(size: int) -> nn.Module:
    ae.manual_seed(0)
    return nn.models.LeNet5(input_size=size)


def recurrent(cell: str, features: int, hidden: int) -> nn.Module:
    ae.manual_seed(0)
    return nn.models.RecurrentClassifier(cell, features, hidden, CLASSES)


def _torch_layer(torch, layer: nn.Module):
    """The PyTorch layer with the hyperparameters of an engine layer of LeNet-5."""
    if isinstance(layer, nn.Conv2d):
        return torch.nn.Conv2d(
            layer.in_channels, layer.out_channels, layer.kernel_size, padding=layer.padding
        )
    if isinstance(layer, nn.Linear):
        return torch.nn.Linear(layer.in_features, layer.out_features)
    if isinstance(layer, nn.MaxPool2d):
        return torch.nn.MaxPool2d(layer.kernel_size)
    return getattr(torch.nn, type(layer).__name__)()  # ReLU, Flatten


def torch_twin(torch, model: nn.Module):
    """The PyTorch copy of an engine LeNet-5 or RecurrentClassifier, with its weights."""
    if isinstance(model, nn.models.LeNet5):
        twin = torch.nn.Module()
        for part in ("features", "classifier"):
            layers = [_torch_layer(torch, m) for m in getattr(model, part)]
            twin.add_module(part, torch.nn.Sequential(*layers))
        twin.forward = lambda x: twin.classifier(twin.features(x))
    else:
        rnn = model.rnn
        make = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[model.cell]
        twin = torch.nn.Module()
        twin.rnn = make(rnn.input_size, rnn.hidden_size, batch_first=True)
        twin.head = torch.nn.Linear(rnn.hidden_size, CLASSES)

        def forward(x):
            _, state = twin.rnn(x)
            return twin.head((state[0] if model.cell == "lstm" else state)[-1])

        twin.forward = forward
    state = {k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()}
    twin.load_state_dict(state)
    return twin


def batch(shape: tuple[int, ...], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Standard normal inputs of `shape` (first axis the batch) and random class labels."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape, dtype=np.float32), rng.integers(0, CLASSES, shape[0])


def _pair(model: nn.Module, x: np.ndarray, y: np.ndarray, split: bool = False):
    """{"engine": ..., "torch": ...}: each a step (or with `split`, the step's parts)."""
    torch = torch_or_none()
    build = split_step if split else make_step
    opt = optim.SGD(model.parameters(), lr=LR)
    ex, ey = ae.tensor(x), ae.tensor(y)
    mine = build(model, opt, F.cross_entropy, *((ex, ey) if split else ()))
    found = {"engine": mine if split else (lambda: mine(ex, ey))}
    if torch is not None:
        twin = torch_twin(torch, model)
        topt = torch.optim.SGD(twin.parameters(), lr=LR)
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)
        fn = torch.nn.functional.cross_entropy
        theirs = build(twin, topt, fn, *((tx, ty) if split else ()))
        found["torch"] = theirs if split else (lambda: theirs(tx, ty))
    return found


def steps(model: nn.Module, x: np.ndarray, y: np.ndarray) -> dict[str, Callable[[], object]]:
    """The engine's and PyTorch's training step on (x, y), from the same weights."""
    return _pair(model, x, y)


def step_parts(model: nn.Module, x: np.ndarray, y: np.ndarray) -> dict[str, dict]:
    """Each framework's step in its parts (zero_grad, forward + loss, backward, step)."""
    return _pair(model, x, y, split=True)


def check_same_step(model: nn.Module, x: np.ndarray, y: np.ndarray, rtol: float = 1e-4) -> None:
    """Assert that two SGD steps leave the engine's and PyTorch's weights equal (float32:
    within rtol of each parameter's largest value)."""
    torch = torch_or_none()
    if torch is None:
        return
    twin = torch_twin(torch, model)
    opt, topt = optim.SGD(model.parameters(), lr=LR), torch.optim.SGD(twin.parameters(), lr=LR)
    mine = make_step(model, opt, F.cross_entropy)
    theirs = make_step(twin, topt, torch.nn.functional.cross_entropy)
    for _ in range(2):
        mine(ae.tensor(x), ae.tensor(y))
        theirs(torch.from_numpy(x), torch.from_numpy(y))
    found = dict(model.state_dict())
    for name, p in twin.state_dict().items():
        a, b = found[name].numpy(), p.detach().numpy()
        err = float(np.abs(a - b).max()) / (float(np.abs(b).max()) or 1.0)
        assert err <= rtol, f"{type(model).__name__} {name}: engine and PyTorch differ by {err:.1e}"
