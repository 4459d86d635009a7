"""The training loop: `fit` a model epoch by epoch and `evaluate` it on held-out data.

Each epoch runs over the training batches (an update per batch), then over the validation
batches in evaluation mode without recording a graph, and appends every value to the history:
"loss" and each metric for the training batches (averaged over samples, as the model was
while it trained), the same names prefixed "val_" for the validation set, "lr" and "time".
The best epoch by the monitored value is checkpointed (`nn.save`); training stops early when
that value has not improved for `early_stopping` epochs. Ctrl-C ends training cleanly: the
history of the finished epochs is returned and the last best checkpoint is left intact.

A batch is a tuple (inputs..., target); a batch of one array is its own target (autoencoders).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

# The plain text bar: tqdm.auto would pick the widget bar in Jupyter and, without ipywidgets,
# warn at import ("IProgress not found") in every notebook that imports nn.
from tqdm import tqdm

import autograd_engine as ae

from .module import Module
from .serialization import save

Metric = Callable[[Any, Any], float]
Callback = Callable[[int, dict[str, float]], Any]


class History(dict):
    """Per-epoch values by name (lists, one entry per finished epoch) and how training ended:
    `stop_reason` is "completed", "early_stopping", "callback" or "interrupted"; `best_epoch`
    (1-based) and `best` are the monitored value's best epoch and value."""

    def __init__(self) -> None:
        super().__init__()
        self.stop_reason = "completed"
        self.best_epoch: int | None = None
        self.best: float | None = None

    @property
    def epochs(self) -> int:
        return max((len(v) for v in self.values()), default=0)

    def append(self, logs: Mapping[str, float]) -> None:
        for name, value in logs.items():
            self.setdefault(name, []).append(value)


def split_batch(batch: Sequence[Any]) -> tuple[tuple[Any, ...], Any]:
    """(inputs, target): the last entry is the target, or the input itself if it is alone."""
    if len(batch) == 1:
        return (batch[0],), batch[0]
    return tuple(batch[:-1]), batch[-1]


def higher_is_better(name: str) -> bool:
    """Whether a logged value improves upward: accuracies do, losses and errors do not."""
    return "acc" in name


class _Averages:
    """Sample-weighted running means of named values."""

    def __init__(self) -> None:
        self.sums: dict[str, float] = {}
        self.count = 0

    def add(self, values: Mapping[str, float], n: int) -> None:
        for name, value in values.items():
            self.sums[name] = self.sums.get(name, 0.0) + float(value) * n
        self.count += n

    def means(self, prefix: str = "") -> dict[str, float]:
        return {prefix + k: v / max(self.count, 1) for k, v in self.sums.items()}


def _batch_values(
    output: Any, target: Any, loss: ae.Tensor, metrics: Mapping[str, Metric]
) -> dict[str, float]:
    return {"loss": loss.item(), **{name: fn(output, target) for name, fn in metrics.items()}}


def save_checkpoint(
    path: str | os.PathLike[str],
    model: Module,
    epoch: int,
    monitor: str | Sequence[str] | None = None,
    value: float | None = None,
    extra: Mapping[str, Any] | None = None,
) -> None:
    """Save {"model": state_dict, "epoch", "monitor", "value", **extra} atomically."""
    state = {"model": model.state_dict(), "epoch": epoch, "monitor": monitor, "value": value}
    save({**state, **(extra or {})}, path)


def evaluate(
    model: Module,
    loss_fn: Callable[[Any, Any], ae.Tensor],
    loader: Iterable[Sequence[Any]],
    metrics: Mapping[str, Metric] | None = None,
) -> dict[str, float]:
    """The sample-weighted mean loss and metrics over `loader`, in evaluation mode and without
    recording a graph; the model's mode is restored afterwards."""
    was_training = model.training
    model.eval()
    averages = _Averages()
    try:
        with ae.no_grad():
            for batch in loader:
                inputs, target = split_batch(batch)
                output = model(*inputs)
                values = _batch_values(output, target, loss_fn(output, target), metrics or {})
                averages.add(values, inputs[0].shape[0])
    finally:
        model.train(was_training)
    return averages.means()


def _update(model: Module, loss_fn: Callable, optimizer: Any) -> Callable[..., tuple]:
    """fit's standard update on a batch: forward, loss, zero_grad, backward, optimizer step;
    returns the output and the loss."""

    def update(target: Any, *inputs: Any) -> tuple[Any, ae.Tensor]:
        output = model(*inputs)
        loss = loss_fn(output, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return output, loss

    return update


def _progress_enabled(progress: bool | None) -> bool:
    return sys.stdout.isatty() if progress is None else progress


def fit(
    model: Module,
    loss_fn: Callable[[Any, Any], ae.Tensor] | None,
    optimizer: Any,
    train_loader: Iterable[Sequence[Any]],
    val_loader: Iterable[Sequence[Any]] | None = None,
    *,
    epochs: int = 10,
    metrics: Mapping[str, Metric] | None = None,
    monitor: str | Sequence[str] | None = "auto",
    callbacks: Sequence[Callback] = (),
    checkpoint: str | os.PathLike[str] | None = None,
    checkpoint_extra: Mapping[str, Any] | None = None,
    early_stopping: int | None = None,
    progress: bool | None = None,
    seed: int | None = None,
    step: Callable[[Sequence[Any]], Mapping[str, float]] | None = None,
    compile: bool = False,
) -> History:
    """Train `model` for up to `epochs` epochs; returns the `History`.

    loss_fn(output, target) gives the scalar loss of a batch, `optimizer` its update; or
    `step(batch)` does a whole custom update (a GAN's) and returns its named losses. `metrics`
    maps names to metric(output, target) -> float (e.g. {"accuracy": nn.metrics.accuracy}).
    `monitor` names the value that picks the best epoch ("auto": "val_loss" with a validation
    set, else "loss"; accuracies are maximised, the rest minimised), or several names compared
    in order, the later ones breaking ties of the earlier (("val_accuracy", "val_loss")); None:
    every epoch counts as the best. `checkpoint`: the path where the best epoch's
    `{"model": state_dict, "epoch", "monitor", "value", **checkpoint_extra}` is saved.
    `early_stopping`: stop after that many epochs without improvement. Each callback gets
    (epoch, logs) after the epoch; one returning True stops training. A learning-rate
    scheduler is a callback: `lambda epoch, logs: scheduler.step()`, or for ReduceLROnPlateau
    `lambda epoch, logs: scheduler.step(logs["val_loss"])`. `progress`: a tqdm bar
    per epoch (None: only when stdout is a terminal). `seed` reseeds the engine's generator
    (dropout masks, noise); seed the DataLoader too for reproducible shuffles. `compile`:
    run the standard update through `ae.compile` (recorded on its first calls for each batch
    shape, then replayed; the same results). A custom `step` can be given compiled instead.
    """
    if epochs < 0:
        raise ValueError(f"fit: epochs must be >= 0, got {epochs}")
    if step is None and (loss_fn is None or optimizer is None):
        raise ValueError("fit: give loss_fn and optimizer, or a custom step")
    if seed is not None:
        ae.manual_seed(seed)
    metrics = dict(metrics or {})
    if monitor == "auto":
        monitor = "val_loss" if val_loader is not None else "loss"
    names = (monitor,) if isinstance(monitor, str) else tuple(monitor or ())
    update = _update(model, loss_fn, optimizer) if step is None else None
    if compile and update is not None:
        update = ae.compile(update)
    history = History()
    best_score: tuple[float, ...] | None = None
    stale = 0
    try:
        for epoch in range(1, epochs + 1):
            started = time.perf_counter()
            model.train()
            bar = tqdm(
                total=len(train_loader) if hasattr(train_loader, "__len__") else None,
                desc=f"epoch {epoch}/{epochs}",
                disable=not _progress_enabled(progress),
                dynamic_ncols=True,
            )
            with bar:
                averages = _Averages()
                for batch in train_loader:
                    if step is not None:
                        values = step(batch)
                    else:
                        inputs, target = split_batch(batch)
                        output, loss = update(target, *inputs)
                        values = _batch_values(output, target, loss, metrics)
                    averages.add(values, batch[0].shape[0])
                    bar.update()
                    bar.set_postfix(averages.means(), refresh=False)
                logs = averages.means()
                if val_loader is not None and loss_fn is not None:
                    val_logs = evaluate(model, loss_fn, val_loader, metrics)
                    logs.update({f"val_{k}": v for k, v in val_logs.items()})
                bar.set_postfix(logs)
            if optimizer is not None:
                logs["lr"] = optimizer.param_groups[0]["lr"]
            logs["time"] = time.perf_counter() - started
            history.append(logs)

            missing = [name for name in names if name not in logs]
            if missing:
                raise KeyError(f"fit: monitor {missing} is not among the logged {sorted(logs)}")
            score = tuple(logs[n] if higher_is_better(n) else -logs[n] for n in names)
            if not names or best_score is None or score > best_score:
                value = logs[names[0]] if names else None
                best_score, history.best_epoch, history.best, stale = score, epoch, value, 0
                if checkpoint is not None:
                    save_checkpoint(checkpoint, model, epoch, monitor, value, checkpoint_extra)
            else:
                stale += 1
            if True in [callback(epoch, logs) for callback in callbacks]:
                history.stop_reason = "callback"
                break
            if early_stopping is not None and stale >= early_stopping:
                history.stop_reason = "early_stopping"
                break
    except KeyboardInterrupt:
        history.stop_reason = "interrupted"
    return history
