"""`Classifier`: a module whose forward gives class scores, with `predict` and `predict_proba`."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_engine as ae

from .. import functional as F
from ..metrics import predict_classes
from ..module import Module


class Classifier(Module):
    """Base of the linear classifiers: forward(x) gives one logit (two classes) or one score
    per class. p(C1|x) = sigma(logit) for two classes, softmax(scores) for more; `loss` is
    the matching cross-entropy. Subclasses set `num_classes`."""

    num_classes: int

    def loss(self, logits: ae.Tensor, t: Any, reduction: str = "mean") -> ae.Tensor:
        """The cross-entropy E of the logits against class indices t (mean over the batch;
        reduction="sum" gives the lecture's E(w))."""
        t = t if isinstance(t, ae.Tensor) else ae.tensor(np.asarray(t))  # ops, not NumPy:
        if self.num_classes == 2:  # a compiled step (ae.compile) replays them on new labels
            target = t.reshape(logits.shape).to(logits.dtype)
            return F.binary_cross_entropy_with_logits(logits, target, reduction=reduction)
        return F.cross_entropy(logits, t.long(), reduction=reduction)

    def predict_proba(self, x: Any) -> np.ndarray:
        """p(class 1 | x), shape (N,), for two classes; p(class k | x), shape (N, K), otherwise."""
        with ae.no_grad():
            scores = self(ae.tensor(x, dtype=ae.get_default_dtype()))
            if scores.shape[-1] == 1:
                return ae.sigmoid(scores).numpy().reshape(-1)
            return ae.softmax(scores, axis=-1).numpy()

    def predict(self, x: Any) -> np.ndarray:
        """The most probable class index of each row of x."""
        with ae.no_grad():
            return predict_classes(self(ae.tensor(x, dtype=ae.get_default_dtype())))
