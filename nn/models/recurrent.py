"""A recurrent classifier that reads each image row by row, as a sequence of H rows of W
pixels, and classifies from the last hidden state (the "sequential MNIST" lecture model)."""

from __future__ import annotations

import autograd_engine as ae

from ..layers import GRU, LSTM, RNN, Linear
from ..module import Module

CELLS = {"rnn": RNN, "lstm": LSTM, "gru": GRU}


class RecurrentClassifier(Module):
    """An RNN, LSTM or GRU (`cell`) over the rows, then Linear(hidden_size, num_classes) on
    the last layer's final hidden state (both directions' if bidirectional).

    >>> _ = ae.manual_seed(0)
    >>> RecurrentClassifier("gru", 8, 16, 10)(ae.randn(4, 8, 8)).shape
    (4, 10)
    """

    def __init__(
        self,
        cell: str = "lstm",
        input_size: int = 28,
        hidden_size: int = 128,
        num_classes: int = 10,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if cell not in CELLS:
            raise ValueError(
                f"RecurrentClassifier: cell must be one of {sorted(CELLS)}, got {cell!r}"
            )
        self.cell = cell
        self.rnn = CELLS[cell](
            input_size,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            bidirectional=bidirectional,
            dropout=dropout,
        )
        self.head = Linear(hidden_size * (2 if bidirectional else 1), num_classes)

    def forward(self, x: ae.Tensor) -> ae.Tensor:
        """Class logits (N, num_classes) of images (N, H, W) or (N, 1, H, W): H steps of W;
        flat rows (N, H * W) are cut into steps of input_size."""
        if x.ndim == 2:
            x = x.reshape(x.shape[0], -1, self.rnn.input_size)
        elif x.ndim == 4:
            x = x.squeeze(1)
        _, state = self.rnn(x)
        h_n = state[0] if self.cell == "lstm" else state
        last = ae.cat([h_n[-2], h_n[-1]], -1) if self.rnn.bidirectional else h_n[-1]
        return self.head(last)
