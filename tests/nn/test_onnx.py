"""nn.onnx.export: every model the command line trains opens in ONNX Runtime with the engine's
outputs, passes onnx.checker, and keeps the module names; what it cannot export is refused."""

import sys

import numpy as np
import pytest

import autograd_engine as ae
import nn
from nn.models import (
    GAN,
    MLP,
    VAE,
    Autoencoder,
    DenoisingAutoencoder,
    LogisticRegression,
    Perceptron,
)

onnx = pytest.importorskip("onnx", reason='needs the onnx extra: pip install -e ".[onnx]"')
ort = pytest.importorskip("onnxruntime", reason='needs the onnx extra: pip install -e ".[onnx]"')


def _trained_like(model):
    """Random weights and batch-norm statistics (fresh ones are 0 and 1)."""
    rng = np.random.default_rng(1)
    for name, buffer in model.named_buffers():
        if name.endswith(("running_mean", "running_var")):
            buffer.numpy()[...] = rng.uniform(0.5, 1.5, buffer.shape)
    return model


def _parts():
    ae.manual_seed(0)
    vae = VAE.from_sizes([20, 12, 4])
    gan = GAN.from_sizes(20, 4, [8, 12], output="sigmoid")
    return {
        "mlp": (MLP(20, [16, 12], 5, dropout=0.2, batch_norm=True), 20),
        "logreg": (LogisticRegression(20, 5), 20),
        "logreg-binary": (LogisticRegression(20, 2), 20),
        "autoencoder": (Autoencoder.from_sizes([20, 12, 4]), 20),
        "dae": (DenoisingAutoencoder.from_sizes([20, 12, 4], noise="masking", level=0.5), 20),
        "vae-encoder": (vae.encoder, 20),
        "vae-decoder": (vae.decoder, 4),
        "gan-generator": (gan.generator, 4),
        "layers": (
            nn.Sequential(
                nn.Linear(20, 16),
                nn.LayerNorm(16),
                nn.LeakyReLU(0.2),
                nn.Residual(nn.Sequential(nn.Linear(16, 16), nn.Tanh())),
                nn.ELU(0.5),
                nn.Softplus(beta=2.0),
                nn.Linear(16, 6),
                nn.LogSoftmax(dim=1),
            ),
            20,
        ),
    }


@pytest.mark.parametrize("name", list(_parts()))
def test_onnx_runtime_gives_the_engine_outputs(name, tmp_path):
    model, features = _parts()[name]
    model = _trained_like(model)
    path = tmp_path / f"{name}.onnx"
    nn.onnx.export(model, ae.randn(3, features), path)
    onnx.checker.check_model(onnx.load(path), full_check=True)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    model.eval()
    for batch in (1, 7):  # the batch dimension is free
        x = np.random.default_rng(batch).standard_normal((batch, features)).astype(np.float32)
        (got,) = session.run(None, {"input": x})
        with ae.no_grad():
            want = model(ae.tensor(x)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_the_file_keeps_the_module_names(tmp_path):
    model = MLP(6, [5], 2)
    model.train()
    nn.onnx.export(model, ae.randn(2, 6), tmp_path / "m.onnx")
    assert model.training  # export runs in evaluation mode and restores the mode
    graph = onnx.load(tmp_path / "m.onnx").graph
    assert [n.name for n in graph.node] == [
        "/layers/0/Gemm",
        "/layers/1/Relu",
        "/layers/2/Gemm",
        "/output",
    ]
    assert {i.name for i in graph.initializer} == {n for n, _ in model.named_parameters()}
    assert [i.name for i in graph.input] == ["input"] and graph.output[0].name == "output"


def test_a_model_that_is_not_a_chain_is_refused(tmp_path):
    gan = GAN.from_sizes(6, 2, [4])
    with pytest.raises(ValueError, match=r"GAN.forward is not the chain.*model.generator"):
        nn.onnx.export(gan, ae.randn(2, 2), tmp_path / "g.onnx")
    with pytest.raises(ValueError, match=r"VAE.forward is not the chain"):
        nn.onnx.export(VAE.from_sizes([6, 4, 2]), ae.randn(2, 6), tmp_path / "v.onnx")
    assert list(tmp_path.iterdir()) == []


def test_a_layer_without_conversion_is_named(tmp_path):
    with pytest.raises(NotImplementedError, match="no ONNX conversion for Perceptron"):
        nn.onnx.export(Perceptron(4, 2), ae.randn(2, 4), tmp_path / "p.onnx")


def test_without_onnx_the_error_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ModuleNotFoundError, match=r'pip install "autograd-engine\[onnx\]"'):
        nn.onnx.export(MLP(2, [2], 2), ae.randn(1, 2), tmp_path / "m.onnx")
