"""PyTorch scripts run under the porting rule (and, where PyTorch is installed, as they are):
the README's training example and the scripts in tests/porting/scripts/."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from port import port

ROOT = Path(__file__).resolve().parents[2]
README_SCRIPT = next(
    block
    for block in re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    if "import torch\n" in block
)
SCRIPTS = {"readme": README_SCRIPT} | {
    p.stem: p.read_text() for p in sorted((Path(__file__).parent / "scripts").glob("*.py"))
}


def _run(source: str, folder: Path) -> str:
    """Run a script in a fresh interpreter (as a user would); return what it printed."""
    path = folder / "script.py"
    path.write_text(source)
    done = subprocess.run(
        [sys.executable, str(path)], cwd=folder, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_script_runs_under_the_porting_rule(name, tmp_path):
    out = _run(port(SCRIPTS[name]), tmp_path)
    assert out.strip(), "the script printed nothing"
    if name == "readme":
        assert float(out.split()[-1]) >= 0.95


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_script_runs_under_pytorch(name, tmp_path):
    pytest.importorskip("torch")
    out = _run(SCRIPTS[name], tmp_path)
    assert out.strip()
    if name == "readme":
        assert float(out.split()[-1]) >= 0.95
