"""Draw docs/img/compiled-step.svg, the README's picture of a compiled training step: the
program `ae.compile` replays for a small regression step, its fused kernels as dashed boxes.

Developer tool (needs Graphviz's `dot`): `python tools/draw_compiled_step.py [--out PATH]`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import autograd_engine as ae
import nn
import optim
from autograd_engine import viz

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "docs" / "img" / "compiled-step.svg"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    out = parser.parse_args().out
    ae.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    opt = optim.SGD(model.parameters(), lr=0.1)

    @ae.compile
    def step(x: ae.Tensor, y: ae.Tensor) -> ae.Tensor:
        opt.zero_grad()
        err = model(x) - y
        loss = (err * err + 0.1 * err).mean()
        loss.backward()
        opt.step()
        return loss

    x, y = ae.randn(16, 4), ae.randn(16, 1)
    for _ in range(3):  # two recorded calls, then a replay
        step(x, y)
    title = "ae.compile: the replayed program of an SGD step"
    drawing = viz.draw_graph(
        step,
        x,
        y,
        names={"x": x, "y": y},
        params=model.named_parameters(),
        title=title,
        direction="TB",
    )
    print(drawing.save(out))


if __name__ == "__main__":
    main()
