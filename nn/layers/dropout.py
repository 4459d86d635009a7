"""Dropout: a regulariser that drops random units during training only."""

from __future__ import annotations

import autograd_engine as ae

from .. import functional as F
from ..module import Module


class Dropout(Module):
    """Zero each element with probability p in training and scale the others by 1/(1-p)
    (inverted dropout); the identity in eval mode."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability must be in [0, 1], got {p}")
        self.p = p

    def forward(self, input: ae.Tensor) -> ae.Tensor:
        return F.dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"
