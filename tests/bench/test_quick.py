"""Smoke test of the benchmark suite: the quick run writes every section; the NumPy peer's
training step equals the engine's. No timing is asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import SECTIONS
from bench.trainers import Spec, check_same_step

ROOT = Path(__file__).resolve().parents[2]


def test_quick_run_writes_every_section(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(out)],
        cwd=ROOT,
        check=True,
        timeout=600,
    )
    text = out.read_text()
    assert "## Targets:" in text
    for number, name in enumerate(SECTIONS, start=1):
        assert f"\n## {number}. " in text, f"section {name} missing from {out}"
        assert (tmp_path / "plots" / f"{name}.png").stat().st_size > 0


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize(
    ("widths", "loss", "batch"),
    [
        ((784, 256, 128, 10), "cross_entropy", 1),
        ((784, 256, 128, 10), "cross_entropy", 32),
        ((2, 64, 64, 1), "mse", 32),
    ],
)
def test_numpy_peer_matches_engine_step(widths, loss, batch, optimizer) -> None:
    check_same_step(Spec(widths, loss, optimizer), batch)
