"""Bad arguments end with one line on stderr and a non-zero exit, never a traceback."""

import json

import pytest

from autograd_engine.app.cli import main
from nn import load, save


def _one_line_error(code, err, *fragments):
    assert code != 0
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in err


def test_unknown_model_in_a_real_process(tmp_path, run_cli):
    result = run_cli("train", "resnet", cwd=tmp_path)
    _one_line_error(result.returncode, result.stderr, "unknown model 'resnet'")
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "mlp", "--epochs", "-1"], "--epochs must be in [0, 100000]"),
        (["train", "mlp", "--epochs", "1000000000"], "--epochs must be in [0, 100000]"),
        (["train", "mlp", "--lr", "inf"], "--lr must be finite and > 0"),
        (["train", "mlp", "--lr", "nan"], "--lr must be finite and > 0"),
        (["train", "dae", "--noise-level", "inf"], "--noise-level must be finite"),
        (["train", "mlp", "--dataset", "cifar"], "unknown dataset 'cifar'"),
        (
            ["train", "mlp", "--dataset", "fashion-mnist", "--data-root", "/no/such/dir"],
            "does not exist",
        ),
        (["train", "mlp", "--batch-size", "0"], "--batch-size"),
        (["train", "mlp", "--threads", "0"], "--threads must be >= 1"),
        (["train", "mlp", "--lr", "0"], "--lr"),
        (["train", "mlp", "--optimizer", "lbfgs"], "unknown optimizer"),
        (["train", "mlp", "--hidden", "12,x"], "--hidden"),
        (["train", "vae", "--dataset", "moons"], "needs an image dataset"),
        (["evaluate", "/no/such/run"], "not a run folder"),
    ],
)
def test_bad_arguments(cli, args, message):
    code, _, err = cli(*args)
    _one_line_error(code, err, message)


def test_missing_dataset_files(cli, tmp_path):
    code, _, err = cli("train", "mlp", "--dataset", "mnist", "--data-root", tmp_path)
    _one_line_error(code, err, "dataset mnist not found")


def test_unwritable_folder(cli, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, err = cli("train", "mlp", "--epochs", "1", "--out", blocker / "run")
    _one_line_error(code, err, "cannot write to", "not a folder")


def test_sample_needs_a_generative_run(cli, tmp_path):
    assert cli("train", "lda", "--out", tmp_path / "lda")[0] == 0
    code, _, err = cli("sample", tmp_path / "lda")
    _one_line_error(code, err, "needs a vae or gan run")


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "mlp", "--epochs", "abc"], "invalid int value: 'abc'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["train"], "the following arguments are required"),
        (["train", "mlp", "--data-root", ""], "argument --data-root: is empty"),
        (["evaluate", "run", "--data-root", " "], "argument --data-root: is empty"),
    ],
)
def test_usage_errors_from_the_parser_are_one_line_too(tmp_path, run_cli, args, message):
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2
    _one_line_error(result.returncode, result.stderr, message, "--help")


def test_unknown_options_are_refused_outside_bench(tmp_path, run_cli):
    result = run_cli("evaluate", "run", "--quick", cwd=tmp_path)
    _one_line_error(result.returncode, result.stderr, "unrecognized arguments: --quick")


def test_oversized_models_are_refused_before_allocating(cli, tmp_path):
    code, _, err = cli("train", "mlp", "--hidden", "30000", "--out", tmp_path / "run")
    _one_line_error(code, err, "add up to", "choose smaller --hidden")
    assert list(tmp_path.iterdir()) == []  # the claimed folder is given back


@pytest.fixture(scope="module")
def vae_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("vae") / "run"
    assert main(["train", "vae", "--epochs", "1", "--out", str(out)]) == 0
    return out


def test_sample_count_is_bounded_before_sampling(cli, vae_run):
    code, _, err = cli("sample", vae_run, "--n", "200000")
    _one_line_error(code, err, "--n must be in [1, 1024] for digits, got 200000")


def test_an_edited_checkpoint_config_is_refused_before_building(cli, vae_run, tmp_path):
    """A config asking for a huge layer is rejected from the stored weights' shapes, before
    any model is built (nothing the size of the edited config is allocated)."""
    edited = tmp_path / "edited"
    edited.mkdir()
    checkpoint = load(vae_run / "model.npz")
    checkpoint["config"]["sizes"][1] = 10_000
    save(checkpoint, edited / "model.npz")
    code, _, err = cli("evaluate", edited)
    _one_line_error(code, err, "does not match its weights", "edited or damaged")
    checkpoint["settings"]["epochs"] = 10**9
    save(checkpoint, edited / "model.npz")
    code, _, err = cli("evaluate", edited)
    _one_line_error(code, err, "not a checkpoint written by `train`", "--epochs")


def test_options_the_model_ignores_are_reported(cli, tmp_path):
    out = tmp_path / "run"
    code, _, err = cli("train", "lda", "--dropout", "0.5", "--epochs", "3", "--out", out)
    assert code == 0
    assert "note: lda ignores --epochs, --dropout" in err
    code, _, err = cli("train", "lda", "--data-root", tmp_path, "--out", tmp_path / "r2")
    assert code == 0 and "--data-root is ignored: digits is not read from files" in err
    notes = json.loads((out / "metrics.json").read_text())["notes"]
    assert "lda ignores --epochs, --dropout" in notes
