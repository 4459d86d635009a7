"""Section 9, recurrent networks: the LSTM and GRU training steps against PyTorch, one thread
each, and how their time grows with the sequence length.

The model is nn.models.RecurrentClassifier: one LSTM or GRU layer (input 28, hidden 128,
batch_first) and Linear(128, 10) on the last hidden state, on a batch of 64 sequences of T
steps, cross-entropy, SGD.
"""

from __future__ import annotations

import math

from . import nets, plots
from .config import Config
from .profiling import profile
from .report import Section, Target, ms, table, times
from .timing import measure, phases

CELLS = {"LSTM": "lstm", "GRU": "gru"}
TARGET = 1.0  # speed-up over PyTorch at T = 28, batch 64
FEATURES, STEPS = 28, 28


def cases(cell: str, n: int, steps: int, hidden: int) -> dict:
    x, y = nets.batch((n, steps, FEATURES))
    nets.check_same_step(nets.recurrent(cell, FEATURES, hidden), x, y)
    return nets.steps(nets.recurrent(cell, FEATURES, hidden), x, y)


def run(cfg: Config) -> Section:
    n, hidden = cfg.pick(64, 8), cfg.pick(128, 32)
    lengths = cfg.pick([7, 14, 28, 56], [7])
    results: dict[tuple[str, int], dict] = {}
    rows, targets = [], []
    with nets.one_thread():
        for name, cell in CELLS.items():
            for steps in lengths:
                found = measure(cases(cell, n, steps, hidden), cfg.budget(rounds=cfg.pick(11, 3)))
                m = {k: v.median for k, v in found.items()}
                results[name, steps] = m
                ratio = m.get("torch", math.nan) / m["engine"]
                rows.append(
                    [
                        name,
                        str(steps),
                        ms(m["engine"]),
                        ms(m.get("torch", math.nan)),
                        times(ratio),
                        ms(found["engine"].first),
                    ]
                )
                if steps == cfg.pick(STEPS, lengths[-1]):
                    what = f"{name} step, batch {n}, hidden {hidden}, T = {steps}, vs PyTorch"
                    targets.append(Target.at_least(what, ratio, TARGET))
        section = Section(
            "recurrent",
            "9. Recurrent networks: LSTM and GRU training steps, one thread each, float32",
            ["cell", "steps T", "engine ms", "PyTorch ms", "speed-up vs PyTorch", "engine 1st ms"],
            rows,
            targets=targets,
            notes=[
                f"nn.models.RecurrentClassifier(cell, {FEATURES}, {hidden}, 10): one layer, "
                f"batch_first, Linear({hidden}, 10) on the final hidden state; {n} sequences of "
                "T steps of 28 features, cross-entropy, SGD lr 0.05, the same batch every step. "
                "PyTorch's twin (torch.nn.LSTM / GRU + Linear) loads the engine's state_dict; "
                "both are checked to agree after two steps.",
                "Numba kernels, BLAS and PyTorch each run one thread (bench/nets.py "
                "`one_thread`). `engine 1st ms` is the first call (Numba cache loading or "
                "compilation), never part of a median.",
            ],
        )
        panels = [
            (
                f"{name}, batch {n}, hidden {hidden}",
                {
                    peer: [results[name, t].get(peer, math.nan) * 1e3 for t in lengths]
                    for peer in ("engine", "torch")
                },
            )
            for name in CELLS
        ]
        section.plot = plots.peer_panels(
            cfg.plot_dir, "recurrent", lengths, panels, "sequence length T", "ms per training step"
        )
        if section.missed:
            worst = min(section.missed, key=lambda t: float(t.measured.rstrip("x")))
            cell = CELLS[worst.what.split()[0]]
            steps = int(worst.what.split("T = ")[1].split(",")[0])
            x, y = nets.batch((n, steps, FEATURES))
            parts = nets.step_parts(nets.recurrent(cell, FEATURES, hidden), x, y)
            split = {k: phases(p, cfg.pick(20, 3)) for k, p in parts.items()}
            rows = [
                [part, ms(t), ms(split.get("torch", {}).get(part, math.nan))]
                for part, t in split["engine"].items()
            ]
            step = nets.steps(nets.recurrent(cell, FEATURES, hidden), x, y)["engine"]
            section.profile = "\n\n".join(
                [
                    f"Profiled: {worst.what}. Median time of each part of the step:",
                    table(["part", "engine ms", "PyTorch ms"], rows),
                    profile(step, cfg.pick(20, 3)),
                ]
            )
    return section
