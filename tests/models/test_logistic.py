"""Logistic regression: the engine's gradient of the cross-entropy is sum_j (f(x_j) - t_j) x_j."""

import numpy as np

import autograd_engine as ae
from nn.data import load_digits, make_gaussian_classes
from nn.models import LogisticRegression


def test_engine_gradient_equals_the_closed_form():
    ae.manual_seed(0)
    x, t = make_gaussian_classes(n=50, seed=3)
    model = LogisticRegression(2)
    model.loss(model(ae.tensor(x)), t, reduction="sum").backward()
    w, b = model.linear.weight.numpy()[0], model.linear.bias.numpy()[0]
    f = 1 / (1 + np.exp(-(x @ w + b)))
    x_star = np.concatenate([np.ones((len(x), 1)), x], axis=1)  # x* = (1, x)
    grad = ((f - t)[:, None] * x_star).sum(axis=0)
    np.testing.assert_allclose(model.linear.bias.grad.numpy(), grad[:1], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(model.linear.weight.grad.numpy()[0], grad[1:], rtol=1e-4, atol=1e-5)


def test_gradient_descent_and_sgd_both_learn():
    x, t = make_gaussian_classes(n=300, seed=4)
    for batch_size in (None, 16):
        ae.manual_seed(0)
        model = LogisticRegression(2)
        initial = model.loss(model(ae.tensor(x)), t).item()
        losses = model.fit(x, t, epochs=30, lr=0.5, batch_size=batch_size)
        assert losses[-1] < 0.6 * initial
        assert (model.predict(x) == t).mean() > 0.85


def test_multinomial_on_digits():
    x, y = load_digits(scale=True)
    ae.manual_seed(0)
    model = LogisticRegression(64, num_classes=10)
    model.fit(x[:1000], y[:1000], epochs=20, lr=0.5, batch_size=50)
    assert (model.predict(x[1000:]) == y[1000:]).mean() > 0.9
    assert model.predict_proba(x[:3]).shape == (3, 10)
