"""Bad arguments end with one line on stderr and a non-zero exit, never a traceback."""

import pytest


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
        (["train", "mlp", "--epochs", "-1"], "--epochs must be >= 0"),
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
    ],
)
def test_usage_errors_from_the_parser_are_one_line_too(tmp_path, run_cli, args, message):
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2
    _one_line_error(result.returncode, result.stderr, message, "--help")


def test_unknown_options_are_refused_outside_bench(tmp_path, run_cli):
    result = run_cli("evaluate", "run", "--quick", cwd=tmp_path)
    _one_line_error(result.returncode, result.stderr, "unrecognized arguments: --quick")
