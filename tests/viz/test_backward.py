"""draw_backward / backward_steps: visit order and the gradient on each edge, no side effects."""

import re
import shutil
import subprocess

import numpy as np
import pytest

import autograd_engine as ae
from autograd_engine import viz
from autograd_engine.app.lecture_graphs import GRAPHS, mlp_backprop, sigmoid_chain
from autograd_engine.errors import BackwardError
from autograd_engine.viz.backward import replay

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed")


def chain():
    with viz.recording():
        return sigmoid_chain()


def test_replay_matches_the_engine_and_leaves_grads_alone():
    y_hat, names = chain()
    w1 = names["w1"]
    visits = replay(y_hat)
    params = {id(v.node.variable): v.grad for v in visits if hasattr(v.node, "variable")}
    assert w1.grad is None  # drawing wrote no .grad
    (expected,) = ae.grad(y_hat, [w1], retain_graph=True)
    np.testing.assert_allclose(params[id(w1)], expected.numpy())
    y_hat.backward()  # the graph was not freed by the replay
    np.testing.assert_allclose(w1.grad.numpy(), expected.numpy())


def test_existing_grads_are_not_changed():
    y_hat, names = chain()
    y_hat.backward(retain_graph=True)
    before = names["w1"].grad.numpy().copy()
    viz.draw_backward(y_hat, names=names)
    np.testing.assert_array_equal(names["w1"].grad.numpy(), before)


def test_vanishing_gradient_shown_on_w1():
    y_hat, names = chain()
    source = viz.draw_backward(y_hat, names=names).source
    (g,) = ae.grad(y_hat, [names["w1"]])
    assert f"∂ŷ/∂w1 = {ae.viz.labels.number(g.item())}" in source
    assert abs(g.item()) < 0.25**3 * 1.5  # three sigma' <= 1/4 factors


def test_backward_edges_point_back_with_step_and_value():
    y_hat, names = chain()
    source = viz.draw_backward(y_hat, names=names).source
    back = re.findall(r'-> n\d+ \[label="(\d+): [^"]+", dir=back', source)
    assert back == sorted(back, key=int)  # listed in visit order
    assert 'label="∂ŷ/∂ŷ = 1", dir=back' in source
    assert '<FONT COLOR="#c0392b">step 1<BR/>∂ŷ/∂ŷ = 1</FONT>' in source
    assert "gradient (step: value)" in source


def test_freed_graph_is_reported():
    w = ae.tensor([1.0, 2.0], requires_grad=True)
    y = (w * w).sum()
    y.backward()
    with pytest.raises(BackwardError, match="retain_graph=True"):
        viz.draw_backward(y)


def test_non_scalar_output_needs_a_gradient():
    w = ae.tensor([1.0, 2.0], requires_grad=True)
    y = w * 3.0
    with pytest.raises(BackwardError):
        viz.draw_backward(y)
    assert "dir=back" in viz.draw_backward(y, np.ones(2)).source


def test_sign_stops_backpropagation():
    with viz.recording():
        w = ae.tensor([1.0, -1.0], requires_grad=True)
        f = ae.sign(w.sum())
    source = viz.draw_backward(f).source
    assert "no gradient: backprop stops" in source
    assert "step 2" not in source


def test_one_picture_per_step_with_the_current_node_outlined():
    y_hat, names = chain()
    steps = viz.backward_steps(y_hat, names=names)
    assert len(steps) == len(replay(y_hat)) == 9
    for k, drawing in enumerate(steps, start=1):
        source = drawing.source
        assert f"backward step {k} of 9" in source
        assert source.count('color="#e67e22"') == 1
        current = re.search(r"\n  n\d+ \[[^\n]*#e67e22", source).group(0)
        assert f'">step {k}<BR/>' in current  # the outlined node is the one visited
        shown = re.findall(r'<FONT COLOR="#c0392b">step (\d+)<BR/>', source)
        hidden = re.findall(r'<FONT COLOR="transparent">step (\d+)<BR/>', source)
        assert sorted(map(int, shown)) == list(range(1, k + 1))
        assert sorted(map(int, hidden)) == list(range(k + 1, 10))
        drawn = re.findall(r'label="(\d+): [^"]*", dir=back, style=dashed', source)
        assert all(int(step) <= k for step in drawn)
        assert len(re.findall(r"dir=back, style=invis", source)) == 8 - len(drawn)


def test_frames_hold_the_same_vertices_and_arrows():
    """Only colours change from one step to the next: dot lays out the same graph."""
    y_hat, names = chain()
    styles = r', color="#e67e22", penwidth=3|COLOR="[^"]+"|style=(dashed|invis)|step \d'
    shapes = {re.sub(styles, "", d.source) for d in viz.backward_steps(y_hat, names=names)}
    assert len(shapes) == 1


def positions(drawing):
    """Canvas size and each vertex's place and size, from `dot -Tplain`."""
    plain = subprocess.run(
        ["dot", "-Tplain"], input=drawing.source.encode(), capture_output=True, check=True
    ).stdout.decode()
    return [line.split()[:6] for line in plain.splitlines() if line.startswith(("graph", "node"))]


@needs_dot
@pytest.mark.parametrize("title", [None, "a title"])
def test_frames_keep_every_node_in_place_and_the_canvas_size(title):
    with viz.recording():
        loss, names = mlp_backprop()
    steps = viz.backward_steps(loss, names=names, show_values=False, title=title)
    assert len(steps) == 12
    first = positions(steps[0])
    assert len(first) > 20  # the canvas, the graph's vertices and the legend's
    for drawing in steps[1:]:
        assert positions(drawing) == first


def smallest_font_shown_at(width_px, drawing):
    """The smallest font of the SVG, in points, once the picture is shown `width_px` wide (as
    a notebook shows a wider picture; a narrower one keeps its own size, 1 pt = 4/3 px)."""
    svg = drawing.pipe("svg").decode()
    width_pt = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))
    box_width = float(re.search(r'viewBox="[\d.-]+ [\d.-]+ ([\d.]+) ', svg).group(1))
    shown_px = min(width_px, width_pt * 4 / 3)
    smallest = min(float(size) for size in re.findall(r'font-size="([\d.]+)"', svg))
    return smallest * shown_px / box_width * 3 / 4


@needs_dot
@pytest.mark.parametrize("name", list(GRAPHS))
def test_backward_drawings_are_legible_at_800_px(name):
    with viz.recording():
        output, names = GRAPHS[name].build()
    options = {"names": names, "show_values": GRAPHS[name].show_values, "title": name}
    assert "rankdir=TB" in viz.draw_backward(output, **options).source
    assert smallest_font_shown_at(800, viz.draw_backward(output, **options)) >= 9
    assert smallest_font_shown_at(800, viz.backward_steps(output, **options)[0]) >= 9
