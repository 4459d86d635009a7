"""Module boxes: collapse a module call into one vertex, and shrink graphs above `max_nodes`.

`nn.Module.__call__` labels the operations it records with a scope such as
("encoder: Sequential", "0: Linear"). A collapsed module keeps the graph readable for a real
network: its operations and parameters become one vertex, like a layer box on a slide.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from .errors import DrawingError, GraphTooLargeError
from .graph import MODULE, OP, PARAM, Edge, Graph, Vertex, calls, step_kind

Collapse = int | Iterable[str] | None


def split_label(label: str) -> tuple[str, str]:
    """ "encoder: Sequential" -> ("encoder", "Sequential"); a bare label (the model called
    directly, "MLP") is a class name."""
    attr, colon, cls = label.partition(": ")
    return (attr, cls) if colon else ("", label)


def _rule(collapse: int | Iterable[str]) -> Callable[[tuple[str, ...]], int | None]:
    """For a vertex scope, the length of its outermost collapsed prefix (None: not collapsed).

    A depth collapses every module that deep; names match a dotted attribute path
    ("encoder", "encoder.0"), a class name ("Linear"), or a recurrent layer's time steps:
    one ("LSTM step t=3") or all of them ("LSTM step").
    """
    if isinstance(collapse, int) and not isinstance(collapse, bool):
        if collapse < 1:
            raise DrawingError(f"collapse depth must be at least 1, got {collapse}")
        return lambda scope: collapse if len(scope) >= collapse else None
    if isinstance(collapse, str):
        collapse = [collapse]
    wanted = set(collapse)

    def rule(scope: tuple[str, ...]) -> int | None:
        path: list[str] = []
        for depth, label in enumerate(scope, start=1):
            attr, cls = split_label(label)
            if attr:
                path.append(attr)
            if (attr and ".".join(path) in wanted) or cls in wanted or label in wanted:
                return depth
            if step_kind(label) in wanted:
                return depth
        return None

    return rule


def collapse_modules(graph: Graph, collapse: int | Iterable[str]) -> Graph:
    """A copy of `graph` with each collapsed module call drawn as a single vertex."""
    rule = _rule(collapse)
    out = Graph(notes=list(graph.notes))
    moved: dict[str, str] = {}
    modules: dict[tuple[int, ...], tuple[Vertex, list[int]]] = {}  # one box per module call
    for vertex in graph.vertices.values():
        depth = rule(vertex.scope)
        if depth is None:
            moved[vertex.key] = out.insert(vertex).key
            if vertex.key in graph.names:
                out.names[moved[vertex.key]] = graph.names[vertex.key]
            continue
        scope = vertex.scope[:depth]
        if calls(scope) not in modules:
            box = out.add(MODULE, [scope[-1]], scope[:-1])
            box.box = scope
            modules[calls(scope)] = (box, [0, 0])
        box, counts = modules[calls(scope)]
        counts[0] += vertex.kind == OP
        counts[1] += vertex.kind == PARAM
        moved[vertex.key] = box.key
    for box, (ops, params) in modules.values():
        box.lines.append(f"{ops} op{'s' * (ops != 1)}, {params} parameter{'s' * (params != 1)}")
    seen: set[tuple[str, str]] = set()
    for edge in graph.edges:
        tail, head = moved[edge.tail], moved[edge.head]
        if tail == head:
            continue
        if edge.backward:
            out.edges.append(replace(edge, tail=tail, head=head))
        elif (tail, head) not in seen:
            seen.add((tail, head))
            label = "" if out.vertices[head].kind == MODULE else edge.label
            out.edges.append(Edge(tail, head, label))
    return out


def fit(graph: Graph, collapse: Collapse, max_nodes: int | None) -> Graph:
    """Apply `collapse`, then make sure at most `max_nodes` vertices remain.

    Too many vertices and no explicit `collapse`: collapse modules from the deepest level up
    until the graph fits, saying so in the caption; otherwise stop with a clear error rather
    than let `dot` run for minutes.
    """
    if collapse is not None:
        graph = collapse_modules(graph, collapse)
    if max_nodes is None or len(graph.vertices) <= max_nodes:
        return graph
    size = len(graph.vertices)
    depth = max(len(v.scope) for v in graph.vertices.values())
    if collapse is None:
        for level in range(depth, 0, -1):
            small = collapse_modules(graph, level)
            if len(small.vertices) <= max_nodes:
                small.notes.append(
                    f"modules collapsed to depth {level} to stay under max_nodes={max_nodes}"
                )
                return small
    tried = " even with its modules collapsed" if depth and collapse is None else ""
    raise GraphTooLargeError(
        f"the graph has {size} nodes, more than max_nodes={max_nodes}{tried}; draw fewer "
        "outputs, collapse modules (collapse=['encoder'] or a depth), or pass a larger "
        "max_nodes (dot may then take minutes)"
    )
