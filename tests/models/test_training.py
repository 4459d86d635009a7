"""nn.training.fit: history, early stopping, best checkpoint, reproducibility, Ctrl-C."""

import numpy as np
import pytest

import autograd_engine as ae
import nn
import nn.functional as F
import optim
from nn.data import DataLoader, TensorDataset, make_moons
from nn.metrics import accuracy
from nn.models import MLP
from nn.training import evaluate, fit

X, Y = make_moons(n=300, noise=0.2, seed=0)


def _setup(seed=0, lr=1e-2, dropout=0.0):
    ae.manual_seed(seed)
    model = MLP(2, [16], 2, dropout=dropout)
    train = DataLoader(TensorDataset(X[:200], Y[:200]), batch_size=20, shuffle=True, seed=seed)
    val = DataLoader(TensorDataset(X[200:], Y[200:]), batch_size=100)
    return model, optim.Adam(model.parameters(), lr=lr), train, val


def _fit(model, optimizer, train, val, **kwargs):
    kwargs.setdefault("epochs", 5)
    kwargs.setdefault("progress", False)
    metrics = {"accuracy": accuracy}
    return fit(model, F.cross_entropy, optimizer, train, val, metrics=metrics, **kwargs)


def test_history_has_one_entry_per_epoch():
    history = _fit(*_setup(), epochs=4)
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr", "time"}
    assert all(len(v) == 4 for v in history.values())
    assert history.epochs == 4 and history.stop_reason == "completed"
    assert history["loss"][-1] < history["loss"][0]
    assert history.best == min(history["val_loss"])
    assert history["val_loss"][history.best_epoch - 1] == history.best


def test_validation_metrics_match_evaluate():
    model, optimizer, train, val = _setup()
    history = _fit(model, optimizer, train, val, epochs=2)
    again = evaluate(model, F.cross_entropy, val, {"accuracy": accuracy})
    assert again["loss"] == pytest.approx(history["val_loss"][-1])
    assert again["accuracy"] == history["val_accuracy"][-1]


def test_early_stopping_on_the_validation_metric():
    model, optimizer, train, val = _setup(lr=0.05)
    history = _fit(model, optimizer, train, val, epochs=200, early_stopping=3)
    assert history.stop_reason == "early_stopping"
    assert history.epochs == history.best_epoch + 3 < 200


def test_best_checkpoint_holds_the_best_epoch(tmp_path):
    model, optimizer, train, val = _setup()
    path = tmp_path / "best.npz"
    history = _fit(
        model,
        optimizer,
        train,
        val,
        epochs=6,
        monitor="val_accuracy",
        checkpoint=path,
        checkpoint_extra={"note": "hello"},
    )
    saved = nn.load(path)
    assert saved["epoch"] == history.best_epoch and saved["monitor"] == "val_accuracy"
    assert saved["value"] == max(history["val_accuracy"]) and saved["note"] == "hello"
    restored = MLP(2, [16], 2)
    restored.load_state_dict(saved["model"])
    assert (
        evaluate(restored, F.cross_entropy, val, {"accuracy": accuracy})["accuracy"]
        == saved["value"]
    )


def test_later_monitor_names_break_ties():
    model, optimizer, train, val = _setup()
    history = _fit(model, optimizer, train, val, epochs=8, monitor=("val_accuracy", "val_loss"))
    best = max(history["val_accuracy"])
    tied = [i for i, a in enumerate(history["val_accuracy"]) if a == best]
    expected = min(tied, key=lambda i: history["val_loss"][i]) + 1
    assert history.best_epoch == expected and history.best == best


def test_same_seed_same_run():
    runs = [_fit(*_setup(seed=3, dropout=0.3), seed=3)["loss"] for _ in range(2)]
    assert runs[0] == runs[1]
    assert _fit(*_setup(seed=4, dropout=0.3), seed=4)["loss"] != runs[0]


def test_ctrl_c_keeps_history_and_best_checkpoint(tmp_path):
    path = tmp_path / "best.npz"

    def interrupt(epoch, logs):
        if epoch == 3:
            raise KeyboardInterrupt

    history = _fit(*_setup(), epochs=10, checkpoint=path, callbacks=[interrupt])
    assert history.stop_reason == "interrupted"
    assert history.epochs == 3  # the epoch was logged before its callbacks ran
    assert nn.load(path)["epoch"] == history.best_epoch <= 3


def test_ctrl_c_in_the_middle_of_an_epoch(tmp_path):
    model, optimizer, train, val = _setup()
    batches = iter(range(10**6))

    def loss_fn(output, target):
        if next(batches) == 25:  # 10 batches per epoch: the 3rd epoch's 6th batch
            raise KeyboardInterrupt
        return F.cross_entropy(output, target)

    path = tmp_path / "best.npz"
    history = fit(model, loss_fn, optimizer, train, val, epochs=10, checkpoint=path, progress=False)
    assert history.stop_reason == "interrupted" and history.epochs == 2
    assert nn.load(path)["epoch"] == history.best_epoch


def test_a_callback_can_stop_training():
    history = _fit(*_setup(), epochs=10, callbacks=[lambda epoch, logs: epoch == 2])
    assert history.stop_reason == "callback" and history.epochs == 2


def test_scheduler_steps_each_epoch():
    model, optimizer, train, val = _setup(lr=0.1)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    step = [lambda epoch, logs: scheduler.step()]  # a scheduler is a callback
    history = _fit(model, optimizer, train, val, epochs=3, callbacks=step)
    np.testing.assert_allclose(history["lr"], [0.1, 0.05, 0.025])


def test_custom_step_and_no_monitor(tmp_path):
    model, optimizer, train, _ = _setup()

    def step(batch):
        x, y = batch
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return {"my_loss": loss.item()}

    path = tmp_path / "last.npz"
    history = fit(
        model, None, None, train, epochs=3, monitor=None, step=step, checkpoint=path, progress=False
    )
    assert set(history) == {"my_loss", "time"} and nn.load(path)["epoch"] == 3


def test_bad_arguments():
    model, optimizer, train, _ = _setup()
    with pytest.raises(ValueError, match="epochs"):
        fit(model, F.cross_entropy, optimizer, train, epochs=-1)
    with pytest.raises(ValueError, match="loss_fn"):
        fit(model, None, optimizer, train)
    with pytest.raises(KeyError, match="monitor"):
        fit(model, F.cross_entropy, optimizer, train, epochs=1, monitor="val_loss", progress=False)


def test_progress_bar_is_quiet_when_stdout_is_not_a_terminal(capsys):
    _fit(*_setup(), epochs=1, progress=None)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
