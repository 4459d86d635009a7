"""`nn.onnx.export` of the convolutional and recurrent models: ONNX Runtime gives the engine's
outputs on random inputs, with ONNX's own gate order for the LSTM and GRU."""

import numpy as np
import pytest

import autograd_engine as ae
import nn
from nn.models import LeNet5, RecurrentClassifier

onnx = pytest.importorskip("onnx", reason='needs the onnx extra: pip install -e ".[onnx]"')
ort = pytest.importorskip("onnxruntime", reason='needs the onnx extra: pip install -e ".[onnx]"')


def _models():
    ae.manual_seed(0)
    models = {
        "lenet5-digits-flat": (LeNet5(input_size=8), (64,)),
        "lenet5-digits-enlarged": (LeNet5(input_size=8, scale=4), (64,)),
        "lenet5-28": (LeNet5(), (1, 28, 28)),
        "lenet5-tanh-avg": (LeNet5(activation="tanh", pooling="avg", input_size=32), (32, 32)),
        "conv-layers": (
            nn.Sequential(
                nn.Conv2d(2, 4, 3, padding="same", dilation=2),
                nn.ReLU(),
                nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),
                nn.Conv2d(4, 6, 3, stride=2, padding=(1, 0), groups=2, bias=False),
                nn.AvgPool2d(2, count_include_pad=False, padding=1),
                nn.Flatten(),
            ),
            (2, 12, 12),
        ),
    }
    for cell in ("rnn", "lstm", "gru"):
        models[cell] = (RecurrentClassifier(cell, 8, 16, 10), (64,))
        models[f"{cell}-2-layers-bidirectional"] = (
            RecurrentClassifier(cell, 8, 12, 5, num_layers=2, bidirectional=True),
            (6, 8),
        )
    return models


@pytest.mark.parametrize("name", list(_models()))
def test_onnx_runtime_gives_the_engine_outputs(name, tmp_path):
    model, shape = _models()[name]
    path = tmp_path / f"{name}.onnx"
    nn.onnx.export(model, ae.randn(2, *shape), path)
    onnx.checker.check_model(onnx.load(path), full_check=True)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    model.eval()
    for batch in (1, 5):  # the batch dimension is free
        x = np.random.default_rng(batch).standard_normal((batch, *shape)).astype(np.float32)
        (got,) = session.run(None, {"input": x})
        with ae.no_grad():
            want = model(ae.tensor(x)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_the_file_keeps_the_module_names(tmp_path):
    ae.manual_seed(0)
    path = tmp_path / "lstm.onnx"
    nn.onnx.export(RecurrentClassifier("lstm", 8, 4, 3), ae.randn(2, 8, 8), path)
    graph = onnx.load(path).graph
    assert {i.name for i in graph.initializer} >= {
        "rnn.weight_ih_l0",
        "rnn.weight_hh_l0",
        "rnn.bias_l0",
        "head.weight",
        "head.bias",
    }
    assert "/rnn/LSTM" in {n.name for n in graph.node}
    path = tmp_path / "lenet.onnx"
    nn.onnx.export(LeNet5(input_size=8), ae.randn(2, 64), path)
    names = {n.name for n in onnx.load(path).graph.node}
    assert {"/features/0/Conv", "/features/2/MaxPool", "/classifier/1/Gemm"} <= names


def test_unsupported_settings_are_named(tmp_path):
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.AvgPool2d(2, divisor_override=3))
    with pytest.raises(NotImplementedError, match="1 uses divisor_override"):
        nn.onnx.export(model, ae.randn(1, 1, 4, 4), tmp_path / "m.onnx")
