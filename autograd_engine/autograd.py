"""Reverse-mode automatic differentiation over the recorded graph.

Backpropagation is the chain rule applied in reverse topological order: each node receives the
sum of the gradients flowing into its output (dL/dy), calls its Function's backward to get
dL/dx_i for each input, and passes them on. The traversal is iterative, so a graph of any
depth (100,000 chained operations) works without touching Python's recursion limit.
"""

from __future__ import annotations

import gc
import heapq
import importlib
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from . import forward_ad
from .errors import AnomalyError, ArgumentValueError, BackwardError, DTypeError, ShapeError
from .function import Function, Node, check_gradient_finite
from .grad_mode import THREAD
from .ops.shape import clone, sum_to
from .tensor import AccumulateGrad, Tensor, made_constant


def backward(
    tensor: Tensor,
    gradient: Tensor | np.ndarray | float | None = None,
    retain_graph: bool = False,
    create_graph: bool = False,
) -> None:
    """Accumulate d tensor / d leaf into the `.grad` of every leaf that requires grad."""
    root = _root_gradient(tensor, gradient, "backward")
    _run([(tensor, root)], retain_graph or create_graph, create_graph, targets=None)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Return d outputs / d inputs without touching any `.grad` (torch.autograd.grad)."""
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor | np.ndarray):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ArgumentValueError(
            f"grad: got {len(outputs)} outputs but {len(grad_outputs)} grad_outputs; "
            "give one gradient per output"
        )
    for i, x in enumerate(inputs):
        if not x.requires_grad:
            raise BackwardError(
                f"grad: input {i} (shape {x.shape}) does not require grad; "
                "call requires_grad_() on it before building the graph"
            )
    roots = [(y, _root_gradient(y, g, "grad")) for y, g in zip(outputs, grad_outputs, strict=True)]
    retain = create_graph if retain_graph is None else retain_graph
    found = _run(roots, retain, create_graph, targets=inputs)
    result = []
    for i, x in enumerate(inputs):
        g = found.get(_target_key(x))
        if g is None and not allow_unused:
            raise BackwardError(
                f"grad: input {i} (shape {x.shape}) was not used to compute the outputs; "
                "pass allow_unused=True to get None for it"
            )
        result.append(g)
    return tuple(result)


def increment_version(tensor: Tensor | Iterable[Tensor]) -> None:
    """Record that a tensor's values (or each one's of several) were changed in place by code
    outside the engine (an optimizer writing `p.numpy()`), so that a backward through a graph
    that saved the old values raises instead of silently using the new ones
    (torch.autograd.graph.increment_version)."""
    if isinstance(tensor, Tensor):
        tensor._vc[0] += 1
        return
    for t in tensor:
        t._vc[0] += 1


def _root_gradient(tensor: Tensor, gradient: object, op: str) -> Tensor:
    if not tensor.requires_grad:
        raise BackwardError(
            f"{op}: the tensor (shape {tensor.shape}) does not require grad and has no grad_fn; "
            "make sure some input has requires_grad=True and the graph was not built under "
            "no_grad() or from detached / non-differentiable results (comparisons, argmax)"
        )
    if gradient is None:
        if tensor._data.size != 1:
            raise BackwardError(
                f"{op}: the output has shape {tensor.shape}, but an implicit gradient is only "
                "defined for a single-element output; pass gradient= (same shape) or reduce "
                "it first, e.g. y.sum().backward()"
            )
        ones = np.empty(tensor._data.shape, tensor._data.dtype)
        ones.fill(1)  # cheaper than np.ones for the one-element case
        return made_constant(Tensor._make(ones, False, None))
    g = (
        gradient
        if isinstance(gradient, Tensor)
        else made_constant(
            Tensor._make(np.asarray(gradient, dtype=tensor._data.dtype), False, None)
        )
    )
    if g.shape != tensor.shape:
        raise ShapeError(
            f"{op}: gradient has shape {g.shape} but the output has shape {tensor.shape}; "
            "they must match"
        )
    if g.dtype != tensor.dtype:  # as PyTorch: a float32 gradient of a float64 output is cast
        g = g.to(tensor.dtype)
    return g


def _target_key(x: Tensor) -> Node | AccumulateGrad:
    node = x.grad_fn
    return node if node is not None else x._grad_accumulator()


def _topological_order(roots: list) -> list:
    """Nodes reachable from the roots, each after every node that feeds it a gradient.

    Iterative depth-first post-order, reversed: no recursion, so any depth works. This is the
    order lecture slides number backpropagation steps in (`viz.draw_backward`).
    """
    order: list = []
    seen: set = set()
    for root in roots:
        if root in seen:  # reached from an earlier root: already placed after its feeders
            continue
        seen.add(root)
        stack = [(root, 0)]
        while stack:
            node, i = stack.pop()
            children = node.next_functions
            while i < len(children):
                child = children[i]
                i += 1
                if child is not None and child not in seen:
                    seen.add(child)
                    stack.append((node, i))
                    stack.append((child, 0))
                    break
            else:
                order.append(node)
    order.reverse()
    return order


def _needed(order: list, targets: set) -> set:
    """The nodes whose backward leads to one of the targets."""
    needed: set = set()
    for node in reversed(order):
        if node in targets or any(c in needed for c in node.next_functions if c is not None):
            needed.add(node)
    return needed


def _run(
    roots: list[tuple[Tensor, Tensor]],
    retain_graph: bool,
    create_graph: bool,
    targets: list[Tensor] | None,
) -> dict:
    """Propagate the root gradients; return the gradients reaching the targets (if any).

    Nodes holding a gradient wait in a heap keyed by creation order (`Node.seq`) and the
    newest runs next: every node that sends it a gradient is newer, so by then its gradient
    is complete, and no sorting pass over the graph is needed. Leaves' accumulators are
    sinks: their gradients are collected and added to `.grad` at the end.

    Gradients travel as Tensors when a graph of the backward pass is being recorded
    (`create_graph=True`) and as plain NumPy arrays otherwise, which is the common case and
    skips creating a Tensor for every intermediate gradient.
    """
    state = THREAD.state
    rec = state.capture  # an `ae.compile` capture records this backward (compiler.py)
    if rec is not None:
        rec = rec.backward_start(roots, create_graph, targets)
    buffers: dict = {}
    for tensor, g in roots:
        node = _target_key(tensor)
        g = g if create_graph else g._data
        buffers[node] = _add(buffers[node], g) if node in buffers else g
    target_set = needed = None
    if targets is not None:
        target_set = {_target_key(x) for x in targets}
        needed = _needed(_topological_order(list(buffers)), target_set)
    heap = [(-node.seq, node) for node in buffers if type(node) is not AccumulateGrad]
    heapq.heapify(heap)
    pop, push = heapq.heappop, heapq.heappush
    found: dict = {}
    previous_mode, anomaly = state.grad_enabled, state.anomaly
    state.grad_enabled = create_graph
    collecting = gc.isenabled()
    gc.disable()  # backward frees what it creates; cyclic GC passes over a big graph are waste
    try:
        while heap:
            node = pop(heap)[1]
            g = buffers.pop(node)
            if node.hooks:
                g = _run_hooks(node.hooks, g, create_graph)
            if target_set is not None:
                if node in target_set:
                    found[node] = g if create_graph else Tensor._make(g, False, None)
                if node not in needed:
                    continue
            elif node._retained is not None:
                kept = node._retained()
                if kept is not None:
                    _accumulate(kept, g, create_graph)
            if rec is None:
                grads = _call_backward(node, g, create_graph, anomaly)
            else:
                grads = rec.backward_node(node, g)
            for child, gi in zip(node.next_functions, grads):
                if gi is None:
                    continue
                if child in buffers:
                    buffers[child] = _add(buffers[child], gi)
                elif needed is None or child in needed:
                    buffers[child] = gi
                    if type(child) is not AccumulateGrad:
                        push(heap, (-child.seq, child))
            grads = gi = None  # only the buffers may hold a gradient now (see `_own`)
            if not retain_graph:
                node.release()
        while buffers:  # what is left are the leaves' gradients
            acc, g = buffers.popitem()
            if rec is not None:
                rec.backward_leaf(acc)
            if acc.hooks:
                g = _run_hooks(acc.hooks, g, create_graph)
            if target_set is None:
                _accumulate(acc.variable, g, create_graph)
            elif acc in target_set:
                found[acc] = g if create_graph else Tensor._make(g, False, None)
    finally:
        state.grad_enabled = previous_mode
        if collecting:
            gc.enable()
    return found


def _run_hooks(hooks: dict, g: Any, create_graph: bool) -> Any:
    """Pass a tensor's complete gradient through its hooks (Tensor.register_hook); a hook
    that returns a Tensor replaces the gradient."""
    grad = g if create_graph else Tensor._make(g, False, None)
    for hook in list(hooks.values()):
        replaced = hook(grad)
        if replaced is not None:
            if not isinstance(replaced, Tensor) or replaced.shape != grad.shape:
                raise BackwardError(
                    f"register_hook: a hook returned {type(replaced).__name__} "
                    f"{getattr(replaced, 'shape', '')} for a gradient of shape {grad.shape}; "
                    "return None or a Tensor of the same shape"
                )
            grad = replaced
    return grad if create_graph else np.asarray(grad._data, dtype=np.asarray(g).dtype)


def _add(a: Any, b: Any) -> Any:
    """a + b for two gradients; an array, where NumPy makes a scalar of two 0-d ones."""
    total = a + b
    return np.asarray(total) if isinstance(total, np.generic) else total


def _call_backward(
    node: Node,
    grad_output: Tensor | np.ndarray,
    create_graph: bool,
    anomaly: bool,
    conformed: dict | None = None,
) -> list:
    """Run one node's backward and bring each gradient to its input's shape and dtype, and
    with `anomaly` check that they are finite.

    With `create_graph` the gradients are Tensors, otherwise NumPy arrays; functions that
    declare `raw_backward` receive the arrays directly, the others get them wrapped.
    Grad mode must be `create_graph` while it runs (`saved_tensors` reads it). A capture
    passes `conformed` to learn, per input index, whether the gradient needed converting.
    """
    fn = node.fn
    if not create_graph and not fn.raw_backward:
        grad_output = Tensor._make(grad_output, False, None)
    try:
        raw = fn.backward(node, grad_output)
    except AnomalyError as exc:  # raised by an op inside this backward: name this node
        raise AnomalyError(f"{node.name}: its backward produced NaN or Inf: {exc}") from exc
    if type(raw) is not tuple:
        raw = (raw,)
    nexts = node.next_functions
    if len(raw) != len(nexts):
        raise BackwardError(
            f"{node.name}: backward returned {len(raw)} gradients but forward took "
            f"{len(nexts)} arguments; return one per argument (None where none)"
        )
    grads = []
    for gi, child, meta in zip(raw, nexts, node.input_meta):
        if gi is None or child is None:
            grads.append(None)
            continue
        if create_graph:
            if type(gi) is not Tensor:
                gi = Tensor._make(np.asarray(gi), False, None)
        elif type(gi) is not np.ndarray:
            gi = gi._data if isinstance(gi, Tensor) else np.asarray(gi)
        shape, dtype = meta
        if gi.shape != shape:
            gi = _reduce_to_shape(node, gi, shape)
        if gi.dtype is not dtype and gi.dtype != dtype:
            if gi.dtype.kind != "f":
                raise DTypeError(
                    f"{node.name}: backward returned a {gi.dtype} gradient for a {dtype} "
                    "input; gradients must be floating point"
                )
            gi = gi.astype(dtype)
        grads.append(gi)
    if conformed is not None:  # a capture: which gradients are not backward's arrays as such
        for i, (returned, gi) in enumerate(zip(raw, grads)):
            if gi is not None:
                conformed[i] = gi is not returned
    if anomaly:
        check_gradient_finite(node, grads)
    return grads


def _reduce_to_shape(node: Node, g: Tensor | np.ndarray, shape: tuple[int, ...]) -> Any:
    """Sum a broadcast gradient back to its input's shape (the adjoint of broadcasting)."""
    try:
        return sum_to(g, shape)
    except ValueError as exc:
        raise ShapeError(
            f"{node.name}: backward returned a gradient of shape {g.shape} for an "
            f"input of shape {shape}; it must have the input's shape or broadcast to it"
        ) from exc


def _sole_owner_refs() -> int:
    """sys.getrefcount of an array that only the engine holds, as `_own` sees it: a caller's
    local, `_accumulate`'s and `_own`'s arguments. Measured rather than written down, because
    the count depends on how the interpreter passes arguments."""

    def own(g: np.ndarray) -> int:
        return sys.getrefcount(g)

    def accumulate(g: np.ndarray) -> int:
        return own(g)

    local = np.empty(0)
    return accumulate(local)


_SOLE_OWNER_REFS = _sole_owner_refs()


def _own(g: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """g itself when nothing else can see it (a fresh, writable, contiguous array held only by
    the engine), else a copy, so later in-place updates of `.grad` never touch another value.
    Taking the buffer saves a full copy of every parameter's gradient on each step."""
    if (
        g.dtype == dtype
        and g.base is None
        and g.flags.writeable
        and g.flags.c_contiguous
        and sys.getrefcount(g) <= _SOLE_OWNER_REFS
    ):
        return g
    return np.array(g, dtype=dtype)


def _accumulate(variable: Tensor, g: Tensor | np.ndarray, create_graph: bool) -> None:
    """`.grad += g`, keeping the graph of g only when building higher-order derivatives.

    Under `create_graph` the first gradient is cloned (a recorded copy), as in PyTorch: g may
    be the very Tensor another leaf receives (`x + y` sends one gradient to both) or a
    read-only broadcast view, and a later backward adds into `.grad` in place."""
    if create_graph:
        variable._grad = clone(g) if variable._grad is None else variable._grad + g
    elif variable._grad is None:
        variable._grad = Tensor._make(_own(g, variable._data.dtype), False, None)
    else:
        grad = variable._grad
        buffer = grad._data
        buffer += g  # in place; `+=` casts same-kind, as .grad keeps the leaf's dtype
        grad._vc[0] += 1  # a graph that saved this .grad (create_graph) sees the change


# `torch.autograd` under the porting rule: `Function`, `grad`, `backward` and `forward_ad`
# above; the gradient checks live in a layer above this one and are imported on first use.
def __getattr__(name: str) -> Any:
    if name in ("gradcheck", "gradgradcheck"):
        return getattr(importlib.import_module("autograd_engine.testing"), name)
    raise AttributeError(f"module 'autograd_engine.autograd' has no attribute {name!r}")


__all__ = ["Function", "backward", "forward_ad", "grad", "increment_version"]
