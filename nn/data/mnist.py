"""MNIST and Fashion-MNIST read from their standard IDX files.

Files are looked for in `root`, then in `$AUTOGRAD_ENGINE_DATA`, then in the system location
(Debian's `dataset-fashion-mnist` package for Fashion-MNIST); each of these directories may
hold the files directly or in a sub-folder named after the dataset (`fashion-mnist`, `mnist`).
Nothing is downloaded unless `download=True`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .dataset import Dataset
from .download import download as fetch
from .errors import DatasetError, DatasetNotFoundError
from .idx import read_idx

ENV_VAR = "AUTOGRAD_ENGINE_DATA"
SPLITS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "autograd-engine"


class _IdxImages(Dataset):
    """A 28x28 grey-scale image classification set stored as IDX image and label files."""

    folder: ClassVar[str]
    title: ClassVar[str]
    url: ClassVar[str]
    sha256: ClassVar[dict[str, str]]
    system_dir: ClassVar[Path | None] = None
    install_hint: ClassVar[str] = ""
    classes: ClassVar[list[str]]
    image_shape = (28, 28)

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        split: str = "train",
        download: bool = False,
        url: str | None = None,
        checksums: dict[str, str] | None = None,
        transform: Callable[[np.ndarray], Any] | None = None,
        target_transform: Callable[[int], Any] | None = None,
    ) -> None:
        if split not in SPLITS:
            raise ValueError(f"{self.title}: split must be 'train' or 'test', got {split!r}")
        self.split = split
        self.transform = transform
        self.target_transform = target_transform
        names = SPLITS[split]
        self.root = Path(root) if root is not None else None
        found = self._find(names)
        if found is None and download:
            found = self._download(names, url or self.url, {**self.sha256, **(checksums or {})})
        if found is None:
            raise DatasetNotFoundError(self._not_found_message(names))
        images_path, labels_path = found
        images, labels = read_idx(images_path), read_idx(labels_path)
        self._check(images, labels, images_path, labels_path)
        self.data: np.ndarray = images
        self.targets: np.ndarray = labels.astype(np.int64)
        self.files = found

    def _search_dirs(self) -> list[Path]:
        bases = [self.root, os.environ.get(ENV_VAR) or None]
        dirs = []
        for base in bases:
            if base is not None:
                dirs += [Path(base), Path(base) / self.folder]
        if self.system_dir is not None:
            dirs.append(self.system_dir)
        return dirs

    def _find(self, names: tuple[str, ...]) -> tuple[Path, ...] | None:
        """The paths of all `names` (plain or .gz) in the first directory holding all of them."""
        for directory in self._search_dirs():
            paths = []
            for name in names:
                candidates = [directory / name, directory / f"{name}.gz"]
                paths.append(next((p for p in candidates if p.is_file()), None))
            if all(paths):
                return tuple(paths)
        return None

    def _download(
        self, names: tuple[str, ...], url: str, checksums: dict[str, str]
    ) -> tuple[Path, ...]:
        missing = [n for n in names if n not in checksums]
        if missing:
            raise ValueError(
                f"{self.title}: no known SHA-256 for {missing}; pass checksums={{name: sha256}} "
                "(of the decompressed IDX content) to download"
            )
        if self.root is not None:
            target = self.root
        elif os.environ.get(ENV_VAR):
            target = Path(os.environ[ENV_VAR]) / self.folder
        else:
            target = _cache_dir() / self.folder
        base = url.rstrip("/")
        return tuple(
            fetch(f"{base}/{name}.gz", target / f"{name}.gz", checksums[name]) for name in names
        )

    def _not_found_message(self, names: tuple[str, ...]) -> str:
        looked = "\n  ".join(str(d) for d in self._search_dirs())
        files = ", ".join(f"{n}[.gz]" for n in names)
        hint = f", install them with `{self.install_hint}`" if self.install_hint else ""
        return (
            f"{self.title} ({self.split}) not found. Looked in:\n  {looked or '(nowhere)'}\n"
            f"Put {files} in a directory and pass root=..., or set {ENV_VAR} to it{hint}, "
            "or pass download=True."
        )

    def _check(
        self, images: np.ndarray, labels: np.ndarray, images_path: Path, labels_path: Path
    ) -> None:
        if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != self.image_shape:
            raise DatasetError(
                f"{images_path}: expected uint8 images of shape (N, 28, 28), got "
                f"{images.dtype} of shape {images.shape}"
            )
        if labels.dtype != np.uint8 or labels.ndim != 1:
            raise DatasetError(
                f"{labels_path}: expected a 1-d uint8 label array, got {labels.dtype} of shape "
                f"{labels.shape}"
            )
        if len(labels) != len(images):
            raise DatasetError(
                f"{self.title}: {len(images)} images in {images_path} but {len(labels)} labels "
                f"in {labels_path}"
            )
        if len(labels) and labels.max() >= len(self.classes):
            raise DatasetError(
                f"{labels_path}: label {labels.max()} outside 0..{len(self.classes) - 1}"
            )

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        image, target = self.data[index], int(self.targets[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def as_arrays(self, flatten: bool = True, scale: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """All images and labels as arrays, for `TensorDataset` and fast batching.

        Images are (N, 784) when `flatten` else (N, 28, 28); float32 in [0, 1] when `scale`,
        else the raw uint8 pixels. Labels are int64.
        """
        x = self.data.reshape(len(self.data), -1) if flatten else self.data
        if scale:
            x = x.astype(np.float32) / np.float32(255.0)
        return x, self.targets

    def __repr__(self) -> str:
        where = self.files[0].parent
        return f"{type(self).__name__}(split={self.split!r}, n={len(self)}, dir={str(where)!r})"


class FashionMNIST(_IdxImages):
    """Fashion-MNIST (Zalando): 70,000 28x28 grey-scale images of 10 kinds of clothing."""

    folder = "fashion-mnist"
    title = "Fashion-MNIST"
    url = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
    # SHA-256 of the decompressed IDX files (taken from Debian's dataset-fashion-mnist copies).
    sha256: ClassVar[dict[str, str]] = {
        "train-images-idx3-ubyte": (
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"
        ),
        "train-labels-idx1-ubyte": (
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"
        ),
        "t10k-images-idx3-ubyte": (
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"
        ),
        "t10k-labels-idx1-ubyte": (
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"
        ),
    }
    system_dir = Path("/usr/share/datasets/fashion-mnist")
    install_hint = "apt-get install dataset-fashion-mnist"
    classes: ClassVar[list[str]] = [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ]


class MNIST(_IdxImages):
    """MNIST: 70,000 28x28 grey-scale images of handwritten digits 0-9.

    No checksums are built in: to download, pass `checksums={name: sha256}` for the four files
    (SHA-256 of the decompressed IDX content).
    """

    folder = "mnist"
    title = "MNIST"
    url = "https://ossci-datasets.s3.amazonaws.com/mnist/"
    sha256: ClassVar[dict[str, str]] = {}
    classes: ClassVar[list[str]] = [str(d) for d in range(10)]
