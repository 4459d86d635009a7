"""Matrix product with NumPy's `matmul` semantics, routed to the fastest BLAS entry point.

- 2-D (and 1-D) operands go to `np.dot`, which calls BLAS directly, passes transposed views to
  it without copying and has no slow path for an inner dimension of 1 (the batch-1 weight
  gradient `X.T @ G`, where `np.matmul` is about 5x slower).
- Batched operands with inner dimension 1 are a broadcast outer product, `a * b` (exact: each
  output is a single product), where `np.matmul` is again about 5x slower.
- Other batched operands go to `np.matmul`, which loops BLAS over the batch.

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
    if 1 <= a.ndim <= 2 and 1 <= b.ndim <= 2:
        return np.dot(a, b)
    if a.ndim >= 2 and b.ndim >= 2 and a.shape[-1] == 1 and b.shape[-2] == 1:
        return np.multiply(a, b)
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
