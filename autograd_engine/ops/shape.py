"""Operations that move values without computing new ones: reshape, permute, broadcast,
indexing, concatenation, padding and dtype conversion. Their gradients move values back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ArgumentValueError, ShapeError
from ..tensor import Tensor
from ._util import (
    Primitive,
    as_tensor,
    binary,
    broadcast_array,
    check_dim,
    normalize_axis,
    pick_alias,
)


def _shape_arg(shape: tuple) -> tuple:
    """Accept sizes as separate ints or one tuple, as PyTorch does: reshape(2, 3) or ((2, 3))."""
    if len(shape) == 1 and isinstance(shape[0], Sequence | np.ndarray):
        return tuple(int(s) for s in shape[0])
    return tuple(int(s) for s in shape)


def _share_version(result: Tensor, source: Tensor) -> Tensor:
    """A view shares its base's version counter, so an in-place change of either is seen."""
    if np.may_share_memory(result._data, source._data):
        result._vc = source._vc
    return result


class Reshape(Primitive):
    name = "reshape"

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ShapeError(
                f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) into "
                f"shape {shape}; the number of elements must stay the same (use -1 for one "
                "inferred size)"
            ) from None

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape), None


class Permute(Primitive):
    name = "permute"

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx, g):
        inverse = tuple(int(i) for i in np.argsort(ctx.dims))
        return (
            np.transpose(g, inverse) if isinstance(g, np.ndarray) else permute(g, inverse)
        ), None


class BroadcastTo(Primitive):
    name = "expand"

    @staticmethod
    def forward(ctx, x, shape):
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise ShapeError(
                f"expand: cannot broadcast shape {x.shape} to {shape}; each dimension must be "
                "equal or 1 in the source"
            ) from None

    @staticmethod
    def backward(ctx, g):
        (shape, _) = ctx.input_meta[0]
        return sum_to(g, shape), None


class SumTo(Primitive):
    """Sum a broadcast gradient back to an input's shape: the adjoint of broadcasting."""

    name = "sum_to"

    @staticmethod
    def forward(ctx, x, shape):
        return sum_to_shape(x, shape)

    @staticmethod
    def backward(ctx, g):
        (shape, _) = ctx.input_meta[0]
        return _broadcast(g, shape), None


def sum_to_shape(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum an array over the dimensions that broadcasting added to `shape`."""
    lead = x.ndim - len(shape)
    if lead < 0:
        raise ShapeError(f"sum_to: cannot sum shape {x.shape} to the larger shape {shape}")
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1
    )
    out = np.sum(x, axis=axes, keepdims=True) if axes else x
    out = out.reshape(shape)
    if out.shape != tuple(shape):
        raise ShapeError(f"sum_to: cannot sum shape {x.shape} to shape {shape}")
    return out


def _broadcast(g: Any, shape: tuple[int, ...]) -> Any:
    """Broadcast an array or a Tensor gradient to `shape`."""
    return broadcast_array(g, shape) if isinstance(g, np.ndarray) else broadcast_to(g, shape)


def normalize_index(key: Any) -> Any:
    """Tensors inside an index become arrays; lists become integer or bool arrays."""
    if isinstance(key, tuple):
        return tuple(normalize_index(k) for k in key)
    if isinstance(key, Tensor):
        return key._data
    if isinstance(key, list):
        return np.asarray(key)
    return key


def _is_basic(key: Any) -> bool:
    """True for indices without integer arrays: each element is selected at most once."""
    keys = key if isinstance(key, tuple) else (key,)
    return all(
        k is None
        or k is Ellipsis
        or isinstance(k, (slice, int, np.integer))
        or (isinstance(k, np.ndarray) and k.dtype == np.bool_)
        for k in keys
    )


class GetItem(Primitive):
    name = "getitem"
    symbol = "[]"

    @staticmethod
    def forward(ctx, x, key):
        ctx.key = key
        try:
            return x[key]
        except IndexError as exc:
            from ..errors import IndexOutOfRangeError

            raise IndexOutOfRangeError(
                f"getitem: index {key!r} is out of range for shape {x.shape}: {exc}"
            ) from None

    @staticmethod
    def backward(ctx, g):
        (shape, _) = ctx.input_meta[0]
        if isinstance(g, np.ndarray):
            return index_add(g, ctx.key, shape), None
        return IndexAdd.apply(g, ctx.key, shape), None


def index_add(g: np.ndarray, key: Any, shape: tuple[int, ...]) -> np.ndarray:
    """zeros(shape) with g added at `key`; repeated indices add up."""
    out = np.zeros(shape, dtype=g.dtype)
    if _is_basic(key):
        out[key] = g
    else:
        np.add.at(out, key, g)
    return out


class IndexAdd(Primitive):
    """The adjoint of indexing, recorded so that it can itself be differentiated."""

    name = "index_add"

    @staticmethod
    def forward(ctx, g, key, shape):
        ctx.key = key
        return index_add(g, key, shape)

    @staticmethod
    def backward(ctx, gg):
        return gg[ctx.key], None, None


class IndexPut(Primitive):
    """A copy of x with `value` written at `key`: the recorded form of `x[key] = value`."""

    name = "index_put"

    @staticmethod
    def forward(ctx, x, key, value):
        ctx.key = key
        out = x.copy()
        out[key] = value
        return out

    @staticmethod
    def backward(ctx, g):
        (shape, dtype) = ctx.input_meta[0]
        keep = np.ones(shape, dtype=dtype)
        keep[ctx.key] = 0
        grad_value = g[ctx.key] if ctx.needs_input_grad[2] else None
        return g * keep, None, grad_value


class Concatenate(Primitive):
    name = "concatenate"

    @staticmethod
    def forward(ctx, axis, *xs):
        ctx.axis = axis
        ctx.bounds = np.cumsum([0] + [x.shape[axis] for x in xs])
        try:
            return np.concatenate(xs, axis=axis)
        except ValueError:
            shapes = ", ".join(str(x.shape) for x in xs)
            raise ShapeError(
                f"concatenate: shapes {shapes} must match in every dimension except axis {axis}"
            ) from None

    @staticmethod
    def backward(ctx, g):
        lead = (slice(None),) * ctx.axis
        parts = [
            g[(*lead, slice(int(lo), int(hi)))]
            for lo, hi in zip(ctx.bounds[:-1], ctx.bounds[1:], strict=True)
        ]
        return (None, *parts)


class Pad(Primitive):
    name = "pad"

    @staticmethod
    def forward(ctx, x, widths, value):
        ctx.inner = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, x.shape, strict=True))
        return np.pad(x, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, g):
        return g[ctx.inner], None, None


class Cast(Primitive):
    name = "to"

    @staticmethod
    def forward(ctx, x, dtype):
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        (_, dtype) = ctx.input_meta[0]
        return g.astype(dtype), None


class Clone(Primitive):
    name = "clone"

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return g


# --------------------------------------------------------------------------- public functions
def reshape(x: Any, *shape: Any) -> Tensor:
    x = as_tensor(x)
    shape = _shape_arg(shape)
    if shape == x.shape:
        return x
    return _share_version(Reshape.apply(x, shape), x)


view = reshape


def flatten(x: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions start_dim..end_dim into one (all of them by default)."""
    x = as_tensor(x)
    lo, hi = check_dim(start_dim, x.ndim, "flatten"), check_dim(end_dim, x.ndim, "flatten")
    if x.ndim == 0:
        return reshape(x, (1,))
    if lo > hi:
        raise ShapeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    merged = int(np.prod(x.shape[lo : hi + 1]))
    return reshape(x, (*x.shape[:lo], merged, *x.shape[hi + 1 :]))


def permute(x: Any, *dims: Any) -> Tensor:
    x = as_tensor(x)
    given = dims[0] if len(dims) == 1 and isinstance(dims[0], Sequence) else dims
    dims = tuple(check_dim(d, x.ndim, "permute") for d in given)
    if sorted(dims) != list(range(x.ndim)):
        raise ShapeError(
            f"permute: {tuple(given)} is not a permutation of the {x.ndim} dimensions of shape "
            f"{x.shape}: list each dimension exactly once"
        )
    return _share_version(Permute.apply(x, dims), x)


def transpose(x: Any, dim0: int = -2, dim1: int = -1) -> Tensor:
    """Swap two dimensions (the last two by default)."""
    x = as_tensor(x)
    dim0, dim1 = check_dim(dim0, x.ndim, "transpose"), check_dim(dim1, x.ndim, "transpose")
    if x.ndim < 2:
        return x
    dims = list(range(x.ndim))
    dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
    return permute(x, tuple(dims))


swapaxes = transpose


def broadcast_to(x: Any, *shape: Any) -> Tensor:
    x = as_tensor(x)
    shape = _shape_arg(shape)
    if shape == x.shape:
        return x
    return _share_version(BroadcastTo.apply(x, shape), x)


def expand(x: Any, *sizes: Any) -> Tensor:
    """Broadcast to `sizes`; -1 keeps a dimension's size, as torch.Tensor.expand."""
    x = as_tensor(x)
    sizes = _shape_arg(sizes)
    lead = len(sizes) - x.ndim
    shape = tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    return broadcast_to(x, shape)


def sum_to(x: Tensor | np.ndarray, shape: tuple[int, ...]) -> Tensor | np.ndarray:
    """Sum x down to `shape` (which x's shape broadcasts from); arrays stay arrays."""
    if x.shape == tuple(shape):
        return x
    if isinstance(x, np.ndarray):
        return sum_to_shape(x, tuple(shape))
    return SumTo.apply(x, tuple(shape))


def squeeze(x: Any, dim: int | tuple[int, ...] | None = None, *, axis: Any = None) -> Tensor:
    """Remove dimensions of size 1 (only those in `dim`, if given)."""
    x = as_tensor(x)
    dim = pick_alias("squeeze", "dim", dim, "axis", axis, None)
    axes = normalize_axis(dim, x.ndim, "squeeze") if dim is not None else None
    shape = tuple(n for i, n in enumerate(x.shape) if not (n == 1 and (axes is None or i in axes)))
    return reshape(x, shape)


def unsqueeze(x: Any, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """Insert a dimension of size 1 at `dim` (negative counts from the end of the result)."""
    x = as_tensor(x)
    axis = check_dim(
        pick_alias("unsqueeze", "dim", dim, "axis", axis, None), x.ndim, "unsqueeze", new=1
    )
    return reshape(x, (*x.shape[:axis], 1, *x.shape[axis:]))


def getitem(x: Any, key: Any) -> Tensor:
    x = as_tensor(x)
    return _share_version(GetItem.apply(x, normalize_index(key)), x)


def index_put(x: Tensor, key: Any, value: Any) -> Tensor:
    x, value = binary(x, value)
    return IndexPut.apply(x, normalize_index(key), value)


def concatenate(tensors: Sequence[Any], dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join tensors along an existing dim (torch.cat)."""
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ShapeError("cat: need at least one tensor")
    d = pick_alias("cat", "dim", dim, "axis", axis, 0)
    ndims = {t.ndim for t in tensors}
    if 0 in ndims or len(ndims) > 1:
        shapes = ", ".join(str(t.shape) for t in tensors)
        raise ShapeError(f"cat: tensors {shapes} must all have the same number (>= 1) of dims")
    return Concatenate.apply(check_dim(d, tensors[0].ndim, "cat"), *tensors)


cat = concatenate


def stack(tensors: Sequence[Any], dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join tensors of one shape along a new dim."""
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ShapeError("stack: need at least one tensor")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ShapeError(f"stack: all tensors must have the same shape, got {sorted(shapes)}")
    d = pick_alias("stack", "dim", dim, "axis", axis, 0)
    d = check_dim(d, tensors[0].ndim, "stack", new=1)
    return concatenate([unsqueeze(t, d) for t in tensors], d)


def pad(x: Any, pad_width: Any, value: float = 0.0) -> Tensor:
    """Pad with a constant; pad_width as in np.pad: n, (before, after), or one pair per axis."""
    x = as_tensor(x)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.ndim, 2))
    if (widths < 0).any():
        raise ArgumentValueError(f"pad: widths must be non-negative, got {pad_width}")
    return Pad.apply(x, tuple(map(tuple, widths.tolist())), value)


def cast(x: Any, dtype: Any) -> Tensor:
    x = as_tensor(x)
    if x.dtype == dtype:
        return x
    return Cast.apply(x, np.dtype(dtype))


def clone(x: Any) -> Tensor:
    return Clone.apply(as_tensor(x))
