"""Recurrent layers with PyTorch's equations, gate order, parameter names and return values:
RNN (tanh or relu), LSTM and GRU over whole sequences (num_layers, bidirectional, dropout
between layers, batch_first, PackedSequence inputs) and their one-step cells.

With g = x W_ih^T + b_ih and r = h W_hh^T + b_hh (gates stacked in PyTorch's order):
    RNN   h' = tanh(g + r)
    LSTM  i, f, c~, o = sig, sig, tanh, sig of (g + r);  c' = f c + i c~;  h' = o tanh(c')
    GRU   r_, z = sig(g_r + r_r), sig(g_z + r_z);  n = tanh(g_n + r_ * r_n);  h' = (1 - z) n + z h
Each layer multiplies the inputs of all time steps by W_ih at once. An LSTM or GRU layer over
unpacked sequences is then one fused core op for the whole recurrence
(`ops.recurrent.lstm_sequence`, `gru_sequence`: the step loop runs in one compiled call and
the backward is backpropagation through time with one product per step); packed sequences
the Elman RNN and any run inside `viz.recording()` (so drawings show one box per time step)
go step by step: the product h W_hh^T, then the gate arithmetic
(`ops.lstm_cell`, `ops.gru_cell` fused) and the mask of finished sequences.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd_engine as ae

from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter
from ..rnn_utils import PackedSequence, pad_packed_sequence, repack

Tensor = ae.Tensor
_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _step(mode: str, gi: Tensor, h: Any, w_hh: Tensor, b_hh: Tensor | None) -> Any:
    """One time step from gi = x W_ih^T + b_ih and the state (h, or (h, c) for an LSTM)."""
    hidden = h[0] if mode == "LSTM" else h
    gh = hidden @ w_hh.t()
    if b_hh is not None:
        gh = gh + b_hh
    if mode == "RNN_TANH":
        return ae.tanh(gi + gh)
    if mode == "RNN_RELU":
        return ae.relu(gi + gh)
    if mode == "LSTM":
        return ae.ops.lstm_cell(gi + gh, h[1])
    return ae.ops.gru_cell(gi, gh, hidden)


def _sequence(
    mode: str, x: Tensor, state: Any, weights: tuple, reverse: bool
) -> tuple[Tensor, Any]:
    """An LSTM or GRU layer's outputs (T, N, H) and final state for inputs x (T, N, I), in
    time order or `reverse`d: one fused op over the whole sequence
    (ops.recurrent.lstm_sequence, gru_sequence; the GRU's input gates of all steps come
    first, as one product on the contiguous (T N, I) rows)."""
    w_ih, w_hh, b_ih, b_hh = weights
    if reverse:
        x = ae.flip(x, 0)
    zeros = ae.zeros(w_hh.shape[0], dtype=w_hh.dtype) if b_hh is None else None
    if mode == "LSTM":
        bias = zeros if b_ih is None else b_ih + b_hh
        out, final = ae.ops.recurrent.lstm_sequence(x, state[0], state[1], w_ih, w_hh, bias)
    else:
        gates = F.linear(x.reshape(-1, x.shape[-1]), w_ih, b_ih).reshape(*x.shape[:2], -1)
        out = ae.ops.recurrent.gru_sequence(gates, state, w_hh, zeros if b_hh is None else b_hh)
        final: Any = out[-1]
    return (ae.flip(out, 0) if reverse else out), final


def _input_gates(x: Tensor, w_ih: Tensor, b_ih: Tensor | None) -> Tensor:
    out = x @ w_ih.t()
    return out if b_ih is None else out + b_ih


class RNNCellBase(Module):
    """One step of a recurrent layer: weight_ih (G H, I), weight_hh (G H, H) and biases
    (G H,), all initialised U(-1/sqrt(H), 1/sqrt(H)) as PyTorch."""

    mode = "RNN_TANH"

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, dtype: Any = None
    ) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        rows = _GATES[self.mode] * hidden_size
        self.weight_ih = Parameter(ae.zeros(rows, input_size, dtype=dtype))
        self.weight_hh = Parameter(ae.zeros(rows, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(ae.zeros(rows, dtype=dtype))
            self.bias_hh = Parameter(ae.zeros(rows, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _zeros(self, input: Tensor) -> Tensor:
        return ae.zeros(*input.shape[:-1], self.hidden_size, dtype=input.dtype)

    def forward(self, input: Tensor, hx: Any = None) -> Any:
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise ae.ShapeError(
                f"{type(self).__name__}: expected input (N, {self.input_size}) or "
                f"({self.input_size},), got shape {tuple(input.shape)}"
            )
        if hx is None:
            hx = (self._zeros(input),) * 2 if self.mode == "LSTM" else self._zeros(input)
        gi = _input_gates(input, self.weight_ih, self.bias_ih)
        return _step(self.mode, gi, hx, self.weight_hh, self.bias_hh)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        return text if self.bias else f"{text}, bias=False"


class RNNCell(RNNCellBase):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu)."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity}")
        self.nonlinearity = nonlinearity
        self.mode = "RNN_" + nonlinearity.upper()
        super().__init__(input_size, hidden_size, bias, dtype)


class LSTMCell(RNNCellBase):
    """(h', c') from (h, c): input, forget, cell and output gates (PyTorch's order)."""

    mode = "LSTM"


class GRUCell(RNNCellBase):
    """h' = (1 - z) n + z h with reset, update and new gates (PyTorch's order)."""

    mode = "GRU"


class RNNBase(Module):
    """A stack of recurrent layers, each one or two directions, over (T, N, I) sequences
    ((N, T, I) with batch_first, (T, I) unbatched, or a PackedSequence). Parameters are named
    weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}, with _reverse for the
    backward direction, as PyTorch's."""

    mode = "RNN_TANH"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{type(self).__name__}: dropout must be in [0, 1], got {dropout}")
        if num_layers < 1 or hidden_size < 1:
            raise ValueError(
                f"{type(self).__name__}: num_layers and hidden_size must be positive, got "
                f"{num_layers} and {hidden_size}"
            )
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional = bidirectional
        directions = 2 if bidirectional else 1
        rows = _GATES[self.mode] * hidden_size
        for layer in range(num_layers):
            width = input_size if layer == 0 else hidden_size * directions
            for suffix in ("", "_reverse")[:directions]:
                tail = f"_l{layer}{suffix}"
                setattr(self, "weight_ih" + tail, Parameter(ae.zeros(rows, width, dtype=dtype)))
                setattr(
                    self, "weight_hh" + tail, Parameter(ae.zeros(rows, hidden_size, dtype=dtype))
                )
                if bias:
                    setattr(self, "bias_ih" + tail, Parameter(ae.zeros(rows, dtype=dtype)))
                    setattr(self, "bias_hh" + tail, Parameter(ae.zeros(rows, dtype=dtype)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _weights(self, layer: int, suffix: str) -> tuple:
        params, tail = self._parameters, f"_l{layer}{suffix}"
        return tuple(
            params.get(name + tail) for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        )

    def forward(self, input: Any, hx: Any = None) -> tuple[Any, Any]:
        packed = isinstance(input, PackedSequence)
        if packed:
            x, lengths_t = pad_packed_sequence(input)
            lengths = lengths_t.numpy()
        else:
            x = input
            if x.ndim not in (2, 3) or x.shape[-1] != self.input_size:
                raise ae.ShapeError(
                    f"{type(self).__name__}: expected input (T, N, {self.input_size}) "
                    f"(batch_first: (N, T, {self.input_size})) or (T, {self.input_size}), got "
                    f"shape {tuple(x.shape)}"
                )
            lengths = None
        unbatched = x.ndim == 2
        if unbatched:
            x = x.unsqueeze(1)
            hx = None if hx is None else _map_state(hx, lambda t: t.unsqueeze(1))
        elif self.batch_first and not packed:
            x = x.transpose(0, 1)
        out, state = self._run(x, hx, lengths)
        if packed:
            return repack(out, lengths, input), state
        if unbatched:
            return out.squeeze(1), _map_state(state, lambda t: t.squeeze(1))
        return (out.transpose(0, 1) if self.batch_first else out), state

    def _run(self, x: Tensor, hx: Any, lengths: np.ndarray | None) -> tuple[Tensor, Any]:
        steps, batch = x.shape[0], x.shape[1]
        directions = 2 if self.bidirectional else 1
        shape = (self.num_layers * directions, batch, self.hidden_size)
        lstm = self.mode == "LSTM"
        if hx is None:
            zeros = ae.zeros(*shape, dtype=x.dtype)
            hx = (zeros, zeros) if lstm else zeros
        for t in hx if lstm else (hx,):
            if tuple(t.shape) != shape:
                raise ae.ShapeError(
                    f"{type(self).__name__}: expected initial state(s) of shape {shape}, got "
                    f"{tuple(t.shape)}"
                )
        # masks[t]: which sequences are still running at step t (all, unless packed)
        masks = None
        if lengths is not None:
            masks = [ae.tensor((lengths > t)[:, None]) for t in range(steps)]
        finals_h, finals_c = [], []
        layer_input = x
        for layer in range(self.num_layers):
            outputs = []
            for d, suffix in enumerate(("", "_reverse")[:directions]):
                w_ih, w_hh, b_ih, b_hh = self._weights(layer, suffix)
                k = layer * directions + d
                state = (hx[0][k], hx[1][k]) if lstm else hx[k]
                fused = masks is None and self.mode in ("LSTM", "GRU") and steps
                if fused and not ae.viz.is_recording():  # drawings show the steps
                    weights = (w_ih, w_hh, b_ih, b_hh)
                    out, state = _sequence(self.mode, layer_input, state, weights, d == 1)
                    outputs.append(out)
                    finals_h.append(state[0] if lstm else state)
                    if lstm:
                        finals_c.append(state[1])
                    continue
                gates = _input_gates(layer_input, w_ih, b_ih)
                order = range(steps - 1, -1, -1) if d else range(steps)
                seq: list[Tensor | None] = [None] * steps
                name = self._step_name(layer, d)
                for t in order:
                    with ae.scope(f"{name} t={t}"):  # one box per time step in graph drawings
                        new = _step(self.mode, gates[t], state, w_hh, b_hh)
                        if masks is not None:
                            new = _map_pair(new, state, lambda a, b, m=masks[t]: ae.where(m, a, b))
                    state = new
                    h = state[0] if lstm else state
                    seq[t] = h if masks is None else h * masks[t].astype(h.dtype)
                outputs.append(ae.stack(seq, 0))
                finals_h.append(state[0] if lstm else state)
                if lstm:
                    finals_c.append(state[1])
            layer_input = outputs[0] if directions == 1 else ae.cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        h_n = ae.stack(finals_h, 0)
        return layer_input, ((h_n, ae.stack(finals_c, 0)) if lstm else h_n)

    def _step_name(self, layer: int, direction: int) -> str:
        """ "LSTM step", "GRU layer 1 reverse step": how drawings label this run's time steps."""
        name = type(self).__name__
        if self.num_layers > 1:
            name += f" layer {layer}"
        return name + (" reverse step" if direction else " step")

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text


def _map_state(state: Any, fn: Any) -> Any:
    return tuple(fn(t) for t in state) if isinstance(state, tuple) else fn(state)


def _map_pair(new: Any, old: Any, fn: Any) -> Any:
    if isinstance(new, tuple):
        return tuple(fn(a, b) for a, b in zip(new, old, strict=True))
    return fn(new, old)


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (nonlinearity='relu'
    for relu). Returns (output, h_n)."""

    def __init__(self, input_size: int, hidden_size: int, *args: Any, **kwargs: Any) -> None:
        nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity}")
        self.nonlinearity = nonlinearity
        self.mode = "RNN_" + nonlinearity.upper()
        super().__init__(input_size, hidden_size, *args, **kwargs)


class LSTM(RNNBase):
    """Long short-term memory. Returns (output, (h_n, c_n))."""

    mode = "LSTM"


class GRU(RNNBase):
    """Gated recurrent unit. Returns (output, h_n)."""

    mode = "GRU"
