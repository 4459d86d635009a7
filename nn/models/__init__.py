"""Models from the lectures: linear classifiers, the MLP, LeNet-5, a recurrent classifier, a
character-level language model, autoencoders, the VAE and the GAN.

Each is a `Module`; the classical ones (`Perceptron`, `LDA`, `LogisticRegression`) also have
their own `fit`, the rest train with `nn.training.fit` (the GAN with its `train_step`). The
convolutional and recurrent models load on first use.
"""

from autograd_engine import lazy

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

__getattr__, __dir__ = lazy.exports(
    __name__,
    {".charlm": ("CharLSTM",), ".cnn": ("LeNet5",), ".recurrent": ("RecurrentClassifier",)},
)
