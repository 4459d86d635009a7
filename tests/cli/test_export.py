"""`autograd-engine export RUN --format onnx`: files that ONNX Runtime runs with the engine's
outputs, for every model the command line trains that has layers."""

import json

import numpy as np
import pytest

import autograd_engine as ae
from autograd_engine.app.commands import prepared_splits, restore
from autograd_engine.app.datasets import load_splits
from autograd_engine.app.run_folder import MARKER

onnx = pytest.importorskip("onnx", reason='needs the onnx extra: pip install -e ".[onnx]"')
ort = pytest.importorskip("onnxruntime", reason='needs the onnx extra: pip install -e ".[onnx]"')


def _onnx_runtime(path, x):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": np.asarray(x, dtype=np.float32)})[0]


def _engine(module, x):
    with ae.no_grad():
        return module(ae.tensor(np.asarray(x, dtype=np.float32))).numpy()


@pytest.mark.parametrize(
    "model, part, files",
    [
        ("mlp", "model", ["model.onnx"]),
        ("logreg", "model", ["model.onnx"]),
        ("autoencoder", "model", ["model.onnx"]),
        ("dae", "model", ["model.onnx"]),
        ("vae", "encoder", ["decoder.onnx", "encoder.onnx"]),
        ("vae", "decoder", ["decoder.onnx", "encoder.onnx"]),
        ("gan", "generator", ["generator.onnx"]),
    ],
)
def test_export_writes_files_onnx_runtime_runs(cli, tmp_path, model, part, files):
    out = tmp_path / "run"
    assert cli("train", model, "--epochs", "1", "--out", out)[0] == 0
    code, _, err = cli("export", out, "--format", "onnx")
    assert code == 0, err
    assert sorted(p.name for p in out.glob("*.onnx")) == files
    assert set(files) <= set(json.loads((out / MARKER).read_text())["files"])

    recipe, s, trained, checkpoint = restore(out)
    module = trained if part == "model" else getattr(trained, part)
    raw = load_splits(s.dataset).test[0][:5]  # what `train` read, before standardization
    seen = prepared_splits(recipe, s, checkpoint["transform"])[0].test[0][:5]
    if part in ("decoder", "generator"):
        size = next(iter(module.parameters())).shape[1]
        raw = seen = np.random.default_rng(0).standard_normal((5, size))
    np.testing.assert_allclose(
        _onnx_runtime(out / f"{part}.onnx", raw), _engine(module, seen), rtol=1e-5, atol=1e-5
    )


def test_export_refuses_closed_form_runs(cli, tmp_path):
    out = tmp_path / "run"
    assert cli("train", "lda", "--out", out)[0] == 0
    code, _, err = cli("export", out)
    assert code == 1 and "has no layers to export" in err and err.count("\n") == 1
