"""Elementwise fusion for `compile`: a run of elementwise ops becomes one generated Numba loop.

Eagerly, `(a * b + c) / d` makes one pass over memory per op and writes every intermediate
array. A replay (compiler.py) can do better: consecutive recorded ops that are elementwise on
arrays of one shape and dtype (forward ops, their backward formulas and the gradient sums
between them) run as one loop that reads each input once, keeps intermediates in registers and
writes only the arrays used later (by other ops, by a backward, or returned).

The loop body is not written by hand per op: an op whose forward and backward use only `+ - *
/` and unary minus says so (`fusable = True` on its Function) and is *traced*: its own forward
and backward run on symbolic scalars (`Sym`), which write one line of the loop per operation.
So each derivative stays written once, and the loop evaluates the same operations in the same
order and dtype as NumPy does (Python numbers become the arrays' dtype, as NumPy's promotion
makes them), without reassociation or fused multiply-add: fused results are bitwise those of
eager mode.

Three more savings, each still bitwise: a sum over all dims ends a run (the loop stores the
values and adds them up in NumPy's pairwise order, kernels.summation) and its one-element
gradient starts the backward's run, read once before the loop; a leaf's gradient that only
goes to its `.grad` is added by the loop into that array when it fits (`Group.adds`); and a run
whose values nothing reads is left out of the replay (its Group has no kernel).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np
from numba import types

from .codecache import compile_source
from .function import Node
from .kernels import summation

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


class Unfusable(Exception):
    """A traced op did something a fused loop cannot (another operation, a branch on a value)."""


class Trace:
    """The loop body being written: one line per operation on scalars of `dtype`."""

    def __init__(self, dtype: np.dtype) -> None:
        self.dtype = dtype
        self.lines: list[str] = []
        self.inputs: dict[str, Sym] = {}  # program expression -> the scalar read from it
        self.scalars: dict[str, int] = {}  # inputs of one element, read once: expr -> rank
        self.totals: dict[str, str] = {}  # total's name -> the Sym summed over the loop

    def emit(self, code: str) -> Sym:
        sym = Sym(self, f"t{len(self.lines)}")
        self.lines.append(f"{sym.name} = {code}")
        return sym

    def operand(self, v: Any) -> str:
        """The loop's name for an operand: a Sym of this trace or a finite Python number."""
        if isinstance(v, Sym) and v.trace is self:
            return v.name
        if type(v) in (int, float) and math.isfinite(v):
            return f"np.{self.dtype.name}({v!r})"  # NumPy makes a Python number the array dtype
        raise Unfusable(f"an operand of type {type(v).__name__}")

    def load(self, expr: str, rank: int | None = None) -> Sym:
        """The scalar read from the program's array `expr` (one kernel argument each): one
        element per loop index, or with `rank` the only element of an array of that rank."""
        if expr not in self.inputs:
            self.inputs[expr] = Sym(self, f"a{len(self.inputs)}")
            if rank is not None:
                self.scalars[expr] = rank
        return self.inputs[expr]

    def total(self, value: Sym) -> Sym:
        """The sum of `value` over the loop, in NumPy's order (`pairwise_total`)."""
        name = f"T{len(self.totals)}"
        self.totals[name] = value.name
        return Sym(self, name)


class Sym:
    """A scalar of a trace: arithmetic on it writes a line of the loop."""

    __slots__ = ("name", "trace")
    __array_ufunc__ = None  # a NumPy function given a Sym raises TypeError: not fusable

    def __init__(self, trace: Trace, name: str) -> None:
        self.trace, self.name = trace, name

    def _binary(self, other: Any, op: str, reflected: bool = False) -> Sym:
        t = self.trace
        a, b = self.name, t.operand(other)
        return t.emit(f"{b} {op} {a}" if reflected else f"{a} {op} {b}")

    def __add__(self, other: Any) -> Sym:
        return self._binary(other, "+")

    def __radd__(self, other: Any) -> Sym:
        return self._binary(other, "+", True)

    def __sub__(self, other: Any) -> Sym:
        return self._binary(other, "-")

    def __rsub__(self, other: Any) -> Sym:
        return self._binary(other, "-", True)

    def __mul__(self, other: Any) -> Sym:
        return self._binary(other, "*")

    def __rmul__(self, other: Any) -> Sym:
        return self._binary(other, "*", True)

    def __truediv__(self, other: Any) -> Sym:
        return self._binary(other, "/")

    def __rtruediv__(self, other: Any) -> Sym:
        return self._binary(other, "/", True)

    def __neg__(self) -> Sym:
        return self.trace.emit(f"-{self.name}")

    def __bool__(self) -> bool:
        raise Unfusable("a branch on a traced value")

    def __getattr__(self, name: str) -> Any:  # .shape, .reshape, ...: not a scalar's
        if name.startswith("__"):  # a protocol probe (NumPy's __array_interface__, ...)
            raise AttributeError(name)
        raise Unfusable(f"the attribute {name!r}")


class _TracedCtx:
    """The context a traced forward or backward sees: Node's own interface on Syms."""

    __slots__ = ("_saved", "next_functions")
    save_for_backward = Node.save_for_backward
    needs_input_grad = Node.needs_input_grad

    def __init__(self, flags: tuple, saved: tuple = ()) -> None:
        self.next_functions, self._saved = flags, saved

    @property
    def saved_tensors(self) -> tuple:
        return self._saved


# ------------------------------------------------------------------ the plan
@dataclass
class Group:
    """Items [start, stop) of a recording that one kernel replaces."""

    start: int
    stop: int
    trace: Trace
    outputs: list[tuple[int, str]] = field(default_factory=list)  # (slot, the Sym's name)
    saved: dict[int, str] = field(default_factory=dict)  # fwd item -> its ctx._saved code
    adds: dict[int, int] = field(default_factory=dict)  # output slot -> the "acc" item it feeds
    shapes: dict[int, tuple] = field(default_factory=dict)  # outputs of another shape: totals
    # fwd item -> {attribute of its context: code}, what its forward would have set there
    attributes: dict[int, dict[str, str]] = field(default_factory=dict)
    ops: list[str] = field(default_factory=list)
    shape: tuple = ()
    kernel: Callable | None = None


class _Planner:
    """Finds the runs of fusable items of a recording (compiler._Recorder) and traces them."""

    def __init__(self, rec: Any, value: Callable[[tuple], str], readers: dict) -> None:
        self.rec, self.value, self.readers = rec, value, readers
        self.items = rec.items
        self.backward_of = {item[1]: i for i, item in enumerate(self.items) if item[0] == "bwd"}
        # fused forward item -> the program's expressions of what it saves: its backward reads
        # them directly instead of through a context object
        self.saved_code: dict[int, list[str]] = {}

    # --------------------------------------------------------------- operands
    def _meta(self, ref: tuple) -> tuple | None:
        """(shape, dtype) of an array operand that is C-contiguous, else None."""
        kind, n = ref
        if kind == "s":
            return self.rec.meta.get(n)
        a = self.rec.externals[n]._data if kind == "x" else self.rec.consts[n]
        if isinstance(a, np.ndarray) and a.flags.c_contiguous:
            return a.shape, a.dtype
        return None

    def _elementwise(self, item: tuple) -> tuple | None:
        """(shape, dtype) of a forward item of a fusable op whose array operands all have its
        output's shape and a float dtype, else None."""
        _, cls, refs, kw, _, _, out = item
        if not getattr(cls, "fusable", False) or kw is not None:
            return None
        meta = self.rec.meta.get(out)
        if meta is None or meta[1] not in _FLOATS:
            return None
        for ref in refs:
            if ref[0] == "k" and type(self.rec.consts[ref[1]]) in (int, float):
                continue
            if self._meta(ref) != meta:
                return None
        return meta

    def _total(self, item: tuple, meta: tuple | None) -> bool:
        """Whether a forward item sums an array of `meta` (shape, dtype) over all its dims:
        an op with `fusable_total` (Sum) ends a fused loop with its total."""
        _, cls, refs, kw, _, _, out = item
        if not getattr(cls, "fusable_total", False) or kw is not None or meta is None:
            return False
        if meta[1] not in _FLOATS or self._meta(refs[0]) != meta or refs[1][0] != "k":
            return False
        result = self.rec.meta.get(out)
        axes = self.rec.consts[refs[1][1]]
        return (
            result is not None
            and math.prod(result[0]) == 1
            and tuple(sorted(axes)) == tuple(range(len(meta[0])))
        )

    def _argument(self, trace: Trace, ref: tuple, env: dict) -> Any:
        if ref[0] == "s" and ref[1] in env:
            return env[ref[1]]
        if ref[0] == "k" and type(self.rec.consts[ref[1]]) in (int, float):
            return self.rec.consts[ref[1]]
        return trace.load(self.value(ref))

    # --------------------------------------------------------------- tracing items
    def _forward(self, trace: Trace, index: int, env: dict, group: Group) -> None:
        _, cls, refs, _, flags, _, out = self.items[index]
        args = [self._argument(trace, r, env) for r in refs]
        ctx = _TracedCtx(flags)
        result = cls.forward(ctx, *args)
        if not isinstance(result, Sym):
            raise Unfusable("a forward that returns an operand or a number")
        env[out] = result
        group.ops.append(cls.op_name())
        if index not in self.backward_of:  # no backward reads its context
            return
        saved = []
        for v in ctx._saved:
            if v is None:
                saved.append("None")
            elif v is result:
                saved.append(f"s{out}")
            else:
                k = next((k for k, a in enumerate(args) if a is v), None)
                if k is None:
                    raise Unfusable("a forward that saves a computed value")
                saved.append(self.value(refs[k]))
        group.saved[index] = f"({', '.join(saved)}{',' if len(saved) == 1 else ''})"
        self.saved_code[index] = saved

    def _sum(self, trace: Trace, index: int, env: dict, group: Group) -> None:
        _, cls, refs, _, _, _, out = self.items[index]
        value = self._argument(trace, refs[0], env)
        env[out] = trace.total(value)
        group.shapes[out] = self.rec.meta[out][0]
        group.ops.append(cls.op_name())
        if index in self.backward_of:  # its backward reads the axes if it is not fused
            group.saved[index] = "()"
            group.attributes[index] = {"axes": self.value(refs[1])}
            self.saved_code[index] = []

    def _saved_kinds(self, fwd: int) -> list[Any]:
        """What the forward item `fwd` saves, traced alone: None, a number, or True for an
        array (read back from its context at replay)."""
        _, cls, refs, _, flags, _, _ = self.items[fwd]
        trace = Trace(self.rec.meta[self.items[fwd][6]][1])
        args = [
            self.rec.consts[r[1]]
            if r[0] == "k" and type(self.rec.consts[r[1]]) in (int, float)
            else trace.load(str(i))
            for i, r in enumerate(refs)
        ]
        ctx = _TracedCtx(flags)
        cls.forward(ctx, *args)
        return [v if v is None or type(v) in (int, float) else True for v in ctx._saved]

    def _backward(self, trace: Trace, index: int, env: dict, group: Group) -> None:
        _, fwd, g, outs = self.items[index]
        item = self.items[fwd]
        if item[0] == "fwd" and self._total(item, (group.shape, trace.dtype)):
            meta = self.rec.meta.get(g)  # d total / d x = 1: the one-element gradient, spread
            if g in env or meta is None or meta[1] != trace.dtype or outs[0][1] is not None:
                raise Unfusable("the gradient of a total of another kind")
            env[outs[0][0]] = trace.load(f"s{g}", len(meta[0]))
            group.ops.append(f"{item[1].op_name()} backward")
            return
        if item[0] != "fwd" or self._elementwise(item) != (group.shape, trace.dtype):
            raise Unfusable("the backward of an op that is not fused")
        if any(out is not None and out[1] is not None for out in outs):
            raise Unfusable("a gradient summed back to a broadcast input")
        code = self.saved_code.get(fwd)
        saved = tuple(
            trace.load(code[j] if code else f"c{fwd}._saved[{j}]") if kind is True else kind
            for j, kind in enumerate(self._saved_kinds(fwd))
        )
        if g not in env and self.rec.meta.get(g) != (group.shape, trace.dtype):
            raise Unfusable("an upstream gradient of another shape or layout")
        grad = env[g] if g in env else trace.load(f"s{g}")
        result = item[1].backward(_TracedCtx(item[4], saved), grad)
        result = result if isinstance(result, tuple) else (result,)
        for r, out in zip(result, outs):
            if out is None:
                continue
            if not isinstance(r, Sym):
                raise Unfusable("a backward that returns a number")
            env[out[0]] = r
        group.ops.append(f"{item[1].op_name()} backward")

    def _add(self, trace: Trace, index: int, env: dict, group: Group) -> None:
        _, a, b, total = self.items[index]
        for slot in (a, b):
            if self.rec.meta.get(slot) != (group.shape, trace.dtype):
                raise Unfusable("a gradient sum of other shapes")
        x = env[a] if a in env else trace.load(f"s{a}")
        y = env[b] if b in env else trace.load(f"s{b}")
        env[total] = x + y
        group.ops.append("gradient sum")

    # --------------------------------------------------------------- groups
    def _start(self, index: int) -> tuple | None:
        """(shape, dtype) if a group may start at item `index`."""
        item = self.items[index]
        if item[0] == "fwd":
            return self._elementwise(item)
        if item[0] == "bwd" and self.items[item[1]][0] == "fwd":
            fwd = self.items[item[1]]
            meta = self._meta(fwd[2][0]) if fwd[2] else None
            return meta if self._total(fwd, meta) else self._elementwise(fwd)
        if item[0] == "add":
            meta = self.rec.meta.get(item[1])
            if meta is not None and meta[1] in _FLOATS and self.rec.meta.get(item[2]) == meta:
                return meta
        return None

    def groups(self) -> list[Group]:
        found = []
        i = 0
        while i < len(self.items):
            meta = self._start(i)
            if meta is None:
                i += 1
                continue
            group = self._grow(i, meta)
            if group is not None:
                found.append(group)
                i = group.stop
            else:
                i += 1
        return found

    def _grow(self, start: int, meta: tuple) -> Group | None:
        """The longest run from `start` that traces, if it computes at least two operations."""
        trace = Trace(meta[1])
        group = Group(start, start, trace, shape=meta[0])
        env: dict[int, Sym] = {}
        phase = self.items[start][0] == "fwd"
        steps = {"fwd": self._forward, "bwd": self._backward, "add": self._add}
        for index in range(start, len(self.items)):
            kind = self.items[index][0]
            if kind not in steps or (kind == "fwd") != phase:
                break
            total = kind == "fwd" and self._total(self.items[index], meta)
            if kind == "fwd" and not total and self._elementwise(self.items[index]) != meta:
                break
            lines, names, ops = len(trace.lines), dict(env), len(group.ops)
            saved, inputs, scalars = dict(group.saved), dict(trace.inputs), dict(trace.scalars)
            try:
                (self._sum if total else steps[kind])(trace, index, env, group)
            except (Unfusable, TypeError, AttributeError, KeyError, IndexError):
                del trace.lines[lines:]  # undo the item's half-written lines
                env.clear()
                env.update(names)
                del group.ops[ops:]
                group.saved, trace.inputs, trace.scalars = saved, inputs, scalars
                break
            group.stop = index + 1
            if total:  # what follows works on the total's shape
                break
        if len(trace.lines) + len(trace.totals) < 2:
            return None
        for slot, sym in sorted(env.items()):  # every slot in env is one the group writes
            readers = self.readers.get(slot, [])
            name = re.compile(rf"\bs{slot}\b")
            kept = any(not group.start <= r < group.stop for r in readers) or any(
                name.search(code) for code in group.saved.values()
            )
            if kept:
                group.outputs.append((slot, sym.name))
        if not group.outputs:  # nothing reads what the run computes: it is not run at all
            return group
        for slot, _ in group.outputs:
            acc = self._leaf_gradient(slot, group)
            if acc is not None:
                group.adds[slot] = acc
        try:
            source = _source(group)
        except Unfusable:
            return None
        group.kernel = _compile(source)
        group.kernel.compile(_signature(group))  # now, as part of the capture time
        return group

    def _leaf_gradient(self, slot: int, group: Group) -> int | None:
        """The "acc" item that output `slot` only feeds, if it goes to a leaf whose array has
        the group's shape and dtype, with nothing but backward work in between: the kernel can
        add the gradient into that `.grad` itself (compiler.py passes its array when it fits)."""
        readers = self.readers.get(slot, [])
        if len(readers) != 1 or readers[0] >= len(self.items):
            return None
        item = self.items[readers[0]]
        if item[0] != "acc" or self._meta(item[1]) != (group.shape, group.trace.dtype):
            return None
        between = (self.items[i][0] for i in range(group.stop, readers[0]))
        backward = all(kind in ("bwd", "add", "acc", "copy") for kind in between)
        return readers[0] if backward else None


# ------------------------------------------------------------------ kernels
def _signature(group: Group) -> tuple:
    """The kernel's argument types: C-contiguous arrays of the group's dtype, each of its own
    rank, and the flags of the outputs added into `.grad`."""
    dtype, rank = numba.from_dtype(group.trace.dtype), len(group.shape)
    outs = [len(group.shapes.get(slot, group.shape)) for slot, _ in group.outputs]
    ins = [group.trace.scalars.get(expr, rank) for expr in group.trace.inputs]
    flags = (types.boolean,) * len(group.adds)
    arrays = [types.Array(dtype, r, "C") for r in (*outs, *ins)]
    return (*arrays[: len(outs)], *flags, *arrays[len(outs) :])


def _source(group: Group) -> str:
    """The kernel: outputs first, then a flag per output that goes to a leaf's `.grad` (False:
    add into the array given, as `.grad += g` does; True: write it), then the inputs; one flat
    loop over the group's shape. One-element inputs are read before it; totals are summed
    after it from a scratch array of their values."""
    trace = group.trace
    outs = {f"o{k}": out for k, out in enumerate(group.outputs)}
    adds = {f"o{k}": f"w{k}" for k, (slot, _) in enumerate(group.outputs) if slot in group.adds}
    totals = {o: name for o, (_, name) in outs.items() if name in trace.totals}
    loads = {sym.name: expr in trace.scalars for expr, sym in trace.inputs.items()}
    per_element = [o for o in outs if o not in totals]
    arrays = [f"{o}f" for o in per_element] + [f"i{n}f" for n, one in loads.items() if not one]
    if not arrays:
        raise Unfusable("no array of the loop's shape to size it")
    dtype = f"np.{trace.dtype.name}"
    lines = [f"def fused({', '.join([*outs, *adds.values(), *(f'i{n}' for n in loads)])}):"]
    lines += [f"    {o}f = {o}.reshape({o}.size)" for o in per_element]
    for n, one in loads.items():
        lines.append(f"    {n} = i{n}.reshape(1)[0]" if one else f"    i{n}f = i{n}.reshape(-1)")
    lines += [f"    p{o} = np.empty({arrays[0]}.size, {dtype})" for o in totals]
    lines.append(f"    for n in range({arrays[0]}.size):")
    lines += [f"        {n} = i{n}f[n]" for n, one in loads.items() if not one]
    lines += [f"        {line}" for line in trace.lines]
    for o in per_element:
        name = outs[o][1]
        value = f"{name} if {adds[o]} else {o}f[n] + {name}" if o in adds else name
        lines.append(f"        {o}f[n] = {value}")
    lines += [f"        p{o}[n] = {trace.totals[name]}" for o, name in totals.items()]
    for o in totals:
        lines.append(f"    {o}.reshape(1)[0] = pairwise_total(p{o}, {dtype}(0.0))")
    return "\n".join(lines)


_KERNELS: dict[str, Callable] = {}  # source -> compiled kernel, shared by every program


def _compile(source: str) -> Callable:
    """The kernel of a loop's source, from the disk cache when an earlier process compiled it
    (codecache.py)."""
    if source not in _KERNELS:
        imports = {"pairwise_total": summation} if "pairwise_total" in source else {}
        _KERNELS[source] = compile_source(source, "fused", imports)
    return _KERNELS[source]


def plan(rec: Any, value: Callable[[tuple], str], readers: dict) -> dict[int, Group]:
    """The fused groups of a recording, by their first item. `value(ref)` is the program's
    expression for an operand; `readers` maps each slot to the items that read it (the return
    value at len(rec.items)), as compiler._readers makes it."""
    return {g.start: g for g in _Planner(rec, value, readers).groups()}
