"""Petersen's softmax example and its numerical stability."""

import numpy as np
import pytest

import autograd_engine as ae


def test_softmax_0_10_is_the_slide_value():
    s = ae.softmax(ae.tensor([0.0, 10.0], dtype=ae.float64)).numpy()
    np.testing.assert_allclose(s, [1 / (1 + np.exp(10)), np.exp(10) / (1 + np.exp(10))], rtol=1e-14)
    assert [round(v, 5) for v in s] == [0.00005, 0.99995]


@pytest.mark.parametrize("dtype", [ae.float32, ae.float64])
@pytest.mark.parametrize("z", [[1000.0, 1010.0], [-1e30, 1e30], [3e38, 3e38], [-3e38, 0.0]])
def test_softmax_stays_finite_for_huge_inputs(dtype, z):
    out = ae.softmax(ae.tensor(z, dtype=dtype)).numpy()
    assert np.all(np.isfinite(out))
    assert out.sum() == pytest.approx(1.0, rel=1e-6)
    assert np.all(np.isfinite(ae.log_softmax(ae.tensor(z, dtype=dtype)).numpy()))


def test_softmax_is_shift_invariant():
    a = ae.softmax(ae.tensor([1000.0, 1010.0], dtype=ae.float64)).numpy()
    b = ae.softmax(ae.tensor([0.0, 10.0], dtype=ae.float64)).numpy()
    np.testing.assert_allclose(a, b, rtol=1e-12)


def test_softmax_jacobian_is_diag_minus_outer():
    z = ae.tensor([0.0, 10.0, 2.0], dtype=ae.float64, requires_grad=True)
    s = ae.softmax(z)
    rows = [
        ae.grad(s, [z], grad_outputs=[ae.tensor(np.eye(3)[i])], retain_graph=True)[0].numpy()
        for i in range(3)
    ]
    sn = s.detach().numpy()
    np.testing.assert_allclose(np.stack(rows), np.diag(sn) - np.outer(sn, sn), atol=1e-15)
