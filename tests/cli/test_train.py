"""`autograd-engine train / evaluate / sample` end to end on the bundled digits."""

import json
import shutil

import pytest

from nn.jobs import commands

HAVE_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAVE_DOT, reason="Graphviz's dot is not installed")


def with_graph(files: set[str]) -> set[str]:
    """The files of a run folder: `files`, and graph.svg where Graphviz can render it (without
    it the run notes why graph.svg is missing)."""
    return files | {"graph.svg"} if HAVE_DOT else files


@pytest.fixture(scope="module")
def mlp_run(tmp_path_factory, run_cli):
    """One real `python -m autograd_engine train mlp --epochs 2` in a fresh folder."""
    cwd = tmp_path_factory.mktemp("cli")
    result = run_cli("train", "mlp", "--epochs", "2", "--out", "run", cwd=cwd)
    return cwd, result


def test_train_writes_the_run_folder(mlp_run):
    cwd, result = mlp_run
    assert result.returncode == 0, result.stderr
    assert "test: loss" in result.stdout and "accuracy" in result.stdout
    folder = cwd / "run"
    assert {p.name for p in folder.iterdir()} == with_graph(
        {"loss.png", "metrics.json", "model.npz"}
    )
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["seed"] == 0 and metrics["settings"]["epochs"] == 2
    assert len(metrics["history"]["val_accuracy"]) == 2
    assert 0.5 < metrics["test"]["accuracy"] <= 1
    assert {"autograd_engine", "numpy", "python"} <= set(metrics["versions"])
    assert (folder / "loss.png").read_bytes()[:4] == b"\x89PNG"
    assert not [p for p in cwd.iterdir() if p.name.startswith(".")]  # no staging left


@needs_dot
def test_train_draws_the_model(mlp_run):
    cwd, _ = mlp_run
    assert (cwd / "run" / "graph.svg").read_text().lstrip().startswith("<?xml")


def test_without_graphviz_the_run_notes_the_missing_graph(cli, tmp_path, monkeypatch):
    monkeypatch.setattr("autograd_engine.viz.render.shutil.which", lambda name: None)
    out = tmp_path / "run"
    assert cli("train", "lda", "--out", out)[0] == 0
    assert not (out / "graph.svg").exists()
    notes = json.loads((out / "metrics.json").read_text())["notes"]
    assert any("graph.svg not written" in n and "Graphviz" in n for n in notes)


def test_evaluate_reports_the_same_test_metrics(mlp_run, run_cli):
    cwd, _ = mlp_run
    result = run_cli("evaluate", "run", cwd=cwd)
    assert result.returncode == 0, result.stderr
    accuracy = json.loads((cwd / "run" / "metrics.json").read_text())["test"]["accuracy"]
    assert f"accuracy: {accuracy:.4f}" in result.stdout


def test_threads_option_sets_the_thread_limit(mlp_run, cli, monkeypatch):
    """`--threads N` reaches ae.kernels.limit_threads (train and evaluate default to one)."""
    cwd, _ = mlp_run
    seen = []
    real = commands.ae.kernels.limit_threads

    def spy(n):
        seen.append(n)
        return real(n)

    monkeypatch.setattr(commands.ae.kernels, "limit_threads", spy)
    code, out, _ = cli("evaluate", cwd / "run", "--threads", "2")
    assert code == 0 and "accuracy:" in out
    assert cli("evaluate", cwd / "run")[0] == 0
    assert seen == [2, 1]


def test_an_existing_run_folder_is_not_overwritten(mlp_run, run_cli):
    cwd, _ = mlp_run
    before = (cwd / "run" / "metrics.json").read_bytes()
    result = run_cli("train", "mlp", "--epochs", "1", "--out", "run", cwd=cwd)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "already exists" in result.stderr
    assert "Traceback" not in result.stderr
    assert (cwd / "run" / "metrics.json").read_bytes() == before


def test_force_replaces_a_run_folder(cli, tmp_path):
    out = tmp_path / "run"
    assert cli("train", "lda", "--out", out)[0] == 0
    code, _, _ = cli("train", "logreg", "--epochs", "1", "--out", out, "--force")
    assert code == 0
    assert json.loads((out / "metrics.json").read_text())["model"] == "logreg"


def test_default_folders_are_numbered(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        assert cli("train", "perceptron", "--epochs", "2")[0] == 0
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == [
        "perceptron-digits-1",
        "perceptron-digits-2",
    ]


@pytest.mark.parametrize(
    "model, files",
    [
        ("logreg", {"loss.png"}),
        ("perceptron", {"loss.png"}),
        ("lda", set()),
        ("autoencoder", {"loss.png", "reconstructions.png"}),
        ("dae", {"loss.png", "reconstructions.png"}),
        ("vae", {"loss.png", "reconstructions.png", "samples.png"}),
        ("gan", {"loss.png", "samples.png"}),
    ],
)
def test_every_model_trains(cli, tmp_path, model, files):
    out = tmp_path / model
    code, stdout, err = cli("train", model, "--epochs", "1", "--out", out)
    assert code == 0, err
    assert "test:" in stdout
    expected = with_graph({"metrics.json", "model.npz", *files})
    assert {p.name for p in out.iterdir()} == expected
    code, stdout, _ = cli("evaluate", out)
    assert code == 0 and stdout.startswith(f"{model} on digits")


def test_sample_from_a_vae_run(cli, tmp_path):
    out = tmp_path / "vae"
    assert cli("train", "vae", "--epochs", "1", "--out", out)[0] == 0
    picture = tmp_path / "more.png"
    code, _, _ = cli("sample", out, "--n", "10", "--out", picture, "--seed", "3")
    assert code == 0 and picture.read_bytes()[:4] == b"\x89PNG"
    assert cli("sample", out)[0] == 0 and (out / "samples-0.png").exists()


def test_gan_on_the_ring_reports_mode_coverage(cli, tmp_path):
    out = tmp_path / "gan"
    assert cli("train", "gan", "--dataset", "ring", "--epochs", "1", "--out", out)[0] == 0
    test = json.loads((out / "metrics.json").read_text())["test"]
    assert 0 <= test["modes_covered"] <= 8 and 0 < test["d_real"] < 1


def test_a_failed_drawing_is_a_note_not_a_crash(cli, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("no dot today")

    monkeypatch.setattr(commands, "draw_graph", broken)
    out = tmp_path / "run"
    assert cli("train", "lda", "--out", out)[0] == 0
    notes = json.loads((out / "metrics.json").read_text())["notes"]
    assert any("graph.svg not written" in n and "no dot today" in n for n in notes)
    assert not (out / "graph.svg").exists()


def test_a_failed_run_leaves_earlier_results_intact(cli, tmp_path, monkeypatch):
    out = tmp_path / "run"
    assert cli("train", "lda", "--out", out)[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(commands, "evaluate_on_test", broken)
    code, _, err = cli("train", "lda", "--out", out, "--force")
    assert code == 1 and "disk on fire" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no staging folder left behind
