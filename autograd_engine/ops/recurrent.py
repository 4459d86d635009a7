"""One LSTM or GRU step after the matrix products, fused (kernels/recurrent.py): the
elementwise gate arithmetic of a step as one operation instead of about ten.

    lstm_cell(gates, c_prev) -> (h, c)    gates (B, 4H) in PyTorch's order (i, f, g, o)
    gru_cell(gi, gh, h_prev) -> h         gi, gh (B, 3H) in the order (r, z, n)

The first-order backward is the fused kernel's. Under create_graph the same derivatives are
written with Tensor operations (`_lstm_vjp`, `_gru_vjp`, the formulas of
reference_recurrent), so that they are differentiable again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..kernels import recurrent as krec
from ..tensor import Tensor
from ._util import Primitive, as_tensor
from .activations import sigmoid, tanh
from .shape import cat, stack


def _split(x: Any, parts: int) -> list[Any]:
    n = x.shape[-1] // parts
    return [x[..., k * n : (k + 1) * n] for k in range(parts)]


def _lstm_vjp(gates: Tensor, c_prev: Tensor, dh: Tensor, dc: Tensor) -> tuple[Tensor, Tensor]:
    a_i, a_f, a_g, a_o = _split(gates, 4)
    i, f, g, o = sigmoid(a_i), sigmoid(a_f), tanh(a_g), sigmoid(a_o)
    t = tanh(f * c_prev + i * g)
    dc_total = dc + dh * o * (1 - t * t)
    d_gates = [
        dc_total * g * i * (1 - i),
        dc_total * c_prev * f * (1 - f),
        dc_total * i * (1 - g * g),
        dh * t * o * (1 - o),
    ]
    return cat(d_gates, -1), dc_total * f


class LSTMCell(Primitive):
    """[h, c] (B, 2H) of one LSTM step."""

    name = "lstm_cell"

    @staticmethod
    def forward(ctx, gates, c_prev):
        h, c, acts = krec.lstm_cell(gates, c_prev)
        ctx.acts, ctx.c = acts, c
        ctx.save_for_backward(gates, c_prev)
        return np.concatenate([h, c], axis=-1)

    @staticmethod
    def backward(ctx, grad):
        gates, c_prev = ctx.saved_tensors
        dh, dc = _split(grad, 2)
        if isinstance(grad, Tensor):
            return _lstm_vjp(gates, c_prev, dh, dc)
        return krec.lstm_cell_backward(dh, dc, ctx.acts, c_prev, ctx.c)

    @staticmethod
    def jvp(ctx, t_gates, t_c):
        return np.concatenate(_lstm_tangent(ctx.acts, ctx.inputs[1], ctx.c, t_gates, t_c), -1)


def _lstm_tangent(acts, c_prev, c, t_gates, t_c) -> tuple[np.ndarray, np.ndarray]:
    """The tangents (dh, dc) of one LSTM step for tangents of its gates and c_prev (None:
    zero), from the step's activations and cell states."""
    i, f, g, o = _split(acts, 4)
    t_i, t_f, t_g, t_o = _split(np.zeros_like(acts) if t_gates is None else t_gates, 4)
    t = np.tanh(c)
    dc = f * (1 - f) * t_f * c_prev + i * (1 - i) * t_i * g + i * (1 - g * g) * t_g
    if t_c is not None:
        dc = dc + f * t_c
    return o * (1 - o) * t_o * t + o * (1 - t * t) * dc, dc


def _gru_vjp(gi: Tensor, gh: Tensor, h_prev: Tensor, dh: Tensor) -> tuple:
    i_r, i_z, i_n = _split(gi, 3)
    h_r, h_z, h_n = _split(gh, 3)
    r, z = sigmoid(i_r + h_r), sigmoid(i_z + h_z)
    n = tanh(i_n + r * h_n)
    dn = dh * (1 - z) * (1 - n * n)
    dr = dn * h_n * r * (1 - r)
    dz = dh * (h_prev - n) * z * (1 - z)
    return cat([dr, dz, dn], -1), cat([dr, dz, dn * r], -1), dh * z


class GRUCell(Primitive):
    """h (B, H) of one GRU step."""

    name = "gru_cell"

    @staticmethod
    def forward(ctx, gi, gh, h_prev):
        h, saved = krec.gru_cell(gi, gh, h_prev)
        ctx.saved = saved
        ctx.save_for_backward(gi, gh, h_prev)
        return h

    @staticmethod
    def backward(ctx, grad):
        gi, gh, h_prev = ctx.saved_tensors
        if isinstance(grad, Tensor):
            return _gru_vjp(gi, gh, h_prev, grad)
        return krec.gru_cell_backward(grad, ctx.saved, h_prev)

    @staticmethod
    def jvp(ctx, t_gi, t_gh, t_h):
        return _gru_tangent(ctx.saved, ctx.inputs[2], t_gi, t_gh, t_h)


def _gru_tangent(saved, h_prev, t_gi, t_gh, t_h) -> np.ndarray:
    """The tangent of one GRU step's h for tangents of gi, gh and h_prev (None: zero), from
    the step's saved values (r, z, n, h_n)."""
    r, z, n, h_n = _split(saved, 4)
    zeros = np.zeros((*saved.shape[:-1], 3 * r.shape[-1]), saved.dtype)
    ti_r, ti_z, ti_n = _split(zeros if t_gi is None else t_gi, 3)
    th_r, th_z, th_n = _split(zeros if t_gh is None else t_gh, 3)
    dr = r * (1 - r) * (ti_r + th_r)
    dz = z * (1 - z) * (ti_z + th_z)
    dn = (1 - n * n) * (ti_n + dr * h_n + r * th_n)
    out = -dz * n + (1 - z) * dn + dz * h_prev
    return out if t_h is None else out + z * t_h


def _lstm_bptt(gx: Tensor, h0: Tensor, c0: Tensor, w_hh: Tensor, grad: Tensor) -> tuple:
    """`LSTMSequence`'s backward as recorded Tensor ops (under create_graph): the steps
    replayed with `lstm_cell`, then backpropagation through time with `_lstm_vjp` per step.
    Returns d gx, d h0, d c0 and the states h_0 .. h_{T-1} stacked (for grad W_hh)."""
    gates, c_prevs, hs = [], [c0], [h0]
    for t in range(gx.shape[0]):
        gates.append(gx[t] + hs[-1] @ w_hh.T)
        h, c = lstm_cell(gates[-1], c_prevs[-1])
        hs.append(h)
        c_prevs.append(c)
    d_gates: list = [None] * gx.shape[0]
    dh_next, dc_next = None, grad[-1]
    for t in range(gx.shape[0] - 1, -1, -1):
        dh = grad[t] if dh_next is None else grad[t] + dh_next
        d_gates[t], dc_next = _lstm_vjp(gates[t], c_prevs[t], dh, dc_next)
        dh_next = d_gates[t] @ w_hh
    return stack(d_gates), dh_next, dc_next, stack(hs[:-1])


class LSTMSequence(Primitive):
    """[h_1 .. h_T, c_T] (T + 1, B, H) of an LSTM layer over the inputs x (T, B, I): gates_t =
    gx_t + h_{t-1} W_hh^T with gx = x W_ih^T + b for all steps in one product, then the fused
    step. One op for the whole layer (kernels.recurrent.lstm_sequence): the backward runs
    backpropagation through time with one product per step for d h_{t-1}, then a single
    product for grad W_ih, grad W_hh and grad b (kernels.recurrent.lstm_weight_grads)."""

    name = "lstm_sequence"

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b):
        gx = krec.input_gates(x, w_ih, b)
        ctx.hs, ctx.cs, ctx.acts, ctx.tanh_cs = krec.lstm_sequence(gx, h0, c0, w_hh)
        ctx.save_for_backward(x, h0, c0, w_ih, w_hh, b)
        return np.concatenate([ctx.hs, ctx.cs[-1:]])

    @staticmethod
    def backward(ctx, grad):
        x, h0, c0, w_ih, w_hh, b = ctx.saved_tensors
        if isinstance(grad, Tensor):
            gx = x @ w_ih.T + b
            d_gx, dh0, dc0, h_prevs = _lstm_bptt(gx, h0, c0, w_hh, grad)
            gates, hidden = d_gx.shape[-1], h0.shape[-1]
            d_rows = d_gx.reshape(-1, gates)
            d_w_ih = d_rows.T @ x.reshape(-1, x.shape[-1])
            d_w_hh = d_rows.T @ h_prevs.reshape(-1, hidden)
            d_b = d_rows.sum(0)
        else:
            args = (ctx.acts, c0, ctx.cs, ctx.tanh_cs, w_hh)
            need_h0 = ctx.needs_input_grad[1]
            d_gx, dh0, dc0 = krec.lstm_sequence_backward(grad[:-1], grad[-1], *args, need_h0)
            d_w_ih, d_w_hh, d_b = krec.lstm_weight_grads(d_gx, x, h0, ctx.hs)
        d_x = d_gx @ w_ih if ctx.needs_input_grad[0] else None
        return d_x, dh0, dc0, d_w_ih, d_w_hh, d_b

    @staticmethod
    def jvp(ctx, t_x, t_h0, t_c0, t_w_ih, t_w_hh, t_b):
        x, h0, c0, w_ih, w_hh, _ = ctx.inputs
        out = np.empty((x.shape[0] + 1, *h0.shape), x.dtype)
        t_gx = np.zeros((*x.shape[:-1], w_ih.shape[0]), x.dtype)
        if t_x is not None:
            t_gx += t_x @ w_ih.T
        if t_w_ih is not None:
            t_gx += x @ t_w_ih.T
        if t_b is not None:
            t_gx += t_b
        t_h, t_c = t_h0, t_c0
        for t in range(x.shape[0]):
            h_prev, c_prev = (ctx.hs[t - 1], ctx.cs[t - 1]) if t else (h0, c0)
            t_gates = t_gx[t]
            if t_h is not None:
                t_gates = t_gates + t_h @ w_hh.T
            if t_w_hh is not None:
                t_gates = t_gates + h_prev @ t_w_hh.T
            t_h, t_c = _lstm_tangent(ctx.acts[t], c_prev, ctx.cs[t], t_gates, t_c)
            out[t] = t_h
        out[-1] = t_c
        return out


def _gru_bptt(gi: Tensor, h0: Tensor, w_hh: Tensor, b_hh: Tensor, grad: Tensor) -> tuple:
    """`GRUSequence`'s backward as recorded Tensor ops (under create_graph), as `_lstm_bptt`:
    d gi, d gh, d h0 and the states h_0 .. h_{T-1} stacked."""
    ghs, hs = [], [h0]
    for t in range(gi.shape[0]):
        ghs.append(hs[-1] @ w_hh.T + b_hh)
        hs.append(gru_cell(gi[t], ghs[-1], hs[-1]))
    d_gi: list = [None] * gi.shape[0]
    d_gh: list = [None] * gi.shape[0]
    dh_next = None
    for t in range(gi.shape[0] - 1, -1, -1):
        dh = grad[t] if dh_next is None else grad[t] + dh_next
        d_gi[t], d_gh[t], direct = _gru_vjp(gi[t], ghs[t], hs[t], dh)
        dh_next = direct + d_gh[t] @ w_hh
    return stack(d_gi), stack(d_gh), dh_next, stack(hs[:-1])


class GRUSequence(Primitive):
    """h_t (T, B, H) of a GRU layer over T steps: gh_t = h_{t-1} W_hh^T + b_hh, then the fused
    step with gi_t (gi = x W_ih^T + b_ih for all steps, by the caller). One op for the whole
    sequence (kernels.recurrent.gru_sequence), as `LSTMSequence`."""

    name = "gru_sequence"

    @staticmethod
    def forward(ctx, gi, h0, w_hh, b_hh):
        ctx.hs, ctx.saved = krec.gru_sequence(gi, h0, w_hh, b_hh)
        ctx.save_for_backward(gi, h0, w_hh, b_hh)
        return ctx.hs.copy()  # the backward's own copy: in-place changes of the output are safe

    @staticmethod
    def backward(ctx, grad):
        gi, h0, w_hh, b_hh = ctx.saved_tensors
        hidden = h0.shape[-1]
        if isinstance(grad, Tensor):
            d_gi, d_gh, dh0, h_prevs = _gru_bptt(gi, h0, w_hh, b_hh, grad)
        else:
            hs = ctx.hs
            d_gi, d_gh, dh0 = krec.gru_sequence_backward(grad, ctx.saved, h0, hs, w_hh)
            h_prevs = np.concatenate([h0[None], hs[:-1]])
        d_gh = d_gh.reshape(-1, 3 * hidden)
        return d_gi, dh0, d_gh.T @ h_prevs.reshape(-1, hidden), d_gh.sum(0)

    @staticmethod
    def jvp(ctx, t_gi, t_h0, t_w, t_b):
        gi, h0, w_hh, _ = ctx.inputs
        hs = ctx.hs
        out = np.empty_like(hs)
        t_h = t_h0
        for t in range(gi.shape[0]):
            h_prev = hs[t - 1] if t else h0
            t_gh = None if t_b is None else np.broadcast_to(t_b, (*h0.shape[:-1], *t_b.shape))
            if t_h is not None:
                t_gh = t_h @ w_hh.T if t_gh is None else t_gh + t_h @ w_hh.T
            if t_w is not None:
                t_gh = h_prev @ t_w.T if t_gh is None else t_gh + h_prev @ t_w.T
            t_h = _gru_tangent(ctx.saved[t], h_prev, None if t_gi is None else t_gi[t], t_gh, t_h)
            out[t] = t_h
        return out


def lstm_sequence(
    x: Any, h0: Any, c0: Any, w_ih: Any, w_hh: Any, b: Any
) -> tuple[Tensor, tuple[Tensor, Tensor]]:
    """(output (T, B, H), (h_T, c_T) (B, H)) of an LSTM layer over the inputs x (T, B, I) from
    the initial state h0, c0 (B, H), W_ih (4H, I), W_hh (4H, H) and the bias b = b_ih + b_hh
    (4H,). h_T is taken from the op's output directly, not from `output`: its gradient then
    skips a zero-filled (T, B, H) array."""
    out = LSTMSequence.apply(*(as_tensor(a) for a in (x, h0, c0, w_ih, w_hh, b)))
    return out[:-1], (out[-2], out[-1])


def gru_sequence(gi: Any, h0: Any, w_hh: Any, b_hh: Any) -> Tensor:
    """The output (T, B, H) of a GRU layer from its input gates for all steps gi = x W_ih^T +
    b_ih (T, B, 3H), the initial state h0 (B, H), W_hh (3H, H) and b_hh (3H,)."""
    return GRUSequence.apply(*(as_tensor(a) for a in (gi, h0, w_hh, b_hh)))


def lstm_cell(gates: Any, c_prev: Any) -> tuple[Tensor, Tensor]:
    """(h, c) of one LSTM step from its preactivations gates = x W_ih^T + b_ih + h W_hh^T +
    b_hh (B, 4H), order (i, f, g, o), and the previous cell state c_prev (B, H)."""
    gates, c_prev = as_tensor(gates), as_tensor(c_prev)
    h, c = _split(LSTMCell.apply(gates, c_prev), 2)
    return h, c


def gru_cell(gi: Any, gh: Any, h_prev: Any) -> Tensor:
    """h of one GRU step from gi = x W_ih^T + b_ih and gh = h_prev W_hh^T + b_hh (B, 3H),
    order (r, z, n), and h_prev (B, H)."""
    return GRUCell.apply(as_tensor(gi), as_tensor(gh), as_tensor(h_prev))


__all__ = ["gru_cell", "gru_sequence", "lstm_cell", "lstm_sequence"]
