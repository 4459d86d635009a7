"""Generative adversarial networks (Goodfellow et al., arXiv:1406.2661; Donini)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd_engine as ae

from .. import functional as F
from ..module import Module
from .mlp import MLP


class GAN(Module):
    """A generator G(z), z ~ N(0, I), against a discriminator D(x) = sigma(logit(x)), the
    probability that x is real, in the game

        min_G max_D  E_x[log D(x)] + E_z[log(1 - D(G(z)))].

    D minimises -log D(x) - log(1 - D(G(z))). G minimises log(1 - D(G(z))) ("minimax"), or
    -log D(G(z)) ("non_saturating", the default: same fixed point, but strong gradients while
    D still rejects G's samples). `train_step` alternates one update of D, with G's samples
    detached, and one of G. `discriminator` outputs one logit per sample.

    >>> import autograd_engine as ae, optim
    >>> _ = ae.manual_seed(0)
    >>> gan = GAN.from_sizes(data_features=2, latent_features=3, hidden=[8])
    >>> d_opt = optim.Adam(gan.discriminator.parameters(), lr=1e-3)
    >>> g_opt = optim.Adam(gan.generator.parameters(), lr=1e-3)
    >>> sorted(gan.train_step(ae.randn(4, 2), d_opt, g_opt))
    ['d_loss', 'g_loss']
    >>> gan.sample(5).shape
    (5, 2)
    """

    GENERATOR_LOSSES = ("non_saturating", "minimax")

    def __init__(
        self,
        generator: Module,
        discriminator: Module,
        latent_features: int,
        generator_loss: str = "non_saturating",
    ) -> None:
        super().__init__()
        if generator_loss not in self.GENERATOR_LOSSES:
            raise ValueError(
                f"unknown generator loss {generator_loss!r}; choose from {self.GENERATOR_LOSSES}"
            )
        self.generator = generator
        self.discriminator = discriminator
        self.latent_features = latent_features
        self.generator_loss_kind = generator_loss

    @classmethod
    def from_sizes(
        cls,
        data_features: int,
        latent_features: int,
        hidden: Sequence[int],
        output: str | None = None,
        generator_loss: str = "non_saturating",
    ) -> GAN:
        """Fully connected: G is latent -> hidden... -> data with `output` on top ("sigmoid"
        for pixels in [0, 1]); D mirrors it with leaky ReLUs, data -> ...hidden -> 1 logit."""
        generator = MLP(latent_features, hidden, data_features, "relu", output=output)
        discriminator = MLP(data_features, hidden[::-1], 1, "leaky_relu")
        return cls(generator, discriminator, latent_features, generator_loss)

    def noise(self, n: int) -> ae.Tensor:
        """n latent vectors z ~ N(0, I)."""
        return ae.randn(n, self.latent_features)

    def forward(self, z: ae.Tensor) -> ae.Tensor:
        return self.generator(z)

    def sample(self, n: int) -> ae.Tensor:
        """n generated data points, G(z), without recording a graph."""
        with ae.no_grad():
            return self.generator(self.noise(n))

    def discriminator_loss(self, real: ae.Tensor, fake: ae.Tensor) -> ae.Tensor:
        """-E[log D(x)] - E[log(1 - D(G(z)))]; G's samples are detached, so only D learns."""
        real_logits = self.discriminator(real)
        fake_logits = self.discriminator(fake.detach())
        ones = np.ones(real_logits.shape, dtype=real_logits.dtype)
        zeros = np.zeros(fake_logits.shape, dtype=fake_logits.dtype)
        return F.binary_cross_entropy_with_logits(
            real_logits, ones
        ) + F.binary_cross_entropy_with_logits(fake_logits, zeros)

    def generator_loss(self, fake: ae.Tensor) -> ae.Tensor:
        """E[log(1 - D(G(z)))] (minimax) or -E[log D(G(z))] (non-saturating)."""
        logits = self.discriminator(fake)
        if self.generator_loss_kind == "minimax":  # log(1 - sigma(l)) = -softplus(l)
            return -ae.softplus(logits).mean()
        ones = np.ones(logits.shape, dtype=logits.dtype)
        return F.binary_cross_entropy_with_logits(logits, ones)

    def train_step(self, real: Any, d_optimizer: Any, g_optimizer: Any) -> dict[str, float]:
        """One update of D on a real batch and as many samples of G, then one of G; returns
        both losses."""
        real = ae.tensor(real, dtype=ae.get_default_dtype())
        fake = self.generator(self.noise(real.shape[0]))
        d_loss = self.discriminator_loss(real, fake)
        d_optimizer.zero_grad()
        d_loss.backward()
        d_optimizer.step()
        g_loss = self.generator_loss(fake)
        g_optimizer.zero_grad()
        g_loss.backward()
        g_optimizer.step()
        return {"d_loss": d_loss.item(), "g_loss": g_loss.item()}

    def extra_repr(self) -> str:
        return (
            f"latent_features={self.latent_features}, generator_loss={self.generator_loss_kind!r}"
        )
