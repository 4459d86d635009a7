"""Hjorth-Jensen's regressions and the universal-approximation picture (small and fast)."""

import numpy as np
import pytest

import autograd_engine as ae
import nn
import nn.functional as F
import optim
from nn.data import make_linear, make_quadratic


def test_single_neuron_learns_y_equals_2x_plus_1():
    ae.manual_seed(0)
    x, y = (ae.tensor(a) for a in make_linear(100, noise=0.0, seed=0))
    neuron = nn.Linear(1, 1)
    opt = optim.SGD(neuron.parameters(), lr=0.5)
    for _ in range(80):
        opt.zero_grad()
        (0.5 * ((neuron(x) - y) ** 2).mean()).backward()
        opt.step()
    assert neuron.weight.item() == pytest.approx(2.0, abs=1e-3)
    assert neuron.bias.item() == pytest.approx(1.0, abs=1e-3)


def test_learning_rate_above_two_diverges_for_the_neuron():
    """Curvatures 1/3 and 1 for x ~ U(-1, 1): GD is stable only for lr < 2."""
    x, y = (ae.tensor(a) for a in make_linear(100, noise=0.0, seed=0))

    def final_cost(lr):
        ae.manual_seed(0)
        neuron = nn.Linear(1, 1)
        opt = optim.SGD(neuron.parameters(), lr=lr)
        for _ in range(40):
            opt.zero_grad()
            cost = 0.5 * ((neuron(x) - y) ** 2).mean()
            cost.backward()
            opt.step()
        return cost.item()

    assert final_cost(1.0) < 1e-6 < final_cost(0.01)
    assert final_cost(2.1) > 1.0


def test_one_hidden_layer_fits_the_quadratic_on_100_points():
    ae.manual_seed(0)
    X, Y = (ae.tensor(a) for a in make_quadratic(100, seed=0))
    Xt, Yt = (ae.tensor(a) for a in make_quadratic(500, seed=1))
    net = nn.Sequential(nn.Linear(2, 20), nn.Sigmoid(), nn.Linear(20, 1))
    opt = optim.Adam(net.parameters(), lr=0.02)
    for _ in range(600):
        opt.zero_grad()
        F.mse_loss(net(X), Y).backward()
        opt.step()
    with ae.no_grad():
        test_mse = F.mse_loss(net(Xt), Yt).item()
    assert test_mse < 0.05 * Yt.numpy().var()


class ReLUSum(nn.Module):
    """f(x) = sum_i w_i ReLU(x + b_i), as on the slides."""

    def __init__(self, n):
        super().__init__()
        self.b = nn.Parameter(ae.tensor(2 - 4 * np.arange(n) / n, dtype=ae.float64))
        self.w = nn.Parameter(ae.randn(n, dtype=ae.float64) * 0.1)

    def forward(self, x):
        return ae.relu(x + self.b) @ self.w


def test_universal_approximation_error_falls_with_units():
    xs = np.linspace(-2, 2, 100)
    X = ae.tensor(xs[:, None], dtype=ae.float64)
    Y = ae.tensor(np.sin(3 * xs) + 0.5 * xs, dtype=ae.float64)
    errors = []
    for n in (1, 3, 13):
        ae.manual_seed(0)
        model = ReLUSum(n)
        opt = optim.Adam(model.parameters(), lr=0.03)
        for _ in range(700):
            opt.zero_grad()
            loss = ((model(X) - Y) ** 2).mean()
            loss.backward()
            opt.step()
        errors.append(loss.item())
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 0.1 * errors[0]
