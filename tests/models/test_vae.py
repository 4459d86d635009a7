"""VAE: the closed-form KL, the reparameterisation, a falling loss, samples' shapes."""

import numpy as np
import pytest

import autograd_engine as ae
import optim
from nn.data import DataLoader, TensorDataset, load_digits
from nn.models import VAE
from nn.training import fit


def test_loss_is_reconstruction_plus_closed_form_kl():
    ae.manual_seed(0)
    vae = VAE.from_sizes([5, 4, 2])
    x = ae.rand(3, 5)
    out = vae(x)
    mu, logvar, logits = out.mu.numpy(), out.logvar.numpy(), out.logits.numpy()
    kl = -0.5 * (1 + logvar - mu**2 - np.exp(logvar)).sum()
    p = 1 / (1 + np.exp(-logits))
    bce = -(x.numpy() * np.log(p) + (1 - x.numpy()) * np.log(1 - p)).sum()
    assert vae.loss(out, x).item() == pytest.approx((bce + kl) / 3, rel=1e-4)


def test_gradients_flow_through_mu_and_sigma():
    ae.manual_seed(0)
    vae = VAE.from_sizes([5, 4, 2])
    x = ae.rand(3, 5)
    vae.loss(vae(x), x).backward()
    head = vae.encoder.layers[-1].weight.grad.numpy()  # rows: 2 mu units, then 2 log-variances
    assert np.abs(head[:2]).sum() > 0 and np.abs(head[2:]).sum() > 0


def test_loss_decreases_and_shapes():
    ae.manual_seed(0)
    x, _ = load_digits(scale=True)
    vae = VAE.from_sizes([64, 64, 4])
    loader = DataLoader(TensorDataset(x[:600]), batch_size=32, shuffle=True, seed=0)
    optimizer = optim.Adam(vae.parameters(), lr=3e-3)
    losses = fit(vae, vae.loss, optimizer, loader, epochs=8, progress=False)["loss"]
    assert losses[-1] < 0.8 * losses[0]
    samples = vae.sample(7).numpy()
    assert samples.shape == (7, 64) and samples.min() >= 0 and samples.max() <= 1
    assert vae.reconstruct(x[:5]).shape == (5, 64)
