"""Vanishing gradients: sigma' <= 1/4, the chain-rule product, and a deep sigmoid MLP."""

import itertools

import numpy as np
import pytest

import autograd_engine as ae
import nn
import nn.functional as F
from nn.data import load_digits


def test_sigmoid_derivative_is_at_most_a_quarter():
    xs = ae.linspace(-30, 30, 6001, dtype=ae.float64, requires_grad=True)
    (d,) = ae.grad(ae.sigmoid(xs).sum(), [xs])
    d = d.numpy()
    assert d.min() >= 0.0
    assert d.max() == pytest.approx(0.25, abs=1e-15)
    assert xs.numpy()[d.argmax()] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_sigmoid_chain_gradient_is_product_of_local_derivatives(seed):
    rng = np.random.default_rng(seed)
    x = ae.tensor(rng.normal(), dtype=ae.float64)
    w1, w2, w3 = (ae.tensor(v, dtype=ae.float64, requires_grad=True) for v in rng.uniform(-1, 1, 3))
    u1 = w1 * x
    u2 = ae.sigmoid(u1)
    u3 = w2 * u2
    u4 = ae.sigmoid(u3)
    u5 = w3 * u4
    y_hat = ae.sigmoid(u5)
    y_hat.backward()

    def dsig(u):
        s = 1 / (1 + np.exp(-u.item()))
        return s * (1 - s)

    product = dsig(u5) * w3.item() * dsig(u3) * w2.item() * dsig(u1) * x.item()
    assert w1.grad.item() == pytest.approx(product, rel=1e-12)
    bound = 0.25**3 * abs(w3.item() * w2.item() * x.item())
    assert abs(w1.grad.item()) <= bound


def _layer_grad_std(act, init=None):
    ae.manual_seed(0)
    X, Y = load_digits(scale=True)
    X = (X - X.mean(0)) / (X.std(0) + 1e-8)
    layers = [nn.Linear(64, 64), act()]
    for _ in range(4):
        layers += [nn.Linear(64, 64), act()]
    net = nn.Sequential(*layers, nn.Linear(64, 10))
    linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
    if init is not None:
        for m in linears:
            init(m.weight)
    F.cross_entropy(net(ae.tensor(X[:128])), Y[:128]).backward()
    return [m.weight.grad.numpy().std() for m in linears]


def test_deep_sigmoid_gradients_vanish_towards_the_input_but_relu_he_do_not():
    sig = _layer_grad_std(nn.Sigmoid)
    relu = _layer_grad_std(nn.ReLU, lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"))
    assert sig[0] / sig[4] < 0.01  # five sigmoid layers: the first learns 100x slower
    assert all(a < b for a, b in itertools.pairwise(sig[:5]))  # shrinking layer after layer
    assert 0.3 < relu[0] / relu[4] < 3.0
