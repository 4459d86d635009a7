"""Hjorth-Jensen's challenge (LECTURES.md item 18): his hand-coded NumPy backpropagation, the
engine's functional `grad` and `nn` + `optim` give the same gradients and training curve, and his
printed dC/dw1, dC/db1 of the one-hidden-layer scalar network lose the factor w2."""

import numpy as np
import pytest

import autograd_engine as ae
import nn
import optim
from autograd_engine.func import grad, jacfwd, value_and_grad

ETA, STEPS = 0.05, 60


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _start():
    rng = np.random.RandomState(0)
    return [rng.randn(1, 1), np.full(1, 0.01), rng.randn(1, 1), np.full(1, 0.01)]


def _data():
    x = np.linspace(0.0, 1.0, 10).reshape(-1, 1)
    return x, 2 * x + 1.0


def _by_hand():
    """His forward pass and backpropagation (delta_1 = delta_2 w_2^T sigma'(z_1))."""
    x, y = _data()
    w_1, b_1, w_2, b_2 = _start()
    costs, grads = [], []
    for _ in range(STEPS):
        a_1 = _sigmoid(x @ w_1 + b_1)
        a_2 = a_1 @ w_2 + b_2
        delta_2 = a_2 - y
        delta_1 = delta_2 @ w_2.T * a_1 * (1 - a_1)
        g = [x.T @ delta_1, delta_1.sum(0), a_1.T @ delta_2, delta_2.sum(0)]
        costs.append(0.5 * np.sum((a_2 - y) ** 2))
        grads.append(np.concatenate([v.ravel() for v in g]))
        w_1, b_1, w_2, b_2 = (p - ETA * d for p, d in zip((w_1, b_1, w_2, b_2), g))
    return np.array(costs), np.array(grads)


def _cost(w_1, b_1, w_2, b_2, x, y):
    return 0.5 * ((ae.sigmoid(x @ w_1 + b_1) @ w_2 + b_2 - y) ** 2).sum()


def _functional():
    x, y = (ae.tensor(a, dtype=ae.float64) for a in _data())
    params = [ae.tensor(p, dtype=ae.float64) for p in _start()]
    step = value_and_grad(_cost, argnums=(0, 1, 2, 3))
    costs, grads = [], []
    for _ in range(STEPS):
        c, g = step(*params, x, y)
        costs.append(c.item())
        grads.append(np.concatenate([t.numpy().ravel() for t in g]))
        params = [p - ETA * d for p, d in zip(params, g)]
    return np.array(costs), np.array(grads)


def _modules():
    x, y = (ae.tensor(a, dtype=ae.float64) for a in _data())
    net = nn.Sequential(nn.Linear(1, 1), nn.Sigmoid(), nn.Linear(1, 1)).double()
    w_1, b_1, w_2, b_2 = _start()
    with ae.no_grad():
        for p, v in zip(net.parameters(), (w_1.T, b_1, w_2.T, b_2)):
            p.copy_(ae.tensor(v, dtype=ae.float64))
    opt = optim.SGD(net.parameters(), lr=ETA)
    costs, grads = [], []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = 0.5 * ((net(x) - y) ** 2).sum()
        loss.backward()
        costs.append(loss.item())
        grads.append(np.concatenate([p.grad.numpy().ravel() for p in net.parameters()]))
        opt.step()
    return np.array(costs), np.array(grads)


@pytest.mark.parametrize("implementation", [_functional, _modules], ids=["func.grad", "nn+optim"])
def test_same_gradients_and_curve_as_hand_coded_backprop(implementation):
    hand_costs, hand_grads = _by_hand()
    costs, grads = implementation()
    np.testing.assert_allclose(grads, hand_grads, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(costs, hand_costs, rtol=1e-10, atol=1e-12)
    assert hand_costs[-1] < 0.2 * hand_costs[0]


def test_forward_mode_gives_the_same_gradient():
    x, y = (ae.tensor(a, dtype=ae.float64) for a in _data())
    params = [ae.tensor(p, dtype=ae.float64) for p in _start()]
    reverse = grad(_cost, argnums=(0, 1, 2, 3))(*params, x, y)
    forward = jacfwd(_cost, argnums=(0, 1, 2, 3))(*params, x, y)
    for r, f in zip(reverse, forward):
        np.testing.assert_allclose(f.numpy(), r.numpy(), rtol=1e-12)


def test_his_hidden_layer_formulas_lose_w2():
    """dC/dw1 = (a2 - y) s2' a1 s1' a0 and dC/db1 = (a2 - y) s2' s1' as printed; w2 belongs
    where he wrote a1 (dz2/da1 = w2) and is missing from dC/db1."""
    w1, w2, b1, b2, x0, y0 = 1.7640523, -0.4001572, 0.01, 0.01, 4.0, 9.0

    def cost(w1, b1, w2, b2):
        return 0.5 * (ae.sigmoid(w2 * ae.sigmoid(w1 * x0 + b1) + b2) - y0) ** 2

    values = [ae.tensor(v, dtype=ae.float64) for v in (w1, b1, w2, b2)]
    e_w1, e_b1, e_w2, e_b2 = (g.item() for g in grad(cost, argnums=(0, 1, 2, 3))(*values))
    a1 = _sigmoid(w1 * x0 + b1)
    a2 = _sigmoid(w2 * a1 + b2)
    d1, d2 = a1 * (1 - a1), a2 * (1 - a2)
    assert e_w2 == pytest.approx((a2 - y0) * d2 * a1, rel=1e-12)
    assert e_b2 == pytest.approx((a2 - y0) * d2, rel=1e-12)
    his_w1, his_b1 = (a2 - y0) * d2 * a1 * d1 * x0, (a2 - y0) * d2 * d1
    assert np.sign(his_w1) != np.sign(e_w1) and np.sign(his_b1) != np.sign(e_b1)  # w2 < 0
    assert e_w1 == pytest.approx((a2 - y0) * d2 * w2 * d1 * x0, rel=1e-12)
    assert e_b1 == pytest.approx((a2 - y0) * d2 * w2 * d1, rel=1e-12)
