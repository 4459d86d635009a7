"""Max, average and adaptive average pooling (2-D, and max pooling 1-D) as Numba kernels.

Each kernel makes one pass over the (H, W) planes of an (N, C, H, W) or (C, H, W) input: a
window's bounds are clipped to the input once per output position, so padding costs nothing
(max pooling treats it as -inf, average pooling as zeros counted or not by count_include_pad).
Max pooling returns, as PyTorch's return_indices, the flat index h W + w in the plane of the
maximum (NaN wins, as PyTorch; the first of equal maxima); its backward adds each gradient at
that index. The windows, divisors and adaptive bins follow PyTorch's formulas
(`windows.pool2d_geometry`, `windows.adaptive_bins`).

Other dtypes than float32/float64 go to `reference_conv`. Measured against it (float32, 2 x 2
windows, 3 x 3 adaptive output, best of 30, kernel / reference):
    (1, 1, 4, 4)      max 9.3 / 57 us, backward 2.1 / 2.8 us; avg 9.0 / 64 us, backward
                      9.4 / 65 us; adaptive 3.2 / 44 us, backward 3.4 / 28 us
    (64, 16, 28, 28)  max 2.4 / 16 ms, backward 0.14 / 2.3 ms; avg 0.98 / 0.93 ms, backward
                      1.3 / 2.5 ms; adaptive 0.8 / 1.2 ms, backward 1.1 / 1.4 ms
so every size goes to the kernels (only the large average-pool forward is level).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import reference_conv as reference
from .windows import (
    IntOrPair,
    adaptive_output_size,
    check_grad_out,
    fits_kernels,
    pool2d_geometry,
)


@njit(cache=True, error_model="numpy")
def _windows(count, stride, pad, kernel, dilation, size):
    """Per output position o of one axis: the window's start o s - p in the input (negative
    inside the padding) and the kernel offsets [k0, k1) that fall inside [0, size). Built once
    per call so that the kernels' inner loops do no division."""
    start = np.arange(count) * stride - pad
    k0 = np.zeros(count, np.int64)
    k1 = np.empty(count, np.int64)
    for o in range(count):
        if start[o] < 0:
            k0[o] = (-start[o] + dilation - 1) // dilation
        k1[o] = max(k0[o], min(kernel, (size - 1 - start[o]) // dilation + 1))
    return start, k0, k1


@njit(cache=True, error_model="numpy")
def _max_pool(x, out, idx, rows, cols, dh, dw):
    """out[p, a, b] = max of plane p's window (a, b), idx its flat position h W + w; rows and
    cols are `_windows` tables."""
    r0, i0, i1 = rows
    c0, j0, j1 = cols
    w = x.shape[2]
    lowest = x.dtype.type(-np.inf)
    for p in range(x.shape[0]):
        plane = x[p]
        for a in range(out.shape[1]):
            for b in range(out.shape[2]):
                best = lowest
                where = (r0[a] + i0[a] * dh) * w + c0[b] + j0[b] * dw
                for i in range(i0[a], i1[a]):
                    r = r0[a] + i * dh
                    for j in range(j0[b], j1[b]):
                        v = plane[r, c0[b] + j * dw]
                        if v > best or v != v:
                            best = v
                            where = r * w + c0[b] + j * dw
                out[p, a, b] = best
                idx[p, a, b] = where


@njit(cache=True, error_model="numpy")
def _max_pool_dense(x, out, idx, kh, kw, sh, sw):
    """`_max_pool` for windows inside the plane without dilation (no padding, none cut by
    ceil_mode): each window row is a run of one input row, and no tables are read; same
    picks (the last NaN, else the first maximum). 2.2x faster than `_max_pool` on LeNet's
    (64, 6, 28, 28) 2 x 2 pooling (0.65 against 1.43 ms; PyTorch: 1.69 ms)."""
    w = x.shape[2]
    for p in range(x.shape[0]):
        plane, values, where_ = x[p], out[p], idx[p]
        for a in range(out.shape[1]):
            r = a * sh
            for b in range(out.shape[2]):
                c = b * sw
                best, where = plane[r, c], r * w + c
                for i in range(r, r + kh):
                    row = plane[i]
                    for j in range(c, c + kw):
                        v = row[j]
                        if v > best or v != v:
                            best, where = v, i * w + j
                values[a, b], where_[a, b] = best, where


@njit(cache=True, error_model="numpy")
def _max_pool_backward(grad, idx, gx):
    """gx[p, idx[p, o]] += grad[p, o]: each gradient to the element its maximum came from."""
    for p in range(grad.shape[0]):
        for o in range(grad.shape[1]):
            gx[p, idx[p, o]] += grad[p, o]


@njit(cache=True, error_model="numpy")
def _avg_tables(h, w, kernel, stride, pad, out_hw, include_pad, override):
    """`_windows` tables for rows and columns and the (OH, OW) reciprocal divisors: PyTorch
    divides by the window clipped to the padded input (count_include_pad) or to the input,
    or by divisor_override when positive."""
    rows = _windows(out_hw[0], stride[0], pad[0], kernel[0], 1, h)
    cols = _windows(out_hw[1], stride[1], pad[1], kernel[1], 1, w)
    if include_pad:
        row_span = np.minimum(rows[0] + kernel[0], h + pad[0]) - rows[0]
        col_span = np.minimum(cols[0] + kernel[1], w + pad[1]) - cols[0]
    else:
        row_span, col_span = rows[2] - rows[1], cols[2] - cols[1]
    scale = 1.0 / np.outer(row_span, col_span).astype(np.float64)
    if override > 0:
        scale[:] = 1.0 / override
    return rows, cols, scale


@njit(cache=True, error_model="numpy")
def _avg_pool(x, out, rows, cols, scale):
    """out[p, a, b] = sum of plane p's window (a, b) times scale[a, b] (1 / divisor)."""
    r0, i0, i1 = rows
    c0, j0, j1 = cols
    for p in range(x.shape[0]):
        plane = x[p]
        for a in range(out.shape[1]):
            for b in range(out.shape[2]):
                total = x.dtype.type(0)
                for r in range(r0[a] + i0[a], r0[a] + i1[a]):
                    for c in range(c0[b] + j0[b], c0[b] + j1[b]):
                        total += plane[r, c]
                out[p, a, b] = total * scale[a, b]


@njit(cache=True, error_model="numpy")
def _avg_pool_backward(grad, gx, rows, cols, scale):
    """gx[window (a, b)] += grad[p, a, b] scale[a, b]."""
    r0, i0, i1 = rows
    c0, j0, j1 = cols
    for p in range(gx.shape[0]):
        plane = gx[p]
        for a in range(grad.shape[1]):
            for b in range(grad.shape[2]):
                share = grad[p, a, b] * scale[a, b]
                for r in range(r0[a] + i0[a], r0[a] + i1[a]):
                    for c in range(c0[b] + j0[b], c0[b] + j1[b]):
                        plane[r, c] += share


@njit(cache=True, error_model="numpy")
def _bin(i, size, count):
    """PyTorch's adaptive bin i of `count` over `size`: [floor(i size / count),
    ceil((i + 1) size / count))."""
    return i * size // count, ((i + 1) * size + count - 1) // count


@njit(cache=True, error_model="numpy")
def _adaptive_avg(x, out):
    planes, h, w = x.shape
    for p in range(planes):
        plane = x[p]
        for a in range(out.shape[1]):
            r0, r1 = _bin(a, h, out.shape[1])
            for b in range(out.shape[2]):
                c0, c1 = _bin(b, w, out.shape[2])
                total = x.dtype.type(0)
                for r in range(r0, r1):
                    for c in range(c0, c1):
                        total += plane[r, c]
                out[p, a, b] = total / ((r1 - r0) * (c1 - c0))


@njit(cache=True, error_model="numpy")
def _adaptive_avg_backward(grad, gx):
    planes, h, w = gx.shape
    for p in range(planes):
        plane = gx[p]
        for a in range(grad.shape[1]):
            r0, r1 = _bin(a, h, grad.shape[1])
            for b in range(grad.shape[2]):
                c0, c1 = _bin(b, w, grad.shape[2])
                share = grad[p, a, b] / ((r1 - r0) * (c1 - c0))
                for r in range(r0, r1):
                    for c in range(c0, c1):
                        plane[r, c] += share


def _planes(x: np.ndarray) -> np.ndarray:
    """x (..., H, W) as contiguous (planes, H, W)."""
    return np.ascontiguousarray(x).reshape(-1, *x.shape[-2:])


def max_pool2d(
    x: np.ndarray,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
    ceil_mode: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """F.max_pool2d(..., return_indices=True): the window maxima and their int64 flat
    indices h W + w in each (H, W) plane."""
    if not fits_kernels(x):
        return reference.max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode)
    kernel, stride, pad, dilation, out_hw = pool2d_geometry(
        x.shape, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d"
    )
    shape = (*x.shape[:-2], *out_hw)
    out = np.empty(shape, x.dtype)
    idx = np.empty(shape, np.int64)
    planes = (out.reshape(-1, *out_hw), idx.reshape(-1, *out_hw))
    inside = all(
        p == 0 and d == 1 and (n - 1) * s + k <= size
        for p, d, n, s, k, size in zip(pad, dilation, out_hw, stride, kernel, x.shape[-2:])
    )
    if inside:
        _max_pool_dense(_planes(x), *planes, *kernel, *stride)
        return out, idx
    rows = _windows(out_hw[0], stride[0], pad[0], kernel[0], dilation[0], x.shape[-2])
    cols = _windows(out_hw[1], stride[1], pad[1], kernel[1], dilation[1], x.shape[-1])
    _max_pool(_planes(x), *planes, rows, cols, *dilation)
    return out, idx


def max_pool2d_backward(
    grad_out: np.ndarray, indices: np.ndarray, input_shape: tuple[int, ...]
) -> np.ndarray:
    """The gradient of max_pool2d: grad_out added at the saved indices of each plane."""
    check_grad_out("max_pool2d_backward", grad_out.shape, indices.shape)
    if not fits_kernels(grad_out):
        return reference.max_pool2d_backward(grad_out, indices, input_shape)
    gx = np.zeros(input_shape, grad_out.dtype)
    planes = gx.reshape(-1, input_shape[-2] * input_shape[-1])
    flat = (planes.shape[0], -1)
    _max_pool_backward(
        np.ascontiguousarray(grad_out).reshape(flat),
        np.ascontiguousarray(indices, np.int64).reshape(flat),
        planes,
    )
    return gx


def max_pool1d(
    x: np.ndarray,
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
    dilation: int = 1,
    ceil_mode: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """F.max_pool1d(..., return_indices=True) on (N, C, L) or (C, L): max_pool2d with H = 1
    (the indices are then positions along L)."""
    values, idx = max_pool2d(
        x[..., None, :],
        (1, kernel_size),
        None if stride is None else (1, stride),
        (0, padding),
        (1, dilation),
        ceil_mode,
    )
    return values[..., 0, :], idx[..., 0, :]


def max_pool1d_backward(
    grad_out: np.ndarray, indices: np.ndarray, input_shape: tuple[int, ...]
) -> np.ndarray:
    """The gradient of max_pool1d."""
    shape = (*input_shape[:-1], 1, input_shape[-1])
    return max_pool2d_backward(grad_out[..., None, :], indices[..., None, :], shape)[..., 0, :]


def avg_pool2d(
    x: np.ndarray,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> np.ndarray:
    """F.avg_pool2d: window sums over zero padding divided by PyTorch's divisor."""
    args = (kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
    if not fits_kernels(x):
        return reference.avg_pool2d(x, *args)
    kernel, stride, pad, _, out_hw = pool2d_geometry(
        x.shape, kernel_size, stride, padding, 1, ceil_mode, "avg_pool2d"
    )
    out = np.empty((*x.shape[:-2], *out_hw), x.dtype)
    override = int(divisor_override or 0)
    h, w = x.shape[-2:]
    tables = _avg_tables(h, w, kernel, stride, pad, out_hw, count_include_pad, override)
    _avg_pool(_planes(x), out.reshape(-1, *out_hw), *tables)
    return out


def avg_pool2d_backward(
    grad_out: np.ndarray,
    input_shape: tuple[int, ...],
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> np.ndarray:
    """The gradient of avg_pool2d: each window's gradient / divisor spread over the window."""
    args = (kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
    if not fits_kernels(grad_out):
        return reference.avg_pool2d_backward(grad_out, input_shape, *args)
    kernel, stride, pad, _, out_hw = pool2d_geometry(
        input_shape, kernel_size, stride, padding, 1, ceil_mode, "avg_pool2d_backward"
    )
    check_grad_out("avg_pool2d_backward", grad_out.shape, (*input_shape[:-2], *out_hw))
    gx = np.zeros(input_shape, grad_out.dtype)
    override = int(divisor_override or 0)
    h, w = input_shape[-2:]
    tables = _avg_tables(h, w, kernel, stride, pad, out_hw, count_include_pad, override)
    _avg_pool_backward(_planes(grad_out), _planes(gx), *tables)
    return gx


def adaptive_avg_pool2d(x: np.ndarray, output_size: IntOrPair) -> np.ndarray:
    """F.adaptive_avg_pool2d: the mean of each of PyTorch's adaptive bins."""
    if not fits_kernels(x):
        return reference.adaptive_avg_pool2d(x, output_size)
    out_hw = adaptive_output_size(x.shape, output_size, "adaptive_avg_pool2d")
    out = np.empty((*x.shape[:-2], *out_hw), x.dtype)
    _adaptive_avg(_planes(x), out.reshape(-1, *out_hw))
    return out


def adaptive_avg_pool2d_backward(grad_out: np.ndarray, input_shape: tuple[int, ...]) -> np.ndarray:
    """The gradient of adaptive_avg_pool2d: each bin's gradient / bin size over the bin."""
    if not fits_kernels(grad_out):
        return reference.adaptive_avg_pool2d_backward(grad_out, input_shape)
    gx = np.zeros(input_shape, grad_out.dtype)
    _adaptive_avg_backward(_planes(grad_out), _planes(gx))
    return gx
