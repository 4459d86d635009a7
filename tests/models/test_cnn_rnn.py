"""LeNet5 and RecurrentClassifier: shapes, parameters, and a few training steps on the bundled
8 x 8 digits that lower the loss."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as ae
import nn
import nn.functional as F
import optim
from nn.data import load_digits
from nn.models import LeNet5, RecurrentClassifier


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits(scale=True, images=True)
    return ae.tensor(x[:128]), ae.tensor(y[:128])


def _train(model: nn.Module, x: ae.Tensor, y: ae.Tensor, steps: int, lr: float) -> list[float]:
    optimizer = optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def test_lenet5_trains_on_digits(digits):
    ae.manual_seed(0)
    x, y = digits
    model = LeNet5(input_size=8)
    losses = _train(model, x.unsqueeze(1), y, 20, 1e-2)
    assert losses[-1] < 0.8 * losses[0]


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_recurrent_classifier_trains_on_digits(digits, cell):
    ae.manual_seed(0)
    x, y = digits
    model = RecurrentClassifier(cell, input_size=8, hidden_size=24, num_classes=10)
    losses = _train(model, x, y, 15, 1e-2)
    assert losses[-1] < 0.8 * losses[0]


@pytest.mark.parametrize("size, flat", [(32, 400), (28, 400), (8, 64)])
def test_lenet5_layout(size, flat):
    model = LeNet5(in_channels=3, num_classes=7, input_size=size)
    assert model.classifier[1].in_features == flat
    assert model(ae.zeros(2, 3, size, size)).shape == (2, 7)
    names = [name for name, _ in model.named_parameters()]
    assert names[:2] == ["features.0.weight", "features.0.bias"]


def test_lenet5_scale_enlarges_the_images_to_the_original_32_by_32_network():
    ae.manual_seed(0)
    model = LeNet5(input_size=8, scale=4)
    assert model.classifier[1].in_features == 400  # 32 -> 28 -> 14 -> 10 -> 5, unpadded
    assert [name for name, _ in model.named_parameters()] == [
        name for name, _ in LeNet5(input_size=32).named_parameters()
    ]  # the same state_dict keys: the enlarging has no parameters
    x = ae.randn(3, 8, 8)
    block = np.kron(x.numpy(), np.ones((4, 4), "float32"))[:, None]  # each pixel a 4 x 4 block
    expected = model.classifier(model.features(ae.tensor(block)))
    np.testing.assert_array_equal(model(x).numpy(), expected.numpy())
    np.testing.assert_array_equal(model(x.reshape(3, 64)).numpy(), expected.numpy())
    with pytest.raises(ValueError, match="scale"):
        LeNet5(input_size=8, scale=0)


def test_recurrent_classifier_options():
    model = RecurrentClassifier("gru", 8, 6, 3, num_layers=2, bidirectional=True)
    assert model(ae.zeros(4, 1, 5, 8)).shape == (4, 3)
    assert model.head.in_features == 12
    with pytest.raises(ValueError, match="cell"):
        RecurrentClassifier("transformer", 8, 6, 3)
    assert np.isfinite(model(ae.ones(2, 5, 8)).numpy()).all()


def test_flat_rows_are_read_as_images():
    """The command line's datasets hold images as flat rows; both models reshape them."""
    ae.manual_seed(0)
    images = ae.randn(3, 1, 8, 8)
    flat = images.reshape(3, 64)
    for model in (LeNet5(input_size=8), RecurrentClassifier("gru", 8, 6, 4)):
        np.testing.assert_allclose(model(flat).numpy(), model(images).numpy(), rtol=1e-6)
