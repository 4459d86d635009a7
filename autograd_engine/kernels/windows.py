"""Sliding-window geometry shared by the convolution, pooling and padding kernels.

Arguments follow PyTorch (an int or a pair per spatial dimension). Padding is normalised to
explicit `((top, bottom), (left, right))` pairs so that PyTorch's asymmetric 'same' padding for
even kernels (the extra row and column at the bottom and right) needs no special case further
down. Shape problems raise `ShapeError` (a ValueError) naming the op and the shapes.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from ..errors import ShapeError

# The dtypes the kernels are compiled for; `is` also rejects non-native byte orders.
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)

Pair = tuple[int, int]
Pads = tuple[Pair, Pair]
IntOrPair = int | tuple[int, int]
Padding2d = int | tuple[int, int] | tuple[Pair, Pair] | Literal["same", "valid"]


def fits_kernels(*arrays: np.ndarray | None) -> bool:
    """Whether the compiled kernels take these arrays: float32 or float64, all of one dtype
    (None entries, absent optional arguments, are skipped). Others go to the references."""
    dtype = arrays[0].dtype
    return (dtype is _F32 or dtype is _F64) and all(a is None or a.dtype is dtype for a in arrays)


def pair(value: IntOrPair, name: str, op: str, minimum: int = 0) -> Pair:
    """(value, value) for an int, the pair itself for a pair; each at least `minimum`."""
    out = (value, value) if isinstance(value, int) else tuple(value)
    if len(out) != 2 or not all(isinstance(v, int) and v >= minimum for v in out):
        raise ShapeError(f"{op}: {name} must be an int >= {minimum} or a pair of them, got {value}")
    return out  # type: ignore[return-value]


def same_padding(kernel_size: IntOrPair, dilation: IntOrPair = 1) -> Pads:
    """PyTorch's padding='same' at stride 1: d (k - 1) in total per dimension, the smaller half
    before and the larger after (asymmetric for even effective kernels)."""
    pads = []
    for k, d in zip(
        pair(kernel_size, "kernel_size", "same_padding", 1),
        pair(dilation, "dilation", "same_padding", 1),
    ):
        total = d * (k - 1)
        pads.append((total // 2, total - total // 2))
    return tuple(pads)  # type: ignore[return-value]


def resolve_padding(
    padding: Padding2d, kernel_size: Pair, dilation: Pair, stride: Pair, op: str
) -> Pads:
    """Explicit ((top, bottom), (left, right)) pads from an int, a pair, explicit pairs,
    'valid' (no padding) or 'same' (output size = input size; stride 1 only, as PyTorch)."""
    if padding == "valid":
        return (0, 0), (0, 0)
    if padding == "same":
        if stride != (1, 1):
            raise ShapeError(f"{op}: padding='same' needs stride 1, got stride {stride}")
        return same_padding(kernel_size, dilation)
    if isinstance(padding, str):
        raise ShapeError(f"{op}: padding must be 'same', 'valid', an int or pairs, got {padding!r}")
    if isinstance(padding, tuple) and len(padding) == 2 and not isinstance(padding[0], int):
        return pair(padding[0], "padding", op), pair(padding[1], "padding", op)  # type: ignore[arg-type]
    ph, pw = pair(padding, "padding", op)  # type: ignore[arg-type]
    return (ph, ph), (pw, pw)


def conv_output_size(size: int, kernel: int, stride: int, pads: Pair, dilation: int) -> int:
    """floor((size + pad_lo + pad_hi - d (k - 1) - 1) / s) + 1: windows that fit entirely."""
    return (size + pads[0] + pads[1] - dilation * (kernel - 1) - 1) // stride + 1


def conv_transpose_output_size(
    size: int, kernel: int, stride: int, pads: Pair, dilation: int, output_padding: int = 0
) -> int:
    """(size - 1) s - pad_lo - pad_hi + d (k - 1) + output_padding + 1: the input size of the
    convolution whose adjoint conv_transpose is."""
    return (size - 1) * stride - pads[0] - pads[1] + dilation * (kernel - 1) + output_padding + 1


def pool_output_size(
    size: int, kernel: int, stride: int, pad: int, dilation: int, ceil_mode: bool
) -> int:
    """Pooling windows per dimension, rounded up in ceil mode; as PyTorch, a last window that
    would start inside the right padding is dropped."""
    span = size + 2 * pad - dilation * (kernel - 1) - 1
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def conv2d_geometry(
    x_shape: tuple[int, ...],
    w_shape: tuple[int, ...],
    stride: IntOrPair,
    padding: Padding2d,
    dilation: IntOrPair,
    groups: int,
    op: str = "conv2d",
) -> tuple[Pair, Pads, Pair, Pair]:
    """Checks a conv2d's shapes and returns (stride, pads, dilation, output (H, W)).

    x is (N, C_in, H, W) and w is (C_out, C_in / groups, kH, kW).
    """
    if len(x_shape) != 4 or len(w_shape) != 4:
        raise ShapeError(
            f"{op}: input must be 4-D (N, C, H, W) and weight 4-D, got {x_shape} and {w_shape}"
        )
    if not isinstance(groups, int) or groups < 1:
        raise ShapeError(f"{op}: groups must be a positive int, got {groups}")
    c_in, c_out = x_shape[1], w_shape[0]
    if c_in % groups or c_out % groups or w_shape[1] * groups != c_in:
        raise ShapeError(
            f"{op}: input {x_shape} and weight {w_shape} do not fit groups={groups}: C_in and "
            "C_out must divide by groups and weight.shape[1] must be C_in / groups"
        )
    kernel = (w_shape[2], w_shape[3])
    if min(kernel) < 1:
        raise ShapeError(f"{op}: empty kernel in weight {w_shape}")
    stride = pair(stride, "stride", op, 1)
    dilation = pair(dilation, "dilation", op, 1)
    pads = resolve_padding(padding, kernel, dilation, stride, op)
    out = tuple(
        conv_output_size(x_shape[2 + a], kernel[a], stride[a], pads[a], dilation[a]) for a in (0, 1)
    )
    if min(out) < 1:
        raise ShapeError(
            f"{op}: input {x_shape} padded by {pads} is smaller than the dilated kernel of weight "
            f"{w_shape} (dilation {dilation})"
        )
    return stride, pads, dilation, out  # type: ignore[return-value]


def conv_transpose2d_geometry(
    x_shape: tuple[int, ...],
    w_shape: tuple[int, ...],
    stride: IntOrPair,
    padding: Padding2d,
    output_padding: IntOrPair,
    dilation: IntOrPair,
    groups: int,
    op: str = "conv_transpose2d",
) -> tuple[Pair, Pads, Pair, Pair]:
    """Checks a conv_transpose2d's shapes and returns (stride, pads, dilation, output (H, W)).

    x is (N, C_in, H, W) and w is (C_in, C_out / groups, kH, kW), the weight of the conv2d
    from C_out to C_in channels whose adjoint this is.
    """
    if len(x_shape) != 4 or len(w_shape) != 4:
        raise ShapeError(
            f"{op}: input must be 4-D (N, C, H, W) and weight 4-D, got {x_shape} and {w_shape}"
        )
    if not isinstance(groups, int) or groups < 1 or x_shape[1] != w_shape[0] or w_shape[0] % groups:
        raise ShapeError(
            f"{op}: input {x_shape} and weight {w_shape} do not fit groups={groups}: "
            "weight.shape[0] must be C_in and divide by groups"
        )
    kernel = (w_shape[2], w_shape[3])
    stride = pair(stride, "stride", op, 1)
    dilation = pair(dilation, "dilation", op, 1)
    extra = pair(output_padding, "output_padding", op)
    if isinstance(padding, str):
        raise ShapeError(f"{op}: padding must be an int or pairs, got {padding!r}")
    if extra[0] >= stride[0] or extra[1] >= stride[1]:
        raise ShapeError(f"{op}: output_padding {extra} must be smaller than the stride {stride}")
    pads = resolve_padding(padding, kernel, dilation, stride, op)
    out = tuple(
        conv_transpose_output_size(
            x_shape[2 + a], kernel[a], stride[a], pads[a], dilation[a], extra[a]
        )
        for a in (0, 1)
    )
    if min(out) < 1:
        raise ShapeError(
            f"{op}: input {x_shape}, weight {w_shape} and padding {pads} give an empty output"
        )
    return stride, pads, dilation, out  # type: ignore[return-value]


def check_grad_out(op: str, grad_shape: tuple[int, ...], expected: tuple[int, ...]) -> None:
    """Raises unless the upstream gradient has the forward output's shape."""
    if tuple(grad_shape) != tuple(expected):
        raise ShapeError(f"{op}: grad_out has shape {grad_shape}, the forward's output {expected}")


def pad_index(size: int, before: int, after: int, mode: str) -> np.ndarray:
    """For each position of a padded axis, the input position it copies (-1: the constant).

    'reflect' mirrors about the edge without repeating it (np.pad's 'reflect'), 'replicate'
    repeats the edge (np.pad's 'edge'); the tests check both against np.pad.
    """
    if min(before, after) < 0:
        raise ShapeError(f"pad: pads must be non-negative, got ({before}, {after})")
    index = np.arange(-before, size + after)
    if mode == "constant":
        index[(index < 0) | (index >= size)] = -1
    elif mode == "replicate":
        np.clip(index, 0, size - 1, out=index)
    elif mode == "reflect":
        if max(before, after) >= size:
            raise ShapeError(
                f"pad: reflect pads ({before}, {after}) must be smaller than the size {size}"
            )
        index = np.abs(index)
        index = np.where(index >= size, 2 * (size - 1) - index, index)
    else:
        raise ShapeError(f"pad: mode must be 'constant', 'reflect' or 'replicate', got {mode!r}")
    return index


def pool2d_geometry(x_shape, kernel_size, stride, padding, dilation, ceil_mode, op):
    """Checks a pool's arguments: (kernel, stride, padding, dilation, output (H, W)).

    stride defaults to the kernel size; padding must be at most half the kernel, as PyTorch.
    """
    if len(x_shape) < 3:
        raise ShapeError(f"{op}: input must be (N, C, H, W) or (C, H, W), got {x_shape}")
    kernel = pair(kernel_size, "kernel_size", op, 1)
    stride = kernel if stride is None or stride == () else pair(stride, "stride", op, 1)
    pad = pair(padding, "padding", op)
    dilation = pair(dilation, "dilation", op, 1)
    if pad[0] > kernel[0] // 2 or pad[1] > kernel[1] // 2:
        raise ShapeError(f"{op}: padding {pad} must be at most half the kernel size {kernel}")
    out = tuple(
        pool_output_size(x_shape[-2 + a], kernel[a], stride[a], pad[a], dilation[a], ceil_mode)
        for a in (0, 1)
    )
    if min(out) < 1:
        raise ShapeError(
            f"{op}: input {x_shape} is smaller than the kernel {kernel} (dilation {dilation})"
        )
    return kernel, stride, pad, dilation, out


def adaptive_bins(size: int, out: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive pooling bins: [floor(i size / out), ceil((i + 1) size / out))."""
    return [(i * size // out, -(-(i + 1) * size // out)) for i in range(out)]


def adaptive_output_size(x_shape: tuple[int, ...], output_size, op: str) -> tuple[int, int]:
    """The (OH, OW) of an adaptive pool; None in output_size keeps that input dimension."""
    if len(x_shape) < 3:
        raise ShapeError(f"{op}: input must be (N, C, H, W) or (C, H, W), got {x_shape}")
    sizes = (
        (output_size, output_size)
        if isinstance(output_size, int) or output_size is None
        else tuple(output_size)
    )
    out = tuple(x_shape[-2 + a] if s is None else s for a, s in enumerate(sizes))
    return pair(out, "output_size", op, 1)
