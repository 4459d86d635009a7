"""Softmax family and softmax cross-entropy kernels against the NumPy references."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import DTYPES, close, float_arrays
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_engine.kernels as K
from autograd_engine.kernels import losses, reductions, reference

ROW_EXTREMES = np.array(
    [
        [1e4, -1e4, 0.0],
        [1e4, 1e4, 1e4],
        [-1e4, -1e4, -1e4],
        [np.inf, 0.0, 1.0],
        [-np.inf, -np.inf, -np.inf],
        [-np.inf, 0.0, 1.0],
        [np.nan, 0.0, 1.0],
    ]
)


def scale_of(x: np.ndarray) -> float:
    return float(np.max(np.abs(x), initial=1.0))


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_softmax_family_matches_reference_on_any_axis(dtype, data):
    x = data.draw(float_arrays(dtype, bound=100.0, max_dims=4))
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    g = np.resize(data.draw(float_arrays(dtype, bound=3.0)), x.shape).astype(dtype)
    view = np.swapaxes(x, 0, -1)  # non-contiguous when ndim > 1
    for module in (reductions, K):
        for keepdims in (False, True):
            expected = reference.logsumexp(x, axis, keepdims)
            close(module.logsumexp(x, axis, keepdims), expected, scale_of(x))
        close(module.softmax(x, axis), reference.softmax(x, axis))
        close(module.softmax(view, axis), reference.softmax(view, axis))
        close(module.log_softmax(x, axis), reference.log_softmax(x, axis), scale_of(x))
        y = reference.softmax(x, axis)
        close(module.softmax_backward(y, g, axis), reference.softmax_backward(y, g, axis), 3.0)
        y = reference.log_softmax(x, axis)
        expected = reference.log_softmax_backward(y, g, axis)
        close(module.log_softmax_backward(y, g, axis), expected, 3.0 * x.shape[axis])


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_family_extreme_rows(dtype):
    x = ROW_EXTREMES.astype(dtype)
    with np.errstate(all="ignore"):
        for name in ("softmax", "log_softmax", "logsumexp"):
            close(getattr(reductions, name)(x, 1), getattr(reference, name)(x, 1), 1e4)
    finite = x[:3]
    assert np.all(np.isfinite(reductions.logsumexp(finite, 1)))
    assert np.all(np.isfinite(reductions.softmax(finite, 1)))
    assert np.all(np.isfinite(reductions.log_softmax(finite, 1)))


def check_cross_entropy(module, logits, target, g, scale):
    """Losses within a few ulps of `scale`, softmax and the gradient within a few ulps."""
    losses, probs = module.softmax_cross_entropy(logits, target)
    expected, expected_probs = reference.softmax_cross_entropy(logits, target)
    close(losses, expected, scale)
    close(probs, expected_probs)
    expected = reference.softmax_cross_entropy_backward(expected_probs, target, g)
    close(module.softmax_cross_entropy_backward(probs, target, g), expected, 3.0)


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_softmax_cross_entropy_matches_reference(dtype, data):
    logits = data.draw(float_arrays(dtype, bound=1e3, max_dims=2).filter(lambda a: a.ndim == 2))
    rows, classes = logits.shape
    target = np.array(
        data.draw(st.lists(st.integers(-classes, classes - 1), min_size=rows, max_size=rows)),
        np.int64,
    )
    g = np.resize(data.draw(float_arrays(dtype, bound=3.0)), rows).astype(dtype)
    for module in (losses, K):
        for lg in (logits, np.asfortranarray(logits)):
            check_cross_entropy(module, lg, target, g, 2e3)


@pytest.mark.parametrize("dtype", DTYPES)
def test_large_softmax_and_cross_entropy(dtype):
    rng = np.random.default_rng(3)
    logits = (rng.standard_normal((700, 130)) * 30).astype(dtype)
    target = rng.integers(0, 130, 700).astype(np.int32)
    g = rng.standard_normal(700).astype(dtype)
    for module in (reductions, K):
        close(module.softmax(logits, 0), reference.softmax(logits, 0))
        close(module.log_softmax(logits, -1), reference.log_softmax(logits, -1), 200.0)
    for module in (losses, K):
        check_cross_entropy(module, logits, target, g, 200.0)


def test_cross_entropy_extreme_logits_stay_finite():
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], np.float32)
    target = np.array([1, 2])
    loss, probs = losses.softmax_cross_entropy(logits, target)
    close(loss, reference.softmax_cross_entropy(logits, target)[0], 1e4)
    assert np.all(np.isfinite(loss))
    grad = losses.softmax_cross_entropy_backward(probs, target, np.ones(2, np.float32))
    assert np.all(np.isfinite(grad))


@pytest.mark.parametrize("bad", [3, -4])
def test_cross_entropy_target_out_of_range_raises(bad):
    logits = np.zeros((2, 3))
    target = np.array([0, bad])
    with pytest.raises(IndexError):
        losses.softmax_cross_entropy(logits, target)
    with pytest.raises(IndexError):
        losses.softmax_cross_entropy_backward(logits, target, np.ones(2))
