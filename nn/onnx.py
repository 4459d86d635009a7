"""Export a model to ONNX, so that other tools (ONNX Runtime, Netron, ...) can open it.

`export(model, example_input, path)` has the call shape of `torch.onnx.export`. The model is
exported layer by layer: each supported layer becomes its ONNX operators, and any other module
must compute the chain of its sub-modules in registration order (MLP, Sequential, the
autoencoders, a GAN's generator); that is checked on `example_input` against the model's own
forward before anything is written. Names follow the modules, as `draw_graph` shows them:
initializers are named like `named_parameters()` ("layers.0.weight") and operators by their
module path ("/layers/0/Gemm"). The batch dimension is left free, or the axes given by
`dynamic_axes` (torch's argument). LeNet5, RecurrentClassifier and CharLSTM, whose forwards
reshape their inputs, have conversions of their own; a recurrent layer's weights are stored in
ONNX's gate order, under its first direction's name ("rnn.weight_ih_l0" holds both
directions). A model returning a tuple (CharLSTM: logits and the final (h, c)) gets one graph
output per Tensor, named by `output_names`.

Needs the optional `onnx` package: `pip install "autograd-engine[onnx]"`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

import autograd_engine as ae
from autograd_engine.files import atomic_path

from .layers import (
    ELU,
    AvgPool2d,
    BatchNorm1d,
    Conv2d,
    Dropout,
    Embedding,
    Flatten,
    Identity,
    LayerNorm,
    LeakyReLU,
    Linear,
    LogSoftmax,
    MaxPool2d,
    ReLU,
    Residual,
    RNNBase,
    Sigmoid,
    Softmax,
    Softplus,
    Tanh,
)
from .models import CharLSTM, LeNet5, RecurrentClassifier
from .module import Module

OPSET = 17  # LayerNormalization arrived in 17


class _Graph:
    """The ONNX nodes and initializers built so far, with unique node names."""

    def __init__(self, onnx: Any, dtype: np.dtype) -> None:
        self.onnx = onnx
        self.dtype = dtype  # of the input, for constants the model does not hold
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.names: set[str] = set()

    def constant(self, name: str, value: Any) -> str:
        array = value.numpy() if isinstance(value, ae.Tensor) else np.asarray(value)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def node(self, op: str, inputs: list[str], path: tuple[str, ...], **attributes: Any) -> str:
        return self.multi_node(op, inputs, path, 1, **attributes)[0]

    def multi_node(
        self, op: str, inputs: list[str], path: tuple[str, ...], outputs: int, **attributes: Any
    ) -> list[str]:
        """A node with `outputs` outputs, named after its module path and operator."""
        name = "/" + "/".join([*path, op])
        unique, n = name, 1
        while unique in self.names:
            unique, n = f"{name}_{n}", n + 1
        self.names.add(unique)
        names = [f"{unique}_output_{i}" for i in range(outputs)]
        self.nodes.append(self.onnx.helper.make_node(op, inputs, names, name=unique, **attributes))
        return names

    def shape(self, path: tuple[str, ...], *dims: int) -> str:
        """An int64 shape constant for Reshape (0 keeps the input's size, -1 is inferred)."""
        return self.constant(f"{_prefix(path)}shape_{len(self.initializers)}", np.array(dims))


def _prefix(path: tuple[str, ...]) -> str:
    return "".join(f"{part}." for part in path)


def _linear(g: _Graph, m: Linear, path: tuple[str, ...], x: str) -> str:
    inputs = [x, g.constant(f"{_prefix(path)}weight", m.weight)]
    if m.bias is not None:
        inputs.append(g.constant(f"{_prefix(path)}bias", m.bias))
    return g.node("Gemm", inputs, path, transB=1)


def _batch_norm(g: _Graph, m: BatchNorm1d, path: tuple[str, ...], x: str) -> str:
    if not m.track_running_stats:
        raise NotImplementedError(
            f"nn.onnx.export: {'.'.join(path) or 'the model'} is a BatchNorm1d without running "
            "statistics (it normalizes with each batch's own); ONNX needs fixed statistics"
        )
    p, n = _prefix(path), m.num_features
    dtype = g.dtype
    scale = m.weight if m.affine else np.ones(n, dtype)
    shift = m.bias if m.affine else np.zeros(n, dtype)
    names = [
        g.constant(f"{p}weight", scale),
        g.constant(f"{p}bias", shift),
        g.constant(f"{p}running_mean", m.running_mean),
        g.constant(f"{p}running_var", m.running_var),
    ]
    return g.node("BatchNormalization", [x, *names], path, epsilon=float(m.eps))


def _layer_norm(g: _Graph, m: LayerNorm, path: tuple[str, ...], x: str) -> str:
    p, shape = _prefix(path), m.normalized_shape
    dtype = g.dtype
    scale = m.weight if m.elementwise_affine else np.ones(shape, dtype)
    bias = m.bias if getattr(m, "bias", None) is not None else np.zeros(shape, dtype)
    names = [g.constant(f"{p}weight", scale), g.constant(f"{p}bias", bias)]
    return g.node("LayerNormalization", [x, *names], path, axis=-len(shape), epsilon=float(m.eps))


def _softplus(g: _Graph, m: Softplus, path: tuple[str, ...], x: str) -> str:
    if m.beta == 1:
        return g.node("Softplus", [x], path)
    beta = g.constant(f"{_prefix(path)}beta", np.asarray(m.beta, g.dtype))
    scaled = g.node("Softplus", [g.node("Mul", [x, beta], path)], path)
    return g.node("Div", [scaled, beta], path)


def _residual(g: _Graph, m: Residual, path: tuple[str, ...], x: str) -> str:
    return g.node("Add", [_convert(g, m.module, (*path, "module"), x), x], path)


def _pairs(value: Any) -> list[int]:
    return list(value) if isinstance(value, tuple | list) else [value, value]


def _unsupported(path: tuple[str, ...], what: str) -> NotImplementedError:
    return NotImplementedError(
        f"nn.onnx.export: {'.'.join(path) or 'the model'} uses {what}, which has no ONNX "
        "conversion here"
    )


def _conv2d(g: _Graph, m: Conv2d, path: tuple[str, ...], x: str) -> str:
    if m.padding == "valid":
        begin = end = [0, 0]
    elif m.padding == "same":  # PyTorch puts the odd pixel at the end, as SAME_UPPER
        total = [d * (k - 1) for d, k in zip(m.dilation, m.kernel_size, strict=True)]
        begin = [t // 2 for t in total]
        end = [t - b for t, b in zip(total, begin, strict=True)]
    else:
        begin = end = list(m.padding)
    inputs = [x, g.constant(f"{_prefix(path)}weight", m.weight)]
    if m.bias is not None:
        inputs.append(g.constant(f"{_prefix(path)}bias", m.bias))
    return g.node(
        "Conv",
        inputs,
        path,
        kernel_shape=list(m.kernel_size),
        strides=list(m.stride),
        pads=begin + end,
        dilations=list(m.dilation),
        group=m.groups,
    )


def _pool_attributes(m: MaxPool2d | AvgPool2d) -> dict[str, Any]:
    pads = _pairs(m.padding)
    return {
        "kernel_shape": _pairs(m.kernel_size),
        "strides": _pairs(m.stride),
        "pads": pads + pads,
        "ceil_mode": int(m.ceil_mode),
    }


def _max_pool2d(g: _Graph, m: MaxPool2d, path: tuple[str, ...], x: str) -> str:
    return g.node("MaxPool", [x], path, dilations=_pairs(m.dilation), **_pool_attributes(m))


def _avg_pool2d(g: _Graph, m: AvgPool2d, path: tuple[str, ...], x: str) -> str:
    if m.divisor_override is not None:
        raise _unsupported(path, "divisor_override")
    attributes = _pool_attributes(m)
    return g.node(
        "AveragePool", [x], path, count_include_pad=int(m.count_include_pad), **attributes
    )


def _lenet5(g: _Graph, m: LeNet5, path: tuple[str, ...], x: str) -> str:
    """Images of any layout LeNet5.forward takes (flat rows too) reshaped to (N, C, H, W)."""
    size = m.input_size
    x = g.node("Reshape", [x, g.shape(path, -1, m.in_channels, size, size)], path)
    if m.scale > 1:  # nearest neighbour: output pixel i reads input pixel floor(i / scale)
        scales = g.constant(f"{_prefix(path)}scales", np.array([1, 1, m.scale, m.scale], "float32"))
        x = g.node(
            "Resize",
            [x, "", scales],
            (*path, "enlarge"),
            mode="nearest",
            coordinate_transformation_mode="asymmetric",
            nearest_mode="floor",
        )
    x = _convert(g, m.features, (*path, "features"), x)
    return _convert(g, m.classifier, (*path, "classifier"), x)


# PyTorch stacks the gates as LSTM (i, f, g, o) and GRU (r, z, n); ONNX wants (i, o, f, c)
# and (z, r, h), both with weights (G H, I) per direction and the two biases concatenated.
_GATE_ORDER = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2]}


def _rnn_weights(g: _Graph, m: RNNBase, path: tuple[str, ...], layer: int) -> list[str]:
    """The W, R, B initializers of one layer (both directions), in ONNX's gate order."""
    order = _GATE_ORDER.get(m.mode, [0])

    def reorder(t: Any) -> np.ndarray:
        blocks = np.split(t.numpy(), len(order))
        return np.concatenate([blocks[i] for i in order])

    directions = [m._weights(layer, s) for s in ("", "_reverse")[: 1 + m.bidirectional]]
    w = np.stack([reorder(w_ih) for w_ih, _, _, _ in directions])
    r = np.stack([reorder(w_hh) for _, w_hh, _, _ in directions])
    p = f"{_prefix(path)}"
    names = [g.constant(f"{p}weight_ih_l{layer}", w), g.constant(f"{p}weight_hh_l{layer}", r)]
    if m.bias:
        b = np.stack(
            [np.concatenate([reorder(b_ih), reorder(b_hh)]) for *_, b_ih, b_hh in directions]
        )
        names.append(g.constant(f"{p}bias_l{layer}", b))
    else:
        names.append("")
    return names


def _recurrent(g: _Graph, m: RNNBase, path: tuple[str, ...], x: str) -> tuple[str, list, list]:
    """(T, N, I) sequences through the stacked layers: the last layer's outputs (T, N, D H),
    and each layer's final hidden state (D, N, H) and, for an LSTM, final cell state (D the
    number of directions)."""
    if m.mode == "LSTM":
        op, attributes = "LSTM", {}
    elif m.mode == "GRU":
        op, attributes = "GRU", {"linear_before_reset": 1}
    else:
        op, attributes = "RNN", {"activations": [m.mode[4:].capitalize()]}
    direction = "bidirectional" if m.bidirectional else "forward"
    if m.bidirectional and op == "RNN":
        attributes["activations"] = attributes["activations"] * 2
    outputs = 3 if op == "LSTM" else 2
    finals_h, finals_c = [], []
    for layer in range(m.num_layers):
        inputs = [x, *_rnn_weights(g, m, path, layer)]
        y, h_n, *c_n = g.multi_node(
            op, inputs, path, outputs, hidden_size=m.hidden_size, direction=direction, **attributes
        )
        finals_h.append(h_n)
        finals_c += c_n
        # Y is (T, D, N, H): the next layer reads (T, N, D H)
        y = g.node("Transpose", [y], path, perm=[0, 2, 1, 3])
        x = g.node("Reshape", [y, g.shape(path, 0, 0, -1)], path)
    return x, finals_h, finals_c


def _recurrent_classifier(g: _Graph, m: RecurrentClassifier, path: tuple[str, ...], x: str) -> str:
    """Rows (N, H, W), (N, 1, H, W) or flat (N, H W) read as H steps; the head reads the last
    layer's final hidden state of each direction, side by side."""
    x = g.node("Reshape", [x, g.shape(path, 0, -1, m.rnn.input_size)], path)
    x = g.node("Transpose", [x], path, perm=[1, 0, 2])
    _, finals_h, _ = _recurrent(g, m.rnn, (*path, "rnn"), x)
    h_n = g.node("Transpose", [finals_h[-1]], path, perm=[1, 0, 2])
    h = g.node("Reshape", [h_n, g.shape(path, 0, -1)], path)
    return _convert(g, m.head, (*path, "head"), h)


def _embedding(g: _Graph, m: Embedding, path: tuple[str, ...], x: str) -> str:
    """Integer indices of any shape -> their rows of the table (a Gather)."""
    return g.node("Gather", [g.constant(f"{_prefix(path)}weight", m.weight), x], path, axis=0)


def _char_lstm(g: _Graph, m: CharLSTM, path: tuple[str, ...], x: str) -> tuple[str, str, str]:
    """Character ids (N, T) -> (logits (N, T, V), h_n, c_n (layers, N, H)), from a zero state
    as `forward(ids)`; a sampler feeds the whole text so far, or runs the engine."""
    x = _embedding(g, m.embedding, (*path, "embedding"), x)
    x = g.node("Transpose", [x], path, perm=[1, 0, 2])  # batch_first -> (T, N, E)
    y, finals_h, finals_c = _recurrent(g, m.lstm, (*path, "lstm"), x)
    y = g.node("Transpose", [y], path, perm=[1, 0, 2])
    head = (*path, "head")
    weight = g.node("Transpose", [g.constant(f"{_prefix(head)}weight", m.head.weight)], head)
    logits = g.node("MatMul", [y, weight], head)  # Gemm takes 2-D inputs only
    logits = g.node("Add", [logits, g.constant(f"{_prefix(head)}bias", m.head.bias)], head)
    h_n = g.node("Concat", finals_h, path, axis=0)
    c_n = g.node("Concat", finals_c, path, axis=0)
    return logits, h_n, c_n


def _simple(op: str, **attributes: Callable[[Any], Any]) -> Callable[..., str]:
    """A layer that is one ONNX operator; `attributes` read its settings from the layer."""

    def convert(g: _Graph, m: Module, path: tuple[str, ...], x: str) -> str:
        return g.node(op, [x], path, **{k: read(m) for k, read in attributes.items()})

    return convert


LAYERS: dict[type, Callable[..., str]] = {
    Linear: _linear,
    BatchNorm1d: _batch_norm,
    LayerNorm: _layer_norm,
    Residual: _residual,
    Softplus: _softplus,
    ReLU: _simple("Relu"),
    Sigmoid: _simple("Sigmoid"),
    Tanh: _simple("Tanh"),
    LeakyReLU: _simple("LeakyRelu", alpha=lambda m: float(m.negative_slope)),
    ELU: _simple("Elu", alpha=lambda m: float(m.alpha)),
    Softmax: _simple("Softmax", axis=lambda m: -1 if m.dim is None else m.dim),
    LogSoftmax: _simple("LogSoftmax", axis=lambda m: -1 if m.dim is None else m.dim),
    Flatten: _simple("Flatten", axis=lambda m: m.start_dim),
    Identity: _simple("Identity"),
    Dropout: _simple("Identity"),  # exported in evaluation mode
    Conv2d: _conv2d,
    MaxPool2d: _max_pool2d,
    AvgPool2d: _avg_pool2d,
    LeNet5: _lenet5,
    RecurrentClassifier: _recurrent_classifier,
    Embedding: _embedding,
    CharLSTM: _char_lstm,
}


def _layer(module: Module) -> Callable[..., str] | None:
    return next((LAYERS[c] for c in type(module).__mro__ if c in LAYERS), None)


def _chain(module: Module) -> Iterator[tuple[str, Module]]:
    """The sub-modules a module without a conversion of its own is taken to chain."""
    children = list(module.named_children())
    if not children:
        raise NotImplementedError(
            f"nn.onnx.export: no ONNX conversion for {type(module).__name__}; supported layers: "
            f"{', '.join(sorted(c.__name__ for c in LAYERS))} and modules chaining them"
        )
    return iter(children)


def _convert(g: _Graph, module: Module, path: tuple[str, ...], x: str) -> str:
    convert = _layer(module)
    if convert is not None:
        return convert(g, module, path, x)
    for name, child in _chain(module):
        x = _convert(g, child, (*path, name), x)
    return x


def _as_exported(module: Module, x: ae.Tensor) -> ae.Tensor:
    """What the exported graph computes, run by the engine: layers, and chains of the rest."""
    if _layer(module) is not None:
        return module(x)
    for _, child in _chain(module):
        x = _as_exported(child, x)
    return x


def _onnx() -> Any:
    try:
        import onnx  # optional: only export needs it
    except ModuleNotFoundError as e:
        raise ModuleNotFoundError(
            'nn.onnx.export needs the onnx package: pip install "autograd-engine[onnx]"',
            name="onnx",
        ) from e
    return onnx


def _tensors(output: Any) -> list[ae.Tensor]:
    """A forward's output as a flat list of Tensors (a tuple of Tensors and tuples too)."""
    if isinstance(output, ae.Tensor):
        return [output]
    if isinstance(output, tuple | list):
        return [t for part in output for t in _tensors(part)]
    raise TypeError(f"nn.onnx.export: the model returned a {type(output).__name__}, not Tensors")


def export(
    model: Module,
    example_input: ae.Tensor,
    path: str | os.PathLike[str],
    *,
    input_names: tuple[str, ...] = ("input",),
    output_names: tuple[str, ...] | None = None,
    dynamic_axes: dict[str, dict[int, str]] | None = None,
) -> None:
    """Write `model`, in evaluation mode, as an ONNX file at `path` (atomically), checked by
    `onnx.checker`. `example_input` is a (batch, ...) Tensor the model accepts.

    `output_names` name the model's output Tensors in order (default "output", then
    "output_1", ...). `dynamic_axes` maps an input or output name to its free axes and their
    names, as in torch.onnx.export; by default axis 0 of every input and output is "batch"."""
    onnx = _onnx()
    was_training = model.training
    model.eval()
    try:
        with ae.no_grad():
            expected = _tensors(model(example_input))
            try:
                exported = _tensors(_as_exported(model, example_input))
            except (ValueError, TypeError):  # the sub-modules do not even fit together
                exported = None
        if (
            exported is None
            or len(exported) != len(expected)
            or not all(
                a.shape == b.shape and np.allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
                for a, b in zip(expected, exported)
            )
        ):
            raise ValueError(
                f"nn.onnx.export: {type(model).__name__}.forward is not the chain of its "
                f"sub-modules ({', '.join(n for n, _ in model.named_children())}); export the "
                "parts that are (e.g. model.encoder, model.generator)"
            )
        g = _Graph(onnx, example_input.numpy().dtype)
        outputs = _convert(g, model, (), input_names[0])
    finally:
        model.train(was_training)
    outputs = [outputs] if isinstance(outputs, str) else list(outputs)
    if output_names is None:
        output_names = ("output", *(f"output_{i}" for i in range(1, len(outputs))))
    if len(output_names) != len(outputs):
        raise ValueError(
            f"nn.onnx.export: {type(model).__name__} has {len(outputs)} outputs but "
            f"output_names gives {len(output_names)} names ({', '.join(output_names)})"
        )
    for output, name in zip(outputs, output_names):
        g.nodes.append(onnx.helper.make_node("Identity", [output], [name], name=f"/{name}"))

    def value(name: str, t: ae.Tensor) -> Any:
        dtype = onnx.helper.np_dtype_to_tensor_dtype(t.numpy().dtype)
        free = {0: "batch"} if dynamic_axes is None else dynamic_axes.get(name, {})
        dims = [free.get(i, size) for i, size in enumerate(t.shape)]
        return onnx.helper.make_tensor_value_info(name, dtype, dims)

    graph = onnx.helper.make_graph(
        g.nodes,
        type(model).__name__,
        [value(input_names[0], example_input)],
        [value(name, t) for name, t in zip(output_names, expected)],
        g.initializers,
    )
    proto = onnx.helper.make_model(
        graph,
        producer_name="autograd-engine",
        producer_version=ae.__version__,
        opset_imports=[onnx.helper.make_opsetid("", OPSET)],
    )
    onnx.checker.check_model(proto, full_check=True)
    with atomic_path(path) as tmp:
        onnx.save(proto, str(tmp))
