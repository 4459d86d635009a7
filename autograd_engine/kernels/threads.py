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

# When another process holds the second core, a 2-thread region stalls for a scheduler slice:
# measured on the 2 shared Zen 2 cores while another job ran (serial / 2-thread us, medians of 9
# interleaved rounds), sigmoid 414 / 7,753 at 256K, 1,743 / 7,601 at 1M, 8,881 / 8,887 at 4M;
# Adam 336 / 8,088, 1,228 / 8,060, 7,877 / 7,231. On idle cores two threads gain at most 1.6x.
# Since exp and the optimizer updates vectorize, a kernel needs 4M elements to take several
# milliseconds, where a stall costs little; below that one thread is faster or within noise.
PARALLEL_MIN_SIZE = 1 << 22


class _Blas:
    """The thread limit given to BLAS (None: its default), and whether the BLAS that `np.dot`
    calls inside Numba kernels (SciPy's, not NumPy's) is loaded yet."""

    limit: int | None = None
    numba_blas_loaded = False


def load_numba_blas() -> None:
    """Load the BLAS behind `np.dot` in Numba kernels (conv, recurrent) before their first call.

    Importing it takes about 0.13 s, so it waits for the first kernel that needs it rather
    than every start; the thread limit in force (`set_num_threads`, `limit_threads`) is then
    given to it too, as threadpoolctl reaches only the libraries loaded when it is called.
    """
    if _Blas.numba_blas_loaded:
        return
    import scipy.linalg.cython_blas  # noqa: F401  (loads SciPy's BLAS)

    _Blas.numba_blas_loaded = True
    if _Blas.limit is not None:
        threadpool_limits(limits=_Blas.limit, user_api="blas")


def set_num_threads(n: int) -> None:
    """Use n threads (1 <= n <= NUMBA_NUM_THREADS) in the parallel kernels and in BLAS."""
    numba.set_num_threads(n)
    threadpool_limits(limits=n, user_api="blas")
    _Blas.limit = n


@contextlib.contextmanager
def limit_threads(n: int) -> Iterator[None]:
    """Use at most n threads (kernels and BLAS) inside the block.

    On a machine whose cores are busy with other processes, idle BLAS threads spin against
    them: measured on 2 shared cores, a 784-256-128-10 MLP step on 128 images took 87 ms with
    OpenBLAS's default threads and 14 ms with one.
    """
    previous, previous_limit = numba.get_num_threads(), _Blas.limit
    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    _Blas.limit = n
    try:
        with threadpool_limits(limits=n, user_api="blas"):
            yield
    finally:
        numba.set_num_threads(previous)
        _Blas.limit = previous_limit


def get_num_threads() -> int:
    return numba.get_num_threads()


def use_parallel(size: int) -> bool:
    """Whether an array of `size` elements is worth a parallel region."""
    return size >= PARALLEL_MIN_SIZE and numba.get_num_threads() > 1
