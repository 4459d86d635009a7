"""The picture of a compiled function's program (`draw_graph(step, x, y)` with `step =
ae.compile(...)`): every replayed kernel call as an operation, in the lecture's colours, and
each fused kernel (fusion.py) as a box around the ops it replaces.

The vertices are what the replay runs: forward ops, backward formulas ("mul backward"), the
sums of gradients that meet, the accumulation into `.grad`, the calls of `disable`d code (the
optimizer's step) and random draws. Arrows follow the arrays from the step that writes them to
the steps that read them.
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from .errors import DrawingError
from .graph import INPUT, OP, OUTPUT, PARAM, Edge, Graph, Names
from .labels import shape_text


def program_of(compiled: Any, args: tuple) -> Any:
    """The program `compiled` replays for `args`, or DrawingError saying why there is none."""
    from ..compiler import _key

    key, _ = _key(args, {})
    name = getattr(compiled.fn, "__qualname__", "the function")
    try:
        programs = compiled.programs.get(key)
    except TypeError:  # an unhashable argument: such calls run eagerly
        raise DrawingError(
            f"{name} runs eagerly for these arguments (one is neither a tensor nor hashable), "
            "so it has no program"
        ) from None
    if programs:
        return programs[-1]
    if compiled.eager_reason is not None:
        raise DrawingError(f"{name} runs eagerly, so it has no program: {compiled.eager_reason}")
    raise DrawingError(
        f"{name} has no program for these arguments yet: a compiled function records on its "
        "first two calls; call it twice with arguments of these shapes, then draw it"
    )


def build_program(program: Any, args: tuple, names: Names) -> Graph:
    """The graph of a program's steps; `names` as draw_graph's (parameters by name)."""
    graph = Graph()
    externals = program.__globals__  # X0, X1, ...: the tensors the program reads
    writer: dict[int, str] = {}  # slot -> key of the vertex that wrote it
    sources: dict[tuple, str] = {}
    inputs = [a for a in args if isinstance(a, Tensor)]
    for n, t in enumerate(inputs):
        v = graph.add(INPUT, [_name(names, t, f"input {n}"), shape_text(t.shape, t.dtype)])
        writer[n] = v.key

    def source(ref: tuple) -> str | None:
        if ref[0] == "s":
            return writer.get(ref[1])
        if ref not in sources:
            t = externals.get(f"X{ref[1]}")
            if not isinstance(t, Tensor):
                return None
            kind = PARAM if t.requires_grad else INPUT
            label = _name(names, t, "parameter" if t.requires_grad else "constant")
            sources[ref] = graph.add(kind, [label, shape_text(t.shape, t.dtype)]).key
        return sources[ref]

    box: dict[int, tuple[str]] = {}  # item -> its kernel's box (one label object per box)
    for k, g in enumerate(program.groups):
        label = (
            f"fused kernel {k + 1}: {len(g.trace.lines)} operations in one loop"
            if g.kernel is not None
            else f"not run (nothing reads them): {g.stop - g.start} operations",
        )
        box.update(dict.fromkeys(range(g.start, g.stop), label))
    for index, (label, reads, writes) in enumerate(program.steps):
        if not label:  # a step the replay leaves out (the `.grad` of a folded update)
            continue
        if label == "return":
            vertex = graph.add(OUTPUT, ["output"])
        elif label == "accumulate .grad" and reads[1][0] == "x":
            t = externals.get(f"X{reads[1][1]}")
            vertex = graph.add(OP, [f"{_name(names, t, 'parameter')}.grad +="])
            reads = reads[:1]
        else:
            vertex = graph.add(OP, [label], box.get(index, ()))
        for position, ref in enumerate(reads):
            tail = source(ref)
            if tail is not None:
                graph.edges.append(Edge(tail, vertex.key, str(position) if len(reads) > 1 else ""))
        for slot in writes:
            writer[slot] = vertex.key
    if program.groups:
        graph.notes.append(
            f"{len(program.groups)} fused kernels (dashed boxes) replace "
            f"{sum(g.stop - g.start for g in program.groups)} of {len(program.steps) - 1} steps"
        )
    if program.folded:
        graph.notes.append(
            f"{len(program.folded)} parameters updated in the backward (no .grad made for them)"
        )
    return graph


def _name(names: Names, t: Tensor, default: str) -> str:
    entry = names.get(id(t))
    return entry[0] if entry is not None else default
