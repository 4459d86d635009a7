"""Convolutions: conv1d, conv2d and conv_transpose2d (PyTorch's F.conv*), on the compiled
kernels of kernels/conv.py.

Three bilinear primitives (plus Conv2d's optional bias), each one's backward made of the three:

    Conv2d(x, w, b)         the convolution (cross-correlation) y = x * w (+ b, fused)
    ConvTranspose2d(y, w)   its adjoint in x:  dL/dx = ConvTranspose2d(dL/dy, w)
    Conv2dWeight(x, y)      its adjoint in w:  dL/dw = Conv2dWeight(x, dL/dy)

All three share a geometry `geom = (stride, pads, dilation, groups)` with explicit pads
((top, bottom), (left, right)). Since every backward calls these primitives, the second
derivative (and any higher one) needs no more code; forward mode uses bilinearity:
d(x * w) = dx * w + x * dw.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ShapeError
from ..kernels import conv as kconv
from ..kernels.windows import conv2d_geometry, conv_transpose2d_geometry
from ..tensor import Tensor
from ._util import Primitive, as_tensor, dtype_mismatch

Geom = tuple[tuple[int, int], tuple[tuple[int, int], tuple[int, int]], tuple[int, int], int]


def _output_padding(in_hw: tuple[int, ...], w_shape: tuple[int, ...], geom: Geom) -> tuple:
    """The output_padding that makes the adjoint of a conv2d from `in_hw` give `in_hw` back:
    the rows and columns the last window did not reach (fewer than the stride)."""
    stride, pads, dilation, _ = geom
    return tuple(
        (n + p[0] + p[1] - d * (k - 1) - 1) % s
        for n, k, s, p, d in zip(in_hw, w_shape[2:], stride, pads, dilation, strict=True)
    )


def _conv(x: np.ndarray, w: np.ndarray, geom: Geom, b: np.ndarray | None = None) -> np.ndarray:
    stride, pads, dilation, groups = geom
    return kconv.conv2d(x, w, b, stride, pads, dilation, groups)


def _conv_t(y: np.ndarray, w: np.ndarray, geom: Geom, extra: tuple) -> np.ndarray:
    stride, pads, dilation, groups = geom
    return kconv.conv_transpose2d(y, w, None, stride, pads, extra, dilation, groups)


def _conv_w(x: np.ndarray, y: np.ndarray, geom: Geom, w_shape: tuple) -> np.ndarray:
    stride, pads, dilation, groups = geom
    w = np.zeros(w_shape, x.dtype)  # read for its shape only
    return kconv.conv2d_backward(x, w, y, stride, pads, dilation, groups, (False, True, False))[1]


def _tangent(first: Any, second: Any) -> Any:
    """The sum of a product rule's two terms, either of which may be absent (None)."""
    if first is None:
        return second
    return first if second is None else first + second


class Conv2d(Primitive):
    """y = x * w + b (b (C_out,) per output channel, or None). The bias is added inside the
    kernel's pass over the output and its gradient summed in the backward kernel's pass over
    grad_out: as a separate broadcast add it cost a tenth of a LeNet-sized conv2d."""

    name = "conv2d"

    @staticmethod
    def forward(ctx, x, w, b, geom):
        ctx.geom = geom
        ctx.save_for_backward(x, w)
        return _conv(x, w, geom, b)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        geom = ctx.geom
        need_x, need_w, need_b, _ = ctx.needs_input_grad
        if isinstance(g, Tensor):
            extra = _output_padding(x.shape[2:], w.shape, geom)
            gx = ConvTranspose2d.apply(g, w, geom, extra) if need_x else None
            gw = Conv2dWeight.apply(x, g, geom, tuple(w.shape)) if need_w else None
            gb = g.sum(axis=(0, 2, 3)) if need_b else None
        else:  # one kernel call: grad_out is laid out for the products once
            stride, pads, dilation, groups = geom
            mask = (need_x, need_w, need_b)
            gx, gw, gb = kconv.conv2d_backward(x, w, g, stride, pads, dilation, groups, mask)
        return gx, gw, gb, None

    @staticmethod
    def jvp(ctx, tx, tw, tb, _geom):
        x, w = ctx.inputs[:2]
        out = _tangent(
            None if tx is None else _conv(tx, w, ctx.geom),
            None if tw is None else _conv(x, tw, ctx.geom),
        )
        if tb is None:
            return out
        shift = tb.reshape(-1, 1, 1)
        return np.broadcast_to(shift, ctx.output.shape).copy() if out is None else out + shift


class ConvTranspose2d(Primitive):
    """The adjoint of Conv2d in its input: y (N, C_out, ...) and w (C_out, C_in/groups, kH, kW)
    of the conv2d from C_in to C_out channels give (N, C_in, ...)."""

    name = "conv_transpose2d"

    @staticmethod
    def forward(ctx, y, w, geom, extra):
        ctx.geom = geom
        ctx.save_for_backward(y, w)
        return _conv_t(y, w, geom, extra)

    @staticmethod
    def backward(ctx, g):
        y, w = ctx.saved_tensors
        geom = ctx.geom
        need_y, need_w, _, _ = ctx.needs_input_grad
        if isinstance(g, Tensor):
            gy = Conv2d.apply(g, w, None, geom) if need_y else None
            gw = Conv2dWeight.apply(g, y, geom, tuple(w.shape)) if need_w else None
        else:
            gy = _conv(g, w, geom) if need_y else None
            gw = _conv_w(g, y, geom, w.shape) if need_w else None
        return gy, gw, None, None

    @staticmethod
    def jvp(ctx, ty, tw, _geom, _extra):
        y, w = ctx.inputs[:2]
        extra = ctx.inputs[3]
        return _tangent(
            None if ty is None else _conv_t(ty, w, ctx.geom, extra),
            None if tw is None else _conv_t(y, tw, ctx.geom, extra),
        )


class Conv2dWeight(Primitive):
    """The adjoint of Conv2d in its weight: the correlation of the input x with an output-sized
    y, summed over the batch (conv2d's weight gradient when y is dL/dout)."""

    name = "conv2d_weight"

    @staticmethod
    def forward(ctx, x, y, geom, w_shape):
        ctx.geom = geom
        ctx.save_for_backward(x, y)
        return _conv_w(x, y, geom, w_shape)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        geom = ctx.geom
        need_x, need_y, _, _ = ctx.needs_input_grad
        extra = _output_padding(x.shape[2:], g.shape, geom)
        if isinstance(g, Tensor):
            gx = ConvTranspose2d.apply(y, g, geom, extra) if need_x else None
            gy = Conv2d.apply(x, g, None, geom) if need_y else None
        else:
            gx = _conv_t(y, g, geom, extra) if need_x else None
            gy = _conv(x, g, geom) if need_y else None
        return gx, gy, None, None

    @staticmethod
    def jvp(ctx, tx, ty, _geom, _w_shape):
        x, y, _, w_shape = ctx.inputs
        return _tangent(
            None if tx is None else _conv_w(tx, y, ctx.geom, w_shape),
            None if ty is None else _conv_w(x, ty, ctx.geom, w_shape),
        )


def _operands(op: str, input: Any, weight: Any, bias: Any, dims: int) -> tuple:
    """input (batched or not), weight and bias as Tensors of one dtype, and whether the input
    had no batch dimension (PyTorch accepts (C, *spatial) too)."""
    x, w = as_tensor(input), as_tensor(weight)
    b = None if bias is None else as_tensor(bias)
    for other in (w, b):
        if other is not None and other.dtype != x.dtype:
            raise dtype_mismatch(op, x.dtype, other.dtype)
    unbatched = x.ndim == dims + 1
    return (x.unsqueeze(0) if unbatched else x), w, b, unbatched


def _finish(out: Tensor, bias: Tensor | None, unbatched: bool) -> Tensor:
    if bias is not None:
        out = out + bias.reshape((1, -1) + (1,) * (out.ndim - 2))
    return out.squeeze(0) if unbatched else out


def conv2d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """2-D cross-correlation of input (N, C_in, H, W) with weight (C_out, C_in/groups, kH, kW),
    plus bias (C_out,); padding an int, a pair, 'valid' or 'same' (stride 1)."""
    x, w, b, unbatched = _operands("conv2d", input, weight, bias, 2)
    stride, pads, dilation, _ = conv2d_geometry(x.shape, w.shape, stride, padding, dilation, groups)
    return _finish(Conv2d.apply(x, w, b, (stride, pads, dilation, groups)), None, unbatched)


def _single(value: Any) -> Any:
    """An int given as itself or as a 1-tuple (PyTorch accepts both for conv1d)."""
    return value[0] if isinstance(value, tuple | list) and len(value) == 1 else value


def conv1d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: int = 1,
    padding: Any = 0,
    dilation: int = 1,
    groups: int = 1,
) -> Tensor:
    """1-D cross-correlation of input (N, C_in, L) with weight (C_out, C_in/groups, k): conv2d
    on a height-1 image."""
    x, w, b, unbatched = _operands("conv1d", input, weight, bias, 1)
    if x.ndim != 3 or w.ndim != 3:
        raise ShapeError(
            f"conv1d: input must be 3-D (N, C, L) and weight 3-D (C_out, C_in/groups, k), got "
            f"{tuple(x.shape)} and {tuple(w.shape)}"
        )
    if not isinstance(padding, str):
        padding = ((0, 0), (_single(padding),) * 2)
    stride, dilation = (1, _single(stride)), (1, _single(dilation))
    out = conv2d(x.unsqueeze(2), w.unsqueeze(2), b, stride, padding, dilation, groups)
    return _finish(out.squeeze(2), None, unbatched)


def conv_transpose2d(
    input: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """The transposed convolution ("deconvolution") of input (N, C_in, H, W) by weight
    (C_in, C_out/groups, kH, kW): the gradient a conv2d by the same weight sends back to its
    input, which upsamples by the stride. Argument order as torch.nn.functional."""
    x, w, b, unbatched = _operands("conv_transpose2d", input, weight, bias, 2)
    stride, pads, dilation, _ = conv_transpose2d_geometry(
        x.shape, w.shape, stride, padding, output_padding, dilation, groups
    )
    extra = tuple(np.broadcast_to(np.asarray(output_padding, dtype=int), (2,)).tolist())
    out = ConvTranspose2d.apply(x, w, (stride, pads, dilation, groups), extra)
    return _finish(out, b, unbatched)


__all__ = ["conv1d", "conv2d", "conv_transpose2d"]
