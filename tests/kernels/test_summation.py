"""NumPy's summation order reproduced (kernels/summation.py): the fused totals of ae.compile
and the folded bias update are bitwise NumPy's sums."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_engine.kernels as K
from autograd_engine.kernels.summation import column_totals, pairwise_total


def values(shape: tuple, dtype: str, seed: int) -> np.ndarray:
    """Values over twelve orders of magnitude, so that the order of the additions shows."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * 10.0 ** rng.uniform(-6, 6, shape)).astype(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 127, 128, 129, 255, 1000, 8193, 100_001])
def test_pairwise_total_is_numpys_sum_bit_for_bit(n: int, dtype: str) -> None:
    a = values((n,), dtype, n)
    zero = np.dtype(dtype).type(0.0)

    def total(a: np.ndarray) -> bytes:
        return np.array(pairwise_total(a, zero), dtype).tobytes()

    assert total(a) == np.add.reduce(a).tobytes()
    if n:
        a[n // 2] = -0.0 if n == 1 else np.inf  # -0.0 sums to +0.0, as NumPy's does
        assert total(a) == np.add.reduce(a).tobytes()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(1, 1), (1, 5), (9, 1), (200, 1), (32, 64), (3, 10), (500, 7)])
def test_column_totals_are_numpys_sums_over_rows(shape: tuple, dtype: str) -> None:
    g = values(shape, dtype, sum(shape))
    g[0, 0] = -0.0
    assert column_totals(g).tobytes() == g.sum(0).tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 6), (32, 64), (32, 1), (5, 3)])
def test_sum_sub_is_the_sgd_step_on_the_rows_sum(shape: tuple, dtype: type) -> None:
    """c -= lr (sum of g's rows) leaves what the bias gradient and the SGD kernel leave, bit
    for bit (ae.compile's folded bias update), also for inputs its loop does not take."""
    c = values(shape[1:], dtype, 4)
    for g in (values(shape, dtype, 3), np.asfortranarray(values(shape, dtype, 3))):
        expected, got = c.copy(), c.copy()
        K.sgd_foreach_([expected], [g.sum(0)], lr=0.05)
        K.sum_sub_(got, g, lr=0.05)
        np.testing.assert_array_equal(got, expected)
