"""Thread count for the parallel kernels and BLAS, and the size from which kernels go parallel.

Numba reads NUMBA_NUM_THREADS when it starts; `set_num_threads` changes the count afterwards,
for the Numba kernels and for the BLAS behind matmul alike. Kernels with a parallel variant use
threads only for arrays of at least `PARALLEL_MIN_SIZE` elements (bench/kernels_threshold.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numba
from threadpoolctl import threadpool_limits

# Measured by bench/kernels_threshold.py on 2 shared Zen 2 cores (serial time / 2-thread time at
# 16K, 64K, 256K, 1M elements): sigmoid 0.96-1.7, 1.2-1.9, 1.0-1.05, 1.1-2.0; Adam step 1.6,
# 1.7-1.9, 1.6-1.9, 0.6-1.8; ReLU backward 1.0 everywhere (memory-bound: it has no parallel
# variant). When another process holds the second core, a 2-thread region can stall for a
# scheduler slice (about 8 ms; seen as 10x to 25x slowdowns at 64K to 256K), so the gate sits
# where a kernel takes a millisecond or more rather than at the first break-even.
PARALLEL_MIN_SIZE = 262_144


def set_num_threads(n: int) -> None:
    """Use n threads (1 <= n <= NUMBA_NUM_THREADS) in the parallel kernels and in BLAS."""
    numba.set_num_threads(n)
    threadpool_limits(limits=n, user_api="blas")


@contextlib.contextmanager
def limit_threads(n: int) -> Iterator[None]:
    """Use at most n threads (kernels and BLAS) inside the block.

    On a machine whose cores are busy with other processes, idle BLAS threads spin against
    them: measured on 2 shared cores, a 784-256-128-10 MLP step on 128 images took 87 ms with
    OpenBLAS's default threads and 14 ms with one.
    """
    previous = numba.get_num_threads()
    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    try:
        with threadpool_limits(limits=n, user_api="blas"):
            yield
    finally:
        numba.set_num_threads(previous)


def get_num_threads() -> int:
    return numba.get_num_threads()


def use_parallel(size: int) -> bool:
    """Whether an array of `size` elements is worth a parallel region."""
    return size >= PARALLEL_MIN_SIZE and numba.get_num_threads() > 1
