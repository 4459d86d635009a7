"""Command line: run the selected sections, then write RESULTS.md and the plots."""

from __future__ import annotations

import argparse
import importlib
import shlex
import sys
import time
from pathlib import Path

from autograd_engine.files import atomic_path

from . import machine
from .config import Config
from .peers import set_threads
from .report import Section, render, render_section

ANALYSIS = Path(__file__).parent / "analysis.md"  # hand-written account of the missed targets
SECTIONS = [
    "overhead",
    "chain",
    "matmul",
    "kernels",
    "mlp",
    "epoch",
    "startup",
    "conv",
    "recurrent",
    "compiled",
]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--section", action="append", choices=SECTIONS, help="run only this section (repeatable)"
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, few repeats (< 60 s)")
    parser.add_argument("--out", type=Path, default=Path("bench/RESULTS.md"))
    parser.add_argument("--threads", type=int, help="threads for Numba and PyTorch")
    return parser.parse_args(argv)


def write(out: Path, text: str) -> None:
    """(Re)write the results after every section, so a long run's figures survive a failure;
    atomically, so an interrupted write never leaves half a file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp:
        tmp.write_text(text)


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    threads = set_threads(args.threads)
    out: Path = args.out
    cfg = Config(quick=args.quick, threads=threads, plot_dir=out.parent / "plots")
    fields = machine.describe(threads, "python -m bench " + shlex.join(sys.argv[1:]))
    sections: list[Section] = []
    for name in args.section or SECTIONS:
        start = time.perf_counter()
        print(f"[bench] {name} ...", flush=True)
        section = importlib.import_module(f"bench.{name}").run(cfg)
        section.seconds = time.perf_counter() - start
        missed = ", ".join(t.what for t in section.missed) or "none"
        print(render_section(section, out.parent), flush=True)
        print(f"[bench] {name}: {section.seconds:.1f} s, missed: {missed}", flush=True)
        sections.append(section)
        write(out, render(machine.header(fields, machine.load()), sections, out.parent))
    if not args.quick and ANALYSIS.exists():
        write(out, out.read_text() + "\n" + ANALYSIS.read_text())
    print(f"[bench] wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
