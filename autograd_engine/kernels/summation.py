"""NumPy's summation order, reproduced in Numba, so a fused kernel's sums are bitwise NumPy's.

`np.add.reduce` of a contiguous array starts from the identity 0 and adds a pairwise sum: runs
of up to 128 elements summed with eight running sums, longer runs halved at multiples of
eight. Summing a C-contiguous (n, m) array over axis 0 with m > 1 adds the rows one after
another to a row of zeros (the reduced axis is the outer loop); with m = 1 the column is
contiguous and is summed pairwise. The tests compare both with NumPy bit for bit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit


# not cached on disk: Numba cannot load a recursive function back from its cache
@njit(error_model="numpy")
def _pairwise(a: np.ndarray, lo: int, n: int, zero: Any) -> Any:
    """a[lo:lo + n] summed in NumPy's pairwise order."""
    if n < 8:
        res = zero
        for i in range(lo, lo + n):
            res += a[i]
        return res
    if n <= 128:
        r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
        r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
        for i in range(lo + 8, lo + n - n % 8, 8):
            r0, r1, r2, r3 = r0 + a[i], r1 + a[i + 1], r2 + a[i + 2], r3 + a[i + 3]
            r4, r5, r6, r7 = r4 + a[i + 4], r5 + a[i + 5], r6 + a[i + 6], r7 + a[i + 7]
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        for i in range(lo + n - n % 8, lo + n):
            res += a[i]
        return res
    half = n // 2
    half -= half % 8
    return _pairwise(a, lo, half, zero) + _pairwise(a, lo + half, n - half, zero)


@njit(error_model="numpy")
def pairwise_total(a: np.ndarray, zero: Any) -> Any:
    """The sum of a 1-D contiguous array, bitwise `np.add.reduce(a)`; `zero` is 0 in a's
    dtype."""
    return zero + _pairwise(a, 0, a.size, zero)


@njit(error_model="numpy")
def column_totals(g: np.ndarray) -> np.ndarray:
    """g.sum(0) of a C-contiguous 2-D array, bitwise NumPy's."""
    n, m = g.shape
    out = np.zeros(m, g.dtype)
    if m == 1:
        out[0] = pairwise_total(g.reshape(n), out[0])
        return out
    for i in range(n):
        out += g[i]
    return out
