"""matmul follows np.matmul; the tiled reference kernel agrees with BLAS."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import DTYPES, close, float_arrays
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_engine.kernels as K
from autograd_engine.kernels import linalg
from autograd_engine.kernels.linalg import transposed

SHAPES = [
    ((5,), (5,)),
    ((5,), (5, 3)),
    ((4, 5), (5,)),
    ((4, 5), (5, 3)),
    ((784, 1), (1, 256)),
    ((2, 4, 5), (5, 3)),
    ((5,), (2, 5, 3)),
    ((2, 4, 5), (5,)),
    ((3, 1, 4, 1), (2, 1, 6)),
    ((2, 1, 4, 5), (3, 5, 2)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("sa", "sb"), SHAPES)
def test_matmul_matches_numpy(dtype, sa, sb):
    rng = np.random.default_rng(4)
    a = rng.standard_normal(sa).astype(dtype)
    b = rng.standard_normal(sb).astype(dtype)
    expected = np.matmul(a, b)
    for x, y in ((a, b), (np.asfortranarray(a), np.asfortranarray(b))):
        actual = np.asarray(K.matmul(x, y))
        close(actual, np.asarray(expected), float(np.sqrt(sa[-1])))


def test_matmul_transposed_views_and_mixed_dtypes():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((1, 7)).astype(np.float32)
    g = rng.standard_normal((1, 3)).astype(np.float64)
    close(K.matmul(x.T, g), np.matmul(x.T, g), 3.0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_outer_products_are_exact_for_any_layout(dtype):
    """Inner dimension 1 goes to the outer-product loop: every output is one rounded product,
    so it equals NumPy's exactly, for column views, strided rows and empty sides alike."""
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 40)).astype(dtype)
    g = rng.standard_normal((2, 30)).astype(dtype)
    cases = [
        (x[:1].T, g[:1]),  # the batch-1 weight gradient X.T @ G
        (x[:1, ::2].T, g[1:, ::-1]),  # strided column and reversed row
        (np.ascontiguousarray(x[:1].T), g[:1, :0]),  # no columns
    ]
    for a, b in cases:
        actual = K.matmul(a, b)
        assert actual.dtype == dtype and actual.flags.c_contiguous
        np.testing.assert_array_equal(actual, a * b)


def test_matmul_rejects_scalars_and_mismatched_shapes():
    with pytest.raises(ValueError):
        K.matmul(np.ones(3), np.float64(2.0))
    with pytest.raises(ValueError):
        K.matmul(np.ones((2, 3)), np.ones((4, 2)))
    with pytest.raises(ValueError):
        K.matmul(np.ones((2, 2, 3)), np.ones((4, 2)))


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_tiled_kernel_equals_blas(dtype, data):
    m, k, n = (data.draw(st.integers(1, 150)) for _ in range(3))
    a = data.draw(float_arrays(dtype, bound=4.0, max_dims=1)).astype(dtype)
    a = np.resize(a, (m, k)).astype(dtype)
    b = np.resize(a[::-1], (k, n)).astype(dtype) * dtype(0.5)
    close(K.matmul_tiled(a, b), K.matmul(a, b), 16.0 * k)
    close(K.matmul_tiled(a.T.copy().T, b), np.dot(a, b), 16.0 * k)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "x_shape,out_features",
    [
        ((1, 520), 20),  # one row: x W^T
        ((32, 520), 20),  # a few rows, many features: transposed, written back
        ((4, 8, 520), 20),
        ((32, 130), 20),  # fewer features: x W^T
        ((100, 520), 16),  # many rows: x W^T
        ((32, 520), 3),  # few outputs: x W^T
    ],
)
@pytest.mark.parametrize("bias", [True, False])
def test_linear_is_the_product_with_the_transposed_weight_plus_bias(
    dtype, x_shape, out_features, bias
):
    """Both ways of forming x W^T + b (transposed product written back, or x W^T) give it."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal((out_features, x_shape[-1])).astype(dtype)
    b = rng.standard_normal(out_features).astype(dtype) if bias else None
    got = K.linear(x, w, b)
    assert got.dtype == dtype and got.flags.c_contiguous
    scale = float(np.sqrt(x_shape[-1]))
    expected = x @ w.T if b is None else x @ w.T + b
    close(got, expected.astype(dtype), scale)
    close(K.linear(np.asfortranarray(x), w, b), got, scale)  # another layout: the other way


def test_the_transposed_write_back_covers_partial_tiles():
    rng = np.random.default_rng(6)
    src, b = rng.standard_normal((37, 21)), rng.standard_normal(37)
    out = np.empty((21, 37))
    linalg._transpose_add(src, b, out)
    np.testing.assert_array_equal(out, src.T + b)
    linalg._transpose_add(src, None, out)
    np.testing.assert_array_equal(out, src.T)


@pytest.mark.parametrize("dtype", [*DTYPES, np.float16])
@pytest.mark.parametrize("shape", [(1, 1), (16, 16), (3, 40), (35, 17), (512, 128), (28, 512)])
def test_transposed_is_a_contiguous_copy_of_the_transpose(dtype, shape):
    a = (np.arange(np.prod(shape)) % 1000).reshape(shape).astype(dtype)
    for src in (a, a[:, ::-1]):
        out = transposed(src)
        assert out.flags.c_contiguous and out.dtype == dtype
        np.testing.assert_array_equal(out, src.T)
