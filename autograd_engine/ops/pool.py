"""Pooling (max, average, adaptive average) and edge padding (reflect, replicate) over the
last two dimensions, on the compiled kernels of kernels/pool.py and kernels/padding.py.

Average pooling and padding are linear maps x -> A x; each is a `_LinearMap` whose backward is
its adjoint A^T, itself a `_LinearMap` whose backward is A again, so derivatives of every order
are calls of the two. Max pooling picks one input per window: the kernel finds the values and
their indices, and `MaxPool` is a gather at them, whose backward is the kernel's fused scatter
(a recorded `scatter_add` under create_graph).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ShapeError
from ..kernels import padding as kpad
from ..kernels import pool as kpool
from ..tensor import Tensor
from ._util import Primitive, as_tensor
from .conv import _single
from .indexing import scatter_add


class _LinearMap(Primitive):
    """x -> A x for a linear A fixed by `spec`; `adjoint` is the class of A^T."""

    adjoint: type[_LinearMap]

    @staticmethod
    def map(x: np.ndarray, spec: Any) -> np.ndarray:
        raise NotImplementedError

    @classmethod
    def forward(cls, ctx, x, spec):
        ctx.spec = spec
        return cls.map(x, spec)

    @staticmethod
    def backward(ctx, g):
        adjoint = ctx.fn.adjoint
        if isinstance(g, Tensor):
            return adjoint.apply(g, ctx.spec), None
        return adjoint.map(g, ctx.spec), None

    @staticmethod
    def jvp(ctx, t, _spec):
        return ctx.fn.map(t, ctx.spec)


# spec: (input shape, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor)
class AvgPool2d(_LinearMap):
    name = "avg_pool2d"

    @staticmethod
    def map(x, spec):
        return kpool.avg_pool2d(x, *spec[1:])


class AvgPool2dBackward(_LinearMap):
    name = "avg_pool2d_backward"
    adjoint = AvgPool2d

    @staticmethod
    def map(g, spec):
        return kpool.avg_pool2d_backward(g, *spec)


AvgPool2d.adjoint = AvgPool2dBackward


# spec: (input shape, output size)
class AdaptiveAvgPool2d(_LinearMap):
    name = "adaptive_avg_pool2d"

    @staticmethod
    def map(x, spec):
        return kpool.adaptive_avg_pool2d(x, spec[1])


class AdaptiveAvgPool2dBackward(_LinearMap):
    name = "adaptive_avg_pool2d_backward"
    adjoint = AdaptiveAvgPool2d

    @staticmethod
    def map(g, spec):
        return kpool.adaptive_avg_pool2d_backward(g, spec[0])


AdaptiveAvgPool2d.adjoint = AdaptiveAvgPool2dBackward


# spec: ((left, right, top, bottom), mode)
class EdgePad2d(_LinearMap):
    """Padding of the last two dimensions by copies of the input ('reflect', 'replicate')."""

    name = "edge_pad2d"

    @staticmethod
    def map(x, spec):
        return kpad.pad2d(x, *spec)


class EdgePad2dBackward(_LinearMap):
    name = "edge_pad2d_backward"
    adjoint = EdgePad2d

    @staticmethod
    def map(g, spec):
        return kpad.pad2d_backward(g, *spec)


EdgePad2d.adjoint = EdgePad2dBackward


def _spatial(op: str, x: Tensor, dims: int) -> None:
    if x.ndim not in (dims + 1, dims + 2):
        shape = "(N, C, L) or (C, L)" if dims == 1 else "(N, C, H, W) or (C, H, W)"
        raise ShapeError(f"{op}: expected an input {shape}, got shape {tuple(x.shape)}")


def max_pool2d(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """The maximum of each kernel_size window (stride defaults to kernel_size) of (N, C, H, W)
    or (C, H, W); with return_indices, also each maximum's flat index h W + w in its plane."""
    x = as_tensor(input)
    _spatial("max_pool2d", x, 2)
    return _pick(x, (kernel_size, stride, padding, dilation, ceil_mode), 2, return_indices)


def max_pool1d(
    input: Any,
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
    dilation: int = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """The maximum of each window along the last dimension of (N, C, L) or (C, L)."""
    x = as_tensor(input)
    _spatial("max_pool1d", x, 1)
    args = (kernel_size, stride, padding, dilation)
    kernel_size, stride, padding, dilation = (_single(a) for a in args)
    return _pick(x, (kernel_size, stride, padding, dilation, ceil_mode), 1, return_indices)


class MaxPool(Primitive):
    """The window maxima `values` of x, found by the kernel at `idx` (flat positions in each
    plane of the last `dims` dimensions) before the call, since the caller may return idx
    too. It is a gather at idx: the backward scatters the gradient there in one fused kernel
    pass (kernels.pool), or under create_graph as a recorded `scatter_add`, whose derivative
    is the gather again."""

    name = "max_pool"

    @staticmethod
    def forward(ctx, x, values, idx, dims, window=None):
        if window is not None:  # found here, so that a compiled step finds them on each replay
            values, idx = _FIND[dims](x, *window)
        ctx.idx, ctx.dims = idx, dims
        return values

    @staticmethod
    def backward(ctx, g):
        shape, dtype = ctx.input_meta[0]
        lead = shape[: len(shape) - ctx.dims]
        flat_idx = ctx.idx.reshape(*lead, -1)
        if isinstance(g, Tensor):
            base = Tensor(np.zeros(shape, dtype).reshape(*lead, -1))
            gx = scatter_add(base, -1, flat_idx, g.reshape(*lead, -1)).reshape(shape)
        else:  # planes as (1, H W): the kernel's indices are flat positions in them
            size = int(np.prod(shape[len(lead) :]))
            gx = kpool.max_pool2d_backward(
                g.reshape(*lead, 1, -1), flat_idx[..., None, :], (*lead, 1, size)
            ).reshape(shape)
        return gx, None, None, None

    @staticmethod
    def jvp(ctx, t, _values, _idx, _dims):
        lead = t.shape[: t.ndim - ctx.dims]
        picked = np.take_along_axis(t.reshape(*lead, -1), ctx.idx.reshape(*lead, -1), -1)
        return picked.reshape(ctx.idx.shape)


_FIND = {1: kpool.max_pool1d, 2: kpool.max_pool2d}


def _pick(x: Tensor, window: tuple, dims: int, return_indices: bool) -> Any:
    """The input's values at the window maxima; with return_indices, also their flat indices
    within each plane (found before the op, which returns only the values)."""
    if not return_indices:
        return MaxPool.apply(x, None, None, dims, window=window)
    values, idx = _FIND[dims](x.detach().numpy(), *window)
    return MaxPool.apply(x, values, idx, dims), Tensor(idx)


def avg_pool2d(
    input: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """The mean of each kernel_size window (stride defaults to kernel_size) of (N, C, H, W) or
    (C, H, W); zero padding counts in the divisor unless count_include_pad=False."""
    x = as_tensor(input)
    _spatial("avg_pool2d", x, 2)
    spec = (x.shape, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
    return AvgPool2d.apply(x, spec)


def adaptive_avg_pool2d(input: Any, output_size: Any) -> Tensor:
    """Average pooling to a fixed output size (H_out, W_out) whatever the input's, over
    PyTorch's bins [floor(i H / H_out), ceil((i + 1) H / H_out)); None keeps a size."""
    x = as_tensor(input)
    _spatial("adaptive_avg_pool2d", x, 2)
    sizes = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
    sizes = tuple(x.shape[-2 + i] if s is None else s for i, s in enumerate(sizes))
    return AdaptiveAvgPool2d.apply(x, (x.shape, sizes))


def edge_pad(input: Any, pads: tuple[int, ...], mode: str) -> Tensor:
    """Pad the last one or two dimensions by (left, right[, top, bottom]) copies of the input:
    mode 'reflect' (mirrored without repeating the edge) or 'replicate' (the edge repeated)."""
    x = as_tensor(input)
    if len(pads) == 2:
        out = EdgePad2d.apply(x.unsqueeze(-2), ((*pads, 0, 0), mode))
        return out.squeeze(-2)
    return EdgePad2d.apply(x, (tuple(pads), mode))


__all__ = ["adaptive_avg_pool2d", "avg_pool2d", "max_pool1d", "max_pool2d"]
