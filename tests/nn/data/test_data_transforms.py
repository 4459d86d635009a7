import numpy as np
import pytest

from autograd_engine import Tensor, tensor
from nn.data import Compose, Flatten, Standardize, ToFloat


def test_standardize_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    train = rng.normal(5.0, 3.0, (500, 3)).astype(np.float32)
    test = rng.normal(-2.0, 1.0, (50, 3)).astype(np.float32)
    scaler = Standardize().fit(train)
    z = scaler(train)
    assert z.dtype == np.float32
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(z.std(axis=0), 1.0, atol=1e-5)
    expected = (test - train.mean(axis=0)) / train.std(axis=0)
    np.testing.assert_allclose(scaler.transform(test), expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(scaler.inverse_transform(scaler(test)), test, rtol=1e-5, atol=1e-5)


def test_standardize_constant_feature_and_global_axis():
    x = np.array([[1.0, 7.0], [3.0, 7.0]])
    z = Standardize().fit_transform(x)
    np.testing.assert_allclose(z, [[-1.0, 0.0], [1.0, 0.0]])
    assert z.dtype == np.float64
    scalar = Standardize(axis=None).fit(x)
    assert scalar.mean.shape == (1, 1)


def test_standardize_tensors_and_integers():
    scaler = Standardize().fit(np.array([[0], [2]]))
    out = scaler(tensor(np.array([[2.0]], dtype=np.float32)))
    assert isinstance(out, Tensor) and out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), [[1.0]])
    assert scaler(np.array([[1]])).dtype == np.float32


def test_standardize_state_round_trip_and_unfitted_error():
    with pytest.raises(RuntimeError, match="fit"):
        Standardize()(np.zeros((2, 2)))
    fitted = Standardize().fit(np.arange(12.0).reshape(4, 3))
    restored = Standardize()
    restored.load_state_dict(fitted.state_dict())
    x = np.ones((2, 3))
    np.testing.assert_array_equal(restored(x), fitted(x))


def test_image_helpers_compose():
    image = np.full((28, 28), 255, dtype=np.uint8)
    vector = Compose([ToFloat(), Flatten()])(image)
    assert vector.shape == (784,) and vector.dtype == np.float32
    assert vector.max() == 1.0
