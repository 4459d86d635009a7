"""LeNet-5 (LeCun et al., 1998), the lecture's convolutional network: two 5 x 5 convolutions,
each followed by a non-linearity and 2 x 2 pooling, then fully connected layers 120-84-classes.
"""

from __future__ import annotations

import autograd_engine as ae

from ..containers import Sequential
from ..layers import AvgPool2d, Conv2d, Flatten, Linear, MaxPool2d, Upsample
from ..module import Module
from .mlp import activation_layer


class LeNet5(Module):
    """LeNet-5 for (N, in_channels, input_size, input_size) images.

    The original reads 32 x 32 images with unpadded convolutions (32 -> 28 -> 14 -> 10 -> 5).
    Smaller images get padding 2 ('same') on a convolution whose input would otherwise leave
    less than a 5 x 5 map (pad 2 on the first for 28 x 28 MNIST, the classic adaptation; on
    both for 8 x 8 digits). `scale` > 1 enlarges the images first (nearest neighbour: each
    pixel a scale x scale block), so 8 x 8 digits with scale 4 meet the original 32 x 32
    network. `activation` "relu" (default), "tanh" (the original), ...; `pooling` "max"
    (default) or "avg" (the original's subsampling).

    >>> _ = ae.manual_seed(0)
    >>> LeNet5()(ae.randn(2, 1, 28, 28)).shape
    (2, 10)
    """

    def __init__(
        self,
        in_channels: int = 1,
        num_classes: int = 10,
        input_size: int = 28,
        activation: str = "relu",
        pooling: str = "max",
        scale: int = 1,
    ) -> None:
        super().__init__()
        if pooling not in ("max", "avg"):
            raise ValueError(f"LeNet5: pooling must be 'max' or 'avg', got {pooling!r}")
        if not isinstance(scale, int) or scale < 1:
            raise ValueError(f"LeNet5: scale must be a positive int, got {scale!r}")
        pool = MaxPool2d if pooling == "max" else AvgPool2d
        self.in_channels, self.input_size, self.scale = in_channels, input_size, scale
        self.enlarge = Upsample(scale_factor=scale) if scale > 1 else None
        side = input_size * scale  # what the first convolution reads
        first = 0 if side >= 32 else 2
        size = (side + 2 * first - 4) // 2
        second = 0 if size >= 10 else 2
        size = (size + 2 * second - 4) // 2
        if size < 1:
            raise ValueError(f"LeNet5: input_size {input_size} is too small (at least 4)")
        self.features = Sequential(
            Conv2d(in_channels, 6, 5, padding=first),
            activation_layer(activation),
            pool(2),
            Conv2d(6, 16, 5, padding=second),
            activation_layer(activation),
            pool(2),
        )
        self.classifier = Sequential(
            Flatten(),
            Linear(16 * size * size, 120),
            activation_layer(activation),
            Linear(120, 84),
            activation_layer(activation),
            Linear(84, num_classes),
        )

    def forward(self, x: ae.Tensor) -> ae.Tensor:
        """Class logits (N, num_classes) of (N, C, H, W) images ((N, H, W) if C = 1, or flat
        rows (N, C * H * W) as the command line's datasets hold them)."""
        if x.ndim == 2:
            x = x.reshape(x.shape[0], self.in_channels, self.input_size, self.input_size)
        elif x.ndim == 3:
            x = x.unsqueeze(1)
        if self.enlarge is not None:
            x = self.enlarge(x)
        return self.classifier(self.features(x))
