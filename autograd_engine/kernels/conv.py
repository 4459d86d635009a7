"""Convolutions (conv1d, conv2d, conv_transpose2d and their backward passes) as im2col + GEMM.

Each sample is copied into a zero-padded buffer and unfolded by `_unfold` (im2col) into
columns (C_in kH kW, samples x positions), one column per output position (at stride 1, one
per position of the padded width, see `_layout`: each row of the columns is then a single
copy). Each group's forward is then the single product W_g (C_out/G, C_in/G kH kW) @ cols_g,
and the backward is two more, grad_W_g += G_g @ cols_g^T and dcols_g = W_g^T @ G_g, the
latter folded back onto the input by `_fold` (the adjoint of `_unfold`). A chunk holds
enough samples for about `_CHUNK_COLUMNS` columns, so the columns stay in cache (they are
never kept for the whole batch: the backward unfolds x again). The loops over chunks and
groups run inside one Numba call that calls BLAS through np.dot; the products use BLAS's
threads, the unfolding is serial (a prange over samples would call BLAS from several
threads at once).

conv_transpose2d is conv2d's adjoint with respect to the input: its forward is conv2d's
grad_x path applied to x, and its backward is conv2d's forward (grad_x) and conv2d's weight
gradient with input and output gradient swapped (grad_w). conv1d is conv2d with H = 1.

Inputs other than float32/float64 of one dtype go to `reference_conv`. Measured against the
reference (kH kW einsum calls), the kernels win at every size, down to a (1, 1, 4, 4) input
with a 3 x 3 kernel (float32, best of 200: forward 6.6 us against 58.5 us, backward 9.0 us
against 113 us; (8, 8, 16, 16) by (8, 8, 3, 3): 104 against 289 us, 254 against 851 us), so
there is no size threshold.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import reference_conv as reference
from .threads import load_numba_blas
from .windows import (
    IntOrPair,
    Padding2d,
    Pads,
    check_grad_out,
    conv2d_geometry,
    conv_transpose2d_geometry,
    fits_kernels,
)

# Output positions per product. Measured (float32, one thread, conv2d forward + backward, ms,
# medians of 5 interleaved rounds) for 256 / 1024 / 2048 / 4096 / 8192 columns:
#   (64, 16, 28, 28) * (32, 16, 3, 3), pad 1   41.9 / 42.2 / 42.5 / 45.0 / 52.8
#   (64, 1, 28, 28) * (6, 1, 5, 5), pad 2      3.7 /  4.0 /  4.2 /  4.0 /  6.0
#   (64, 6, 14, 14) * (16, 6, 5, 5)            5.0 /  6.4 /  6.9 /  7.7 /  8.1
# One sample per product won on these (copying the chunk's columns and gradients cost more
# than the BLAS calls saved); 256 still groups the samples of very small images.
_CHUNK_COLUMNS = 256


@njit(cache=True, error_model="numpy")
def _layout(geom):
    """(padded height, padded width, positions per sample, distance between output rows).

    The padded sample holds the rows and columns the windows reach. At stride 1 the columns
    use the padded width as row length ("wide" layout): each unfolded row is then one
    contiguous run of the padded sample, and the W_p - OW extra positions of each output row
    are computed and dropped (the run reads past the sample's end, so the buffer has
    (kW - 1) d_w spare elements).
    """
    kh, kw, sh, sw, _, _, dh, dw, oh, ow = geom
    hp = (oh - 1) * sh + (kh - 1) * dh + 1
    wp = (ow - 1) * sw + (kw - 1) * dw + 1
    row = wp if sh == 1 and sw == 1 else ow
    return hp, wp, oh * row, row


@njit(cache=True, error_model="numpy")
def _padded_buffer(channels, geom, dtype):
    """A zero padded sample (flat), with the spare elements the wide layout reads."""
    hp, wp, _, _ = _layout(geom)
    return np.zeros(channels * hp * wp + (geom[1] - 1) * geom[7], dtype)


@njit(cache=True, error_model="numpy")
def _pad_sample(x, xp, geom):
    """Copies the sample x (C, H, W) into the interior of the flat padded buffer xp, whose
    border stays as it was allocated (zeros)."""
    pt, pl = geom[4], geom[5]
    hp, wp, _, _ = _layout(geom)
    channels, h, w = x.shape
    rows, cols = min(h, hp - pt), min(w, wp - pl)
    for c in range(channels):
        for a in range(rows):
            start = (c * hp + a + pt) * wp + pl
            for b in range(cols):
                xp[start + b] = x[c, a, b]


@njit(cache=True, error_model="numpy")
def _crop_sample(dxp, gx, geom):
    """The adjoint of `_pad_sample`: the interior of the padded gradient dxp into gx (C, H, W)
    (rows and columns that no window reaches keep their zeros)."""
    pt, pl = geom[4], geom[5]
    hp, wp, _, _ = _layout(geom)
    channels, h, w = gx.shape
    rows, cols = min(h, hp - pt), min(w, wp - pl)
    for c in range(channels):
        for a in range(rows):
            start = (c * hp + a + pt) * wp + pl
            for b in range(cols):
                gx[c, a, b] = dxp[start + b]


@njit(cache=True, error_model="numpy")
def _unfold(xp, cols, col0, geom):
    """im2col of one padded sample: cols[(c kH + i) kW + j, col0 + oh row + ow] =
    xp[c, oh s_h + i d_h, ow s_w + j d_w]."""
    kh, kw, sh, sw, _, _, dh, dw, oh, ow = geom
    hp, wp, positions, _ = _layout(geom)
    for r in range(cols.shape[0]):
        c, ij = divmod(r, kh * kw)
        i, j = divmod(ij, kw)
        base = (c * hp + i * dh) * wp + j * dw
        dst = cols[r, col0 : col0 + positions]
        if sh == 1 and sw == 1:  # the wide layout
            dst[:] = xp[base : base + positions]
        else:
            for a in range(oh):
                src = base + a * sh * wp
                for b in range(ow):
                    dst[a * ow + b] = xp[src + b * sw]


@njit(cache=True, error_model="numpy")
def _fold(cols, col0, dxp, geom):
    """The adjoint of `_unfold`: adds each column entry onto the padded-sample element it was
    copied from."""
    kh, kw, sh, sw, _, _, dh, dw, oh, ow = geom
    hp, wp, positions, _ = _layout(geom)
    for r in range(cols.shape[0]):
        c, ij = divmod(r, kh * kw)
        i, j = divmod(ij, kw)
        base = (c * hp + i * dh) * wp + j * dw
        src = cols[r, col0 : col0 + positions]
        if sh == 1 and sw == 1:  # the wide layout
            dxp[base : base + positions] += src
        else:
            for a in range(oh):
                dst = base + a * sh * wp
                for b in range(ow):
                    dxp[dst + b * sw] += src[a * ow + b]


@njit(cache=True, error_model="numpy", fastmath={"reassoc"})
def _sum(row):
    """The sum of a 1-D array, reassociated so that it vectorizes (a strictly ordered float
    sum runs at one add per FP latency: 2.5 ms of the 26 ms of a (64, 16, 28, 28) conv2d
    backward went into grad_b before)."""
    total = row.dtype.type(0)
    for k in range(row.size):
        total += row[k]
    return total


@njit(cache=True, error_model="numpy")
def _forward(x, w, bias, out, geom, chunk):
    """out (N, G, C_out/G, OH OW) = W_g @ im2col(x) per group, plus bias (G, C_out/G) if not
    empty; `chunk` samples per product."""
    oh, ow = geom[8], geom[9]
    _, _, positions, row = _layout(geom)
    n_total = x.shape[0]
    groups, per_group, k = w.shape
    xp = _padded_buffer(x.shape[1], geom, x.dtype)
    # allocated once: buffers this size are mapped fresh by malloc on every call (page faults)
    cols_all = np.empty(groups * k * chunk * positions, x.dtype)
    prod_all = np.empty(per_group * chunk * positions, x.dtype)
    for n0 in range(0, n_total, chunk):
        count = min(chunk, n_total - n0)
        cols = cols_all[: groups * k * count * positions].reshape((groups * k, count * positions))
        prod = prod_all[: per_group * count * positions].reshape((per_group, count * positions))
        for s in range(count):
            _pad_sample(x[n0 + s], xp, geom)
            _unfold(xp, cols, s * positions, geom)
        for g in range(groups):
            np.dot(w[g], cols[g * k : (g + 1) * k], prod)
            for s in range(count):
                for o in range(per_group):
                    shift = bias[g, o] if bias.size else out.dtype.type(0)
                    for a in range(oh):
                        for b in range(ow):
                            out[n0 + s, g, o, a * ow + b] = (
                                prod[o, s * positions + a * row + b] + shift
                            )


@njit(cache=True, error_model="numpy")
def _backward(x, w, grad, gx, gw, gb, geom, chunk, need_x, need_w, need_b):
    """Accumulates conv2d's gradients for grad (N, G, C_out/G, OH OW): gw (G, C_out/G, K) +=
    G_g @ cols_g^T, gb (G, C_out/G) += sums of G, and gx (N, C, H, W) = col2im(W_g^T @ G_g);
    x is unfolded again chunk by chunk instead of keeping the forward's columns."""
    kh, kw, oh, ow = geom[0], geom[1], geom[8], geom[9]
    _, _, positions, row = _layout(geom)
    n_total = grad.shape[0]
    groups, per_group, k = w.shape
    channels = groups * k // (kh * kw)
    tmp = np.empty((per_group, k), gw.dtype)
    xp = _padded_buffer(channels, geom, grad.dtype)
    dxp = _padded_buffer(channels, geom, grad.dtype)
    # allocated once (see _forward); the wide layout's extra columns of gcols stay zero
    gcols_all = np.zeros(groups * per_group * chunk * positions, grad.dtype)
    cols_all = np.empty(groups * k * chunk * positions, grad.dtype)
    for n0 in range(0, n_total, chunk):
        count = min(chunk, n_total - n0)
        width = count * positions
        gcols = gcols_all[: groups * per_group * width].reshape((groups, per_group, width))
        if count < chunk:  # a new layout of the buffer: its extra columns are not zero yet
            gcols[:] = 0
        for s in range(count):
            for g in range(groups):
                for o in range(per_group):
                    for a in range(oh):
                        for b in range(ow):
                            gcols[g, o, s * positions + a * row + b] = grad[
                                n0 + s, g, o, a * ow + b
                            ]
        if need_b:
            for g in range(groups):
                for o in range(per_group):
                    gb[g, o] += _sum(gcols[g, o])
        if need_w:
            cols = cols_all[: groups * k * width].reshape((groups * k, width))
            for s in range(count):
                _pad_sample(x[n0 + s], xp, geom)
                _unfold(xp, cols, s * positions, geom)
            for g in range(groups):
                np.dot(gcols[g], cols[g * k : (g + 1) * k].T, tmp)
                gw[g] += tmp
        if need_x:
            dcols = cols_all[: groups * k * width].reshape((groups * k, width))  # x's are used
            for g in range(groups):
                np.dot(w[g].T, gcols[g], dcols[g * k : (g + 1) * k])
            for s in range(count):
                dxp[:] = 0
                _fold(dcols, s * positions, dxp, geom)
                _crop_sample(dxp, gx[n0 + s], geom)


def _geom(w_shape, stride, pads, dilation, out_hw) -> tuple[int, ...]:
    return (*w_shape[2:], *stride, pads[0][0], pads[1][0], *dilation, *out_hw)


def _chunk(out_hw: tuple[int, int]) -> int:
    return max(1, _CHUNK_COLUMNS // (out_hw[0] * out_hw[1]))


def _grouped(w: np.ndarray, groups: int) -> np.ndarray:
    """w (C_out, C_in/G, kH, kW) as the (G, C_out/G, C_in/G kH kW) matrices of the products."""
    return np.ascontiguousarray(w).reshape(groups, w.shape[0] // groups, -1)


def _conv(x, w, bias, groups, stride, pads, dilation, out_hw) -> np.ndarray:
    """conv2d on checked arguments (kernel path)."""
    n, c_out = x.shape[0], w.shape[0]
    out = np.empty((n, groups, c_out // groups, out_hw[0] * out_hw[1]), x.dtype)
    b = np.zeros((0, 0), x.dtype) if bias is None else np.ascontiguousarray(bias)
    geom = _geom(w.shape, stride, pads, dilation, out_hw)
    load_numba_blas()
    _forward(
        np.ascontiguousarray(x),
        _grouped(w, groups),
        b.reshape(-1, c_out // groups) if b.size else b,
        out,
        geom,
        _chunk(out_hw),
    )
    return out.reshape(n, c_out, *out_hw)


def _conv_grads(x, w, grad, x_shape, groups, stride, pads, dilation, out_hw, mask):
    """conv2d's (grad_x, grad_w, grad_b) on checked arguments (kernel path); x may be None
    when grad_w is not wanted (x_shape gives grad_x's shape)."""
    c_out = w.shape[0]
    dtype = grad.dtype
    need_x, need_w, need_b = mask
    gx = np.zeros(x_shape if need_x else (0, 0, 0, 0), dtype)
    gw = np.zeros((groups, c_out // groups, w[0].size) if need_w else (0, 0, 0), dtype)
    gb = np.zeros((groups, c_out // groups) if need_b else (0, 0), dtype)
    load_numba_blas()
    _backward(
        np.ascontiguousarray(x) if need_w else np.zeros((0, 0, 0, 0), dtype),
        _grouped(w, groups),
        np.ascontiguousarray(grad).reshape(grad.shape[0], groups, c_out // groups, -1),
        gx,
        gw,
        gb,
        _geom(w.shape, stride, pads, dilation, out_hw),
        _chunk(out_hw),
        need_x,
        need_w,
        need_b,
    )
    return (
        gx if need_x else None,
        gw.reshape(w.shape) if need_w else None,
        gb.reshape(c_out) if need_b else None,
    )


def conv2d(
    x: np.ndarray,
    w: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntOrPair = 1,
    padding: Padding2d = 0,
    dilation: IntOrPair = 1,
    groups: int = 1,
) -> np.ndarray:
    """F.conv2d: x (N, C_in, H, W), w (C_out, C_in/groups, kH, kW), bias (C_out,) or None;
    padding an int, a pair, ((top, bottom), (left, right)), 'same' or 'valid'."""
    if not fits_kernels(x, w, bias):
        return reference.conv2d(x, w, bias, stride, padding, dilation, groups)
    stride, pads, dilation, out_hw = conv2d_geometry(
        x.shape, w.shape, stride, padding, dilation, groups
    )
    return _conv(x, w, bias, groups, stride, pads, dilation, out_hw)


def conv2d_backward(
    x: np.ndarray,
    w: np.ndarray,
    grad_out: np.ndarray,
    stride: IntOrPair = 1,
    padding: Padding2d = 0,
    dilation: IntOrPair = 1,
    groups: int = 1,
    output_mask: tuple[bool, bool, bool] = (True, True, True),
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """(grad_x, grad_w, grad_b) of conv2d, None where output_mask is False (PyTorch's
    convolution_backward); grad_x = conv_transpose2d(grad_out, w) sized back to x."""
    if not fits_kernels(x, w, grad_out):
        return reference.conv2d_backward(
            x, w, grad_out, stride, padding, dilation, groups, output_mask
        )
    stride, pads, dilation, out_hw = conv2d_geometry(
        x.shape, w.shape, stride, padding, dilation, groups
    )
    check_grad_out("conv2d_backward", grad_out.shape, (x.shape[0], w.shape[0], *out_hw))
    return _conv_grads(x, w, grad_out, x.shape, groups, stride, pads, dilation, out_hw, output_mask)


def conv_transpose2d(
    x: np.ndarray,
    w: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntOrPair = 1,
    padding: IntOrPair | Pads = 0,
    output_padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
    groups: int = 1,
) -> np.ndarray:
    """F.conv_transpose2d (note the argument order: dilation after output_padding, groups
    last): x (N, C_in, H, W), w (C_in, C_out/groups, kH, kW). It is conv2d's grad_x: the
    gradient that a conv2d by w from (H_out, W_out) to (H, W) sends back from x."""
    if not fits_kernels(x, w, bias):
        return reference.conv_transpose2d(
            x, w, bias, stride, padding, output_padding, dilation, groups
        )
    stride, pads, dilation, out_hw = conv_transpose2d_geometry(
        x.shape, w.shape, stride, padding, output_padding, dilation, groups
    )
    out_shape = (x.shape[0], w.shape[1] * groups, *out_hw)
    out = _conv_grads(
        None, w, x, out_shape, groups, stride, pads, dilation, x.shape[2:], (True, False, False)
    )[0]
    if bias is not None:
        out += bias[:, None, None]
    return out


def conv_transpose2d_backward(
    x: np.ndarray,
    w: np.ndarray,
    grad_out: np.ndarray,
    stride: IntOrPair = 1,
    padding: IntOrPair | Pads = 0,
    output_padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
    groups: int = 1,
    output_mask: tuple[bool, bool, bool] = (True, True, True),
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """(grad_x, grad_w, grad_b) of conv_transpose2d: grad_x = conv2d(grad_out, w), grad_w is
    conv2d's weight gradient with input grad_out and output gradient x."""
    if not fits_kernels(x, w, grad_out):
        args = (stride, padding, output_padding, dilation, groups, output_mask)
        return reference.conv_transpose2d_backward(x, w, grad_out, *args)
    stride, pads, dilation, out_hw = conv_transpose2d_geometry(
        x.shape, w.shape, stride, padding, output_padding, dilation, groups
    )
    check_grad_out(
        "conv_transpose2d_backward", grad_out.shape, (x.shape[0], w.shape[1] * groups, *out_hw)
    )
    grad_x = (
        _conv(grad_out, w, None, groups, stride, pads, dilation, x.shape[2:])
        if output_mask[0]
        else None
    )
    grad_w = None
    if output_mask[1]:
        grad_w = _conv_grads(
            grad_out,
            w,
            x,
            grad_out.shape,
            groups,
            stride,
            pads,
            dilation,
            x.shape[2:],
            (False, True, False),
        )[1]
    grad_b = grad_out.sum(axis=(0, 2, 3)) if output_mask[2] else None
    return grad_x, grad_w, grad_b


def _as_2d(padding: int | tuple[int, int] | str) -> Padding2d:
    """conv1d's padding (an int, (left, right), 'same' or 'valid') as conv2d's with H = 1."""
    if isinstance(padding, str):
        return padding
    return ((0, 0), (padding, padding) if isinstance(padding, int) else tuple(padding))


def conv1d(
    x: np.ndarray,
    w: np.ndarray,
    bias: np.ndarray | None = None,
    stride: int = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int = 1,
    groups: int = 1,
) -> np.ndarray:
    """F.conv1d: x (N, C_in, L), w (C_out, C_in/groups, k), as conv2d with H = 1."""
    out = conv2d(
        x[:, :, None], w[:, :, None], bias, (1, stride), _as_2d(padding), (1, dilation), groups
    )
    return out[:, :, 0]


def conv1d_backward(
    x: np.ndarray,
    w: np.ndarray,
    grad_out: np.ndarray,
    stride: int = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int = 1,
    groups: int = 1,
    output_mask: tuple[bool, bool, bool] = (True, True, True),
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """(grad_x, grad_w, grad_b) of conv1d, through conv2d_backward with H = 1."""
    grads = conv2d_backward(
        x[:, :, None],
        w[:, :, None],
        grad_out[:, :, None],
        (1, stride),
        _as_2d(padding),
        (1, dilation),
        groups,
        output_mask,
    )
    grad_x, grad_w, grad_b = grads
    return (
        None if grad_x is None else grad_x[:, :, 0],
        None if grad_w is None else grad_w[:, :, 0],
        grad_b,
    )
