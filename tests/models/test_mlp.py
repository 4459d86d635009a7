"""The MLP: its layers, and > 95 % accuracy on moons and on a digits subset within seconds."""

import pytest

import autograd_engine as ae
import nn
import nn.functional as F
import optim
from nn.data import DataLoader, Standardize, TensorDataset, load_digits, make_moons
from nn.metrics import accuracy
from nn.models import MLP
from nn.training import evaluate, fit


def test_layers_follow_the_options():
    mlp = MLP(4, [8, 6], 3, activation="tanh", dropout=0.2, batch_norm=True, output="softmax")
    kinds = [type(m).__name__ for m in mlp.layers]
    assert kinds == [
        *["Linear", "BatchNorm1d", "Tanh", "Dropout"],
        *["Linear", "BatchNorm1d", "Tanh", "Dropout"],
        *["Linear", "Softmax"],
    ]
    mlp.eval()
    out = mlp(ae.randn(5, 4))
    assert out.shape == (5, 3)
    assert abs(out.numpy().sum(axis=1) - 1).max() < 1e-5


def test_regression_output_is_linear():
    assert type(MLP(2, [], 1).layers[-1]).__name__ == "Linear"


@pytest.mark.parametrize("bad", [{"activation": "swish"}, {"output": "relu"}])
def test_rejects_unknown_names(bad):
    with pytest.raises(ValueError, match="unknown"):
        MLP(2, [3], 1, **bad)


def _train(x_train, y_train, x_test, y_test, hidden, epochs):
    standardize = Standardize().fit(x_train)
    ae.manual_seed(0)
    model = MLP(x_train.shape[1], hidden, int(y_train.max()) + 1)
    train = DataLoader(TensorDataset(standardize(x_train), y_train), 32, shuffle=True, seed=0)
    test = DataLoader(TensorDataset(standardize(x_test), y_test), 500)
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    fit(model, F.cross_entropy, optimizer, train, epochs=epochs, progress=False)
    return evaluate(model, F.cross_entropy, test, {"accuracy": accuracy})["accuracy"]


def test_moons():
    x, y = make_moons(n=600, noise=0.15, seed=0)
    assert _train(x[:400], y[:400], x[400:], y[400:], [32, 32], epochs=30) > 0.95


def test_digits_subset():
    x, y = load_digits()
    assert _train(x[:800], y[:800], x[800:1300], y[800:1300], [64], epochs=15) > 0.95


def test_is_a_module_with_a_state_dict():
    mlp = MLP(3, [4], 2)
    assert sorted(mlp.state_dict()) == [
        "layers.0.bias",
        "layers.0.weight",
        "layers.2.bias",
        "layers.2.weight",
    ]
    assert isinstance(mlp, nn.Module)
