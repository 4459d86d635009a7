"""Data transforms: callables applied to samples or whole arrays before they reach a model.

`Standardize` is fitted on the training split only and then applied unchanged to validation
and test data, so no statistic of held-out data leaks into training.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd_engine import Tensor, tensor

from .dataset import as_array


def _like(result: np.ndarray, original: Any) -> Any:
    """`result` as a Tensor when `original` was one, else as an array."""
    return tensor(result, dtype=result.dtype) if isinstance(original, Tensor) else result


def _as_float(x: np.ndarray) -> np.ndarray:
    """`x` itself if float32 or float64, else converted to float32."""
    return x if x.dtype in (np.float32, np.float64) else x.astype(np.float32)


class Standardize:
    """Subtract the mean and divide by the standard deviation learned by `fit`.

    `axis` is the axis (or axes) the statistics are taken over: 0 gives one mean and std per
    feature (the usual choice for tabular data), None one scalar for the whole array. Features
    with a standard deviation below `eps` are only centred, not divided by ~0.
    """

    def __init__(self, axis: int | tuple[int, ...] | None = 0, eps: float = 1e-8) -> None:
        self.axis = axis
        self.eps = eps
        self.mean: np.ndarray | None = None
        self.std: np.ndarray | None = None

    def fit(self, x: Any) -> Standardize:
        """Learn the mean and standard deviation of `x` (the training split); returns self."""
        data = as_array(x).astype(np.float64)
        self.mean = data.mean(axis=self.axis, keepdims=True)
        std = data.std(axis=self.axis, keepdims=True)
        self.std = np.where(std < self.eps, 1.0, std)
        return self

    def _stats(self, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
        if self.mean is None or self.std is None:
            raise RuntimeError("Standardize: call fit(train_data) before transforming")
        return self.mean.astype(dtype), self.std.astype(dtype)

    def transform(self, x: Any) -> Any:
        """`(x - mean) / std`, in x's float dtype (float32 for integer input)."""
        data = _as_float(as_array(x))
        mean, std = self._stats(data.dtype)
        return _like((data - mean) / std, x)

    __call__ = transform

    def fit_transform(self, x: Any) -> Any:
        return self.fit(x).transform(x)

    def inverse_transform(self, x: Any) -> Any:
        """`x * std + mean`: undo `transform`, e.g. to report predictions in original units."""
        data = _as_float(as_array(x))
        mean, std = self._stats(data.dtype)
        return _like(data * std + mean, x)

    def state_dict(self) -> dict[str, Any]:
        mean, std = self._stats(np.dtype(np.float64))
        return {"mean": mean, "std": std}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.mean = np.asarray(state["mean"], dtype=np.float64)
        self.std = np.asarray(state["std"], dtype=np.float64)


class Compose:
    """Apply transforms one after the other."""

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(transforms)

    def __call__(self, x: Any) -> Any:
        for t in self.transforms:
            x = t(x)
        return x


class ToFloat:
    """Convert to float32, dividing by `scale` (255 maps uint8 pixels into [0, 1])."""

    def __init__(self, scale: float = 255.0) -> None:
        self.scale = scale

    def __call__(self, x: Any) -> np.ndarray:
        return as_array(x).astype(np.float32) / np.float32(self.scale)


class Flatten:
    """Reshape a sample (e.g. a 28x28 image) into a 1-D vector."""

    def __call__(self, x: Any) -> np.ndarray:
        return as_array(x).reshape(-1)
