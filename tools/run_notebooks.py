"""Execute the lecture notebooks in place, so the saved outputs match the code.

    python tools/run_notebooks.py                 # every notebooks/*.ipynb
    python tools/run_notebooks.py 01 03_vanish    # those whose name starts with a prefix
    python tools/run_notebooks.py --check         # run, but leave the files untouched

Each notebook runs in a fresh kernel from inside `notebooks/` (so relative paths work), with
PYTHONHASHSEED fixed and no timing metadata written, so re-running gives the same file apart
from wall-clock times. The notebooks seed their own generators (`ae.manual_seed`,
`np.random.default_rng`) and run on one thread; tests/lectures/test_notebooks.py re-executes
them and compares every printed number with the saved copy.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def execute(path: Path, timeout: int = 600, kernel: str = "python3") -> nbformat.NotebookNode:
    """Run every cell of the notebook at `path` in a fresh kernel and return it with outputs."""
    nb = nbformat.read(path, as_version=4)
    os.environ["PYTHONHASHSEED"] = "0"  # inherited by the kernel process
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    return nb


def select(prefixes: list[str]) -> list[Path]:
    found = sorted(NOTEBOOKS.glob("*.ipynb"))
    if not prefixes:
        return found
    chosen = [p for p in found if any(p.name.startswith(x) for x in prefixes)]
    missing = [x for x in prefixes if not any(p.name.startswith(x) for p in found)]
    if missing:
        raise SystemExit(f"no notebook starts with: {', '.join(missing)}")
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefixes", nargs="*", help="run only notebooks starting with these")
    parser.add_argument("--check", action="store_true", help="execute without saving")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell (600)")
    args = parser.parse_args(argv)
    failed = []
    for path in select(args.prefixes):
        start = time.perf_counter()
        try:
            nb = execute(path, args.timeout)
        except Exception as exc:  # report every failing notebook, not only the first
            failed.append(path.name)
            print(f"FAIL {path.name}: {type(exc).__name__}: {str(exc)[-2000:]}", file=sys.stderr)
            continue
        if not args.check:
            nbformat.write(nb, path)
        seconds, size = time.perf_counter() - start, path.stat().st_size / 1024
        print(f"ok   {path.name}  {seconds:5.1f} s  {size:6.0f} KiB", flush=True)
    if failed:
        print(f"{len(failed)} notebook(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
