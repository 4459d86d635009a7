"""The variational autoencoder (Kingma & Welling, arXiv:1312.6114; Donini)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import autograd_engine as ae

from .. import functional as F
from ..module import Module
from .autoencoder import mirrored_mlps


class VAEOutput(NamedTuple):
    """What `VAE.forward` returns: the decoder's logits and the posterior's parameters."""

    logits: ae.Tensor
    mu: ae.Tensor
    logvar: ae.Tensor


class VAE(Module):
    """The encoder gives a Gaussian posterior q(z|x) = N(mu, sigma^2) (its output holds mu and
    log sigma^2, `latent_features` each); a code is drawn by reparameterisation,
    z = mu + sigma * eps with eps ~ N(0, I), so gradients flow through mu and sigma; the decoder
    gives Bernoulli logits of p(x|z). Training minimises the negative ELBO

        loss = -log p(x|z) + KL(N(mu, sigma^2) || N(0, I)),
        KL = -1/2 sum_j (1 + log sigma_j^2 - mu_j^2 - sigma_j^2),

    per sample, averaged over the batch; inputs are in [0, 1] (pixel intensities).

    >>> import autograd_engine as ae
    >>> _ = ae.manual_seed(0)
    >>> vae = VAE.from_sizes([6, 4, 2])
    >>> x = ae.rand(3, 6)
    >>> out = vae(x)
    >>> out.logits.shape, out.mu.shape, vae.loss(out, x).shape, vae.sample(5).shape
    ((3, 6), (3, 2), (), (5, 6))
    """

    def __init__(self, encoder: Module, decoder: Module, latent_features: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.latent_features = latent_features

    @classmethod
    def from_sizes(cls, sizes: Sequence[int], activation: str = "relu") -> VAE:
        """Fully connected: `sizes` = [input, hidden..., latent], decoder mirrored."""
        latent = sizes[-1]
        encoder, decoder = mirrored_mlps(sizes, activation, None, code_features=2 * latent)
        return cls(encoder, decoder, latent)

    def encode(self, x: ae.Tensor) -> tuple[ae.Tensor, ae.Tensor]:
        """(mu, log sigma^2) of q(z|x)."""
        h = self.encoder(x)
        return h[:, : self.latent_features], h[:, self.latent_features :]

    def reparameterize(self, mu: ae.Tensor, logvar: ae.Tensor) -> ae.Tensor:
        """z = mu + sigma * eps, eps ~ N(0, I) from the engine's seeded generator."""
        return mu + ae.exp(0.5 * logvar) * ae.randn(*mu.shape, dtype=mu.dtype)

    def forward(self, x: ae.Tensor) -> VAEOutput:
        mu, logvar = self.encode(x)
        return VAEOutput(self.decoder(self.reparameterize(mu, logvar)), mu, logvar)

    def loss(self, output: VAEOutput, x: Any) -> ae.Tensor:
        """Reconstruction (Bernoulli cross-entropy) + KL, per sample, averaged over the batch."""
        n = output.logits.shape[0]
        reconstruction = F.binary_cross_entropy_with_logits(output.logits, x, reduction="sum")
        return (reconstruction + F.gaussian_kl(output.mu, output.logvar)) / n

    def sample(self, n: int) -> ae.Tensor:
        """n new data points: decoder(z) with z ~ N(0, I), as probabilities in [0, 1]."""
        with ae.no_grad():
            return ae.sigmoid(self.decoder(ae.randn(n, self.latent_features)))

    def reconstruct(self, x: Any) -> ae.Tensor:
        """decoder(mu(x)) as probabilities: the most likely code, no sampling."""
        with ae.no_grad():
            mu, _ = self.encode(ae.tensor(x, dtype=ae.get_default_dtype()))
            return ae.sigmoid(self.decoder(mu))

    def extra_repr(self) -> str:
        return f"latent_features={self.latent_features}"
