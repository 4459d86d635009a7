"""Matrix product with NumPy's `matmul` semantics, routed to the fastest BLAS entry point.

- Vectors go to `np.dot`.
- Inner dimension 1 (the batch-1 weight gradient `X.T @ G`, where `np.matmul` takes a path
  about 5x slower): 2-D goes to `np.dot` (48 us against 302 us for (784, 1) @ (1, 256)),
  batched is a broadcast outer product `a * b` (exact: each output is a single product).
- Everything else goes to `np.matmul`, which beat `np.dot` by 10 to 25 % on the MLP's
  transposed-operand products (110 us against 119 to 141 us for (256, 32) @ (32, 784)).

The module is named `linalg` rather than `matmul` so that it cannot shadow the public
`autograd_engine.kernels.matmul` function. `matmul_tiled` is the plain-loop definition the
tests check `matmul` against.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_TILE = 64


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b, C[..., i, j] = sum_k A[..., i, k] B[..., k, j]."""
    if a.ndim == 0 or b.ndim == 0:
        return np.matmul(a, b)  # raises, as matmul does for scalars
    if a.ndim == 1 or b.ndim == 1:
        return np.dot(a, b) if a.ndim <= 2 and b.ndim <= 2 else np.matmul(a, b)
    if a.shape[-1] == 1 and b.shape[-2] == 1:
        return np.dot(a, b) if a.ndim == 2 and b.ndim == 2 else np.multiply(a, b)
    return np.matmul(a, b)


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
