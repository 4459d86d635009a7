"""metrics.json and `evaluate` name the data actually read: the resolved folder of the IDX
files (from --data-root, $AUTOGRAD_ENGINE_DATA or the system copy), not only the setting."""

import json

import numpy as np

from nn.data import write_idx
from nn.data.mnist import SPLITS


def _fake_fashion_mnist(folder, n_train=5100, n_test=50):
    """Random 28x28 images with labels 0-9 in Fashion-MNIST's file names."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for split, n in (("train", n_train), ("test", n_test)):
        images, labels = SPLITS[split]
        write_idx(folder / images, rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(folder / labels, (np.arange(n) % 10).astype(np.uint8))


def test_metrics_name_the_data_root_read(cli, tmp_path):
    _fake_fashion_mnist(tmp_path / "data" / "fashion-mnist")  # found in the dataset's sub-folder
    out = tmp_path / "run"
    code, _, err = cli(
        "train", "lda", "--dataset", "fashion-mnist", "--data-root", tmp_path / "data", "--out", out
    )
    assert code == 0, err
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["settings"]["data_root"] == str(tmp_path / "data")
    assert metrics["data_source"] == str((tmp_path / "data" / "fashion-mnist").resolve())
    code, stdout, _ = cli("evaluate", out)
    assert code == 0 and f"data: {metrics['data_source']}" in stdout


def test_metrics_name_the_folder_found_without_data_root(cli, tmp_path, monkeypatch):
    """Without --data-root the setting is None; the source says where the files were."""
    _fake_fashion_mnist(tmp_path / "elsewhere")
    monkeypatch.setenv("AUTOGRAD_ENGINE_DATA", str(tmp_path / "elsewhere"))
    out = tmp_path / "run"
    assert cli("train", "lda", "--dataset", "fashion-mnist", "--out", out)[0] == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["settings"]["data_root"] is None
    assert metrics["data_source"] == str((tmp_path / "elsewhere").resolve())


def test_bundled_and_generated_data_are_named(cli, tmp_path):
    for dataset, source in (("digits", "bundled"), ("moons", "generated")):
        out = tmp_path / dataset
        assert cli("train", "lda", "--dataset", dataset, "--out", out)[0] == 0
        assert source in json.loads((out / "metrics.json").read_text())["data_source"]
