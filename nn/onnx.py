"""Export a model to ONNX, so that other tools (ONNX Runtime, Netron, ...) can open it.

`export(model, example_input, path)` has the call shape of `torch.onnx.export`. The model is
exported layer by layer: each supported layer becomes its ONNX operators, and any other module
must compute the chain of its sub-modules in registration order (MLP, Sequential, the
autoencoders, a GAN's generator); that is checked on `example_input` against the model's own
forward before anything is written. Names follow the modules, as `draw_graph` shows them:
initializers are named like `named_parameters()` ("layers.0.weight") and operators by their
module path ("/layers/0/Gemm"). The batch dimension is left free.

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
    BatchNorm1d,
    Dropout,
    Flatten,
    Identity,
    LayerNorm,
    LeakyReLU,
    Linear,
    LogSoftmax,
    ReLU,
    Residual,
    Sigmoid,
    Softmax,
    Softplus,
    Tanh,
)
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
        name = "/" + "/".join([*path, op])
        unique, n = name, 1
        while unique in self.names:
            unique, n = f"{name}_{n}", n + 1
        self.names.add(unique)
        output = f"{unique}_output_0"
        self.nodes.append(
            self.onnx.helper.make_node(op, inputs, [output], name=unique, **attributes)
        )
        return output


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


def export(
    model: Module,
    example_input: ae.Tensor,
    path: str | os.PathLike[str],
    *,
    input_names: tuple[str] = ("input",),
    output_names: tuple[str] = ("output",),
) -> None:
    """Write `model`, in evaluation mode, as an ONNX file at `path` (atomically), checked by
    `onnx.checker`. `example_input` is a (batch, ...) Tensor the model accepts."""
    onnx = _onnx()
    was_training = model.training
    model.eval()
    try:
        with ae.no_grad():
            expected = model(example_input)
            try:
                exported = _as_exported(model, example_input)
            except (ValueError, TypeError):  # the sub-modules do not even fit together
                exported = None
        if (
            not isinstance(expected, ae.Tensor)
            or exported is None
            or not np.allclose(expected.numpy(), exported.numpy(), rtol=1e-5, atol=1e-6)
        ):
            raise ValueError(
                f"nn.onnx.export: {type(model).__name__}.forward is not the chain of its "
                f"sub-modules ({', '.join(n for n, _ in model.named_children())}); export the "
                "parts that are (e.g. model.encoder, model.generator)"
            )
        g = _Graph(onnx, example_input.numpy().dtype)
        output = _convert(g, model, (), input_names[0])
    finally:
        model.train(was_training)
    g.nodes.append(onnx.helper.make_node("Identity", [output], [output_names[0]], name="/output"))

    def value(name: str, t: ae.Tensor) -> Any:
        dtype = onnx.helper.np_dtype_to_tensor_dtype(t.numpy().dtype)
        return onnx.helper.make_tensor_value_info(name, dtype, ["batch", *t.shape[1:]])

    graph = onnx.helper.make_graph(
        g.nodes,
        type(model).__name__,
        [value(input_names[0], example_input)],
        [value(output_names[0], expected)],
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
