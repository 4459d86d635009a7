"""Section 7, start-up: import time and the first training step in a fresh process.

Each run is a new interpreter executing `python -m bench.first_step` (which reports its own
import and first-step seconds). A cold run gets an empty NUMBA_CACHE_DIR and an empty bytecode
cache (PYTHONPYCACHEPREFIX), so every kernel it needs compiles and every module is compiled from
source; warm runs reuse the directories a cold run filled, as an installed package (whose .pyc
files pip writes) starts. PYTHONDONTWRITEBYTECODE in the caller's environment is ignored: it
would make every run compile the sources again, a cost no installed copy pays.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from . import plots
from .config import Config
from .peers import torch_or_none
from .report import Section, Target
from .timing import timed

TARGET_SECONDS = 2.0
ROOT = Path(__file__).resolve().parent.parent


def child(args: list[str], cache_dir: str | None) -> dict[str, float]:
    """Run a fresh interpreter, with its Numba and bytecode caches in `cache_dir`; its JSON
    report plus the process's wall-clock seconds."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
        env["PYTHONPYCACHEPREFIX"] = os.path.join(cache_dir, "bytecode")
    run, wall = timed(
        lambda: subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        )
    )
    report = json.loads(run.stdout.strip().splitlines()[-1]) if run.stdout.strip() else {}
    return {**report, "process": wall}


def medians(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def run(cfg: Config) -> Section:
    repeats = cfg.pick(3, 1)
    step = ["-m", "bench.first_step"]
    with tempfile.TemporaryDirectory() as scratch:
        results = {
            "Python alone (`python -c pass`)": medians(
                [child(["-c", "pass"], None) for _ in range(repeats)]
            )
        }
        cold_dirs = [tempfile.mkdtemp(dir=scratch) for _ in range(repeats)]
        results["engine, cold caches (Numba, bytecode)"] = medians(
            [child([*step, "engine"], d) for d in cold_dirs]
        )
        results["engine, warm caches"] = medians(
            [child([*step, "engine"], cold_dirs[0]) for _ in range(cfg.pick(5, 1))]
        )
    if torch_or_none() is not None and not cfg.quick:
        results["PyTorch"] = medians([child([*step, "torch"], None) for _ in range(repeats)])
    rows = [
        [
            name,
            *(f"{r[k]:.2f}" if k in r else "" for k in ("import", "first_step")),
            f"{r['import'] + r['first_step']:.2f}" if "import" in r else "",
            f"{r['process']:.2f}",
        ]
        for name, r in results.items()
    ]
    warm = results["engine, warm caches"]
    section = Section(
        "startup",
        "7. Start-up: import and first 784-256-128-10 SGD step (batch 32) in a fresh process",
        ["run", "import s", "first step s", "import + first step s", "process wall s"],
        rows,
        targets=[
            Target.at_most(
                "warm cache: import + first step",
                warm["import"] + warm["first_step"],
                TARGET_SECONDS,
                "s",
            )
        ],
        notes=[
            f"Medians of {repeats} runs ({cfg.pick(5, 1)} warm); the engine's import is "
            "`autograd_engine`, `nn` and `optim` (NumPy and Numba included); the first step builds "
            "the model and runs zero_grad, forward, cross-entropy, backward and the SGD step.",
            "`process wall` adds interpreter start-up and exit to the two timed parts.",
            *(["Quick mode leaves out the PyTorch row."] if cfg.quick else []),
        ],
    )
    fig, (ax,) = plots.figure()
    names = [n for n in results if "import" in results[n]]
    imports = [results[n]["import"] for n in names]
    ax.bar(names, imports, label="import")
    ax.bar(names, [results[n]["first_step"] for n in names], bottom=imports, label="first step")
    ax.set_xticks(range(len(names)), [n.replace(", ", "\n") for n in names], fontsize=8)
    ax.set_ylabel("seconds")
    ax.legend(fontsize=8)
    ax.axhline(TARGET_SECONDS, color="k", ls="--", lw=0.8)
    ax.set_title("Start-up in a fresh process")
    section.plot = plots.save(fig, cfg.plot_dir, "startup")
    return section
