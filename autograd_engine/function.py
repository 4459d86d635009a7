"""Differentiable functions and the graph nodes they record.

A `Function` subclass pairs a forward on NumPy arrays with a backward on Tensors:

    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad          # d(x^2)/dx = 2x

    y = Square.apply(t)

`Function.apply` does, once for every operation, what each one needs: it decides whether to
record, runs `forward`, and links a `Node` (the `ctx`) to the nodes of its inputs. The engine in
`autograd.py` later calls `backward` on each node, sums gradients back to each input's shape
(undoing broadcasting) and checks them. Because backward is written with Tensor operations,
recording them (`create_graph=True`) gives higher-order derivatives with no extra code.

Each derivative is written once, and stays fast in the common first-order backward:

- A backward of a `raw_backward` function (every built-in op) is one formula that runs on
  NumPy arrays in a first-order backward and on Tensors under `create_graph=True`. It uses
  the operations both share (`+ - * / @`, indexing, `.reshape`, `.T`, `.astype`) and calls
  other operations as `Op.call(...)`: `apply` when an argument is a Tensor, the bare
  `forward` on arrays. So no Tensor or graph node is made per intermediate gradient, and no
  op needs a second formula for `create_graph`.
- Where a fused kernel makes a backward fast (sigmoid's `g y (1 - y)`, softmax-cross-entropy's
  `softmax - onehot`), the backward is itself an op (`SigmoidBackward`) whose forward calls
  the kernel and whose own backward is written, once, with ops: `create_graph=True`
  differentiates the same formula the first-order backward computes (PyTorch's
  `sigmoid_backward` works this way).
"""

from __future__ import annotations

import itertools
import weakref
from typing import Any

import numpy as np

from .errors import (
    AnomalyError,
    AutogradError,
    BackwardError,
    InplaceError,
    NotDifferentiableError,
    ShapeError,
)
from .forward_ad import push_tangent
from .grad_mode import DUALS, THREAD
from .tensor import Tensor

_IN, _OUT, _CONST = 0, 1, 2
_new = object.__new__

# Creation order of nodes. A node is always created after the nodes that produced its inputs,
# so visiting nodes from the newest down is a valid order for backpropagation (autograd.py).
_sequence = itertools.count()


class Node:
    """One recorded operation: the `ctx` of its Function, and a vertex of the backward graph.

    `next_functions[i]` is where the gradient of input i goes: the node that produced it, an
    `AccumulateGrad` for a leaf that requires grad, or None. Users may set any attribute on it
    in `forward` (`ctx.axis = axis`) and read it back in `backward`.
    """

    __slots__ = (
        "__dict__",
        "__weakref__",
        "_saved",
        "fn",
        "input_meta",
        "next_functions",
        "output_ref",
        "scope",
        "seq",
    )

    # Rarely changed: class-level defaults keep node creation cheap.
    _freed = False  # backward ran and released the saved values
    _retained: weakref.ref | None = None  # the output, if retain_grad() was called on it
    hooks: dict | None = None  # Tensor.register_hook on the output: id -> hook

    def __init__(self, fn: type[Function]) -> None:
        self.fn = fn
        self.seq = next(_sequence)
        self._saved: tuple = ()  # as given to save_for_backward, then packed by apply
        self.scope = THREAD.state.scope

    @property
    def name(self) -> str:
        """The operation's name, as drawn in graphs and named in errors."""
        return self.fn.op_name()

    def save_for_backward(self, *values: Any) -> None:
        """Keep arrays (inputs, the output, or others) for `backward`; read them as Tensors."""
        self._saved = values

    @property
    def saved_tensors(self) -> tuple[Tensor | None, ...]:
        """The saved values as Tensors, after checking none was changed in place since.

        During a first-order backward of a `raw_backward` function they are NumPy arrays.
        """
        if self._freed:
            raise BackwardError(
                f"{self.name}: trying to backward through the graph a second time, but its saved "
                "values were freed by the first backward; pass retain_graph=True to the first "
                "backward() (or grad()) if you need to go through the graph again"
            )
        raw = self.fn.raw_backward and not THREAD.state.grad_enabled
        values = []
        for kind, value, cell, version in self._saved:
            if cell is not None and cell[0] != version:
                raise InplaceError(
                    f"{self.name}: one of the values it saved for backward (shape "
                    f"{np.shape(value._data if kind == _IN else value)}) was modified by an "
                    f"in-place operation after it was saved (version {version}, now "
                    f"{cell[0]}); use an out-of-place operation (x = x + 1 instead of x += 1) "
                    "or clone() it first"
                )
            if kind == _IN:
                values.append(value._data if raw else value)
            elif raw or (kind == _CONST and not isinstance(value, np.ndarray)):
                values.append(value)
            else:
                values.append(Tensor._make(value, kind == _OUT, self if kind == _OUT else None))
        return tuple(values)

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """For each forward argument, whether its gradient is needed (known in forward too)."""
        nexts = self.next_functions
        n = len(nexts)  # the ops that read it most take 2 or 3 (mul, matmul, linear): no loop
        if n == 2:
            return (nexts[0] is not None, nexts[1] is not None)
        if n == 3:
            return (nexts[0] is not None, nexts[1] is not None, nexts[2] is not None)
        return tuple([f is not None for f in nexts])

    def _pack(self, args: tuple, out: Any, result: Tensor) -> None:
        """Turn what forward saved into entries that remember where each value came from."""
        packed = []
        for value in self._saved:
            for arg in args:
                if isinstance(arg, Tensor) and value is arg._data:
                    packed.append((_IN, arg, arg._vc, arg._vc[0]))
                    break
            else:
                if value is out:
                    packed.append((_OUT, result._data, result._vc, result._vc[0]))
                else:
                    packed.append((_CONST, value, None, 0))
        self._saved = tuple(packed)

    def release(self) -> None:
        """Free saved values after backward (unless the graph is retained)."""
        if self._saved:
            self._saved = ()
            self._freed = True

    def __repr__(self) -> str:
        # A private Function class (`_Linear`) still reads as a public name: <LinearBackward>.
        return f"<{self.fn.__name__.lstrip('_')}Backward>"


class Function:
    """Base class of every differentiable operation, built-in or user-defined.

    Subclasses implement `forward(ctx, *args)`, which receives NumPy arrays in place of Tensor
    arguments and returns an array, and `backward(ctx, grad_output)`, which receives the
    upstream gradient as a Tensor and returns one gradient per forward argument (a Tensor, an
    array or None). Call them with `MyOp.apply(*args)`.

    Speed option: a backward written only with operations that NumPy arrays and Tensors share
    (`+ - * / @`, indexing, `.reshape`, `.T`, `.astype`) and with other Functions' `call` can
    set `raw_backward = True`. In the ordinary first-order backward it then receives plain
    arrays (and `saved_tensors` are arrays), which skips wrapping every intermediate gradient
    in a Tensor; under `create_graph=True` the same code receives Tensors.
    """

    raw_backward = False
    # Set by the elementwise ops whose forward and backward use only + - * / and unary minus
    # on arrays of one shape: `ae.compile` traces them into fused loops (fusion.py).
    fusable = False
    # Forward mode (forward_ad.py) calls `jvp(ctx, *tangents)`, one tangent array (or None)
    # per forward argument, with `ctx.inputs` / `ctx.output` holding forward's arrays; it
    # returns the output's tangent. Functions without it are reverse-mode only.
    jvp = None
    # The forward on plain arrays when it is one kernel call and saves nothing else: `call`
    # then skips the context (a backward's `Matmul.call(g, w)` is BLAS and nothing more).
    on_arrays = None

    @staticmethod
    def forward(ctx: Node, *args: Any, **kwargs: Any) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Node, grad_output: Tensor) -> Any:
        raise NotDifferentiableError(
            f"{ctx.name} has no gradient; detach() its input or compute it under no_grad()"
        )

    @classmethod
    def op_name(cls) -> str:
        return getattr(cls, "name", cls.__name__)

    @classmethod
    def call(cls, *args: Any, **kwargs: Any) -> Any:
        """`apply` if an argument is a Tensor; on arrays alone just `forward`, arrays out.

        Backward formulas call other operations this way, so that the same formula runs on
        arrays in a first-order backward and is recorded under `create_graph=True`.
        """
        for a in args:
            if isinstance(a, Tensor):
                return cls.apply(*args, **kwargs)
        if cls.on_arrays is not None:
            return cls.on_arrays(*args, **kwargs)
        ctx = _new(Node)  # a context that records nothing: no input needs a gradient
        ctx.next_functions = (None,) * len(args)
        return cls.forward(ctx, *args, **kwargs)

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        state = THREAD.state
        ctx = _new(Node)  # Node.__init__, inlined: this runs for every operation
        ctx.fn = cls
        ctx._saved = ()
        # One pass over the arguments: the arrays forward receives, and, for the graph, where
        # each input's gradient goes (`next_functions`) and its shape and dtype (`input_meta`).
        record = False
        if state.grad_enabled:
            ctx.seq = next(_sequence)  # (a node that is not recorded needs no place or scope)
            ctx.scope = state.scope
            arrays = []
            nexts = []
            meta = []
            for a in args:
                if isinstance(a, Tensor):
                    if a._view is not None:
                        a._sync_view()  # a new node if its base was changed in place since
                    data = a._data
                    arrays.append(data)
                    meta.append((data.shape, data.dtype))
                    if a._requires_grad:
                        record = True
                        nexts.append(a._grad_fn or a._accumulator or a._grad_accumulator())
                        continue
                else:
                    arrays.append(a)
                    meta.append(None)
                nexts.append(None)
            # Set before forward, so that forward can save only what backward will need.
            ctx.next_functions = tuple(nexts)
        else:  # no_grad(): nothing is recorded, forward only needs the arrays
            arrays = []
            for a in args:  # (a loop: in Python 3.11 a comprehension is one more call)
                arrays.append(a._data if isinstance(a, Tensor) else a)
            ctx.next_functions = (None,) * len(args)
        try:
            out = cls.forward(ctx, *arrays, **kwargs)
        except ValueError as exc:
            if isinstance(exc, AutogradError):
                raise
            shapes = ", ".join(str(tuple(a.shape)) for a in arrays if isinstance(a, np.ndarray))
            raise ShapeError(f"{cls.op_name()}: {exc} (input shapes {shapes})") from exc
        raw_out = out
        if type(out) is not np.ndarray:
            out = np.asarray(out)  # NumPy returns scalars for 0-d results
        if record and out.dtype.kind == "f":
            result = Tensor._make(out, True, ctx)
            ctx.input_meta = tuple(meta)  # a tuple the collector stops tracking
            ctx.output_ref = weakref.ref(result)
            if ctx._saved:
                ctx._pack(args, raw_out, result)
        else:
            record = False
            result = Tensor._make(out, False, None)
        if state.watch:  # anomaly mode, a drawing's recording or forward mode is on
            _watch(cls, ctx, args, kwargs, arrays, out, result, record)
        return result


def _watch(
    cls: type[Function],
    ctx: Node,
    args: tuple,
    kwargs: dict,
    arrays: list,
    out: np.ndarray,
    result: Tensor,
    recorded: bool,
) -> None:
    """The rarely enabled work after a forward: check it (anomaly mode), keep its arguments
    (viz.recording), carry tangents (forward mode), record it (an `ae.compile` capture)."""
    state = THREAD.state
    if state.capture is not None:
        state.capture.op(cls, ctx, args, kwargs, out)
    if state.anomaly:
        _check_finite(cls.op_name(), "forward", out)
    if state.keep_args and recorded:
        ctx.recorded_args = args
    if DUALS.level and out.dtype.kind == "f":
        push_tangent(cls, ctx, args, arrays, out, result)


def _check_finite(op: str, phase: str, array: np.ndarray) -> None:
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        bad = "NaN" if np.isnan(array).any() else "Inf"
        raise AnomalyError(
            f"{op}: its {phase} produced {bad} (shape {tuple(array.shape)}); "
            "check the inputs of this operation and the learning rate"
        )


def check_gradient_finite(node: Node, grads: tuple) -> None:
    """Anomaly mode: name the operation whose backward returned NaN or Inf."""
    for g in grads:
        if g is not None:
            _check_finite(node.name, "backward", g._data if isinstance(g, Tensor) else g)
