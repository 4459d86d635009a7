"""The drawable graph: vertices and edges recovered from the recorded `Node`s of some outputs.

Following the lecture's convention (Louppe, lecture 2), a vertex is an input or output (white),
a parameter (red: a leaf that requires grad) or an operation (blue). An operation vertex also
stands for the intermediate value it produces (u1, u2, ...), so a graph has one vertex per
recorded operation plus its leaves. Vertex ids follow the traversal order ("n0", "n1", ...),
never `id()`, so the same graph always gives the same text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..function import _CONST, _IN, Node
from ..tensor import AccumulateGrad, Tensor
from . import labels

INPUT, OUTPUT, PARAM, OP, MODULE = "input", "output", "param", "op", "module"

# Ops whose operand order does not matter: their edges carry no argument position.
COMMUTATIVE = frozenset({"add", "mul", "maximum", "minimum"})
# Ops whose Python-number arguments are operands (x ** 2), drawn as constant inputs.
NUMBER_OPERANDS = frozenset({"add", "sub", "mul", "div", "pow", "maximum", "minimum"})


@dataclass
class Vertex:
    """One node of the picture: its kind (colour), label lines and module scope (box).

    `grad_lines` (step and gradient, added by the backward pass) are drawn in the gradient
    colour; `hidden` draws them invisible but still sized, so that every `backward_steps`
    frame has the same layout.
    """

    key: str
    kind: str
    lines: list[str]
    scope: tuple[str, ...] = ()
    attrs: dict[str, str] = field(default_factory=dict)
    box: tuple[str, ...] = ()  # a collapsed module: the scope it stands for (its own label last)
    grad_lines: list[str] = field(default_factory=list)
    hidden: bool = False


@dataclass
class Edge:
    """An arrow from `tail` to `head`; backward edges carry a gradient and point back.

    A `hidden` edge is laid out but not drawn (a later step of `backward_steps`).
    """

    tail: str
    head: str
    label: str = ""
    backward: bool = False
    hidden: bool = False


@dataclass
class Graph:
    """Vertices in drawing order, edges, caption lines, and where each graph object went."""

    vertices: dict[str, Vertex] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    where: dict[int, str] = field(default_factory=dict)  # id(Node or AccumulateGrad) -> key
    names: dict[str, str] = field(default_factory=dict)  # vertex key -> user's name
    outputs: dict[int, str] = field(default_factory=dict)  # id(output tensor) -> key
    unkept: list[str] = field(default_factory=list)  # names of constants drawn as "input"

    def add(self, kind: str, lines: list[str], scope: tuple[str, ...] = ()) -> Vertex:
        return self.insert(Vertex("", kind, lines, scope))

    def insert(self, vertex: Vertex) -> Vertex:
        """A copy of `vertex` under this graph's next key ("n0", "n1", ...), added to it."""
        copy = replace(vertex, key=f"n{len(self.vertices)}", attrs=dict(vertex.attrs))
        self.vertices[copy.key] = copy
        return copy


@dataclass(frozen=True)
class Style:
    """What the labels show (the `draw_graph` options)."""

    show_shapes: bool = True
    show_values: bool | None = None
    show_grads: bool = False


# `model.named_parameters()`, a list of its pairs, or `dict(model.named_parameters())`.
Params = Mapping[str, Any] | Iterable[tuple[str, Any]] | None


Names = dict[int, tuple[str, Tensor]]  # id(tensor) -> (its name, the tensor)


def name_table(names: Mapping[str, Any] | None, params: Params) -> Names:
    """The tensors named by `names=locals()`-style mappings and `named_parameters()`."""
    pairs = params.items() if isinstance(params, Mapping) else params or ()
    table: Names = {}
    for name, value in list(pairs) + list((names or {}).items()):
        if isinstance(value, Tensor) and not name.startswith("_"):
            table.setdefault(id(value), (name, value))
    return table


class _Builder:
    """Walks the recorded nodes once, turning them into vertices and edges."""

    def __init__(self, names: Names, style: Style) -> None:
        self.names = names
        self.style = style
        self.graph = Graph()
        self.constants: dict[int, str] = {}  # id(constant tensor) -> key
        self.slots: dict[tuple[int, int], str] = {}  # (id(node), arg) -> key of a constant
        self.consumers: dict[str, list[tuple[str, ...]]] = {}  # param key -> consumer scopes
        self.outputs: set[int] = set()  # ids of the drawn outputs
        self.unkept: set[Any] = set()  # (shape, dtype) of constant tensors drawn as "input"

    # ------------------------------------------------------------------ labels
    def _value_lines(self, title: str, tensor: Tensor | None, meta: Any) -> list[str]:
        lines = [title] if title else []
        if self.style.show_shapes:
            if tensor is not None:
                lines.append(labels.shape_text(tensor.shape, tensor.dtype))
            elif meta is not None:
                lines.append(labels.shape_text(*meta))
        if tensor is None:
            return lines
        if labels.wants_values(tensor._data, self.style.show_values):
            lines.append(labels.values(tensor._data))
        if self.style.show_grads and tensor.grad is not None:
            lines.append("grad " + labels.summary(tensor.grad._data, self.style.show_values))
        return lines

    def _name(self, tensor: Tensor | None) -> str | None:
        return None if tensor is None else self.names.get(id(tensor), (None,))[0]

    # ------------------------------------------------------------------ vertices
    def _param(self, acc: AccumulateGrad) -> str:
        var = acc.variable
        name = self._name(var)
        vertex = self.graph.add(PARAM, self._value_lines(name or "parameter", var, None))
        self.graph.where[id(acc)] = vertex.key
        if name:
            self.graph.names[vertex.key] = name
        self.consumers[vertex.key] = []
        return vertex.key

    def _constant(self, node: Node, i: int, arg: Any) -> None:
        meta = node.input_meta[i]
        if isinstance(arg, Tensor):
            key = self.constants.get(id(arg))
            if key is None:
                name = self._name(arg)
                vertex = self.graph.add(INPUT, self._value_lines(name or "input", arg, None))
                key = self.constants[id(arg)] = vertex.key
                if name:
                    self.graph.names[key] = name
            self.slots[(id(node), i)] = key
        elif arg is UNKNOWN and meta is not None:  # a tensor we did not keep: shape only
            self.slots[(id(node), i)] = self.graph.add(
                INPUT, self._value_lines("input", None, meta)
            ).key
            self.unkept.add(meta)
        elif node.name in NUMBER_OPERANDS and (arg is UNKNOWN or _is_number(arg)):
            text = "number" if arg is UNKNOWN else labels.number(arg)
            self.slots[(id(node), i)] = self.graph.add(INPUT, [text], node.scope).key

    def _op(self, node: Node, meta: Any) -> None:
        out = node.output_ref()
        name = self._name(out)
        lines = [labels.op_title(node)]
        if id(out) not in self.outputs:  # an output's own vertex shows its name and value
            if name:
                lines.append(name)
            lines += self._value_lines("", out, meta)
        vertex = self.graph.add(OP, lines, tuple(node.scope))
        self.graph.where[id(node)] = vertex.key
        if name:
            self.graph.names[vertex.key] = name
        labelled = (
            node.name not in COMMUTATIVE
            and sum(1 for i in range(len(node.next_functions)) if self._producer(node, i)) > 1
        )
        for i in range(len(node.next_functions)):
            producer = self._producer(node, i)
            if producer is None:
                continue
            self.graph.edges.append(Edge(producer, vertex.key, str(i) if labelled else ""))
            if producer in self.consumers:
                self.consumers[producer].append(vertex.scope)

    def _producer(self, node: Node, i: int) -> str | None:
        child = node.next_functions[i]
        if child is None:
            return self.slots.get((id(node), i))
        return self.graph.where[id(child)]

    # ------------------------------------------------------------------ traversal
    def _leaves(self, node: Node) -> None:
        """Add the leaves `node` reads, just before it: first use decides a leaf's place."""
        args = _arguments(node)
        for i, child in enumerate(node.next_functions):
            if child is None:
                self._constant(node, i, args[i])
            elif type(child) is AccumulateGrad and id(child) not in self.graph.where:
                self._param(child)

    def visit(self, root: Node | AccumulateGrad, meta: Any) -> str:
        """Add everything `root` depends on, producers before consumers; return its key.

        Depth-first in argument order, each operation after its inputs, and each leaf just
        before its first consumer: the order of a forward pass, and so of the vertex ids.
        """
        if id(root) in self.graph.where:
            return self.graph.where[id(root)]
        if type(root) is AccumulateGrad:
            return self._param(root)
        metas = {id(root): meta}
        stack = [(root, iter(range(len(root.next_functions))))]
        while stack:
            node, args = stack[-1]
            for i in args:
                child = node.next_functions[i]
                if type(child) is Node and id(child) not in self.graph.where:
                    metas[id(child)] = node.input_meta[i]
                    stack.append((child, iter(range(len(child.next_functions)))))
                    break
            else:
                stack.pop()
                self._leaves(node)
                self._op(node, metas[id(node)])
        return self.graph.where[id(root)]

    def output(self, tensor: Tensor, index: int, count: int) -> None:
        """Draw `tensor` as an output: a white vertex fed by the operation that made it."""
        if tensor.grad_fn is None:
            if tensor.requires_grad:
                self.visit(tensor._grad_accumulator(), None)
            elif id(tensor) not in self.constants:
                name = self._name(tensor)
                key = self.graph.add(INPUT, self._value_lines(name or "input", tensor, None)).key
                self.constants[id(tensor)] = key
            return
        producer = self.visit(tensor.grad_fn, (tensor.shape, tensor.dtype))
        name = self._name(tensor)
        default = "output" if count == 1 else f"output {index}"
        vertex = self.graph.add(OUTPUT, self._value_lines(name or default, tensor, None))
        if name:
            self.graph.names[vertex.key] = name
        self.graph.outputs[id(tensor)] = vertex.key
        self.graph.edges.append(Edge(producer, vertex.key))

    def finish(self) -> Graph:
        """Put each parameter in the innermost module box shared by all its consumers, and
        list the names given to constants that were not kept (drawn as "input")."""
        for key, scopes in self.consumers.items():
            if scopes:
                self.graph.vertices[key].scope = _common_prefix(scopes)
        for key, (name, tensor) in self.names.items():
            if tensor.requires_grad or key in self.constants:
                continue
            if (tensor.numpy().shape, tensor.numpy().dtype) in self.unkept:
                self.graph.unkept.append(name)
        return self.graph


UNKNOWN = object()  # an argument the node did not keep


def _arguments(node: Node) -> tuple[Any, ...]:
    """The arguments of `node`'s forward, UNKNOWN where they cannot be told.

    Under `recording()` the node kept them all. Otherwise a constant is known if forward saved
    it for backward (x in `w @ x`, the 2 in `x ** 2`, the 3 in `3 * x`) and it can be told
    apart: the only saved constant tensor of its shape and dtype, or the only Python number.
    """
    recorded = getattr(node, "recorded_args", None)
    if recorded is not None:
        return tuple(recorded)
    saved = node._saved  # (kind, value, version cell, version); empty once backward freed it
    tensors = {id(v): v for kind, v, *_ in saved if kind == _IN and not v.requires_grad}
    numbers = [v for kind, v, *_ in saved if kind == _CONST and _is_number(v)]
    nexts = node.next_functions
    metas = [m for m, child in zip(node.input_meta, nexts, strict=True) if child is None]
    args: list[Any] = []
    for meta, child in zip(node.input_meta, nexts, strict=True):
        if child is not None:
            args.append(UNKNOWN)
        elif meta is None:
            args.append(numbers[0] if len(numbers) == 1 == metas.count(None) else UNKNOWN)
        else:
            same = [t for t in tensors.values() if (t.numpy().shape, t.numpy().dtype) == meta]
            args.append(same[0] if len(same) == 1 == metas.count(meta) else UNKNOWN)
    return tuple(args)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def step_kind(label: str) -> str | None:
    """ "LSTM step t=3" -> "LSTM step": the scope a recurrent layer opens for each time step
    (nn.RNN, nn.LSTM, nn.GRU), without the time; None for any other label."""
    kind, sep, t = label.rpartition(" t=")
    return kind if sep and kind.endswith("step") and t.isdigit() else None


def calls(scope: tuple[str, ...]) -> tuple[int, ...]:
    """The module calls of `scope`, one per label: each call pushes a new label object
    (grad_mode.scope), so two calls of one module (a cell in a loop) are two boxes."""
    return tuple(map(id, scope))


def _common_prefix(scopes: list[tuple[str, ...]]) -> tuple[str, ...]:
    """The innermost call shared by all `scopes` (a parameter used by every step of a loop
    belongs to none of the steps)."""
    prefix = scopes[0]
    for scope in scopes[1:]:
        n = 0
        while n < min(len(prefix), len(scope)) and prefix[n] is scope[n]:
            n += 1
        prefix = prefix[:n]
    return prefix


def build(outputs: tuple[Tensor, ...], names: Names, style: Style) -> Graph:
    """The graph of everything the outputs were computed from."""
    builder = _Builder(names, style)
    builder.outputs = {id(t) for t in outputs}
    for index, tensor in enumerate(outputs):
        builder.output(tensor, index, len(outputs))
    return builder.finish()
