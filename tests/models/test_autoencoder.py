"""Autoencoder and denoising autoencoder: shapes, noise in training only, the loss falls."""

import numpy as np
import pytest

import autograd_engine as ae
import optim
from nn.data import DataLoader, TensorDataset, load_digits
from nn.models import Autoencoder, DenoisingAutoencoder
from nn.training import fit


def _losses(model, epochs=8):
    x, _ = load_digits(scale=True)
    loader = DataLoader(TensorDataset(x[:600]), batch_size=32, shuffle=True, seed=0)
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    return fit(model, model.loss, optimizer, loader, epochs=epochs, progress=False)["loss"]


def test_from_sizes_mirrors_the_encoder():
    model = Autoencoder.from_sizes([10, 6, 3])
    widths = [m.out_features for m in model.modules() if type(m).__name__ == "Linear"]
    assert widths == [6, 3, 6, 10]
    assert type(model.decoder.layers[-1]).__name__ == "Sigmoid"


def test_loss_is_the_squared_error_per_sample():
    model = Autoencoder.from_sizes([4, 2])
    out, x = ae.ones(2, 4), ae.zeros(2, 4)
    assert model.loss(out, x).item() == pytest.approx(4.0)  # ||1 - 0||^2 = 4 per sample


@pytest.mark.parametrize(
    "model",
    [
        lambda: Autoencoder.from_sizes([64, 32, 8]),
        lambda: DenoisingAutoencoder.from_sizes([64, 32, 8], noise="gaussian", level=0.2),
        lambda: DenoisingAutoencoder.from_sizes([64, 32, 8], noise="masking", level=0.3),
    ],
)
def test_loss_decreases(model):
    ae.manual_seed(0)
    losses = _losses(model())
    assert losses[-1] < 0.7 * losses[0]


def test_noise_only_in_training():
    ae.manual_seed(0)
    dae = DenoisingAutoencoder.from_sizes([6, 3], noise="gaussian", level=0.5)
    x = ae.rand(4, 6)
    clean = dae.decode(dae.encode(x)).numpy()
    dae.eval()
    np.testing.assert_array_equal(dae(x).numpy(), clean)
    dae.train()
    assert not np.allclose(dae(x).numpy(), clean)


def test_masking_zeroes_about_the_given_fraction_and_keeps_the_mean():
    ae.manual_seed(0)
    dae = DenoisingAutoencoder.from_sizes([6, 3], noise="masking", level=0.25)
    corrupted = dae.corrupt(ae.ones(200, 50)).numpy()
    assert set(np.unique(corrupted)) == {0.0, np.float32(1 / 0.75)}
    assert abs((corrupted == 0).mean() - 0.25) < 0.02
    assert abs(corrupted.mean() - 1) < 0.03


@pytest.mark.parametrize("noise, level", [("salt", 0.1), ("masking", 1.0), ("gaussian", -1)])
def test_rejects_bad_noise(noise, level):
    with pytest.raises(ValueError):
        DenoisingAutoencoder.from_sizes([4, 2], noise=noise, level=level)
