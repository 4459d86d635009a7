"""Layers and activations: gradients through the core's gradcheck, and their behaviour."""

import math

import numpy as np
import pytest

import autograd_engine as ae
import nn
import nn.functional as F
from autograd_engine.testing import gradcheck, gradgradcheck

RNG = np.random.default_rng(1234)


def leaf(*shape, low=None, high=None):
    """A float64 leaf requiring grad: standard normal, or uniform on [low, high]."""
    data = RNG.standard_normal(shape) if low is None else RNG.uniform(low, high, shape)
    return ae.tensor(data, dtype=ae.float64, requires_grad=True)


# ----------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("x_shape", [(4, 3), (2, 5, 3), (3,)])
def test_linear_gradients(x_shape):
    x, w, b = leaf(*x_shape), leaf(2, 3), leaf(2)
    assert gradcheck(F.linear, [x, w, b])
    assert gradcheck(lambda x, w: F.linear(x, w), [x, w])
    assert gradgradcheck(F.linear, [x, w, b])


@pytest.mark.parametrize(
    "fn",
    [
        F.relu,
        F.sigmoid,
        F.tanh,
        lambda x: F.leaky_relu(x, 0.1),
        lambda x: F.elu(x, 0.7),
        F.softplus,
        lambda x: F.softplus(x, beta=2.0, threshold=1.0),
        lambda x: F.softmax(x, dim=1),
        lambda x: F.log_softmax(x, dim=0),
    ],
    ids=[
        "relu",
        "sigmoid",
        "tanh",
        "leaky_relu",
        "elu",
        "softplus",
        "softplus_beta",
        "softmax",
        "log_softmax",
    ],
)
def test_activation_gradients(fn):
    x = leaf(3, 4)
    assert gradcheck(fn, [x])
    assert gradgradcheck(fn, [x])


def test_maxout_gradients_and_value():
    x, w, b = leaf(4, 3), leaf(2 * 3, 3), leaf(2 * 3)
    assert gradcheck(lambda x, w, b: F.maxout(x, w, b, 3), [x, w, b])
    z = x.numpy() @ w.numpy().T + b.numpy()
    expected = z.reshape(4, 2, 3).max(axis=-1)
    np.testing.assert_allclose(F.maxout(x, w, b, 3).numpy(), expected)


def test_dropout_gradient_with_a_fixed_mask():
    x = leaf(5, 4)

    def fn(x):
        ae.manual_seed(3)
        return F.dropout(x, 0.3, training=True)

    assert gradcheck(fn, [x])


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5)])
def test_batch_norm_gradients_in_training_and_eval(shape):
    x, w, b = leaf(*shape), leaf(3), leaf(3)

    def train_fn(x, w, b):
        return F.batch_norm(x, None, None, w, b, training=True)

    assert gradcheck(train_fn, [x, w, b])
    assert gradgradcheck(train_fn, [x, w, b])
    mean, var = ae.tensor(RNG.standard_normal(3)), ae.tensor(RNG.uniform(0.5, 2, 3))
    assert gradcheck(lambda x, w, b: F.batch_norm(x, mean, var, w, b, training=False), [x, w, b])


def test_layer_norm_gradients():
    x, w, b = leaf(3, 2, 4), leaf(2, 4), leaf(2, 4)
    assert gradcheck(lambda x, w, b: F.layer_norm(x, (2, 4), w, b), [x, w, b])
    assert gradgradcheck(lambda x: F.layer_norm(x, 4), [x])


def test_module_forward_gradients_reach_the_input():
    ae.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(3, 6),
        nn.LayerNorm(6),
        nn.ELU(),
        nn.Residual(nn.Sequential(nn.Linear(6, 6), nn.Tanh())),
        nn.Maxout(6, 2, pieces=2),
        nn.Flatten(),
    ).double()
    assert gradcheck(model, [leaf(4, 3)])


# ----------------------------------------------------------------------------- behaviour
def test_linear_shapes_and_errors():
    layer = nn.Linear(3, 2)
    assert layer.weight.shape == (2, 3) and layer.bias.shape == (2,)
    assert layer(ae.randn(5, 3)).shape == (5, 2)
    assert layer(ae.randn(4, 5, 3)).shape == (4, 5, 2)
    assert layer(ae.randn(3)).shape == (2,)
    assert nn.Linear(3, 2, bias=False).bias is None
    assert nn.Linear(3, 2, dtype=ae.float64).weight.dtype == np.float64
    with pytest.raises(ae.ShapeError, match="features"):
        layer(ae.randn(5, 4))


def test_linear_forward_is_one_node_without_copies():
    layer = nn.Linear(4, 3)
    x = ae.randn(8, 4, requires_grad=True)
    y = layer(x)
    assert y.grad_fn.name == "linear"
    np.testing.assert_allclose(
        y.numpy(), x.numpy() @ layer.weight.numpy().T + layer.bias.numpy(), rtol=1e-6, atol=1e-6
    )
    y.sum().backward()
    np.testing.assert_allclose(layer.bias.grad.numpy(), np.full(3, 8.0))


def test_identity_flatten_residual():
    x = ae.randn(2, 3, 4)
    assert nn.Identity(5, foo=1)(x) is x
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0, 1)(x).shape == (6, 4)
    double = nn.Residual(nn.Identity())
    np.testing.assert_allclose(double(x).numpy(), 2 * x.numpy())


def test_dropout_train_and_eval():
    ae.manual_seed(0)
    drop = nn.Dropout(0.25)
    x = ae.ones(200, 50)
    y = drop(x).numpy()
    kept = y != 0
    assert abs(kept.mean() - 0.75) < 0.02
    np.testing.assert_allclose(y[kept], 1 / 0.75)
    drop.eval()
    assert drop(x) is x
    assert np.all(F.dropout(x, 1.0).numpy() == 0)
    assert F.dropout(x, 0.0) is x
    with pytest.raises(ValueError):
        nn.Dropout(1.5)


def test_dropout_mask_follows_the_seed():
    x = ae.ones(10, 10)
    ae.manual_seed(5)
    a = F.dropout(x, 0.5).numpy()
    ae.manual_seed(5)
    np.testing.assert_array_equal(a, F.dropout(x, 0.5).numpy())


def test_batch_norm_normalises_and_tracks_statistics():
    bn = nn.BatchNorm1d(3)
    x = ae.tensor(RNG.normal(5.0, 2.0, (64, 3)), dtype=ae.float32)
    y = bn(x).numpy()
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(y.std(axis=0), 1, atol=1e-3)
    assert bn.num_batches_tracked.item() == 1
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.1 * x.numpy().mean(axis=0), rtol=1e-5)
    unbiased = x.numpy().var(axis=0, ddof=1)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.9 + 0.1 * unbiased, rtol=1e-5)
    bn.eval()
    expected = (x.numpy() - bn.running_mean.numpy()) / np.sqrt(bn.running_var.numpy() + 1e-5)
    np.testing.assert_allclose(bn(x).numpy(), expected, rtol=1e-5, atol=1e-5)
    assert bn.num_batches_tracked.item() == 1


def test_batch_norm_options():
    x = ae.randn(8, 2, 5)
    cumulative = nn.BatchNorm1d(2, momentum=None)
    for _ in range(3):
        cumulative(x)
    np.testing.assert_allclose(
        cumulative.running_mean.numpy(), x.numpy().mean(axis=(0, 2)), rtol=1e-5, atol=1e-6
    )
    plain = nn.BatchNorm1d(2, affine=False, track_running_stats=False).eval()
    assert list(plain.parameters()) == [] and list(plain.buffers()) == []
    np.testing.assert_allclose(plain(x).numpy().mean(axis=(0, 2)), 0, atol=1e-5)
    with pytest.raises(ValueError, match="more than 1 value"):
        nn.BatchNorm1d(2)(ae.randn(1, 2))
    with pytest.raises(ae.ShapeError):
        nn.BatchNorm1d(2)(ae.randn(4, 3))


def test_layer_norm_module():
    ln = nn.LayerNorm(4)
    y = ln(ae.randn(3, 4) * 5 + 2).numpy()
    np.testing.assert_allclose(y.mean(axis=-1), 0, atol=1e-5)
    assert nn.LayerNorm((2, 4), elementwise_affine=False).weight is None
    assert nn.LayerNorm(4, bias=False).bias is None
    with pytest.raises(ae.ShapeError):
        ln(ae.randn(3, 5))


@pytest.mark.parametrize(
    ("module", "fn"),
    [
        (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
        (nn.Tanh(), np.tanh),
        (nn.ReLU(), lambda x: np.maximum(x, 0)),
        (nn.LeakyReLU(0.1), lambda x: np.maximum(0.1 * x, x)),
        (nn.ELU(0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x))),
        (nn.Softplus(), lambda x: np.log1p(np.exp(x))),
        (nn.Softmax(dim=1), lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True)),
        (nn.LogSoftmax(dim=1), lambda x: x - np.log(np.exp(x).sum(1, keepdims=True))),
    ],
    ids=lambda m: type(m).__name__ if isinstance(m, nn.Module) else "",
)
def test_activation_modules_match_their_lecture_formulas(module, fn):
    x = ae.tensor(RNG.standard_normal((3, 4)), dtype=ae.float64)
    np.testing.assert_allclose(module(x).numpy(), fn(x.numpy()), rtol=1e-12, atol=1e-12)


def test_softmax_of_the_lecture_example_and_default_dim():
    np.testing.assert_allclose(
        F.softmax(ae.tensor([0.0, 10.0], dtype=ae.float64), dim=0).numpy(),
        [1 / (1 + math.exp(10)), math.exp(10) / (1 + math.exp(10))],
    )
    x = ae.randn(2, 3)
    np.testing.assert_allclose(nn.Softmax()(x).numpy().sum(axis=1), 1, rtol=1e-6)


def test_activation_reprs():
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(nn.Maxout(3, 2, 4)) == "Maxout(in_features=3, out_features=2, pieces=4, bias=True)"
    assert nn.Maxout(3, 2, 4).weight.shape == (8, 3)
    with pytest.raises(ValueError):
        nn.Maxout(3, 2, 0)


@pytest.mark.parametrize("fn", [F.sigmoid, F.tanh, F.softplus, F.elu, lambda x: F.softmax(x, 1)])
def test_activations_are_finite_for_extreme_inputs(fn):
    x = ae.tensor([[-1e4, 1e4, 0.0]], requires_grad=True)
    y = fn(x)
    y.sum().backward()
    assert np.all(np.isfinite(y.numpy())) and np.all(np.isfinite(x.grad.numpy()))
