"""Rosenblatt's rule: zero training errors on separable data, a warning otherwise."""

import numpy as np
import pytest

from nn.data import make_blobs, make_separable
from nn.models import NotSeparableWarning, Perceptron


def test_converges_on_separable_data():
    x, t = make_separable(n=200, margin=0.3, seed=1)
    p = Perceptron(2)
    epochs = p.fit(x, t, epochs=1000)
    assert p.converged
    assert epochs == len(p.mistakes) and p.mistakes[-1] == 0 and p.mistakes[0] > 0
    assert (p.predict(x) == t).all()


def test_each_mistake_moves_w_by_eta_t_x():
    p = Perceptron(2)
    x, t = np.array([[1.0, 2.0]]), np.array([0])  # w = 0 scores 0 -> class 1: a mistake
    with pytest.warns(NotSeparableWarning):  # one epoch, one mistake: not converged yet
        p.fit(x, t, epochs=1, lr=0.5)
    np.testing.assert_allclose(p.weight.numpy(), [[-0.5, -1.0]])
    np.testing.assert_allclose(p.bias.numpy(), [-0.5])


def test_warns_when_not_separable():
    x = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])  # XOR
    p = Perceptron(2)
    with pytest.warns(NotSeparableWarning, match="not be linearly separable"):
        assert p.fit(x, [0, 0, 1, 1], epochs=20) == 20
    assert not p.converged and len(p.mistakes) == 20


def test_multiclass_on_separated_blobs():
    x, y = make_blobs(n=300, noise=0.5, centers=np.array([[0, 5], [5, 0], [-5, -5]]), seed=0)
    p = Perceptron(2, num_classes=3)
    p.fit(x, y, epochs=100)
    assert p.converged and (p.predict(x) == y).all()
