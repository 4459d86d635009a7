"""Data for training: datasets, the DataLoader, splits, transforms, synthetic and real sets."""

from .collate import default_collate, default_convert
from .dataset import (
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
    train_val_test_split,
)
from .digits import load_digits
from .errors import ChecksumError, DatasetError, DatasetNotFoundError
from .idx import read_idx, write_idx
from .loader import DataLoader
from .mnist import MNIST, FashionMNIST
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
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
from .text import load_jargon
from .transforms import Compose, Flatten, Standardize, ToFloat
from .worker_info import WorkerInfo, get_worker_info

__all__ = [
    "MNIST",
    "BatchSampler",
    "ChecksumError",
    "Compose",
    "DataLoader",
    "Dataset",
    "DatasetError",
    "DatasetNotFoundError",
    "FashionMNIST",
    "Flatten",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Standardize",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "ToFloat",
    "WeightedRandomSampler",
    "WorkerInfo",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "load_digits",
    "load_jargon",
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
