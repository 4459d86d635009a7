"""Padding and resampling with PyTorch's conventions (`F.pad`, `F.interpolate`).

Both are compositions of core ops (pad, indexing, elementwise), so their gradients come from
the core; indexing sums the gradients of samples used twice (reflect, replicate, circular
padding, upsampling). `F.pad` lists widths from the last dimension backwards, as PyTorch:
(left, right) for the last dimension, then (top, bottom) for the one before, and so on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

import autograd_engine as ae

Tensor = ae.Tensor


def pad(
    input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None
) -> Tensor:
    """Pad the last len(pad) // 2 dimensions. mode "constant" fills with `value` (0 by
    default; negative widths crop); "reflect" mirrors without repeating the edge (widths below
    the size), "replicate" repeats the edge, "circular" wraps around (widths up to the size)."""
    widths = [int(w) for w in pad]
    if len(widths) % 2 or len(widths) // 2 > input.ndim:
        raise ValueError(
            f"pad: expected an even number of widths, at most 2 per dimension of the "
            f"{input.ndim}-D input (shape {tuple(input.shape)}), got {tuple(pad)}"
        )
    pairs = [(0, 0)] * input.ndim
    for i in range(len(widths) // 2):
        pairs[input.ndim - 1 - i] = (widths[2 * i], widths[2 * i + 1])
    if mode == "constant":
        return _pad_constant(input, pairs, 0.0 if value is None else value, pad)
    if mode not in _SOURCES:
        raise ValueError(
            f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got {mode!r}"
        )
    if value:
        raise ValueError(f"pad: a fill value only applies to mode='constant', not {mode!r}")
    # The source index of every output position along each padded axis (checking the widths)
    sources = {
        axis: _SOURCES[mode](input.shape[axis], lo, hi, pad)
        for axis, (lo, hi) in enumerate(pairs)
        if lo or hi
    }
    if mode != "circular" and len(widths) in (2, 4) and input.ndim > len(widths) // 2:
        return ae.ops.pool.edge_pad(input, tuple(widths), mode)  # one fused op
    out = input
    for axis, source in sources.items():
        out = _take(out, axis, source)
    return out


def _pad_constant(input: Tensor, pairs: list[tuple[int, int]], value: float, pad) -> Tensor:
    grow = [(max(lo, 0), max(hi, 0)) for lo, hi in pairs]
    out = ae.pad(input, grow, value) if any(map(any, grow)) else input
    if any(lo < 0 or hi < 0 for lo, hi in pairs):
        crop = tuple(slice(-min(lo, 0), n + min(hi, 0)) for (lo, hi), n in zip(pairs, out.shape))
        if any(s.start >= s.stop for s in crop):
            raise ValueError(
                f"pad: widths {tuple(pad)} crop a dimension of {tuple(input.shape)} away"
            )
        out = out[crop]
    return out


def _reflect(n: int, lo: int, hi: int, pad) -> np.ndarray:
    if not (0 <= lo < n and 0 <= hi < n):
        raise ValueError(
            f"pad: reflect padding {tuple(pad)} needs widths in [0, size) for a dimension of "
            f"size {n}"
        )
    j = np.abs(np.arange(-lo, n + hi))
    return np.where(j < n, j, 2 * (n - 1) - j)


def _replicate(n: int, lo: int, hi: int, pad) -> np.ndarray:
    if lo < 0 or hi < 0 or n == 0:
        raise ValueError(
            f"pad: replicate padding {tuple(pad)} needs widths >= 0 and a non-empty dimension"
        )
    return np.clip(np.arange(-lo, n + hi), 0, n - 1)


def _circular(n: int, lo: int, hi: int, pad) -> np.ndarray:
    if not (0 <= lo <= n and 0 <= hi <= n):
        raise ValueError(
            f"pad: circular padding {tuple(pad)} needs widths in [0, size] for a dimension of "
            f"size {n}"
        )
    return np.arange(-lo, n + hi) % n


_SOURCES = {"reflect": _reflect, "replicate": _replicate, "circular": _circular}


# mode: number of spatial dimensions (0: any)
_MODES = {"nearest": 0, "nearest-exact": 0, "linear": 1, "bilinear": 2, "trilinear": 3}


def interpolate(
    input: Tensor,
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize the spatial dimensions of an (N, C, L), (N, C, H, W) or (N, C, D, H, W) input to
    `size`, or by `scale_factor`. mode "nearest" copies the source sample at floor(i * in / out)
    ("nearest-exact": at floor((i + 1/2) in / out)); "linear" (3-D), "bilinear" (4-D) and
    "trilinear" (5-D) blend the two nearest samples along each dimension, with pixel centres
    aligned (align_corners=False, the default) or the corner samples aligned."""
    if mode not in _MODES:
        raise NotImplementedError(
            f"interpolate: mode {mode!r} is not supported; use one of {sorted(_MODES)}"
        )
    spatial = input.ndim - 2
    expected = {
        "linear": "3-D (N, C, L)",
        "bilinear": "4-D (N, C, H, W)",
        "trilinear": "5-D (N, C, D, H, W)",
    }.get(mode, "3-D, 4-D or 5-D")
    if spatial < 1 or (_MODES[mode] and _MODES[mode] != spatial):
        raise ae.ShapeError(
            f"interpolate: mode {mode!r} expects a {expected} input, got shape {tuple(input.shape)}"
        )
    if mode.startswith("nearest") and align_corners is not None:
        raise ValueError("interpolate: align_corners only applies to the linear modes")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    in_sizes = tuple(input.shape[2:])
    out_sizes, scales = _output_sizes(in_sizes, size, scale_factor, recompute_scale_factor)
    out = input
    for i, (n_in, n_out, scale) in enumerate(zip(in_sizes, out_sizes, scales)):
        axis = 2 + i
        if mode.startswith("nearest"):
            out = _take(out, axis, _nearest_source(n_in, n_out, scale, mode == "nearest-exact"))
        else:
            out = _linear_along(out, axis, n_in, n_out, scale, bool(align_corners))
    return out


def _output_sizes(in_sizes, size, scale_factor, recompute):
    """The output sizes and, per dimension, the scale that maps output to input positions
    (1 / scale_factor when it is given and not recomputed, else in / out)."""
    n = len(in_sizes)
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    if size is not None:
        sizes = (size,) * n if isinstance(size, int) else tuple(size)
        if len(sizes) != n:
            raise ValueError(
                f"interpolate: size {size} does not give one size per spatial dimension {in_sizes}"
            )
        return sizes, [None] * n
    factors = (scale_factor,) * n if isinstance(scale_factor, int | float) else tuple(scale_factor)
    if len(factors) != n:
        raise ValueError(
            f"interpolate: scale_factor {scale_factor} does not give one factor per spatial "
            f"dimension {in_sizes}"
        )
    sizes = tuple(math.floor(s * f) for s, f in zip(in_sizes, factors))
    return sizes, [None if recompute else 1.0 / f for f in factors]


def _take(x: Tensor, axis: int, index: np.ndarray) -> Tensor:
    key = (slice(None),) * axis + (index,)
    return x[key]


def _nearest_source(n_in: int, n_out: int, scale: float | None, exact: bool) -> np.ndarray:
    scale = n_in / n_out if scale is None else scale
    # in float32, as PyTorch's kernel, so that the same sources are picked
    dst = np.arange(n_out, dtype=np.float32) + np.float32(0.5 if exact else 0.0)
    src = np.floor(dst * np.float32(scale))
    return np.minimum(src.astype(np.int64), n_in - 1)


def _linear_along(
    x: Tensor, axis: int, n_in: int, n_out: int, scale, align_corners: bool
) -> Tensor:
    """Linear interpolation along one axis: (1 - w) x[i0] + w x[i1]."""
    dst = np.arange(n_out, dtype=np.float64)
    if align_corners:
        src = dst * ((n_in - 1) / (n_out - 1)) if n_out > 1 else np.zeros(n_out)
    else:
        scale = n_in / n_out if scale is None else scale
        src = np.maximum((dst + 0.5) * scale - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    shape = [1] * x.ndim
    shape[axis] = n_out
    w = (src - i0).astype(x.dtype).reshape(shape)
    return _take(x, axis, i0) * (1 - w) + _take(x, axis, i1) * w


def upsample(
    input: Tensor,
    size: int | Sequence[int] | None = None,
    scale_factor: float | Sequence[float] | None = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
) -> Tensor:
    """The deprecated name of `interpolate`."""
    return interpolate(input, size, scale_factor, mode, align_corners)
