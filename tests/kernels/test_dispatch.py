"""Routing between NumPy and Numba, thread control and the public interface."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from helpers import LARGE, close

import autograd_engine.kernels as K
from autograd_engine.kernels import reference


def test_every_reference_kernel_is_public_with_the_same_signature():
    for name, fn in inspect.getmembers(reference, inspect.isfunction):
        if fn.__module__ == reference.__name__:
            assert name in K.__all__
            assert inspect.signature(getattr(K, name)) == inspect.signature(fn), name


@pytest.mark.parametrize("route", ["elementwise", "rows", "bce_with_logits", "optim"])
def test_numpy_and_numba_routes_agree(monkeypatch, route):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((40, 30)).astype(np.float32)
    t = rng.integers(0, 30, 40)
    calls = {
        "elementwise": lambda: [K.sigmoid(x), K.relu_backward(x, x), K.elu(x, 1.0)],
        "rows": lambda: [K.softmax(x, 0), K.logsumexp(x, 1), K.softmax_cross_entropy(x, t)[0]],
        "bce_with_logits": lambda: [K.bce_with_logits(x, np.abs(x) % 1)],
        "optim": lambda: [step_sgd(x.copy())],
    }
    monkeypatch.setitem(K.ROUTES, route, (0, 0))
    numba_out = calls[route]()
    monkeypatch.setitem(K.ROUTES, route, (0, np.iinfo(np.int64).max))
    numpy_out = calls[route]()
    for a, b in zip(numba_out, numpy_out, strict=True):
        close(a, b, 10.0)


def step_sgd(p):
    K.sgd_step_(p, np.ones_like(p), None, 0.1, 0.0, 0.0, False, 0.0, False)
    return p


def test_unsupported_inputs_go_to_numpy():
    ints = np.arange(-3, 4)
    assert K.relu(ints).dtype == ints.dtype
    np.testing.assert_array_equal(K.relu(ints), reference.relu(ints))
    x32, g64 = np.ones(5, np.float32), np.ones(5)
    close(K.relu_backward(x32, g64), reference.relu_backward(x32, g64))
    row, col = np.ones((1, 4)), np.ones((3, 1))
    close(K.sigmoid_backward(row, col), reference.sigmoid_backward(row, col))
    assert K.tanh is reference.tanh


def test_thread_count_can_be_set():
    before = K.get_num_threads()
    x = np.linspace(-5, 5, LARGE)
    try:
        K.set_num_threads(1)
        assert K.get_num_threads() == 1
        one = K.sigmoid(x)
    finally:
        K.set_num_threads(before)
    close(one, K.sigmoid(x))
    with pytest.raises(ValueError):
        K.set_num_threads(0)
