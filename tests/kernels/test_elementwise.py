"""Numba elementwise kernels against the NumPy references."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import DTYPES, LARGE, close, float_arrays, noncontiguous
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_engine.kernels as K
from autograd_engine.kernels import elementwise, losses, reference

# name, module holding the kernel, extra arguments; backward ones take (x or y, g)
FORWARD = [
    ("sigmoid", elementwise, ()),
    ("relu", elementwise, ()),
    ("leaky_relu", elementwise, (0.01,)),
    ("elu", elementwise, (1.3,)),
    ("softplus", elementwise, ()),
]
BACKWARD = [
    ("sigmoid_backward", elementwise, ()),
    ("tanh_backward", elementwise, ()),
    ("relu_backward", elementwise, ()),
    ("leaky_relu_backward", elementwise, (0.2,)),
    ("elu_backward", elementwise, (0.7,)),
    ("softplus_backward", elementwise, ()),
]
EXTREMES = [0.0, -0.0, 1e-30, -1e-30, 1.0, -1.0, 88.0, -88.0, 1e4, -1e4, np.inf, -np.inf, np.nan]


def check_forward(name, module, extra, x):
    expected = getattr(reference, name)(x, *extra)
    close(getattr(module, name)(x, *extra), expected)
    close(getattr(K, name)(x, *extra), expected)


def check_backward(name, module, extra, x, g):
    expected = getattr(reference, name)(x, g, *extra)
    scale = float(np.max(np.abs(g), initial=1.0))
    close(getattr(module, name)(x, g, *extra), expected, scale)
    close(getattr(K, name)(x, g, *extra), expected, scale)


@pytest.mark.parametrize(("name", "module", "extra"), FORWARD)
@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_forward_matches_reference(name, module, extra, dtype, data):
    x = data.draw(float_arrays(dtype))
    check_forward(name, module, extra, x)
    check_forward(name, module, extra, noncontiguous(x))


@pytest.mark.parametrize(("name", "module", "extra"), BACKWARD)
@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_backward_matches_reference(name, module, extra, dtype, data):
    x = data.draw(float_arrays(dtype))
    g = data.draw(float_arrays(dtype, bound=10.0))
    g = np.resize(g, x.shape).astype(dtype)
    if name in ("sigmoid_backward", "tanh_backward"):
        x = getattr(reference, name.removesuffix("_backward"))(x)  # they take the output
    check_backward(name, module, extra, x, g)
    check_backward(name, module, extra, x.T, g.T)


@pytest.mark.parametrize(("name", "module", "extra"), FORWARD + BACKWARD)
@pytest.mark.parametrize("dtype", DTYPES)
def test_extreme_values(name, module, extra, dtype):
    x = np.array(EXTREMES, dtype)
    g = np.linspace(-2, 2, x.size).astype(dtype)
    with np.errstate(all="ignore"):
        if name.endswith("_backward"):
            check_backward(name, module, extra, x, g)
        else:
            check_forward(name, module, extra, x)
    finite = x[np.isfinite(x)]
    if name in ("sigmoid", "softplus", "elu"):
        assert np.all(np.isfinite(getattr(module, name)(finite, *extra)))


@pytest.mark.parametrize(("name", "module", "extra"), FORWARD + BACKWARD)
@pytest.mark.parametrize("dtype", DTYPES)
def test_large_arrays_use_parallel_kernels_correctly(name, module, extra, dtype):
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(LARGE) * 10).astype(dtype)
    if name.endswith("_backward"):
        check_backward(name, module, extra, x, rng.standard_normal(LARGE).astype(dtype))
    else:
        check_forward(name, module, extra, x)


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_bce_with_logits_matches_reference(dtype, data):
    x = data.draw(float_arrays(dtype))
    t = np.resize(data.draw(float_arrays(dtype, bound=1.0)), x.shape).astype(dtype)
    g = np.resize(data.draw(float_arrays(dtype, bound=5.0)), x.shape).astype(dtype)
    for module in (losses, K):
        close(module.bce_with_logits(x, t), reference.bce_with_logits(x, t), 60.0)
        expected = reference.bce_with_logits_backward(x, t, g)
        close(module.bce_with_logits_backward(x.T, t.T, g.T), expected.T, 5.0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_large_bce_with_logits(dtype):
    rng = np.random.default_rng(2)
    x = (rng.standard_normal(LARGE) * 10).astype(dtype)
    t = rng.random(LARGE).astype(dtype)
    g = rng.standard_normal(LARGE).astype(dtype)
    for module in (losses, K):
        close(module.bce_with_logits(x, t), reference.bce_with_logits(x, t), 60.0)
        close(module.bce_with_logits_backward(x, t, g), reference.bce_with_logits_backward(x, t, g))


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_with_logits_finite_for_huge_logits(dtype):
    x = np.array([1e4, -1e4, 0.0], dtype)
    t = np.array([0.0, 1.0, 0.5], dtype)
    loss = losses.bce_with_logits(x, t)
    close(loss, reference.bce_with_logits(x, t), 1e4)
    assert np.all(np.isfinite(loss))
    assert np.all(np.isfinite(losses.bce_with_logits_backward(x, t, np.ones_like(x))))
