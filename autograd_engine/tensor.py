"""The user-facing Tensor: one NumPy array plus what autodiff needs to know about it.

A Tensor holds its array (`numpy()`), `requires_grad`, `grad` and `grad_fn` (the node that
produced it, None for leaves). Its methods and operators are thin calls into `ops`, where each
operation's forward and local derivative live side by side.

Layering: this module imports only the layers below it (errors, dtypes, grad_mode). The
package's one upward edge is at the end of this file: the op methods (`x.exp()`, `x + y`,
`x.backward()`) call `ops` and `autograd`, which are built on the Tensor class, so they are
imported and bound once the class exists.
"""

from __future__ import annotations

import sys
import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

from . import dtypes
from .device import CPU, check_device, device, names_device
from .errors import (
    ArgumentError,
    ArgumentValueError,
    BackwardError,
    DTypeError,
    InplaceError,
    ShapeError,
)
from .grad_mode import CAPTURES, DUALS, THREAD
from .hooks import RemovableHandle
from .random import numpy_generator

if TYPE_CHECKING:
    from .function import Node

_new = object.__new__

# How tensors print (`set_printoptions`), as NumPy's array2string takes it.
PRINT_OPTIONS: dict[str, Any] = {"precision": 4, "threshold": 200}
_PRINT_PROFILES = {
    "default": {"precision": 4, "threshold": 200},
    "short": {"precision": 2, "threshold": 200, "edgeitems": 2},
    "full": {"precision": 4, "threshold": 2**63 - 1},
}


def set_printoptions(
    precision: int | None = None,
    threshold: int | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """How tensors print, with torch.set_printoptions' arguments: digits after the point,
    the element count above which a tensor is summarized, the items shown at each edge of a
    summary, the line width, a named profile, and scientific notation on or off."""
    if profile is not None:
        if profile not in _PRINT_PROFILES:
            raise ArgumentValueError(
                f"set_printoptions: profile must be one of {sorted(_PRINT_PROFILES)}, "
                f"got {profile!r}"
            )
        PRINT_OPTIONS.clear()
        PRINT_OPTIONS.update(_PRINT_PROFILES[profile])
    given = {"precision": precision, "threshold": threshold, "edgeitems": edgeitems,
             "max_line_width": linewidth}  # fmt: skip
    PRINT_OPTIONS.update({k: v for k, v in given.items() if v is not None})
    PRINT_OPTIONS.pop("formatter", None)
    PRINT_OPTIONS.pop("suppress_small", None)
    if sci_mode:
        digits = PRINT_OPTIONS.get("precision", 4)
        PRINT_OPTIONS["formatter"] = {"float_kind": lambda v: f"{v:.{digits}e}"}
    elif sci_mode is False:
        PRINT_OPTIONS["suppress_small"] = True


# Tensor.type() names, as PyTorch prints them.
_TYPE_NAMES = {
    "float32": "FloatTensor",
    "float64": "DoubleTensor",
    "float16": "HalfTensor",
    "int64": "LongTensor",
    "int32": "IntTensor",
    "uint8": "ByteTensor",
    "bool": "BoolTensor",
}


class AccumulateGrad:
    """The sink of a leaf that requires grad: backward adds the incoming gradient to `.grad`."""

    __slots__ = ("__weakref__", "hooks", "variable")
    next_functions: tuple = ()
    name = "AccumulateGrad"

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable
        self.hooks: dict[int, Any] = {}  # Tensor.register_hook on the leaf

    def __repr__(self) -> str:
        return f"<AccumulateGrad {tuple(self.variable.shape)}>"


class _View:
    """What a view remembers, as in PyTorch: its base (never itself a view), the view steps
    that make it from the base (`ops.shape.replay_view`), whether grad mode was on when it was
    made, and the base's node its own `grad_fn` was made from (when the base gets a new node,
    through an in-place change, the view's node is made again)."""

    __slots__ = ("base", "grad_mode", "node", "steps")

    def __init__(self, base: Tensor, steps: tuple, grad_mode: bool) -> None:
        self.base = base
        self.steps = steps
        self.grad_mode = grad_mode
        self.node = base._grad_fn


class Size(tuple):
    """`torch.Size`: a shape is a plain tuple of ints, so `t.shape == torch.Size([2, 3])`."""


class Tensor:
    """An n-dimensional array that can record the operations applied to it."""

    __slots__ = (
        "__weakref__",
        "_accumulator",
        "_data",
        "_grad",
        "_grad_fn",
        "_requires_grad",
        "_vc",
        "_view",
    )
    __array_priority__ = 1000  # NumPy defers `array + tensor` to Tensor.__radd__

    def __init__(self, data: Any, dtype: Any = None, requires_grad: bool = False) -> None:
        self._data = dtypes.as_array(data._data if isinstance(data, Tensor) else data, dtype)
        self._grad_fn: Node | None = None
        self._view: _View | None = None
        self._grad: Tensor | None = None
        self._accumulator: AccumulateGrad | None = None
        self._vc = [0]
        self._requires_grad = False
        if requires_grad:
            self.requires_grad = True
        made_constant(self)

    @staticmethod
    def _make(data: np.ndarray, requires_grad: bool, grad_fn: Node | None) -> Tensor:
        """Wrap an array without copying or checking: the fast path used by every operation."""
        t = _new(Tensor)
        t._data = data
        t._requires_grad = requires_grad
        t._grad_fn = grad_fn
        t._view = None
        t._grad = None
        t._accumulator = None
        t._vc = [0]
        return t

    # ----------------------------------------------------------------- autodiff state
    @property
    def grad_fn(self) -> Node | None:
        """The node that produced this tensor (None for leaves)."""
        if self._view is not None:
            self._sync_view()
        return self._grad_fn

    @property
    def requires_grad(self) -> bool:
        if self._view is not None:
            self._sync_view()
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if CAPTURES.running:
            _note(self, "requires_grad =")
        if self.grad_fn is not None and not value:
            raise BackwardError(
                "requires_grad can only be changed on leaf tensors; use detach() to get a "
                "tensor that does not require grad"
            )
        if value and self._data.dtype.kind != "f":
            raise DTypeError(
                f"only floating-point tensors can require gradients, got dtype {self.dtype}; "
                "convert first, e.g. x.to(float32)"
            )
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        self.requires_grad = requires_grad
        return self

    @property
    def grad(self) -> Tensor | None:
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | np.ndarray | None) -> None:
        if CAPTURES.running:
            _note(self, "grad =")
        if value is not None:
            if not isinstance(value, Tensor):
                value = Tensor(value, dtype=self.dtype)
            if value.shape != self.shape:
                raise ShapeError(
                    f"assigned grad has shape {value.shape} but the tensor has shape "
                    f"{self.shape}; they must match"
                )
        self._grad = value

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    def _grad_accumulator(self) -> AccumulateGrad:
        if self._accumulator is None:
            self._accumulator = AccumulateGrad(self)
        return self._accumulator

    def retain_grad(self) -> None:
        """Keep `.grad` for this non-leaf tensor after backward (leaves always keep it)."""
        if not self._requires_grad:
            raise BackwardError("retain_grad: the tensor does not require grad")
        if self.grad_fn is not None:
            self.grad_fn._retained = weakref.ref(self)

    def register_hook(self, hook: Any) -> RemovableHandle:
        """Call `hook(grad)` with this tensor's gradient during backward; a returned Tensor
        replaces the gradient (as torch.Tensor.register_hook)."""
        if not self._requires_grad:
            raise BackwardError(
                "register_hook: cannot register a hook on a tensor that doesn't require gradient"
            )
        holder = self._grad_accumulator() if self._grad_fn is None else self._grad_fn
        if holder.hooks is None:  # a node's first hook
            holder.hooks = {}
        handle = RemovableHandle(holder.hooks)
        holder.hooks[handle.id] = hook
        return handle

    @property
    def retains_grad(self) -> bool:
        return self.grad_fn is not None and self.grad_fn._retained is not None

    def backward(
        self,
        gradient: Tensor | np.ndarray | float | None = None,
        retain_graph: bool = False,
        create_graph: bool = False,
    ) -> None:
        """Compute d self / d leaf for every leaf that requires grad, into `leaf.grad`."""
        autograd.backward(self, gradient, retain_graph, create_graph)

    def detach(self) -> Tensor:
        """The same values (shared memory) cut off from the graph."""
        t = Tensor._make(self._data, False, None)
        t._vc = self._vc
        return t

    def detach_(self) -> Tensor:
        if CAPTURES.running:
            _note(self, "detach_")
        self._grad_fn = None
        self._requires_grad = False
        self._view = None  # no longer follows its base's graph
        return self

    @property
    def data(self) -> Tensor:
        """The same values as a Tensor that shares memory and is cut off from the graph, as in
        PyTorch: `p.data.mul_(0.9)` changes p without recording anything. Use `numpy()` for
        the NumPy array. Like PyTorch, changes made through it are not seen by autograd's
        version checks (`detach()` shares them)."""
        return Tensor._make(self._data, False, None)

    @data.setter
    def data(self, value: Tensor | np.ndarray) -> None:
        """Replace the values (any shape), keeping the graph identity: `p.data = new`."""
        if CAPTURES.running:
            _note(self, "data =")
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    # ----------------------------------------------------------------- array facts
    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """The shape, or the length of one dimension, as `torch.Tensor.size`."""
        return self._data.shape if dim is None else self._data.shape[dim]

    def numel(self) -> int:
        return self._data.size

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def numpy(self) -> np.ndarray:
        """The underlying NumPy array (shared memory: changing one changes the other)."""
        if CAPTURES.running:
            _note(self, "numpy()", sys._getframe(1).f_globals.get("__name__", ""))
        return self._data

    def item(self) -> float | int | bool:
        if CAPTURES.running:
            _note(self, "item()")
        if self._data.size != 1:
            raise ShapeError(
                f"item: only a one-element tensor can be converted to a Python number, "
                f"this one has shape {self.shape}"
            )
        return self._data.item()

    def tolist(self) -> Any:
        if CAPTURES.running:
            _note(self, "tolist()")
        return self._data.tolist()

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise ArgumentError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise ArgumentValueError(
                f"the truth value of a tensor with {self._data.size} elements is ambiguous; "
                "use .any() or .all()"
            )
        if CAPTURES.running:
            _note(self, "bool()")
        return bool(self._data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iu":
            raise ArgumentError("only integer tensors of a single element can be used as an index")
        return int(self.item())

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        return self._data if dtype is None else self._data.astype(dtype)

    # By identity, as in PyTorch (== is elementwise): tensors key the optimizers' state and
    # the engine's dicts. object's own hash is C code, a Python __hash__ a call per lookup.
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="tensor(", **PRINT_OPTIONS)
        extra = []
        if (
            self._data.dtype != dtypes.get_default_dtype() and self._data.dtype.kind == "f"
        ) or self._data.dtype.kind != "f":
            extra.append(f"dtype={self._data.dtype}")
        if self.grad_fn is not None:
            extra.append(f"grad_fn={self.grad_fn!r}")
        elif self._requires_grad:
            extra.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extra) + ")"

    # ----------------------------------------------------------------- conversion
    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """PyTorch's forms `to(dtype)`, `to(device, dtype=None)` and `to(other)`: self when
        nothing changes (or a copy with `copy=True`), else a converted copy (differentiable
        between float dtypes). The only device is the CPU."""
        dtype, target = kwargs.pop("dtype", None), kwargs.pop("device", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise ArgumentError(f"to: unexpected keyword arguments {sorted(kwargs)}")
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif names_device(arg):
                target = arg
            else:
                dtype = arg
        check_device(target, "to")
        out = self if dtype is None else ops.shape.cast(self, dtypes.resolve(dtype))
        return out.clone() if copy and out is self else out

    def astype(self, dtype: Any) -> Tensor:
        """NumPy's spelling of `to(dtype)`."""
        return self.to(dtype)

    def type(self, dtype: Any = None) -> str | Tensor:
        """With no argument, PyTorch's type name ('torch.FloatTensor'); else `to(dtype)`."""
        if dtype is None:
            return f"torch.{_TYPE_NAMES.get(self._data.dtype.name, 'Tensor')}"
        return self.to(dtype)

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(other.dtype)

    def float(self) -> Tensor:
        return self.to(np.float32)

    def double(self) -> Tensor:
        return self.to(np.float64)

    def half(self) -> Tensor:
        return self.to(np.float16)

    def long(self) -> Tensor:
        return self.to(np.int64)

    def int(self) -> Tensor:
        return self.to(np.int32)

    def bool(self) -> Tensor:
        return self.to(np.bool_)

    @property
    def device(self) -> device:
        """Always the CPU."""
        return CPU

    is_cuda = False

    def cpu(self) -> Tensor:
        return self

    def cuda(self, device: Any = None, non_blocking: bool = False) -> Tensor:
        check_device(device or "cuda", "cuda")
        return self

    def clone(self) -> Tensor:
        return ops.shape.clone(self)

    def contiguous(self) -> Tensor:
        return self if self.is_contiguous() else self.clone()

    def is_contiguous(self) -> bool:
        """Whether the values lie in memory in row-major order (a transpose does not)."""
        return self._data.flags.c_contiguous

    def equal(self, other: Tensor) -> bool:
        """`torch.equal`: same shape and the same values (not a tensor, not differentiable)."""
        return self.shape == other.shape and bool(np.array_equal(self._data, other._data))

    # ----------------------------------------------------------------- views and in place
    # As in PyTorch: an in-place operation writes into the tensor's memory (so every view of
    # it sees the change) and bumps the version counter that views share with their base.
    # When it must be recorded, the operation runs out of place on a copy of the old values
    # and the result is written back; the tensor takes the result's node, and for a view it
    # is the base that gets a new node (CopySlices: the written region's gradient goes
    # through the operation, the rest straight to the old base), from which the view's own
    # node is made again. Other views of the base notice its new node and do the same.

    def _sync_view(self) -> None:
        """Make this view's node again from its base's, if the base got a new node since."""
        view = self._view
        base = view.base
        if view.node is base._grad_fn:
            return
        view.node = base._grad_fn
        if view.grad_mode and base._requires_grad:
            previous, THREAD.state.grad_enabled = THREAD.state.grad_enabled, True
            try:
                fresh = ops.shape.replay_view(base, view.steps)
            finally:
                THREAD.state.grad_enabled = previous
            self._grad_fn = fresh._grad_fn
            self._requires_grad = True
            self._grad_fn.output_ref = weakref.ref(self)

    def _records(self, op: str, *others: Any) -> bool:
        """True if this in-place change must be recorded; raises where PyTorch does."""
        # A forward-mode tangent in play: take the out-of-place path, which carries it.
        dual = bool(DUALS.level) and any(id(t) in DUALS.tangents for t in (self, *others))
        if not THREAD.state.grad_enabled:
            return dual
        view = self._view
        if view is not None:
            self._sync_view()
            if not view.grad_mode and view.base._requires_grad:
                raise InplaceError(
                    f"{op}: a view was created in no_grad mode and is being modified in place "
                    "with grad mode enabled; create the view and change it both inside the "
                    "no_grad block (not recorded) or both outside (recorded)"
                )
        if self._grad_fn is None and self._requires_grad:
            raise InplaceError(
                f"{op}: a leaf tensor that requires grad (shape {self.shape}) cannot be changed "
                "in place while gradients are recorded; wrap the update in `with no_grad():` "
                "(as in `w -= lr * w.grad`)"
            )
        if not (
            self._requires_grad or any(isinstance(o, Tensor) and o._requires_grad for o in others)
        ):
            return dual
        if view is not None and view.base._requires_grad and view.base._grad_fn is None:
            raise InplaceError(
                f"{op}: a view of a leaf Variable that requires grad is being used in an "
                f"in-place operation (view of shape {self.shape}); change a clone, or the leaf "
                "itself under no_grad()"
            )
        if not self._data.flags.writeable:
            raise _read_only(op, self)
        return True

    def _rebase(self, op: str, result: Tensor) -> Tensor:
        """Write the recorded out-of-place `result` into this tensor's memory and take its node
        (for a view: the base takes a CopySlices node and the view's node is made again)."""
        if result._data.dtype != self._data.dtype:
            result = ops.shape.cast(result, self._data.dtype)
        if result.shape != self.shape:
            raise ShapeError(
                f"{op}: the result has shape {result.shape} but an in-place operation must keep "
                f"the tensor's shape {self.shape}; use the out-of-place operation"
            )
        view = self._view
        if view is None:
            np.copyto(self._data, result._data)
            if THREAD.state.grad_enabled:  # (else only a forward-mode tangent made us record)
                self._grad_fn = result._grad_fn
                self._requires_grad = result._requires_grad
                if self._grad_fn is not None:
                    self._grad_fn.output_ref = weakref.ref(self)
            self._vc[0] += 1
            if DUALS.level:
                _take_tangent(self, result)
        else:
            base = ops.shape.copy_slices(view.base, result, self._data, view.steps)
            self._sync_view()  # the view's node, made again from the base's new one
            if DUALS.level:  # the base's new tangent (CopySlices' jvp), and the view's part
                _take_tangent(view.base, base)
                entry = DUALS.tangents.get(id(view.base))
                if entry is None:
                    DUALS.tangents.pop(id(self), None)
                else:
                    DUALS.tangents[id(self)] = (self, ops.shape.replay_view(entry[1], view.steps))
        return self

    def _old_self(self) -> Tensor:
        """The current values (a copy: memory is about to change) with the current graph and
        forward-mode tangent."""
        old = Tensor._make(self._data.copy(), self._requires_grad, self._grad_fn)
        if DUALS.level and id(self) in DUALS.tangents:
            DUALS.tangents[id(old)] = (old, DUALS.tangents[id(self)][1])
        return old

    def _inplace(self, op: str, ufunc: np.ufunc, other: Any) -> Tensor:
        if CAPTURES.running:
            _note(self, op)
        if self._records(op, other):
            return self._rebase(op, _BINARY_OPS[ufunc](self._old_self(), other))
        value = other._data if isinstance(other, Tensor) else other
        try:
            ufunc(self._data, value, out=self._data, casting="same_kind")
        except ValueError as exc:
            if not self._data.flags.writeable:
                raise _read_only(op, self) from None
            raise ShapeError(
                f"{op}: cannot update a tensor of shape {self.shape} in place with a value of "
                f"shape {np.shape(value)}: {exc}"
            ) from exc
        except TypeError as exc:  # NumPy's casting error: the result is of a wider kind
            other_type = getattr(value, "dtype", type(value).__name__)
            raise DTypeError(
                f"{op}: the result for a {other_type} operand is of a wider kind than this "
                f"{self._data.dtype} tensor and cannot be stored in it in place (PyTorch: "
                "result type Float can't be cast to Long); use the out-of-place form "
                "(x = x + v) or convert first (x = x.float())"
            ) from exc
        self._vc[0] += 1
        return self

    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        return self._inplace("add_", np.add, other if alpha == 1 else other * alpha)

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        return self._inplace("sub_", np.subtract, other if alpha == 1 else other * alpha)

    def mul_(self, other: Any) -> Tensor:
        return self._inplace("mul_", np.multiply, other)

    def div_(self, other: Any) -> Tensor:
        return self._inplace("div_", np.true_divide, other)

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_

    def copy_(self, src: Any, _op: str = "copy_") -> Tensor:
        """Overwrite the values with `src` (broadcast to this shape)."""
        if CAPTURES.running:
            _note(self, _op)
        if self._records(_op, src):
            src = src if isinstance(src, Tensor) else Tensor(src, dtype=self.dtype)
            # clone: a node of its own, never src's (src may be a leaf)
            copied = ops.shape.clone(ops.shape.broadcast_to(src.to(self.dtype), self.shape))
            return self._rebase(_op, copied)
        value = src._data if isinstance(src, Tensor) else src
        if not self._data.flags.writeable:
            raise _read_only(_op, self)
        np.copyto(self._data, value, casting="unsafe")
        self._vc[0] += 1
        return self

    def fill_(self, value: float, _op: str = "fill_") -> Tensor:
        return self.copy_(np.asarray(value, dtype=self.dtype), _op)

    def zero_(self) -> Tensor:
        return self.fill_(0, "zero_")

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:
        if CAPTURES.running:
            _note(self, "clamp_")
        if self._records("clamp_", min, max):
            return self._rebase("clamp_", ops.elementwise.clip(self._old_self(), min, max))
        if not self._data.flags.writeable:
            raise _read_only("clamp_", self)
        lo, hi = (v._data if isinstance(v, Tensor) else v for v in (min, max))
        np.clip(self._data, lo, hi, out=self._data)
        self._vc[0] += 1
        return self

    clip_ = clamp_

    def _apply_(self, op: str, fn: Any, *others: Any) -> Tensor:
        """Write the out-of-place `fn(self)` back into this tensor, recorded as every other
        in-place operation is (the in-place form of a masking or scattering op)."""
        if CAPTURES.running:
            _note(self, op)
        if self._records(op, *others):
            return self._rebase(op, fn(self._old_self()))
        if not self._data.flags.writeable:
            raise _read_only(op, self)
        np.copyto(self._data, fn(self.detach())._data, casting="unsafe")
        self._vc[0] += 1
        return self

    def masked_fill_(self, mask: Any, value: Any) -> Tensor:
        return self._apply_("masked_fill_", lambda t: ops.masked_fill(t, mask, value), value)

    def scatter_(self, dim: int, index: Any, src: Any = None, value: Any = None) -> Tensor:
        def scatter(t: Tensor) -> Tensor:
            return ops.scatter(t, dim, index, src, value)

        return self._apply_("scatter_", scatter, src)

    def scatter_add_(self, dim: int, index: Any, src: Any) -> Tensor:
        return self._apply_("scatter_add_", lambda t: ops.scatter_add(t, dim, index, src), src)

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill with normal samples (from `generator`, default the seeded global one)."""
        sample = numpy_generator(generator).normal(mean, std, self.shape)
        return self.copy_(np.asarray(sample, dtype=self.dtype), "normal_")

    def uniform_(self, from_: float = 0.0, to: float = 1.0, *, generator: Any = None) -> Tensor:
        """Fill with uniform samples on [from_, to)."""
        sample = numpy_generator(generator).uniform(from_, to, self.shape)
        return self.copy_(np.asarray(sample, dtype=self.dtype), "uniform_")

    def __setitem__(self, key: Any, value: Any) -> None:
        if CAPTURES.running:
            _note(self, "__setitem__")
        if self._records("__setitem__", value):
            self._rebase("__setitem__", ops.shape.index_put(self._old_self(), key, value))
            return
        if not self._data.flags.writeable:
            raise _read_only("__setitem__", self)
        self._data[ops.shape.index_key(key)[0]] = (
            value._data if isinstance(value, Tensor) else value
        )
        self._vc[0] += 1

    # ----------------------------------------------------------------- arithmetic
    # x + y, x * y, -x, x[i], ... are the ops themselves (bound below, one call less per
    # operation); the reflected forms swap the operands.
    def __radd__(self, other: Any) -> Tensor:
        return ops.elementwise.add(other, self)

    def __rsub__(self, other: Any) -> Tensor:
        return ops.elementwise.sub(other, self)

    def __rmul__(self, other: Any) -> Tensor:
        return ops.elementwise.mul(other, self)

    def __rtruediv__(self, other: Any) -> Tensor:
        return ops.elementwise.div(other, self)

    def __rpow__(self, other: Any) -> Tensor:
        return ops.elementwise.pow(other, self)

    def __rmod__(self, other: Any) -> Tensor:
        return ops.special.remainder(other, self)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return ops.arithmetic.floor_divide(other, self)

    def __rmatmul__(self, other: Any) -> Tensor:
        return ops.linalg.matmul(other, self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return ops.elementwise.abs(self)

    # comparisons: not differentiable, return bool tensors
    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return ops.compare.eq(self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return ops.compare.ne(self, other)

    def __lt__(self, other: Any) -> Tensor:
        return ops.compare.lt(self, other)

    def __le__(self, other: Any) -> Tensor:
        return ops.compare.le(self, other)

    def __gt__(self, other: Any) -> Tensor:
        return ops.compare.gt(self, other)

    def __ge__(self, other: Any) -> Tensor:
        return ops.compare.ge(self, other)

    def __invert__(self) -> Tensor:
        return ops.compare.logical_not(self)

    def __and__(self, other: Any) -> Tensor:
        return ops.compare.logical_and(self, other)

    def __or__(self, other: Any) -> Tensor:
        return ops.compare.logical_or(self, other)

    @property
    def T(self) -> Tensor:
        """All dimensions reversed (the transpose of a matrix)."""
        return ops.shape.permute(self, tuple(range(self._data.ndim - 1, -1, -1)))


def _take_tangent(target: Tensor, source: Tensor) -> None:
    """Forward mode: `target` now holds `source`'s values, so it carries source's tangent."""
    entry = DUALS.tangents.pop(id(source), None)
    if entry is None:
        DUALS.tangents.pop(id(target), None)
    else:
        DUALS.tangents[id(target)] = (target, entry[1])


def _note(t: Tensor, op: str, caller: str = "") -> None:
    """Tell an `ae.compile` capture running in this thread that `op` reads a tensor's values
    into Python or changes the tensor in place: a replay of the recorded kernels would not
    repeat it, so the capture gives up unless an opaque call (`compiler.disable`) runs it."""
    if (rec := THREAD.state.capture) is not None:
        rec.touch(t, op, caller)


def made_constant(t: Tensor) -> Tensor:
    """t, after telling an `ae.compile` capture running in this thread (if any) that it is a
    constant made inside the captured call, which a replay keeps."""
    if CAPTURES.running and (rec := THREAD.state.capture) is not None:
        rec.made_tensor(t)
    return t


def _read_only(op: str, t: Tensor) -> InplaceError:
    return InplaceError(
        f"{op}: the tensor (shape {t.shape}) is read-only: an expanded (broadcast) view, whose "
        "elements share memory, or a read-only array; clone() it before changing it in place"
    )


def _bind_methods() -> None:
    """Expose every public op as a Tensor method (x.exp(), x.sum(axis=1), ...) and the
    arithmetic operators as the ops themselves."""
    for name in ops.TENSOR_METHODS:
        setattr(Tensor, name, getattr(ops, name))
    for dunder, op in ops.OPERATORS.items():
        setattr(Tensor, dunder, op)


# The one upward edge of the package (see the module docstring).
from . import autograd, ops  # noqa: E402

_BINARY_OPS = {
    np.add: ops.elementwise.add,
    np.subtract: ops.elementwise.sub,
    np.multiply: ops.elementwise.mul,
    np.true_divide: ops.elementwise.div,
}
_bind_methods()
