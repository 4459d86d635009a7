"""A PyTorch-style training script, ported by changing imports, trains an MLP on two moons.

It uses DataLoader, CrossEntropyLoss, Adam, a scheduler and a checkpoint; resuming from the
checkpoint halfway (model, optimizer, scheduler, loader and RNG state) must give exactly the
parameters of an uninterrupted run.
"""

from pathlib import Path

import numpy as np

import autograd_engine as ae
import nn
import optim
from nn.data import DataLoader, TensorDataset, make_moons

EPOCHS = 30


def make_run(seed: int = 0):
    """The data and the loader's shuffling are fixed; `seed` sets the initial weights."""
    ae.manual_seed(seed)
    x, y = make_moons(n=400, noise=0.1, seed=0)
    loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True, seed=0)
    model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Dropout(0.1), nn.Linear(32, 2))
    optimizer = optim.Adam(model.parameters(), lr=0.02)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)
    return model, optimizer, scheduler, loader, (x, y)


def train_epochs(model, optimizer, scheduler, loader, epochs):
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for _ in range(epochs):
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
        scheduler.step()


def accuracy(model, x, y) -> float:
    model.eval()
    with ae.no_grad():
        predicted = model(ae.tensor(x)).argmax(axis=1).numpy()
    return float((predicted == y).mean())


def checkpoint(path: Path, model, optimizer, scheduler, loader) -> None:
    nn.save(
        {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "loader": loader.state_dict(),
            "rng": ae.get_rng_state(),
        },
        path,
    )


def test_mlp_on_two_moons_reaches_97_percent():
    model, optimizer, scheduler, loader, (x, y) = make_run()
    train_epochs(model, optimizer, scheduler, loader, EPOCHS)
    assert accuracy(model, x, y) >= 0.97


def test_resume_from_checkpoint_matches_uninterrupted_run(tmp_path):
    model, optimizer, scheduler, loader, _ = make_run()
    train_epochs(model, optimizer, scheduler, loader, EPOCHS)
    expected = {k: v.numpy().copy() for k, v in model.state_dict().items()}

    first = make_run()
    train_epochs(*first[:4], EPOCHS // 2)
    checkpoint(tmp_path / "ckpt.npz", *first[:4])

    model, optimizer, scheduler, loader, _ = make_run(seed=123)  # fresh objects, other weights
    state = nn.load(tmp_path / "ckpt.npz")
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    loader.load_state_dict(state["loader"])
    ae.set_rng_state(state["rng"])
    train_epochs(model, optimizer, scheduler, loader, EPOCHS - EPOCHS // 2)

    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), expected[name], err_msg=name)
