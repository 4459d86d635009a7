"""Rosenblatt's perceptron (1958) and its mistake-driven learning rule (Donini)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

import autograd_engine as ae

from .. import functional as F
from ..metrics import predict_classes
from ..module import Module
from ..parameter import Parameter


class NotSeparableWarning(UserWarning):
    """The perceptron still made mistakes in its last epoch: the data may not be linearly
    separable (or the epoch budget is too small)."""


class Perceptron(Module):
    """y(x) = sign(w^T x + b), trained by Rosenblatt's rule, one example at a time: on a mistake

        w <- w + eta t_i x_i,   b <- b + eta t_i      (t_i = +1 for class 1, -1 for class 0)

    repeated until an epoch makes no mistake (guaranteed on linearly separable data). With
    more than two classes there is one weight vector per class and the largest score wins; a
    mistake adds eta x_i to the true class's weights and subtracts it from the predicted one's.
    The weights start at zero. `forward` returns the scores w^T x + b.

    >>> import numpy as np
    >>> x = np.array([[2.0, 1.0], [1.0, 3.0], [-1.0, -2.0], [-2.0, -0.5]])
    >>> t = np.array([1, 1, 0, 0])
    >>> p = Perceptron(2)
    >>> p.fit(x, t)  # epochs until no mistakes
    2
    >>> p.predict(x).tolist(), p.converged
    ([1, 1, 0, 0], True)
    """

    def __init__(self, in_features: int, num_classes: int = 2) -> None:
        super().__init__()
        if num_classes < 2:
            raise ValueError(f"Perceptron: num_classes must be at least 2, got {num_classes}")
        rows = 1 if num_classes == 2 else num_classes
        self.in_features = in_features
        self.num_classes = num_classes
        self.weight = Parameter(ae.zeros(rows, in_features))
        self.bias = Parameter(ae.zeros(rows))
        self.mistakes: list[int] = []
        self.converged = False

    def forward(self, x: ae.Tensor) -> ae.Tensor:
        return F.linear(x, self.weight, self.bias)

    def predict(self, x: Any) -> np.ndarray:
        """Class indices: 1 where w^T x + b >= 0 (two classes), else the top-scoring class."""
        with ae.no_grad():
            return predict_classes(self(ae.tensor(x, dtype=ae.get_default_dtype())))

    def fit(self, x: Any, t: Any, epochs: int = 100, lr: float = 1.0) -> int:
        """Run the rule over the examples in order for at most `epochs` passes; returns the
        number of epochs run (the last one without mistakes when `converged`). Targets are
        class indices (0/1 for two classes). `mistakes` records the count of each epoch;
        warns with `NotSeparableWarning` if the budget ends with mistakes left."""
        x = np.asarray(x, dtype=self.weight.dtype)
        t = np.asarray(t, dtype=np.int64).reshape(-1)
        # updated in place: the rule is not a gradient
        w, b = self.weight.numpy(), self.bias.numpy()
        binary = self.num_classes == 2
        self.mistakes, self.converged = [], False
        for epoch in range(1, epochs + 1):
            mistakes = 0
            for xi, ti in zip(x, t):
                scores = w @ xi + b
                if binary:
                    if (scores[0] >= 0) != (ti == 1):
                        sign = 1.0 if ti == 1 else -1.0
                        w[0] += lr * sign * xi
                        b[0] += lr * sign
                        mistakes += 1
                    continue
                guess = int(scores.argmax())
                if guess != ti:
                    w[ti] += lr * xi
                    b[ti] += lr
                    w[guess] -= lr * xi
                    b[guess] -= lr
                    mistakes += 1
            self.mistakes.append(mistakes)
            if mistakes == 0:
                self.converged = True
                return epoch
        warnings.warn(
            f"Perceptron: {self.mistakes[-1] if self.mistakes else 'no'} mistakes left after "
            f"{epochs} epochs; the data may not be linearly separable",
            NotSeparableWarning,
            stacklevel=2,
        )
        return epochs

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, num_classes={self.num_classes}"
