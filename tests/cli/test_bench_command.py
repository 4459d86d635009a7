"""`autograd-engine bench OPTIONS` runs `python -m bench OPTIONS` in a source checkout."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_autograd_engine_bench_runs_the_suite_of_the_checkout(tmp_path, run_cli):
    out = tmp_path / "R.md"
    result = run_cli("bench", "--quick", "--section", "overhead", "--out", out, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "## 1. Per-op overhead" in out.read_text()
    assert (tmp_path / "plots" / "overhead.png").read_bytes()[:4] == b"\x89PNG"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


def test_outside_a_checkout_bench_says_where_to_run_it(tmp_path, run_cli):
    result = run_cli("bench", "--quick", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert "no benchmark suite in" in result.stderr and "checkout's root" in result.stderr
