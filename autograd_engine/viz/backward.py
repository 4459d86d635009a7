"""The backward pass, replayed for drawing: visit order and the gradient on every edge.

The replay walks the nodes depth-first in a topological order (`autograd._topological_order`,
which numbers the steps as the slides do; the engine may run independent branches in another
order, with the same result) and calls each node's backward through the engine
(`autograd._call_backward`), exactly what `backward()` does, but it never writes `.grad` and
never frees saved values, so drawing changes nothing.
This is the lecture's backward picture (Louppe, lecture 2): walking from the output to the
parameters and accumulating the chain-rule terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..autograd import _call_backward, _root_gradient, _topological_order
from ..errors import BackwardError, NotDifferentiableError
from ..function import Node
from ..grad_mode import is_anomaly_enabled, no_grad
from ..tensor import AccumulateGrad, Tensor
from . import labels
from .graph import Edge, Graph


@dataclass
class Visit:
    """One step of the backward pass: a node, the gradient of its output, what it sent on."""

    step: int
    node: Node | AccumulateGrad
    grad: np.ndarray
    sent: list[tuple[int, np.ndarray]] = field(default_factory=list)  # (argument, gradient)
    blocked: bool = False  # the op has no gradient (sign): backpropagation stops here


def replay(output: Tensor, gradient: Tensor | np.ndarray | float | None = None) -> list[Visit]:
    """The visits of `output.backward(gradient)`, in order, without side effects."""
    seed = _root_gradient(output, gradient, "draw_backward")
    if output.grad_fn is None:
        return [Visit(1, output._grad_accumulator(), seed._data)]
    order = _topological_order([output.grad_fn])
    for node in order:
        if getattr(node, "_freed", False):
            raise BackwardError(
                "draw_backward: backward() already ran and freed this graph's saved values; "
                "draw first, or call backward(retain_graph=True)"
            )
    buffers: dict[int, np.ndarray] = {id(output.grad_fn): seed._data}
    visits: list[Visit] = []
    with no_grad():
        for node in order:
            g = buffers.pop(id(node), None)
            if g is None:
                continue
            visit = Visit(len(visits) + 1, node, g)
            visits.append(visit)
            if type(node) is AccumulateGrad:
                continue
            try:
                grads = _call_backward(node, g, False, is_anomaly_enabled())
            except NotDifferentiableError:
                visit.blocked = True
                continue
            for i, (child, gi) in enumerate(zip(node.next_functions, grads, strict=True)):
                if child is None or gi is None:
                    continue
                visit.sent.append((i, gi))
                key = id(child)
                buffers[key] = buffers[key] + gi if key in buffers else gi
    return visits


CURRENT = {"color": '"#e67e22"', "penwidth": "3"}


def annotate(
    graph: Graph,
    output: Tensor,
    visits: list[Visit],
    show_values: bool | None,
    upto: int | None = None,
) -> None:
    """Add the visits to a forward graph: step numbers, the gradient at each node and dashed
    arrows carrying each gradient back to its input.

    Visits after step `upto` are added hidden rather than left out: they keep their space, so
    the pictures of all steps share one layout and only colours change from one to the next.
    """
    root = graph.outputs.get(id(output))
    top = graph.names.get(root or "")
    if root is not None and output.grad_fn is not None:
        seed = visits[0].grad
        label = f"∂{top}/∂{top} = 1" if top and seed.size == 1 and seed.item() == 1 else ""
        label = label or labels.summary(seed, show_values)
        graph.edges.append(Edge(graph.where[id(output.grad_fn)], root, label, True))
    for visit in visits:
        hidden = upto is not None and visit.step > upto
        key = graph.where[id(visit.node)]
        vertex = graph.vertices[key]
        name = graph.names.get(key)
        grad = labels.summary(visit.grad, show_values)
        if top and name:
            values_shown = labels.wants_values(visit.grad, show_values)
            equals = " =\n" if "\n" in grad else " = "  # a matrix starts on a line of its own
            grad = f"∂{top}/∂{name}" + (equals + grad if values_shown else "")
        else:
            grad = f"grad {grad}"
        vertex.grad_lines += [f"step {visit.step}", grad]
        vertex.hidden = hidden
        if visit.blocked:
            vertex.grad_lines.append("no gradient: backprop stops")
        if visit.step == upto:
            vertex.attrs.update(CURRENT)
        for i, gi in visit.sent:
            producer = graph.where[id(visit.node.next_functions[i])]
            flow = labels.summary(gi, show_values)
            below = graph.names.get(producer)
            if not labels.wants_values(gi, show_values) and top and name and below:
                flow = f"∂{top}/∂{name}\n· ∂{name}/∂{below}" if name != top else f"∂{top}/∂{below}"
            graph.edges.append(Edge(producer, key, f"{visit.step}: {flow}", True, hidden))
