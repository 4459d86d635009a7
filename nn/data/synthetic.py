"""Small seeded datasets for the lectures and the tests.

Every generator takes `n` (number of samples), `noise` and `seed` and returns `(X, y)` with X a
float32 array of shape (n, features). Classification sets give int64 class labels of shape
(n,); regression sets give float32 targets of shape (n, 1), which match a model's (n, 1) output
without the silent (n, n) broadcast that an (n,) target would cause in a loss.
"""

from __future__ import annotations

import numpy as np

Arrays = tuple[np.ndarray, np.ndarray]


def _finish(x: np.ndarray, y: np.ndarray, rng: np.random.Generator, shuffle: bool) -> Arrays:
    if shuffle:
        order = rng.permutation(len(x))
        x, y = x[order], y[order]
    return x.astype(np.float32), y


def _class_sizes(n: int, k: int) -> list[int]:
    """`n` samples dealt out over `k` classes as evenly as possible."""
    return [n // k + (i < n % k) for i in range(k)]


def make_moons(n: int = 200, noise: float = 0.1, seed: int = 0, shuffle: bool = True) -> Arrays:
    """Two interleaving half circles (label 0 upper, 1 lower) with Gaussian noise of std `noise`."""
    rng = np.random.default_rng(seed)
    n0, n1 = _class_sizes(n, 2)
    t0, t1 = np.linspace(0.0, np.pi, n0), np.linspace(0.0, np.pi, n1)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    x = np.concatenate([upper, lower]) + rng.normal(0.0, noise, (n, 2))
    y = np.repeat(np.arange(2, dtype=np.int64), [n0, n1])
    return _finish(x, y, rng, shuffle)


def make_circles(
    n: int = 200, noise: float = 0.05, seed: int = 0, factor: float = 0.5, shuffle: bool = True
) -> Arrays:
    """Two concentric circles: label 0 of radius 1, label 1 of radius `factor`."""
    rng = np.random.default_rng(seed)
    n0, n1 = _class_sizes(n, 2)
    t0 = np.linspace(0.0, 2 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0.0, 2 * np.pi, n1, endpoint=False)
    outer = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    inner = factor * np.stack([np.cos(t1), np.sin(t1)], axis=1)
    x = np.concatenate([outer, inner]) + rng.normal(0.0, noise, (n, 2))
    y = np.repeat(np.arange(2, dtype=np.int64), [n0, n1])
    return _finish(x, y, rng, shuffle)


def make_spirals(
    n: int = 300,
    noise: float = 0.2,
    seed: int = 0,
    arms: int = 3,
    turns: float = 1.0,
    shuffle: bool = True,
) -> Arrays:
    """`arms` interleaved spiral arms from the origin to radius 1, one class per arm.

    Each arm winds `turns` times around the origin; `noise` is the std of the Gaussian jitter
    added to each point's angle, in radians.
    """
    rng = np.random.default_rng(seed)
    sizes = _class_sizes(n, arms)
    points = []
    for arm, m in enumerate(sizes):
        r = np.linspace(0.0, 1.0, m)
        theta = 2 * np.pi * (arm / arms + turns * r) + noise * rng.standard_normal(m)
        points.append(np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1))
    y = np.repeat(np.arange(arms, dtype=np.int64), sizes)
    return _finish(np.concatenate(points), y, rng, shuffle)


def make_blobs(
    n: int = 300,
    noise: float = 1.0,
    seed: int = 0,
    centers: int | np.ndarray = 3,
    dim: int = 2,
    box: tuple[float, float] = (-10.0, 10.0),
    shuffle: bool = True,
    return_centers: bool = False,
) -> Arrays | tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Isotropic Gaussian clusters of std `noise`, one class per cluster.

    `centers` is a number of clusters (centres drawn uniformly in `box` in `dim` dimensions) or
    an array of centres. With `return_centers=True`, returns `(X, y, centers)`.
    """
    rng = np.random.default_rng(seed)
    if isinstance(centers, int | np.integer):
        centres = rng.uniform(box[0], box[1], (int(centers), dim))
    else:
        centres = np.asarray(centers, dtype=np.float64)
    sizes = _class_sizes(n, len(centres))
    y = np.repeat(np.arange(len(centres), dtype=np.int64), sizes)
    x = centres[y] + rng.normal(0.0, noise, (n, centres.shape[1]))
    x, y = _finish(x, y, rng, shuffle)
    return (x, y, centres.astype(np.float32)) if return_centers else (x, y)


def make_gaussian_classes(
    n: int = 200,
    noise: float = 1.0,
    seed: int = 0,
    means: tuple[tuple[float, ...], tuple[float, ...]] = ((-1.0, -1.0), (1.0, 1.0)),
    cov: np.ndarray | None = None,
    shuffle: bool = True,
) -> Arrays:
    """Two Gaussian classes with different means and one shared covariance (the LDA setting).

    The shared covariance is `cov` (default [[1, 0.5], [0.5, 1]]) scaled by `noise` squared, so
    the Bayes-optimal boundary is the linear one LDA finds.
    """
    rng = np.random.default_rng(seed)
    mu = np.asarray(means, dtype=np.float64)
    sigma = np.array([[1.0, 0.5], [0.5, 1.0]]) if cov is None else np.asarray(cov, np.float64)
    n0, n1 = _class_sizes(n, 2)
    y = np.repeat(np.arange(2, dtype=np.int64), [n0, n1])
    x = mu[y] + rng.multivariate_normal(np.zeros(mu.shape[1]), noise**2 * sigma, n)
    return _finish(x, y, rng, shuffle)


def make_separable(
    n: int = 100,
    noise: float = 1.0,
    seed: int = 0,
    margin: float = 0.5,
    dim: int = 2,
    signed: bool = False,
) -> Arrays:
    """Linearly separable points: a random hyperplane with no point closer than `margin`.

    Points are Gaussian with std `noise`; those on each side are pushed `margin` further
    from a random plane through a random offset, so a perceptron is guaranteed to converge.
    Labels are 0/1, or -1/+1 with `signed=True` (the perceptron's convention).
    """
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(dim)
    w /= np.linalg.norm(w)
    b = rng.uniform(-0.5, 0.5) * noise
    x = rng.normal(0.0, noise, (n, dim))
    side = np.where(x @ w + b >= 0.0, 1.0, -1.0)
    x = x + margin * side[:, None] * w
    y = (side > 0).astype(np.int64)
    return x.astype(np.float32), (2 * y - 1 if signed else y)


def make_linear(
    n: int = 100,
    noise: float = 0.1,
    seed: int = 0,
    slope: float = 2.0,
    intercept: float = 1.0,
) -> Arrays:
    """y = slope * x + intercept + N(0, noise^2) with x uniform in [-1, 1]; X (n, 1), y (n, 1)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, (n, 1))
    y = slope * x + intercept + rng.normal(0.0, noise, (n, 1))
    return x.astype(np.float32), y.astype(np.float32)


def quadratic(x: np.ndarray) -> np.ndarray:
    """f(x0, x1) = x0^2 + 3 x0 x1 + x1^2 + 5, row-wise on an (n, 2) array; returns (n, 1)."""
    x0, x1 = x[:, 0], x[:, 1]
    return (x0**2 + 3 * x0 * x1 + x1**2 + 5)[:, None]


def make_quadratic(n: int = 100, noise: float = 0.0, seed: int = 0) -> Arrays:
    """Samples of `quadratic` at x uniform in [-1, 1]^2, plus N(0, noise^2); X (n, 2), y (n, 1)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, (n, 2))
    y = quadratic(x) + rng.normal(0.0, noise, (n, 1))
    return x.astype(np.float32), y.astype(np.float32)


def ring_centers(modes: int = 8, radius: float = 2.0) -> np.ndarray:
    """The (modes, 2) centres of `make_gaussian_mixture_ring`, evenly spaced on a circle."""
    angle = 2 * np.pi * np.arange(modes) / modes
    return (radius * np.stack([np.cos(angle), np.sin(angle)], axis=1)).astype(np.float32)


def make_gaussian_mixture_ring(
    n: int = 1000,
    noise: float = 0.02,
    seed: int = 0,
    modes: int = 8,
    radius: float = 2.0,
    return_centers: bool = False,
) -> Arrays | tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Equal-weight Gaussians of std `noise` on a circle (`ring_centers`), the GAN toy target.

    y is the mode each point was drawn from, so a generator's mode coverage can be measured by
    assigning its samples to the nearest centre. With `return_centers=True`, returns
    `(X, y, centers)`.
    """
    rng = np.random.default_rng(seed)
    centres = ring_centers(modes, radius)
    y = rng.integers(0, modes, n).astype(np.int64)
    x = (centres[y] + rng.normal(0.0, noise, (n, 2))).astype(np.float32)
    return (x, y, centres) if return_centers else (x, y)
