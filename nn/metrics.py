"""Classification metrics on model outputs: predicted classes and accuracy.

A model's scores are either one column (a binary classifier's logit or w^T x + b, class 1 when
it is >= 0, i.e. when sigma(score) >= 0.5) or one column per class (the largest one wins).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_engine import Tensor


def _array(x: Any) -> np.ndarray:
    return x.numpy() if isinstance(x, Tensor) else np.asarray(x)


def predict_classes(scores: Any) -> np.ndarray:
    """Class indices from scores of shape (N,), (N, 1) (threshold at 0) or (N, C) (argmax)."""
    s = _array(scores)
    if s.ndim == 1 or s.shape[-1] == 1:
        return (s.reshape(len(s)) >= 0).astype(np.int64)
    return s.argmax(axis=-1).astype(np.int64)


def accuracy(scores: Any, target: Any) -> float:
    """The fraction of samples whose predicted class equals the target class index."""
    return float((predict_classes(scores) == _array(target).reshape(-1)).mean())


def mode_counts(samples: Any, centers: Any, max_distance: float) -> np.ndarray:
    """How many samples fall on each mode: a sample counts for its nearest centre when it lies
    within `max_distance` of it (e.g. 3 sigma of a Gaussian mode); farther samples count for
    none. A generator that collapses onto some modes leaves the others at 0."""
    s, c = _array(samples), _array(centers)
    distances = np.linalg.norm(s[:, None, :] - c[None, :, :], axis=-1)
    nearest = distances.argmin(axis=1)
    close = distances[np.arange(len(s)), nearest] <= max_distance
    return np.bincount(nearest[close], minlength=len(c))
