"""Matrix product with NumPy's `matmul` semantics, routed to the fastest BLAS entry point.

- Vectors go to `np.dot`.
- Inner dimension 1 (the batch-1 weight gradient `X.T @ G`, where `np.matmul` takes a path
  about 5x slower) is an outer product, each output a single product: 2-D goes to the Numba
  loop `outer` when both operands are float32 or both float64 (19 us against 59 us for
  `np.dot` and 330 us for `np.matmul` on (784, 1) @ (1, 256)), other 2-D to `np.dot`, and
  batched to the broadcast product `a * b`.
- Everything else goes to `np.matmul`, which beat `np.dot` by 10 to 25 % on the MLP's
  transposed-operand products (110 us against 119 to 141 us for (256, 32) @ (32, 784)).

The module is named `linalg` rather than `matmul` so that it cannot shadow the public
`autograd_engine.kernels.matmul` function. `matmul_tiled` is the plain-loop definition the
tests check `matmul` against.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .blas import gemm, gemm_addresses
from .optim import _sgd_plain

_TILE = 64
# The dtypes `outer` is compiled for; `is` also rejects non-native byte orders.
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b, C[..., i, j] = sum_k A[..., i, k] B[..., k, j]."""
    if a.ndim == 0 or b.ndim == 0:
        return np.matmul(a, b)  # raises, as matmul does for scalars
    if a.ndim == 1 or b.ndim == 1:
        return np.dot(a, b) if a.ndim <= 2 and b.ndim <= 2 else np.matmul(a, b)
    if a.shape[-1] == 1 and b.shape[-2] == 1:
        if a.ndim != 2 or b.ndim != 2:
            return np.multiply(a, b)
        dtype = a.dtype
        if (dtype is _F32 or dtype is _F64) and b.dtype is dtype:
            out = np.empty((a.shape[0], b.shape[1]), dtype)
            outer(a[:, 0], b[0], out)
            return out
        return np.dot(a, b)
    return np.matmul(a, b)


def linear(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    """x W^T + b, for x (..., in), W (out, in), b (out,) or None: a layer's forward.

    NumPy's OpenBLAS makes the product much faster one way round than the other for a few
    rows and many input features (Zen 5, one core, float32): (W x^T)^T took 69 us where x W^T
    took 126 us for a batch of 32 through 784 -> 256 (14 against 22 us through 256 -> 128).
    With more rows or fewer features it gained little or lost within a training step (128
    rows, the 2-64-64-1 MLP). So for 2 to 64 rows and at least 512 input features (an image's
    pixels) the product is formed transposed and written back in C order with the bias added
    in one blocked pass (`_transpose_add`, 4 us for 32 x 256); otherwise it is x W^T and the
    bias added in place. The two ways round agree to rounding, not bit for bit."""
    features = x.shape[-1] if x.ndim >= 2 else 0
    if features >= 512 and 1 < x.size // features <= 64 and w.shape[0] >= 8:
        out = _transposed_linear(x, w, b)
        if out is not None:
            return out
    return _plain_linear(x, w, b)


def _plain_linear(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    out = matmul(x, w.T)
    if b is not None:
        out += b
    return out


def _transposed_linear(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray | None:
    """(W x^T)^T + b written back in C order, or None for inputs it does not take."""
    dtype, rows = x.dtype, x.size // x.shape[-1]
    if (
        (dtype is _F32 or dtype is _F64)
        and w.dtype is dtype
        and x.flags.c_contiguous
        and w.flags.c_contiguous
        and w.ndim == 2
        and w.shape[1] == x.shape[-1]
        and (b is None or (b.dtype is dtype and b.shape == (w.shape[0],)))
    ):
        product = np.matmul(w, x.reshape(rows, x.shape[-1]).T)  # (out, rows)
        out = np.empty((rows, w.shape[0]), dtype)
        _transpose_add(product, b, out)
        return out.reshape(*x.shape[:-1], w.shape[0])
    return None


@njit(cache=True, error_model="numpy")
def outer(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """out[i, j] = a[i] b[j]: one pass that writes each row once (BLAS treats it as a
    matrix product with inner dimension 1 and is three times slower)."""
    for i in range(a.size):
        ai = a[i]
        row = out[i]
        for j in range(b.size):
            row[j] = ai * b[j]


def matmul_sub_(c: np.ndarray, a: np.ndarray, b: np.ndarray, *, lr: float) -> None:
    """c -= lr * (a @ b) in place, for 2-D arrays: the update of plain SGD applied to a weight
    gradient given as its two factors (ae.compile's fused gradient and update).

    With inner dimension 1 (the batch-1 weight gradient, an outer product) it is one pass over
    c that never makes the product, each element rounded as `matmul` then `p -= lr * g` round
    it: bitwise the unfused update. Otherwise it is one BLAS call c += (-lr) a @ b (beta = 1),
    which never stores the product either; BLAS adds -lr times its accumulated sum to c in one
    step, so each element may differ from the unfused update by an ulp of c. Measured on one
    Zen 5 core (float32), the 784-256-128-10 MLP's three weights at batch 32 took 67 us
    against 97 us for the product and the SGD kernel, at batch 128 248 against 277 us. Where
    NumPy's BLAS is unknown (blas.py), the product is made and then subtracted, bitwise."""
    dtype = c.dtype
    fits = (dtype is _F32 or dtype is _F64) and c.flags.c_contiguous
    if fits and a.dtype is dtype and b.dtype is dtype:
        if a.shape[-1] == 1:
            _outer_sub(a[:, 0], b[0], c, dtype.type(lr))
            return
        blas = gemm_addresses()
        if blas[0]:
            gemm(blas, a, b, c, True, -float(lr))
            return
    product = matmul(a, b)
    if fits and product.dtype is dtype and product.flags.c_contiguous:
        _sgd_plain(c.reshape(-1), product.reshape(-1), lr)  # the SGD step's own kernel
    else:
        c -= dtype.type(lr) * product


@njit(cache=True, error_model="numpy")
def _outer_sub(a: np.ndarray, b: np.ndarray, c: np.ndarray, lr: float) -> None:
    """c[i, j] -= lr (a[i] b[j]), in the order `outer` and the SGD kernel round in."""
    for i in range(a.size):
        ai = a[i]
        row = c[i]
        for j in range(b.size):
            row[j] -= lr * (ai * b[j])


def transposed(a: np.ndarray) -> np.ndarray:
    """A C-contiguous copy of the 2-D a.T (float32 and float64 through `_transpose_add`)."""
    out = np.empty(a.shape[::-1], a.dtype)
    if a.dtype is _F32 or a.dtype is _F64:
        _transpose_add(a, None, out)
    else:
        out[:] = a.T
    return out


@njit(cache=True, error_model="numpy")
def _transpose_add(src: np.ndarray, b: np.ndarray | None, dst: np.ndarray) -> None:
    """dst[j, i] = src[i, j] + b[i], dst = src.T with b added along its rows (no bias when b is
    None), in 16 x 16 tiles. A full tile's loops have constant trip counts, which LLVM turns
    into vector shuffles: (512, 128) float32 in 13 us, NumPy's copy of a.T 43 us."""
    n, m = src.shape
    n_full, m_full = n - n % 16, m - m % 16
    for i0 in range(0, n_full, 16):
        for j0 in range(0, m_full, 16):
            for j in range(16):
                for i in range(16):
                    v = src[i0 + i, j0 + j]
                    dst[j0 + j, i0 + i] = v if b is None else v + b[i0 + i]
    for i in range(n):  # the columns past the full tiles, then the rows past them
        for j in range(m_full, m):
            dst[j, i] = src[i, j] if b is None else src[i, j] + b[i]
    for i in range(n_full, n):
        for j in range(m_full):
            dst[j, i] = src[i, j] if b is None else src[i, j] + b[i]


@njit(cache=True)
def matmul_tiled(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """C = A B for 2-D A (m, k) and B (k, n) of one dtype, accumulated in 64 x 64 x 64 tiles.

    The i-k-j loop order inside a tile streams rows of B and C, which stay in cache.
    """
    m, k = a.shape
    n = b.shape[1]
    c = np.zeros((m, n), a.dtype)
    for i0 in range(0, m, _TILE):
        for k0 in range(0, k, _TILE):
            for j0 in range(0, n, _TILE):
                for i in range(i0, min(i0 + _TILE, m)):
                    for kk in range(k0, min(k0 + _TILE, k)):
                        aik = a[i, kk]
                        for j in range(j0, min(j0 + _TILE, n)):
                            c[i, j] += aik * b[kk, j]
    return c
