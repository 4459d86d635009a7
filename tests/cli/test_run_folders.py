"""Run folders never lose a user's files: what --force may replace, what --out may name,
distinct folders for concurrent runs, and no leftovers from killed runs."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_engine.app.run_folder import MARKER, RunFolder, RunFolderError

ROOT = Path(__file__).resolve().parents[2]


def _one_line(err, *fragments):
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in err


def test_force_never_replaces_a_folder_it_did_not_write(cli, tmp_path):
    thesis = tmp_path / "my_thesis"
    thesis.mkdir()
    (thesis / "chapter1.tex").write_text("years of work")
    code, out, err = cli("train", "mlp", "--out", thesis, "--force")
    assert code == 1 and "epoch" not in out  # refused before training
    _one_line(err, "refusing to replace", "did not write it")
    assert [p.name for p in thesis.iterdir()] == ["chapter1.tex"]
    assert (thesis / "chapter1.tex").read_text() == "years of work"
    assert [p.name for p in tmp_path.iterdir()] == ["my_thesis"]  # no staging left


def test_force_never_deletes_files_added_to_a_run_folder(cli, tmp_path):
    out = tmp_path / "run"
    assert cli("train", "lda", "--out", out)[0] == 0
    (out / "notes.txt").write_text("my notes")
    code, _, err = cli("train", "lda", "--out", out, "--force")
    assert code == 1
    _one_line(err, "holds files autograd-engine did not write (notes.txt)")
    assert (out / "notes.txt").read_text() == "my notes"


def test_force_replaces_a_run_folder_with_its_samples(cli, tmp_path):
    out = tmp_path / "run"
    assert cli("train", "vae", "--epochs", "1", "--out", out)[0] == 0
    assert cli("sample", out, "--n", "4")[0] == 0  # samples-0.png joins the run's files
    code, _, err = cli("train", "logreg", "--epochs", "1", "--out", out, "--force")
    assert code == 0, err
    assert json.loads((out / "metrics.json").read_text())["model"] == "logreg"
    assert not (out / "samples-0.png").exists() and not (out / "samples.png").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_a_file_at_out_is_never_replaced(cli, tmp_path, force):
    target = tmp_path / "results"
    target.write_text("a plain file")
    code, out, err = cli("train", "mlp", "--out", target, *force)
    assert code == 1 and "epoch" not in out
    _one_line(err, "is a file, not a run folder")
    assert target.read_text() == "a plain file"


@pytest.mark.parametrize("out", [".", "..", "runs/..", "/"])
def test_out_must_name_a_new_folder(cli, tmp_path, monkeypatch, out):
    monkeypatch.chdir(tmp_path)
    code, stdout, err = cli("train", "mlp", "--out", out, "--force")
    assert code == 1 and "epoch" not in stdout
    _one_line(err, "names an existing place, not a new run folder")
    assert list(tmp_path.iterdir()) in ([], [tmp_path / "runs"])


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_place_is_refused_before_training(cli, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    code, out, err = cli("train", "mlp", "--out", locked / "run")
    assert code == 1 and "epoch" not in out
    _one_line(err, "cannot write to", "Permission denied")


def test_numbered_folders_are_claimed_atomically(tmp_path):
    first = RunFolder.numbered("mlp-digits", base=tmp_path)
    second = RunFolder.numbered("mlp-digits", base=tmp_path)  # before the first publishes
    assert (first.final.name, second.final.name) == ("mlp-digits-1", "mlp-digits-2")
    second.discard()
    first.discard()
    assert list(tmp_path.iterdir()) == []


def test_runs_started_together_get_distinct_folders(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "autograd_engine", "train", "perceptron", "--epochs", "3"]
    runs = [
        subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    folders = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert folders == ["perceptron-digits-1", "perceptron-digits-2"]
    for folder in folders:
        assert (tmp_path / "runs" / folder / "metrics.json").is_file()


def test_leftovers_of_a_killed_run_are_removed_by_the_next_run(cli, tmp_path):
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = int(gone.stdout)
    staging = tmp_path / f".old.partial-{dead}-abcd"
    staging.mkdir()
    (staging / MARKER).write_text('{"files": []}')
    (staging / "model.npz").write_bytes(b"half a model")
    (tmp_path / "old").mkdir()  # the killed run's claim
    (tmp_path / f".x.partial-{os.getpid()}-live").mkdir()  # a live run's: kept
    assert cli("train", "lda", "--out", tmp_path / "new")[0] == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f".x.partial-{os.getpid()}-live", "new"]


def test_errors_name_the_folder(tmp_path):
    with pytest.raises(RunFolderError, match="already exists"):
        RunFolder(tmp_path)
