import numpy as np
import pytest

from nn.data import (
    make_blobs,
    make_circles,
    make_gaussian_classes,
    make_gaussian_mixture_ring,
    make_linear,
    make_moons,
    make_quadratic,
    make_separable,
    make_spirals,
    quadratic,
    ring_centers,
)

CLASSIFICATION = [
    (make_moons, 2),
    (make_circles, 2),
    (make_spirals, 3),
    (make_blobs, 3),
    (make_gaussian_classes, 2),
    (make_separable, 2),
    (make_gaussian_mixture_ring, 8),
]


@pytest.mark.parametrize(("make", "classes"), CLASSIFICATION)
def test_classification_sets_shapes_dtypes_and_seeding(make, classes):
    x, y = make(n=101, noise=0.1, seed=4)[:2]
    assert x.shape == (101, 2) and x.dtype == np.float32
    assert y.shape == (101,) and y.dtype == np.int64
    assert set(np.unique(y)) == set(range(classes))
    x2, y2 = make(n=101, noise=0.1, seed=4)[:2]
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(x, make(n=101, noise=0.1, seed=5)[0])


def test_balanced_classes():
    for make in (make_moons, make_circles, make_gaussian_classes):
        assert np.bincount(make(n=101)[1]).tolist() == [51, 50]
    assert np.bincount(make_spirals(n=100, arms=4)[1]).tolist() == [25] * 4


def test_noise_free_geometry():
    x, y = make_circles(n=200, noise=0.0, factor=0.3)
    radius = np.linalg.norm(x, axis=1)
    np.testing.assert_allclose(radius[y == 0], 1.0, rtol=1e-6)
    np.testing.assert_allclose(radius[y == 1], 0.3, rtol=1e-6)
    x, y = make_moons(n=100, noise=0.0)
    np.testing.assert_allclose(np.linalg.norm(x[y == 0], axis=1), 1.0, rtol=1e-6)
    x, y = make_spirals(n=90, noise=0.0)
    assert np.linalg.norm(x, axis=1).max() <= 1.0 + 1e-6


def test_separable_has_margin():
    for seed in range(5):
        x, y = make_separable(n=200, margin=0.3, seed=seed, dim=3, signed=True)
        assert set(np.unique(y)) == {-1, 1}
        # A hard-margin separator exists: a perceptron converges within its mistake bound.
        w, b = np.zeros(3), 0.0
        for _ in range(1000):
            wrong = np.flatnonzero(y * (x @ w + b) <= 0)
            if len(wrong) == 0:
                break
            w, b = w + y[wrong[0]] * x[wrong[0]], b + y[wrong[0]]
        assert len(wrong) == 0


def test_gaussian_classes_shared_covariance():
    cov = np.array([[2.0, 0.3], [0.3, 0.5]])
    x, y = make_gaussian_classes(n=20000, noise=1.0, cov=cov, means=((0, 0), (3, 1)), seed=1)
    for k, mean in enumerate([(0, 0), (3, 1)]):
        np.testing.assert_allclose(x[y == k].mean(axis=0), mean, atol=0.05)
        np.testing.assert_allclose(np.cov(x[y == k].T), cov, atol=0.08)


def test_blobs_centers():
    x, y, centers = make_blobs(n=3000, noise=0.5, centers=4, dim=3, return_centers=True)
    assert x.shape == (3000, 3) and centers.shape == (4, 3)
    for k in range(4):
        np.testing.assert_allclose(x[y == k].mean(axis=0), centers[k], atol=0.1)
    given = np.array([[0.0, 0.0], [5.0, 5.0]])
    _, _, back = make_blobs(n=10, centers=given, return_centers=True)
    np.testing.assert_array_equal(back, given)


def test_regression_sets():
    x, y = make_linear(n=2000, noise=0.05, seed=2)
    assert x.shape == (2000, 1) and y.shape == (2000, 1) and y.dtype == np.float32
    slope, intercept = np.polyfit(x[:, 0], y[:, 0], 1)
    assert abs(slope - 2.0) < 0.02 and abs(intercept - 1.0) < 0.02
    x, y = make_quadratic(seed=0)
    assert x.shape == (100, 2) and y.shape == (100, 1)
    x0, x1 = x[:, 0], x[:, 1]
    np.testing.assert_allclose(y[:, 0], x0**2 + 3 * x0 * x1 + x1**2 + 5, rtol=1e-5)
    np.testing.assert_allclose(quadratic(np.array([[1.0, 2.0]])), [[1 + 6 + 4 + 5]])


def test_gaussian_ring_modes():
    x, y, centers = make_gaussian_mixture_ring(n=4000, noise=0.02, return_centers=True)
    np.testing.assert_allclose(centers, ring_centers(8, 2.0))
    np.testing.assert_allclose(np.linalg.norm(centers, axis=1), 2.0, rtol=1e-6)
    nearest = np.argmin(np.linalg.norm(x[:, None] - centers[None], axis=2), axis=1)
    np.testing.assert_array_equal(nearest, y)
    assert np.bincount(y).min() > 400
