"""Convolution kernels against the NumPy references and, when installed, PyTorch."""

from __future__ import annotations

import inspect
from functools import partial

import numpy as np
import pytest
from helpers import DTYPES
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_engine.errors import ShapeError
from autograd_engine.kernels import conv, pool, recurrent, reference_conv, reference_recurrent
from autograd_engine.kernels import padding as pad_kernels
from autograd_engine.kernels.windows import (
    conv_output_size,
    conv_transpose_output_size,
    same_padding,
)

# (x shape, C_out, kernel, stride, padding, dilation, groups)
CONV_CASES = [
    ((2, 3, 7, 7), 4, (3, 3), 1, 1, 1, 1),
    ((1, 2, 6, 9), 3, (2, 3), (2, 1), (1, 0), (1, 2), 1),
    ((2, 4, 8, 5), 6, (3, 1), 2, ((0, 1), (2, 0)), 1, 2),
    ((1, 1, 5, 5), 2, (4, 4), 1, "same", 1, 1),
    ((2, 4, 6, 7), 4, (2, 3), 1, "same", (2, 1), 4),
    ((3, 2, 5, 6), 2, (3, 3), 3, "valid", 1, 2),
    ((1, 3, 9, 4), 2, (1, 1), 1, 0, 1, 1),
    ((2, 6, 7, 8), 9, (3, 2), (1, 3), 2, (2, 1), 3),
]
# (x shape, C_out, kernel, stride, padding, output_padding, dilation, groups)
TRANSPOSE_CASES = [
    ((2, 4, 5, 4), 6, (3, 3), 2, 1, 1, 1, 2),
    ((1, 2, 3, 3), 3, (2, 3), (3, 2), (1, 0), (2, 1), (1, 2), 1),
    ((2, 3, 4, 6), 2, (3, 3), 1, 0, 0, 1, 1),
]


def tol(dtype) -> dict:
    return {"rtol": 2e-5, "atol": 2e-5} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-12}


def conv_data(case, dtype, seed=0):
    shape, c_out, kernel, _, _, _, groups = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    w = rng.standard_normal((c_out, shape[1] // groups, *kernel)).astype(dtype)
    b = rng.standard_normal(c_out).astype(dtype)
    return x, w, b


def assert_all_close(actual, expected, dtype):
    for a, e in zip(actual, expected, strict=True):
        assert (a is None) == (e is None)
        if a is not None:
            assert a.dtype == e.dtype == dtype and a.shape == e.shape
            np.testing.assert_allclose(a, e, **tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_matches_reference(case, dtype):
    x, w, b = conv_data(case, dtype)
    args = case[3:]
    out = conv.conv2d(x, w, b, *args)
    assert_all_close([out], [reference_conv.conv2d(x, w, b, *args)], dtype)
    g = np.random.default_rng(1).standard_normal(out.shape).astype(dtype)
    expected = reference_conv.conv2d_backward(x, w, g, *args)
    assert_all_close(conv.conv2d_backward(x, w, g, *args), expected, dtype)
    partial = conv.conv2d_backward(x, w, g, *args, output_mask=(False, True, False))
    assert_all_close(partial, (None, expected[1], None), dtype)


# Both product paths on every case: shifted views from one input channel per group (the
# stride-1 cases), and im2col everywhere; then NumPy's BLAS unknown (np.dot's fallback).
PATHS = {"shifted": (1, True), "im2col": (10**9, True), "np.dot": (3, False)}


@pytest.fixture(params=list(PATHS))
def product_path(request, monkeypatch):
    taps_from, numpy_blas = PATHS[request.param]
    monkeypatch.setattr(conv, "_TAPS_MIN_CHANNELS", taps_from)
    if not numpy_blas:
        monkeypatch.setattr(conv, "gemm_addresses", lambda: np.zeros(2, np.int64))
    return request.param


# more: two taps by dilation, and 40 x 42 positions, more than one block of `_TAPS_COLUMNS`
@pytest.mark.parametrize(
    "case",
    [
        *CONV_CASES,
        ((2, 5, 6, 6), 4, (3, 2), 1, 1, (1, 2), 1),
        ((1, 3, 40, 40), 2, (3, 3), 1, 1, 1, 1),
    ],
)
def test_conv2d_product_paths_match_reference(case, product_path):
    x, w, b = conv_data(case, np.float64)
    args = case[3:]
    out = conv.conv2d(x, w, b, *args)
    assert_all_close([out], [reference_conv.conv2d(x, w, b, *args)], np.float64)
    g = np.random.default_rng(1).standard_normal(out.shape)
    expected = reference_conv.conv2d_backward(x, w, g, *args)
    assert_all_close(conv.conv2d_backward(x, w, g, *args), expected, np.float64)
    only_x = conv.conv2d_backward(x, w, g, *args, output_mask=(True, False, False))
    assert_all_close(only_x, (expected[0], None, None), np.float64)


@pytest.mark.parametrize("case", TRANSPOSE_CASES)
def test_conv_transpose2d_product_paths_match_reference(case, product_path):
    shape, c_out, kernel, *args, groups = case
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape)
    w = rng.standard_normal((shape[1], c_out // groups, *kernel))
    out = conv.conv_transpose2d(x, w, None, *args, groups)
    expected = reference_conv.conv_transpose2d(x, w, None, *args, groups)
    assert_all_close([out], [expected], np.float64)
    g = rng.standard_normal(out.shape)
    expected = reference_conv.conv_transpose2d_backward(x, w, g, *args, groups)
    assert_all_close(conv.conv_transpose2d_backward(x, w, g, *args, groups), expected, np.float64)


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_conv2d_random_geometry(data):
    draw = data.draw
    groups = draw(st.sampled_from([1, 2]))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    size = [
        draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), 8))
        for k, d, p in zip(kernel, dilation, padding)
    ]
    shape = (draw(st.integers(1, 3)), groups * draw(st.integers(1, 2)), *size)
    case = (shape, groups * draw(st.integers(1, 2)), kernel, stride, padding, dilation, groups)
    test_conv2d_matches_reference(case, np.float64)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", TRANSPOSE_CASES)
def test_conv_transpose2d_matches_reference(case, dtype):
    shape, c_out, kernel, *args, groups = case
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape).astype(dtype)
    w = rng.standard_normal((shape[1], c_out // groups, *kernel)).astype(dtype)
    b = rng.standard_normal(c_out).astype(dtype)
    out = conv.conv_transpose2d(x, w, b, *args, groups)
    assert_all_close([out], [reference_conv.conv_transpose2d(x, w, b, *args, groups)], dtype)
    g = rng.standard_normal(out.shape).astype(dtype)
    expected = reference_conv.conv_transpose2d_backward(x, w, g, *args, groups)
    assert_all_close(conv.conv_transpose2d_backward(x, w, g, *args, groups), expected, dtype)


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_transpose2d_is_the_input_gradient_of_conv2d(case):
    """conv_transpose2d(g, w) = conv2d_backward's grad_x, and <conv2d(x), y> = <x, that(y)>."""
    x, w, _ = conv_data(case, np.float64)
    stride, padding, dilation, groups = case[3:]
    out = conv.conv2d(x, w, None, stride, padding, dilation, groups)
    y = np.random.default_rng(3).standard_normal(out.shape)
    grad_x = conv.conv2d_backward(x, w, y, stride, padding, dilation, groups)[0]
    pads = reference_conv.conv2d_geometry(x.shape, w.shape, stride, padding, dilation, groups)[1]
    if isinstance(stride, int):
        stride = (stride, stride)
    if isinstance(dilation, int):
        dilation = (dilation, dilation)
    extra = [
        x.shape[2 + a]
        - conv_transpose_output_size(
            out.shape[2 + a], w.shape[2 + a], stride[a], pads[a], dilation[a]
        )
        for a in (0, 1)
    ]
    transposed = conv.conv_transpose2d(y, w, None, stride, pads, tuple(extra), dilation, groups)
    np.testing.assert_allclose(transposed, grad_x, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.vdot(out, y), np.vdot(x, transposed), rtol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
def test_conv1d_is_conv2d_with_unit_height(dtype):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 4, 11)).astype(dtype)
    w = rng.standard_normal((6, 2, 3)).astype(dtype)
    b = rng.standard_normal(6).astype(dtype)
    for stride, padding, dilation in [(1, 1, 1), (2, (2, 0), 2), (1, "same", 3), (3, "valid", 1)]:
        out = conv.conv1d(x, w, b, stride, padding, dilation, 2)
        padding2d = padding if isinstance(padding, str) else conv._as_2d(padding)
        args2d = ((1, stride), padding2d, (1, dilation), 2)
        expected = reference_conv.conv2d(x[:, :, None], w[:, :, None], b, *args2d)[:, :, 0]
        assert_all_close([out], [expected], dtype)
        g = rng.standard_normal(out.shape).astype(dtype)
        grads = reference_conv.conv2d_backward(x[:, :, None], w[:, :, None], g[:, :, None], *args2d)
        expected = [a[:, :, 0] if a.ndim == 4 else a for a in grads]
        assert_all_close(
            conv.conv1d_backward(x, w, g, stride, padding, dilation, 2), expected, dtype
        )


def test_other_dtypes_and_layouts_fall_back_or_are_copied():
    x, w, b = conv_data(CONV_CASES[1], np.float64)
    args = CONV_CASES[1][3:]
    half = conv.conv2d(x.astype(np.float16), w.astype(np.float16), None, *args)
    assert half.dtype == np.float16
    np.testing.assert_allclose(half, reference_conv.conv2d(x, w, None, *args), rtol=0.05, atol=0.05)
    strided = np.asfortranarray(x)
    np.testing.assert_allclose(
        conv.conv2d(strided, w[..., ::-1], b, *args),
        reference_conv.conv2d(x, np.ascontiguousarray(w[..., ::-1]), b, *args),
        rtol=1e-12,
        atol=1e-12,
    )


def test_output_size_and_same_padding_helpers():
    assert conv_output_size(28, 3, 1, (1, 1), 1) == 28
    assert conv_output_size(7, 3, 2, (0, 1), 2) == 2
    assert conv_transpose_output_size(5, 3, 2, (1, 1), 1, 1) == 10
    assert same_padding(4) == ((1, 2), (1, 2))
    assert same_padding((3, 2), (2, 3)) == ((2, 2), (1, 2))


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "kwargs", "message"),
    [
        ((1, 3, 5, 5), (2, 2, 3, 3), {}, "groups=1"),
        ((1, 4, 5, 5), (3, 2, 3, 3), {"groups": 2}, "groups=2"),
        ((1, 1, 2, 2), (1, 1, 3, 3), {}, "smaller than"),
        ((1, 1, 5, 5), (1, 1, 3, 3), {"stride": 2, "padding": "same"}, "stride 1"),
        ((1, 1, 5), (1, 1, 3, 3), {}, "4-D"),
        ((1, 1, 5, 5), (1, 1, 3, 3), {"padding": "full"}, "padding"),
    ],
)
def test_shape_errors_name_the_op(x_shape, w_shape, kwargs, message):
    with pytest.raises(ShapeError, match=message) as info:
        conv.conv2d(np.ones(x_shape), np.ones(w_shape), **kwargs)
    assert isinstance(info.value, ValueError)
    assert "conv2d" in str(info.value)


def test_wrong_grad_out_shape():
    with pytest.raises(ValueError, match=r"conv2d_backward: grad_out has shape \(1, 1, 2, 2\)"):
        conv.conv2d_backward(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)))
    with pytest.raises(ValueError, match="output_padding"):
        conv.conv_transpose2d(
            np.ones((1, 1, 3, 3)), np.ones((1, 1, 3, 3)), stride=2, output_padding=2
        )


# --- PyTorch as the oracle (float64) ---------------------------------------------------------


def torch_grads(fn, inputs, g):
    """Output and gradients of fn(*inputs) for upstream g, by torch.autograd.grad."""
    torch = pytest.importorskip("torch")
    tensors = [torch.tensor(a, requires_grad=True) for a in inputs]
    out = fn(*tensors)
    return out.detach().numpy(), [
        t.numpy() for t in torch.autograd.grad(out, tensors, torch.tensor(g))
    ]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_matches_torch(case):
    functional = pytest.importorskip("torch.nn.functional")
    x, w, b = conv_data(case, np.float64)
    stride, padding, dilation, groups = case[3:]
    out = conv.conv2d(x, w, b, stride, padding, dilation, groups)
    g = np.random.default_rng(5).standard_normal(out.shape)
    pads = reference_conv.conv2d_geometry(x.shape, w.shape, stride, padding, dilation, groups)[1]
    symmetric = pads[0][0] == pads[0][1] and pads[1][0] == pads[1][1]
    if isinstance(padding, str) or symmetric:
        flat = (0, 0, 0, 0)
        torch_padding = padding if isinstance(padding, str) else (pads[0][0], pads[1][0])
    else:  # asymmetric pads go through F.pad first (its order: left, right, top, bottom)
        flat, torch_padding = (*pads[1], *pads[0]), 0

    def fn(x, w, b):
        return functional.conv2d(
            functional.pad(x, flat), w, b, stride, torch_padding, dilation, groups
        )

    expected, grads = torch_grads(fn, (x, w, b), g)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    mine = conv.conv2d_backward(x, w, g, stride, padding, dilation, groups)
    for a, e in zip(mine, grads, strict=True):
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", TRANSPOSE_CASES)
def test_conv_transpose2d_matches_torch(case):
    functional = pytest.importorskip("torch.nn.functional")
    shape, c_out, kernel, stride, padding, output_padding, dilation, groups = case
    rng = np.random.default_rng(6)
    x = rng.standard_normal(shape)
    w = rng.standard_normal((shape[1], c_out // groups, *kernel))
    b = rng.standard_normal(c_out)
    args = (stride, padding, output_padding, dilation, groups)
    out = conv.conv_transpose2d(x, w, b, *args)
    g = rng.standard_normal(out.shape)
    fn = partial(
        functional.conv_transpose2d,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        groups=groups,
        dilation=dilation,
    )
    expected, grads = torch_grads(fn, (x, w, b), g)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    for a, e in zip(conv.conv_transpose2d_backward(x, w, g, *args), grads, strict=True):
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("stride", "padding", "dilation"), [(2, 1, 1), (1, "same", 2)])
def test_conv1d_matches_torch(stride, padding, dilation):
    functional = pytest.importorskip("torch.nn.functional")
    rng = np.random.default_rng(7)
    x, w, b = (
        rng.standard_normal((3, 2, 10)),
        rng.standard_normal((4, 2, 4)),
        rng.standard_normal(4),
    )
    out = conv.conv1d(x, w, b, stride, padding, dilation)
    g = rng.standard_normal(out.shape)
    fn = partial(functional.conv1d, stride=stride, padding=padding, dilation=dilation)
    expected, grads = torch_grads(fn, (x, w, b), g)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    for a, e in zip(conv.conv1d_backward(x, w, g, stride, padding, dilation), grads, strict=True):
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12)


def test_every_reference_has_a_kernel_with_the_same_signature():
    pairs = [(reference_conv, (conv, pad_kernels, pool)), (reference_recurrent, (recurrent,))]
    for reference, modules in pairs:
        for name, fn in inspect.getmembers(reference, inspect.isfunction):
            if fn.__module__ != reference.__name__ or name.startswith("_"):
                continue
            kernels = [getattr(m, name) for m in modules if hasattr(m, name)]
            assert len(kernels) == 1, name
            assert inspect.signature(kernels[0]) == inspect.signature(fn), name
