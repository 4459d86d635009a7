"""Layers, activations and losses as modules."""

from .activation import ELU, LeakyReLU, LogSoftmax, Maxout, ReLU, Sigmoid, Softmax, Softplus, Tanh
from .dropout import Dropout
from .linear import Linear
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    GaussianNLLLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
)
from .normalization import BatchNorm1d, LayerNorm
from .structure import Flatten, Identity, Residual

__all__ = [
    "ELU",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "CrossEntropyLoss",
    "Dropout",
    "Flatten",
    "GaussianNLLLoss",
    "Identity",
    "KLDivLoss",
    "L1Loss",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "Maxout",
    "NLLLoss",
    "ReLU",
    "Residual",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Tanh",
]
