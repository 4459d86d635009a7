"""Ways to make tensors, with PyTorch's call shapes: sizes as separate ints or one tuple."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from . import dtypes
from .device import check_device
from .errors import ArgumentError, ArgumentValueError
from .grad_mode import CAPTURES, THREAD
from .random import numpy_generator
from .tensor import Tensor, made_constant

F = TypeVar("F", bound=Callable[..., Tensor])


def _drawn(fn: F) -> F:
    """A random creation function that an `ae.compile` capture records as a draw, so that
    each replay draws anew from the same generator, as eager mode would."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Tensor:
        out = fn(*args, **kwargs)
        if CAPTURES.running and (rec := THREAD.state.capture) is not None:
            rec.draw(fn, args, kwargs, out)
        return out

    return wrapper  # type: ignore[return-value]


def _size(size: tuple) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], Sequence | np.ndarray):
        return tuple(int(s) for s in size[0])
    return tuple(int(s) for s in size)


def _dtype_or_default(dtype: Any) -> np.dtype:
    return dtypes.get_default_dtype() if dtype is None else dtypes.resolve(dtype)


def _new(array: np.ndarray, requires_grad: bool) -> Tensor:
    t = made_constant(Tensor._make(array, False, None))
    if requires_grad:
        t.requires_grad = True
    return t


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of `data` (numbers, nested lists, arrays, tensors)."""
    return Tensor(data, dtype=dtype, requires_grad=requires_grad)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _new(np.zeros(_size(size), dtype=_dtype_or_default(dtype)), requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _new(np.ones(_size(size), dtype=_dtype_or_default(dtype)), requires_grad)


def full(size: Any, fill_value: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    size = (size,) if isinstance(size, int) else tuple(size)
    if dtype is None:
        dtype = np.asarray(fill_value).dtype
        dtype = dtypes.get_default_dtype() if dtype.kind == "f" else dtype
    return _new(np.full(size, fill_value, dtype=dtypes.resolve(dtype)), requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _new(np.eye(n, m, dtype=_dtype_or_default(dtype)), requires_grad)


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Values from start (or 0) up to end, exclusive; integers unless a bound is a float."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        all_int = all(isinstance(v, int | np.integer) for v in (start, end, step))
        dtype = dtypes.int64 if all_int else dtypes.get_default_dtype()
    return _new(np.arange(start, end, step, dtype=dtypes.resolve(dtype)), requires_grad)


def linspace(
    start: float, end: float, steps: int, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    return _new(np.linspace(start, end, steps, dtype=_dtype_or_default(dtype)), requires_grad)


@_drawn
def rand(
    *size: Any, generator: Any = None, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """Uniform samples on [0, 1) from `generator` (default: the seeded global one)."""
    d = _dtype_or_default(dtype)
    return _new(numpy_generator(generator).random(_size(size), dtype=d), requires_grad)


@_drawn
def randn(
    *size: Any, generator: Any = None, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """Standard normal samples from `generator` (default: the seeded global one)."""
    d = _dtype_or_default(dtype)
    return _new(numpy_generator(generator).standard_normal(_size(size), dtype=d), requires_grad)


@_drawn
def randint(
    *args: Any, size: Any = None, generator: Any = None, dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:  # fmt: skip
    """Integers in [low, high): `randint(high, size)` or `randint(low, high, size)`, as torch."""
    if size is None:
        *bounds, size = args
    else:
        bounds = list(args)
    if len(bounds) not in (1, 2):
        raise ArgumentError("randint: give (high, size) or (low, high, size)")
    low, high = (0, *bounds) if len(bounds) == 1 else bounds
    if high <= low:
        raise ArgumentValueError(f"randint: expected low < high, got low={low}, high={high}")
    size = (size,) if isinstance(size, int) else tuple(size)
    arr = numpy_generator(generator).integers(low, high, size=size)
    return _new(arr.astype(dtypes.int64 if dtype is None else dtypes.resolve(dtype)), requires_grad)


@_drawn
def randperm(n: int, generator: Any = None, dtype: Any = None) -> Tensor:
    """A random permutation of 0 .. n - 1."""
    order = numpy_generator(generator).permutation(int(n))
    return _new(order.astype(dtypes.int64 if dtype is None else dtypes.resolve(dtype)), False)


@_drawn
def normal(
    mean: Any = 0.0, std: Any = 1.0, size: Any = None, generator: Any = None, dtype: Any = None
) -> Tensor:
    """Normal samples: of shape `size` for number arguments, else elementwise for the
    (broadcast) tensors `mean` and `std`, as torch.normal."""
    rng = numpy_generator(generator)
    if size is not None:
        shape = (size,) if isinstance(size, int) else tuple(size)
        d = _dtype_or_default(dtype)
        return _new((rng.standard_normal(shape) * float(std) + float(mean)).astype(d), False)
    m = mean.numpy() if isinstance(mean, Tensor) else np.asarray(mean)
    s = std.numpy() if isinstance(std, Tensor) else np.asarray(std)
    if (s < 0).any():
        raise ArgumentValueError("normal: std must be non-negative")
    like = m if m.dtype.kind == "f" else s
    d = like.dtype if like.dtype.kind == "f" else _dtype_or_default(dtype)
    shape = np.broadcast_shapes(m.shape, s.shape)
    return _new((rng.standard_normal(shape) * s + m).astype(d), False)


def bernoulli(input: Tensor, p: float | None = None, generator: Any = None) -> Tensor:
    """0/1 samples, 1 with probability `input` (or `p`), in input's dtype."""
    probs = input.numpy() if p is None else np.full(input.shape, p)
    if ((probs < 0) | (probs > 1)).any():
        raise ArgumentValueError("bernoulli: probabilities must lie in [0, 1]")
    draws = numpy_generator(generator).random(input.shape) < probs
    return _new(draws.astype(input.dtype), False)


def multinomial(
    input: Tensor, num_samples: int, replacement: bool = False, generator: Any = None
) -> Tensor:
    """Indices drawn with probability proportional to the rows of `input` (1-D or 2-D
    non-negative weights), with or without replacement, as torch.multinomial."""
    weights = np.asarray(input.numpy(), dtype=np.float64)
    rows = weights.reshape(-1, weights.shape[-1]) if weights.ndim else weights.reshape(1, 1)
    if weights.ndim not in (1, 2) or (rows < 0).any() or not np.isfinite(rows).all():
        raise ArgumentValueError(
            "multinomial: input must be 1-D or 2-D finite non-negative weights"
        )
    if (rows.sum(axis=1) <= 0).any():
        raise ArgumentValueError("multinomial: every row of weights needs a positive sum")
    if not replacement and num_samples > np.count_nonzero(rows, axis=1).min():
        raise ArgumentValueError(
            f"multinomial: cannot draw {num_samples} samples without replacement from "
            f"{np.count_nonzero(rows, axis=1).min()} categories with non-zero weight"
        )
    rng = numpy_generator(generator)
    picks = np.stack(
        [rng.choice(len(r), size=num_samples, replace=replacement, p=r / r.sum()) for r in rows]
    )
    return _new(picks.reshape(*weights.shape[:-1], num_samples).astype(np.int64), False)


def empty(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of the given size whose values are not set (as torch.empty)."""
    return _new(np.empty(_size(size), dtype=_dtype_or_default(dtype)), requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing `array`'s memory and dtype: a change to one shows in the other."""
    if not isinstance(array, np.ndarray):
        raise ArgumentError(f"from_numpy: expected np.ndarray (got {type(array).__name__})")
    if array.dtype not in dtypes.SUPPORTED:
        raise ArgumentError(
            f"from_numpy: can't convert np.ndarray of type {array.dtype}; the supported "
            f"types are {', '.join(sorted(str(d) for d in dtypes.SUPPORTED))}"
        )
    return Tensor._make(array, False, None)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """`data` as a tensor, sharing memory where it can (a Tensor or a NumPy array of a
    supported dtype that needs no conversion); otherwise a new tensor, as torch.as_tensor."""
    check_device(device, "as_tensor")
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtypes.resolve(dtype)):
        return data
    if isinstance(data, Tensor):
        return data.to(dtype)
    shareable = isinstance(data, np.ndarray) and data.dtype in dtypes.SUPPORTED
    if shareable and (dtype is None or dtypes.resolve(dtype) == data.dtype):
        return from_numpy(data)
    return Tensor(data, dtype=dtype)


def is_tensor(obj: Any) -> bool:
    return isinstance(obj, Tensor)


def numel(x: Tensor) -> int:
    return x.numel()


def _like(fn: Any) -> Any:
    def like(x: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        return fn(x.shape, dtype=x.dtype if dtype is None else dtype, requires_grad=requires_grad)

    like.__name__ = fn.__name__ + "_like"
    like.__doc__ = f"{fn.__name__} with the shape (and by default the dtype) of x."
    return like


zeros_like = _like(zeros)
ones_like = _like(ones)
rand_like = _like(rand)
randn_like = _like(randn)


def full_like(
    x: Tensor, fill_value: float, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    return full(
        x.shape, fill_value, dtype=x.dtype if dtype is None else dtype, requires_grad=requires_grad
    )


class TensorType:
    """PyTorch's legacy typed constructors: `FloatTensor([1, 2])` is a float32 tensor of
    those values, `FloatTensor(2, 3)` an unset one of that size; `x.type(FloatTensor)` and
    `x.to(...)` take it as its dtype."""

    def __init__(self, name: str, dtype: np.dtype) -> None:
        self.__name__ = name
        self.dtype = dtype

    def __call__(self, *data: Any) -> Tensor:
        if len(data) == 1 and not isinstance(data[0], int):
            return tensor(data[0], dtype=self.dtype)
        return empty(*data, dtype=self.dtype)

    def __repr__(self) -> str:
        return f"<class 'torch.{self.__name__}'>"


FloatTensor = TensorType("FloatTensor", dtypes.float32)
DoubleTensor = TensorType("DoubleTensor", dtypes.float64)
HalfTensor = TensorType("HalfTensor", dtypes.float16)
LongTensor = TensorType("LongTensor", dtypes.int64)
IntTensor = TensorType("IntTensor", dtypes.int32)
BoolTensor = TensorType("BoolTensor", dtypes.bool_)
ByteTensor = TensorType("ByteTensor", np.dtype(np.uint8))
