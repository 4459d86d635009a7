"""The fully connected layer: y = x W^T + b."""

from __future__ import annotations

import math
from typing import Any

import autograd_engine as ae

from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter


class Linear(Module):
    """y = x W^T + b with W of shape (out_features, in_features), for inputs (..., in).

    Initialised as PyTorch: W and b from U(-1/sqrt(in), 1/sqrt(in)) (He uniform with a = sqrt 5).
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, dtype: Any = None
    ) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(ae.zeros(out_features, in_features, dtype=dtype))
        if bias:
            self.bias = Parameter(ae.zeros(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: ae.Tensor) -> ae.Tensor:
        # The registry itself: `self.weight` would go through Module.__getattr__ (about 1 us
        # each, a tenth of a small layer's forward).
        params = self._parameters
        return F.linear(input, params["weight"], params["bias"])

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )
