"""The vectorizable exp of the kernels against np.exp."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from numba import njit

from autograd_engine.kernels.fastexp import exp


@njit(cache=True, error_model="numpy")
def exp_all(x, out):
    for i in range(x.size):
        out[i] = exp(x[i])


@pytest.mark.parametrize(
    ("dtype", "limit", "ulps"), [(np.float32, 110.0, 1.5), (np.float64, 760.0, 2.0)]
)
def test_exp_within_ulps_of_numpy_and_same_specials(dtype, limit, ulps):
    rng = np.random.default_rng(5)
    specials = [0.0, -0.0, 1e-30, -1e-30, 1e4, -1e4, np.inf, -np.inf, np.nan]
    x = np.concatenate([rng.uniform(-limit, limit, 3000), rng.uniform(-5, 5, 2000), specials])
    x = x.astype(dtype)
    out = np.empty_like(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exp_all(x, out)
    with np.errstate(all="ignore"):
        expected = np.exp(x.astype(np.longdouble))
    normal = np.isfinite(x) & (expected >= np.finfo(dtype).tiny) & (expected <= np.finfo(dtype).max)
    spacing = np.spacing(expected[normal].astype(dtype)).astype(np.longdouble)
    assert np.max(np.abs(out[normal] - expected[normal]) / spacing) <= ulps
    rest = ~normal  # overflow, subnormal, zero, specials: as np.exp up to the last subnormal bit
    with np.errstate(all="ignore"):
        reference = np.exp(x[rest])
    np.testing.assert_allclose(
        out[rest], reference, rtol=0, atol=2 * np.finfo(dtype).smallest_subnormal
    )
    assert np.isnan(out[-1]) and out[-3] == np.inf and out[-2] == 0.0
