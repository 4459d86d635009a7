"""Thread count for the parallel kernels and the size from which they run in parallel.

Numba reads NUMBA_NUM_THREADS when it starts; `set_num_threads` changes the count afterwards.
Kernels with a parallel variant use it only for arrays of at least `PARALLEL_MIN_SIZE`
elements and when more than one thread is allowed (see bench/kernels_threshold.py).
"""

from __future__ import annotations

import numba

# Measured by bench/kernels_threshold.py on 2 shared Zen 2 cores (serial time / 2-thread time at
# 16K, 64K, 256K, 1M elements): sigmoid 0.96-1.7, 1.2-1.9, 1.0-1.05, 1.1-2.0; Adam step 1.6,
# 1.7-1.9, 1.6-1.9, 0.6-1.8; ReLU backward 1.0 everywhere (memory-bound: it has no parallel
# variant). When another process holds the second core, a 2-thread region can stall for a
# scheduler slice (about 8 ms; seen as 10x to 25x slowdowns at 64K to 256K), so the gate sits
# where a kernel takes a millisecond or more rather than at the first break-even.
PARALLEL_MIN_SIZE = 262_144


def set_num_threads(n: int) -> None:
    """Use n threads (1 <= n <= NUMBA_NUM_THREADS) in the parallel kernels."""
    numba.set_num_threads(n)


def get_num_threads() -> int:
    return numba.get_num_threads()


def use_parallel(size: int) -> bool:
    """Whether an array of `size` elements is worth a parallel region."""
    return size >= PARALLEL_MIN_SIZE and numba.get_num_threads() > 1
