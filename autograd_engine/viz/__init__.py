"""Draw computational graphs the way the lectures draw them (Louppe, lecture 2).

    with viz.recording():            # optional: also keep constant inputs such as x
        loss = model(x)
    viz.draw_graph(loss, names=locals(), params=model.named_parameters()).save("graph.svg")
    viz.draw_backward(loss, names=locals()).save("backward.svg")

White vertices are inputs and outputs, red ones parameters, blue ones operations; module calls
and the time steps of recurrent layers are boxes that can be collapsed, and bold arrows carry a
recurrent state from one step to the next. `draw_backward` adds the order in which
backpropagation visits the nodes and the gradient flowing along each edge; `backward_steps`
gives one picture per step.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np

from ..grad_mode import THREAD, refresh_watch
from ..tensor import Tensor
from .backward import annotate, replay
from .dot import DIRECTIONS, to_dot
from .errors import (
    DrawingError,
    GraphTooLargeError,
    GraphvizError,
    GraphvizNotFoundError,
    UnkeptInputWarning,
)
from .graph import Graph, Params, Style, build, name_table
from .modules import Collapse, fit
from .program import build_program, program_of
from .render import Drawing

MAX_NODES = 400
# The default directions (direction=None): left to right as on the slides; backward drawings
# carry a gradient on every node and arrow, and top to bottom they stay narrow enough to read
# at notebook width (800 px), where left to right they grow 2 to 4 times wider.
FORWARD_DIRECTION, BACKWARD_DIRECTION = "LR", "TB"

__all__ = [
    "DIRECTIONS",
    "Drawing",
    "DrawingError",
    "GraphTooLargeError",
    "GraphvizError",
    "GraphvizNotFoundError",
    "UnkeptInputWarning",
    "backward_steps",
    "draw_backward",
    "draw_graph",
    "is_recording",
    "recording",
]


@contextmanager
def recording() -> Iterator[None]:
    """Keep every operation's arguments while the block runs, so drawings show constant inputs.

    Without it, inputs that do not require grad (the data x) are not part of the graph and
    appear as anonymous "input" vertices; inside it they keep their names and values. Costs
    memory (inputs stay alive with the graph), so it is off by default.
    """
    previous = THREAD.state.keep_args
    THREAD.state.keep_args = True
    refresh_watch()
    try:
        yield
    finally:
        THREAD.state.keep_args = previous
        refresh_watch()


def is_recording() -> bool:
    """Whether this thread is inside `recording()`: layers that fuse many steps into one op
    (nn.LSTM, nn.GRU) then run step by step, so drawings show one box per time step."""
    return THREAD.state.keep_args


def _check(outputs: tuple[Any, ...], direction: str | None) -> None:
    if not outputs:
        raise DrawingError("draw_graph needs at least one output tensor")
    for i, t in enumerate(outputs):
        if not isinstance(t, Tensor):
            raise DrawingError(f"output {i} is a {type(t).__name__}, not a Tensor")
    _check_direction(direction)


def _check_direction(direction: str | None) -> None:
    if direction is not None and direction not in DIRECTIONS:
        raise DrawingError(f"direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}")


def _drawing(
    graph: Graph,
    title: str | None,
    direction: str,
    group_modules: bool,
    collapse: Collapse,
    max_nodes: int | None,
    timeout: float,
    legend: bool,
) -> Drawing:
    if graph.unkept:
        warnings.warn(
            UnkeptInputWarning(
                f"{', '.join(graph.unkept)}: named, but drawn as anonymous inputs because the "
                "forward ran outside viz.recording(), which alone keeps constant inputs in the "
                "graph; compute the output inside `with viz.recording():` to draw them by name"
            ),
            stacklevel=3,
        )
    if title:
        graph.notes.insert(0, title)
    graph = fit(graph, collapse, max_nodes)
    return Drawing(to_dot(graph, direction, group_modules, legend), timeout, len(graph.vertices))


def draw_graph(
    *outputs: Any,
    names: Mapping[str, Any] | None = None,
    params: Params = None,
    show_shapes: bool = True,
    show_values: bool | None = None,
    show_grads: bool = False,
    direction: str | None = None,
    group_modules: bool = True,
    collapse: Collapse = None,
    max_nodes: int | None = MAX_NODES,
    timeout: float = 30.0,
    legend: bool = True,
    title: str | None = None,
) -> Drawing:
    """The forward graph of `outputs`.

    names: name -> tensor (`names=locals()` works); params: `model.named_parameters()` or a
    dict of them. show_values: True, False, or None for tensors of at most 6 elements.
    show_grads: add the `.grad` of parameters (and retained grads) after `backward()`.
    direction: "LR", "TB", "RL" or "BT"; None is "LR", as on the slides. collapse: module
    names ("encoder", "encoder.0", "Linear"), a recurrent layer's time steps ("LSTM step", or
    one: "LSTM step t=3") or a depth to draw as single vertices. Above `max_nodes` vertices,
    modules are collapsed until it fits or `GraphTooLargeError` is raised. Every module call
    is a box of its own (a cell called in a loop: one per step).

    `draw_graph(step, x, y)`, with `step = ae.compile(fn)` called at least twice on arguments
    like x and y, draws the program its replays run (viz/program.py): each kernel call an
    operation, each fused kernel a dashed box around the ops it replaces.
    """
    from ..compiler import CompiledFunction

    if outputs and isinstance(outputs[0], CompiledFunction):  # its arguments follow it
        _check_direction(direction)
        program = program_of(outputs[0], outputs[1:])
        graph = build_program(program, outputs[1:], name_table(names, params))
    else:
        _check(outputs, direction)
        style = Style(show_shapes, show_values, show_grads)
        graph = build(outputs, name_table(names, params), style)
    direction = direction or FORWARD_DIRECTION
    return _drawing(graph, title, direction, group_modules, collapse, max_nodes, timeout, legend)


def _backward_graphs(
    output: Tensor,
    gradient: Any,
    names: Mapping[str, Any] | None,
    params: Params,
    show_shapes: bool,
    show_values: bool | None,
    steps: bool,
) -> Iterator[tuple[Graph, int, int]]:
    _check((output,), None)
    visits = replay(output, gradient)
    table = name_table(names, params)
    style = Style(show_shapes, show_values, False)
    for upto in range(1, len(visits) + 1) if steps else [None]:
        graph = build((output,), table, style)
        annotate(graph, output, visits, show_values, upto)
        yield graph, upto or len(visits), len(visits)


def draw_backward(
    output: Tensor,
    gradient: Tensor | np.ndarray | float | None = None,
    *,
    names: Mapping[str, Any] | None = None,
    params: Params = None,
    show_shapes: bool = True,
    show_values: bool | None = None,
    direction: str | None = None,
    group_modules: bool = True,
    collapse: Collapse = None,
    max_nodes: int | None = MAX_NODES,
    timeout: float = 30.0,
    legend: bool = True,
    title: str | None = None,
) -> Drawing:
    """The forward graph plus the backward pass of `output`: each node's visit order and
    gradient, and a dashed arrow carrying each gradient back to the input it belongs to.

    Computed by replaying the engine's backward without touching any `.grad`; the graph must
    not have been freed by an earlier `backward()` (use `retain_graph=True`). direction: None
    is "TB", which keeps the labels legible at notebook width.
    """
    _check((output,), direction)
    ((graph, _, _),) = _backward_graphs(
        output, gradient, names, params, show_shapes, show_values, steps=False
    )
    direction = direction or BACKWARD_DIRECTION
    return _drawing(graph, title, direction, group_modules, collapse, max_nodes, timeout, legend)


def backward_steps(
    output: Tensor,
    gradient: Tensor | np.ndarray | float | None = None,
    *,
    names: Mapping[str, Any] | None = None,
    params: Params = None,
    show_shapes: bool = True,
    show_values: bool | None = None,
    direction: str | None = None,
    group_modules: bool = True,
    collapse: Collapse = None,
    max_nodes: int | None = MAX_NODES,
    timeout: float = 30.0,
    legend: bool = True,
    title: str | None = None,
) -> list[Drawing]:
    """One picture per backward step, the node being visited outlined in orange: a teacher
    can step through backpropagation as on the slides.

    Every picture holds the whole backward pass, the steps still to come drawn invisible, so
    `dot` lays them all out alike: nodes keep their places and the canvas its size from one
    step to the next, and only colours change. direction: None is "TB", as `draw_backward`.
    """
    _check((output,), direction)
    direction = direction or BACKWARD_DIRECTION
    drawings = []
    for graph, step, total in _backward_graphs(
        output, gradient, names, params, show_shapes, show_values, steps=True
    ):
        caption = f"backward step {step} of {total}"
        drawings.append(
            _drawing(
                graph,
                f"{title}\n{caption}" if title else caption,
                direction,
                group_modules,
                collapse,
                max_nodes,
                timeout,
                legend,
            )
        )
    return drawings
