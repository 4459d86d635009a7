"""draw_backward / backward_steps: visit order and the gradient on each edge, no side effects."""

import re

import numpy as np
import pytest

import autograd_engine as ae
from autograd_engine import viz
from autograd_engine.errors import BackwardError
from autograd_engine.lecture_graphs import sigmoid_chain
from autograd_engine.viz.backward import replay


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
    assert "step 1\\n∂ŷ/∂ŷ = 1" in source
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
        assert f"backward step {k} of 9" in drawing.source
        assert drawing.source.count('color="#e67e22"') == 1
        assert f"step {k}\\n" in drawing.source and f"step {k + 1}\\n" not in drawing.source
    assert steps[0].source != steps[-1].source
