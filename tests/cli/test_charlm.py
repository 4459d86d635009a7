"""`autograd-engine train charlm`: a character-level LSTM language model on a text (the bundled
Jargon File excerpt, or --text FILE), its run folder (perplexity in metrics.json, samples.txt),
`evaluate`, `sample` and the checks of its options."""

import json
import math
import shutil

import numpy as np
import pytest

import autograd_engine as ae
from autograd_engine.app.commands import restore
from autograd_engine.app.run_folder import MARKER

HAVE_DOT = shutil.which("dot") is not None
TINY = ("--hidden", "16", "--seq-len", "10", "--batch-size", "4")


@pytest.fixture(scope="module")
def text_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("text")
    path = folder / "poem.txt"
    lines = ["the cat sat on the mat.", "a dog ate the hat!", "é ü — “quoted”"]
    path.write_text("\n".join(lines[i % 3] for i in range(150)) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def charlm_run(tmp_path_factory, text_file, run_cli):
    """One real `python -m autograd_engine train charlm --text FILE --epochs 3`."""
    cwd = tmp_path_factory.mktemp("charlm")
    result = run_cli(
        "train", "charlm", "--text", text_file, "--epochs", "3", *TINY, "--lr", "0.02",
        "--out", "run", cwd=cwd,
    )  # fmt: skip
    return cwd / "run", result


def test_train_writes_perplexity_and_samples(charlm_run, text_file):
    folder, result = charlm_run
    assert result.returncode == 0, result.stderr
    assert "perplexity" in result.stdout
    expected = {"metrics.json", "model.npz", "loss.png", "samples.txt", MARKER}
    assert {p.name for p in folder.iterdir()} == expected | ({"graph.svg"} if HAVE_DOT else set())
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["dataset"] == "text" and metrics["settings"]["text"] == str(text_file)
    assert metrics["data_source"] == str(text_file.resolve())
    history, test = metrics["history"], metrics["test"]
    assert history["loss"][-1] < history["loss"][0]  # training lowers the loss
    for loss, ppl in zip(history["val_loss"], history["val_perplexity"]):
        assert math.isfinite(ppl) and ppl == pytest.approx(math.exp(loss), rel=1e-6)
    assert test["perplexity"] == pytest.approx(math.exp(test["loss"]), rel=1e-6)
    assert test["bits_per_char"] == pytest.approx(test["loss"] / math.log(2), rel=1e-6)
    vocab = set(text_file.read_text(encoding="utf-8"))
    assert 1 < test["perplexity"] < len(vocab)  # better than a uniform guess
    samples = (folder / "samples.txt").read_text(encoding="utf-8")
    drawn = samples.split("--- temperature ")[1:]
    assert len(drawn) == 3
    for i, part in enumerate(drawn):  # "T ---\n", the text, "\n", a blank line between
        text = part.split(" ---\n", 1)[1][: -1 if i == 2 else -2]
        assert len(text) == 500 and set(text) <= vocab


@pytest.mark.skipif(not HAVE_DOT, reason="Graphviz's dot is not installed")
def test_train_draws_the_unrolled_model(charlm_run):
    folder, _ = charlm_run
    svg = (folder / "graph.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "lstm" in svg.lower()


@pytest.mark.skipif(not HAVE_DOT, reason="Graphviz's dot is not installed")
def test_graph_draws_a_run(charlm_run, cli, tmp_path):
    """`graph RUN_DIR` draws the run's model as train's graph.svg does (or its backward)."""
    folder, _ = charlm_run
    for options, name in (((), "forward.svg"), (("--backward",), "backward.svg")):
        code, _, err = cli("graph", folder, *options, "--out", tmp_path / name)
        assert code == 0, err
        assert (tmp_path / name).read_text().lstrip().startswith("<?xml")
    code, _, err = cli("graph", folder, "--show-grads", "--out", tmp_path / "g.svg")
    assert code == 1 and "needs a model that returns a single number (a loss)" in err


def test_evaluate_reports_the_same_perplexity(charlm_run, run_cli):
    folder, _ = charlm_run
    result = run_cli("evaluate", folder, cwd=folder.parent)
    assert result.returncode == 0, result.stderr
    test = json.loads((folder / "metrics.json").read_text())["test"]
    assert f"perplexity: {test['perplexity']:.4f}" in result.stdout


def test_sample_draws_text_of_the_vocabulary(charlm_run, text_file, cli):
    folder, _ = charlm_run
    code, out, err = cli("sample", folder, "--n", "77", "--temperature", "0.7", "--prompt", "the")
    assert code == 0, err
    text = (folder / "samples-0.txt").read_text(encoding="utf-8")
    assert len(text) == 77 and set(text) <= set(text_file.read_text(encoding="utf-8"))
    assert out == text + "\n"
    assert cli("sample", folder, "--n", "77", "--temperature", "0.7", "--prompt", "the")[1] == out


def test_the_bundled_text_is_the_default(cli, tmp_path):
    out = tmp_path / "run"
    code, _, err = cli("train", "charlm", "--epochs", "0", *TINY, "--out", out)
    assert code == 0, err
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["dataset"] == "jargon" and "Jargon File" in metrics["data_source"]
    assert metrics["data"]["train"] > 250_000


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "charlm", "--dataset", "digits"], "charlm reads a text, not digits"),
        (["train", "mlp", "--dataset", "jargon"], "jargon is a text: train charlm on it"),
        (["train", "charlm", "--dataset", "text"], "dataset text needs --text FILE"),
        (["train", "charlm", "--hidden", "16,8"], "the LSTM layers share one width"),
        (["train", "charlm", "--seq-len", "0"], "--seq-len must be in [1, 1000]"),
        (["train", "charlm", "--seq-len", "5000"], "--seq-len must be in [1, 1000]"),
        (["train", "charlm", "--clip", "nan"], "--clip must be finite and > 0"),
    ],
)
def test_bad_options(cli, tmp_path, args, message):
    code, _, err = cli(*args, "--out", tmp_path / "run")
    assert code != 0 and message in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "run").exists()


def test_a_missing_text_file_is_a_usage_error(cli, capsys):
    with pytest.raises(SystemExit) as stop:
        cli("train", "charlm", "--text", "/no/such/file")
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "argument --text: /no/such/file does not exist" in err


def test_bad_sample_options(charlm_run, cli):
    folder, _ = charlm_run
    for args, message in [
        (["--n", "100001"], "--n must be in [1, 100000]"),
        (["--temperature", "0"], "--temperature must be finite and > 0"),
        (["--prompt", "Q"], "not in the vocabulary"),
    ]:
        code, _, err = cli("sample", folder, *args)
        assert code == 1 and message in err, err


def test_a_text_that_is_not_utf8_is_refused(cli, tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("café\n".encode("latin-1") * 100)
    code, _, err = cli("train", "charlm", "--text", path, "--out", tmp_path / "run")
    assert code == 1 and "cannot read" in err and "as UTF-8 text" in err


def test_export_onnx_gives_the_models_logits_and_state(charlm_run, cli):
    pytest.importorskip("onnx", reason='needs the onnx extra: pip install -e ".[onnx]"')
    ort = pytest.importorskip("onnxruntime", reason="needs the onnx extra")
    folder, _ = charlm_run
    code, _, err = cli("export", folder, "--format", "onnx")
    assert code == 0, err
    assert "model.onnx" in json.loads((folder / MARKER).read_text())["files"]
    _, _, model, _ = restore(folder)
    ids = model.encode("the cat sat on the mat.\nthe dog")[None].repeat(2, 0)
    session = ort.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"])
    got = session.run(["logits", "h_n", "c_n"], {"ids": ids})
    with ae.no_grad():
        logits, (h, c) = model(ae.tensor(ids))
    for g, want in zip(got, (logits, h, c)):
        np.testing.assert_allclose(g, want.numpy(), rtol=1e-5, atol=1e-5)
