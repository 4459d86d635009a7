"""Operations that move values without computing new ones: reshape, permute, broadcast,
indexing, concatenation, padding and dtype conversion. Their gradients move values back."""

from __future__ import annotations

import math
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ArgumentValueError, IndexOutOfRangeError, ShapeError
from ..grad_mode import THREAD
from ..tensor import Tensor, _View
from ._util import (
    Primitive,
    as_tensor,
    binary,
    check_dim,
    normalize_axis,
    pick_alias,
)


def _shape_arg(shape: tuple) -> tuple:
    """Accept sizes as separate ints or one tuple, as PyTorch does: reshape(2, 3) or ((2, 3))."""
    if len(shape) == 1 and isinstance(shape[0], Sequence | np.ndarray):
        return tuple(int(s) for s in shape[0])
    return tuple(int(s) for s in shape)


def _as_view(result: Tensor, source: Tensor, step: tuple) -> Tensor:
    """Mark `result` as a view of `source` if NumPy made it share memory (a reshape may copy):
    it shares the version counter and remembers its base and the steps from it, so that an
    in-place change of either is seen and recorded as in PyTorch (Tensor._rebase)."""
    owner, data = result._data.base, source._data  # NumPy points a view to the memory's owner
    if owner is not None and (owner is data or owner is data.base):
        result._vc = source._vc
        parent = source._view
        base, steps = (source, ()) if parent is None else (parent.base, parent.steps)
        result._view = _View(base, (*steps, step), THREAD.state.grad_enabled)
    return result


class Reshape(Primitive):
    name = "reshape"

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ShapeError(
                f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) into "
                f"shape {shape}; the number of elements must stay the same (use -1 for one "
                "inferred size)"
            ) from None

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape), None

    @staticmethod
    def jvp(ctx, t, _shape):
        return t.reshape(ctx.output.shape)


class Permute(Primitive):
    name = "permute"

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx, g):
        inverse = tuple(int(i) for i in np.argsort(ctx.dims))
        return Permute.call(g, inverse), None

    @staticmethod
    def jvp(ctx, t, _dims):
        return np.transpose(t, ctx.dims)


class BroadcastTo(Primitive):
    name = "expand"

    @staticmethod
    def forward(ctx, x, shape):
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise ShapeError(
                f"expand: cannot broadcast shape {x.shape} to {shape}; each dimension must be "
                "equal or 1 in the source"
            ) from None

    @staticmethod
    def backward(ctx, g):
        (shape, _) = ctx.input_meta[0]
        return SumTo.call(g, shape), None

    @staticmethod
    def jvp(ctx, t, _shape):
        return np.broadcast_to(t, ctx.output.shape)


class SumTo(Primitive):
    """Sum a broadcast gradient back to an input's shape: the adjoint of broadcasting."""

    name = "sum_to"

    @staticmethod
    def forward(ctx, x, shape):
        return sum_to_shape(x, shape)

    @staticmethod
    def backward(ctx, g):
        (shape, _) = ctx.input_meta[0]
        return BroadcastTo.call(g, shape), None

    @staticmethod
    def jvp(ctx, t, _shape):
        return sum_to_shape(t, ctx.output.shape)


def sum_to_shape(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum an array over the dimensions that broadcasting added to `shape`."""
    lead = x.ndim - len(shape)
    if lead < 0:
        raise ShapeError(f"sum_to: cannot sum shape {x.shape} to the larger shape {shape}")
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1
    )
    out = np.sum(x, axis=axes, keepdims=True) if axes else x
    out = out.reshape(shape)
    if out.shape != tuple(shape):
        raise ShapeError(f"sum_to: cannot sum shape {x.shape} to shape {shape}")
    return out


_VIEW_KEYS = (int, slice, type(None), np.integer)


def index_key(key: Any) -> tuple[tuple, list[Tensor]]:
    """The index as NumPy takes it (Tensors become their arrays, lists and NumPy arrays new
    arrays), and the Tensors it held: ops pass those beside the index so that their nodes
    save them, and a backward after one was changed in place raises as for any saved value
    (a user's NumPy array is copied instead: nothing would see it change).

    An index of only ints, slices and None gets an Ellipsis: NumPy then gives a view even of
    a single element (x[0] of a vector is a 0-d view that writes to x, as in PyTorch)."""
    out, tensors, view = [], [], True
    for k in key if type(key) is tuple else (key,):
        if not isinstance(k, _VIEW_KEYS):
            view = False
            if isinstance(k, Tensor):
                tensors.append(k)
                k = k._data
            elif isinstance(k, list | np.ndarray):
                k = np.array(k)
        out.append(k)
    if view:
        out.append(Ellipsis)
    return tuple(out), tensors


def _is_basic(key: Any) -> bool:
    """True for indices without integer arrays: each element is selected at most once."""
    keys = key if isinstance(key, tuple) else (key,)
    return all(
        k is None
        or k is Ellipsis
        or isinstance(k, (slice, int, np.integer))
        or (isinstance(k, np.ndarray) and k.dtype == np.bool_)
        for k in keys
    )


class GetItem(Primitive):
    name = "getitem"
    symbol = "[]"

    @staticmethod
    def forward(ctx, x, key, *index_arrays):
        ctx.key = key
        ctx.save_for_backward(*index_arrays)
        try:
            return x[key]
        except IndexError as exc:
            shown = key[:-1] if key and key[-1] is Ellipsis else key  # as the user wrote it
            raise IndexOutOfRangeError(
                f"getitem: index {shown[0] if len(shown) == 1 else shown!r} is out of range for "
                f"shape {x.shape}: {exc}"
            ) from None

    @staticmethod
    def backward(ctx, g):
        (shape, _) = ctx.input_meta[0]
        unchanged = (None,) * (1 + len(ctx.saved_tensors))  # raises if an index was changed
        return IndexAdd.call(g, ctx.key, shape), *unchanged

    @staticmethod
    def jvp(ctx, t, _key, *_index_arrays):
        return t[ctx.key]


def index_add(g: np.ndarray, key: Any, shape: tuple[int, ...]) -> np.ndarray:
    """zeros(shape) with g added at `key`; repeated indices add up."""
    out = np.zeros(shape, dtype=g.dtype)
    if _is_basic(key):
        out[key] = g
    else:
        np.add.at(out, key, g)
    return out


class IndexAdd(Primitive):
    """The adjoint of indexing, recorded so that it can itself be differentiated."""

    name = "index_add"

    @staticmethod
    def forward(ctx, g, key, shape):
        ctx.key = key
        return index_add(g, key, shape)

    @staticmethod
    def backward(ctx, gg):
        return gg[ctx.key], None, None

    @staticmethod
    def jvp(ctx, t, _key, _shape):
        return index_add(t, ctx.key, ctx.output.shape)


class IndexPut(Primitive):
    """A copy of x with `value` written at `key`: the recorded form of `x[key] = value`.

    With repeated indices the last write wins (as NumPy and PyTorch on the CPU), and only the
    values that were kept get a gradient (PyTorch gives one to every duplicate, although the
    overwritten values do not reach the result)."""

    name = "index_put"

    @staticmethod
    def forward(ctx, x, key, value, *index_arrays):
        ctx.key = key
        ctx.save_for_backward(*index_arrays)
        out = x.copy()
        out[key] = value
        ctx.kept = None if _is_basic(key) else _kept_writes(x.shape, key)
        return out

    @staticmethod
    def backward(ctx, g):
        (shape, dtype) = ctx.input_meta[0]
        unchanged = (None,) * (1 + len(ctx.saved_tensors))  # raises if an index was changed
        keep = np.ones(shape, dtype=dtype)
        keep[ctx.key] = 0
        grad_value = None
        if ctx.needs_input_grad[2]:
            grad_value = g[ctx.key] if ctx.kept is None else g[ctx.key] * ctx.kept
        return g * keep, *unchanged[:1], grad_value, *unchanged[1:]

    @staticmethod
    def jvp(ctx, tx, _key, tv, *_index_arrays):
        out = tx.copy()
        out[ctx.key] = tv
        return out


def _kept_writes(shape: tuple[int, ...], key: Any) -> np.ndarray | None:
    """For `out[key] = value` with integer arrays: where each written element survived the
    later writes to the same place (None when no index repeats)."""
    slots = np.zeros(shape, dtype=np.intp)
    written = slots[key].shape
    order = np.arange(math.prod(written), dtype=np.intp).reshape(written)
    slots[key] = order
    kept = slots[key] == order
    return None if kept.all() else kept


class Concatenate(Primitive):
    name = "concatenate"

    @staticmethod
    def forward(ctx, axis, *xs):
        ctx.axis = axis
        ctx.bounds = np.cumsum([0] + [x.shape[axis] for x in xs])
        try:
            return np.concatenate(xs, axis=axis)
        except ValueError:
            shapes = ", ".join(str(x.shape) for x in xs)
            raise ShapeError(
                f"concatenate: shapes {shapes} must match in every dimension except axis {axis}"
            ) from None

    @staticmethod
    def backward(ctx, g):
        lead = (slice(None),) * ctx.axis
        parts = [
            g[(*lead, slice(int(lo), int(hi)))]
            for lo, hi in zip(ctx.bounds[:-1], ctx.bounds[1:], strict=True)
        ]
        return (None, *parts)

    @staticmethod
    def jvp(ctx, _axis, *ts):
        return np.concatenate(ts, axis=ctx.axis)


class Pad(Primitive):
    name = "pad"

    @staticmethod
    def forward(ctx, x, widths, value):
        ctx.inner = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, x.shape, strict=True))
        return np.pad(x, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, g):
        return g[ctx.inner], None, None

    @staticmethod
    def jvp(ctx, t, _widths, _value):
        return np.pad(t, ctx.inputs[1])


class Cast(Primitive):
    name = "to"

    @staticmethod
    def forward(ctx, x, dtype):
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        (_, dtype) = ctx.input_meta[0]
        return g.astype(dtype), None

    @staticmethod
    def jvp(ctx, t, _dtype):
        return t.astype(ctx.output.dtype)


class Clone(Primitive):
    name = "clone"

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return g

    @staticmethod
    def jvp(ctx, t):
        return t.copy()


# --------------------------------------------------------------------------- public functions
def reshape(x: Any, *shape: Any) -> Tensor:
    x = as_tensor(x)
    shape = _shape_arg(shape)
    if shape == x.shape:
        return x
    return _as_view(Reshape.apply(x, shape), x, (reshape, shape))


view = reshape


def flatten(x: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions start_dim..end_dim into one (all of them by default)."""
    x = as_tensor(x)
    lo, hi = check_dim(start_dim, x.ndim, "flatten"), check_dim(end_dim, x.ndim, "flatten")
    if x.ndim == 0:
        return reshape(x, (1,))
    if lo > hi:
        raise ShapeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    merged = int(np.prod(x.shape[lo : hi + 1]))
    return reshape(x, (*x.shape[:lo], merged, *x.shape[hi + 1 :]))


def permute(x: Any, *dims: Any) -> Tensor:
    x = as_tensor(x)
    given = dims[0] if len(dims) == 1 and isinstance(dims[0], Sequence) else dims
    dims = tuple(check_dim(d, x.ndim, "permute") for d in given)
    if sorted(dims) != list(range(x.ndim)):
        raise ShapeError(
            f"permute: {tuple(given)} is not a permutation of the {x.ndim} dimensions of shape "
            f"{x.shape}: list each dimension exactly once"
        )
    dims = tuple(d % x.ndim for d in dims)
    return _as_view(Permute.apply(x, dims), x, (permute, dims))


def transpose(x: Any, dim0: int = -2, dim1: int = -1) -> Tensor:
    """Swap two dimensions (the last two by default)."""
    x = as_tensor(x)
    dim0, dim1 = check_dim(dim0, x.ndim, "transpose"), check_dim(dim1, x.ndim, "transpose")
    if x.ndim < 2:
        return x
    dims = list(range(x.ndim))
    dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
    return permute(x, tuple(dims))


swapaxes = transpose


def broadcast_to(x: Any, *shape: Any) -> Tensor:
    x = as_tensor(x)
    shape = _shape_arg(shape)
    if shape == x.shape:
        return x
    return _as_view(BroadcastTo.apply(x, shape), x, (broadcast_to, shape))


def expand(x: Any, *sizes: Any) -> Tensor:
    """Broadcast to `sizes`; -1 keeps a dimension's size, as torch.Tensor.expand."""
    x = as_tensor(x)
    sizes = _shape_arg(sizes)
    lead = len(sizes) - x.ndim
    shape = tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    return broadcast_to(x, shape)


def sum_to(x: Tensor | np.ndarray, shape: tuple[int, ...]) -> Tensor | np.ndarray:
    """Sum x down to `shape` (which x's shape broadcasts from); arrays stay arrays."""
    if x.shape == tuple(shape):
        return x
    return SumTo.call(x, tuple(shape))


def squeeze(x: Any, dim: int | tuple[int, ...] | None = None, *, axis: Any = None) -> Tensor:
    """Remove dimensions of size 1 (only those in `dim`, if given)."""
    x = as_tensor(x)
    dim = pick_alias("squeeze", "dim", dim, "axis", axis, None)
    axes = normalize_axis(dim, x.ndim, "squeeze") if dim is not None else None
    shape = tuple(n for i, n in enumerate(x.shape) if not (n == 1 and (axes is None or i in axes)))
    return reshape(x, shape)


def unsqueeze(x: Any, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """Insert a dimension of size 1 at `dim` (negative counts from the end of the result)."""
    x = as_tensor(x)
    axis = check_dim(
        pick_alias("unsqueeze", "dim", dim, "axis", axis, None), x.ndim, "unsqueeze", new=1
    )
    return reshape(x, (*x.shape[:axis], 1, *x.shape[axis:]))


def getitem(x: Any, key: Any) -> Tensor:
    x = as_tensor(x)
    index, tensors = index_key(key)
    return _as_view(GetItem.apply(x, index, *tensors), x, (getitem, index))


class CopySlices(Primitive):
    """Write `src` into `region`, a view of base's memory: the node a base gets when one of its
    views is changed in place by a recorded operation (PyTorch's CopySlices). The gradient of
    the written region goes to src (the result of the operation on the view), the rest to the
    base's previous node."""

    name = "copy_slices"

    @staticmethod
    def forward(ctx, base, src, region, steps):
        ctx.steps = steps
        np.copyto(region, src)
        return base

    @staticmethod
    def backward(ctx, g):
        (shape, dtype) = ctx.input_meta[0]
        need_base, need_src, _, _ = ctx.needs_input_grad
        grad_base = grad_src = None
        if need_base:
            keep = np.ones(math.prod(shape), dtype=dtype)
            where = replay_view(np.arange(keep.size).reshape(shape), ctx.steps)
            keep[where.reshape(-1)] = 0  # flat positions: works whether a step copies or not
            grad_base = g * keep.reshape(shape)
        if need_src:
            grad_src = replay_view(g, ctx.steps)
        return grad_base, grad_src, None, None

    @staticmethod
    def jvp(ctx, t_base, t_src, _region, _steps):
        out = np.array(t_base)  # the base's tangent with the written region's replaced
        replay_view(out, ctx.steps)[...] = t_src
        return out


def copy_slices(base: Tensor, src: Tensor, region: np.ndarray, steps: tuple) -> Tensor:
    """Write src into `region` (base's memory seen through `steps`) and give base the node;
    return the recorded output (which holds the base's new forward-mode tangent, if any)."""
    out = CopySlices.apply(base, src, region, steps)
    if (
        THREAD.state.grad_enabled
    ):  # (else only a forward-mode tangent made the change go through here)
        base._grad_fn = out._grad_fn
        base._requires_grad = out._requires_grad
        if base._grad_fn is not None:
            base._grad_fn.output_ref = weakref.ref(base)
    base._vc[0] += 1
    return out


def replay_view(x: Any, steps: tuple) -> Any:
    """Apply a view's steps (`_as_view`) to an array, or to a Tensor as recorded operations."""
    for fn, arg in steps:
        x = _ARRAY_VIEW[fn](x, arg) if isinstance(x, np.ndarray) else fn(x, arg)
    return x


def index_put(x: Tensor, key: Any, value: Any) -> Tensor:
    x, value = binary(x, value)
    index, tensors = index_key(key)
    return IndexPut.apply(x, index, value, *tensors)


def concatenate(tensors: Sequence[Any], dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join tensors along an existing dim (torch.cat)."""
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ShapeError("cat: need at least one tensor")
    d = pick_alias("cat", "dim", dim, "axis", axis, 0)
    ndims = {t.ndim for t in tensors}
    if 0 in ndims or len(ndims) > 1:
        shapes = ", ".join(str(t.shape) for t in tensors)
        raise ShapeError(f"cat: tensors {shapes} must all have the same number (>= 1) of dims")
    return Concatenate.apply(check_dim(d, tensors[0].ndim, "cat"), *tensors)


cat = concatenate


def stack(tensors: Sequence[Any], dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join tensors of one shape along a new dim."""
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ShapeError("stack: need at least one tensor")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ShapeError(f"stack: all tensors must have the same shape, got {sorted(shapes)}")
    d = pick_alias("stack", "dim", dim, "axis", axis, 0)
    d = check_dim(d, tensors[0].ndim, "stack", new=1)
    return concatenate([unsqueeze(t, d) for t in tensors], d)


def pad(x: Any, pad_width: Any, value: float = 0.0) -> Tensor:
    """Pad with a constant; pad_width as in np.pad: n, (before, after), or one pair per axis."""
    x = as_tensor(x)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.ndim, 2))
    if (widths < 0).any():
        raise ArgumentValueError(f"pad: widths must be non-negative, got {pad_width}")
    return Pad.apply(x, tuple(map(tuple, widths.tolist())), value)


def cast(x: Any, dtype: Any) -> Tensor:
    x = as_tensor(x)
    if x.dtype == dtype:
        return x
    return Cast.apply(x, np.dtype(dtype))


def clone(x: Any) -> Tensor:
    return Clone.apply(as_tensor(x))


# The NumPy form of each view step, for replay_view on arrays.
_ARRAY_VIEW = {
    getitem: lambda a, key: a[key],
    permute: np.transpose,
    reshape: np.reshape,
    broadcast_to: np.broadcast_to,
}
