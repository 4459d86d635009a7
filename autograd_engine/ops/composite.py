"""Operations PyTorch users call that are compositions of primitives: their gradients (and
tangents) come from the primitives they are made of, with no derivative of their own.

square, rsqrt, t, mm, bmm, outer, expand_as, view_as, flip, roll, repeat, tile, tril, triu,
split and chunk.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ArgumentValueError, ShapeError
from ..tensor import Tensor
from ._util import as_tensor, normalize_axis
from .elementwise import pow, where
from .linalg import matmul
from .shape import broadcast_to, cat, getitem, reshape, transpose


def square(x: Any) -> Tensor:
    x = as_tensor(x)
    return x * x


def rsqrt(x: Any) -> Tensor:
    """1 / sqrt(x)."""
    return pow(as_tensor(x), -0.5)


def t(x: Any) -> Tensor:
    """The transpose of a matrix (vectors and scalars unchanged), as torch.t."""
    x = as_tensor(x)
    if x.ndim > 2:
        raise ShapeError(f"t: expects a tensor with <= 2 dimensions, got {x.ndim}; use transpose")
    return transpose(x, 0, 1) if x.ndim == 2 else x


def _dims_of(op: str, x: Tensor, n: int) -> None:
    if x.ndim != n:
        raise ShapeError(f"{op}: expected a {n}-D tensor, got shape {tuple(x.shape)}")


def mm(a: Any, b: Any) -> Tensor:
    """Matrix product of two 2-D tensors (no broadcasting, as torch.mm)."""
    a, b = as_tensor(a), as_tensor(b)
    _dims_of("mm", a, 2)
    _dims_of("mm", b, 2)
    return matmul(a, b)


def bmm(a: Any, b: Any) -> Tensor:
    """Batched matrix product of (B, n, k) and (B, k, m) tensors (as torch.bmm)."""
    a, b = as_tensor(a), as_tensor(b)
    _dims_of("bmm", a, 3)
    _dims_of("bmm", b, 3)
    if a.shape[0] != b.shape[0]:
        raise ShapeError(f"bmm: batch sizes differ: {tuple(a.shape)} and {tuple(b.shape)}")
    return matmul(a, b)


def outer(a: Any, b: Any) -> Tensor:
    """a_i b_j for 1-D a and b."""
    a, b = as_tensor(a), as_tensor(b)
    _dims_of("outer", a, 1)
    _dims_of("outer", b, 1)
    return reshape(a, (-1, 1)) * reshape(b, (1, -1))


def expand_as(x: Any, other: Tensor) -> Tensor:
    return broadcast_to(as_tensor(x), tuple(other.shape))


def view_as(x: Any, other: Tensor) -> Tensor:
    return reshape(as_tensor(x), tuple(other.shape))


def flip(x: Any, dims: int | Sequence[int]) -> Tensor:
    """The elements in reverse order along `dims`."""
    x = as_tensor(x)
    axes = normalize_axis(dims, x.ndim)
    return getitem(
        x, tuple(slice(None, None, -1) if d in axes else slice(None) for d in range(x.ndim))
    )


def roll(x: Any, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None) -> Tensor:
    """Elements shifted cyclically by `shifts` along `dims` (the flattened tensor if None)."""
    x = as_tensor(x)
    if dims is None:
        return reshape(roll(reshape(x, (-1,)), shifts, 0), tuple(x.shape))
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise ArgumentValueError(
            f"roll: {len(shifts)} shifts for {len(dims)} dims; give one per dim"
        )
    for shift, dim in zip(shifts, dims, strict=True):
        (d,) = normalize_axis(dim, x.ndim)
        n = x.shape[d]
        if n == 0:
            continue
        k = shift % n
        if k:
            lead = (slice(None),) * d
            x = cat(
                [getitem(x, (*lead, slice(n - k, None))), getitem(x, (*lead, slice(0, n - k)))], d
            )
    return x


def repeat(x: Any, *sizes: Any) -> Tensor:
    """The tensor tiled `sizes[i]` times along dimension i (torch.Tensor.repeat; extra leading
    sizes add dimensions)."""
    x = as_tensor(x)
    reps = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], Sequence) else sizes
    reps = tuple(int(r) for r in reps)
    if len(reps) < x.ndim:
        raise ShapeError(
            f"repeat: {len(reps)} sizes for a tensor of {x.ndim} dimensions; give at least one "
            "size per dimension"
        )
    shape = (1,) * (len(reps) - x.ndim) + tuple(x.shape)
    # tile = broadcast a new axis of size r before every axis, then merge the pairs
    spread = reshape(x, tuple(v for n in shape for v in (1, n)))
    target = tuple(v for r, n in zip(reps, shape, strict=True) for v in (r, n))
    return reshape(
        broadcast_to(spread, target), tuple(r * n for r, n in zip(reps, shape, strict=True))
    )


def tile(x: Any, dims: Sequence[int]) -> Tensor:
    """As repeat, but fewer sizes than dimensions are padded with ones in front (torch.tile)."""
    x = as_tensor(x)
    dims = tuple(dims)
    return repeat(x, (1,) * (x.ndim - len(dims)) + dims)


def _triangle(op: str, x: Any, diagonal: int, lower: bool) -> Tensor:
    x = as_tensor(x)
    if x.ndim < 2:
        raise ShapeError(f"{op}: expects a tensor of at least 2 dimensions, got {tuple(x.shape)}")
    rows, cols = x.shape[-2:]
    offset = np.arange(cols)[None, :] - np.arange(rows)[:, None]
    keep = offset <= diagonal if lower else offset >= diagonal
    return where(Tensor(keep), x, 0)


def tril(x: Any, diagonal: int = 0) -> Tensor:
    """The lower triangle (at and below `diagonal`) of the last two dimensions; zeros above."""
    return _triangle("tril", x, diagonal, lower=True)


def triu(x: Any, diagonal: int = 0) -> Tensor:
    """The upper triangle (at and above `diagonal`) of the last two dimensions; zeros below."""
    return _triangle("triu", x, diagonal, lower=False)


def split(x: Any, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces along `dim`: of `split_size` each (the last smaller), or of the listed sizes."""
    x = as_tensor(x)
    (d,) = normalize_axis(dim, x.ndim)
    n = x.shape[d]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size <= 0:
            raise ArgumentValueError(f"split: split_size must be positive, got {size}")
        sizes = [min(size, n - lo) for lo in range(0, n, size)] or [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n:
            raise ArgumentValueError(
                f"split: sizes {sizes} sum to {sum(sizes)} but dimension {d} has size {n}"
            )
    bounds = np.cumsum([0, *sizes])
    lead = (slice(None),) * d
    return tuple(getitem(x, (*lead, slice(int(a), int(b)))) for a, b in itertools.pairwise(bounds))


def chunk(x: Any, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """At most `chunks` pieces of equal size (the last smaller) along `dim` (torch.chunk)."""
    if chunks <= 0:
        raise ArgumentValueError(f"chunk: chunks must be positive, got {chunks}")
    x = as_tensor(x)
    (d,) = normalize_axis(dim, x.ndim)
    return split(x, max(1, -(-x.shape[d] // chunks)), d)


__all__ = [
    "bmm",
    "chunk",
    "expand_as",
    "flip",
    "mm",
    "outer",
    "repeat",
    "roll",
    "rsqrt",
    "split",
    "square",
    "t",
    "tile",
    "tril",
    "triu",
    "view_as",
]
