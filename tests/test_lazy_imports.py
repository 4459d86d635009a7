"""What loads on first use (autograd_engine/lazy.py): `import autograd_engine, nn, optim` leaves
the convolution, recurrent, attention and transformer code, the schedules and the HTTP client
alone, and every lazily exported name still resolves to the object its module defines."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import autograd_engine as ae
import nn
import nn.functional as F
import optim

ROOT = Path(__file__).resolve().parents[1]

DEFERRED = {
    "autograd_engine.ops.conv",
    "autograd_engine.ops.pool",
    "autograd_engine.ops.recurrent",
    "autograd_engine.kernels.conv",
    "autograd_engine.kernels.recurrent",
    "nn.attention",
    "nn.layers.conv",
    "nn.layers.recurrent",
    "nn.layers.transformer",
    "nn.models.cnn",
    "nn.onnx",
    "optim.lr_scheduler",
    "optim.lbfgs",
    "urllib.request",
}


def test_importing_the_libraries_defers_the_heavy_modules():
    code = f"import sys, autograd_engine, nn, optim; print(sorted(set(sys.modules) & {DEFERRED!r}))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]", f"loaded at import: {done.stdout.strip()}"


@pytest.mark.parametrize(
    "package, name, module",
    [
        (ae.ops, "conv2d", "autograd_engine.ops.conv"),
        (ae.ops, "max_pool2d", "autograd_engine.ops.pool"),
        (ae.ops, "lstm_cell", "autograd_engine.ops.recurrent"),
        (F, "conv_transpose2d", "autograd_engine.ops.conv"),
        (F, "adaptive_avg_pool2d", "autograd_engine.ops.pool"),
        (F, "scaled_dot_product_attention", "nn.attention"),
        (nn, "Conv2d", "nn.layers.conv"),
        (nn, "LSTM", "nn.layers.recurrent"),
        (nn, "TransformerEncoderLayer", "nn.layers.transformer"),
        (nn, "MultiheadAttention", "nn.layers.attention"),
        (nn.layers, "GRUCell", "nn.layers.recurrent"),
        (nn.models, "LeNet5", "nn.models.cnn"),
        (nn.models, "CharLSTM", "nn.models.charlm"),
        (optim, "LBFGS", "optim.lbfgs"),
    ],
)
def test_a_deferred_name_is_its_module_s_object(package, name, module):
    assert getattr(package, name) is getattr(sys.modules[module], name)
    assert name in dir(package) and name in getattr(package, "__all__", [name])


def test_deferred_submodules_and_from_imports():
    from nn import GRU  # noqa: F401  (a from-import goes through the same hook)
    from nn.functional import conv1d

    assert conv1d is ae.ops.conv.conv1d
    assert optim.lr_scheduler.StepLR.__module__ == "optim.lr_scheduler"
    assert nn.onnx.export.__module__ == "nn.onnx"
    with pytest.raises(AttributeError, match="module 'nn' has no attribute 'Conv3d'"):
        nn.Conv3d
