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
from .shape import cat


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
        i, f, g, o = _split(ctx.acts, 4)
        c_prev = ctx.inputs[1]
        tg = np.zeros_like(ctx.acts) if t_gates is None else t_gates
        t_i, t_f, t_g, t_o = _split(tg, 4)
        t = np.tanh(ctx.c)
        dc = f * (1 - f) * t_f * c_prev + i * (1 - i) * t_i * g + i * (1 - g * g) * t_g
        if t_c is not None:
            dc = dc + f * t_c
        dh = o * (1 - o) * t_o * t + o * (1 - t * t) * dc
        return np.concatenate([dh, dc], axis=-1)


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
        gi, _, h_prev = ctx.inputs
        r, z, n, h_n = _split(ctx.saved, 4)
        zeros = np.zeros_like(gi)
        ti_r, ti_z, ti_n = _split(zeros if t_gi is None else t_gi, 3)
        th_r, th_z, th_n = _split(zeros if t_gh is None else t_gh, 3)
        dr = r * (1 - r) * (ti_r + th_r)
        dz = z * (1 - z) * (ti_z + th_z)
        dn = (1 - n * n) * (ti_n + dr * h_n + r * th_n)
        out = -dz * n + (1 - z) * dn + dz * h_prev
        return out if t_h is None else out + z * t_h


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


__all__ = ["gru_cell", "lstm_cell"]
