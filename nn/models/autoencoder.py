"""Autoencoders (Donini): an encoder to a smaller code and a decoder back to the input."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import autograd_engine as ae

from ..module import Module
from .mlp import MLP


def mirrored_mlps(
    sizes: Sequence[int], activation: str, output: str | None, code_features: int | None = None
) -> tuple[MLP, MLP]:
    """An encoder MLP through `sizes` (input, hidden..., code) and the decoder that mirrors it
    back to the input width with `output` on top. `code_features` overrides the encoder's
    output width (a VAE's encoder gives a mean and a log-variance per code unit)."""
    if len(sizes) < 2:
        raise ValueError(f"sizes must name at least the input and code widths, got {sizes}")
    inputs, *hidden, code = sizes
    encoder = MLP(inputs, hidden, code_features or code, activation)
    decoder = MLP(code, hidden[::-1], inputs, activation, output=output)
    return encoder, decoder


class Autoencoder(Module):
    """x_out = decoder(encoder(x_in)), trained to reproduce its input with the loss
    l = ||x_in - x_out||^2 (summed over features, averaged over the batch).

    >>> import autograd_engine as ae
    >>> _ = ae.manual_seed(0)
    >>> ae_model = Autoencoder.from_sizes([6, 4, 2])
    >>> x = ae.rand(3, 6)
    >>> ae_model.encode(x).shape, ae_model(x).shape
    ((3, 2), (3, 6))
    """

    def __init__(self, encoder: Module, decoder: Module) -> None:
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    @classmethod
    def from_sizes(
        cls,
        sizes: Sequence[int],
        activation: str = "relu",
        output: str | None = "sigmoid",
        **kwargs: Any,
    ) -> Autoencoder:
        """Fully connected: `sizes` = [input, hidden..., code]; the decoder mirrors the encoder
        and ends with `output` ("sigmoid" for pixels in [0, 1]). Extra keyword arguments go to
        the constructor (e.g. a denoising autoencoder's noise)."""
        return cls(*mirrored_mlps(sizes, activation, output), **kwargs)

    def encode(self, x: ae.Tensor) -> ae.Tensor:
        return self.encoder(x)

    def decode(self, code: ae.Tensor) -> ae.Tensor:
        return self.decoder(code)

    def forward(self, x: ae.Tensor) -> ae.Tensor:
        return self.decode(self.encode(x))

    def reconstruct(self, x: Any) -> ae.Tensor:
        """The reconstruction of x in evaluation mode, without recording a graph."""
        was_training = self.training
        self.eval()
        try:
            with ae.no_grad():
                return self(ae.tensor(x, dtype=ae.get_default_dtype()))
        finally:
            self.train(was_training)

    def loss(self, output: ae.Tensor, target: Any) -> ae.Tensor:
        """||x_in - x_out||^2 per sample, averaged over the batch."""
        diff = output - target
        return (diff * diff).sum() / output.shape[0]


class DenoisingAutoencoder(Autoencoder):
    """An autoencoder fed a corrupted input x~ and trained to give back the clean x (Donini):
    l = ||x - decoder(encoder(x~))||^2. Corruption is applied in training mode only:
    "gaussian" adds N(0, level^2) noise, "masking" zeroes each input with probability `level`
    and scales the kept ones by 1 / (1 - level), so that E[x~] = x as for the clean inputs the
    model sees in evaluation mode (without it, a model trained on 40 % masking reconstructs
    clean inputs four times worse than an autoencoder).

    >>> import autograd_engine as ae
    >>> _ = ae.manual_seed(0)
    >>> dae = DenoisingAutoencoder.from_sizes([6, 4, 2], noise="masking", level=0.5)
    >>> x = ae.ones(2, 6)
    >>> sorted(set(dae.corrupt(x).numpy().ravel().tolist()))
    [0.0, 2.0]
    """

    NOISES = ("gaussian", "masking")

    def __init__(
        self, encoder: Module, decoder: Module, noise: str = "gaussian", level: float = 0.3
    ) -> None:
        super().__init__(encoder, decoder)
        if noise not in self.NOISES:
            raise ValueError(f"unknown noise {noise!r}; choose from {self.NOISES}")
        if level < 0 or (noise == "masking" and level >= 1):
            raise ValueError(f"invalid {noise} noise level {level}")
        self.noise = noise
        self.level = level

    def corrupt(self, x: ae.Tensor) -> ae.Tensor:
        """x~: x plus Gaussian noise, or x with a random fraction of its entries set to 0 (the
        others rescaled)."""
        # Drawn with ae.randn / ae.rand (the engine's generator, in float64 as before), which
        # a compiled step (ae.compile) draws anew on each replay.
        if self.noise == "gaussian":
            return x + (self.level * ae.randn(*x.shape, dtype=ae.float64)).to(x.dtype)
        keep = ae.rand(*x.shape, dtype=ae.float64) >= self.level
        return x * (keep.to(ae.float64) / (1.0 - self.level)).to(x.dtype)

    def forward(self, x: ae.Tensor) -> ae.Tensor:
        return self.decode(self.encode(self.corrupt(x) if self.training else x))

    def extra_repr(self) -> str:
        return f"noise={self.noise!r}, level={self.level}"
