"""Elementwise activations and their backward passes as Numba kernels.

Each `_name` scalar function holds the formula once; the loops apply it to flat contiguous
arrays, and LLVM vectorizes them (exp from `fastexp`, error_model="numpy" so that a division has
no zero check). Constants are cast to the array's dtype so float32 stays float32 inside the loop.
The array functions pass `ravel()` (a view of a C-contiguous array, a copy otherwise; 3x cheaper
than ascontiguousarray plus reshape, which shows at 1K elements) and write into a new C-ordered
array. Kernels built on exp run over two threads for very large arrays; the memory-bound ones (ReLU,
leaky ReLU and the backward passes that only multiply) stay serial because a second thread
gains nothing at the memory bandwidth of two cores. There is no tanh kernel: NumPy's single
vectorised `np.tanh` is 3x to 7x faster than Numba's scalar tanh at every size.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .fastexp import exp
from .threads import use_parallel

# --- scalar formulas -------------------------------------------------------------------------


@njit(cache=True, error_model="numpy")
def _sigmoid(v, one):
    """1 / (1 + e^-v) for v >= 0, e^v / (1 + e^v) otherwise, with e = exp(-|v|) <= 1."""
    e = exp(-abs(v))
    r = one / (one + e)
    return r if v >= 0 else e * r


@njit(cache=True, error_model="numpy")
def _elu(v, alpha):
    """v for v > 0, alpha (e^v - 1) otherwise."""
    return v if v > 0 else alpha * np.expm1(v)


@njit(cache=True, error_model="numpy")
def _elu_grad(v, g, alpha):
    """g for v > 0, g alpha e^v otherwise."""
    return g if v > 0 else g * alpha * exp(v)


@njit(cache=True, error_model="numpy")
def _softplus(v, zero):
    """max(v, 0) + log1p(exp(-|v|))."""
    return (v if v > zero else zero) + np.log1p(np.exp(-abs(v)))


# --- loops -----------------------------------------------------------------------------------


@njit(cache=True, error_model="numpy")
def _sigmoid_loop(x, out):
    one = x.dtype.type(1)
    for i in range(x.size):
        out[i] = _sigmoid(x[i], one)


@njit(cache=True, parallel=True, error_model="numpy")
def _sigmoid_par(x, out):
    one = x.dtype.type(1)
    for i in prange(x.size):
        out[i] = _sigmoid(x[i], one)


@njit(cache=True, error_model="numpy")
def _sigmoid_backward_loop(y, g, out):
    one = y.dtype.type(1)
    for i in range(y.size):
        out[i] = g[i] * y[i] * (one - y[i])


@njit(cache=True, error_model="numpy")
def _tanh_backward_loop(y, g, out):
    one = y.dtype.type(1)
    for i in range(y.size):
        out[i] = g[i] * (one - y[i] * y[i])


@njit(cache=True, error_model="numpy")
def _relu_loop(x, out):
    zero = x.dtype.type(0)
    for i in range(x.size):
        v = x[i]
        out[i] = zero if v <= zero else v  # NaN passes through, as np.maximum


@njit(cache=True, error_model="numpy")
def _relu_backward_loop(x, g, out):
    zero = g.dtype.type(0)
    for i in range(x.size):
        out[i] = zero if x[i] <= zero else g[i]  # NaN x passes g, as PyTorch


@njit(cache=True, error_model="numpy")
def _leaky_relu_loop(x, out, slope):
    s = x.dtype.type(slope)
    for i in range(x.size):
        v = x[i]
        out[i] = v if v > 0 else v * s


@njit(cache=True, error_model="numpy")
def _leaky_relu_backward_loop(x, g, out, slope):
    s = g.dtype.type(slope)
    for i in range(x.size):
        out[i] = g[i] if x[i] > 0 else g[i] * s


@njit(cache=True, error_model="numpy")
def _elu_loop(x, out, alpha):
    a = x.dtype.type(alpha)
    for i in range(x.size):
        out[i] = _elu(x[i], a)


@njit(cache=True, parallel=True, error_model="numpy")
def _elu_par(x, out, alpha):
    a = x.dtype.type(alpha)
    for i in prange(x.size):
        out[i] = _elu(x[i], a)


@njit(cache=True, error_model="numpy")
def _elu_backward_loop(x, g, out, alpha):
    a = g.dtype.type(alpha)
    for i in range(x.size):
        out[i] = _elu_grad(x[i], g[i], a)


@njit(cache=True, parallel=True, error_model="numpy")
def _elu_backward_par(x, g, out, alpha):
    a = g.dtype.type(alpha)
    for i in prange(x.size):
        out[i] = _elu_grad(x[i], g[i], a)


@njit(cache=True, error_model="numpy")
def _softplus_loop(x, out):
    zero = x.dtype.type(0)
    for i in range(x.size):
        out[i] = _softplus(x[i], zero)


@njit(cache=True, parallel=True, error_model="numpy")
def _softplus_par(x, out):
    zero = x.dtype.type(0)
    for i in prange(x.size):
        out[i] = _softplus(x[i], zero)


@njit(cache=True, error_model="numpy")
def _softplus_backward_loop(x, g, out):
    one = g.dtype.type(1)
    for i in range(x.size):
        out[i] = g[i] * _sigmoid(x[i], one)


@njit(cache=True, parallel=True, error_model="numpy")
def _softplus_backward_par(x, g, out):
    one = g.dtype.type(1)
    for i in prange(x.size):
        out[i] = g[i] * _sigmoid(x[i], one)


# --- array functions (same signatures as reference.py) ---------------------------------------


def sigmoid(x: np.ndarray) -> np.ndarray:
    out = np.empty(x.shape, x.dtype)
    (_sigmoid_par if use_parallel(x.size) else _sigmoid_loop)(x.ravel(), out.ravel())
    return out


def sigmoid_backward(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    out = np.empty(g.shape, g.dtype)
    _sigmoid_backward_loop(y.ravel(), g.ravel(), out.ravel())
    return out


def tanh_backward(y: np.ndarray, g: np.ndarray) -> np.ndarray:
    out = np.empty(g.shape, g.dtype)
    _tanh_backward_loop(y.ravel(), g.ravel(), out.ravel())
    return out


def relu(x: np.ndarray) -> np.ndarray:
    out = np.empty(x.shape, x.dtype)
    _relu_loop(x.ravel(), out.ravel())
    return out


def relu_backward(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    out = np.empty(g.shape, g.dtype)
    _relu_backward_loop(x.ravel(), g.ravel(), out.ravel())
    return out


def leaky_relu(x: np.ndarray, slope: float) -> np.ndarray:
    out = np.empty(x.shape, x.dtype)
    _leaky_relu_loop(x.ravel(), out.ravel(), float(slope))
    return out


def leaky_relu_backward(x: np.ndarray, g: np.ndarray, slope: float) -> np.ndarray:
    out = np.empty(g.shape, g.dtype)
    _leaky_relu_backward_loop(x.ravel(), g.ravel(), out.ravel(), float(slope))
    return out


def elu(x: np.ndarray, alpha: float) -> np.ndarray:
    out = np.empty(x.shape, x.dtype)
    (_elu_par if use_parallel(x.size) else _elu_loop)(x.ravel(), out.ravel(), float(alpha))
    return out


def elu_backward(x: np.ndarray, g: np.ndarray, alpha: float) -> np.ndarray:
    out = np.empty(g.shape, g.dtype)
    kernel = _elu_backward_par if use_parallel(x.size) else _elu_backward_loop
    kernel(x.ravel(), g.ravel(), out.ravel(), float(alpha))
    return out


def softplus(x: np.ndarray) -> np.ndarray:
    out = np.empty(x.shape, x.dtype)
    (_softplus_par if use_parallel(x.size) else _softplus_loop)(x.ravel(), out.ravel())
    return out


def softplus_backward(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    out = np.empty(g.shape, g.dtype)
    kernel = _softplus_backward_par if use_parallel(x.size) else _softplus_backward_loop
    kernel(x.ravel(), g.ravel(), out.ravel())
    return out
