"""Pictures of a run: training curves, image grids and 2-D scatter plots.

Figures are built with matplotlib's object API (`Figure`, rendered by Agg), so no display and
no global backend are involved."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from .run_folder import atomic_write


def _save(fig: Figure, path: str | os.PathLike[str]) -> None:
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=100, format="png"))


def curves(history: Mapping[str, Sequence[float]], path: str | os.PathLike[str]) -> None:
    """One panel per quantity (loss, accuracy, ...): its training and validation curves."""
    names = [k for k in history if not k.startswith("val_") and k not in ("lr", "time")]
    fig = Figure(figsize=(4.5 * len(names), 3.5))
    axes = fig.subplots(1, len(names), squeeze=False)
    for ax, name in zip(axes[0], names):
        epochs = np.arange(1, len(history[name]) + 1)
        ax.plot(epochs, history[name], label="training")
        if f"val_{name}" in history:
            ax.plot(epochs, history[f"val_{name}"], label="validation")
        ax.set(xlabel="epoch", title=name.replace("_", " "))
        ax.legend()
        ax.grid(alpha=0.3)
    fig.tight_layout()
    _save(fig, path)


def image_grid(
    rows: Sequence[np.ndarray],
    shape: tuple[int, int],
    path: str | os.PathLike[str],
    labels: Sequence[str] = (),
) -> None:
    """Each entry of `rows` is a (n, h*w) array of [0, 1] images drawn as one row of the grid
    (several rows each when n is large); `labels` name the rows."""
    per_row = min(16, max(len(r) for r in rows))
    blocks, firsts = [], []
    for images in rows:
        firsts.append(len(blocks))
        blocks += [images[i : i + per_row] for i in range(0, len(images), per_row)]
    fig = Figure(figsize=(per_row * 0.8, len(blocks) * 0.85))
    axes = fig.subplots(len(blocks), per_row, squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for r, block in enumerate(blocks):
        for c, image in enumerate(block):
            axes[r, c].imshow(np.clip(image.reshape(shape), 0, 1), cmap="gray_r", vmin=0, vmax=1)
    for label, r in zip(labels, firsts):
        axes[r, 0].set_title(label, loc="left", fontsize=8)
    fig.tight_layout(pad=0.2)
    _save(fig, path)


def scatter(
    points: Mapping[str, np.ndarray], path: str | os.PathLike[str], title: str = ""
) -> None:
    """2-D point clouds by name (e.g. data and generated samples) on one set of axes."""
    fig = Figure(figsize=(5, 5))
    ax = fig.subplots()
    for name, xy in points.items():
        ax.scatter(xy[:, 0], xy[:, 1], s=4, alpha=0.5, label=name)
    ax.set(aspect="equal", title=title)
    ax.legend()
    _save(fig, path)
