"""Data for training: datasets, the DataLoader, splits, transforms, synthetic and real sets."""

from .collate import default_collate
from .dataset import Dataset, Subset, TensorDataset, random_split, train_val_test_split
from .digits import load_digits
from .errors import ChecksumError, DatasetError, DatasetNotFoundError
from .idx import read_idx, write_idx
from .loader import DataLoader
from .mnist import MNIST, FashionMNIST
from .synthetic import (
    make_blobs,
    make_circles,
    make_gaussian_classes,
    make_gaussian_mixture_ring,
    make_linear,
    make_moons,
    make_quadratic,
    make_separable,
    make_spirals,
    quadratic,
    ring_centers,
)
from .transforms import Compose, Flatten, Standardize, ToFloat

__all__ = [
    "MNIST",
    "ChecksumError",
    "Compose",
    "DataLoader",
    "Dataset",
    "DatasetError",
    "DatasetNotFoundError",
    "FashionMNIST",
    "Flatten",
    "Standardize",
    "Subset",
    "TensorDataset",
    "ToFloat",
    "default_collate",
    "load_digits",
    "make_blobs",
    "make_circles",
    "make_gaussian_classes",
    "make_gaussian_mixture_ring",
    "make_linear",
    "make_moons",
    "make_quadratic",
    "make_separable",
    "make_spirals",
    "quadratic",
    "random_split",
    "read_idx",
    "ring_centers",
    "train_val_test_split",
    "write_idx",
]
