"""Neural-network building blocks with PyTorch's names: `import nn` where you had
`import torch.nn as nn`, and `import nn.functional as F`.

Modules (`Module`, `Parameter`, containers), layers, activations and losses as modules, their
stateless forms in `nn.functional`, initialisers in `nn.init`, gradient clipping in `nn.utils`,
data loading in `nn.data`, checkpoints (`nn.save` / `nn.load`), the lecture models in
`nn.models`, the training loop `nn.training.fit`, metrics in `nn.metrics` and ONNX export
in `nn.onnx`.
"""

from . import data, functional, init, losses, metrics, models, onnx, training, utils
from .containers import ModuleDict, ModuleList, Sequential
from .layers import (
    ELU,
    BatchNorm1d,
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    Dropout,
    Flatten,
    GaussianNLLLoss,
    Identity,
    KLDivLoss,
    L1Loss,
    LayerNorm,
    LeakyReLU,
    Linear,
    LogSoftmax,
    Maxout,
    MSELoss,
    NLLLoss,
    ReLU,
    Residual,
    Sigmoid,
    Softmax,
    Softplus,
    Tanh,
)
from .module import IncompatibleKeys, Module, StateDictError
from .parameter import Parameter
from .serialization import CheckpointError, load, save

__all__ = [
    "ELU",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "CheckpointError",
    "CrossEntropyLoss",
    "Dropout",
    "Flatten",
    "GaussianNLLLoss",
    "Identity",
    "IncompatibleKeys",
    "KLDivLoss",
    "L1Loss",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "Maxout",
    "Module",
    "ModuleDict",
    "ModuleList",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "Residual",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "StateDictError",
    "Tanh",
    "data",
    "functional",
    "init",
    "load",
    "losses",
    "metrics",
    "models",
    "onnx",
    "save",
    "training",
    "utils",
]
