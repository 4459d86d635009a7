"""Plain NumPy references for the convolution, padding and pooling kernels.

Readable definitions that the compiled kernels in `conv`, `padding` and `pool` are tested
against; same signatures, NCHW layout as PyTorch. Convolutions loop over the kH x kW kernel
offsets and contract channels with einsum at each; pools stack the windows and reduce them.
"""

from __future__ import annotations

import numpy as np

from .windows import (
    IntOrPair,
    Padding2d,
    Pads,
    adaptive_bins,
    adaptive_output_size,
    check_grad_out,
    conv2d_geometry,
    conv_transpose2d_geometry,
    pad_index,
    pool2d_geometry,
)


def _window(
    a: np.ndarray, i: int, j: int, stride: tuple[int, int], dilation: tuple[int, int], out_hw
) -> tuple:
    """The index into a's last two axes picking, for kernel offset (i, j), the element under
    it at every output position: rows i d_h + s_h oh, columns j d_w + s_w ow."""
    rows = slice(i * dilation[0], i * dilation[0] + stride[0] * (out_hw[0] - 1) + 1, stride[0])
    cols = slice(j * dilation[1], j * dilation[1] + stride[1] * (out_hw[1] - 1) + 1, stride[1])
    return (..., rows, cols)


def conv2d(
    x: np.ndarray,
    w: np.ndarray,
    bias: np.ndarray | None = None,
    stride: IntOrPair = 1,
    padding: Padding2d = 0,
    dilation: IntOrPair = 1,
    groups: int = 1,
) -> np.ndarray:
    """out[n, o, oh, ow] = b[o] + sum_{c, i, j} w[o, c, i, j] xpad[n, g(o) C_g + c,
    s_h oh + d_h i, s_w ow + d_w j], xpad being x zero-padded and g(o) the group of o."""
    stride, pads, dilation, out_hw = conv2d_geometry(
        x.shape, w.shape, stride, padding, dilation, groups
    )
    n, c_out, kh, kw = x.shape[0], w.shape[0], w.shape[2], w.shape[3]
    xp = np.pad(x, ((0, 0), (0, 0), *pads))
    xg = xp.reshape(n, groups, -1, *xp.shape[2:])
    wg = w.reshape(groups, c_out // groups, -1, kh, kw)
    out = np.zeros((n, groups, c_out // groups, *out_hw), np.result_type(x, w))
    for i in range(kh):
        for j in range(kw):
            patch = xg[_window(xg, i, j, stride, dilation, out_hw)]
            out += np.einsum("ngchw,goc->ngohw", patch, wg[..., i, j])
    out = out.reshape(n, c_out, *out_hw)
    return out if bias is None else out + bias[:, None, None]


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
    """The adjoint of conv2d with respect to its input (w being that conv2d's weight, of shape
    (C_in, C_out / groups, kH, kW)): each input element scatters w times itself onto the
    output, which is then cropped by the padding; conv2d's grad_x is this applied to grad_out."""
    stride, pads, dilation, out_hw = conv_transpose2d_geometry(
        x.shape, w.shape, stride, padding, output_padding, dilation, groups
    )
    n, c_in, kh, kw = x.shape[0], w.shape[0], w.shape[2], w.shape[3]
    c_out = w.shape[1] * groups
    full = [
        max(
            (x.shape[2 + a] - 1) * stride[a] + dilation[a] * (w.shape[2 + a] - 1) + 1,
            pads[a][0] + out_hw[a],
        )
        for a in (0, 1)
    ]
    xg = x.reshape(n, groups, c_in // groups, *x.shape[2:])
    wg = w.reshape(groups, c_in // groups, -1, kh, kw)
    buf = np.zeros((n, groups, c_out // groups, *full), np.result_type(x, w))
    for i in range(kh):
        for j in range(kw):
            index = _window(buf, i, j, stride, dilation, x.shape[2:])
            buf[index] += np.einsum("ngchw,gco->ngohw", xg, wg[..., i, j])
    out = buf.reshape(n, c_out, *full)
    out = out[:, :, pads[0][0] : pads[0][0] + out_hw[0], pads[1][0] : pads[1][0] + out_hw[1]]
    return np.ascontiguousarray(out if bias is None else out + bias[:, None, None])


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
    """(grad_x, grad_w, grad_b) of conv2d for the upstream gradient grad_out; the entries that
    output_mask marks False come back as None.

    grad_x = conv_transpose2d(grad_out, w) sized back to x; grad_w[o, c, i, j] = sum over n and
    output positions of grad_out[n, o] times the input under offset (i, j); grad_b = sum of
    grad_out over N, H, W.
    """
    stride, pads, dilation, out_hw = conv2d_geometry(
        x.shape, w.shape, stride, padding, dilation, groups
    )
    check_grad_out("conv2d_backward", grad_out.shape, (x.shape[0], w.shape[0], *out_hw))
    grad_x = grad_w = grad_b = None
    if output_mask[0]:
        extra = [
            x.shape[2 + a]
            - (out_hw[a] - 1) * stride[a]
            + sum(pads[a])
            - dilation[a] * (w.shape[2 + a] - 1)
            - 1
            for a in (0, 1)
        ]
        grad_x = conv_transpose2d(grad_out, w, None, stride, pads, tuple(extra), dilation, groups)
    if output_mask[1]:
        n, c_out, kh, kw = x.shape[0], w.shape[0], w.shape[2], w.shape[3]
        xp = np.pad(x, ((0, 0), (0, 0), *pads))
        xg = xp.reshape(n, groups, -1, *xp.shape[2:])
        gg = grad_out.reshape(n, groups, c_out // groups, *out_hw)
        grad_w = np.empty(
            (groups, c_out // groups, w.shape[1], kh, kw), np.result_type(x, grad_out)
        )
        for i in range(kh):
            for j in range(kw):
                patch = xg[_window(xg, i, j, stride, dilation, out_hw)]
                grad_w[..., i, j] = np.einsum("ngchw,ngohw->goc", patch, gg)
        grad_w = grad_w.reshape(w.shape)
    if output_mask[2]:
        grad_b = grad_out.sum(axis=(0, 2, 3))
    return grad_x, grad_w, grad_b


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
    """(grad_x, grad_w, grad_b) of conv_transpose2d. Being conv2d's adjoint, grad_x is the
    conv2d of grad_out by w, and grad_w is conv2d's weight gradient with the roles of input
    (grad_out) and output gradient (x) swapped."""
    stride, pads, dilation, out_hw = conv_transpose2d_geometry(
        x.shape, w.shape, stride, padding, output_padding, dilation, groups
    )
    expected = (x.shape[0], w.shape[1] * groups, *out_hw)
    check_grad_out("conv_transpose2d_backward", grad_out.shape, expected)
    grad_x = conv2d(grad_out, w, None, stride, pads, dilation, groups) if output_mask[0] else None
    grad_w = None
    if output_mask[1]:
        grad_w = conv2d_backward(
            grad_out, w, x, stride, pads, dilation, groups, (False, True, False)
        )[1]
    grad_b = grad_out.sum(axis=(0, 2, 3)) if output_mask[2] else None
    return grad_x, grad_w, grad_b


# --- padding ---------------------------------------------------------------------------------


def pad2d(
    x: np.ndarray, pads: tuple[int, int, int, int], mode: str = "constant", value: float = 0.0
) -> np.ndarray:
    """x (..., H, W) padded by pads = (left, right, top, bottom), F.pad's order."""
    left, right, top, bottom = pads
    width = [(0, 0)] * (x.ndim - 2) + [(top, bottom), (left, right)]
    if mode == "constant":
        return np.pad(x, width, constant_values=value)
    pad_index(x.shape[-2], top, bottom, mode)  # checks the mode and the reflect limits
    pad_index(x.shape[-1], left, right, mode)
    return np.pad(x, width, mode="reflect" if mode == "reflect" else "edge")


def pad2d_backward(
    grad_out: np.ndarray, pads: tuple[int, int, int, int], mode: str = "constant"
) -> np.ndarray:
    """The adjoint of pad2d: each output gradient added back onto the input element it copied
    (padding constants get none). The input size is grad_out's less the pads."""
    left, right, top, bottom = pads
    h, w = grad_out.shape[-2] - top - bottom, grad_out.shape[-1] - left - right
    rows, cols = pad_index(h, top, bottom, mode), pad_index(w, left, right, mode)
    keep = (rows >= 0)[:, None] & (cols >= 0)[None, :]
    r, c = np.nonzero(keep)
    grad = np.zeros((*grad_out.shape[:-2], h, w), grad_out.dtype)
    np.add.at(grad, (..., rows[r], cols[c]), grad_out[..., r, c])
    return grad


# --- pooling ---------------------------------------------------------------------------------


def _pool_windows(xp: np.ndarray, kernel, stride, dilation, out_hw) -> np.ndarray:
    """(..., kH * kW, OH, OW): the values under each kernel offset at each output position."""
    return np.stack(
        [
            xp[_window(xp, i, j, stride, dilation, out_hw)]
            for i in range(kernel[0])
            for j in range(kernel[1])
        ],
        axis=-3,
    )


def _pool_pad(x: np.ndarray, kernel, stride, pad, dilation, out_hw, value: float) -> np.ndarray:
    """x padded by `pad` on each side, and further at the bottom and right so that ceil-mode
    windows fit (those extra elements are never counted)."""
    width = [(0, 0)] * (x.ndim - 2)
    for a in (0, 1):
        need = (out_hw[a] - 1) * stride[a] + dilation[a] * (kernel[a] - 1) + 1
        width.append((pad[a], max(pad[a], need - x.shape[-2 + a] - pad[a])))
    return np.pad(x, width, constant_values=value)


def max_pool2d(
    x: np.ndarray,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    dilation: IntOrPair = 1,
    ceil_mode: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """The window maxima and, as PyTorch's return_indices, the flat index h W + w in its
    (H, W) plane of the element each came from (the first of equal maxima; padding is -inf)."""
    kernel, stride, pad, dilation, out_hw = pool2d_geometry(
        x.shape, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d"
    )
    xp = _pool_pad(x, kernel, stride, pad, dilation, out_hw, -np.inf)
    windows = _pool_windows(xp, kernel, stride, dilation, out_hw)
    k = np.argmax(windows, axis=-3)
    values = np.take_along_axis(windows, k[..., None, :, :], axis=-3)[..., 0, :, :]
    rows = np.arange(out_hw[0])[:, None] * stride[0] - pad[0] + (k // kernel[1]) * dilation[0]
    cols = np.arange(out_hw[1])[None, :] * stride[1] - pad[1] + (k % kernel[1]) * dilation[1]
    return values, (rows * x.shape[-1] + cols).astype(np.int64)


def max_pool2d_backward(
    grad_out: np.ndarray, indices: np.ndarray, input_shape: tuple[int, ...]
) -> np.ndarray:
    """Each output gradient added onto the input element its maximum came from."""
    planes = grad_out.reshape(-1, grad_out.shape[-2] * grad_out.shape[-1])
    grad = np.zeros((planes.shape[0], input_shape[-2] * input_shape[-1]), grad_out.dtype)
    np.add.at(grad, (np.arange(planes.shape[0])[:, None], indices.reshape(planes.shape)), planes)
    return grad.reshape(input_shape)


def _avg_divisors(
    x_shape, kernel, stride, pad, dilation, out_hw, count_include_pad, divisor_override
):
    """(OH, OW) divisors: the window's elements inside the padded input (count_include_pad)
    or inside the input, counted as sums of ones, unless divisor_override is given."""
    if divisor_override:
        return np.full(out_hw, float(divisor_override))
    h, w = x_shape[-2:]
    ones = (
        np.ones((h + 2 * pad[0], w + 2 * pad[1]))
        if count_include_pad
        else np.pad(np.ones((h, w)), [(p, p) for p in pad])
    )
    inside = _pool_pad(ones, kernel, stride, (0, 0), dilation, out_hw, 0.0)
    return _pool_windows(inside, kernel, stride, dilation, out_hw).sum(axis=0)


def avg_pool2d(
    x: np.ndarray,
    kernel_size: IntOrPair,
    stride: IntOrPair | None = None,
    padding: IntOrPair = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> np.ndarray:
    """Window sums (zero padding) divided by the window size, PyTorch's rule for the divisor."""
    kernel, stride, pad, dilation, out_hw = pool2d_geometry(
        x.shape, kernel_size, stride, padding, 1, ceil_mode, "avg_pool2d"
    )
    xp = _pool_pad(x, kernel, stride, pad, dilation, out_hw, 0.0)
    sums = _pool_windows(xp, kernel, stride, dilation, out_hw).sum(axis=-3)
    div = _avg_divisors(
        x.shape, kernel, stride, pad, dilation, out_hw, count_include_pad, divisor_override
    )
    return (sums / div).astype(x.dtype)


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
    """grad_out / divisor spread evenly over each window, cropped to the input."""
    kernel, stride, pad, dilation, out_hw = pool2d_geometry(
        input_shape, kernel_size, stride, padding, 1, ceil_mode, "avg_pool2d_backward"
    )
    div = _avg_divisors(
        input_shape, kernel, stride, pad, dilation, out_hw, count_include_pad, divisor_override
    )
    share = grad_out / div
    buf = _pool_pad(
        np.zeros(input_shape, grad_out.dtype), kernel, stride, pad, dilation, out_hw, 0.0
    )
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            buf[_window(buf, i, j, stride, dilation, out_hw)] += share
    h, w = input_shape[-2:]
    return np.ascontiguousarray(buf[..., pad[0] : pad[0] + h, pad[1] : pad[1] + w]).astype(
        grad_out.dtype
    )


def adaptive_avg_pool2d(x: np.ndarray, output_size: IntOrPair) -> np.ndarray:
    """The mean of each adaptive bin (`adaptive_bins` along H and along W)."""
    oh, ow = adaptive_output_size(x.shape, output_size, "adaptive_avg_pool2d")
    out = np.empty((*x.shape[:-2], oh, ow), x.dtype)
    for i, (h0, h1) in enumerate(adaptive_bins(x.shape[-2], oh)):
        for j, (w0, w1) in enumerate(adaptive_bins(x.shape[-1], ow)):
            out[..., i, j] = x[..., h0:h1, w0:w1].mean(axis=(-2, -1))
    return out


def adaptive_avg_pool2d_backward(grad_out: np.ndarray, input_shape: tuple[int, ...]) -> np.ndarray:
    """Each bin's gradient divided by the bin's size and added onto its elements."""
    oh, ow = grad_out.shape[-2:]
    grad = np.zeros(input_shape, grad_out.dtype)
    for i, (h0, h1) in enumerate(adaptive_bins(input_shape[-2], oh)):
        for j, (w0, w1) in enumerate(adaptive_bins(input_shape[-1], ow)):
            grad[..., h0:h1, w0:w1] += (grad_out[..., i, j] / ((h1 - h0) * (w1 - w0)))[
                ..., None, None
            ]
    return grad
