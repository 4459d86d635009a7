"""Pooling and padding kernels against the NumPy references and, when installed, PyTorch."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from helpers import DTYPES
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_engine.errors import ShapeError
from autograd_engine.kernels import padding, pool, reference_conv
from autograd_engine.kernels.windows import pad_index

# (kernel, stride, padding, dilation, ceil_mode)
POOL_CASES = [
    (2, None, 0, 1, False),
    (3, 2, 1, 1, False),
    (3, 2, 1, 2, True),
    ((2, 3), (1, 2), (1, 1), 1, True),
    ((3, 1), 1, (1, 0), (1, 1), False),
]
PAD_CASES = [((1, 2, 0, 3), "constant"), ((2, 1, 3, 0), "reflect"), ((3, 0, 1, 2), "replicate")]


def tol(dtype) -> dict:
    return {"rtol": 2e-6, "atol": 2e-6} if dtype == np.float32 else {"rtol": 1e-13, "atol": 1e-13}


def data(shape, dtype, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", POOL_CASES)
@pytest.mark.parametrize("shape", [(2, 3, 7, 8), (6, 4, 5)])
def test_max_pool2d_matches_reference(shape, case, dtype):
    x = data(shape, dtype)
    values, idx = pool.max_pool2d(x, *case)
    expected_values, expected_idx = reference_conv.max_pool2d(x, *case)
    assert values.dtype == dtype and idx.dtype == np.int64
    np.testing.assert_array_equal(values, expected_values)
    np.testing.assert_array_equal(idx, expected_idx)
    g = data(values.shape, dtype, 1)
    grad = pool.max_pool2d_backward(g, idx, x.shape)
    np.testing.assert_allclose(
        grad, reference_conv.max_pool2d_backward(g, idx, x.shape), **tol(dtype)
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", POOL_CASES)
@pytest.mark.parametrize(
    ("count_include_pad", "divisor_override"), [(True, None), (False, None), (True, 5)]
)
def test_avg_pool2d_matches_reference(case, count_include_pad, divisor_override, dtype):
    kernel, stride, pad, _, ceil_mode = case
    x = data((2, 3, 7, 8), dtype)
    args = (kernel, stride, pad, ceil_mode, count_include_pad, divisor_override)
    out = pool.avg_pool2d(x, *args)
    expected = reference_conv.avg_pool2d(x, *args)
    assert out.dtype == dtype
    np.testing.assert_allclose(out, expected, **tol(dtype))
    g = data(out.shape, dtype, 1)
    grad = pool.avg_pool2d_backward(g, x.shape, *args)
    np.testing.assert_allclose(
        grad, reference_conv.avg_pool2d_backward(g, x.shape, *args), **tol(dtype)
    )


@settings(max_examples=20, deadline=None)
@given(
    h=st.integers(1, 9),
    w=st.integers(1, 9),
    out_h=st.integers(1, 9),
    out_w=st.one_of(st.none(), st.integers(1, 9)),
    dtype=st.sampled_from(DTYPES),
)
def test_adaptive_avg_pool2d_matches_reference(h, w, out_h, out_w, dtype):
    x = data((2, 3, h, w), dtype)
    out = pool.adaptive_avg_pool2d(x, (out_h, out_w))
    np.testing.assert_allclose(
        out, reference_conv.adaptive_avg_pool2d(x, (out_h, out_w)), **tol(dtype)
    )
    g = data(out.shape, dtype, 1)
    np.testing.assert_allclose(
        pool.adaptive_avg_pool2d_backward(g, x.shape),
        reference_conv.adaptive_avg_pool2d_backward(g, x.shape),
        **tol(dtype),
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("pads", "mode"), PAD_CASES)
def test_pad2d_matches_reference(pads, mode, dtype, monkeypatch):
    x = data((2, 3, 4, 5), dtype)
    for numpy_from in (padding.NUMPY_FROM, 0):  # the kernel, then the np.pad route
        monkeypatch.setattr(padding, "NUMPY_FROM", numpy_from or 1)
        out = padding.pad2d(x, pads, mode, 1.5)
        np.testing.assert_array_equal(out, reference_conv.pad2d(x, pads, mode, 1.5))
    g = data(out.shape, dtype, 1)
    expected = reference_conv.pad2d_backward(g, pads, mode)
    np.testing.assert_allclose(padding.pad2d_backward(g, pads, mode), expected, **tol(dtype))
    np.testing.assert_array_equal(
        padding.pad1d(x[0], pads[:2], mode),
        reference_conv.pad2d(x[0][:, None], (*pads[:2], 0, 0), mode)[:, 0],
    )


def test_pad_index_maps_match_np_pad():
    for mode, np_mode in [("constant", "constant"), ("reflect", "reflect"), ("replicate", "edge")]:
        for size, before, after in [(1, 0, 3), (4, 3, 2), (5, 0, 0), (3, 2, 2)]:
            if mode == "reflect" and max(before, after) >= size:
                continue
            fill = {"constant_values": -1} if mode == "constant" else {}
            expected = np.pad(np.arange(size), (before, after), np_mode, **fill)
            np.testing.assert_array_equal(pad_index(size, before, after, mode), expected)


def test_max_pool_nan_wins_and_ties_take_the_first():
    x = np.array([[[[1.0, 3.0, 3.0, 0.0], [np.nan, 2.0, 5.0, 5.0]]]])
    values, idx = pool.max_pool2d(x, 2)
    np.testing.assert_array_equal(idx, [[[[4, 6]]]])
    assert np.isnan(values[0, 0, 0, 0]) and values[0, 0, 0, 1] == 5.0


def test_max_pool1d_is_max_pool2d_with_unit_height():
    x = data((2, 3, 11), np.float64)
    values, idx = pool.max_pool1d(x, 3, 2, 1, 2)
    expected_values, expected_idx = reference_conv.max_pool2d(
        x[:, :, None], (1, 3), (1, 2), (0, 1), (1, 2)
    )
    np.testing.assert_array_equal(values, expected_values[:, :, 0])
    np.testing.assert_array_equal(idx, expected_idx[:, :, 0])
    g = data(values.shape, np.float64, 1)
    expected = reference_conv.max_pool2d_backward(g[:, :, None], expected_idx, (2, 3, 1, 11))
    np.testing.assert_allclose(pool.max_pool1d_backward(g, idx, x.shape), expected[:, :, 0])


def test_other_dtypes_fall_back_to_the_references():
    x = data((1, 2, 5, 5), np.float16)
    values, idx = pool.max_pool2d(x, 2)
    assert values.dtype == np.float16
    np.testing.assert_array_equal(idx, reference_conv.max_pool2d(x, 2)[1])
    assert pool.avg_pool2d(x, 2).dtype == np.float16
    assert padding.pad2d(x, (1, 1, 1, 1), "reflect").dtype == np.float16


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: pool.max_pool2d(np.ones((1, 1, 5, 5)), 2, padding=2), "at most half"),
        (lambda: pool.max_pool2d(np.ones((1, 1, 2, 2)), 3), "smaller than the kernel"),
        (lambda: pool.avg_pool2d(np.ones((5, 5)), 2), "input must be"),
        (lambda: pool.adaptive_avg_pool2d(np.ones((1, 1, 5, 5)), 0), "output_size"),
        (
            lambda: padding.pad2d(np.ones((1, 1, 3, 3)), (3, 0, 0, 0), "reflect"),
            "smaller than the size",
        ),
        (lambda: padding.pad2d(np.ones((1, 1, 3, 3)), (1, 1, 1, 1), "circular"), "mode"),
        (lambda: padding.pad2d(np.ones((1, 1, 3, 3)), (-1, 1, 1, 1)), "non-negative"),
        (
            lambda: pool.max_pool2d_backward(
                np.ones((1, 1, 2, 2)), np.zeros((1, 1, 3, 3), np.int64), (1, 1, 4, 4)
            ),
            "grad_out",
        ),
    ],
)
def test_shape_errors(call, message):
    with pytest.raises(ShapeError, match=message) as info:
        call()
    assert isinstance(info.value, ValueError)


# --- PyTorch as the oracle (float64) ---------------------------------------------------------


def torch_grad(fn, x, g):
    torch = pytest.importorskip("torch")
    t = torch.tensor(x, requires_grad=True)
    out = fn(t)
    out = out[0] if isinstance(out, tuple) else out
    return out, torch.autograd.grad(out, t, torch.tensor(g))[0].numpy()


@pytest.mark.parametrize("case", POOL_CASES)
def test_max_pool2d_matches_torch(case):
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    x = data((2, 3, 7, 8), np.float64)
    values, idx = pool.max_pool2d(x, *case)
    kernel, stride, pad, dilation, ceil_mode = case
    fn = partial(
        functional.max_pool2d,
        kernel_size=kernel,
        stride=stride,
        padding=pad,
        dilation=dilation,
        ceil_mode=ceil_mode,
        return_indices=True,
    )
    expected_values, expected_idx = fn(torch.tensor(x))
    np.testing.assert_array_equal(values, expected_values.numpy())
    np.testing.assert_array_equal(idx, expected_idx.numpy())
    g = data(values.shape, np.float64, 1)
    _, grad = torch_grad(fn, x, g)
    np.testing.assert_allclose(
        pool.max_pool2d_backward(g, idx, x.shape), grad, rtol=1e-13, atol=1e-13
    )


@pytest.mark.parametrize("case", POOL_CASES)
@pytest.mark.parametrize(
    ("count_include_pad", "divisor_override"), [(True, None), (False, None), (False, 4)]
)
def test_avg_pool2d_matches_torch(case, count_include_pad, divisor_override):
    functional = pytest.importorskip("torch.nn.functional")
    kernel, stride, pad, _, ceil_mode = case
    x = data((2, 3, 7, 8), np.float64)
    args = (kernel, stride, pad, ceil_mode, count_include_pad, divisor_override)
    out = pool.avg_pool2d(x, *args)
    g = data(out.shape, np.float64, 1)
    names = (
        "kernel_size",
        "stride",
        "padding",
        "ceil_mode",
        "count_include_pad",
        "divisor_override",
    )
    fn = partial(functional.avg_pool2d, **dict(zip(names, args)))
    expected, grad = torch_grad(fn, x, g)
    np.testing.assert_allclose(out, expected.detach().numpy(), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(
        pool.avg_pool2d_backward(g, x.shape, *args), grad, rtol=1e-13, atol=1e-13
    )


@pytest.mark.parametrize("output_size", [(3, 5), (2, None), 1, (7, 8), (4, 3)])
def test_adaptive_avg_pool2d_matches_torch(output_size):
    functional = pytest.importorskip("torch.nn.functional")
    x = data((2, 3, 7, 8), np.float64)
    out = pool.adaptive_avg_pool2d(x, output_size)
    g = data(out.shape, np.float64, 1)
    expected, grad = torch_grad(
        partial(functional.adaptive_avg_pool2d, output_size=output_size), x, g
    )
    np.testing.assert_allclose(out, expected.detach().numpy(), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(
        pool.adaptive_avg_pool2d_backward(g, x.shape), grad, rtol=1e-13, atol=1e-13
    )


@pytest.mark.parametrize(("pads", "mode"), PAD_CASES)
def test_pad_matches_torch(pads, mode):
    functional = pytest.importorskip("torch.nn.functional")
    x = data((2, 3, 4, 5), np.float64)
    value = {"value": 1.5} if mode == "constant" else {}
    out = padding.pad2d(x, pads, mode, 1.5)
    g = data(out.shape, np.float64, 1)
    expected, grad = torch_grad(partial(functional.pad, pad=pads, mode=mode, **value), x, g)
    np.testing.assert_array_equal(out, expected.detach().numpy())
    np.testing.assert_allclose(padding.pad2d_backward(g, pads, mode), grad, rtol=1e-13, atol=1e-13)
    out1 = padding.pad1d(x[0], pads[:2], mode, 1.5)
    g1 = data(out1.shape, np.float64, 2)
    expected, grad = torch_grad(partial(functional.pad, pad=pads[:2], mode=mode, **value), x[0], g1)
    np.testing.assert_array_equal(out1, expected.detach().numpy())
    np.testing.assert_allclose(
        padding.pad1d_backward(g1, pads[:2], mode), grad, rtol=1e-13, atol=1e-13
    )


def test_max_pool1d_matches_torch():
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    x = data((2, 3, 11), np.float64)
    values, idx = pool.max_pool1d(x, 3, 2, 1, 2, True)
    fn = partial(
        functional.max_pool1d,
        kernel_size=3,
        stride=2,
        padding=1,
        dilation=2,
        ceil_mode=True,
        return_indices=True,
    )
    expected_values, expected_idx = fn(torch.tensor(x))
    np.testing.assert_array_equal(values, expected_values.numpy())
    np.testing.assert_array_equal(idx, expected_idx.numpy())
