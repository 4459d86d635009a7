"""Models from the lectures: linear classifiers, the MLP, autoencoders, the VAE and the GAN.

Each is a `Module`; the classical ones (`Perceptron`, `LDA`, `LogisticRegression`) also have
their own `fit`, the rest train with `nn.training.fit` (the GAN with its `train_step`).
"""

from .autoencoder import Autoencoder, DenoisingAutoencoder
from .classifier import Classifier
from .gan import GAN
from .lda import LDA
from .logistic import LogisticRegression
from .mlp import MLP
from .perceptron import NotSeparableWarning, Perceptron
from .vae import VAE, VAEOutput

__all__ = [
    "GAN",
    "LDA",
    "MLP",
    "VAE",
    "Autoencoder",
    "Classifier",
    "DenoisingAutoencoder",
    "LogisticRegression",
    "NotSeparableWarning",
    "Perceptron",
    "VAEOutput",
]
