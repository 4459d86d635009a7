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


@njit(cache=True, error_model="numpy")
def _block(a: np.ndarray, lo: int, n: int, zero: Any) -> Any:
    """a[lo:lo + n] for n <= 128 summed as NumPy does: eight running sums, then the rest."""
    if n < 8:
        res = zero
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    for i in range(lo + 8, lo + n - n % 8, 8):
        r0, r1, r2, r3 = r0 + a[i], r1 + a[i + 1], r2 + a[i + 2], r3 + a[i + 3]
        r4, r5, r6, r7 = r4 + a[i + 4], r5 + a[i + 5], r6 + a[i + 6], r7 + a[i + 7]
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for i in range(lo + n - n % 8, lo + n):
        res += a[i]
    return res


@njit(cache=True, error_model="numpy")
def _pairwise(a: np.ndarray, zero: Any) -> Any:
    """All of a summed in NumPy's pairwise order: a run longer than 128 is the sum of its
    halves, split at a multiple of eight. The tree is walked with an explicit stack, not by
    recursion, because Numba cannot load a recursive function back from its disk cache (and
    a cached caller of one crashed on loading)."""
    if a.size <= 128:
        return _block(a, 0, a.size, zero)
    # frames (lo, n, children done); each halving at least halves n, so 64 levels suffice
    los, ns, done = np.empty(64, np.int64), np.empty(64, np.int64), np.empty(64, np.int64)
    sums = np.empty(64, a.dtype)
    los[0], ns[0], done[0] = 0, a.size, 0
    depth, held = 1, 0
    while depth:
        top = depth - 1
        lo, n = los[top], ns[top]
        if n <= 128:
            sums[held] = _block(a, lo, n, zero)
            held += 1
            depth -= 1
            continue
        half = n // 2
        half -= half % 8
        if done[top] == 2:  # both halves summed: left + right, in that order
            held -= 1
            sums[held - 1] = sums[held - 1] + sums[held]
            depth -= 1
            continue
        start, size = (lo, half) if done[top] == 0 else (lo + half, n - half)
        done[top] += 1
        los[depth], ns[depth], done[depth] = start, size, 0
        depth += 1
    return sums[0]


@njit(cache=True, error_model="numpy")
def pairwise_total(a: np.ndarray, zero: Any) -> Any:
    """The sum of a 1-D contiguous array, bitwise `np.add.reduce(a)`; `zero` is 0 in a's
    dtype."""
    return zero + _pairwise(a, zero)


@njit(cache=True, error_model="numpy")
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
