"""The BLAS products inside the Numba kernels (kernels/blas.py) against NumPy's matmul."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_engine.kernels.blas import gemm, gemm_addresses

NO_BLAS = np.zeros(2, np.int64)  # NumPy's BLAS unknown: np.dot's fallback


def layouts(m: np.ndarray) -> dict[str, np.ndarray]:
    """m as C-contiguous, transposed (F-contiguous), rows with a gap (sliced from a wider
    array), every other column (no contiguous dimension) and a one-column slice."""
    wide = np.concatenate([m, m], axis=1)
    spread = np.repeat(m, 2, axis=1)
    return {
        "c": m,
        "f": np.asfortranarray(m),
        "gap": wide[:, : m.shape[1]],
        "strided": spread[:, ::2],
    }


@pytest.mark.parametrize("addresses", ["numpy", "fallback"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(3, 4, 5), (1, 7, 1), (5, 1, 6), (32, 144, 70)])
def test_gemm_matches_matmul(shape, dtype, addresses):
    blas = gemm_addresses() if addresses == "numpy" else NO_BLAS
    m, k, n = shape
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k)).astype(dtype)
    b = rng.standard_normal((k, n)).astype(dtype)
    tol = {"rtol": 1e-5, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-12}
    for a_view in layouts(a).values():
        for b_view in layouts(b).values():
            expected = a @ b
            out = np.full((m, n), 7, dtype)
            gemm(blas, a_view, b_view, out)
            np.testing.assert_allclose(out, expected, **tol)
            gemm(blas, a_view, b_view, out, True)
            np.testing.assert_allclose(out, 2 * expected, **tol)
            rows = np.zeros((m, n + 3), dtype)  # out with a gap after each row
            gemm(blas, a_view, b_view, rows[:, :n])
            np.testing.assert_allclose(rows[:, :n], expected, **tol)
            assert not rows[:, n:].any()


@pytest.mark.parametrize("addresses", ["numpy", "fallback"])
def test_gemm_scales_the_product_by_alpha(addresses):
    """out += alpha a @ b: the folded SGD update W += (-lr) G^T X of ae.compile."""
    blas = gemm_addresses() if addresses == "numpy" else NO_BLAS
    rng = np.random.default_rng(1)
    g, x = rng.standard_normal((32, 5)), rng.standard_normal((32, 7))
    w = rng.standard_normal((5, 7))
    expected = w - 0.05 * (g.T @ x)
    gemm(blas, g.T, x, w, True, -0.05)
    np.testing.assert_allclose(w, expected, rtol=1e-12, atol=1e-12)
    gemm(blas, g.T, x, w, False, 2.0)
    np.testing.assert_allclose(w, 2.0 * (g.T @ x), rtol=1e-12, atol=1e-12)


def test_gemm_addresses_find_numpys_openblas():
    """NumPy's wheels bundle a 64-bit-integer OpenBLAS: both products are found there; with
    another BLAS neither is (and the kernels use np.dot)."""
    found = gemm_addresses()
    assert found.dtype == np.int64 and found.shape == (2,)
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    config = blas.get("openblas configuration", "")
    if blas["name"] == "scipy-openblas" and "USE64BITINT" in config:
        assert (found != 0).all()
    else:
        assert (found == 0).all() or (found != 0).all()
