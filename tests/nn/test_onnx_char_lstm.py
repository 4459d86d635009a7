"""`nn.onnx.export` of the character-level language model: ONNX Runtime gives the engine's
logits and final (h, c) for character ids of any batch size and length."""

import numpy as np
import pytest

import autograd_engine as ae
import nn
from nn.models import CharLSTM

onnx = pytest.importorskip("onnx", reason='needs the onnx extra: pip install -e ".[onnx]"')
ort = pytest.importorskip("onnxruntime", reason='needs the onnx extra: pip install -e ".[onnx]"')

NAMES = ("logits", "h_n", "c_n")
FREE = {
    "ids": {0: "batch", 1: "sequence"},
    "logits": {0: "batch", 1: "sequence"},
    "h_n": {1: "batch"},
    "c_n": {1: "batch"},
}


@pytest.mark.parametrize("layers", [1, 2])
def test_onnx_runtime_gives_the_engine_logits_and_state(layers, tmp_path):
    ae.manual_seed(layers)
    model = CharLSTM("abcdefg\n ", embedding_dim=5, hidden_size=7, num_layers=layers, dropout=0.2)
    path = tmp_path / "charlm.onnx"
    example = ae.tensor(np.zeros((1, 4), dtype=np.int64))
    nn.onnx.export(
        model, example, path, input_names=("ids",), output_names=NAMES, dynamic_axes=FREE
    )
    proto = onnx.load(path)
    onnx.checker.check_model(proto, full_check=True)
    assert {i.name for i in proto.graph.initializer} >= {
        "embedding.weight",
        "lstm.weight_ih_l0",
        "head.weight",
        "head.bias",
    }
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    model.eval()  # dropout off, as exported
    rng = np.random.default_rng(layers)
    for batch, steps in ((1, 1), (3, 11)):  # batch and length are free
        ids = rng.integers(0, len(model.vocab), (batch, steps))
        got = session.run(list(NAMES), {"ids": ids})
        with ae.no_grad():
            logits, (h, c) = model(ae.tensor(ids))
        for g, want in zip(got, (logits, h, c)):
            assert g.shape == want.shape
            np.testing.assert_allclose(g, want.numpy(), rtol=1e-5, atol=1e-5)


def test_output_names_must_match_the_outputs(tmp_path):
    model = CharLSTM("ab", embedding_dim=2, hidden_size=3, num_layers=1)
    ids = ae.tensor(np.zeros((1, 2), dtype=np.int64))
    with pytest.raises(ValueError, match="3 outputs but output_names gives 1"):
        nn.onnx.export(model, ids, tmp_path / "m.onnx", output_names=("logits",))
    assert not (tmp_path / "m.onnx").exists()
