"""RNN, LSTM, GRU and their cells against PyTorch (float64, the torch module's state_dict
loaded into ours): outputs, final states and the gradients of inputs, initial states and
parameters; PackedSequence inputs and the nn.utils.rnn helpers."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as ae
import nn
from nn.utils import rnn

torch = pytest.importorskip("torch")

MODULES = {
    "rnn": (nn.RNN, torch.nn.RNN),
    "lstm": (nn.LSTM, torch.nn.LSTM),
    "gru": (nn.GRU, torch.nn.GRU),
}
CELLS = {
    "rnn": (nn.RNNCell, torch.nn.RNNCell),
    "lstm": (nn.LSTMCell, torch.nn.LSTMCell),
    "gru": (nn.GRUCell, torch.nn.GRUCell),
}


def _pair(kind: str, table: dict, *args, **kwargs):
    ours, theirs = table[kind][0](*args, **kwargs), table[kind][1](*args, **kwargs).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.double()
    ours.load_state_dict(
        {k: ae.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()}
    )
    return ours, theirs


def _flat(value):
    return list(value) if isinstance(value, tuple) else [value]


def _check_grads(ours_out, theirs_out, ours_leaves, theirs_leaves, ours, theirs):
    rng = np.random.default_rng(1)
    loss, t_loss = 0, 0
    for a, b in zip(ours_out, theirs_out):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-9, atol=1e-11)
        u = rng.standard_normal(tuple(b.shape))
        loss = loss + (a * ae.tensor(u)).sum()
        t_loss = t_loss + (b * torch.tensor(u)).sum()
    loss.backward()
    t_loss.backward()
    for a, b in zip(ours_leaves, theirs_leaves):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-11)
    named = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(
            p.grad.numpy(), named[name].grad.numpy(), rtol=1e-8, atol=1e-11, err_msg=name
        )


def _leaf(x):
    return ae.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"num_layers": 2, "bidirectional": True},
        {"batch_first": True, "bias": False},
        {"num_layers": 2, "batch_first": True},
    ],
)
@pytest.mark.parametrize("with_state", [False, True])
def test_matches_torch(kind, kwargs, with_state):
    ours, theirs = _pair(kind, MODULES, 3, 4, **kwargs)
    rng = np.random.default_rng(0)
    x, tx = _leaf(rng.standard_normal((2, 5, 3) if kwargs.get("batch_first") else (5, 2, 3)))
    leaves, t_leaves = [x], [tx]
    if with_state:
        layers = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
        states = [
            _leaf(rng.standard_normal((layers, 2, 4))) for _ in range(2 if kind == "lstm" else 1)
        ]
        leaves += [s for s, _ in states]
        t_leaves += [t for _, t in states]
        h0 = tuple(leaves[1:]) if kind == "lstm" else leaves[1]
        t_h0 = tuple(t_leaves[1:]) if kind == "lstm" else t_leaves[1]
        out, state = ours(x, h0)
        t_out, t_state = theirs(tx, t_h0)
    else:
        out, state = ours(x)
        t_out, t_state = theirs(tx)
    assert isinstance(state, tuple) == (kind == "lstm")
    _check_grads([out, *_flat(state)], [t_out, *_flat(t_state)], leaves, t_leaves, ours, theirs)


def test_relu_rnn_and_unbatched_input():
    ours, theirs = _pair("rnn", MODULES, 3, 4, nonlinearity="relu")
    x, tx = _leaf(np.random.default_rng(2).standard_normal((6, 3)))
    out, h = ours(x)
    t_out, t_h = theirs(tx)
    assert out.shape == (6, 4) and h.shape == (1, 4)
    _check_grads([out, h], [t_out, t_h], [x], [tx], ours, theirs)


def test_dropout_between_layers_only_in_training():
    layer = nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = ae.tensor(np.random.default_rng(0).standard_normal((5, 2, 3)), dtype=ae.float32)
    layer.eval()
    a, _ = layer(x)
    b, _ = layer(x)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    layer.train()
    ae.manual_seed(0)
    c, _ = layer(x)
    assert not np.allclose(a.numpy(), c.numpy())


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_cells_match_torch(kind):
    ours, theirs = _pair(kind, CELLS, 3, 4)
    rng = np.random.default_rng(3)
    x, tx = _leaf(rng.standard_normal((2, 3)))
    states = [_leaf(rng.standard_normal((2, 4))) for _ in range(2 if kind == "lstm" else 1)]
    h0 = tuple(s for s, _ in states) if kind == "lstm" else states[0][0]
    t_h0 = tuple(t for _, t in states) if kind == "lstm" else states[0][1]
    out, t_out = ours(x, h0), theirs(tx, t_h0)
    leaves = [x] + [s for s, _ in states]
    t_leaves = [tx] + [t for _, t in states]
    _check_grads(_flat(out), _flat(t_out), leaves, t_leaves, ours, theirs)
    assert _flat(ours(x))[0].shape == (2, 4)  # zero initial state


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_sequences_match_torch(kind, bidirectional):
    ours, theirs = _pair(kind, MODULES, 3, 4, num_layers=2, bidirectional=bidirectional)
    lengths = [3, 5, 1, 4]
    x, tx = _leaf(np.random.default_rng(4).standard_normal((5, 4, 3)))
    packed = rnn.pack_padded_sequence(x, lengths, enforce_sorted=False)
    t_packed = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, enforce_sorted=False)
    np.testing.assert_allclose(packed.data.numpy(), t_packed.data.detach().numpy())
    np.testing.assert_array_equal(packed.batch_sizes.numpy(), t_packed.batch_sizes.numpy())
    out, state = ours(packed)
    t_out, t_state = theirs(t_packed)
    assert isinstance(out, rnn.PackedSequence)
    padded, lens = rnn.pad_packed_sequence(out, batch_first=True)
    t_padded, t_lens = torch.nn.utils.rnn.pad_packed_sequence(t_out, batch_first=True)
    np.testing.assert_array_equal(lens.numpy(), t_lens.numpy())
    _check_grads([padded, *_flat(state)], [t_padded, *_flat(t_state)], [x], [tx], ours, theirs)


def test_pad_sequence_and_packing_round_trip():
    seqs = [np.random.default_rng(i).standard_normal((n, 2)) for i, n in enumerate((2, 4, 3))]
    for kwargs in ({}, {"batch_first": True, "padding_value": -1.0}, {"padding_side": "left"}):
        ours = rnn.pad_sequence([ae.tensor(s) for s in seqs], **kwargs)
        theirs = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], **kwargs)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy())
    padded = rnn.pad_sequence([ae.tensor(s) for s in seqs], batch_first=True)
    packed = rnn.pack_padded_sequence(padded, [2, 4, 3], batch_first=True, enforce_sorted=False)
    back, lengths = rnn.pad_packed_sequence(packed, batch_first=True, total_length=5)
    assert back.shape == (3, 5, 2) and lengths.tolist() == [2, 4, 3]
    np.testing.assert_allclose(back.numpy()[:, :4], padded.numpy())
    with pytest.raises(ValueError, match="enforce_sorted"):
        rnn.pack_padded_sequence(padded, [2, 4, 3], batch_first=True)
