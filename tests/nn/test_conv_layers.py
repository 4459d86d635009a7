"""Convolution, pooling, channel dropout, embedding and BatchNorm2d layers against PyTorch:
the torch module's state_dict loads into ours, then outputs and the gradients of inputs and
parameters agree (float64)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as ae
import nn
import nn.functional as F

torch = pytest.importorskip("torch")


def _load(ours: nn.Module, theirs) -> None:
    state = {k: ae.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()}
    ours.load_state_dict(state)


def _compare(ours: nn.Module, theirs, *inputs: np.ndarray, atol: float = 1e-10) -> None:
    """Same output, same gradients of every float input and parameter (random upstream)."""
    theirs = theirs.double()
    ours.double()
    _load(ours, theirs)
    xs = [ae.tensor(x, requires_grad=x.dtype.kind == "f") for x in inputs]
    ts = [torch.tensor(x, requires_grad=x.dtype.kind == "f") for x in inputs]
    out, expected = ours(*xs), theirs(*ts)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), atol=atol, rtol=1e-9)
    u = np.random.default_rng(1).standard_normal(expected.shape)
    (out * ae.tensor(u)).sum().backward()
    (expected * torch.tensor(u)).sum().backward()
    for x, t in zip(xs, ts):
        if t.grad is not None:
            np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), atol=atol, rtol=1e-9)
    named = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(
            p.grad.numpy(), named[name].grad.numpy(), atol=atol, rtol=1e-9, err_msg=name
        )


def _x(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"stride": 2, "padding": 1},
        {"padding": "same", "dilation": 2},
        {"padding": "valid", "groups": 2, "bias": False},
        {"stride": (2, 1), "padding": (1, 0), "dilation": (1, 2), "groups": 2},
    ],
)
def test_conv2d(kwargs):
    _compare(nn.Conv2d(4, 6, 3, **kwargs), torch.nn.Conv2d(4, 6, 3, **kwargs), _x(2, 4, 7, 8))


@pytest.mark.parametrize(
    "kwargs", [{}, {"stride": 2, "padding": 2}, {"padding": "same", "groups": 2}]
)
def test_conv1d(kwargs):
    _compare(nn.Conv1d(4, 2, 3, **kwargs), torch.nn.Conv1d(4, 2, 3, **kwargs), _x(3, 4, 9))


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"stride": 2, "padding": 1, "output_padding": 1}, {"groups": 2, "dilation": 2}],
)
def test_conv_transpose2d(kwargs):
    _compare(
        nn.ConvTranspose2d(4, 6, 3, **kwargs),
        torch.nn.ConvTranspose2d(4, 6, 3, **kwargs),
        _x(2, 4, 5, 4),
    )


def test_conv_parameters_shapes_keys_and_initialisation():
    ours, theirs = nn.Conv2d(6, 4, (3, 2), groups=2), torch.nn.Conv2d(6, 4, (3, 2), groups=2)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.weight.shape == tuple(theirs.weight.shape) == (4, 3, 3, 2)
    bound = 1 / np.sqrt(3 * 3 * 2)  # kaiming_uniform(a=sqrt 5) and the bias: 1/sqrt(fan_in)
    assert np.abs(ours.weight.numpy()).max() <= bound and np.abs(ours.bias.numpy()).max() <= bound
    assert np.abs(ours.weight.numpy()).max() > 0.5 * bound
    t = nn.ConvTranspose2d(4, 6, 3, groups=2)
    assert t.weight.shape == tuple(torch.nn.ConvTranspose2d(4, 6, 3, groups=2).weight.shape)


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (nn.MaxPool2d(2), torch.nn.MaxPool2d(2)),
        (nn.MaxPool2d(3, 2, 1, ceil_mode=True), torch.nn.MaxPool2d(3, 2, 1, ceil_mode=True)),
        (nn.AvgPool2d(2), torch.nn.AvgPool2d(2)),
        (
            nn.AvgPool2d(3, 2, 1, count_include_pad=False),
            torch.nn.AvgPool2d(3, 2, 1, count_include_pad=False),
        ),
        (nn.AdaptiveAvgPool2d((2, 3)), torch.nn.AdaptiveAvgPool2d((2, 3))),
        (nn.AdaptiveAvgPool2d(1), torch.nn.AdaptiveAvgPool2d(1)),
        (nn.Flatten(), torch.nn.Flatten()),
    ],
    ids=lambda m: repr(m),
)
def test_pooling(ours, theirs):
    _compare(ours, theirs, _x(2, 3, 7, 6))


def test_max_pool1d_and_indices():
    _compare(nn.MaxPool1d(3, 2, 1), torch.nn.MaxPool1d(3, 2, 1), _x(2, 3, 9))
    x = _x(2, 3, 6, 6)
    out, idx = F.max_pool2d(ae.tensor(x), 2, return_indices=True)
    t_out, t_idx = torch.nn.functional.max_pool2d(torch.tensor(x), 2, return_indices=True)
    np.testing.assert_array_equal(idx.numpy(), t_idx.numpy())
    np.testing.assert_allclose(out.numpy(), t_out.numpy())


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm2d(training):
    ours, theirs = nn.BatchNorm2d(3), torch.nn.BatchNorm2d(3).double()
    with torch.no_grad():
        theirs.weight.uniform_(0.5, 1.5)
        theirs.bias.uniform_(-0.5, 0.5)
    ours.train(training)
    theirs.train(training)
    _compare(ours, theirs, _x(4, 3, 5, 5))
    np.testing.assert_allclose(ours.running_mean.numpy(), theirs.running_mean.numpy())
    np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy())
    with pytest.raises(ae.ShapeError, match="BatchNorm2d"):
        ours(ae.zeros(4, 3))


def test_embedding_and_padding_idx():
    idx = np.array([[1, 0, 3], [3, 2, 0]])
    for padding_idx in (None, 0):
        ours = nn.Embedding(5, 4, padding_idx=padding_idx)
        theirs = torch.nn.Embedding(5, 4, padding_idx=padding_idx)
        _compare(ours, theirs, idx)
        if padding_idx is not None:
            assert not ours.weight.grad.numpy()[0].any()
            assert not nn.Embedding(5, 4, padding_idx=0).weight.numpy()[0].any()
    with pytest.raises(IndexError, match="embedding"):
        nn.Embedding(3, 2)(ae.tensor([3]))


def test_dropout2d_drops_whole_channels():
    ae.manual_seed(0)
    layer = nn.Dropout2d(0.5)
    out = layer(ae.ones(8, 16, 3, 3)).numpy()
    per_channel = out.reshape(8, 16, -1)
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    assert (per_channel.min(-1) == per_channel.max(-1)).all()  # a channel is kept or dropped
    assert 0.2 < (per_channel[..., 0] == 0).mean() < 0.8
    layer.eval()
    assert (layer(ae.ones(2, 3, 2, 2)).numpy() == 1).all()


def test_lenet_shaped_stack_matches_torch():
    """A small Conv-ReLU-Pool-Linear stack, loaded from a torch state_dict."""
    ours = nn.Sequential(
        nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(48, 5)
    )
    theirs = torch.nn.Sequential(
        torch.nn.Conv2d(1, 3, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(48, 5),
    )
    _compare(ours, theirs, _x(2, 1, 8, 8))
