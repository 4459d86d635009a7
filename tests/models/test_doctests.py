"""Every model's docstring example runs."""

import doctest
import importlib

import pytest

MODULES = [
    "autoencoder",
    "charlm",
    "cnn",
    "gan",
    "lda",
    "logistic",
    "mlp",
    "perceptron",
    "recurrent",
    "vae",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(f"nn.models.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"nn.models.{name} has no docstring example"
    assert result.failed == 0
