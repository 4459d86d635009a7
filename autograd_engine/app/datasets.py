"""The command line's datasets by name, cut into train / validation / test splits.

Splits are a pure function of the name (drawn with the fixed `SPLIT_SEED`, whatever the run's
seed): `evaluate` rebuilds exactly the test set that `train` held out, and runs with different
seeds are compared on the same test set. Images are flattened with pixels in [0, 1]; the 2-D
synthetic sets keep their coordinates. The bundled digits and the synthetic sets are split
70/15/15 (stratified); MNIST-like sets keep their official test set and hold out 5,000
training images for validation. Texts (the bundled Jargon File excerpt, or any UTF-8 file) are
cut into consecutive parts, 90 % training, 5 % validation, 5 % test, of character indices.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nn.data import (
    MNIST,
    DatasetNotFoundError,
    FashionMNIST,
    load_digits,
    load_jargon,
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
TEXTS = ("jargon", "text")  # the bundled Jargon File excerpt, or the UTF-8 file of --text
DATASETS = ("digits", *IDX_SETS, *SYNTHETIC, *TEXTS)
IMAGE_SHAPES = {"digits": (8, 8), "fashion-mnist": (28, 28), "mnist": (28, 28)}
IDX_VALIDATION = 5000
SPLIT_SEED = 0
DIGITS_SOURCE = "bundled with nn.data (files/digits.npz)"
JARGON_SOURCE = "bundled with nn.data (files/jargon.txt: the Jargon File 4.4.7, public domain)"
TEXT_HELD_OUT = 0.05  # of a text: the validation part, then as much for the test part
MAX_TEXT_BYTES = 200_000_000
MAX_VOCAB = 5_000

Arrays = tuple[np.ndarray, ...]  # (X, y), or (character indices,) of a text


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
    vocab: str | None = None  # a text's characters, sorted: character vocab[i] is index i

    @property
    def features(self) -> int:
        return self.train[0].shape[1]


def load_splits(name: str, root: str | None = None, text: str | None = None) -> Splits:
    """The named dataset's splits (for "text", of the file `text`); raises ValueError (one
    line) if it cannot be loaded."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose from {', '.join(DATASETS)}")
    if name in TEXTS:
        return _text_splits(name, text)
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


# ----------------------------------------------------------------------------- texts
def read_text(path: str | Path) -> str:
    """A UTF-8 text file (gzip-compressed if its name ends in .gz), as one string."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"text file {path} does not exist or is not a file")
    if path.stat().st_size > MAX_TEXT_BYTES:
        raise ValueError(f"text file {path} is larger than {MAX_TEXT_BYTES:,} bytes")
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rt", encoding="utf-8") as f:
                return f.read(MAX_TEXT_BYTES + 1)[:MAX_TEXT_BYTES]
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError) as e:
        raise ValueError(f"cannot read {path} as UTF-8 text: {e}") from None


def _text_splits(name: str, path: str | None) -> Splits:
    """A text cut in three consecutive parts: training, then validation and test (5 % each),
    as character indices into its sorted set of characters."""
    if name == "jargon":
        text, source = load_jargon(), JARGON_SOURCE
    elif path is None:
        raise ValueError("dataset text needs --text FILE (a UTF-8 text file)")
    else:
        text, source = read_text(path), str(Path(path).resolve())
    vocab = "".join(sorted(set(text)))
    if len(vocab) > MAX_VOCAB:
        raise ValueError(f"{source} has {len(vocab)} distinct characters; at most {MAX_VOCAB}")
    held_out = max(2, int(len(text) * TEXT_HELD_OUT))
    if len(text) < 2 * held_out + 2:
        raise ValueError(f"{source} is too short to split: {len(text)} characters")
    index = {c: i for i, c in enumerate(vocab)}
    ids = np.fromiter((index[c] for c in text), dtype=np.int64, count=len(text))
    train_end = len(ids) - 2 * held_out
    parts = ids[:train_end], ids[train_end:-held_out], ids[-held_out:]
    return Splits(name, *((p,) for p in parts), len(vocab), None, source, vocab)
