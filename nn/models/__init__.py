"""Models from the lectures: linear classifiers, the MLP, LeNet-5, a recurrent classifier, a
character-level language model, autoencoders, the VAE and the GAN.

Each is a `Module`; the classical ones (`Perceptron`, `LDA`, `LogisticRegression`) also have
their own `fit`, the rest train with `nn.training.fit` (the GAN with its `train_step`).
"""

from .autoencoder import Autoencoder, DenoisingAutoencoder
from .charlm import CharLSTM
from .classifier import Classifier
from .cnn import LeNet5
from .gan import GAN
from .lda import LDA
from .logistic import LogisticRegression
from .mlp import MLP
from .perceptron import NotSeparableWarning, Perceptron
from .recurrent import RecurrentClassifier
from .vae import VAE, VAEOutput

__all__ = [
    "GAN",
    "LDA",
    "MLP",
    "VAE",
    "Autoencoder",
    "CharLSTM",
    "Classifier",
    "DenoisingAutoencoder",
    "LeNet5",
    "LogisticRegression",
    "NotSeparableWarning",
    "Perceptron",
    "RecurrentClassifier",
    "VAEOutput",
]
