"""`autograd-engine bench OPTIONS` runs `python -m bench OPTIONS`."""


def test_autograd_engine_bench_runs_the_suite_from_any_folder(tmp_path, run_cli):
    out = tmp_path / "R.md"
    result = run_cli("bench", "--quick", "--section", "overhead", "--out", out, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "## 1. Per-op overhead" in out.read_text()
    assert (tmp_path / "plots" / "overhead.png").read_bytes()[:4] == b"\x89PNG"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left
