"""Plain NumPy references for the fused LSTM and GRU cell kernels in `recurrent`.

PyTorch's formulations (torch.nn.LSTMCell, torch.nn.GRUCell), gates in PyTorch's order. The
matrix products stay with the caller; these functions take the preactivations.
"""

from __future__ import annotations

import numpy as np

from .reference import sigmoid


def lstm_cell(gates: np.ndarray, c_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One LSTM step from gates = x W_ih^T + b_ih + h W_hh^T + b_hh, (B, 4H) in the order
    (i, f, g, o): i, f, o = sigmoid, g = tanh; c = f c_prev + i g; h = o tanh(c).
    Returns h, c and the activations (i, f, g, o) as (B, 4H) for the backward."""
    a_i, a_f, a_g, a_o = np.split(gates, 4, axis=1)
    i, f, g, o = sigmoid(a_i), sigmoid(a_f), np.tanh(a_g), sigmoid(a_o)
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return h, c, np.concatenate([i, f, g, o], axis=1)


def lstm_cell_backward(
    dh: np.ndarray, dc: np.ndarray, acts: np.ndarray, c_prev: np.ndarray, c: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Gradients of one LSTM step: dh and dc flow into h and c (dc from the next step).
    With t = tanh(c) and dc' = dc + dh o (1 - t^2): d gates = (dc' g i (1 - i),
    dc' c_prev f (1 - f), dc' i (1 - g^2), dh t o (1 - o)) and dc_prev = dc' f."""
    i, f, g, o = np.split(acts, 4, axis=1)
    t = np.tanh(c)
    dc_total = dc + dh * o * (1 - t * t)
    d_gates = np.concatenate(
        [
            dc_total * g * i * (1 - i),
            dc_total * c_prev * f * (1 - f),
            dc_total * i * (1 - g * g),
            dh * t * o * (1 - o),
        ],
        axis=1,
    )
    return d_gates, dc_total * f


def gru_cell(gi: np.ndarray, gh: np.ndarray, h_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One GRU step from gi = x W_ih^T + b_ih and gh = h_prev W_hh^T + b_hh, both (B, 3H) in
    the order (r, z, n): r = sigmoid(gi_r + gh_r), z = sigmoid(gi_z + gh_z),
    n = tanh(gi_n + r gh_n), h = (1 - z) n + z h_prev. Returns h and (r, z, n, gh_n) as
    (B, 4H) for the backward."""
    i_r, i_z, i_n = np.split(gi, 3, axis=1)
    h_r, h_z, h_n = np.split(gh, 3, axis=1)
    r = sigmoid(i_r + h_r)
    z = sigmoid(i_z + h_z)
    n = np.tanh(i_n + r * h_n)
    h = (1 - z) * n + z * h_prev
    return h, np.concatenate([r, z, n, h_n], axis=1)


def gru_cell_backward(
    dh: np.ndarray, saved: np.ndarray, h_prev: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of one GRU step for dh flowing into h: d gi, d gh (both (B, 3H)) and the
    direct part dh z of d h_prev (the caller adds d gh W_hh). With dn' = dh (1 - z)(1 - n^2),
    dr' = dn' gh_n r (1 - r), dz' = dh (h_prev - n) z (1 - z): d gi = (dr', dz', dn') and
    d gh = (dr', dz', dn' r)."""
    r, z, n, h_n = np.split(saved, 4, axis=1)
    dn = dh * (1 - z) * (1 - n * n)
    dr = dn * h_n * r * (1 - r)
    dz = dh * (h_prev - n) * z * (1 - z)
    return (
        np.concatenate([dr, dz, dn], axis=1),
        np.concatenate([dr, dz, dn * r], axis=1),
        dh * z,
    )
