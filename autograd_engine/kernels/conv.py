"""Convolutions (conv1d, conv2d, conv_transpose2d and their backward passes) as BLAS products.

Each sample is copied into a zero-padded buffer (one row per channel, `_layout`). At stride 1
with at least `_TAPS_MIN_CHANNELS` input channels per group, each window offset (i, j) is a
shifted view of that buffer that BLAS reads in place, so the forward is kH kW products
W[:, :, i, j] @ shifted x accumulated into the output, and the backward the adjoint products
(`_forward_taps`, `_backward_taps`). Otherwise the sample is unfolded by `_unfold` (im2col)
into columns (C_in kH kW, samples x positions), one column per output position (at stride 1,
one per position of the padded width: each row of the columns is then a single copy). Each
group's forward is then the single product W_g (C_out/G, C_in/G kH kW) @ cols_g, and the
backward is two more, grad_W_g += G_g @ cols_g^T and dcols_g = W_g^T @ G_g, the latter folded
back onto the input by `_fold` (the adjoint of `_unfold`). A chunk holds enough samples for
about `_CHUNK_COLUMNS` columns, so the columns stay in cache (they are never kept for the
whole batch: the backward unfolds x again). The loops run inside one Numba call that calls
NumPy's BLAS (blas.py); the products use BLAS's threads, the rest is serial (a prange over
samples would call BLAS from several threads at once).

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
from .blas import gemm, gemm_addresses
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

# Input channels per group from which a stride-1 convolution takes the shifted products
# (`_forward_taps`) instead of im2col. Measured (float32, one Zen 5 core, forward + backward ms,
# shifted / im2col): 1 channel (64, 1, 28, 28) * (32, 1, 3, 3) 3.15 / 1.98 and LeNet-5's
# first layer 1.92 / 1.46; 2 channels 1.81 / 1.79; 3 channels (64, 3, 32, 32) * (16, 3, 5, 5)
# 5.24 / 7.45; LeNet-5's second layer (6 channels) 1.49 / 2.62; (64, 16, 28, 28) * (32, 16,
# 3, 3) 9.1 / 17.2; (64, 32, 14, 14) * (64, 32, 3, 3) 9.7 / 13.1.
_TAPS_MIN_CHANNELS = 3


@njit(cache=True, error_model="numpy")
def _layout(geom):
    """(padded height, padded width, positions per sample, distance between output rows,
    elements per padded channel).

    The padded sample holds the rows and columns the windows reach. At stride 1 the outputs
    use the padded width as row length ("wide" layout): the window at (i, j) then reads one
    contiguous run of each padded channel, starting at i d_h W_p + j d_w, and the W_p - OW
    extra positions of each output row are computed and dropped (the run reads past the
    channel's last row, so each channel has (kW - 1) d_w spare elements).
    """
    kh, kw, sh, sw, _, _, dh, dw, oh, ow = geom
    hp = (oh - 1) * sh + (kh - 1) * dh + 1
    wp = (ow - 1) * sw + (kw - 1) * dw + 1
    row = wp if sh == 1 and sw == 1 else ow
    return hp, wp, oh * row, row, hp * wp + (kw - 1) * dw


@njit(cache=True, error_model="numpy")
def _padded_buffer(channels, geom, dtype):
    """A zero padded sample: one row of `_layout`'s channel size per channel."""
    return np.zeros((channels, _layout(geom)[4]), dtype)


@njit(cache=True, error_model="numpy")
def _pad_sample(x, xp, geom):
    """Copies the sample x (C, H, W) into the interior of the flat padded buffer xp, whose
    border stays as it was allocated (zeros)."""
    pt, pl = geom[4], geom[5]
    hp, wp, _, _, _ = _layout(geom)
    channels, h, w = x.shape
    rows, cols = min(h, hp - pt), min(w, wp - pl)
    for c in range(channels):
        for a in range(rows):
            start = (a + pt) * wp + pl
            dst, src = xp[c, start : start + cols], x[c, a]
            for b in range(cols):  # row views indexed from 0 vectorize; 4-D indexing does not
                dst[b] = src[b]


@njit(cache=True, error_model="numpy")
def _crop_sample(dxp, gx, geom):
    """The adjoint of `_pad_sample`: the interior of the padded gradient dxp into gx (C, H, W)
    (rows and columns that no window reaches keep their zeros)."""
    pt, pl = geom[4], geom[5]
    hp, wp, _, _, _ = _layout(geom)
    channels, h, w = gx.shape
    rows, cols = min(h, hp - pt), min(w, wp - pl)
    for c in range(channels):
        for a in range(rows):
            start = (a + pt) * wp + pl
            dst, src = gx[c, a], dxp[c, start : start + cols]
            for b in range(cols):
                dst[b] = src[b]


@njit(cache=True, error_model="numpy")
def _unfold(xp, cols, col0, geom):
    """im2col of one padded sample: cols[(c kH + i) kW + j, col0 + oh row + ow] =
    xp[c, oh s_h + i d_h, ow s_w + j d_w]."""
    kh, kw, sh, sw, _, _, dh, dw, oh, ow = geom
    _, wp, positions, _, _ = _layout(geom)
    for r in range(cols.shape[0]):
        c, ij = divmod(r, kh * kw)
        i, j = divmod(ij, kw)
        base = i * dh * wp + j * dw
        dst = cols[r, col0 : col0 + positions]
        if sh == 1 and sw == 1:  # the wide layout
            dst[:] = xp[c, base : base + positions]
        else:
            for a in range(oh):
                src = base + a * sh * wp
                for b in range(ow):
                    dst[a * ow + b] = xp[c, src + b * sw]


@njit(cache=True, error_model="numpy")
def _fold(cols, col0, dxp, geom):
    """The adjoint of `_unfold`: adds each column entry onto the padded-sample element it was
    copied from."""
    kh, kw, sh, sw, _, _, dh, dw, oh, ow = geom
    _, wp, positions, _, _ = _layout(geom)
    for r in range(cols.shape[0]):
        c, ij = divmod(r, kh * kw)
        i, j = divmod(ij, kw)
        base = i * dh * wp + j * dw
        src = cols[r, col0 : col0 + positions]
        if sh == 1 and sw == 1:  # the wide layout
            dxp[c, base : base + positions] += src
        else:
            for a in range(oh):
                dst = base + a * sh * wp
                for b in range(ow):
                    dxp[c, dst + b * sw] += src[a * ow + b]


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
def _store(prod, out, n0, g, bias, geom):
    """out[n0 + s, g] = the valid positions of prod's sample s (C_out/G, samples x positions),
    plus the group's bias (G, C_out/G) if not empty."""
    oh, ow = geom[8], geom[9]
    _, _, positions, row, _ = _layout(geom)
    for s in range(prod.shape[1] // positions):
        for o in range(prod.shape[0]):
            shift = bias[g, o] if bias.size else out.dtype.type(0)
            for a in range(oh):
                start = s * positions + a * row
                dst, src = out[n0 + s, g, o, a * ow : (a + 1) * ow], prod[o, start : start + ow]
                for b in range(ow):  # row views: 3.3x faster than indexing out and prod
                    dst[b] = src[b] + shift


@njit(cache=True, error_model="numpy")
def _load_grad(grad, n0, gcols, geom):
    """The adjoint of `_store`'s copy: grad[n0 + s] (G, C_out/G, OH OW) into the positions of
    gcols (G, C_out/G, samples x positions) for each of its samples; the wide layout's extra
    positions are left as they are (zeros)."""
    oh, ow = geom[8], geom[9]
    _, _, positions, row, _ = _layout(geom)
    for s in range(gcols.shape[2] // positions):
        for g in range(gcols.shape[0]):
            for o in range(gcols.shape[1]):
                for a in range(oh):
                    start = s * positions + a * row
                    dst = gcols[g, o, start : start + ow]
                    src = grad[n0 + s, g, o, a * ow : (a + 1) * ow]
                    for b in range(ow):
                        dst[b] = src[b]


@njit(cache=True, error_model="numpy")
def _bias_grad(gcols, gb):
    """gb (G, C_out/G) += the sums of gcols over positions."""
    for g in range(gcols.shape[0]):
        for o in range(gcols.shape[1]):
            gb[g, o] += _sum(gcols[g, o])


@njit(cache=True, error_model="numpy")
def _forward(x, w, bias, out, geom, chunk, blas):
    """out (N, G, C_out/G, OH OW) = W_g @ im2col(x) per group, plus bias (G, C_out/G) if not
    empty; `chunk` samples per product, `blas` from `gemm_addresses`."""
    positions = _layout(geom)[2]
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
            gemm(blas, w[g], cols[g * k : (g + 1) * k], prod)
            _store(prod, out, n0, g, bias, geom)


@njit(cache=True, error_model="numpy")
def _backward(x, w, grad, gx, gw, gb, geom, chunk, blas, need_x, need_w, need_b):
    """Accumulates conv2d's gradients for grad (N, G, C_out/G, OH OW): gw (G, C_out/G, K) +=
    G_g @ cols_g^T, gb (G, C_out/G) += sums of G, and gx (N, C, H, W) = col2im(W_g^T @ G_g);
    x is unfolded again chunk by chunk instead of keeping the forward's columns."""
    positions = _layout(geom)[2]
    n_total = grad.shape[0]
    groups, per_group, k = w.shape
    channels = groups * k // (geom[0] * geom[1])
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
        _load_grad(grad, n0, gcols, geom)
        if need_b:
            _bias_grad(gcols, gb)
        if need_w:
            cols = cols_all[: groups * k * width].reshape((groups * k, width))
            for s in range(count):
                _pad_sample(x[n0 + s], xp, geom)
                _unfold(xp, cols, s * positions, geom)
            for g in range(groups):
                gemm(blas, gcols[g], cols[g * k : (g + 1) * k].T, gw[g], True)
        if need_x:
            dcols = cols_all[: groups * k * width].reshape((groups * k, width))  # x's are used
            for g in range(groups):
                gemm(blas, w[g].T, gcols[g], dcols[g * k : (g + 1) * k])
            for s in range(count):
                dxp[:] = 0
                _fold(dcols, s * positions, dxp, geom)
                _crop_sample(dxp, gx[n0 + s], geom)


# Stride 1, enough input channels: no im2col. In the wide layout the window offset (i, j)
# reads, for every position, the padded channels shifted by i d_h W_p + j d_w: a (C_in/G,
# positions) view with rows one padded channel apart, which BLAS takes as it is. The forward
# is then kH kW products W[:, :, i, j] @ shifted x accumulated into one output, grad_x the
# adjoint products W[:, :, i, j]^T @ G added onto the shifted views of the padded gradient,
# and grad_W[:, :, i, j] += G @ shifted x^T. This skips writing and reading the kH kW times
# larger columns: measured per (16, 28, 28) sample with 32 3 x 3 filters (float32, one Zen 5
# core), forward products 37 us against 44 us for the im2col product alone (plus 28 us to
# unfold), grad_x 34 us against 41 + 47 us (product and fold), grad_W 40 against 60 + 28 us.
# The products take `_TAPS_COLUMNS` positions at a time, so that the output block they all
# add into stays in cache: at 56 x 56 (3,248 positions) forward / grad_x / grad_W took 179 /
# 190 / 344 us per sample in one block and 144 / 136 / 172 us in blocks of 1,024 (256 to 2,048
# measured; 28 x 28 samples are one block either way).
_TAPS_COLUMNS = 1024


@njit(cache=True, error_model="numpy")
def _forward_taps(x, taps, bias, out, geom, blas):
    """out (N, G, C_out/G, OH OW) = sum over (i, j) of taps[i, j, g] @ x_g shifted by (i, j),
    plus bias; taps (kH, kW, G, C_out/G, C_in/G)."""
    kh, kw, groups, per_group, k = taps.shape
    dh, dw = geom[6], geom[7]
    _, wp, positions, _, _ = _layout(geom)
    xp = _padded_buffer(x.shape[1], geom, x.dtype)
    prod = np.empty((per_group, positions), x.dtype)
    for n in range(x.shape[0]):
        _pad_sample(x[n], xp, geom)
        for g in range(groups):
            for p0 in range(0, positions, _TAPS_COLUMNS):
                p1 = min(positions, p0 + _TAPS_COLUMNS)
                for i in range(kh):
                    for j in range(kw):
                        at = i * dh * wp + j * dw
                        view = xp[g * k : (g + 1) * k, at + p0 : at + p1]
                        gemm(blas, taps[i, j, g], view, prod[:, p0:p1], i + j > 0)
            _store(prod, out, n, g, bias, geom)


@njit(cache=True, error_model="numpy")
def _backward_taps(x, taps, grad, gx, gw, gb, geom, blas, need_x, need_w, need_b):
    """`_backward` by shifted views: gw (kH, kW, G, C_out/G, C_in/G) += G_g @ shifted x_g^T,
    gb (G, C_out/G) += sums of G, gx (N, C, H, W) = the shifted products taps^T @ G_g
    added up."""
    kh, kw, groups, per_group, k = taps.shape
    dh, dw = geom[6], geom[7]
    _, wp, positions, _, _ = _layout(geom)
    xp = _padded_buffer(groups * k, geom, grad.dtype)
    dxp = _padded_buffer(groups * k, geom, grad.dtype)
    gcols = np.zeros((groups, per_group, positions), grad.dtype)  # extra positions stay zero
    for n in range(grad.shape[0]):
        _load_grad(grad, n, gcols, geom)
        if need_b:
            _bias_grad(gcols, gb)
        if need_w:
            _pad_sample(x[n], xp, geom)
        if need_x:
            dxp[:] = 0
        for g in range(groups):
            rows = slice(g * k, (g + 1) * k)
            for p0 in range(0, positions, _TAPS_COLUMNS):
                p1 = min(positions, p0 + _TAPS_COLUMNS)
                grad_block = gcols[g, :, p0:p1]
                for i in range(kh):
                    for j in range(kw):
                        at = i * dh * wp + j * dw
                        if need_w:
                            view = xp[rows, at + p0 : at + p1]
                            gemm(blas, grad_block, view.T, gw[i, j, g], True)
                        if need_x:
                            view = dxp[rows, at + p0 : at + p1]
                            gemm(blas, taps[i, j, g].T, grad_block, view, True)
        if need_x:
            _crop_sample(dxp, gx[n], geom)


def _geom(w_shape, stride, pads, dilation, out_hw) -> tuple[int, ...]:
    return (*w_shape[2:], *stride, pads[0][0], pads[1][0], *dilation, *out_hw)


def _chunk(out_hw: tuple[int, int]) -> int:
    return max(1, _CHUNK_COLUMNS // (out_hw[0] * out_hw[1]))


def _grouped(w: np.ndarray, groups: int) -> np.ndarray:
    """w (C_out, C_in/G, kH, kW) as the (G, C_out/G, C_in/G kH kW) matrices of the products."""
    return np.ascontiguousarray(w).reshape(groups, w.shape[0] // groups, -1)


def _taps(w: np.ndarray, groups: int, stride: tuple[int, int]) -> np.ndarray | None:
    """w (C_out, C_in/G, kH, kW) as the (kH, kW, G, C_out/G, C_in/G) matrices of the shifted
    products, or None where im2col is the path: strides other than 1 (whose windows are no
    shifted view) and fewer than `_TAPS_MIN_CHANNELS` input channels per group."""
    c_out, k, kh, kw = w.shape
    if stride != (1, 1) or k < _TAPS_MIN_CHANNELS:
        return None
    grouped = w.reshape(groups, c_out // groups, k, kh, kw)
    return np.ascontiguousarray(grouped.transpose(3, 4, 0, 1, 2))


def _conv(x, w, bias, groups, stride, pads, dilation, out_hw) -> np.ndarray:
    """conv2d on checked arguments (kernel path)."""
    n, c_out = x.shape[0], w.shape[0]
    out = np.empty((n, groups, c_out // groups, out_hw[0] * out_hw[1]), x.dtype)
    b = np.zeros((0, 0), x.dtype) if bias is None else np.ascontiguousarray(bias)
    b = b.reshape(-1, c_out // groups) if b.size else b
    geom = _geom(w.shape, stride, pads, dilation, out_hw)
    x = np.ascontiguousarray(x)
    taps = _taps(w, groups, stride)
    if taps is not None:
        _forward_taps(x, taps, b, out, geom, gemm_addresses())
    else:
        _forward(x, _grouped(w, groups), b, out, geom, _chunk(out_hw), gemm_addresses())
    return out.reshape(n, c_out, *out_hw)


def _conv_grads(x, w, grad, x_shape, groups, stride, pads, dilation, out_hw, mask):
    """conv2d's (grad_x, grad_w, grad_b) on checked arguments (kernel path); x may be None
    when grad_w is not wanted (x_shape gives grad_x's shape)."""
    c_out = w.shape[0]
    dtype = grad.dtype
    need_x, need_w, need_b = mask
    taps = _taps(w, groups, stride)
    gx = np.zeros(x_shape if need_x else (0, 0, 0, 0), dtype)
    if taps is None:
        gw = np.zeros((groups, c_out // groups, w[0].size) if need_w else (0, 0, 0), dtype)
    else:
        gw = np.zeros(taps.shape if need_w else (0, 0, 0, 0, 0), dtype)
    gb = np.zeros((groups, c_out // groups) if need_b else (0, 0), dtype)
    x = np.ascontiguousarray(x) if need_w else np.zeros((0, 0, 0, 0), dtype)
    grad = np.ascontiguousarray(grad).reshape(grad.shape[0], groups, c_out // groups, -1)
    geom = _geom(w.shape, stride, pads, dilation, out_hw)
    if taps is None:
        _backward(
            x, _grouped(w, groups), grad, gx, gw, gb, geom, _chunk(out_hw), gemm_addresses(),
            need_x, need_w, need_b,
        )  # fmt: skip
        gw = gw.reshape(w.shape) if need_w else None
    else:
        _backward_taps(x, taps, grad, gx, gw, gb, geom, gemm_addresses(), need_x, need_w, need_b)
        gw = gw.transpose(2, 3, 4, 0, 1).reshape(w.shape) if need_w else None
    return gx if need_x else None, gw, gb.reshape(c_out) if need_b else None


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
