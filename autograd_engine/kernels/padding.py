"""Padding of the last two (or one) axes in PyTorch's modes, and its adjoint, as Numba kernels.

Every mode is a gather: output position (a, b) copies input (rows[a], cols[b]), where the two
small index maps come from `windows.pad_index` (-1 marks the constant). The forward gathers
and the backward scatters-adds along the same maps, so reflect and replicate padding send the
gradient of each copy back to the element it copied. Pads are in F.pad's order, last axis
first: (left, right, top, bottom) for pad2d, (left, right) for pad1d.

Other dtypes than float32/float64 go to the NumPy reference (np.pad; np.add.at backward), and
so do forward inputs from `NUMPY_FROM` elements, where np.pad's row copies beat the gather.
Measured (float32, (n, 16, 16, 16) padded by 1 on each side, best of 40, kernel / NumPy us):
    elements        4K       16K      64K      256K       1M
    constant     12/38     33/50    66/55   354/180  1297/781
    reflect      21/52     37/42    75/75   412/314  1614/1045
    replicate    24/38     47/49    79/83   391/297  1578/1082
The backward scatter wins everywhere: 0.29 ms against 19 ms (np.add.at) on (64, 16, 28, 28).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import reference_conv as reference
from .windows import fits_kernels, pad_index

NUMPY_FROM = 1 << 16


@njit(cache=True, error_model="numpy")
def _gather(x, rows, cols, left, value, out):
    """out[p, a, b] = x[p, rows[a], cols[b]], or value where either index is -1; the interior
    columns [left, left + W), where cols is the identity shifted by left, as one copy."""
    fill = out.dtype.type(value)
    w = x.shape[2]
    for p in range(out.shape[0]):
        for a in range(out.shape[1]):
            r = rows[a]
            dst = out[p, a]
            if r < 0:
                dst[:] = fill
                continue
            src = x[p, r]
            dst[left : left + w] = src
            for b in range(left):
                dst[b] = src[cols[b]] if cols[b] >= 0 else fill
            for b in range(left + w, out.shape[2]):
                dst[b] = src[cols[b]] if cols[b] >= 0 else fill


@njit(cache=True, error_model="numpy")
def _scatter(g, rows, cols, left, gx):
    """gx[p, rows[a], cols[b]] += g[p, a, b] wherever both indices are >= 0 (the interior
    columns as one slice)."""
    w = gx.shape[2]
    for p in range(g.shape[0]):
        for a in range(g.shape[1]):
            r = rows[a]
            if r < 0:
                continue
            src = g[p, a]
            dst = gx[p, r]
            dst += src[left : left + w]
            for b in range(left):
                if cols[b] >= 0:
                    dst[cols[b]] += src[b]
            for b in range(left + w, g.shape[2]):
                if cols[b] >= 0:
                    dst[cols[b]] += src[b]


def _maps(h: int, w: int, pads: tuple[int, int, int, int], mode: str):
    left, right, top, bottom = pads
    return pad_index(h, top, bottom, mode), pad_index(w, left, right, mode)


def pad2d(
    x: np.ndarray, pads: tuple[int, int, int, int], mode: str = "constant", value: float = 0.0
) -> np.ndarray:
    """x (..., H, W) padded by pads = (left, right, top, bottom) in mode 'constant' (value),
    'reflect' (mirror without repeating the edge; pads < size) or 'replicate' (edge)."""
    if not fits_kernels(x) or x.ndim < 2 or x.size >= NUMPY_FROM:
        return reference.pad2d(x, pads, mode, value)
    h, w = x.shape[-2:]
    rows, cols = _maps(h, w, pads, mode)
    out = np.empty((*x.shape[:-2], rows.size, cols.size), x.dtype)
    planes = np.ascontiguousarray(x).reshape(-1, h, w)
    _gather(planes, rows, cols, pads[0], float(value), out.reshape(-1, rows.size, cols.size))
    return out


def pad2d_backward(
    grad_out: np.ndarray, pads: tuple[int, int, int, int], mode: str = "constant"
) -> np.ndarray:
    """The adjoint of pad2d: each gradient added onto the input element its output copied."""
    if not fits_kernels(grad_out) or grad_out.ndim < 2:
        return reference.pad2d_backward(grad_out, pads, mode)
    left, right, top, bottom = pads
    h, w = grad_out.shape[-2] - top - bottom, grad_out.shape[-1] - left - right
    rows, cols = _maps(h, w, pads, mode)
    grad = np.zeros((*grad_out.shape[:-2], h, w), grad_out.dtype)
    g = np.ascontiguousarray(grad_out).reshape(-1, rows.size, cols.size)
    _scatter(g, rows, cols, left, grad.reshape(-1, h, w))
    return grad


def pad1d(
    x: np.ndarray, pads: tuple[int, int], mode: str = "constant", value: float = 0.0
) -> np.ndarray:
    """x (..., L) padded by pads = (left, right); pad2d with no rows added."""
    return pad2d(x[..., None, :], (*pads, 0, 0), mode, value)[..., 0, :]


def pad1d_backward(
    grad_out: np.ndarray, pads: tuple[int, int], mode: str = "constant"
) -> np.ndarray:
    """The adjoint of pad1d."""
    return pad2d_backward(grad_out[..., None, :], (*pads, 0, 0), mode)[..., 0, :]
