"""DOT text of a `Graph`, in the lecture's colours, with module boxes and a legend.

Louppe (lecture 2): "white nodes correspond to inputs and outputs; red nodes correspond to
model parameters; blue nodes correspond to intermediate operations." The text is built by hand,
without the `dot` binary, and depends only on the graph, so it is identical byte for byte.
"""

from __future__ import annotations

from .graph import INPUT, MODULE, OP, OUTPUT, PARAM, Edge, Graph, Vertex, calls, step_kind

WHITE, RED, BLUE, GRADIENT = "#ffffff", "#f4a3a3", "#a9c9f2", "#c0392b"
STATE = "#1f3a5f"  # arrows carrying a recurrent state to the next time step
FILL = {INPUT: WHITE, OUTPUT: WHITE, PARAM: RED, OP: BLUE, MODULE: BLUE}
SHAPE = {INPUT: "ellipse", OUTPUT: "ellipse", PARAM: "ellipse", OP: "box", MODULE: "box3d"}
DIRECTIONS = ("LR", "TB", "RL", "BT")
FONT = "Helvetica"


def quote(text: str) -> str:
    """A DOT string literal; newlines become centred line breaks."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def html(text: str) -> str:
    """Text for an HTML-like label: markup characters escaped, newlines as line breaks."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("\n", "<BR/>")


def _label(v: Vertex) -> str:
    """A plain label, or an HTML one whose gradient lines have their own colour (transparent
    while hidden: same size, nothing drawn)."""
    if not v.grad_lines:
        return quote("\n".join(v.lines))
    colour = "transparent" if v.hidden else GRADIENT
    grads = "<BR/>".join(html(line) for line in v.grad_lines)
    lines = "".join(html(line) + "<BR/>" for line in v.lines)
    return f'<{lines}<FONT COLOR="{colour}">{grads}</FONT>>'


def _vertex(v: Vertex) -> str:
    style = "rounded,filled" if v.kind == OP else "filled"
    attrs = {
        "label": _label(v),
        "shape": SHAPE[v.kind],
        "style": quote(style),
        "fillcolor": quote(FILL[v.kind]),
    }
    attrs.update(v.attrs)
    return f"{v.key} [{', '.join(f'{k}={val}' for k, val in attrs.items())}];"


def _clusters(graph: Graph, indent: str) -> list[str]:
    """Nested `subgraph cluster_i` blocks, one per module call, in order of appearance."""
    children: dict[tuple[int, ...], list[tuple[str, ...]]] = {(): []}
    members: dict[tuple[int, ...], list[Vertex]] = {(): []}
    for v in graph.vertices.values():
        for depth in range(1, len(v.scope) + 1):
            scope = v.scope[:depth]
            if calls(scope) not in members:
                members[calls(scope)] = []
                children[calls(scope)] = []
                children[calls(scope[:-1])].append(scope)
        members[calls(v.scope)].append(v)
    ids = {key: i for i, key in enumerate(k for k in members if k)}

    def block(scope: tuple[str, ...], pad: str) -> list[str]:
        lines = [pad + _vertex(v) for v in members[calls(scope)]]
        for child in children[calls(scope)]:
            lines.append(f"{pad}subgraph cluster_{ids[calls(child)]} {{")
            lines.append(
                f'{pad}  label={quote(child[-1])}; style="rounded,dashed"; color="#7f7f7f"; '
                "fontsize=10;"
            )
            lines += block(child, pad + "  ")
            lines.append(pad + "}")
        return lines

    return block((), indent)


def carries_state(graph: Graph, edge: Edge) -> bool:
    """Whether a forward arrow goes from one time step to the next: between two sibling calls
    that are steps of one recurrent layer ("LSTM step t=2" -> "LSTM step t=3") or two calls
    of the same module (a cell called in a loop)."""
    if edge.backward:
        return False
    tail, head = graph.vertices[edge.tail], graph.vertices[edge.head]
    a, b = tail.box or tail.scope, head.box or head.scope
    for x, y in zip(a, b):
        if x is not y:
            return x == y or (step_kind(x) is not None and step_kind(x) == step_kind(y))
    return False


def _legend(graph: Graph, direction: str) -> list[str]:
    """The legend box. Its entries share the first rank: a column beside a left-to-right
    graph. Top to bottom, a row there would widen the picture, so invisible arrows chain them
    into a column below the graph's last vertices instead."""
    kinds = {v.kind for v in graph.vertices.values()}
    items = [
        ("legend_io", "input / output", "ellipse", WHITE),
        ("legend_param", "parameter", "ellipse", RED),
        ("legend_op", "operation", "box", BLUE),
    ]
    if MODULE in kinds:
        items.append(("legend_module", "module (collapsed)", "box3d", BLUE))
    entries = []
    for key, text, shape, fill in items:
        style = "rounded,filled" if shape == "box" else "filled"
        entries.append(
            f'{key} [label={quote(text)}, shape={shape}, style="{style}", '
            f'fillcolor="{fill}", fontsize=10, height=0.3];'
        )
    if any(e.label and not e.backward for e in graph.edges):
        entries.append(
            'legend_arg [label="0, 1 on an arrow:\\nargument position", shape=plaintext, '
            "fontsize=10];"
        )
    if any(carries_state(graph, e) for e in graph.edges):
        entries.append(
            'legend_state [label="bold arrow: state carried\\nto the next time step", '
            f'shape=plaintext, fontcolor="{STATE}", fontsize=10];'
        )
    if any(e.backward for e in graph.edges):
        entries.append(
            f'legend_grad [label="dashed arrow:\\ngradient (step: value)", shape=plaintext, '
            f'fontcolor="{GRADIENT}", fontsize=10];'
        )
    lines = [
        "  subgraph cluster_legend {",
        '    label="legend"; style="rounded"; color="#bfbfbf"; fontsize=10;',
    ]
    lines += ["    " + entry for entry in entries]
    lines.append("  }")
    if direction in ("TB", "BT"):
        tails = {e.tail for e in graph.edges}
        ends = " ".join(key for key in graph.vertices if key not in tails)
        keys = [entry.split(" ", 1)[0] for entry in entries]
        lines.append(f"  {{{ends}}} -> {' -> '.join(keys)} [style=invis];")
    return lines


def to_dot(graph: Graph, direction: str, group_modules: bool, legend: bool) -> str:
    """The whole `digraph`, one statement per line."""
    lines = [
        "digraph autograd {",
        f'  graph [rankdir={direction}, fontname="{FONT}", nodesep=0.2, ranksep=0.45];',
        f'  node [fontname="{FONT}", fontsize=11, penwidth=1.2];',
        f'  edge [fontname="{FONT}", fontsize=10, arrowsize=0.7];',
    ]
    if graph.notes:
        lines.append(f"  labelloc=t; labeljust=l; label={quote(chr(10).join(graph.notes))};")
    if group_modules:
        lines += _clusters(graph, "  ")
    else:
        lines += ["  " + _vertex(v) for v in graph.vertices.values()]
    for e in graph.edges:
        attrs = [f"label={quote(e.label)}"] if e.label else []
        if carries_state(graph, e):
            attrs += ["penwidth=2.4", f'color="{STATE}"']
        if e.backward:
            attrs += [
                "dir=back",
                "style=invis" if e.hidden else "style=dashed",
                f'color="{GRADIENT}"',
                f'fontcolor="{GRADIENT}"',
            ]
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f"  {e.tail} -> {e.head}{suffix};")
    if legend:
        lines += _legend(graph, direction)
    lines.append("}")
    return "\n".join(lines) + "\n"
