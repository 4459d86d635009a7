"""Convolutional and recurrent networks drawn: conv and pool layers as module boxes that
collapse, an unrolled RNN/LSTM/GRU as one box per time step with its state arrows."""

import re
import shutil

import pytest

import autograd_engine as ae
import nn
from autograd_engine import viz
from autograd_engine.viz.dot import STATE
from autograd_engine.viz.graph import step_kind


def clusters(source):
    """The labels of the module boxes, in order."""
    return re.findall(r'subgraph cluster_\d+ \{\n\s*label="([^"]*)"', source)


def collapsed(source):
    """The first label line of each collapsed-module vertex, in order."""
    return re.findall(r'label="([^"\\]*)\\n[^"]*", shape=box3d, style', source)


def state_arrows(source):
    return re.findall(rf"(n\d+) -> (n\d+) \[[^\]]*penwidth=2.4, color=\"{STATE}\"", source)


def lenet_output():
    ae.manual_seed(0)
    model = nn.models.LeNet5(input_size=8)
    with viz.recording():
        out = model(ae.randn(2, 1, 8, 8))
    return model, out


def test_lenet_conv_and_pool_layers_are_boxes():
    model, out = lenet_output()
    boxes = clusters(viz.draw_graph(out, params=model.named_parameters()).source)
    assert boxes[:3] == ["LeNet5", "features: Sequential", "0: Conv2d"]
    assert boxes.count("2: MaxPool2d") == boxes.count("5: MaxPool2d") == 1
    assert "3: Conv2d" in boxes and "0: Flatten" in boxes


def test_lenet_collapses_by_class_name_and_depth():
    model, out = lenet_output()
    params = model.named_parameters()
    source = viz.draw_graph(out, params=params, collapse=["Conv2d", "MaxPool2d"]).source
    assert collapsed(source) == ["0: Conv2d", "2: MaxPool2d", "3: Conv2d", "5: MaxPool2d"]
    assert "0: Conv2d\\n1 op, 2 parameters" in source  # conv2d with its bias, one op
    assert "conv2d" not in source and "features.0.weight" not in source
    top = viz.draw_graph(out, params=model.named_parameters(), collapse=2).source
    assert collapsed(top) == ["features: Sequential", "classifier: Sequential"]


def lstm_output(cls=nn.LSTM, steps=3, **kwargs):
    ae.manual_seed(0)
    model = cls(3, 4, **kwargs)
    with viz.recording():
        _, state = model(ae.randn(steps, 1, 3))
    h_n = state[0] if cls is nn.LSTM else state
    return model, h_n


@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU], ids=lambda c: c.__name__)
def test_unrolled_layer_draws_one_box_per_time_step(cls):
    model, h_n = lstm_output(cls, steps=4)
    source = viz.draw_graph(h_n, params=model.named_parameters()).source
    name = cls.__name__
    assert clusters(source) == [name] + [f"{name} step t={t}" for t in (3, 2, 1, 0)]
    assert len(state_arrows(source)) >= 3  # each step feeds the next
    assert "bold arrow: state carried" in source


def test_steps_collapse_to_a_chain_with_the_shared_weights_outside():
    model, h_n = lstm_output(steps=4)
    drawing = viz.draw_graph(h_n, params=model.named_parameters(), collapse=["LSTM step"])
    source = drawing.source
    assert sorted(collapsed(source)) == [f"LSTM step t={t}" for t in range(4)]
    keys = {t: re.search(rf'(n\d+) \[label="LSTM step t={t}\\n', source)[1] for t in range(4)}
    assert sorted(state_arrows(source)) == sorted((keys[t], keys[t + 1]) for t in range(3))
    w_hh = re.search(r'(n\d+) \[label="weight_hh_l0', source).group(1)
    assert all(f"{w_hh} -> {keys[t]};" in source for t in range(4))  # one W_hh for every step
    one = viz.draw_graph(h_n, params=model.named_parameters(), collapse=["LSTM step t=2"])
    assert collapsed(one.source) == ["LSTM step t=2"]
    assert len(collapsed(viz.draw_graph(h_n, collapse=2).source)) == 4


def test_layers_and_directions_name_their_steps():
    _, h_n = lstm_output(nn.GRU, steps=2, num_layers=2, bidirectional=True)
    boxes = set(clusters(viz.draw_graph(h_n).source))
    for layer in (0, 1):
        for t in (0, 1):
            assert f"GRU layer {layer} step t={t}" in boxes
            assert f"GRU layer {layer} reverse step t={t}" in boxes
    assert step_kind("GRU layer 1 reverse step t=12") == "GRU layer 1 reverse step"
    assert step_kind("0: Linear") is None and step_kind("foot=3") is None


def test_a_cell_called_in_a_loop_is_one_box_per_call():
    ae.manual_seed(0)
    cell = nn.RNNCell(3, 4)
    h = ae.zeros(1, 4)
    x = ae.randn(3, 1, 3)
    with viz.recording():
        for t in range(3):
            h = cell(x[t], h)
    source = viz.draw_graph(h, params=cell.named_parameters()).source
    assert clusters(source) == ["RNNCell"] * 3  # three calls, not one box holding them all
    assert len(state_arrows(source)) == 2
    # the weights are used by every call: drawn once, outside the boxes
    assert re.search(r'\n  n\d+ \[label="weight_hh', source)
    folded = viz.draw_graph(h, params=cell.named_parameters(), collapse=["RNNCell"]).source
    assert collapsed(folded) == ["RNNCell"] * 3
    assert len(state_arrows(folded)) == 2


def test_scope_labels_are_new_objects_per_call_but_compare_equal():
    layer = nn.Linear(2, 2)
    a, b = layer(ae.randn(1, 2)), layer(ae.randn(1, 2))
    assert a.grad_fn.scope == b.grad_fn.scope == ("Linear",)
    assert a.grad_fn.scope[0] is not b.grad_fn.scope[0]


@pytest.mark.skipif(shutil.which("dot") is None, reason="the Graphviz program `dot` is absent")
def test_unrolled_lstm_and_lenet_render_as_svg():
    model, h_n = lstm_output(steps=3)
    svg = viz.draw_graph(h_n, params=model.named_parameters()).pipe("svg").decode()
    assert "LSTM step t=2" in svg and "<svg" in svg
    model, out = lenet_output()
    svg = viz.draw_graph(out, params=model.named_parameters(), collapse=3).pipe("svg").decode()
    assert "0: Conv2d" in svg
