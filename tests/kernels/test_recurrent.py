"""Fused LSTM and GRU cell kernels against the NumPy references and torch's cells."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import DTYPES, close
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_engine.errors import ShapeError
from autograd_engine.kernels import recurrent, reference_recurrent

EXTREMES = [0.0, 1e-8, -1e-8, 0.5, -3.0, 20.0, -20.0, 90.0, -90.0, 1e4, -1e4]


def draw_arrays(data, dtype, batch, *widths, bound=8.0):
    elements = st.floats(-bound, bound, width=np.dtype(dtype).itemsize * 8)
    return [
        np.array(
            data.draw(st.lists(elements, min_size=batch * w, max_size=batch * w)), dtype
        ).reshape(batch, w)
        for w in widths
    ]


def assert_close_all(actual, expected):
    for a, e in zip(actual, expected, strict=True):
        close(a, e, 8.0)


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=20, deadline=None)
@given(data=st.data(), batch=st.integers(1, 4), hidden=st.integers(1, 9))
def test_lstm_cell_matches_reference(dtype, data, batch, hidden):
    gates, c_prev, dh, dc = draw_arrays(data, dtype, batch, 4 * hidden, hidden, hidden, hidden)
    h, c, acts = recurrent.lstm_cell(gates, c_prev)
    assert_close_all((h, c, acts), reference_recurrent.lstm_cell(gates, c_prev))
    expected = reference_recurrent.lstm_cell_backward(dh, dc, acts, c_prev, c)
    assert_close_all(recurrent.lstm_cell_backward(dh, dc, acts, c_prev, c), expected)


@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=20, deadline=None)
@given(data=st.data(), batch=st.integers(1, 4), hidden=st.integers(1, 9))
def test_gru_cell_matches_reference(dtype, data, batch, hidden):
    gi, gh, h_prev, dh = draw_arrays(data, dtype, batch, 3 * hidden, 3 * hidden, hidden, hidden)
    h, saved = recurrent.gru_cell(gi, gh, h_prev)
    assert_close_all((h, saved), reference_recurrent.gru_cell(gi, gh, h_prev))
    expected = reference_recurrent.gru_cell_backward(dh, saved, h_prev)
    assert_close_all(recurrent.gru_cell_backward(dh, saved, h_prev), expected)


@pytest.mark.parametrize("dtype", DTYPES)
def test_extreme_preactivations_stay_finite_and_match(dtype):
    values = np.array(EXTREMES, dtype)
    hidden = values.size
    gates = np.stack([np.roll(np.tile(values, 4), k) for k in range(3)])
    c_prev = np.linspace(-2, 2, 3 * hidden).astype(dtype).reshape(3, hidden)
    with np.errstate(over="ignore"):
        expected = reference_recurrent.lstm_cell(gates, c_prev)
        actual = recurrent.lstm_cell(gates, c_prev)
        assert_close_all(actual, expected)
        assert all(np.all(np.isfinite(a)) for a in actual)
        gi, gh = gates[:, : 3 * hidden], gates[:, hidden:]
        actual = recurrent.gru_cell(gi, gh, c_prev)
        assert_close_all(actual, reference_recurrent.gru_cell(gi, gh, c_prev))
        assert all(np.all(np.isfinite(a)) for a in actual)


def test_other_dtypes_and_strided_inputs():
    rng = np.random.default_rng(0)
    gates, c_prev = rng.standard_normal((3, 8)), rng.standard_normal((3, 2))
    half = recurrent.lstm_cell(gates.astype(np.float16), c_prev.astype(np.float16))
    assert half[0].dtype == np.float16
    wide = np.zeros((3, 16))
    wide[:, ::2] = gates
    assert_close_all(
        recurrent.lstm_cell(wide[:, ::2], c_prev), reference_recurrent.lstm_cell(gates, c_prev)
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: recurrent.lstm_cell(np.ones((2, 7)), np.ones((2, 2))), "lstm_cell: gates"),
        (
            lambda: recurrent.gru_cell(np.ones((2, 6)), np.ones((2, 6)), np.ones((3, 2))),
            "gru_cell: h_prev",
        ),
        (
            lambda: recurrent.lstm_cell_backward(
                *[np.ones((1, 2))] * 2, np.ones((1, 8)), np.ones((1, 2)), np.ones((1, 3))
            ),
            "lstm_cell_backward",
        ),
    ],
)
def test_shape_errors(call, message):
    with pytest.raises(ShapeError, match=message) as info:
        call()
    assert isinstance(info.value, ValueError)


# --- torch's cells as the oracle (float64, same weights) --------------------------------------


def cell_setup(torch, cls, batch=3, inputs=4, hidden=5):
    torch.manual_seed(0)
    cell = cls(inputs, hidden).double()
    x = torch.randn(batch, inputs, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(batch, hidden, dtype=torch.float64, requires_grad=True)
    weights = [
        p.detach().numpy() for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
    ]
    return cell, x, h0, weights


def test_lstm_step_matches_torch_lstm_cell():
    torch = pytest.importorskip("torch")
    cell, x, h0, (w_ih, w_hh, b_ih, b_hh) = cell_setup(torch, torch.nn.LSTMCell)
    c0 = torch.randn(h0.shape, dtype=torch.float64, requires_grad=True)
    h1, c1 = cell(x, (h0, c0))
    xs, hs, cs = x.detach().numpy(), h0.detach().numpy(), c0.detach().numpy()
    h, c, acts = recurrent.lstm_cell(xs @ w_ih.T + b_ih + hs @ w_hh.T + b_hh, cs)
    np.testing.assert_allclose(h, h1.detach().numpy(), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(c, c1.detach().numpy(), rtol=1e-13, atol=1e-13)
    dh, dc = torch.randn(h0.shape, dtype=torch.float64), torch.randn(h0.shape, dtype=torch.float64)
    wanted = (x, h0, c0, cell.weight_ih, cell.weight_hh, cell.bias_ih)
    expected = torch.autograd.grad((h1, c1), wanted, (dh, dc))
    d_gates, dc_prev = recurrent.lstm_cell_backward(dh.numpy(), dc.numpy(), acts, cs, c)
    mine = (d_gates @ w_ih, d_gates @ w_hh, dc_prev, d_gates.T @ xs, d_gates.T @ hs, d_gates.sum(0))
    for a, e in zip(mine, expected, strict=True):
        np.testing.assert_allclose(a, e.numpy(), rtol=1e-12, atol=1e-12)


def test_gru_step_matches_torch_gru_cell():
    torch = pytest.importorskip("torch")
    cell, x, h0, (w_ih, w_hh, b_ih, b_hh) = cell_setup(torch, torch.nn.GRUCell)
    h1 = cell(x, h0)
    xs, hs = x.detach().numpy(), h0.detach().numpy()
    gi, gh = xs @ w_ih.T + b_ih, hs @ w_hh.T + b_hh
    h, saved = recurrent.gru_cell(gi, gh, hs)
    np.testing.assert_allclose(h, h1.detach().numpy(), rtol=1e-13, atol=1e-13)
    dh = torch.randn(h0.shape, dtype=torch.float64)
    wanted = (x, h0, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
    expected = torch.autograd.grad(h1, wanted, dh)
    d_gi, d_gh, dh_direct = recurrent.gru_cell_backward(dh.numpy(), saved, hs)
    mine = (
        d_gi @ w_ih,
        dh_direct + d_gh @ w_hh,
        d_gi.T @ xs,
        d_gh.T @ hs,
        d_gi.sum(0),
        d_gh.sum(0),
    )
    for a, e in zip(mine, expected, strict=True):
        np.testing.assert_allclose(a, e.numpy(), rtol=1e-12, atol=1e-12)


def _sequence_arrays(dtype, gates, steps=5, batch=3, hidden=4, seed=0):
    rng = np.random.default_rng(seed)
    draw = lambda *shape: rng.standard_normal(shape).astype(dtype)  # noqa: E731
    return draw(steps, batch, gates * hidden), draw(batch, hidden), draw(gates * hidden, hidden)


@pytest.mark.parametrize("dtype", [*DTYPES, np.float16])
def test_lstm_sequence_matches_a_loop_of_reference_steps(dtype):
    """The whole-sequence kernels (forward and backpropagation through time) against a Python
    loop over the NumPy reference cells; float16 takes the kernels' own per-step route."""
    gx, h0, w = _sequence_arrays(dtype, 4)
    c0, grad_h = h0[::-1].copy(), gx[..., : h0.shape[1]].copy()
    hs, cs, acts, tanh_cs = recurrent.lstm_sequence(gx, h0, c0, w)
    h, c, states = h0, c0, []
    for t in range(gx.shape[0]):
        h, c, a = reference_recurrent.lstm_cell(gx[t] + h @ w.T, c)
        states.append((h, c, a))
    assert_close_all((hs, cs, acts), [np.stack(s) for s in zip(*states)])
    assert_close_all((tanh_cs,), (np.tanh(cs),))
    d_gx, dh0, dc0 = recurrent.lstm_sequence_backward(grad_h, c0, acts, c0, cs, tanh_cs, w)
    dh, dc, d_gates = np.zeros_like(h0), c0, []
    for t in range(gx.shape[0] - 1, -1, -1):
        c_prev = cs[t - 1] if t else c0
        d, dc = reference_recurrent.lstm_cell_backward(grad_h[t] + dh, dc, acts[t], c_prev, cs[t])
        d_gates.insert(0, d)
        dh = d @ w
    assert_close_all((d_gx, dh0, dc0), (np.stack(d_gates), dh, dc))
    d_gx, none, dc0 = recurrent.lstm_sequence_backward(grad_h, c0, acts, c0, cs, tanh_cs, w, False)
    assert none is None
    assert_close_all((d_gx, dc0), (np.stack(d_gates), dc))


@pytest.mark.parametrize("dtype", DTYPES)
def test_lstm_input_gates_and_weight_grads_match_numpy(dtype):
    """The input product of all steps and the single product for grad W_ih, W_hh and b, on
    inputs given as a strided (batch-first, transposed) view."""
    rng = np.random.default_rng(1)
    draw = lambda *shape: rng.standard_normal(shape).astype(dtype)  # noqa: E731
    x, h0, hs = draw(3, 5, 2).transpose(1, 0, 2), draw(3, 4), draw(5, 3, 4)
    w_ih, b, d_gates = draw(16, 2), draw(16), draw(5, 3, 16)
    close(recurrent.input_gates(x, w_ih, b), x @ w_ih.T + b, 8.0)
    rows, h_prevs = d_gates.reshape(-1, 16), np.concatenate([h0[None], hs[:-1]])
    expected = rows.T @ x.reshape(-1, 2), rows.T @ h_prevs.reshape(-1, 4), rows.sum(0)
    assert_close_all(recurrent.lstm_weight_grads(d_gates, x, h0, hs), expected)
    assert all(g.flags.c_contiguous for g in recurrent.lstm_weight_grads(d_gates, x, h0, hs))


@pytest.mark.parametrize("dtype", [*DTYPES, np.float16])
def test_gru_sequence_matches_a_loop_of_reference_steps(dtype):
    gi, h0, w = _sequence_arrays(dtype, 3)
    b, grad = w[:, 0].copy(), gi[..., : h0.shape[1]].copy()
    hs, saved = recurrent.gru_sequence(gi, h0, w, b)
    h, states = h0, []
    for t in range(gi.shape[0]):
        h, s = reference_recurrent.gru_cell(gi[t], h @ w.T + b, h)
        states.append((h, s))
    assert_close_all((hs, saved), [np.stack(s) for s in zip(*states)])
    d_gi, d_gh, dh0 = recurrent.gru_sequence_backward(grad, saved, h0, hs, w)
    dh, dis, dgs = np.zeros_like(h0), [], []
    for t in range(gi.shape[0] - 1, -1, -1):
        h_prev = hs[t - 1] if t else h0
        di, dg, direct = reference_recurrent.gru_cell_backward(grad[t] + dh, saved[t], h_prev)
        dis.insert(0, di)
        dgs.insert(0, dg)
        dh = direct + dg @ w
    assert_close_all((d_gi, d_gh, dh0), (np.stack(dis), np.stack(dgs), dh))
