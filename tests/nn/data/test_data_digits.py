import numpy as np

from nn.data import load_digits


def test_digits_shape_range_and_classes():
    x, y = load_digits()
    assert x.shape == (1797, 64) and x.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 16.0
    assert np.all(x == np.round(x))
    counts = np.bincount(y)
    assert len(counts) == 10 and counts.min() >= 170
    # The first image is the well-known zero of the scikit-learn copy.
    assert y[0] == 0 and x[0, :8].tolist() == [0, 0, 5, 13, 9, 1, 0, 0]


def test_digits_scaled_and_images():
    x, _ = load_digits(scale=True, images=True)
    assert x.shape == (1797, 8, 8) and x.max() == 1.0
