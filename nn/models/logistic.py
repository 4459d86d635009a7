"""Logistic regression: one sigmoid unit trained on the cross-entropy (Donini, Louppe)."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_engine as ae

from ..layers import Linear
from .classifier import Classifier


class LogisticRegression(Classifier):
    """p(C1 | x) = f(x) = sigma(w^T x + b), fitted by minimising the cross-entropy

        E(w) = -sum_j t_j ln f(x_j) + (1 - t_j) ln(1 - f(x_j)),
        grad E(w) = sum_j (f(x_j) - t_j) x*_j        with x* = (1, x),

    by gradient descent w <- w - eta grad E (all samples per step) or SGD (a random batch per
    step). With K > 2 classes the unit becomes a softmax over K linear scores (multinomial
    logistic regression) and E the categorical cross-entropy. `forward` returns the logits.

    >>> import numpy as np
    >>> import autograd_engine as ae
    >>> _ = ae.manual_seed(0)
    >>> x = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    >>> model = LogisticRegression(1)
    >>> losses = model.fit(x, [0, 0, 1, 1], epochs=200, lr=0.5)
    >>> losses[-1] < losses[0], model.predict(x).tolist()
    (True, [0, 0, 1, 1])
    """

    def __init__(self, in_features: int, num_classes: int = 2) -> None:
        super().__init__()
        if num_classes < 2:
            raise ValueError(
                f"LogisticRegression: num_classes must be at least 2, got {num_classes}"
            )
        self.num_classes = num_classes
        self.linear = Linear(in_features, 1 if num_classes == 2 else num_classes)

    def forward(self, x: ae.Tensor) -> ae.Tensor:
        return self.linear(x)

    def fit(
        self,
        x: Any,
        t: Any,
        epochs: int = 100,
        lr: float = 0.1,
        batch_size: int | None = None,
        seed: int = 0,
    ) -> list[float]:
        """Gradient descent on the mean cross-entropy (`batch_size=None`) or SGD on shuffled
        batches of `batch_size`; returns the mean loss of each epoch."""
        x = ae.tensor(x, dtype=ae.get_default_dtype())
        t = np.asarray(t, dtype=np.int64).reshape(-1)
        n = len(t)
        size = n if batch_size is None else batch_size
        rng = np.random.default_rng(seed)
        history = []
        for _ in range(epochs):
            order = rng.permutation(n) if batch_size is not None else np.arange(n)
            total = 0.0
            for start in range(0, n, size):
                rows = order[start : start + size]
                loss = self.loss(self(x[rows]), t[rows])
                self.zero_grad()
                loss.backward()
                with ae.no_grad():
                    for p in self.parameters():
                        p.sub_(lr * p.grad)
                total += loss.item() * len(rows)
            history.append(total / n)
        return history
