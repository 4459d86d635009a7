"""`compile(fn)`: capture a training step's array work once, then replay it without the graph.

Capture. The first two calls run `fn` eagerly while a per-thread recorder (`THREAD.state.capture`)
notes, in order, every op's forward (its Function, the arrays it reads, its keyword
arguments), every node of each `backward()` the engine runs (in the engine's own order) with
the gradient additions and the accumulation into leaves' `.grad`, every random tensor drawn
(`ae.randn`, ...), and every call of a function marked `disable` (the optimizers' `step` and
`zero_grad`, `Module.zero_grad`, gradient clipping: they work on arrays in place and are
called again as they are, so they read the learning rate and their state afresh). The two
recordings must agree: a tensor made in the call from constant values (`ae.zeros`,
`ae.tensor(data)`, a number given to an op) or a NumPy array given to an op becomes a
constant only if both calls made the same values; anything else (a tensor read from outside
that is another object next time, a value computed outside an op, data-dependent control
flow) means the step is not replayed.

Replay. The recording becomes one generated Python function that calls each op's `forward`
and `backward` on plain arrays with a small context object: no Tensor, Node, grad-mode check
or graph walk, and the same kernels in the same order, so results are bitwise those of eager
mode. Dropout and random tensors are drawn again from the same generator, so seeds agree.
Two fusions: runs of elementwise ops, up to a total, become one loop each (fusion.py, bitwise;
it adds leaf gradients into `.grad` and leaves out runs nobody reads; codecache.py keeps the
loops' machine code on disk for later processes), and a parameter whose gradient only a
plain SGD step reads (`Optimizer.fused_rate`, an op's `sgd_updates`, as nn.Linear's weight and
bias) is updated during the backward without a gradient array: W -= lr G^T X in one pass over
W at batch 1 (bitwise), one BLAS call W += (-lr) G^T X above (kernels.matmul_sub_: within an
ulp of W per step, so later steps agree with eager mode within about 1e-6 relative, not bit
for bit), b -= lr (sum of G's rows) bitwise (kernels.sum_sub_). Its `.grad` is then not
materialised (it stays None after `zero_grad()`), while every other `.grad` is. `fuse=False`
turns both off.

Guards. Every call computes a key from the shapes, dtypes, strides and requires_grad of the
tensor arguments, the other arguments' values and grad mode (a call with the very tensors of
the last one, on the same arrays with the same flags, reuses its key); a program also checks the
shapes, dtypes, strides and requires_grad of the tensors it reads that `fn` did not get as
arguments (parameters), the train/eval mode of the modules it ran and the identity of the
objects fn's closure holds. A miss captures a new program (at most `cache_size` in all);
whatever cannot be replayed (`.item()`, `.tolist()` or `bool()` of a tensor, an in-place
change or `.grad =` outside `disable`d code, hooks, `create_graph`, `autograd.grad`, a
Function without `raw_backward`) makes that function run eagerly, with one warning. Not
guarded: `numpy()` reads, globals, hooks registered after the capture, and Python values
computed in `fn` (frozen, as in `jax.jit`).
"""

from __future__ import annotations

import builtins
import functools
import inspect
import itertools
import re
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from . import fusion
from .autograd import _accumulate, _add, _call_backward, _target_key
from .errors import CaptureError
from .function import Node
from .grad_mode import CAPTURES, THREAD, refresh_watch
from .ops.shape import sum_to
from .tensor import AccumulateGrad, Tensor

_new = object.__new__


class CompileWarning(UserWarning):
    """A compiled function runs eagerly from now on; the message says why."""


# ------------------------------------------------------------------ opaque calls
def disable(fn: Callable) -> Callable:
    """Mark `fn` as not to be traced into: a capture records a call of it, and replays call
    it again with the same arguments (torch.compiler.disable). For code that updates state in
    place on arrays and must read live values each time, such as an optimizer's `step`."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not CAPTURES.running or (rec := THREAD.state.capture) is None or rec.depth:
            return fn(*args, **kwargs)
        rec.call(fn, args, kwargs)
        rec.depth += 1
        try:
            return fn(*args, **kwargs)
        finally:
            rec.depth -= 1

    return wrapper


def graph_break(reason: str) -> None:
    """Tell a capture running in this thread that what follows cannot be replayed (as
    torch._dynamo.graph_break); the compiled function then runs eagerly. Outside a capture
    it does nothing."""
    rec = THREAD.state.capture
    if rec is not None and not rec.depth:
        rec.fail(reason)


# ------------------------------------------------------------------ the recorder
class _Recorder:
    """What one eager call of the compiled function did, with each array named by a slot
    (made in the call), an external tensor (read through `._data` at replay) or a constant."""

    def __init__(self, inputs: list[Tensor], fullgraph: bool) -> None:
        self.fullgraph = fullgraph
        self.failed: str | None = None  # why this call cannot be replayed
        self.depth = 0  # > 0 inside a `disable`d call: nothing is recorded there
        self.items: list[tuple] = []
        self.slots: dict[int, int] = {}  # id(array) -> slot
        self.keep: list[Any] = []  # arrays and nodes held so that ids stay unique
        self.externals: list[Tensor] = []
        self.consts: list[Any] = []
        self.ctx_of: dict[int, int] = {}  # id(node) -> index of its forward item
        self.grads: dict[Any, int] = {}  # node or accumulator -> slot of its pending gradient
        self.modules: dict[int, Any] = {}
        self.made: set[int] = set()  # ids of the constant tensors made in the call (`made`)
        self.meta: dict[int, tuple] = {}  # slot -> (shape, dtype) of its C-contiguous array
        self.count = itertools.count()
        self.inputs = inputs
        for t in inputs:
            self._slot(t._data)

    def _slot(self, array: Any) -> int:
        n = next(self.count)
        self.slots[id(array)] = n
        self.keep.append(array)
        self._meta(n, array)
        return n

    def _meta(self, slot: int, array: Any) -> None:
        """Note a slot's shape and dtype for fusion (fusion.py), if its array is C-contiguous."""
        if isinstance(array, np.ndarray) and array.flags.c_contiguous:
            self.meta[slot] = (array.shape, array.dtype)

    def ref(self, value: Any) -> tuple:
        """How a replay finds an op's argument: ("s", slot), ("x", external), ("k", const)."""
        if isinstance(value, Tensor):
            n = self.slots.get(id(value._data))
            if n is not None:
                return ("s", n)
            for i, t in enumerate(self.externals):
                if t is value:
                    return ("x", i)
            self.externals.append(value)
            return ("x", len(self.externals) - 1)
        if isinstance(value, np.ndarray):
            n = self.slots.get(id(value))
            if n is not None:
                return ("s", n)
        self.consts.append(value)
        return ("k", len(self.consts) - 1)

    def guarded(self) -> tuple:
        """What a program of this recording guards beyond the cache key: the modules' modes
        and the parameters' requires_grad, shape, strides and dtype, as they are now."""
        modules = tuple((id(m), m.training) for m in self.modules.values())
        tensors = tuple(
            (t._requires_grad, t._data.shape, t._data.strides, t._data.dtype)
            for t in self.externals
        )
        return modules, tensors

    def fail(self, reason: str) -> None:
        """Stop recording; the call goes on eagerly (or raises, with fullgraph=True)."""
        if self.fullgraph:
            raise CaptureError(f"compile(fullgraph=True): {reason}")
        self.failed = reason
        self.depth += 1  # every later event is ignored
        THREAD.state.capture = None
        refresh_watch()

    # --------------------------------------------------------------- events
    def op(self, cls: type, ctx: Node, args: tuple, kwargs: dict, out: np.ndarray) -> None:
        if self.depth:
            return
        refs = tuple(self.ref(a) for a in args)
        kw = self.ref(kwargs) if kwargs else None
        flags = tuple(None if f is None else True for f in ctx.next_functions)
        meta = tuple(
            (a._data.shape, a._data.dtype) if isinstance(a, Tensor) else None for a in args
        )
        self.ctx_of[id(ctx)] = len(self.items)
        self.keep.append(ctx)
        self.items.append(("fwd", cls, refs, kw, flags, meta, self._slot(out)))

    def call(self, fn: Callable, args: tuple, kwargs: dict) -> None:
        """A call of a `disable`d function: replays call it again, with tensor arguments
        holding the values of that replay."""
        for a in (*args, *kwargs.values()):
            if isinstance(a, Iterator) or inspect.isroutine(a):
                self.fail(
                    f"{getattr(fn, '__qualname__', fn)} was called with an iterator or a "
                    "function, which a replay cannot pass again; pass a list of parameters "
                    "(list(model.parameters())) and no closure"
                )
                return
        refs = tuple(self._argument(a) for a in args)
        named = tuple((k, self._argument(a)) for k, a in kwargs.items())
        self.items.append(("call", fn, refs, named))

    def _argument(self, a: Any) -> tuple:
        return ("t" if isinstance(a, Tensor) else "v", self.ref(a))

    def draw(self, fn: Callable, args: tuple, kwargs: dict, out: Tensor) -> None:
        """A random tensor made by `fn` (ae.randn, ...): replays call fn again. One made
        from tensor arguments is left to `_agree`, which refuses it."""
        if self.depth or any(isinstance(a, Tensor) for a in (*args, *kwargs.values())):
            return
        self.items.append(("draw", fn, self.ref(args), self.ref(kwargs), self._slot(out._data)))

    def made_tensor(self, t: Tensor) -> None:
        """A tensor made in the call from constant values (ae.zeros, ae.tensor(data), a
        Python number given to an op, backward()'s implicit gradient): if the next call makes
        one with the same values, the program keeps it as a constant."""
        if not self.depth:
            self.made.add(id(t))
            self.keep.append(t)

    def module(self, module: Any) -> None:
        if not self.depth:
            self.modules[id(module)] = module

    def touch(self, t: Tensor, op: str, caller: str = "") -> None:
        """`op` reads a tensor's values into Python or changes it in place. A `numpy()` read
        by the libraries (`caller`: its module), which check values there, is allowed."""
        if op == "numpy()" and caller.split(".")[0] in ("nn", "optim", "autograd_engine"):
            return
        if not self.depth:
            self.fail(
                f"{op} on a tensor of shape {tuple(t.shape)}: a replay would not repeat it; "
                "return tensors and read them outside the compiled function, and change "
                "tensors in place only in optimizer code"
            )

    def backward_start(self, roots: list, create_graph: bool, targets: Any) -> _Recorder | None:
        if self.depth:
            return None
        if create_graph or targets is not None:
            self.fail("autograd.grad() and backward(create_graph=True) are not captured")
            return None
        for tensor, g in roots:  # the implicit ones: a tensor made anew, frozen by _agree
            slot = next(self.count)
            self.items.append(("copy", self.ref(g), slot))
            self._meta(slot, g._data if isinstance(g, Tensor) else g)
            self._pend(_target_key(tensor), slot)
        return self

    def _pend(self, node: Any, slot: int) -> None:
        if node in self.grads:
            total = next(self.count)
            self.items.append(("add", self.grads[node], slot, total))
            if self.meta.get(self.grads[node], ()) == self.meta.get(slot):  # a + b: the same
                self.meta[total] = self.meta[slot]
            self.grads[node] = total
        else:
            self.grads[node] = slot

    def backward_node(self, node: Node, g: np.ndarray) -> list:
        if self.depth:
            return _call_backward(node, g, False, THREAD.state.anomaly)
        index = self.ctx_of.get(id(node))
        if node.hooks or node._retained is not None:
            self.fail(f"{node.name}: hooks and retain_grad() are not captured")
        elif not node.fn.raw_backward:
            self.fail(
                f"{node.name}: its Function has no raw_backward (a backward on Tensors); "
                "only raw_backward Functions are replayed"
            )
        elif index is None:
            self.fail(f"{node.name}: backward through a graph made outside the function")
        if self.depth:
            return _call_backward(node, g, False, THREAD.state.anomaly)
        conformed: dict[int, bool] = {}
        grads = _call_backward(node, g, False, THREAD.state.anomaly, conformed)
        outs = []
        for i, gi in enumerate(grads):
            if gi is None:
                outs.append(None)
                continue
            slot = next(self.count)
            meta = node.input_meta[i]
            outs.append((slot, meta if conformed[i] else None))
            self._meta(slot, gi)
        self.items.append(("bwd", index, self.grads.pop(node), tuple(outs)))
        for child, out in zip(node.next_functions, outs):
            if out is not None:
                self._pend(child, out[0])
        return grads

    def backward_leaf(self, acc: AccumulateGrad) -> None:
        if self.depth:
            return
        if acc.hooks:
            self.fail("a leaf's gradient hook (register_hook) is not captured")
            return
        where = self.ref(acc.variable)
        if where[0] == "s" and where[1] >= len(self.inputs):
            self.fail("a gradient accumulated into a tensor made inside the function")
            return
        was_none = acc.variable._grad is None  # the accumulation creates `.grad`
        self.items.append(("acc", where, self.grads.pop(acc), was_none))

    def returned(self, value: Any) -> Any:
        """How a replay rebuilds the return value: tensors as refs, containers recursively."""
        if isinstance(value, Tensor):
            return ("t", self.ref(value))
        if isinstance(value, tuple | list):
            return ("seq", (type(value), tuple(self.returned(v) for v in value)))
        if isinstance(value, dict):
            return ("dict", tuple((k, self.returned(v)) for k, v in value.items()))
        return ("py", self.ref(value))


# ------------------------------------------------------------------ two recordings agree
def _same(a: Any, b: Any) -> bool:
    """Whether two recorded values are the same: tensors by identity, arrays by value."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b))
    if isinstance(a, tuple | list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, Tensor):
        return False
    try:
        return bool(a == b)
    except Exception:  # an object without a usable ==: only identity counts
        return False


def _agree(a: _Recorder, b: _Recorder) -> str | None:
    """None if two recordings did the same work, else what differed. Tensors made anew in
    each call (not requiring grad, same values) become constants of `a`."""
    if a.items != b.items:
        for x, y in zip(a.items, b.items):
            if x != y:
                return f"a different operation ({_describe(x)} then {_describe(y)})"
        return f"{len(a.items)} then {len(b.items)} recorded operations"
    if len(a.consts) != len(b.consts):
        return f"{len(a.consts)} then {len(b.consts)} Python values given to ops"
    for i, (x, y) in enumerate(zip(a.consts, b.consts)):
        if not _same(x, y):
            user = next((_describe(t) for t in a.items if ("k", i) in _refs(t)), "an op")
            return f"a Python value or NumPy array given to {user} changed between calls"
    if a.modules.keys() != b.modules.keys():
        return "different modules ran"
    for i, (x, y) in enumerate(zip(a.externals, b.externals)):
        if x is y:
            continue
        if id(x) not in a.made or id(y) not in b.made:
            return (
                f"a tensor of shape {tuple(x.shape)} that the function reads was another "
                "object in the next call: pass a tensor that changes as an argument, and make "
                "values inside the function with ops (a comparison or argmax result is "
                "computed outside an op and is not replayed)"
            )
        if x._requires_grad or y._requires_grad or not _same(x._data, y._data):
            return (
                f"a tensor of shape {tuple(x.shape)} made inside the function (not by an op "
                "on its arguments) had other values in the next call"
            )
        a.externals[i] = Tensor._make(x._data.copy(), False, None)  # a frozen constant
    return None


def _refs(item: tuple) -> tuple:
    """The argument references of a recorded item."""
    if item[0] == "fwd":
        return (*item[2], item[3])
    if item[0] == "call":
        return tuple(r for _, r in item[2]) + tuple(r for _, (_, r) in item[3])
    return item[2:4] if item[0] == "draw" else ()


def _reads(item: tuple) -> list[int]:
    """The slots an item reads."""
    kind = item[0]
    if kind in ("fwd", "call"):
        return [r[1] for r in _refs(item) if r is not None and r[0] == "s"]
    if kind == "bwd":
        return [item[2]]
    if kind == "add":
        return [item[1], item[2]]
    if kind == "acc":
        return [item[2]] + ([item[1][1]] if item[1][0] == "s" else [])
    if kind == "copy":
        return [item[1][1]] if item[1][0] == "s" else []
    return []


def _readers(rec: _Recorder, spec: Any) -> dict[int, list[int]]:
    """slot -> the items that read it, in order; the return value reads at len(rec.items)."""
    readers: dict[int, list[int]] = {}
    for i, item in enumerate(rec.items):
        for slot in _reads(item):
            readers.setdefault(slot, []).append(i)
    for slot in _slots_of(spec):
        readers.setdefault(slot, []).append(len(rec.items))
    return readers


def _describe(item: tuple) -> str:
    kind = item[0]
    if kind == "fwd":
        return item[1].op_name()
    if kind in ("call", "draw"):
        return getattr(item[1], "__qualname__", "a call")
    return kind


# ------------------------------------------------------------------ code generation
class _Ctx:
    """The context of one op in a replay: what forward saves, read back as plain arrays.
    The rest of a graph node's interface is Node's own."""

    _saved: tuple = ()
    fn: type
    next_functions: tuple
    input_meta: tuple

    save_for_backward = Node.save_for_backward
    needs_input_grad = Node.needs_input_grad
    name = Node.name

    @property
    def saved_tensors(self) -> tuple:
        return self._saved


def _conform(g: Any, shape: tuple, dtype: np.dtype) -> np.ndarray:
    """What the engine does to a backward's result: an array of the input's shape and dtype."""
    if type(g) is not np.ndarray:
        g = np.asarray(g)
    if g.shape != shape:
        g = sum_to(g, shape)
    if g.dtype != dtype:
        g = g.astype(dtype)
    return g


_MISS = object()  # a program's answer when one of its guards fails


def _grad_into(leaf: Tensor, shape: tuple, dtype: np.dtype) -> np.ndarray | None:
    """The array of `leaf.grad` if a fused kernel can add a gradient of `shape` and `dtype`
    into it in place (as `.grad += g` would), else None: the kernel then writes a new array
    and the accumulation runs as recorded (making `.grad`, or casting into it)."""
    grad = leaf._grad
    if grad is None:
        return None
    a = grad._data
    if a.shape != shape or a.dtype != dtype or not (a.flags.c_contiguous and a.flags.writeable):
        return None
    return a


def _generate(
    rec: _Recorder, spec: Any, fn: Callable, fuse: bool = True
) -> Callable[[list[Tensor]], Any]:
    """One Python function that replays the recording on the arrays of new arguments. With
    `fuse`, runs of elementwise ops become one kernel each (fusion.py) and weights that only a
    plain SGD step reads are updated inside their backward (`_update_fusions`)."""
    ns: dict[str, Any] = {
        "_new": _new, "_nd": np.ndarray, "_asarray": np.asarray, "_add": _add,
        "_acc": _accumulate, "_conform": _conform, "_make": Tensor._make,
        "_THREAD": THREAD, "_MISS": _MISS, "_empty": np.empty, "_grad_into": _grad_into,
    }  # fmt: skip
    n_in = len(rec.inputs)
    for i, t in enumerate(rec.externals):
        ns[f"X{i}"] = t
    for i, c in enumerate(rec.consts):
        ns[f"K{i}"] = c

    def const(obj: Any) -> str:
        name = f"G{len(ns)}"
        ns[name] = obj
        return name

    def value(ref: tuple) -> str:
        kind, n = ref
        if kind == "s":
            return f"s{n}"
        return f"X{n}._data" if kind == "x" else f"K{n}"

    def tensor(ref: tuple) -> str:
        kind, n = ref
        if kind == "x":
            return f"X{n}"
        if kind == "s" and n < n_in:
            return f"inputs[{n}]"
        return f"_make({value(ref)}, False, None)"

    def argument(a: tuple) -> str:
        kind, ref = a
        return tensor(ref) if kind == "t" else value(ref)

    guards = []
    for i, t in enumerate(rec.externals):
        a = t._data  # the same array object (a parameter updated in place) has not changed
        guards.append(
            f"X{i}._requires_grad is not {t._requires_grad} or (X{i}._data is not {const(a)} "
            f"and (X{i}._data.shape != {a.shape!r} or X{i}._data.strides != {a.strides!r} or "
            f"X{i}._data.dtype != {const(a.dtype)}))"
        )
    for module in rec.modules.values():
        guards.append(f"{const(module)}.training is not {bool(module.training)}")
    for cell in getattr(fn, "__closure__", None) or ():  # the model, optimizer, ... fn uses
        try:
            held = cell.cell_contents
        except ValueError:  # a cell not yet filled
            continue
        if not isinstance(held, int | float | complex | str | bytes | bool | type(None)):
            guards.append(f"{const(cell)}.cell_contents is not {const(held)}")

    def context(item: tuple) -> str:
        """A new context object for a forward item's op."""
        _, cls, _, _, flags, meta, _ = item
        ctx = type(f"{cls.__name__}Context", (_Ctx,), {})
        ctx.fn, ctx.next_functions, ctx.input_meta = cls, flags, meta
        return f"_new({const(ctx)})"

    def results(outs: tuple, skip: set[int] = frozenset()) -> list[str]:
        """The lines that take a backward's gradients from `r` (conformed where recorded),
        but those of the arguments in `skip`."""
        lines = []
        for i, out in enumerate(outs):
            if out is None or i in skip:
                continue
            slot, meta = out
            if meta is None:
                lines.append(f"s{slot} = r[{i}]")
            else:
                lines.append(f"s{slot} = _conform(r[{i}], {meta[0]!r}, {const(meta[1])})")
        return lines

    readers = _readers(rec, spec)
    updates = _update_fusions(rec, readers) if fuse else {}
    folded = _folded_slots(updates)  # gradients that make no `.grad`
    groups = fusion.plan(rec, value, readers) if fuse else {}
    fused = {i for g in groups.values() for i in range(g.start, g.stop)}
    added = {slot for g in groups.values() for slot in g.adds}  # gradients kernels add to .grad
    read_contexts = {  # the forward contexts a backward reads: an op's own, or a kernel's
        item[1] for i, item in enumerate(rec.items) if item[0] == "bwd" and i not in fused
    } | {
        int(m) for g in groups.values() for m in re.findall(r"\bc(\d+)\.", " ".join(g.trace.inputs))
    }
    body = [f"s{i} = inputs[{i}]._data" for i in range(n_in)]
    in_backward = False
    skip = 0
    for index, item in enumerate(rec.items):
        if index < skip:  # replaced by a fused kernel
            continue
        kind = item[0]
        backward = kind in ("bwd", "add", "acc", "copy")
        if backward != in_backward:  # the engine's backward runs with grad mode off
            body.append(f"_STATE.grad_enabled = {'False' if backward else '_grad_mode'}")
            in_backward = backward
        group = groups.get(index)
        if group is not None:
            dtype = const(group.trace.dtype)
            for slot, _ in group.outputs:
                fresh = f"_empty({group.shapes.get(slot, group.shape)!r}, {dtype})"
                if slot in group.adds:  # added into the leaf's `.grad` when its array fits
                    leaf = tensor(rec.items[group.adds[slot]][1])
                    body.append(f"b{slot} = _grad_into({leaf}, {group.shape!r}, {dtype})")
                    fresh = f"{fresh} if b{slot} is None else b{slot}"
                body.append(f"s{slot} = {fresh}")
            args = [f"s{slot}" for slot, _ in group.outputs]
            args += [f"b{slot} is None" for slot, _ in group.outputs if slot in group.adds]
            args += list(group.trace.inputs)
            if group.kernel is not None:  # else nothing reads what the group computes
                body.append(f"{const(group.kernel)}({', '.join(args)})")
            for fwd, saved in group.saved.items():
                if fwd not in read_contexts:
                    continue
                body.append(f"c{fwd} = {context(rec.items[fwd])}")
                body.append(f"c{fwd}._saved = {saved}")
                body += [
                    f"c{fwd}.{a} = {code}" for a, code in group.attributes.get(fwd, {}).items()
                ]
            skip = group.stop
            continue
        if kind == "fwd":
            _, cls, refs, kw, _, _, out = item
            args = [f"c{index}"] + [value(r) for r in refs]
            if kw is not None:
                args.append(f"**{value(kw)}")
            body.append(f"c{index} = {context(item)}")
            body.append(f"s{out} = {const(cls.forward)}({', '.join(args)})")
            body.append(f"if type(s{out}) is not _nd: s{out} = _asarray(s{out})")
        elif kind == "bwd":
            _, fwd, g, outs = item
            call = [
                f"r = {const(rec.items[fwd][1].backward)}(c{fwd}, s{g})",
                "if type(r) is not tuple: r = (r,)",
            ]
            if index not in updates:
                body += [*call, *results(outs), "del r"]
                continue
            # the parameters' gradients go straight into plain SGD updates when the optimizer
            # still makes them and their `.grad` is still None; otherwise the recorded backward
            folds = updates[index]
            cls, flags = rec.items[fwd][1], rec.items[fwd][4]
            ks = {k for k, *_ in folds}
            masked = tuple(None if j in ks else f for j, f in enumerate(flags))
            folding = [f"c{fwd}.next_functions = {masked!r}", *call, *results(outs, skip=ks)]
            block, rates = [], [f"_lr{n}" for n in range(len(folds))]
            for n, (_, w, slot, opt, method) in enumerate(folds):
                folding.append(f"{const(getattr(cls, method))}(c{fwd}, s{g}, X{w}._data, _lr{n})")
                folding += [f"X{w}._vc[0] += 1", f"s{slot} = None"]
                ready = f"X{w}._grad is None" + (f" and _lr{n - 1} is not None" if n else "")
                block.append(f"_lr{n} = {const(opt)}.fused_rate(X{w}) if {ready} else None")
            block += [f"if {rates[-1]} is not None:", *(f"    {x}" for x in folding), "else:"]
            block += [f"    {x}" for x in (*call, *results(outs))]
            body.append("\n".join([*block, f"del r, {', '.join(rates)}"]))  # `del`s go after
        elif kind == "add":
            _, a, b, total = item
            body.append(f"s{total} = _add(s{a}, s{b})")
        elif kind == "acc":
            _, where, g, _ = item
            line = f"_acc({tensor(where)}, s{g}, False)"
            if g in added:  # a fused kernel added the gradient into `.grad` if it could
                line = f"if b{g} is None: {line}\nelse: {tensor(where)}._grad._vc[0] += 1"
            body.append(f"if s{g} is not None: {line}" if g in folded else line)
        elif kind == "copy":
            _, ref, slot = item
            body.append(f"s{slot} = {value(ref)}")
        elif kind == "draw":
            _, fn, args, kwargs, slot = item
            body.append(f"s{slot} = {const(fn)}(*{value(args)}, **{value(kwargs)})._data")
        else:  # "call"
            _, fn, args, kwargs = item
            parts = [argument(a) for a in args] + [f"{k}={argument(a)}" for k, a in kwargs]
            body.append(f"{const(fn)}({', '.join(parts)})")
    if in_backward:
        body.append("_STATE.grad_enabled = _grad_mode")
    body.append(f"return {_build(spec, value, tensor, const)}")
    lines = ["def program(inputs):"]
    lines += [f"    if {g}: return _MISS" for g in guards]
    lines += ["    _STATE = _THREAD.state", "    _grad_mode = _STATE.grad_enabled", "    try:"]
    lines += [f"        {part}" for line in _with_dels(body) for part in line.split("\n")]
    lines += ["    finally:", "        _STATE.grad_enabled = _grad_mode"]
    source = "\n".join(lines)
    exec(builtins.compile(source, "<ae.compile program>", "exec"), ns)
    program = ns["program"]
    program.source = source
    program.groups = list(groups.values())
    program.folded = tuple(rec.externals[w] for f in updates.values() for _, w, *_ in f)  # no .grad
    program.steps = _steps(rec, spec, updates)
    return program


def _steps(rec: _Recorder, spec: Any, updates: dict) -> list[tuple[str, tuple, tuple]]:
    """What a program does, for drawings (viz/program.py): per recorded item its label, the
    references it reads (("s", slot), ("x", external)) and the slots it writes; the return
    value reads last, labelled "return". `updates`: the backward items that also update their
    parameters (`_update_fusions`)."""
    steps = []
    folded = _folded_slots(updates)
    for index, item in enumerate(rec.items):
        if index in updates:  # the parameters' gradients go into their updates, not to `.grad`
            cls = rec.items[item[1]][1]
            methods = " + ".join(method for *_, method in updates[index])
            label = f"{cls.op_name()} backward\n+ {methods} (SGD)"
            writes = tuple(out[0] for out in item[3] if out is not None and out[0] not in folded)
            reads = (("s", item[2]), *(("x", w) for _, w, *_ in updates[index]))
            steps.append((label, reads, writes))
            continue
        if item[0] == "acc" and item[2] in folded:
            steps.append(("", (), ()))  # no `.grad` is made: nothing to draw
            continue
        kind = item[0]
        if kind == "fwd":
            reads = tuple(r for r in item[2] if r[0] in "sx")
            steps.append((item[1].op_name(), reads, (item[6],)))
        elif kind == "bwd":
            writes = tuple(out[0] for out in item[3] if out is not None)
            steps.append((f"{rec.items[item[1]][1].op_name()} backward", (("s", item[2]),), writes))
        elif kind == "add":
            steps.append(("gradient sum", (("s", item[1]), ("s", item[2])), (item[3],)))
        elif kind == "acc":
            steps.append(("accumulate .grad", (("s", item[2]), item[1]), ()))
        elif kind == "copy":
            steps.append(("gradient 1", tuple(r for r in (item[1],) if r[0] in "sx"), (item[2],)))
        elif kind == "draw":
            steps.append((getattr(item[1], "__name__", "random"), (), (item[4],)))
        else:  # "call"
            reads = tuple(r for r in _refs(item) if r[0] in "sx")
            steps.append((getattr(item[1], "__qualname__", "call"), reads, ()))
    steps.append(("return", tuple(("s", n) for n in _slots_of(spec)), ()))
    return steps


def _folded_slots(updates: dict[int, list[tuple]]) -> set[int]:
    """The gradient slots whose parameters `_update_fusions` updates directly (no `.grad`)."""
    return {slot for folds in updates.values() for _, _, slot, _, _ in folds}


def _update_fusions(rec: _Recorder, readers: dict[int, list[int]]) -> dict[int, list[tuple]]:
    """The backward items whose parameter gradients can go straight into plain SGD updates, as
    {item: [(argument index of the parameter, its external index, its gradient's slot, the
    optimizer, the op's method that updates it), ...]}; `readers` as `_readers` makes it. The
    op names its update methods by argument in `sgd_updates`; the parameter must be one that
    only this op reads, its gradient must be read only by the accumulation that creates its
    `.grad`, and the next opaque call after the backward must be the `step` of an optimizer
    whose `fused_rate` covers the parameter (checked again on every replay). The op's backward
    must run once (a second one, with retain_graph, would read the new values)."""
    users: dict[int, int] = {}  # external -> items other than accumulations that read it
    backwards: dict[int, int] = {}  # forward item -> how many backward items read its context
    for item in rec.items:
        for ref in _refs(item) if item[0] in ("fwd", "call") else ():
            if ref is not None and ref[0] == "x":
                users[ref[1]] = users.get(ref[1], 0) + 1
        if item[0] == "bwd":
            backwards[item[1]] = backwards.get(item[1], 0) + 1
    found = {}
    for b, item in enumerate(rec.items):
        if item[0] != "bwd" or rec.items[item[1]][0] != "fwd" or backwards[item[1]] != 1:
            continue  # a second backward (retain_graph) would read the updated weight
        fwd = rec.items[item[1]]
        methods = getattr(fwd[1], "sgd_updates", None)
        call = next((rec.items[i] for i in range(b + 1, len(rec.items))
                     if rec.items[i][0] == "call"), None)  # fmt: skip
        if not methods or call is None or getattr(call[1], "__name__", "") != "step" or not call[2]:
            continue
        kind, (where, n) = call[2][0]
        opt = rec.consts[n] if kind == "v" and where == "k" else None
        rate = getattr(opt, "fused_rate", None)
        if rate is None:
            continue
        folds = []
        for k, method in methods.items():
            if k >= len(item[3]) or item[3][k] is None or item[3][k][1] is not None:
                continue
            ref, slot = fwd[2][k], item[3][k][0]
            if ref[0] != "x" or users.get(ref[1]) != 1 or len(readers.get(slot, ())) != 1:
                continue
            acc = rec.items[readers[slot][0]]
            if acc[0] != "acc" or acc[1] != ref or not acc[3]:
                continue
            if rate(rec.externals[ref[1]]) is not None:
                folds.append((k, ref[1], slot, opt, method))
        if folds:
            found[b] = folds
    return found


_NAME = re.compile(r"\b[scb]\d+\b")


def _with_dels(body: list[str]) -> list[str]:
    """`del` each slot and context after its last use, as the eager engine drops them: the
    memory goes back early, and `.grad` can take a gradient's buffer instead of copying it."""
    last: dict[str, int] = {}
    for i, line in enumerate(body):
        for name in _NAME.findall(line):
            last[name] = i
    ends: dict[int, list[str]] = {}
    for name, i in last.items():
        ends.setdefault(i, []).append(name)
    out = []
    for i, line in enumerate(body):
        out.append(line)
        if i in ends and not line.startswith("return"):
            out.append("del " + ", ".join(sorted(ends[i])))
    return out


def _slots_of(spec: tuple) -> Iterator[int]:
    """The slots a recorded return value reads."""
    kind, what = spec
    if kind in ("t", "py"):
        if what[0] == "s":
            yield what[1]
    elif kind == "dict":
        for _, v in what:
            yield from _slots_of(v)
    else:
        for v in what[1]:
            yield from _slots_of(v)


def _build(spec: tuple, value: Callable, tensor: Callable, const: Callable) -> str:
    """The expression that rebuilds the function's return value from a recorded spec."""
    kind, what = spec
    if kind == "t":
        return tensor(what)
    if kind == "py":
        return value(what)
    if kind == "dict":
        return "{" + ", ".join(f"{k!r}: {_build(v, value, tensor, const)}" for k, v in what) + "}"
    kind, items = what
    inner = ", ".join(_build(v, value, tensor, const) for v in items)
    if kind is tuple:
        return f"({inner},)"
    if kind is list:
        return f"[{inner}]"
    return f"{const(kind)}({inner})" if hasattr(kind, "_fields") else f"{const(kind)}(({inner},))"


# ------------------------------------------------------------------ the compiled function
def _key(args: tuple, kwargs: dict) -> tuple[Any, list[Tensor]]:
    """The cache key of a call (tensor shapes, dtypes, strides, requires_grad; other
    arguments by value; grad mode) and its tensor arguments. The key may be unhashable (an
    argument that is neither a tensor nor hashable): looking it up raises TypeError then."""
    inputs = []
    parts: list[Any] = []
    for a in (*args, *kwargs.values()) if kwargs else args:
        if isinstance(a, Tensor):
            d = a._data
            parts.append((d.shape, d.dtype, d.strides, a._requires_grad, a._view is None))
            inputs.append(a)
        else:
            parts.append((type(a), a))
    if len(inputs) > 1:
        ids = [id(t._data) for t in inputs]
        if len(set(ids)) != len(ids):  # one tensor given twice: the program depends on it
            parts.append(tuple(ids.index(i) for i in ids))
    return (tuple(parts), tuple(kwargs), THREAD.state.grad_enabled), inputs


def _unchanged(args: tuple, tensors: tuple) -> bool:
    """Whether `args` are the very tensors of an earlier call (`tensors`: each with its array,
    requires_grad and view then), each still on that array with those flags."""
    if len(args) != len(tensors):
        return False
    for a, (t, data, grad, view) in zip(args, tensors):
        if a is not t or a._data is not data or a._requires_grad is not grad or a._view is not view:
            return False
    return True


class CompiledFunction:
    """What `compile(fn)` returns: call it as `fn`. `recordings`, `replays` and `programs`
    tell what happened; `eager_reason` says why it runs eagerly, if it does."""

    def __init__(self, fn: Callable, fullgraph: bool, cache_size: int, fuse: bool = True) -> None:
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.fuse = fuse
        self.fullgraph = fullgraph
        self.cache_size = cache_size
        self.programs: dict[Any, list[Callable]] = {}
        self.recordings = 0
        self.replays = 0
        self.eager_reason: str | None = None
        self._pending: dict[Any, tuple[_Recorder, Any]] = {}
        # the last call's tensors (each with its array, requires_grad and view), its key and
        # inputs: a call with the very same tensors, unchanged, reuses the key
        self._last: tuple | None = None
        self._mismatches = 0
        self._warned: set[str] = set()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        state = THREAD.state
        if self.eager_reason is not None or state.watch:  # anomaly, a drawing, a capture
            return self.fn(*args, **kwargs)
        last = self._last  # read once: another thread may replace it
        if (
            last is not None
            and not kwargs
            and last[1][2] is state.grad_enabled  # the key's grad mode
            and _unchanged(args, last[0])
        ):
            key, inputs = last[1], last[2]
        else:
            key, inputs = _key(args, kwargs)
            if not kwargs and len(inputs) == len(args):  # tensors only: remember them
                tensors = tuple((t, t._data, t._requires_grad, t._view) for t in inputs)
                self._last = (tensors, key, inputs)
        try:
            programs = self.programs.get(key, ())
        except TypeError:  # the key holds an unhashable argument
            self._warn("an argument is neither a tensor nor hashable; this call runs eagerly")
            return self.fn(*args, **kwargs)
        for program in programs:
            result = program(inputs)
            if result is not _MISS:
                self.replays += 1
                return result
        return self._record(key, inputs, args, kwargs)

    def _record(self, key: Any, inputs: list[Tensor], args: tuple, kwargs: dict) -> Any:
        """Run fn eagerly while recording; the second agreeing recording of a key becomes a
        program."""
        made = sum(map(len, self.programs.values()))
        if made >= self.cache_size or self.recordings >= 2 * self.cache_size + 2:
            self._give_up(
                f"{made} programs and {self.recordings} recordings made, the limit of "
                f"cache_size={self.cache_size} (do the guards change on every call?)"
            )
            return self.fn(*args, **kwargs)
        self.recordings += 1
        rec = _Recorder(inputs, self.fullgraph)
        state = THREAD.state
        state.capture = rec
        refresh_watch()
        with CAPTURES.lock:
            CAPTURES.running += 1
        try:
            result = self.fn(*args, **kwargs)
            spec = rec.returned(result)
        finally:
            with CAPTURES.lock:
                CAPTURES.running -= 1
            if state.capture is rec:
                state.capture = None
                refresh_watch()
        if rec.failed is not None:
            self._give_up(rec.failed)
            return result
        key = (key, rec.guarded())  # a recording agrees only with one under the same guards
        earlier = self._pending.pop(key, None)
        if earlier is None:
            self._pending[key] = (rec, spec)
            return result
        reason = _agree(earlier[0], rec)
        if reason is None and earlier[1] != spec:
            reason = "the return value has a different structure"
        if reason is None:
            self.programs.setdefault(key[0], []).append(_generate(*earlier, self.fn, self.fuse))
        else:
            self._pending[key] = (rec, spec)  # perhaps the next call agrees with this one
            self._mismatches += 1
            if self._mismatches > 2:
                self._give_up(f"two calls with the same guards did different work: {reason}")
        return result

    def _give_up(self, reason: str) -> None:
        if self.fullgraph:
            raise CaptureError(f"compile(fullgraph=True): {reason}")
        self.eager_reason = reason
        self.programs.clear()
        self._pending.clear()
        self._warn(reason)

    def _warn(self, reason: str) -> None:
        if reason not in self._warned:
            self._warned.add(reason)
            name = getattr(self.fn, "__qualname__", repr(self.fn))
            warnings.warn(f"ae.compile: {name} runs eagerly: {reason}", CompileWarning, 3)


def compile(  # torch.compile's name
    fn: Callable | None = None,
    *,
    fullgraph: bool = False,
    cache_size: int = 8,
    disable: bool = False,
    fuse: bool = True,
) -> Any:
    """Capture `fn`'s array work on its first calls and replay it on later ones (see the
    module docstring). Use as `step = ae.compile(train_step)` or as `@ae.compile` /
    `@ae.compile(fullgraph=True)`. `fullgraph=True` raises CaptureError where the default
    falls back to eager mode with a warning; `disable=True` returns `fn` itself. `fuse=False`
    (the engine's own option) replays every op with its own kernel, neither fusing runs of
    elementwise ops (fusion.py) nor folding weight gradients into a plain SGD update (so every
    `.grad` is materialised)."""
    if fn is None:
        return functools.partial(
            compile, fullgraph=fullgraph, cache_size=cache_size, disable=disable, fuse=fuse
        )
    if disable:
        return fn
    return CompiledFunction(fn, fullgraph, cache_size, fuse)
