"""Thread count for the parallel kernels and the size from which they run in parallel.

Numba reads NUMBA_NUM_THREADS when it starts; `set_num_threads` changes the count afterwards.
Kernels with a parallel variant use it only for arrays of at least `PARALLEL_MIN_SIZE`
elements and when more than one thread is allowed (see bench/kernels_threshold.py).
"""

from __future__ import annotations

import numba

# Measured by bench/kernels_threshold.py on 2 Zen 2 cores: a 2-thread sigmoid, softmax or Adam
# step first beats the serial kernel between 16K and 64K elements (16K: 0.9x to 1.3x, 64K: 1.6x
# to 2.0x); memory-bound kernels (ReLU and its backward) never gain, so they have no parallel
# variant. A region also risks an ~8 ms stall when another process holds a core.
PARALLEL_MIN_SIZE = 262_144


def set_num_threads(n: int) -> None:
    """Use n threads (1 <= n <= NUMBA_NUM_THREADS) in the parallel kernels."""
    numba.set_num_threads(n)


def get_num_threads() -> int:
    return numba.get_num_threads()


def use_parallel(size: int) -> bool:
    """Whether an array of `size` elements is worth a parallel region."""
    return size >= PARALLEL_MIN_SIZE and numba.get_num_threads() > 1
