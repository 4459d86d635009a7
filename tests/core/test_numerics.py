"""Numerical stability: softmax-family and loss primitives stay finite for extreme inputs.

Each check runs on a small input and on one above the kernels' size thresholds, so both
dispatch routes (Numba and NumPy) are covered, in float32 and float64.
"""

import numpy as np
import pytest

import autograd_engine as ae
from autograd_engine.testing import gradcheck

DTYPES = [ae.float32, ae.float64]
SIZES = [2, 8192]  # columns: a small row, and a row past the fused kernels' thresholds


def atol(dtype):
    """Half a float32 ulp at 1e4 bounds the rounding of x - lse for |x| = 1e4."""
    return 1e-3 if dtype == ae.float32 else 1e-9


def test_softmax_of_0_and_10():
    p = ae.softmax(ae.tensor([0.0, 10.0]))
    np.testing.assert_allclose(p.numpy(), [0.0000454, 0.9999546], atol=1e-7)
    np.testing.assert_allclose(np.round(p.numpy(), 5), [0.00005, 0.99995], rtol=1e-6)


def extreme(dtype, n, requires_grad=True):
    """A (2, n) row pair of +-1e4 logits."""
    row = np.where(np.arange(n) % 2 == 0, 1e4, -1e4)
    return ae.tensor(np.stack([row, -row]), dtype=dtype, requires_grad=requires_grad)


def check_finite(out, x):
    assert np.all(np.isfinite(out.numpy())), "forward"
    out.backward(ae.ones_like(out))
    assert x.grad.dtype == x.dtype and np.all(np.isfinite(x.grad.numpy())), "backward"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_logsumexp(dtype, n):
    x = extreme(dtype, n)
    out = ae.logsumexp(x, axis=1)
    np.testing.assert_allclose(out.numpy(), 1e4 + np.log(n / 2), atol=atol(dtype))
    check_finite(out, x)
    np.testing.assert_allclose(x.grad.numpy().sum(axis=1), 1.0, atol=atol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_softmax_and_log_softmax(dtype, n):
    x = extreme(dtype, n)
    p = ae.softmax(x, axis=1)
    np.testing.assert_allclose(p.numpy().sum(axis=1), 1.0, rtol=1e-5)
    assert p.numpy().min() == 0.0
    check_finite(p, x)
    x = extreme(dtype, n)
    logp = ae.log_softmax(x, axis=1)
    expected = [-np.log(n / 2), -2e4 - np.log(n / 2)]
    np.testing.assert_allclose(logp.numpy()[0, :2], expected, rtol=1e-7, atol=atol(dtype))
    check_finite(logp, x)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_sigmoid(dtype, n):
    x = extreme(dtype, n)
    y = ae.sigmoid(x)
    assert y.numpy()[0, 0] == 1.0 and y.numpy()[0, 1] == 0.0
    check_finite(y, x)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_bce_with_logits(dtype, n):
    x = extreme(dtype, n)
    target = (extreme(dtype, n, requires_grad=False).numpy() < 0).astype(dtype)  # all wrong
    loss = ae.bce_with_logits(x, target)
    np.testing.assert_allclose(loss.numpy(), 1e4, rtol=1e-6)
    check_finite(loss, x)
    np.testing.assert_allclose(np.abs(x.grad.numpy()), 1.0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_softmax_cross_entropy(dtype, n):
    x = extreme(dtype, n)
    loss = ae.softmax_cross_entropy(x, [1, 1])  # class 1: -1e4 in row 0, +1e4 in row 1
    expected = [2e4 + np.log(n / 2), np.log(n / 2)]
    np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-7, atol=atol(dtype))
    check_finite(loss, x)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: ae.softmax(x, axis=1),
        lambda x: ae.log_softmax(x, axis=0),
        lambda x: ae.logsumexp(x, axis=1),
        ae.sigmoid,
        ae.tanh,
        ae.softplus,
        lambda x: ae.elu(x, 0.5),
        lambda x: ae.leaky_relu(x, 0.1),
        lambda x: ae.bce_with_logits(x, 0.25),
        lambda x: ae.softmax_cross_entropy(x, np.arange(x.shape[0]) % x.shape[1]),
        lambda x: x @ x.T,
    ],
)
def test_gradients_of_large_inputs(fn):
    """Past the kernels' size thresholds, checked along random directions."""
    rng = np.random.default_rng(0)
    x = ae.tensor(rng.standard_normal((96, 96)), dtype=ae.float64, requires_grad=True)
    assert gradcheck(fn, [x])


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(
    "offset, scale",
    [(0.0, 1e4), (1e4, 1.0), (-3e4, 10.0), (1e4, 1e-2)],
    ids=["spread 1e4", "near 1e4", "near -3e4", "near 1e4, spread 1e-2"],
)
def test_float32_log_softmax_of_large_logits_is_as_accurate_as_torch(n, offset, scale):
    """x - max is exact: rounding logsumexp(x) to float32 first would cost 5e-4 near 1e4."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    scales = np.array([[scale], [1.0], [scale * 1e-3], [1e3]])  # mixed scales across rows
    x = (offset + rng.standard_normal((4, n)) * scales).astype(np.float32)
    exact = torch.log_softmax(torch.from_numpy(x).double(), 1).numpy()
    theirs = torch.log_softmax(torch.from_numpy(x), 1).numpy()
    ours = ae.log_softmax(ae.tensor(x), axis=1).numpy()
    assert ours.dtype == np.float32
    bound = np.abs(theirs - exact).max() * 1.01 + 1e-6
    assert np.abs(ours - exact).max() <= bound


@pytest.mark.parametrize("n", SIZES)
def test_relu_passes_nan_gradients_as_torch(n):
    """NaN upstream at x > 0 passes, at x <= 0 becomes 0; a NaN input passes its gradient."""
    torch = pytest.importorskip("torch")
    x = np.resize(np.array([np.nan, 1.0, -1.0, 0.0, 2.0]), n)
    g = np.resize(np.array([1.0, np.nan, np.nan, np.nan, 3.0]), n)
    for dtype in DTYPES:
        ours = ae.tensor(x, dtype=dtype, requires_grad=True)
        ae.relu(ours).backward(ae.tensor(g, dtype=dtype))
        theirs = torch.tensor(x, requires_grad=True)
        torch.relu(theirs).backward(torch.tensor(g))
        np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy().astype(dtype))
        np.testing.assert_array_equal(ae.relu(ours).numpy(), torch.relu(theirs).detach().numpy())
