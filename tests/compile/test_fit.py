"""nn.training.fit(compile=True) and `autograd-engine train --compile`: the same training as
eager mode, weight for weight."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as ae
import nn
import nn.functional as F
import optim
from nn.data import DataLoader, TensorDataset
from nn.metrics import accuracy
from nn.training import fit

pytestmark = pytest.mark.filterwarnings("error::autograd_engine.compiler.CompileWarning")


def train(compile: bool) -> tuple[list[float], list[np.ndarray]]:
    """Four epochs of fit (dropout, a last batch of another size, validation)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((50, 5)).astype("float32")  # 50 = 3 batches of 16 and one of 2
    y = rng.integers(0, 3, 50)
    ae.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 12), nn.ReLU(), nn.Dropout(0.1), nn.Linear(12, 3))
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True, seed=1)
    history = fit(
        model,
        F.cross_entropy,
        optim.Adam(model.parameters(), lr=1e-2),
        loader,
        loader,
        epochs=4,
        metrics={"accuracy": accuracy},
        progress=False,
        seed=3,
        compile=compile,
    )
    logged = history["loss"] + history["val_loss"] + history["accuracy"]
    return logged, [p.numpy().copy() for p in model.parameters()]


def test_fit_compiled_equals_fit_eager(monkeypatch: pytest.MonkeyPatch) -> None:
    made = []

    def compile_and_keep(fn):
        made.append(ae.compiler.compile(fn))
        return made[-1]

    monkeypatch.setattr(ae, "compile", compile_and_keep)
    eager_losses, eager_weights = train(compile=False)
    assert not made
    losses, weights = train(compile=True)
    assert made[0].replays == 4 * 4 - 4  # 4 epochs of 4 batches, 2 recorded calls per size
    assert losses == eager_losses
    for a, b in zip(eager_weights, weights):
        np.testing.assert_array_equal(a, b)


def test_train_command_with_compile_writes_the_same_model(tmp_path, monkeypatch) -> None:
    from autograd_engine.app.cli import main

    monkeypatch.chdir(tmp_path)
    for name, extra in (("eager", []), ("compiled", ["--compile"])):
        args = ["train", "mlp", "--epochs", "2", "--dropout", "0.2", "--out", name, *extra]
        assert main(args) == 0
    eager, compiled = np.load("eager/model.npz"), np.load("compiled/model.npz")
    weights = [k for k in eager.files if k != "__manifest__"]
    assert weights
    for k in weights:
        np.testing.assert_array_equal(eager[k], compiled[k])
