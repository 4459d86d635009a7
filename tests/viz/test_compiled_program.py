"""draw_graph of a compiled function: the program its replays run, fused kernels as boxes."""

from __future__ import annotations

import re

import pytest

import autograd_engine as ae
import nn
import optim
from autograd_engine import viz


def regression_step() -> tuple:
    ae.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 1))
    opt = optim.SGD(model.parameters(), lr=0.1)

    def step(x: ae.Tensor, y: ae.Tensor) -> ae.Tensor:
        pred = model(x)
        loss = ((pred - y) * (pred + y) * 0.5).mean()  # an elementwise chain to fuse
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss

    return model, ae.compile(step), ae.randn(8, 3), ae.randn(8, 1)


def test_fused_kernels_are_boxes_around_the_ops_they_replace() -> None:
    model, step, x, y = regression_step()
    for _ in range(3):
        step(x, y)
    source = viz.draw_graph(
        step, x, y, names={"x": x, "y": y}, params=model.named_parameters()
    ).source
    boxes = re.findall(r'label="(fused kernel \d+: \d+ operations in one loop)"', source)
    assert len(boxes) == 2  # the loss's forward chain and its backward
    assert "2 fused kernels (dashed boxes) replace" in source
    for label in ("linear", "tanh", "sub", "add", "mul backward"):
        assert f'label="{label}"' in source, label
    # plain SGD: weights and biases are updated inside their layer's backward, with no .grad
    folded = 'label="linear backward\\n+ sgd_update + sgd_update_bias (SGD)"'
    assert source.count(folded) == 2
    assert ".grad +=" not in source and "4 parameters updated in the backward" in source
    assert 'label="x\\n8×3 float32"' in source and 'label="0.weight\\n5×3 float32"' in source
    # every op of the forward kernel sits inside its box
    forward = source.split("fused kernel 1:")[1].split("}")[0]
    assert forward.count('label="mul"') == 2 and 'label="sub"' in forward and "add" in forward


def test_drawing_before_a_program_exists_says_what_to_do() -> None:
    _, step, x, y = regression_step()
    step(x, y)
    with pytest.raises(viz.DrawingError, match="call it twice"):
        viz.draw_graph(step, x, y)
    step(x, y)
    with pytest.raises(viz.DrawingError, match="no program for these arguments"):
        viz.draw_graph(step, ae.randn(4, 3), ae.randn(4, 1))  # another shape: another key
    viz.draw_graph(step, x, y)
