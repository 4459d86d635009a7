"""Linear discriminant analysis in closed form (Donini, Louppe)."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_engine as ae

from .. import functional as F
from ..parameter import Parameter
from .classifier import Classifier


class LDA(Classifier):
    """Gaussian classes with a shared covariance Sigma give, by Bayes' rule,

        p(t=1 | x) = sigma(w^T x + b),   w = Sigma^-1 (mu1 - mu0),
        b = 1/2 (mu0^T Sigma^-1 mu0 - mu1^T Sigma^-1 mu1) + log(P(t=1) / P(t=0)).

    With K > 2 classes, p(t=k | x) = softmax_k(w_k^T x + b_k) with w_k = Sigma^-1 mu_k and
    b_k = -1/2 mu_k^T Sigma^-1 mu_k + log P(t=k); the two-class w, b are w_1 - w_0, b_1 - b_0.
    `fit` estimates the means, the pooled within-class covariance and the priors from the
    data; `reg` times the mean variance is added to Sigma's diagonal so that it can be
    inverted when some features are constant.

    >>> import numpy as np
    >>> x = np.array([[0.0, 0.0], [1.0, 0.2], [0.2, 1.0], [3.0, 3.0], [4.0, 3.2], [3.2, 4.0]])
    >>> lda = LDA(2).fit(x, [0, 0, 0, 1, 1, 1])
    >>> lda.predict(x).tolist()
    [0, 0, 0, 1, 1, 1]
    >>> bool(lda.predict_proba([[3.5, 3.5]])[0] > 0.99)
    True
    """

    def __init__(self, in_features: int, num_classes: int = 2, reg: float = 1e-3) -> None:
        super().__init__()
        if num_classes < 2:
            raise ValueError(f"LDA: num_classes must be at least 2, got {num_classes}")
        rows = 1 if num_classes == 2 else num_classes
        self.in_features = in_features
        self.num_classes = num_classes
        self.reg = reg
        self.weight = Parameter(ae.zeros(rows, in_features), requires_grad=False)
        self.bias = Parameter(ae.zeros(rows), requires_grad=False)

    def fit(self, x: Any, t: Any) -> LDA:
        """Set w and b from the class means, the shared covariance and the class priors."""
        x = np.asarray(x, dtype=np.float64)
        t = np.asarray(t, dtype=np.int64).reshape(-1)
        classes = np.arange(self.num_classes)
        missing = np.setdiff1d(classes, t)
        if missing.size:
            raise ValueError(f"LDA.fit: no training samples of class {missing.tolist()}")
        means = np.stack([x[t == k].mean(axis=0) for k in classes])
        centred = x - means[t]
        sigma = centred.T @ centred / max(len(x) - self.num_classes, 1)
        sigma += self.reg * max(np.trace(sigma) / len(sigma), 1e-12) * np.eye(len(sigma))
        priors = np.bincount(t, minlength=self.num_classes) / len(t)
        w = np.linalg.solve(sigma, means.T).T  # row k: Sigma^-1 mu_k
        b = -0.5 * np.einsum("kd,kd->k", w, means) + np.log(priors)
        if self.num_classes == 2:
            w, b = w[1:] - w[:1], b[1:] - b[:1]
        self.weight.numpy()[...] = w
        self.bias.numpy()[...] = b
        return self

    def forward(self, x: ae.Tensor) -> ae.Tensor:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, num_classes={self.num_classes}, reg={self.reg}"
