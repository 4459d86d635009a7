"""The `graph` subcommand, end to end: lecture graphs by name and models by module:attribute."""

import shutil
import subprocess
import sys
import textwrap

import pytest

from autograd_engine.app import lecture_graphs
from autograd_engine.app.cli import main

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed")

MODELS = textwrap.dedent(
    """
    import autograd_engine as ae
    import nn

    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))

    def with_input():
        return model, ae.ones((2, 3))

    def loss_model():
        class Loss(nn.Module):
            def __init__(self):
                super().__init__()
                self.net = nn.Linear(2, 1)

            def forward(self, x):
                return (self.net(x) ** 2).sum()

        return Loss(), ae.ones((1, 2))

    not_a_model = 3
    """
)


@pytest.fixture
def models(tmp_path, monkeypatch):
    (tmp_path / "cli_models.py").write_text(MODELS)
    monkeypatch.syspath_prepend(str(tmp_path))
    return "cli_models"


@needs_dot
def test_python_m_graph_perceptron_writes_svg(tmp_path):
    out = tmp_path / "x.svg"
    done = subprocess.run(
        [sys.executable, "-m", "autograd_engine", "graph", "perceptron", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "<svg" in out.read_text()


def test_errors_are_one_line_without_traceback(tmp_path):
    out = tmp_path / "x.svg"
    done = subprocess.run(
        [sys.executable, "-m", "autograd_engine", "graph", "nope", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0
    assert "unknown lecture graph 'nope'" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("name", ["perceptron", "mlp-backprop", "sigmoid-chain", "worked-example"])
def test_every_lecture_graph_as_dot(name, tmp_path, capsys):
    out = tmp_path / "g.dot"
    assert main(["graph", name, "--out", str(out), "--direction", "TB"]) == 0
    assert "rankdir=TB" in out.read_text(encoding="utf-8")


def test_forward_backward_and_grads_switches(tmp_path):
    out = tmp_path / "g.dot"
    main(["graph", "mlp-backprop", "--out", str(out)])
    text = out.read_text(encoding="utf-8")
    assert "dir=back" in text and "rankdir=TB" in text and ": backward pass" in text
    main(["graph", "perceptron", "--out", str(out), "--backward"])
    assert "no gradient" in out.read_text(encoding="utf-8")
    main(["graph", "sigmoid-chain", "--out", str(out), "--forward", "--show-grads"])
    assert "\\ngrad " in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", list(lecture_graphs.GRAPHS))
def test_forward_and_show_grads_work_on_every_lecture_graph(name, tmp_path):
    out = tmp_path / "g.dot"
    assert main(["graph", name, "--out", str(out), "--forward"]) == 0
    text = out.read_text(encoding="utf-8")
    assert "dir=back" not in text and "backward pass" not in text and "rankdir=LR" in text
    assert main(["graph", name, "--out", str(out), "--show-grads"]) == 0
    text = out.read_text(encoding="utf-8")
    assert ": .grad after backward()" in text and "dir=back" not in text
    if name == "perceptron":  # sign has no gradient: the title says so
        assert "no .grad: backpropagation stops" in text and "\\ngrad " not in text
    else:
        assert "\\ngrad " in text


def test_model_instance_and_factory(models, tmp_path):
    out = tmp_path / "m.dot"
    assert main(["graph", f"{models}:model", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert 'label="x\\n2×3' in text and "0: Linear" in text and "0.weight" in text
    assert main(["graph", f"{models}:with_input", "--out", str(out)]) == 0
    assert main(["graph", f"{models}:loss_model", "--out", str(out), "--show-grads"]) == 0
    assert "\\ngrad " in out.read_text(encoding="utf-8")


def test_model_errors(models, tmp_path, capsys):
    out = str(tmp_path / "m.dot")
    assert main(["graph", f"{models}:not_a_model", "--out", out]) == 1
    assert main(["graph", f"{models}:model", "--out", out, "--show-grads"]) == 1
    assert main(["graph", "no_such_module_xyz:thing", "--out", out]) == 1
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 3 and all(e.startswith("autograd-engine graph: error:") for e in errors)
