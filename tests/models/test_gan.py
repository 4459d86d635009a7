"""GAN: both generator losses, the detached D update, and all 8 modes of the ring covered."""

import numpy as np
import pytest

import autograd_engine as ae
import optim
from nn.data import DataLoader, TensorDataset, make_gaussian_mixture_ring
from nn.metrics import mode_counts
from nn.models import GAN

NOISE = 0.05


def _gan(kind="non_saturating"):
    ae.manual_seed(0)
    return GAN.from_sizes(2, 8, [16], generator_loss=kind)


def test_generator_losses():
    fake = ae.randn(6, 2)
    for kind in GAN.GENERATOR_LOSSES:
        gan = _gan(kind)
        logits = gan.discriminator(fake).numpy()
        d = 1 / (1 + np.exp(-logits))
        expected = np.log(1 - d).mean() if kind == "minimax" else -np.log(d).mean()
        assert gan.generator_loss(fake).item() == pytest.approx(expected, rel=1e-5)


def test_discriminator_loss_is_the_negated_value_function():
    gan = _gan()
    real, fake = ae.randn(5, 2), ae.randn(5, 2)
    d_real = 1 / (1 + np.exp(-gan.discriminator(real).numpy()))
    d_fake = 1 / (1 + np.exp(-gan.discriminator(fake).numpy()))
    expected = -np.log(d_real).mean() - np.log(1 - d_fake).mean()
    assert gan.discriminator_loss(real, fake).item() == pytest.approx(expected, rel=1e-5)


def test_discriminator_update_leaves_the_generator_alone():
    gan = _gan()
    fake = gan.generator(gan.noise(4))
    gan.discriminator_loss(ae.randn(4, 2), fake).backward()
    assert all(p.grad is None for p in gan.generator.parameters())
    assert all(p.grad is not None for p in gan.discriminator.parameters())


def test_train_step_updates_both_players():
    gan = _gan()
    before = {k: v.numpy().copy() for k, v in gan.state_dict().items()}
    d_opt = optim.Adam(gan.discriminator.parameters(), lr=1e-2)
    g_opt = optim.Adam(gan.generator.parameters(), lr=1e-2)
    losses = gan.train_step(ae.randn(8, 2), d_opt, g_opt)
    assert set(losses) == {"d_loss", "g_loss"}
    changed = {k for k, v in gan.state_dict().items() if not np.array_equal(v.numpy(), before[k])}
    assert any(k.startswith("generator.") for k in changed)
    assert any(k.startswith("discriminator.") for k in changed)


def test_rejects_unknown_generator_loss():
    with pytest.raises(ValueError, match="unknown generator loss"):
        GAN.from_sizes(2, 2, [4], generator_loss="wasserstein")


def test_covers_all_eight_modes_of_the_ring():
    ae.manual_seed(0)
    x, _, centres = make_gaussian_mixture_ring(n=20000, noise=NOISE, seed=0, return_centers=True)
    gan = GAN.from_sizes(2, 8, [128, 128])
    d_opt = optim.Adam(gan.discriminator.parameters(), lr=1e-3, betas=(0.5, 0.999))
    g_opt = optim.Adam(gan.generator.parameters(), lr=1e-3, betas=(0.5, 0.999))
    loader = DataLoader(TensorDataset(x), batch_size=128, shuffle=True, seed=0)
    steps = 0
    while steps < 3000:
        for (batch,) in loader:
            gan.train_step(batch, d_opt, g_opt)
            steps += 1
            if steps == 3000:
                break
    counts = mode_counts(gan.sample(2000), centres, max_distance=3 * NOISE)
    assert (counts >= 0.01 * 2000).all(), f"samples per mode: {counts}"
    assert counts.sum() >= 0.7 * 2000, f"only {counts.sum()} of 2000 samples near a mode"
