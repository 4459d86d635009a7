"""Fused LSTM and GRU cell steps (forward and backward) as one-pass Numba kernels.

The matrix products x W_ih^T and h W_hh^T stay in BLAS with the caller; these kernels do the
elementwise rest of a step, which PyTorch's CPU cells run as about ten separate operations, in
one call that goes row by row through the batch, so each row's preactivations are read from
memory once and every later loop over the row works in cache. Formulas and argument order
are those of `reference_recurrent` (PyTorch's LSTMCell and GRUCell, gates in PyTorch's order).

tanh and sigmoid are written so the loops vectorize, accurate to a few ulps of 1 (absolute),
the scale at which the cell adds them up (c and h are sums of terms in [-1, 1]). float32 tanh
is a rational function x P(x^2) / Q(x^2) on [-9, 9] (`_tanh32`: at most 3.4e-7 from tanh,
2.4x as fast as the exp-based form) and sigmoid(v) = (1 + tanh(v / 2)) / 2 (at most 2e-7
off); float64 keeps tanh(v) = sign(v) (1 - e) / (1 + e), e = exp(-2 |v|) on `fastexp.exp`, and
`elementwise._sigmoid`. float32 gates saturate to exactly 0 and 1 (tanh from |v| = 9 on,
sigmoid from 18). Each loop reads its arrays and writes another: written in place, they stayed
scalar.

Other dtypes than float32/float64 (or mixed ones) go to the NumPy reference, which the kernels
beat at every size (float32, one Zen 5 core, best of 100, kernel / reference, us):
    batch, hidden   LSTM forward  backward   GRU forward  backward
    1, 8             3.2 / 18     3.2 / 13    2.4 / 19    2.5 / 11
    64, 128           11 / 69      11 / 42     14 / 53     14 / 35
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import overload

from ..errors import ShapeError
from . import reference_recurrent as reference
from .blas import gemm, gemm_addresses
from .elementwise import _sigmoid
from .fastexp import exp
from .linalg import transposed
from .windows import fits_kernels

_F32 = np.float32
# float32 tanh(x) = x P(u) / Q(u), u = (x / 9)^2, on [-9, 9] (tanh(9) rounds to 1): fitted for
# this module by least squares, reweighted toward the smallest largest error.
_P = tuple(_F32(c) for c in (0.9999999, 10.832293, 22.875513, 10.879725, 0.5675688))
_Q = tuple(_F32(c) for c in (1.0, 37.832264, 169.54935, 173.85588, 33.158424))


@njit(cache=True, error_model="numpy", fastmath={"contract"})
def _tanh32(v):
    """tanh of a float32 from the rational function above: within 3.4e-7 of tanh."""
    x = _F32(9.0) if v > _F32(9.0) else v  # two compares, so NaN stays NaN
    x = _F32(-9.0) if x < _F32(-9.0) else x
    s = x * _F32(1 / 9)
    u = s * s
    p = (((_P[4] * u + _P[3]) * u + _P[2]) * u + _P[1]) * u + _P[0]
    q = (((_Q[4] * u + _Q[3]) * u + _Q[2]) * u + _Q[1]) * u + _Q[0]
    t = _F32(1.0) if v >= _F32(9.0) else x * p / q  # saturated gates exactly 0 and 1
    return _F32(-1.0) if v <= _F32(-9.0) else t


@njit(cache=True, error_model="numpy")
def _tanh64(v):
    """sign(v) (1 - e) / (1 + e), e = exp(-2 |v|) <= 1 (no overflow)."""
    e = exp(-(abs(v) + abs(v)))
    t = (1.0 - e) / (1.0 + e)
    return t if v >= 0 else -t


def _tanh(v):
    """tanh(v) in v's type (float32: `_tanh32`, float64: `_tanh64`). This Python version runs
    under NUMBA_DISABLE_JIT."""
    return _tanh32(v) if isinstance(v, np.float32) else _tanh64(v)


@njit(cache=True, error_model="numpy", fastmath={"contract"})
def _sigmoid32(v):
    """sigmoid of a float32 as (1 + tanh(v / 2)) / 2 on `_tanh32`: within 2e-7 of sigmoid."""
    return _F32(0.5) + _F32(0.5) * _tanh32(_F32(0.5) * v)


def _gate_sigmoid(v):
    """sigmoid(v) in v's type (float32: `_sigmoid32`). This Python version runs under
    NUMBA_DISABLE_JIT."""
    return _sigmoid32(v) if isinstance(v, np.float32) else _sigmoid(v, 1.0)


@overload(_tanh, jit_options={"cache": True})
def _tanh_overload(v):
    return (lambda v: _tanh32(v)) if v == types.float32 else (lambda v: _tanh64(v))


@overload(_gate_sigmoid, jit_options={"cache": True})
def _gate_sigmoid_overload(v):
    return (lambda v: _sigmoid32(v)) if v == types.float32 else (lambda v: _sigmoid(v, 1.0))


@njit(cache=True, error_model="numpy")
def _sigmoid_into(src, dst):
    for k in range(src.size):
        dst[k] = _gate_sigmoid(src[k])


@njit(cache=True, error_model="numpy")
def _tanh_into(src, dst):
    for k in range(src.size):
        dst[k] = _tanh(src[k])


@njit(cache=True)
def _gate_scales(hidden, dtype):
    """s per gate column for `_lstm_forward`: 1/2 for i, f and o, 1 for g."""
    scale = np.full(4 * hidden, 0.5, dtype)
    scale[2 * hidden : 3 * hidden] = 1
    return scale


@njit(cache=True, error_model="numpy", fastmath={"contract"})
def _lstm_forward(gates, gx, scale, c_prev, h, c, acts, tanh_c):
    """One step for the preactivations gates + gx (gx None: gates alone): h, c, the
    activations and tanh(c), which the backward takes. All four gates go through one loop
    per row as (1 - s) + s tanh(s v), s from `_gate_scales`: sigmoid(v) for s = 1/2, tanh(v)
    for s = 1. A loop per gate, with the sum in a loop of its own, took 1.5x as long (batch 64,
    hidden 128)."""
    n = c.shape[1]
    one = gates.dtype.type(1)
    for b in range(gates.shape[0]):
        pre, a, cp, cell, t = gates[b], acts[b], c_prev[b], c[b], tanh_c[b]
        x = pre if gx is None else gx[b]
        for j in range(4 * n):
            s = scale[j]
            a[j] = (one - s) + s * _tanh(s * (pre[j] if gx is None else pre[j] + x[j]))
        for j in range(n):
            cell[j] = a[n + j] * cp[j] + a[j] * a[2 * n + j]
        hid = h[b]  # taken here: with the other rows above, the step took 40 % longer
        for j in range(n):
            tanh_cell = _tanh(cell[j])
            t[j] = tanh_cell
            hid[j] = tanh_cell * a[3 * n + j]


@njit(cache=True, error_model="numpy")
def _lstm_backward(dh, dc, acts, c_prev, tanh_c, d_gates, dc_prev):
    """d gates and dc_prev (a buffer other than dc) of one step. One short loop per gate: a
    single loop writing all four read and wrote too many arrays for LLVM to vectorize it. Each
    row is taken just before the first loop that uses it: taken all at once, the step took 6.6
    us instead of 4.5 (batch 64, hidden 128), as in `_lstm_forward`."""
    one = dh.dtype.type(1)
    n = dh.shape[1]
    for b in range(dh.shape[0]):
        a, total, grad_h, grad_c, t = acts[b], dc_prev[b], dh[b], dc[b], tanh_c[b]
        for j in range(n):  # total held in dc_prev's row until the last loop
            total[j] = grad_c[j] + grad_h[j] * a[3 * n + j] * (one - t[j] * t[j])
        d = d_gates[b]
        for j in range(n):
            o = a[3 * n + j]
            d[3 * n + j] = grad_h[j] * t[j] * o * (one - o)
        for j in range(n):
            i = a[j]
            d[j] = total[j] * a[2 * n + j] * i * (one - i)
        cp = c_prev[b]
        for j in range(n):
            f = a[n + j]
            d[n + j] = total[j] * cp[j] * f * (one - f)
        for j in range(n):
            g = a[2 * n + j]
            d[2 * n + j] = total[j] * a[j] * (one - g * g)
        for j in range(n):
            total[j] *= a[n + j]


@njit(cache=True, error_model="numpy")
def _gru_forward(gi, gh, h_prev, h, saved):
    n = h.shape[1]
    pre = np.empty(3 * n, gi.dtype)  # separate from the outputs: in place, nothing vectorizes
    for b in range(gi.shape[0]):
        x, y, s, hp, hid = gi[b], gh[b], saved[b], h_prev[b], h[b]
        for j in range(2 * n):
            pre[j] = x[j] + y[j]
        _sigmoid_into(pre[: 2 * n], s[: 2 * n])
        for j in range(n):
            s[3 * n + j] = y[2 * n + j]
            pre[2 * n + j] = x[2 * n + j] + s[j] * y[2 * n + j]
        _tanh_into(pre[2 * n :], s[2 * n : 3 * n])
        for j in range(n):
            cand = s[2 * n + j]
            hid[j] = cand + s[n + j] * (hp[j] - cand)


@njit(cache=True, error_model="numpy")
def _gru_backward(dh, saved, h_prev, d_gi, d_gh, dh_prev):
    one = dh.dtype.type(1)
    n = dh.shape[1]
    for b in range(dh.shape[0]):
        s, di, dg, grad, hp, out = saved[b], d_gi[b], d_gh[b], dh[b], h_prev[b], dh_prev[b]
        for j in range(n):
            r, z, cand, hn = s[j], s[n + j], s[2 * n + j], s[3 * n + j]
            dn = grad[j] * (one - z) * (one - cand * cand)
            dr = dn * hn * r * (one - r)
            dz = grad[j] * (hp[j] - cand) * z * (one - z)
            di[j], di[n + j], di[2 * n + j] = dr, dz, dn
            dg[j], dg[n + j], dg[2 * n + j] = dr, dz, dn * r
            out[j] = grad[j] * z


def _check(op: str, hidden: int, **arrays: np.ndarray) -> None:
    """Raises unless every array is 2-D, of one batch size, and (name, width) fits `hidden`:
    the names say how many blocks of `hidden` columns each array holds."""
    widths = {"gates": 4, "acts": 4, "saved": 4, "gi": 3, "gh": 3}
    batch = next(iter(arrays.values())).shape[0]
    for name, a in arrays.items():
        expected = (batch, widths.get(name, 1) * hidden)
        if a.shape != expected:
            shapes = ", ".join(f"{k} {v.shape}" for k, v in arrays.items())
            raise ShapeError(f"{op}: {name} must have shape {expected}, got {shapes}")


def _contiguous(*arrays: np.ndarray) -> list[np.ndarray]:
    return [np.ascontiguousarray(a) for a in arrays]


def lstm_cell(gates: np.ndarray, c_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One LSTM step from preactivations gates (B, 4H), order (i, f, g, o), and c_prev (B, H):
    h, c and the activations (B, 4H) that `lstm_cell_backward` takes."""
    _check("lstm_cell", c_prev.shape[-1], gates=gates, c_prev=c_prev)
    if not fits_kernels(gates, c_prev):
        return reference.lstm_cell(gates, c_prev)
    h, c = np.empty_like(c_prev, order="C"), np.empty_like(c_prev, order="C")
    acts = np.empty_like(gates, order="C")
    gates, c_prev = _contiguous(gates, c_prev)
    scale = _gate_scales(h.shape[1], h.dtype)
    _lstm_forward(gates, None, scale, c_prev, h, c, acts, np.empty_like(h))
    return h, c, acts


def lstm_cell_backward(
    dh: np.ndarray, dc: np.ndarray, acts: np.ndarray, c_prev: np.ndarray, c: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """d gates (B, 4H) and dc_prev (B, H) of one LSTM step, for dh into h and dc into c (pass
    zeros for a last step whose c is not used)."""
    _check("lstm_cell_backward", c.shape[-1], dh=dh, dc=dc, acts=acts, c_prev=c_prev, c=c)
    if not fits_kernels(dh, dc, acts, c_prev, c):
        return reference.lstm_cell_backward(dh, dc, acts, c_prev, c)
    d_gates = np.empty(acts.shape, dh.dtype)
    dc_prev = np.empty(c.shape, dh.dtype)
    dh, dc, acts, c_prev, c = _contiguous(dh, dc, acts, c_prev, c)
    tanh_c = np.empty_like(c)
    _tanh_into(c.ravel(), tanh_c.ravel())
    _lstm_backward(dh, dc, acts, c_prev, tanh_c, d_gates, dc_prev)
    return d_gates, dc_prev


def gru_cell(gi: np.ndarray, gh: np.ndarray, h_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One GRU step from the input part gi and hidden part gh of the preactivations (both
    (B, 3H), order (r, z, n), each with its bias) and h_prev (B, H): h and the (B, 4H) values
    that `gru_cell_backward` takes."""
    _check("gru_cell", h_prev.shape[-1], gi=gi, gh=gh, h_prev=h_prev)
    if not fits_kernels(gi, gh, h_prev):
        return reference.gru_cell(gi, gh, h_prev)
    h = np.empty(h_prev.shape, gi.dtype)
    saved = np.empty((gi.shape[0], 4 * h_prev.shape[1]), gi.dtype)
    _gru_forward(*_contiguous(gi, gh, h_prev), h, saved)
    return h, saved


def gru_cell_backward(
    dh: np.ndarray, saved: np.ndarray, h_prev: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """d gi, d gh (both (B, 3H)) and the direct part dh z of d h_prev (B, H) of one GRU step;
    the caller adds d gh W_hh to the latter."""
    _check("gru_cell_backward", h_prev.shape[-1], dh=dh, saved=saved, h_prev=h_prev)
    if not fits_kernels(dh, saved, h_prev):
        return reference.gru_cell_backward(dh, saved, h_prev)
    d_gi = np.empty((dh.shape[0], 3 * dh.shape[1]), dh.dtype)
    d_gh = np.empty_like(d_gi)
    dh_prev = np.empty(dh.shape, dh.dtype)
    _gru_backward(*_contiguous(dh, saved, h_prev), d_gi, d_gh, dh_prev)
    return d_gi, d_gh, dh_prev


# Whole sequences: the step loop runs inside one Numba call, which calls NumPy's BLAS (blas.py)
# for h_{t-1} W_hh^T (forward) and d gates W_hh (backward) and the fused step kernels above on
# preallocated rows, so a step costs no Python call and no allocation. Other dtypes loop in
# Python over the per-step functions (and so over the NumPy reference).


@njit(cache=True, error_model="numpy")
def _lstm_sequence_forward(gx, h0, c0, w_t, hs, cs, acts, tanh_cs, blas):
    gates = np.empty(gx.shape[1:], gx.dtype)
    scale = _gate_scales(h0.shape[1], gx.dtype)
    for t in range(gx.shape[0]):
        h, c = (h0, c0) if t == 0 else (hs[t - 1], cs[t - 1])
        gemm(blas, h, w_t, gates)
        _lstm_forward(gates, gx[t], scale, c, hs[t], cs[t], acts[t], tanh_cs[t])


@njit(cache=True, error_model="numpy")
def _lstm_sequence_backward(grad_h, acts, c0, cs, tanh_cs, w, d_gates, dh, dc, need_h0, blas):
    """dh and dc come in holding the gradients into the last h and c and leave holding d h0
    (if need_h0) and d c0."""
    dc_prev = np.empty_like(dc)
    for t in range(grad_h.shape[0] - 1, -1, -1):
        c_prev = c0 if t == 0 else cs[t - 1]
        _lstm_backward(dh, dc, acts[t], c_prev, tanh_cs[t], d_gates[t], dc_prev)
        dc, dc_prev = dc_prev, dc
        if t:  # d h_{t-1} = grad_h[t - 1] + d gates_t W_hh
            dh[:] = grad_h[t - 1]
        if t or need_h0:
            gemm(blas, d_gates[t], w, dh, accumulate=t > 0)
    return dc


def lstm_sequence(
    gx: np.ndarray, h0: np.ndarray, c0: np.ndarray, w_hh: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """An LSTM layer over T steps: gates_t = gx_t + h_{t-1} W_hh^T (gx (T, B, 4H)), then
    `lstm_cell`. Returns hs, cs (T, B, H), the activations (T, B, 4H) and tanh(cs), which
    `lstm_sequence_backward` takes."""
    hs = np.empty((*gx.shape[:-1], h0.shape[-1]), gx.dtype)
    cs, acts = np.empty_like(hs), np.empty(gx.shape, gx.dtype)
    if fits_kernels(gx, h0, c0, w_hh):
        w_t = transposed(w_hh)  # BLAS is ~15 % faster on it than on the view
        tanh_cs, blas = np.empty_like(hs), gemm_addresses()
        _lstm_sequence_forward(*_contiguous(gx, h0, c0), w_t, hs, cs, acts, tanh_cs, blas)
        return hs, cs, acts, tanh_cs
    h, c = h0, c0
    for t in range(gx.shape[0]):
        h, c, acts[t] = lstm_cell(gx[t] + h @ w_hh.T, c)
        hs[t], cs[t] = h, c
    return hs, cs, acts, np.tanh(cs)


def lstm_sequence_backward(
    grad_h: np.ndarray,
    grad_c: np.ndarray,
    acts: np.ndarray,
    c0: np.ndarray,
    cs: np.ndarray,
    tanh_cs: np.ndarray,
    w_hh: np.ndarray,
    need_h0: bool = True,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Backpropagation through time of `lstm_sequence` for the gradients grad_h (T, B, H) into
    every step's h and grad_c (B, H) into the last c: d gx (T, B, 4H), d h0 (None unless
    need_h0: its product is skipped) and d c0 (the caller forms grad W_hh from d gx in one
    product)."""
    d_gates = np.empty(acts.shape, grad_h.dtype)
    if fits_kernels(grad_h, grad_c, acts, c0, cs, tanh_cs, w_hh):
        dh, dc = np.array(grad_h[-1], order="C"), np.array(grad_c, order="C")
        arrays = _contiguous(grad_h, acts, c0, cs, tanh_cs, w_hh)
        dc = _lstm_sequence_backward(*arrays, d_gates, dh, dc, need_h0, gemm_addresses())
        return d_gates, dh if need_h0 else None, dc
    dh_next, dc_next = np.zeros_like(c0), grad_c
    for t in range(grad_h.shape[0] - 1, -1, -1):
        dh = grad_h[t] + dh_next
        c_prev = cs[t - 1] if t else c0
        d_gates[t], dc_next = lstm_cell_backward(dh, dc_next, acts[t], c_prev, cs[t])
        dh_next = d_gates[t] @ w_hh if t or need_h0 else None
    return d_gates, dh_next, dc_next


def input_gates(x: np.ndarray, w_ih: np.ndarray, b: np.ndarray) -> np.ndarray:
    """x W_ih^T + b (T, B, G) for the inputs x (T, B, I) of all steps: one product over the
    T B rows, which BLAS adds onto copies of b (no second pass for the bias)."""
    rows = x.reshape(-1, x.shape[-1])
    out = np.empty((rows.shape[0], w_ih.shape[0]), x.dtype)
    out[:] = b
    if fits_kernels(rows, w_ih, b):
        gemm(gemm_addresses(), np.ascontiguousarray(rows), w_ih.T, out, True)
    else:
        out += rows @ w_ih.T
    return out.reshape(*x.shape[:-1], w_ih.shape[0])


def lstm_weight_grads(
    d_gates: np.ndarray, x: np.ndarray, h0: np.ndarray, hs: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """grad W_ih, grad W_hh and grad b = sum_t d gates_t^T [x_t, h_{t-1}, 1] of an LSTM layer
    as one product over the T B rows [x_t, h_{t-1}, 1] (a column of ones gives the bias sum):
    one pass over d gates instead of three, and BLAS is faster on the wider product (one
    thread, T 28, B 64, I 28, H 128: 1.19 ms against 1.05 + 0.48 ms for the two weights)."""
    inputs, hidden, gates = x.shape[-1], h0.shape[-1], d_gates.shape[-1]
    rows = np.empty((*x.shape[:-1], inputs + hidden + 1), d_gates.dtype)
    rows[..., :inputs] = x
    rows[0, :, inputs:-1] = h0
    rows[1:, :, inputs:-1] = hs[:-1]
    rows[..., -1] = 1
    rows = rows.reshape(-1, rows.shape[-1])
    product = rows.T @ d_gates.reshape(-1, gates)  # faster than d_gates^T rows here
    return transposed(product[:inputs]), transposed(product[inputs:-1]), product[-1].copy()


@njit(cache=True, error_model="numpy")
def _gru_sequence_forward(gi, h0, w_t, b_hh, hs, saved, blas):
    gh = np.empty((gi.shape[1], w_t.shape[1]), gi.dtype)
    for t in range(gi.shape[0]):
        h = h0 if t == 0 else hs[t - 1]
        gemm(blas, h, w_t, gh)
        for b in range(gh.shape[0]):
            gh[b] += b_hh
        _gru_forward(gi[t], gh, h, hs[t], saved[t])


@njit(cache=True, error_model="numpy")
def _gru_sequence_backward(grad, saved, h0, hs, w, d_gi, d_gh, dh_next, blas):
    dh, direct = np.empty_like(dh_next), np.empty_like(dh_next)
    for t in range(grad.shape[0] - 1, -1, -1):
        dh[:] = grad[t] + dh_next
        _gru_backward(dh, saved[t], h0 if t == 0 else hs[t - 1], d_gi[t], d_gh[t], direct)
        gemm(blas, d_gh[t], w, dh_next)
        dh_next += direct


def gru_sequence(
    gi: np.ndarray, h0: np.ndarray, w_hh: np.ndarray, b_hh: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A GRU layer over T steps: gh_t = h_{t-1} W_hh^T + b_hh, then `gru_cell` with gi_t (gi
    (T, B, 3H)). Returns hs (T, B, H) and the (T, B, 4H) values of every step."""
    hs = np.empty((*gi.shape[:-1], h0.shape[-1]), gi.dtype)
    saved = np.empty((*gi.shape[:-1], 4 * h0.shape[-1]), gi.dtype)
    if fits_kernels(gi, h0, w_hh, b_hh):
        w_t = transposed(w_hh)
        b = np.ascontiguousarray(b_hh)
        _gru_sequence_forward(*_contiguous(gi, h0), w_t, b, hs, saved, gemm_addresses())
        return hs, saved
    h = h0
    for t in range(gi.shape[0]):
        h, saved[t] = gru_cell(gi[t], h @ w_hh.T + b_hh, h)
        hs[t] = h
    return hs, saved


def gru_sequence_backward(
    grad: np.ndarray, saved: np.ndarray, h0: np.ndarray, hs: np.ndarray, w_hh: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backpropagation through time of `gru_sequence` for grad (T, B, H) into every step's h:
    d gi, d gh (T, B, 3H) and d h0 (the caller forms grad W_hh and grad b_hh from d gh)."""
    d_gi = np.empty((*grad.shape[:-1], 3 * grad.shape[-1]), grad.dtype)
    d_gh = np.empty_like(d_gi)
    dh_next = np.zeros_like(h0, order="C")
    if fits_kernels(grad, saved, h0, hs, w_hh):
        arrays = _contiguous(grad, saved, h0, hs, w_hh)
        _gru_sequence_backward(*arrays, d_gi, d_gh, dh_next, gemm_addresses())
        return d_gi, d_gh, dh_next
    for t in range(grad.shape[0] - 1, -1, -1):
        h_prev = hs[t - 1] if t else h0
        d_gi[t], d_gh[t], direct = gru_cell_backward(grad[t] + dh_next, saved[t], h_prev)
        dh_next = direct + d_gh[t] @ w_hh
    return d_gi, d_gh, dh_next
