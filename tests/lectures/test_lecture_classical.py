"""LDA in closed form, Rosenblatt's perceptron, and logistic regression's gradient (Donini)."""

import numpy as np
import pytest

import autograd_engine as ae
from nn.data import make_gaussian_classes, make_separable

F64 = ae.float64


def lda(X, t):
    mu0, mu1 = X[t == 0].mean(0), X[t == 1].mean(0)
    centred = np.where((t == 1)[:, None], X - mu1, X - mu0)
    sigma = centred.T @ centred / (len(X) - 2)
    prior = t.mean()
    si = np.linalg.inv(sigma)
    w = si @ (mu1 - mu0)
    b = 0.5 * (mu0 @ si @ mu0 - mu1 @ si @ mu1) + np.log(prior / (1 - prior))
    return w, b, (mu0, mu1, sigma, prior)


@pytest.mark.parametrize("n", [200, 301])
def test_lda_closed_form_is_the_bayes_posterior(n):
    X, t = make_gaussian_classes(n, seed=1)
    X = X.astype(np.float64)
    w, b, (mu0, mu1, sigma, prior) = lda(X, t)
    p = ae.sigmoid(ae.tensor(X, dtype=F64) @ ae.tensor(w, dtype=F64) + b).numpy()
    si = np.linalg.inv(sigma)

    def density(mu):
        d = X - mu
        return np.exp(-0.5 * np.einsum("ni,ij,nj->n", d, si, d))  # shared normaliser cancels

    bayes = prior * density(mu1) / (prior * density(mu1) + (1 - prior) * density(mu0))
    np.testing.assert_allclose(p, bayes, atol=1e-12)
    assert ((p > 0.5) == t).mean() > 0.8


def perceptron(X, t, eta=0.5, epochs=200):
    Xa = ae.tensor(np.hstack([X, np.ones((len(X), 1))]), dtype=F64)
    w = ae.zeros(Xa.shape[1], dtype=F64)
    history = []
    for _ in range(epochs):
        mistakes = 0
        for xi, ti in zip(Xa, t):
            if ti * (w @ xi).item() <= 0:
                w = w + eta * float(ti) * xi
                mistakes += 1
        history.append(mistakes)
        if mistakes == 0:
            break
    return w, Xa, history


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_perceptron_converges_on_separable_data(seed):
    X, t = make_separable(120, signed=True, seed=seed, margin=0.05)
    w, Xa, history = perceptron(X, t)
    assert history[-1] == 0
    assert len(history) < 200
    assert np.all(np.sign((Xa @ w).numpy()) == t)


def test_logistic_gradient_equals_closed_form():
    X, t = make_gaussian_classes(150, seed=3)
    Xs = ae.tensor(np.hstack([np.ones((len(X), 1)), X]), dtype=F64)
    T = ae.tensor(t, dtype=F64)
    w = ae.tensor([0.3, -0.2, 0.5], dtype=F64, requires_grad=True)
    f = ae.sigmoid(Xs @ w)
    (-(T * ae.log(f) + (1 - T) * ae.log(1 - f)).sum()).backward()
    closed = (f.detach().numpy() - t) @ Xs.numpy()
    np.testing.assert_allclose(w.grad.numpy(), closed, rtol=1e-12)


def test_logistic_gd_and_sgd_decrease_the_loss_towards_lda():
    X, t = make_gaussian_classes(200, seed=0)
    Xs = ae.tensor(np.hstack([np.ones((len(X), 1)), X]), dtype=F64)
    T = ae.tensor(t, dtype=F64)

    def loss(w, idx=slice(None)):
        f = ae.sigmoid(Xs[idx] @ w)
        return -(T[idx] * ae.log(f) + (1 - T[idx]) * ae.log(1 - f)).sum()

    w = ae.zeros(3, dtype=F64, requires_grad=True)
    start = loss(w).item()
    for _ in range(100):  # batch GD
        (g,) = ae.grad(loss(w), [w])
        w = (w - 0.004 * g).detach().requires_grad_()
    w_gd = w
    rng = np.random.default_rng(0)
    w = ae.zeros(3, dtype=F64, requires_grad=True)
    for _ in range(10):  # SGD, batches of 10
        for idx in np.array_split(rng.permutation(200), 20):
            (g,) = ae.grad(loss(w, idx), [w])
            w = (w - 0.02 * g).detach().requires_grad_()
    w_lda, _, _ = lda(X.astype(np.float64), t)
    for wv in (w_gd, w):
        assert loss(wv).item() < 0.5 * start
        direction = wv.detach().numpy()[1:]
        cos = direction @ w_lda / np.linalg.norm(direction) / np.linalg.norm(w_lda)
        assert cos > 0.98
