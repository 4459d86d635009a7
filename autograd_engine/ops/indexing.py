"""Indexing along one dimension with an index tensor: gather and its adjoint scatter_add
(the pair that `take` and `put` of every embedding, one-hot and top-k are made of), scatter,
index_select and masked_fill.

For a 2-D input and dim = 1: gather(x, 1, i)[r][c] = x[r][i[r][c]], and scatter_add(b, 1, i, s)
adds s[r][c] into b[r][i[r][c]]. Each is the other's backward.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArgumentError, IndexOutOfRangeError, ShapeError
from ..tensor import Tensor
from ._util import Primitive, as_tensor, binary, normalize_axis
from .elementwise import where
from .shape import Pad, getitem


def _positions(dim: int, index: np.ndarray) -> tuple[np.ndarray, ...]:
    """The full index tuple that picks, for every entry of `index`, the element at that entry
    along `dim` and at the entry's own position along the other dimensions."""
    grid = list(np.indices(index.shape, sparse=True))
    grid[dim] = index
    return tuple(grid)


def _check(op: str, x_shape: tuple[int, ...], dim: int, index: np.ndarray) -> None:
    if index.dtype.kind not in "iu":
        raise ArgumentError(f"{op}: index must be an integer tensor, got dtype {index.dtype}")
    if index.ndim != len(x_shape):
        raise ShapeError(
            f"{op}: index has {index.ndim} dimensions but the input has {len(x_shape)}; "
            "they must have the same number of dimensions"
        )
    for d, (n, m) in enumerate(zip(index.shape, x_shape, strict=True)):
        if d != dim and n > m:
            raise ShapeError(
                f"{op}: index has size {n} in dimension {d} but the input only {m} "
                f"(index {index.shape}, input {x_shape}); only dimension {dim} may be larger"
            )
    size = x_shape[dim]
    if index.size and (index.min() < 0 or index.max() >= size):
        raise IndexOutOfRangeError(
            f"{op}: index values must lie in [0, {size - 1}] for dimension {dim} of "
            f"size {size}, got min {index.min()} and max {index.max()}"
        )


class Gather(Primitive):
    name = "gather"

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.dim, ctx.index = dim, index
        return x[_positions(dim, index)]

    @staticmethod
    def backward(ctx, g):
        (shape, dtype) = ctx.input_meta[0]
        return ScatterAdd.call(np.zeros(shape, dtype), ctx.dim, ctx.index, g), None, None

    @staticmethod
    def jvp(ctx, t, _dim, _index):
        return t[_positions(ctx.dim, ctx.index)]


def _scatter_add_array(base: np.ndarray, dim: int, index: np.ndarray, src: np.ndarray):
    out = base.copy()
    np.add.at(out, _positions(dim, index), src[tuple(slice(0, n) for n in index.shape)])
    return out


class ScatterAdd(Primitive):
    name = "scatter_add"

    @staticmethod
    def forward(ctx, base, dim, index, src):
        ctx.dim, ctx.index = dim, index
        return _scatter_add_array(base, dim, index, src)

    @staticmethod
    def backward(ctx, g):
        (src_shape, dtype) = ctx.input_meta[3]
        return g, None, None, _pad_to(_gathered(g, ctx), src_shape, dtype)

    @staticmethod
    def jvp(ctx, t_base, _dim, _index, t_src):
        return _scatter_add_array(t_base, ctx.dim, ctx.index, t_src)


class Scatter(Primitive):
    """A copy of base with src written at the index positions (where an index repeats, the
    written value is one of the candidates, as in PyTorch)."""

    name = "scatter"

    @staticmethod
    def forward(ctx, base, dim, index, src):
        ctx.dim, ctx.index = dim, index
        out = base.copy()
        out[_positions(dim, index)] = src[tuple(slice(0, n) for n in index.shape)]
        return out

    @staticmethod
    def backward(ctx, g):
        (shape, dtype) = ctx.input_meta[0]
        (src_shape, _) = ctx.input_meta[3]
        keep = np.ones(shape, dtype)
        keep[_positions(ctx.dim, ctx.index)] = 0  # overwritten: no gradient to base there
        return g * keep, None, None, _pad_to(_gathered(g, ctx), src_shape, dtype)

    @staticmethod
    def jvp(ctx, t_base, _dim, _index, t_src):
        out = t_base.copy()
        out[_positions(ctx.dim, ctx.index)] = t_src[tuple(slice(0, n) for n in ctx.index.shape)]
        return out


def _gathered(g: Any, ctx: Any) -> Any:
    """g at ctx's index positions: the gradient of the scattered src."""
    return Gather.call(g, ctx.dim, ctx.index)


def _pad_to(g: Any, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    """g (the index's shape) placed at the start of a zero gradient of src's shape (src may be
    larger than the index; its other entries are unused)."""
    if tuple(g.shape) == tuple(shape):
        return g
    widths = tuple((0, n - m) for n, m in zip(shape, g.shape, strict=True))
    return Pad.call(g, widths, 0.0)


def _index_array(op: str, index: Any) -> np.ndarray:
    array = index.numpy() if isinstance(index, Tensor) else np.asarray(index)
    if array.dtype.kind not in "iu":
        raise ArgumentError(f"{op}: index must be an integer tensor, got dtype {array.dtype}")
    return array.astype(np.int64, copy=False)


def gather(input: Any, dim: int, index: Any) -> Tensor:
    """Values of `input` along `dim` at `index` (same number of dimensions; torch.gather)."""
    x = as_tensor(input)
    (d,) = normalize_axis(dim, x.ndim)
    idx = _index_array("gather", index)
    _check("gather", x.shape, d, idx)
    return Gather.apply(x, d, idx)


def _scatter(op: str, cls: type, input: Any, dim: int, index: Any, src: Any) -> Tensor:
    base = as_tensor(input)
    (d,) = normalize_axis(dim, base.ndim)
    idx = _index_array(op, index)
    _check(op, base.shape, d, idx)
    if not isinstance(src, Tensor):
        src = Tensor(np.full(idx.shape, src, dtype=base.dtype))
    base, src = binary(base, src)
    if src.ndim != base.ndim or any(n < m for n, m in zip(src.shape, idx.shape, strict=True)):
        raise ShapeError(
            f"{op}: src {tuple(src.shape)} must have the input's number of dimensions and be "
            f"at least as large as index {tuple(idx.shape)} in every dimension"
        )
    return cls.apply(base, d, idx, src)


def scatter_add(input: Any, dim: int, index: Any, src: Any) -> Tensor:
    """A copy of `input` with src[..] added at the index positions along `dim`."""
    return _scatter("scatter_add", ScatterAdd, input, dim, index, src)


def scatter(input: Any, dim: int, index: Any, src: Any = None, value: Any = None) -> Tensor:
    """A copy of `input` with `src` (or the number `value`) written at the index positions."""
    if (src is None) == (value is None):
        raise ArgumentError("scatter: give exactly one of src and value")
    return _scatter("scatter", Scatter, input, dim, index, value if src is None else src)


def index_select(input: Any, dim: int, index: Any) -> Tensor:
    """The slices of `input` along `dim` at the 1-D `index` (torch.index_select)."""
    x = as_tensor(input)
    (d,) = normalize_axis(dim, x.ndim)
    idx = _index_array("index_select", index)
    if idx.ndim > 1:
        raise ShapeError(f"index_select: index must be 1-D (or 0-d), got shape {idx.shape}")
    return getitem(x, (slice(None),) * d + (idx.reshape(-1),))


def masked_fill(input: Any, mask: Any, value: Any) -> Tensor:
    """`input` with `value` wherever the bool `mask` (broadcast) is True."""
    m = mask.numpy() if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise ArgumentError(f"masked_fill: mask must be a bool tensor, got dtype {m.dtype}")
    x = as_tensor(input)
    fill = value if isinstance(value, Tensor) else Tensor(np.asarray(value, dtype=x.dtype))
    return where(mask if isinstance(mask, Tensor) else Tensor(m), fill, x)


__all__ = ["gather", "index_select", "masked_fill", "scatter", "scatter_add"]
