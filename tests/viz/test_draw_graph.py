"""draw_graph: lecture colours, labels, legend, argument positions, module boxes, max_nodes."""

import re
import warnings

import numpy as np
import pytest

import autograd_engine as ae
from autograd_engine import viz
from autograd_engine.errors import AutogradError
from autograd_engine.grad_mode import THREAD
from autograd_engine.viz.dot import BLUE, RED, WHITE


def vertex(source, label_start):
    """The attribute list of the vertex whose label starts with `label_start`."""
    match = re.search(r'(n\d+) \[label="' + re.escape(label_start) + r"[^\n]*", source)
    assert match, f"no vertex labelled {label_start!r} in\n{source}"
    return match.group(0)


def key(source, label_start):
    return vertex(source, label_start).split(" ", 1)[0]


def small_graph():
    with viz.recording():
        x = ae.tensor([1.0, 2.0])
        w = ae.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
        b = ae.tensor([0.1, 0.2], requires_grad=True)
        h = ae.sigmoid(w @ x + b)
        loss = ((h - 1.0) ** 2).sum()
    return x, w, b, h, loss


def test_lecture_colours_inputs_white_parameters_red_operations_blue():
    x, w, b, _, loss = small_graph()
    source = ae.draw_graph(loss, names={"x": x, "w": w, "b": b, "loss": loss}).source
    assert f'fillcolor="{WHITE}"' in vertex(source, "x\\n")
    assert f'fillcolor="{WHITE}"' in vertex(source, "loss\\n")
    assert f'fillcolor="{RED}"' in vertex(source, "w\\n")
    assert f'fillcolor="{RED}"' in vertex(source, "b\\n")
    assert f'fillcolor="{BLUE}"' in vertex(source, "σ sigmoid")
    assert "shape=box" in vertex(source, "σ sigmoid")


def test_value_labels_name_shape_dtype_and_tiny_values():
    x, w, b, h, loss = small_graph()
    source = ae.draw_graph(loss, names=locals()).source
    assert 'label="w\\n2×2 float32\\n[[0.5, -1],\\n[2, 0.25]]"' in source  # a line per row
    assert 'label="x\\n2 float32\\n[1, 2]"' in source
    assert "h\\n2 float32" in vertex(source, "σ sigmoid")  # an op shows the value it makes


def test_values_hidden_for_big_tensors_and_on_request():
    with viz.recording():
        x = ae.ones((3, 4))
        w = ae.ones((4, 2), requires_grad=True)
        y = x @ w
    source = ae.draw_graph(y, names=locals()).source
    assert 'label="x\\n3×4 float32"' in source
    assert 'label="w\\n4×2 float32"' in source  # 8 elements: more than TINY
    assert "[1, 1]" not in ae.draw_graph(y, names=locals(), show_values=False).source
    bare = ae.draw_graph(y, names=locals(), show_shapes=False).source
    assert 'label="w"' in bare


def test_grads_shown_after_backward_when_asked():
    x, w, b, h, loss = small_graph()
    loss.backward()
    grad = "grad " + ae.viz.labels.values(b.grad.numpy())
    assert grad in ae.draw_graph(loss, names=locals(), show_grads=True).source
    assert "\\ngrad " not in ae.draw_graph(loss, names=locals()).source


def test_operation_labels_show_symbol_or_name():
    *_, loss = small_graph()
    source = ae.draw_graph(loss).source
    for title in ("@ matmul", "+", "σ sigmoid", "-", "^", "Σ sum"):
        assert f'label="{title}' in source


def test_legend_explains_the_colours():
    *_, loss = small_graph()
    source = ae.draw_graph(loss).source
    assert "subgraph cluster_legend" in source
    for text, fill in (("input / output", WHITE), ("parameter", RED), ("operation", BLUE)):
        assert re.search(rf'label="{re.escape(text)}"[^\n]*fillcolor="{fill}"', source)
    assert "argument position" in source
    assert "cluster_legend" not in ae.draw_graph(loss, legend=False).source


@pytest.mark.parametrize(
    "op, labelled",
    [
        (lambda a, c: a @ c, True),
        (lambda a, c: a - c, True),
        (lambda a, c: a / c, True),
        (lambda a, c: a**c, True),
        (lambda a, c: a + c, False),
        (lambda a, c: a * c, False),
    ],
)
def test_edges_carry_argument_positions_where_order_matters(op, labelled):
    a = ae.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    c = ae.tensor([[0.5, 1.0], [1.5, 2.0]], requires_grad=True)
    y = op(a, c)
    source = ae.draw_graph(y, names={"a": a, "c": c}).source
    ka, kc, kop = key(source, "a\\n"), key(source, "c\\n"), "n2"
    if labelled:
        assert f'{ka} -> {kop} [label="0"];' in source
        assert f'{kc} -> {kop} [label="1"];' in source
    else:
        assert f"{ka} -> {kop};" in source
        assert f"{kc} -> {kop};" in source


def test_python_numbers_become_constant_inputs_when_recording():
    w = ae.tensor(3.0, requires_grad=True)
    with viz.recording():
        y = w**2
    source = ae.draw_graph(y).source
    assert f'label="2", shape=ellipse, style="filled", fillcolor="{WHITE}"' in source
    assert '-> n2 [label="1"]' in source


def test_without_recording_constants_saved_for_backward_are_drawn():
    x = ae.tensor([1.0, 2.0])
    w = ae.tensor([3.0, 4.0], requires_grad=True)
    y = w @ x  # matmul keeps x for the gradient of w
    source = ae.draw_graph(y, names={"x": x, "w": w}).source
    assert 'label="x\\n2 float32\\n[1, 2]"' in source
    assert not hasattr(y.grad_fn, "recorded_args")
    assert THREAD.state.keep_args is False


@pytest.mark.parametrize(
    "op, number, position",
    [
        (lambda w: w**2, "2", "1"),
        (lambda w: 3 * w, "3", None),
        (lambda w: w / 4, "4", "1"),
        (lambda w: 5 / w, "5", "0"),
    ],
)
def test_without_recording_python_numbers_show_on_their_op(op, number, position):
    w = ae.tensor([1.0, 2.0], requires_grad=True)
    source = ae.draw_graph(op(w), names={"w": w}).source
    constant = key(source, number)
    assert f'{constant} [label="{number}", shape=ellipse' in source
    edge = f'{constant} -> n2 [label="{position}"];' if position else f"{constant} -> n2;"
    assert edge in source


def test_constants_not_kept_are_drawn_anonymous_with_a_warning_saying_what_to_do():
    w = ae.tensor([1.0, 2.0], requires_grad=True)
    t = ae.tensor([0.5, 0.5])
    y = w - t  # sub keeps nothing for backward: t is not in the graph
    with pytest.warns(viz.UnkeptInputWarning, match=r"t: .*with viz.recording\(\):"):
        source = ae.draw_graph(y, names={"w": w, "t": t}).source
    assert 'label="input\\n2 float32"' in source
    (w + 1.0).sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing named that is missing: no warning
        assert 'label="number"' in ae.draw_graph(w + 1.0, names={"w": w}).source
    with viz.recording():
        y = w - t
    assert 'label="t\\n2 float32' in ae.draw_graph(y, names={"w": w, "t": t}).source


def test_recording_restores_the_flag_after_an_error():
    with pytest.raises(KeyError), viz.recording():
        raise KeyError("boom")
    assert THREAD.state.keep_args is False


def test_names_from_locals_ignore_non_tensors_and_private_names():
    x, w, b, h, loss = small_graph()
    _hidden = w
    source = ae.draw_graph(loss, names={"_hidden": _hidden, "n": 3, **locals()}).source
    assert 'label="w\\n' in source
    assert "_hidden" not in source


@pytest.mark.parametrize("container", [list, iter, dict])
def test_params_name_parameters(container):
    _, w, b, _, loss = small_graph()
    params = container([("layer.weight", w), ("layer.bias", b)])
    source = ae.draw_graph(loss, params=params).source
    assert 'label="layer.weight\\n2×2' in source
    assert 'label="layer.bias\\n2' in source


def test_params_from_a_model_like_torchviz():
    import nn

    model = nn.Linear(3, 2)
    out = model(ae.ones((1, 3))).sum()
    for params in (dict(model.named_parameters()), model.named_parameters()):
        source = ae.draw_graph(out, params=params).source
        assert 'label="weight\\n2×3' in source and 'label="bias\\n2' in source


def test_a_shared_input_is_one_vertex():
    w = ae.tensor([1.0, 2.0], requires_grad=True)
    y = (w * w + w).sum()
    source = ae.draw_graph(y, names={"w": w}).source
    assert source.count('label="w\\n') == 1
    assert len(re.findall(rf"{key(source, 'w')} -> ", source)) == 3


def test_several_outputs_and_a_leaf_output():
    w = ae.tensor([1.0, 2.0], requires_grad=True)
    a, c = w.exp(), w.sin()
    source = ae.draw_graph(a, c, w).source
    assert 'label="output 0' in source and 'label="output 1' in source


def test_direction_and_bad_arguments():
    w = ae.tensor([1.0, 2.0], requires_grad=True)
    y = w.exp()
    assert "rankdir=TB" in ae.draw_graph(y, direction="TB").source
    with pytest.raises(viz.DrawingError, match="direction"):
        ae.draw_graph(y, direction="up")
    with pytest.raises(viz.DrawingError, match="not a Tensor"):
        ae.draw_graph(np.ones(2))
    with pytest.raises(viz.DrawingError, match="at least one"):
        ae.draw_graph()
    assert issubclass(viz.DrawingError, AutogradError)


# ------------------------------------------------------------------------ module boxes
def fake_model(x, w1, w2):
    """Two 'modules' recorded through ae.scope, as nn.Module.__call__ does."""
    with ae.scope("Net"):
        with ae.scope("encoder: Sequential"), ae.scope("0: Linear"):
            h = ae.relu(x @ w1)
        with ae.scope("decoder: Linear"):
            return h @ w2


def model_graph():
    x = ae.ones((2, 3))
    w1 = ae.ones((3, 4), requires_grad=True)
    w2 = ae.ones((4, 1), requires_grad=True)
    return fake_model(x, w1, w2), {"x": x, "w1": w1, "w2": w2}


def test_modules_are_drawn_as_labelled_nested_boxes():
    y, names = model_graph()
    source = ae.draw_graph(y, names=names).source
    for label in ("Net", "encoder: Sequential", "0: Linear", "decoder: Linear"):
        assert f'label="{label}"; style="rounded,dashed"' in source
    encoder = source.index('label="encoder: Sequential"')
    assert encoder < source.index('label="0: Linear"') < source.index('label="w1\\n')
    assert source.index('label="decoder: Linear"') < source.index('label="w2\\n')
    assert "cluster_0" not in ae.draw_graph(y, names=names, group_modules=False).source


@pytest.mark.parametrize("collapse", [["encoder"], ["Sequential"], ["encoder: Sequential"]])
def test_collapse_a_module_by_attribute_or_class(collapse):
    y, names = model_graph()
    source = ae.draw_graph(y, names=names, collapse=collapse).source
    assert 'label="encoder: Sequential\\n2 ops, 1 parameter", shape=box3d' in source
    assert "w1" not in source and "0: Linear" not in source
    assert "module (collapsed)" in source
    assert 'label="decoder: Linear"' in source


def test_collapse_by_depth_and_by_dotted_path():
    y, names = model_graph()
    top = ae.draw_graph(y, names=names, collapse=1).source
    assert 'label="Net\\n3 ops, 2 parameters", shape=box3d' in top
    inner = ae.draw_graph(y, names=names, collapse=["encoder.0"]).source
    assert 'label="0: Linear\\n2 ops, 1 parameter"' in inner
    with pytest.raises(viz.DrawingError):
        ae.draw_graph(y, collapse=0)


def test_above_max_nodes_modules_collapse_until_it_fits():
    y, names = model_graph()
    source = ae.draw_graph(y, names=names, max_nodes=5).source
    assert "modules collapsed to depth" in source
    assert source.count("shape=box3d") >= 1


def test_above_max_nodes_without_modules_stops_with_a_clear_error():
    w = ae.tensor(1.0, requires_grad=True)
    y = w
    for _ in range(50):
        y = y * 1.0001
    with pytest.raises(viz.GraphTooLargeError, match="max_nodes=20"):
        ae.draw_graph(y, max_nodes=20)
    source = ae.draw_graph(y, max_nodes=None).source
    assert source.count("->") == 101  # each × reads w (or the last ×) and 1.0001
    assert source.count('label="1", shape=ellipse') == 50  # 1.0001 to 4 digits


def test_deep_graph_traversal_needs_no_recursion():
    w = ae.tensor(1.0, requires_grad=True)
    y = w
    for _ in range(3000):
        y = y + 1.0
    assert ae.draw_graph(y, max_nodes=None).source.count("->") == 6001  # a "number" per +
