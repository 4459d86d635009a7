"""The command line's datasets by name, cut into train / validation / test splits.

Splits are a pure function of the name (drawn with the fixed `SPLIT_SEED`, whatever the run's
seed): `evaluate` rebuilds exactly the test set that `train` held out, and runs with different
seeds are compared on the same test set. Images are flattened with pixels in [0, 1]; the 2-D
synthetic sets keep their coordinates. The bundled digits and the synthetic sets are split
70/15/15 (stratified); MNIST-like sets keep their official test set and hold out 5,000
training images for validation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nn.data import (
    MNIST,
    DatasetNotFoundError,
    FashionMNIST,
    load_digits,
    make_blobs,
    make_gaussian_mixture_ring,
    make_moons,
    make_spirals,
    train_val_test_split,
)

RING_NOISE = 0.05
SYNTHETIC = {
    "moons": lambda seed: make_moons(n=1000, noise=0.2, seed=seed),
    "spirals": lambda seed: make_spirals(n=1500, noise=0.2, seed=seed),
    "blobs": lambda seed: make_blobs(n=1000, noise=1.5, centers=4, seed=seed),
    "ring": lambda seed: make_gaussian_mixture_ring(n=20000, noise=RING_NOISE, seed=seed),
}
IDX_SETS = {"fashion-mnist": FashionMNIST, "mnist": MNIST}
DATASETS = ("digits", *IDX_SETS, *SYNTHETIC)
IMAGE_SHAPES = {"digits": (8, 8), "fashion-mnist": (28, 28), "mnist": (28, 28)}
IDX_VALIDATION = 5000
SPLIT_SEED = 0
DIGITS_SOURCE = "bundled with nn.data (files/digits.npz)"

Arrays = tuple[np.ndarray, np.ndarray]


@dataclass
class Splits:
    """Train, validation and test (X, y) arrays and what the models need to know about them."""

    name: str
    train: Arrays
    val: Arrays
    test: Arrays
    num_classes: int
    image_shape: tuple[int, int] | None
    source: str  # what was read: the resolved folder of the files, or how the data were made

    @property
    def features(self) -> int:
        return self.train[0].shape[1]


def load_splits(name: str, root: str | None = None) -> Splits:
    """The named dataset's splits; raises ValueError (one line) if it cannot be loaded."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose from {', '.join(DATASETS)}")
    if name in IDX_SETS:
        train, val, test, source = _idx_splits(name, root)
    else:
        x, y = load_digits(scale=True) if name == "digits" else SYNTHETIC[name](SPLIT_SEED)
        train, val, test = train_val_test_split(
            x, y, val=0.15, test=0.15, seed=SPLIT_SEED, stratify=y
        )
        source = DIGITS_SOURCE if name == "digits" else f"generated (seed {SPLIT_SEED})"
    classes = int(max(train[1].max(), val[1].max(), test[1].max())) + 1
    return Splits(name, train, val, test, classes, IMAGE_SHAPES.get(name), source)


def _idx_splits(name: str, root: str | None) -> tuple[Arrays, Arrays, Arrays, str]:
    try:
        train_set = IDX_SETS[name](root=root, split="train")
        test_set = IDX_SETS[name](root=root, split="test")
    except DatasetNotFoundError as e:
        where = f" in {root} or" if root else ""
        raise ValueError(
            f"dataset {name} not found{where} in the default locations "
            f"({IDX_SETS[name].install_hint or 'pass --data-root DIR'})"
        ) from e
    x, y = train_set.as_arrays()
    train, val, _ = train_val_test_split(
        x, y, val=IDX_VALIDATION, test=0, seed=SPLIT_SEED, stratify=y
    )
    folders = dict.fromkeys(str(p.parent.resolve()) for p in train_set.files + test_set.files)
    return train, val, test_set.as_arrays(), ", ".join(folders)
