"""One matplotlib figure per section, written as PNG with the Agg backend."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from autograd_engine.files import atomic_path


def figure(ncols: int = 1) -> tuple[plt.Figure, list[Axes]]:
    fig, axes = plt.subplots(1, ncols, figsize=(5.5 * ncols, 4), squeeze=False)
    return fig, list(axes[0])


def bars(ax: Axes, groups: list[str], series: dict[str, list[float]], ylabel: str) -> None:
    """Grouped bars: one group per label, one bar per series (NaN bars are left out)."""
    width = 0.8 / max(1, len(series))
    for i, (name, values) in enumerate(series.items()):
        ax.bar([g + i * width for g in range(len(groups))], values, width, label=name)
    ax.set_xticks([g + 0.4 - width / 2 for g in range(len(groups))], groups, fontsize=8)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)


def save(fig: plt.Figure, plot_dir: Path, name: str) -> Path:
    plot_dir.mkdir(parents=True, exist_ok=True)
    path = plot_dir / f"{name}.png"
    fig.tight_layout()
    with atomic_path(path) as tmp:  # a failed run keeps the earlier plot
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    return path


def peer_panels(
    plot_dir: Path, name: str, xs: list, panels: list, xlabel: str, ylabel: str
) -> Path:
    """One log-log panel per (title, {peer: values over xs}) side by side, saved as `name`:
    how each peer's time grows with a size (sections 8 and 9)."""
    fig, axes = figure(len(panels))
    for ax, (title, lines) in zip(axes, panels):
        for peer, values in lines.items():
            ax.plot(xs, values, marker="o", label=peer)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.legend(fontsize=8)
    return save(fig, plot_dir, name)
