"""The multilayer perceptron: fully connected layers with a non-linearity in between."""

from __future__ import annotations

from collections.abc import Sequence

import autograd_engine as ae

from ..containers import Sequential
from ..layers import (
    ELU,
    BatchNorm1d,
    Dropout,
    LeakyReLU,
    Linear,
    LogSoftmax,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
)
from ..module import Module

ACTIVATIONS = {"relu": ReLU, "leaky_relu": LeakyReLU, "elu": ELU, "tanh": Tanh, "sigmoid": Sigmoid}
OUTPUTS = {
    "identity": None,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "softmax": lambda: Softmax(dim=-1),
    "log_softmax": lambda: LogSoftmax(dim=-1),
}


def activation_layer(name: str) -> Module:
    """A fresh hidden-layer activation module by name (see `ACTIVATIONS`)."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose from {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]()


class MLP(Module):
    """h_l = g(W_l h_{l-1} + b_l) for each hidden width, then y = o(W h + b).

    Each hidden layer is Linear, then BatchNorm1d (`batch_norm`), the activation g and Dropout
    (`dropout` > 0). The output o is None / "identity" (logits for `cross_entropy`, or a
    regression), "sigmoid", "tanh", "softmax" or "log_softmax".

    >>> import autograd_engine as ae
    >>> _ = ae.manual_seed(0)
    >>> mlp = MLP(4, [8, 8], 3, dropout=0.1)
    >>> mlp(ae.randn(5, 4)).shape
    (5, 3)
    """

    def __init__(
        self,
        in_features: int,
        hidden: Sequence[int],
        out_features: int,
        activation: str = "relu",
        dropout: float = 0.0,
        batch_norm: bool = False,
        output: str | None = None,
    ) -> None:
        super().__init__()
        output_layer = output or "identity"
        if output_layer not in OUTPUTS:
            raise ValueError(f"unknown output {output!r}; choose from {list(OUTPUTS)}")
        layers: list[Module] = []
        width = in_features
        for size in hidden:
            layers.append(Linear(width, size))
            if batch_norm:
                layers.append(BatchNorm1d(size))
            layers.append(activation_layer(activation))
            if dropout > 0:
                layers.append(Dropout(dropout))
            width = size
        layers.append(Linear(width, out_features))
        if OUTPUTS[output_layer] is not None:
            layers.append(OUTPUTS[output_layer]())
        self.in_features = in_features
        self.out_features = out_features
        self.layers = Sequential(*layers)

    def forward(self, x: ae.Tensor) -> ae.Tensor:
        return self.layers(x)
