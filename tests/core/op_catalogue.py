"""The catalogue of public differentiable operations: input strategies and PyTorch twins.

Each `Case` draws `(tensors, kwargs)`, calls the engine as `call(*tensors, **kwargs)` and PyTorch
as `torch_call(torch, *torch_tensors, **kwargs)`. `op` is the public function (or Tensor method)
the case covers; `test_op_catalogue.py` fails when a public op has no case.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_engine as ae
from autograd_engine import Tensor, ops
from autograd_engine.testing import strategies as ts

Drawn = tuple[tuple[Tensor, ...], dict[str, Any]]


@dataclass(frozen=True)
class Case:
    name: str
    op: Callable[..., Any]
    inputs: st.SearchStrategy[Drawn]
    call: Callable[..., Tensor]
    torch_call: Callable[..., Any] | None
    second_order: bool = True
    eps: float = 1e-6
    atol: float = 1e-5


REAL = ts.real_elements()
POSITIVE = ts.positive_elements()
NONZERO = ts.nonzero_elements()
GRID = ts.grid_elements()
# Never equal to a GRID value: no ties between the operands of maximum / minimum (where the
# first derivative jumps, so second differences blow up). Ties are tested in test_tensor_api.
OFF_GRID = ts.grid_elements(offset=0.0)
UNIT = ts._floats(0.0, 1.0)
DIVISORS = st.sampled_from([-1.6, -0.8, -0.4, 0.4, 0.8, 1.6])
# Distinct values at least 0.1 apart: no ties for max / min, positive variance for std.
DISTINCT = ts.grid_elements(-20.0, 20.0)


def _args(tensors: st.SearchStrategy[tuple[Tensor, ...]], **kwargs: Any) -> st.SearchStrategy:
    """(tensors, kwargs) with each keyword drawn from its strategy (or fixed)."""
    fixed = {k: v if isinstance(v, st.SearchStrategy) else st.just(v) for k, v in kwargs.items()}
    return st.tuples(tensors, st.fixed_dictionaries(fixed))


def _one(elements: st.SearchStrategy = REAL, **kwargs: Any) -> st.SearchStrategy:
    return ts.tensors(elements=elements, **kwargs).map(lambda x: (x,))


def _pair(a: st.SearchStrategy = REAL, b: st.SearchStrategy = REAL) -> st.SearchStrategy:
    return ts.broadcastable_tensors(2, elements=[a, b])


def _dims(axis: Any, ndim: int) -> Any:
    """PyTorch's dim for an engine axis: None becomes every dimension."""
    return tuple(range(ndim)) if axis is None else axis


def _axes(ndim: int) -> st.SearchStrategy:
    """None, one int axis (negative too) or a tuple of distinct axes."""
    if ndim == 0:
        return st.none()
    return st.none() | st.integers(-ndim, ndim - 1) | hnp.valid_tuple_axes(ndim, min_size=1)


def _with_axes(x: st.SearchStrategy[Tensor], single: bool = False, **kwargs: Any):
    """(x,) with an `axis` fitting x (one int if `single`) and `keepdims` unless single."""

    def build(t: Tensor) -> st.SearchStrategy:
        if single:
            return _args(st.just((t,)), axis=st.integers(-t.ndim, t.ndim - 1), **kwargs)
        return _args(st.just((t,)), axis=_axes(t.ndim), keepdims=st.booleans(), **kwargs)

    return x.flatmap(build)


def _one_dim(elements: st.SearchStrategy, optional: bool = True, **kwargs: Any):
    """(x,) with distinct-or-chosen elements and one `dim` (or None if `optional`)."""

    def build(t: Tensor) -> st.SearchStrategy:
        dims = st.integers(-t.ndim, t.ndim - 1) if t.ndim else st.sampled_from((0, -1))
        return _args(st.just((t,)), dim=(st.none() | dims) if optional else dims, **kwargs)

    unique = elements is DISTINCT
    return ts.tensors(elements=elements, unique=unique).flatmap(build)


@st.composite
def _topk(draw: st.DrawFn, at_least_one: bool = False) -> Drawn:
    x = draw(ts.tensors(ts.shapes(min_dims=1), elements=DISTINCT, unique=True))
    dim = draw(st.integers(-x.ndim, x.ndim - 1))
    k = draw(st.integers(int(at_least_one), x.shape[dim]))
    return (x,), {"k": k, "dim": dim}


@st.composite
def _matmul(draw: st.DrawFn, batched: bool) -> tuple[Tensor, Tensor]:
    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    batch_a, batch_b = draw(ts.broadcastable_shapes(2, max_dims=2)) if batched else ((), ())
    a_vec, b_vec = draw(st.booleans()), draw(st.booleans())
    if batched and a_vec and b_vec:
        a_vec = False
    a = (k,) if a_vec else (*batch_a, n, k)
    b = (k,) if b_vec else (*batch_b, k, m)
    return draw(ts.tensors(a)), draw(ts.tensors(b))


@st.composite
def _broadcast_source(draw: st.DrawFn, minus_one: bool) -> Drawn:
    """x and a shape it broadcasts to; with `minus_one`, kept sizes may be given as -1."""
    target = draw(ts.shapes())
    lead = draw(st.integers(0, len(target)))
    source = tuple(1 if draw(st.booleans()) else n for n in target[lead:])
    x = draw(ts.tensors(source))
    if minus_one:
        kept = [
            i >= lead and source[i - lead] == n and draw(st.booleans())
            for i, n in enumerate(target)
        ]
        target = tuple(-1 if keep else n for keep, n in zip(kept, target))
    return (x,), {"shape": target}


@st.composite
def _reshape(draw: st.DrawFn) -> Drawn:
    x = draw(ts.tensors())
    options = [(-1,), x.shape[::-1], (1, *x.shape), (x.numpy().size, 1)]
    return (x,), {"shape": draw(st.sampled_from(options))}


@st.composite
def _flatten(draw: st.DrawFn) -> Drawn:
    x = draw(ts.tensors(ts.shapes(min_dims=1)))
    start = draw(st.integers(0, x.ndim - 1))
    end = draw(st.integers(start, x.ndim - 1))
    negative = draw(st.booleans())
    return (x,), {"start_dim": start, "end_dim": end - x.ndim if negative else end}


@st.composite
def _transpose(draw: st.DrawFn) -> Drawn:
    x = draw(ts.tensors(ts.shapes(min_dims=2)))
    dims = st.integers(-x.ndim, x.ndim - 1)
    return (x,), {"dim0": draw(dims), "dim1": draw(dims)}


@st.composite
def _permute(draw: st.DrawFn) -> Drawn:
    x = draw(ts.tensors())
    return (x,), {"dims": tuple(draw(st.permutations(range(x.ndim))))}


@st.composite
def _squeeze(draw: st.DrawFn) -> Drawn:
    x = draw(ts.tensors(ts.shapes(max_side=2)))
    axis = draw(st.none() | st.integers(-x.ndim, x.ndim - 1)) if x.ndim else None
    return (x,), {"axis": axis}


@st.composite
def _unsqueeze(draw: st.DrawFn) -> Drawn:
    x = draw(ts.tensors())
    return (x,), {"axis": draw(st.integers(-x.ndim - 1, x.ndim))}


@st.composite
def _basic_index(draw: st.DrawFn) -> Drawn:
    x = draw(ts.tensors(ts.shapes(min_dims=1)))
    key = draw(hnp.basic_indices(x.shape, allow_newaxis=True, allow_ellipsis=True))
    return (x,), {"key": key}


@st.composite
def _array_index(draw: st.DrawFn) -> Drawn:
    """Integer arrays (with repeats and negative entries), alone or mixed with slices."""
    x = draw(ts.tensors(ts.shapes(min_dims=1)))
    n = x.shape[0]
    idx = draw(hnp.arrays(np.int64, ts.shapes(max_dims=2), elements=st.integers(-n, n - 1)))
    form = draw(st.sampled_from(("array", "list", "tensor", "array_slice", "all_axes")))
    if form == "list":
        key = idx.reshape(-1).tolist() or [0]
    elif form == "tensor":
        key = ae.tensor(idx)
    elif form == "array_slice":
        key = (slice(None), idx % x.shape[1]) if x.ndim > 1 else (Ellipsis, idx)
    elif form == "all_axes":
        key = draw(hnp.integer_array_indices(x.shape, result_shape=ts.shapes(max_dims=2)))
    else:
        key = idx
    return (x,), {"key": key}


@st.composite
def _mask_index(draw: st.DrawFn) -> Drawn:
    x = draw(ts.tensors(ts.shapes(min_dims=1)))
    lead = draw(st.integers(1, x.ndim))
    return (x,), {"key": draw(hnp.arrays(np.bool_, x.shape[:lead]))}


@st.composite
def _concatenate(draw: st.DrawFn) -> Drawn:
    shape = draw(ts.shapes(min_dims=1))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    parts = []
    for size in sizes:
        part = list(shape)
        part[axis] = size
        parts.append(draw(ts.tensors(tuple(part))))
    return tuple(parts), {"axis": axis}


@st.composite
def _stack(draw: st.DrawFn) -> Drawn:
    shape = draw(ts.shapes())
    count = draw(st.integers(1, 3))
    axis = draw(st.integers(-len(shape) - 1, len(shape)))
    return tuple(draw(ts.tensors(shape)) for _ in range(count)), {"axis": axis}


@st.composite
def _pad(draw: st.DrawFn) -> Drawn:
    x = draw(ts.tensors(ts.shapes(min_dims=1)))
    width = st.integers(0, 2)
    form = draw(st.sampled_from(("int", "pair", "per_axis")))
    if form == "int":
        pad_width: Any = draw(width)
    elif form == "pair":
        pad_width = (draw(width), draw(width))
    else:
        pad_width = tuple((draw(width), draw(width)) for _ in range(x.ndim))
    return (x,), {"pad_width": pad_width, "value": draw(st.sampled_from((0.0, -1.5)))}


def _torch_pad(torch: Any, x: Any, pad_width: Any, value: float) -> Any:
    widths = np.broadcast_to(np.asarray(pad_width), (x.ndim, 2))
    flat = [int(w) for pair in widths[::-1] for w in pair]
    return torch.nn.functional.pad(x, flat, value=value)


@st.composite
def _inplace_pair(draw: st.DrawFn, b_elements: st.SearchStrategy = REAL) -> Drawn:
    """a and b where b broadcasts to a's shape (an in-place update keeps a's shape)."""
    a = draw(ts.tensors())
    lead = draw(st.integers(0, a.ndim))
    b_shape = tuple(1 if draw(st.booleans()) else n for n in a.shape[lead:])
    return (a, draw(ts.tensors(b_shape, elements=b_elements))), {}


@st.composite
def _setitem(draw: st.DrawFn) -> Drawn:
    a = draw(ts.tensors(ts.shapes(min_dims=1)))
    key = draw(hnp.basic_indices(a.shape, allow_ellipsis=True))
    target = np.empty(a.shape)[key].shape
    lead = draw(st.integers(0, len(target)))
    return (a, draw(ts.tensors(target[lead:]))), {"key": key}


@st.composite
def _where(draw: st.DrawFn) -> tuple[Tensor, Tensor, Tensor]:
    c, a, b = draw(ts.broadcastable_shapes(3))
    return draw(ts.tensors(c, dtype=np.bool_)), draw(ts.tensors(a)), draw(ts.tensors(b))


@st.composite
def _cross_entropy(draw: st.DrawFn) -> tuple[Tensor, Tensor]:
    n, c = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    logits = draw(ts.tensors((n, c), elements=ts.real_elements(5.0)))
    target = draw(ts.tensors((n,), dtype=np.int64, elements=st.integers(0, c - 1)))
    return logits, target


@st.composite
def _same_shape(draw: st.DrawFn, *elements: st.SearchStrategy, min_dims: int = 0) -> tuple:
    """Tensors of one shape, one per element strategy (a gradient and the value it goes with)."""
    shape = draw(ts.shapes(min_dims=min_dims))
    return tuple(draw(ts.tensors(shape, elements=e)) for e in elements)


def _with_dim(tensors: st.SearchStrategy[tuple[Tensor, ...]]) -> st.SearchStrategy[Drawn]:
    """(tensors, {"dim": d}) with d a valid (possibly negative) dimension of the first."""

    def build(drawn: tuple[Tensor, ...]) -> st.SearchStrategy[Drawn]:
        ndim = drawn[0].ndim
        return _args(st.just(drawn), dim=st.integers(-ndim, ndim - 1))

    return tensors.flatmap(build)


@st.composite
def _cross_entropy_backward(draw: st.DrawFn) -> tuple[Tensor, Tensor, Tensor]:
    """(grad_output, logits, target), the gradient one per row or one for all rows."""
    logits, target = draw(_cross_entropy())
    shape = draw(st.sampled_from(((), logits.shape[:1])))
    return draw(ts.tensors(shape)), logits, target


def _torch_cross_entropy_backward(torch: Any, g: Any, z: Any, t: Any) -> Any:
    onehot = torch.nn.functional.one_hot(t, z.shape[1]).double()
    return (torch.softmax(z, 1) - onehot) * g.reshape(-1, 1)


def _torch_key(torch: Any, key: Any) -> Any:
    """An index for a torch tensor, or None if PyTorch cannot express it (negative steps)."""
    if isinstance(key, tuple):
        parts = [_torch_key(torch, k) for k in key]
        return None if any(p is None for p in parts) else tuple(parts)
    if isinstance(key, slice) and key.step is not None and key.step < 0:
        return None
    if isinstance(key, Tensor):
        return torch.from_numpy(key.numpy().copy())
    if isinstance(key, np.ndarray):
        return torch.from_numpy(key.copy())
    return key


def _torch_getitem(torch: Any, x: Any, key: Any) -> Any:
    tkey = _torch_key(torch, key)
    return NotImplemented if tkey is None else x[tkey]


def _setitem_call(a: Tensor, b: Tensor, key: Any) -> Tensor:
    c = a.clone()
    c[key] = b
    return c


def _torch_setitem(torch: Any, a: Any, b: Any, key: Any) -> Any:
    tkey = _torch_key(torch, key)
    if tkey is None:
        return NotImplemented
    c = a.clone()
    c[tkey] = b
    return c


def _on_a_view(a: Any, b: Any) -> Any:
    """b multiplied in place into a view of a view of a copy of a; returns the copy."""
    c = a * 1.0
    c.unsqueeze(0)[0].mul_(b)
    return c


def _reflected(x: Tensor) -> Tensor:
    """Python numbers and NumPy arrays on the left of every operator."""
    ones = np.ones(x.shape)
    return 2.0 - x + 3.0 * x + 1.0 / (x * x + 1.0) + 2.0**x + ones * x - ones / (x * x + 2.0)


def _torch_reflected(torch: Any, x: Any) -> Any:
    ones = torch.ones(x.shape, dtype=torch.float64)
    return 2.0 - x + 3.0 * x + 1.0 / (x * x + 1.0) + 2.0**x + ones * x - ones / (x * x + 2.0)


def _iop(method: str) -> Callable[[Tensor, Tensor], Tensor]:
    """a.clone().<method>(b): an in-place op recorded on a non-leaf tensor."""
    return lambda a, b: getattr(a.clone(), method)(b)


def _torch_iop(method: str) -> Callable[..., Any]:
    return lambda torch, a, b: getattr(a.clone(), method)(b)


CASES: list[Case] = [
    # ---- arithmetic, with broadcasting
    Case("add", ae.add, _args(_pair()), ae.add, lambda t, a, b: a + b),
    Case("sub", ae.sub, _args(_pair()), ae.sub, lambda t, a, b: a - b),
    Case("mul", ae.mul, _args(_pair()), ae.mul, lambda t, a, b: a * b),
    Case("div", ae.div, _args(_pair(REAL, NONZERO)), ae.div, lambda t, a, b: a / b),
    Case(
        "add_alpha",
        ae.add,
        _args(_pair(), alpha=st.sampled_from([2, -0.5])),
        ae.add,
        lambda t, a, b, alpha: t.add(a, b, alpha=alpha),
    ),
    Case(
        "sub_alpha",
        ae.sub,
        _args(_pair(), alpha=st.sampled_from([2, -0.5])),
        ae.sub,
        lambda t, a, b, alpha: t.sub(a, b, alpha=alpha),
    ),
    Case("neg", ae.neg, _args(_one()), ae.neg, lambda t, a: -a),
    Case(
        "pow_tensor_exponent",
        ae.pow,
        _args(_pair(POSITIVE, ts.real_elements(2.0))),
        ae.pow,
        lambda t, a, b: a**b,
    ),
    Case(
        "pow_number_exponent",
        ae.pow,
        _args(_one(NONZERO), p=st.sampled_from((2, 3, -1, 0.5, -2.5))),
        lambda x, p: abs(x) ** p if p % 1 else x**p,
        lambda t, x, p: x.abs() ** p if p % 1 else x**p,
    ),
    Case("rpow", ae.pow, _args(_one()), lambda x: 2.0**x, lambda t, x: 2.0**x),
    Case("reflected_operators", ae.add, _args(_one()), _reflected, _torch_reflected),
    # ---- elementwise math and activations
    Case("exp", ae.exp, _args(_one()), ae.exp, lambda t, x: t.exp(x)),
    Case("log", ae.log, _args(_one(POSITIVE)), ae.log, lambda t, x: t.log(x)),
    Case("sqrt", ae.sqrt, _args(_one(POSITIVE)), ae.sqrt, lambda t, x: t.sqrt(x)),
    Case("abs", ae.abs, _args(_one(NONZERO)), ae.abs, lambda t, x: t.abs(x)),
    Case("sin", ae.sin, _args(_one()), ae.sin, lambda t, x: t.sin(x)),
    Case("cos", ae.cos, _args(_one()), ae.cos, lambda t, x: t.cos(x)),
    Case("erf", ae.erf, _args(_one()), ae.erf, lambda t, x: t.erf(x)),
    Case("tanh", ae.tanh, _args(_one()), ae.tanh, lambda t, x: t.tanh(x)),
    Case(
        "sigmoid",
        ae.sigmoid,
        _args(_one(ts.real_elements(6.0))),
        ae.sigmoid,
        lambda t, x: t.sigmoid(x),
    ),
    Case("relu", ae.relu, _args(_one(NONZERO)), ae.relu, lambda t, x: t.relu(x)),
    Case(
        "leaky_relu",
        ae.leaky_relu,
        _args(_one(NONZERO), negative_slope=st.sampled_from((0.01, 0.2))),
        ae.leaky_relu,
        lambda t, x, negative_slope: t.nn.functional.leaky_relu(x, negative_slope),
    ),
    Case(
        "elu",
        ae.elu,
        _args(_one(NONZERO), alpha=st.sampled_from((1.0, 0.5))),
        ae.elu,
        lambda t, x, alpha: t.nn.functional.elu(x, alpha),
    ),
    Case(
        "softplus",
        ae.softplus,
        _args(_one(ts.real_elements(6.0))),
        ae.softplus,
        lambda t, x: t.nn.functional.softplus(x),
    ),
    Case(
        "clip",
        ae.clip,
        _args(_one(GRID), bounds=st.sampled_from(((-0.5, 0.5), (None, 0.5), (-0.5, None)))),
        lambda x, bounds: ae.clip(x, *bounds),
        lambda t, x, bounds: t.clamp(x, *bounds),
    ),
    Case(
        "clip_tensor_bounds",  # lo and hi never tie with x or each other; lo > hi happens
        ae.clip,
        _args(
            ts.broadcastable_tensors(3, elements=[GRID, OFF_GRID, ts.grid_elements(offset=0.02)])
        ),
        ae.clip,
        lambda t, x, lo, hi: t.clamp(*t.broadcast_tensors(x, lo, hi)),  # x does not grow there
    ),
    Case(
        "maximum",
        ae.maximum,
        _args(_pair(GRID, OFF_GRID)),
        ae.maximum,
        lambda t, a, b: t.maximum(a, b),
    ),
    Case(
        "minimum",
        ae.minimum,
        _args(_pair(GRID, OFF_GRID)),
        ae.minimum,
        lambda t, a, b: t.minimum(a, b),
    ),
    Case("where", ae.where, _args(_where()), ae.where, lambda t, c, a, b: t.where(c, a, b)),
    # ---- reductions
    Case(
        "sum",
        ae.sum,
        _with_axes(ts.tensors()),
        ae.sum,
        lambda t, x, axis, keepdims: x.sum(dim=_dims(axis, x.ndim), keepdim=keepdims),
    ),
    Case(
        "mean",
        ae.mean,
        _with_axes(ts.tensors()),
        ae.mean,
        lambda t, x, axis, keepdims: x.mean(dim=_dims(axis, x.ndim), keepdim=keepdims),
    ),
    Case(
        "amax",
        ae.amax,
        _with_axes(ts.tensors(elements=DISTINCT, unique=True)),
        ae.amax,
        lambda t, x, axis, keepdims: t.amax(x, dim=_dims(axis, x.ndim), keepdim=keepdims),
    ),
    Case(
        "amin",
        ae.amin,
        _with_axes(ts.tensors(elements=DISTINCT, unique=True)),
        ae.amin,
        lambda t, x, axis, keepdims: t.amin(x, dim=_dims(axis, x.ndim), keepdim=keepdims),
    ),
    Case(
        "max_dim",
        ae.max,
        _one_dim(DISTINCT, keepdim=st.booleans()),
        lambda x, dim, keepdim: x.max() if dim is None else x.max(dim, keepdim).values,
        lambda t, x, dim, keepdim: x.max() if dim is None else x.max(dim, keepdim).values,
    ),
    Case(
        "min_dim",
        ae.min,
        _one_dim(DISTINCT, keepdim=st.booleans()),
        lambda x, dim, keepdim: (
            ae.min(x) if dim is None else ae.min(x, dim=dim, keepdim=keepdim)[0]
        ),
        lambda t, x, dim, keepdim: x.min() if dim is None else x.min(dim, keepdim)[0],
    ),
    Case(
        "prod",
        ae.prod,
        _one_dim(NONZERO, keepdim=st.booleans()),
        lambda x, dim, keepdim: x.prod() if dim is None else x.prod(dim, keepdim),
        lambda t, x, dim, keepdim: x.prod() if dim is None else x.prod(dim, keepdim),
    ),
    Case(
        "prod_zeros",
        ae.prod,
        _with_axes(ts.tensors(elements=st.sampled_from((0.0, -1.5, 0.5, 2.0)))),
        lambda x, axis, keepdims: ae.prod(x, axis=axis, keepdims=keepdims),
        None,
        second_order=False,  # the product of the others is not differentiated at a zero
    ),
    Case(
        "norm",
        ae.norm,
        _with_axes(
            ts.tensors(elements=ts.grid_elements(0.05, 3.0), unique=True),
            p=st.sampled_from((2, "fro", 1, 3, math.inf, -math.inf)),
        ),
        lambda x, axis, keepdims, p: x.norm(p, axis, keepdims),
        lambda t, x, axis, keepdims, p: t.linalg.vector_norm(
            x, 2 if p == "fro" else p, dim=_dims(axis, x.ndim), keepdim=keepdims
        ),
    ),
    Case(
        "cumsum",
        ae.cumsum,
        _one_dim(REAL, optional=False),
        lambda x, dim: x.cumsum(dim),
        lambda t, x, dim: x.cumsum(dim),
    ),
    Case(
        "sort",
        ae.sort,
        _one_dim(DISTINCT, optional=False, descending=st.booleans()),
        lambda x, dim, descending: x.sort(dim, descending).values,
        lambda t, x, dim, descending: x.sort(dim, descending).values,
    ),
    Case(
        "topk",
        ae.topk,
        _topk(),
        lambda x, k, dim: x.topk(k, dim)[0],
        lambda t, x, k, dim: x.topk(k, dim)[0],
    ),
    Case(
        "kthvalue",
        ae.kthvalue,
        _topk(at_least_one=True),
        lambda x, k, dim: x.kthvalue(k, dim).values,
        lambda t, x, k, dim: x.kthvalue(k, dim).values,
    ),
    Case(
        "median",
        ae.median,
        _one_dim(DISTINCT, keepdim=st.booleans()),
        lambda x, dim, keepdim: x.median() if dim is None else x.median(dim, keepdim).values,
        lambda t, x, dim, keepdim: x.median() if dim is None else x.median(dim, keepdim).values,
    ),
    Case(
        "mode",
        ae.mode,
        _one_dim(DISTINCT, optional=False, keepdim=st.booleans()),
        lambda x, dim, keepdim: x.mode(dim, keepdim).values,
        lambda t, x, dim, keepdim: x.mode(dim, keepdim).values,
    ),
    Case(
        "var",
        ae.var,
        _with_axes(
            ts.tensors(ts.shapes(min_dims=1, min_side=2), elements=DISTINCT, unique=True),
            correction=st.sampled_from((0, 1)),
        ),
        ae.var,
        lambda t, x, axis, keepdims, correction: t.var(
            x, dim=_dims(axis, x.ndim), keepdim=keepdims, correction=correction
        ),
    ),
    Case(
        "std",
        ae.std,
        _with_axes(
            ts.tensors(ts.shapes(min_dims=1, min_side=2), elements=DISTINCT, unique=True),
            correction=st.sampled_from((0, 1)),
        ),
        ae.std,
        lambda t, x, axis, keepdims, correction: t.std(
            x, dim=_dims(axis, x.ndim), keepdim=keepdims, correction=correction
        ),
    ),
    Case(
        "logsumexp",
        ae.logsumexp,
        _with_axes(ts.tensors()),
        ae.logsumexp,
        lambda t, x, axis, keepdims: t.logsumexp(x, dim=_dims(axis, x.ndim), keepdim=keepdims),
    ),
    Case(
        "softmax",
        ae.softmax,
        _with_axes(ts.tensors(ts.shapes(min_dims=1)), single=True),
        ae.softmax,
        lambda t, x, axis: t.softmax(x, dim=axis),
    ),
    Case(
        "log_softmax",
        ae.log_softmax,
        _with_axes(ts.tensors(ts.shapes(min_dims=1)), single=True),
        ae.log_softmax,
        lambda t, x, axis: t.log_softmax(x, dim=axis),
    ),
    # ---- losses
    Case(
        "bce_with_logits",
        ae.bce_with_logits,
        _args(_pair(ts.real_elements(6.0), UNIT)),
        ae.bce_with_logits,
        lambda t, x, y: t.nn.functional.binary_cross_entropy_with_logits(
            *t.broadcast_tensors(x, y), reduction="none"
        ),
    ),
    Case(
        "bce_with_logits_number_target",
        ae.bce_with_logits,
        _args(_one(ts.real_elements(6.0)), target=st.sampled_from((0.0, 0.25, 1.0))),
        ae.bce_with_logits,
        lambda t, x, target: t.nn.functional.binary_cross_entropy_with_logits(
            x, t.full_like(x, target), reduction="none"
        ),
    ),
    Case(
        "softmax_cross_entropy",
        ae.softmax_cross_entropy,
        _args(_cross_entropy()),
        ae.softmax_cross_entropy,
        lambda t, x, y: t.nn.functional.cross_entropy(x, y, reduction="none"),
    ),
    Case(
        "softmax_cross_entropy_mean",
        ae.softmax_cross_entropy,
        _args(_cross_entropy()),
        lambda x, y: ae.softmax_cross_entropy(x, y, reduction="mean"),
        lambda t, x, y: t.nn.functional.cross_entropy(x, y, reduction="mean"),
    ),
    Case(
        "softmax_cross_entropy_sum",
        ae.softmax_cross_entropy,
        _args(_cross_entropy()),
        lambda x, y: ae.softmax_cross_entropy(x, y, reduction="sum"),
        lambda t, x, y: t.nn.functional.cross_entropy(x, y, reduction="sum"),
    ),
    # ---- the fused backward ops, differentiable ops of their own (as torch.ops.aten's)
    Case(
        "sigmoid_backward",
        ops.sigmoid_backward,
        _args(_same_shape(REAL, UNIT)),
        ops.sigmoid_backward,
        lambda t, g, y: t.ops.aten.sigmoid_backward(g, y),
    ),
    Case(
        "tanh_backward",
        ops.tanh_backward,
        _args(_same_shape(REAL, ts._floats(-1.0, 1.0))),
        ops.tanh_backward,
        lambda t, g, y: t.ops.aten.tanh_backward(g, y),
    ),
    Case(
        "relu_backward",
        ops.relu_backward,
        _args(_same_shape(REAL, NONZERO)),
        ops.relu_backward,
        lambda t, g, x: t.ops.aten.threshold_backward(g, x, 0),
    ),
    Case(
        "leaky_relu_backward",
        ops.leaky_relu_backward,
        _args(_same_shape(REAL, NONZERO), negative_slope=st.sampled_from((0.01, 0.2))),
        ops.leaky_relu_backward,
        lambda t, g, x, negative_slope: t.ops.aten.leaky_relu_backward(g, x, negative_slope, False),
    ),
    Case(
        "elu_backward",
        ops.elu_backward,
        _args(_same_shape(REAL, NONZERO), alpha=st.sampled_from((1.0, 0.5))),
        ops.elu_backward,
        lambda t, g, x, alpha: t.ops.aten.elu_backward(g, alpha, 1, 1, False, x),
    ),
    Case(
        "softplus_backward",
        ops.softplus_backward,
        _args(_same_shape(REAL, ts.real_elements(6.0))),
        ops.softplus_backward,
        lambda t, g, x: t.ops.aten.softplus_backward(g, x, 1, 20),
    ),
    Case(
        "softmax_backward",
        ops.softmax_backward,
        _with_dim(_same_shape(REAL, UNIT, min_dims=1)),
        ops.softmax_backward,
        lambda t, g, y, dim: t.ops.aten._softmax_backward_data(g, y, dim % y.ndim, t.float64),
    ),
    Case(
        "log_softmax_backward",
        ops.log_softmax_backward,
        _with_dim(_same_shape(REAL, ts.real_elements(2.0), min_dims=1)),
        ops.log_softmax_backward,
        lambda t, g, y, dim: t.ops.aten._log_softmax_backward_data(g, y, dim % y.ndim, t.float64),
    ),
    Case(
        "softmax_cross_entropy_backward",
        ops.softmax_cross_entropy_backward,
        _args(_cross_entropy_backward()),
        ops.softmax_cross_entropy_backward,
        _torch_cross_entropy_backward,
    ),
    Case(
        "bce_with_logits_backward",
        ops.bce_with_logits_backward,
        _args(_same_shape(REAL, ts.real_elements(6.0), UNIT)),
        ops.bce_with_logits_backward,
        lambda t, g, x, y: g * (t.sigmoid(x) - y),
    ),
    # ---- matrix products
    Case("matmul", ae.matmul, _args(_matmul(batched=False)), ae.matmul, lambda t, a, b: a @ b),
    Case(
        "matmul_batched", ae.matmul, _args(_matmul(batched=True)), ae.matmul, lambda t, a, b: a @ b
    ),
    # ---- shape
    Case(
        "reshape",
        ae.reshape,
        _reshape(),
        lambda x, shape: ae.reshape(x, shape),
        lambda t, x, shape: x.reshape(shape),
    ),
    Case(
        "flatten",
        ae.flatten,
        _flatten(),
        ae.flatten,
        lambda t, x, start_dim, end_dim: x.flatten(start_dim, end_dim),
    ),
    Case(
        "transpose",
        ae.transpose,
        _transpose(),
        ae.transpose,
        lambda t, x, dim0, dim1: x.transpose(dim0, dim1),
    ),
    Case(
        "permute",
        ae.permute,
        _permute(),
        lambda x, dims: ae.permute(x, dims),
        lambda t, x, dims: x.permute(dims),
    ),
    Case(
        "broadcast_to",
        ae.broadcast_to,
        _broadcast_source(minus_one=False),
        lambda x, shape: ae.broadcast_to(x, shape),
        lambda t, x, shape: t.broadcast_to(x, shape),
    ),
    Case(
        "expand",
        ae.expand,
        _broadcast_source(minus_one=True),
        lambda x, shape: ae.expand(x, *shape),
        lambda t, x, shape: x.expand(shape),
    ),
    Case(
        "squeeze",
        ae.squeeze,
        _squeeze(),
        ae.squeeze,
        lambda t, x, axis: t.squeeze(x, axis) if axis is not None else t.squeeze(x),
    ),
    Case(
        "unsqueeze",
        ae.unsqueeze,
        _unsqueeze(),
        ae.unsqueeze,
        lambda t, x, axis: t.unsqueeze(x, axis),
    ),
    Case(
        "getitem_basic",
        ops.getitem,
        _basic_index(),
        lambda x, key: x[key],
        _torch_getitem,
    ),
    Case("getitem_int_arrays", ops.getitem, _array_index(), lambda x, key: x[key], _torch_getitem),
    Case("getitem_bool_mask", ops.getitem, _mask_index(), lambda x, key: x[key], _torch_getitem),
    Case(
        "concatenate",
        ae.concatenate,
        _concatenate(),
        lambda *xs, axis: ae.concatenate(xs, axis=axis),
        lambda t, *xs, axis: t.cat(xs, dim=axis),
    ),
    Case(
        "stack",
        ae.stack,
        _stack(),
        lambda *xs, axis: ae.stack(xs, axis=axis),
        lambda t, *xs, axis: t.stack(xs, dim=axis),
    ),
    Case("pad", ae.pad, _pad(), ae.pad, _torch_pad),
    Case(
        "cast",
        ops.cast,
        _args(_one()),
        lambda x: x.to(ae.float32).to(ae.float64),
        lambda t, x: x.to(t.float32).to(t.float64),
        eps=1e-2,
        atol=1e-4,
    ),
    Case("clone", ops.clone, _args(_one()), lambda x: x.clone(), lambda t, x: x.clone()),
    # ---- in-place operations recorded on non-leaf tensors
    Case(
        "add_",
        Tensor.add_,
        _inplace_pair(),
        lambda a, b: a.clone().add_(b, alpha=0.5),
        lambda t, a, b: a.clone().add_(b, alpha=0.5),
    ),
    Case("sub_", Tensor.sub_, _inplace_pair(), _iop("sub_"), _torch_iop("sub_")),
    Case("mul_", Tensor.mul_, _inplace_pair(), _iop("mul_"), _torch_iop("mul_")),
    Case("div_", Tensor.div_, _inplace_pair(NONZERO), _iop("div_"), _torch_iop("div_")),
    Case(
        "copy_",
        Tensor.copy_,
        _inplace_pair(),
        lambda a, b: (a * 2.0).copy_(b) * a,
        lambda t, a, b: (a * 2.0).copy_(b) * a,
    ),
    Case(
        "clamp_",
        Tensor.clamp_,
        _args(_one(GRID)),
        lambda x: x.clone().clamp_(-0.5, 0.5),
        lambda t, x: x.clone().clamp_(-0.5, 0.5),
    ),
    Case(
        "fill_",
        Tensor.fill_,
        _args(_one()),
        lambda x: x.clone().fill_(0.5) * x,
        lambda t, x: x.clone().fill_(0.5) * x,
    ),
    Case(
        "zero_",
        Tensor.zero_,
        _args(_one()),
        lambda x: x.clone().zero_() + x,
        lambda t, x: x.clone().zero_() + x,
    ),
    Case("setitem", Tensor.__setitem__, _setitem(), _setitem_call, _torch_setitem),
    Case(  # through a view: the base's node becomes CopySlices
        "mul_on_a_view",
        Tensor.mul_,
        _inplace_pair(),
        _on_a_view,
        lambda t, a, b: _on_a_view(a, b),
    ),
]

# Public names that are not differentiable operations.
NON_DIFFERENTIABLE = frozenset(
    {
        "all", "allclose", "any", "argmax", "argmin", "eq", "equal", "ge", "gt", "isfinite",
        "isnan", "le", "logical_and", "logical_not", "logical_or", "lt", "ne", "sign",
    }
)  # fmt: skip
NOT_OPERATIONS = frozenset(
    {
        "set_printoptions",
        "Function", "arange", "as_tensor", "backward", "bernoulli", "compile", "draw_graph",
        "empty", "eye",
        "from_numpy", "full", "full_like", "get_default_dtype", "get_rng_state", "grad",
        "increment_version", "is_anomaly_enabled", "is_grad_enabled", "is_inference_mode_enabled",
        "is_tensor", "linspace", "manual_seed", "multinomial", "normal", "numel", "ones",
        "ones_like", "promote_types", "rand", "rand_like", "randint", "randn", "randn_like",
        "randperm", "result_type", "set_default_dtype", "set_rng_state", "tensor", "zeros",
        "zeros_like",
    }
)  # fmt: skip
# In-place Tensor methods that are not operations on values.
NOT_INPLACE_OPERATIONS = frozenset({"detach_", "normal_", "requires_grad_", "uniform_"})


# --------------------------------------------------------------------------- PyTorch's names
@st.composite
def _gather(draw: st.DrawFn, scatter: bool = False) -> Drawn:
    """x, a dim, an index tensor no larger than x outside dim (any size along it), and for
    scatter a src at least as large as the index."""
    x = draw(ts.tensors(ts.shapes(min_dims=1)))
    dim = draw(st.integers(-x.ndim, x.ndim - 1))
    d = dim % x.ndim
    shape = tuple(
        draw(st.integers(1, 3)) if i == d else draw(st.integers(1, n))
        for i, n in enumerate(x.shape)
    )
    if scatter:  # distinct positions along dim in every line, so that no write is lost
        shape = tuple(min(n, x.shape[d]) if i == d else n for i, n in enumerate(shape))
        lines = np.empty((*shape[:d], *shape[d + 1 :], shape[d]), dtype=np.int64)
        for line in np.ndindex(lines.shape[:-1]):
            lines[line] = draw(st.permutations(range(x.shape[d])))[: shape[d]]
        src = draw(ts.tensors(shape))
        return (x, src), {"dim": dim, "index": ae.tensor(np.moveaxis(lines, -1, d))}
    index = draw(hnp.arrays(np.int64, shape, elements=st.integers(0, x.shape[d] - 1)))
    return (x,), {"dim": dim, "index": ae.tensor(index)}


def _torch_index(torch: Any, index: Tensor) -> Any:
    return torch.from_numpy(np.array(index.numpy()))


@st.composite
def _split(draw: st.DrawFn) -> Drawn:
    x = draw(ts.tensors(ts.shapes(min_dims=1, max_side=4)))
    dim = draw(st.integers(-x.ndim, x.ndim - 1))
    return (x,), {"size": draw(st.integers(1, 3)), "dim": dim}


@st.composite
def _roll(draw: st.DrawFn) -> Drawn:
    x = draw(ts.tensors(ts.shapes(min_dims=1)))
    dims = draw(st.none() | st.integers(-x.ndim, x.ndim - 1))
    return (x,), {"shifts": draw(st.integers(-4, 4)), "dims": dims}


@st.composite
def _repeat(draw: st.DrawFn) -> Drawn:
    x = draw(ts.tensors())
    extra = draw(st.integers(0 if x.ndim else 1, 1))
    return (x,), {"sizes": tuple(draw(st.integers(1, 2)) for _ in range(x.ndim + extra))}


@st.composite
def _flip(draw: st.DrawFn) -> Drawn:
    x = draw(ts.tensors(ts.shapes(min_dims=1)))
    return (x,), {"dims": draw(hnp.valid_tuple_axes(x.ndim, min_size=1))}


@st.composite
def _triangle(draw: st.DrawFn) -> Drawn:
    x = draw(ts.tensors(ts.shapes(min_dims=2)))
    return (x,), {"diagonal": draw(st.integers(-2, 2))}


@st.composite
def _masked_fill(draw: st.DrawFn) -> Drawn:
    x = draw(ts.tensors(ts.shapes(min_dims=1)))
    mask = draw(hnp.arrays(np.bool_, x.shape))
    return (x,), {"mask": ae.tensor(mask), "value": draw(st.sampled_from((0.0, -2.5)))}


@st.composite
def _index_select(draw: st.DrawFn) -> Drawn:
    x = draw(ts.tensors(ts.shapes(min_dims=1)))
    dim = draw(st.integers(-x.ndim, x.ndim - 1))
    n = x.shape[dim]
    index = draw(hnp.arrays(np.int64, st.integers(1, 4), elements=st.integers(0, n - 1)))
    return (x,), {"dim": dim, "index": ae.tensor(index)}


@st.composite
def _matrices(draw: st.DrawFn, batched: bool) -> tuple[Tensor, Tensor]:
    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    lead = (draw(st.integers(1, 2)),) if batched else ()
    return draw(ts.tensors((*lead, n, k))), draw(ts.tensors((*lead, k, m)))


def _torch_roll(t: Any, x: Any, shifts: int, dims: Any) -> Any:
    return t.roll(x, shifts) if dims is None else t.roll(x, shifts, dims)


CASES += [
    Case("square", ae.square, _args(_one()), ae.square, lambda t, x: t.square(x)),
    Case("rsqrt", ae.rsqrt, _args(_one(POSITIVE)), ae.rsqrt, lambda t, x: t.rsqrt(x)),
    Case("log1p", ae.log1p, _args(_one(POSITIVE)), ae.log1p, lambda t, x: t.log1p(x)),
    Case("expm1", ae.expm1, _args(_one()), ae.expm1, lambda t, x: t.expm1(x)),
    Case("sinh", ae.sinh, _args(_one()), ae.sinh, lambda t, x: t.sinh(x)),
    Case("cosh", ae.cosh, _args(_one()), ae.cosh, lambda t, x: t.cosh(x)),
    Case(
        "atan2", ae.atan2, _args(_pair(NONZERO, NONZERO)), ae.atan2, lambda t, y, x: t.atan2(y, x)
    ),
    # a on the grid k 0.1 + 0.05, b a multiple of 0.4: a / b stays at least 0.05 / |b| away from
    # an integer, where the quotient (and so the result) jumps.
    Case(
        "remainder", ae.remainder, _args(_pair(GRID, DIVISORS)), ae.remainder, lambda t, a, b: a % b
    ),
    Case("fmod", ae.fmod, _args(_pair(GRID, DIVISORS)), ae.fmod, lambda t, a, b: t.fmod(a, b)),
    # p = 1 drops every element: the one dropout whose mask is not random, so it can be
    # compared with torch (tests/compile checks the random masks against eager mode).
    Case(
        "dropout",
        ae.dropout,
        _args(_one()),
        lambda x: ae.dropout(x, 1.0),
        lambda t, x: t.dropout(x, 1.0, True),
    ),
    Case(
        "floor_divide",
        ae.floor_divide,
        _args(_pair(GRID, DIVISORS)),
        lambda a, b: a // b,
        # torch's floor_divide has no derivative; its div(rounding_mode="floor") gives zero
        lambda t, a, b: t.div(a, b, rounding_mode="floor"),
    ),
    Case("round", ae.round, _args(_one(GRID)), ae.round, lambda t, x: t.round(x)),
    Case("floor", ae.floor, _args(_one(GRID)), ae.floor, lambda t, x: t.floor(x)),
    Case("ceil", ae.ceil, _args(_one(GRID)), ae.ceil, lambda t, x: t.ceil(x)),
    Case("trunc", ae.trunc, _args(_one(GRID)), ae.trunc, lambda t, x: t.trunc(x)),
    Case("t", ae.t, _args(_one(shape=ts.shapes(max_dims=2))), ae.t, lambda t, x: t.t(x)),
    Case("mm", ae.mm, _args(_matrices(False)), ae.mm, lambda t, a, b: t.mm(a, b)),
    Case("bmm", ae.bmm, _args(_matrices(True)), ae.bmm, lambda t, a, b: t.bmm(a, b)),
    Case(
        "trace",
        ae.trace,
        _args(_one(shape=ts.shapes(min_dims=2, max_dims=2))),
        ae.trace,
        lambda t, x: t.trace(x),
    ),
    Case(
        "outer",
        ae.outer,
        _args(st.tuples(ts.tensors(ts.shapes(1, 1)), ts.tensors(ts.shapes(1, 1)))),
        ae.outer,
        lambda t, a, b: t.outer(a, b),
    ),
    Case(
        "expand_as",
        ae.expand_as,
        _args(_one(shape=ts.shapes(max_dims=2, max_side=1))),
        lambda x: ae.expand_as(x, ae.zeros(2, 3, 1) if x.ndim < 3 else x),
        lambda t, x: x.expand_as(t.zeros(2, 3, 1)),
    ),
    Case(
        "view_as",
        ae.view_as,
        _args(_one()),
        lambda x: ae.view_as(x, ae.zeros(x.numel())),
        lambda t, x: x.reshape(-1),
    ),
    Case("flip", ae.flip, _flip(), ae.flip, lambda t, x, dims: t.flip(x, dims)),
    Case("roll", ae.roll, _roll(), ae.roll, _torch_roll),
    Case(
        "repeat",
        ae.repeat,
        _repeat(),
        lambda x, sizes: ae.repeat(x, *sizes),
        lambda t, x, sizes: x.repeat(*sizes),
    ),
    Case(
        "tile",
        ae.tile,
        _repeat(),
        lambda x, sizes: ae.tile(x, sizes[1:]),
        lambda t, x, sizes: t.tile(x, sizes[1:]),
    ),
    Case("tril", ae.tril, _triangle(), ae.tril, lambda t, x, diagonal: t.tril(x, diagonal)),
    Case("triu", ae.triu, _triangle(), ae.triu, lambda t, x, diagonal: t.triu(x, diagonal)),
    Case(
        "split",
        ae.split,
        _split(),
        lambda x, size, dim: ae.stack([p.sum() for p in ae.split(x, size, dim)]),
        lambda t, x, size, dim: t.stack([p.sum() for p in t.split(x, size, dim)]),
    ),
    Case(
        "chunk",
        ae.chunk,
        _split(),
        lambda x, size, dim: ae.stack(
            [p.sum() * (i + 1) for i, p in enumerate(ae.chunk(x, size, dim))]
        ),
        lambda t, x, size, dim: t.stack(
            [p.sum() * (i + 1) for i, p in enumerate(t.chunk(x, size, dim))]
        ),
    ),
    Case(
        "gather",
        ae.gather,
        _gather(),
        ae.gather,
        lambda t, x, dim, index: t.gather(x, dim, _torch_index(t, index)),
    ),
    Case(
        "scatter_add",
        ae.scatter_add,
        _gather(scatter=True),
        lambda x, src, dim, index: ae.scatter_add(x, dim, index, src),
        lambda t, x, src, dim, index: t.scatter_add(x, dim, _torch_index(t, index), src),
    ),
    Case(
        "scatter",
        ae.scatter,
        _gather(scatter=True),
        lambda x, src, dim, index: ae.scatter(x, dim, index, src),
        lambda t, x, src, dim, index: t.scatter(x, dim, _torch_index(t, index), src),
    ),
    Case(
        "index_select",
        ae.index_select,
        _index_select(),
        ae.index_select,
        lambda t, x, dim, index: t.index_select(x, dim, _torch_index(t, index)),
    ),
    Case(
        "masked_fill",
        ae.masked_fill,
        _masked_fill(),
        ae.masked_fill,
        lambda t, x, mask, value: x.masked_fill(_torch_index(t, mask), value),
    ),
]


CASES += [
    Case(
        "masked_fill_",
        Tensor.masked_fill_,
        _masked_fill(),
        lambda x, mask, value: (x * 1.0).masked_fill_(mask, value),
        lambda t, x, mask, value: (x * 1.0).masked_fill_(_torch_index(t, mask), value),
    ),
    Case(
        "scatter_",
        Tensor.scatter_,
        _gather(scatter=True),
        lambda x, src, dim, index: (x * 1.0).scatter_(dim, index, src),
        lambda t, x, src, dim, index: (x * 1.0).scatter_(dim, _torch_index(t, index), src),
    ),
    Case(
        "scatter_add_",
        Tensor.scatter_add_,
        _gather(scatter=True),
        lambda x, src, dim, index: (x * 1.0).scatter_add_(dim, index, src),
        lambda t, x, src, dim, index: (x * 1.0).scatter_add_(dim, _torch_index(t, index), src),
    ),
]


# --------------------------------------------------------------------------- convolutions
@st.composite
def _conv(draw: st.DrawFn, transpose: bool = False, dims: int = 2) -> Drawn:
    """x, weight and maybe bias of a small convolution with random stride, padding, dilation
    and groups (padding 'same' or 'valid' sometimes, for conv). The weight is (C_out,
    C_in/groups, *kernel); a transposed convolution maps C_out channels back to C_in."""
    groups = draw(st.integers(1, 2))
    c_in, c_out = (groups * draw(st.integers(1, 2)) for _ in range(2))
    kernel = tuple(draw(st.integers(1, 2)) for _ in range(dims))
    stride = tuple(draw(st.integers(1, 2)) for _ in range(dims))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(dims))
    reach = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
    kwargs: dict[str, Any] = {"stride": stride, "dilation": dilation, "groups": groups}
    if transpose:
        sizes = tuple(draw(st.integers(1, 3)) for _ in range(dims))
        extra = tuple(draw(st.integers(0, min(s, d) - 1)) for s, d in zip(stride, dilation))
        # the output (n - 1) s - 2 p + reach + extra keeps at least one element
        kwargs["padding"] = tuple(
            draw(st.integers(0, min(1, ((n - 1) * s + r - 1 + e) // 2)))
            for n, s, r, e in zip(sizes, stride, reach, extra)
        )
        kwargs["output_padding"] = extra
    else:
        padding: Any = tuple(draw(st.integers(0, 1)) for _ in range(dims))
        if draw(st.booleans()):
            padding = "same" if stride == (1,) * dims and draw(st.booleans()) else "valid"
        pad = (0,) * dims if isinstance(padding, str) else padding
        sizes = tuple(draw(st.integers(max(1, r - 2 * p), r + 2)) for r, p in zip(reach, pad))
        kwargs["padding"] = padding
    x = draw(ts.tensors((draw(st.integers(1, 2)), c_out if transpose else c_in, *sizes)))
    w = draw(ts.tensors((c_out, c_in // groups, *kernel)))
    with_bias = draw(st.booleans())
    tensors = (x, w, draw(ts.tensors((c_in if transpose else c_out,)))) if with_bias else (x, w)
    if dims == 1:
        kwargs = {k: v[0] if isinstance(v, tuple) else v for k, v in kwargs.items()}
    return tensors, kwargs


def _conv_call(fn: Callable) -> Callable:
    return lambda x, w, b=None, **kw: fn(x, w, b, **kw)


def _torch_conv(name: str) -> Callable:
    return lambda t, x, w, b=None, **kw: getattr(t.nn.functional, name)(x, w, b, **kw)


@st.composite
def _pool(draw: st.DrawFn, dims: int = 2, dilation: bool = True, unique: bool = False) -> Drawn:
    """x (N, C, *spatial) or (C, *spatial), with a kernel, stride, padding (at most half the
    kernel, as PyTorch requires), dilation and ceil_mode."""
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    dil = tuple(draw(st.integers(1, 2)) if dilation else 1 for _ in range(dims))
    # every window holds an element of x (one of padding only has no maximum)
    sizes = tuple(draw(st.integers(d * (k - 1) + 1, 5)) for k, d in zip(kernel, dil))
    lead = draw(st.sampled_from(((1, 2), (2,), (2, 1))))
    elements = DISTINCT if unique else REAL
    x = draw(ts.tensors((*lead, *sizes), elements=elements, unique=unique))
    kwargs = {"kernel_size": kernel, "stride": stride, "padding": padding}
    if dilation:
        kwargs["dilation"] = dil
    kwargs["ceil_mode"] = draw(st.booleans())
    if dims == 1:
        kwargs = {k: v[0] if isinstance(v, tuple) else v for k, v in kwargs.items()}
    return (x,), kwargs


@st.composite
def _avg_pool(draw: st.DrawFn) -> Drawn:
    (x,), kwargs = draw(_pool(dilation=False))
    kwargs["count_include_pad"] = draw(st.booleans())
    kwargs["divisor_override"] = draw(st.none() | st.integers(1, 3))
    return (x,), kwargs


@st.composite
def _adaptive(draw: st.DrawFn) -> Drawn:
    x = draw(ts.tensors((draw(st.integers(1, 2)), 2, draw(st.integers(1, 5)), 3)))
    size = (draw(st.integers(1, 4)), draw(st.none() | st.integers(1, 4)))
    return (x,), {"output_size": size}


@st.composite
def _edge_pad(draw: st.DrawFn) -> Drawn:
    mode = draw(st.sampled_from(("reflect", "replicate")))
    dims = draw(st.integers(1, 2))
    sizes = tuple(draw(st.integers(2, 4)) for _ in range(dims))
    x = draw(ts.tensors((2, *sizes)))
    most = [n - 1 if mode == "reflect" else 3 for n in sizes[::-1]]
    widths = tuple(draw(st.integers(0, m)) for m in most for _ in range(2))
    return (x,), {"pad": widths, "mode": mode}


def _max_pool_case(fn: Callable, name: str, dims: int) -> Case:
    return Case(
        name,
        fn,
        _pool(dims, unique=True),
        fn,
        lambda t, x, **kw: getattr(t.nn.functional, name)(x, **kw),
    )


def _f_pad(x: Tensor, pad: tuple, mode: str) -> Tensor:
    import nn.functional as F  # nn sits on top of the core: imported when used

    return F.pad(x, pad, mode)


CASES += [
    Case("conv2d", ops.conv2d, _conv(), _conv_call(ops.conv2d), _torch_conv("conv2d")),
    Case("conv1d", ops.conv1d, _conv(dims=1), _conv_call(ops.conv1d), _torch_conv("conv1d")),
    Case(
        "conv_transpose2d",
        ops.conv_transpose2d,
        _conv(transpose=True),
        _conv_call(ops.conv_transpose2d),
        _torch_conv("conv_transpose2d"),
    ),
    _max_pool_case(ops.max_pool2d, "max_pool2d", 2),
    _max_pool_case(ops.max_pool1d, "max_pool1d", 1),
    Case(
        "avg_pool2d",
        ops.avg_pool2d,
        _avg_pool(),
        ops.avg_pool2d,
        lambda t, x, **kw: t.nn.functional.avg_pool2d(x, **kw),
    ),
    Case(
        "adaptive_avg_pool2d",
        ops.adaptive_avg_pool2d,
        _adaptive(),
        ops.adaptive_avg_pool2d,
        lambda t, x, **kw: t.nn.functional.adaptive_avg_pool2d(x, **kw),
    ),
    Case(
        "pad_reflect_replicate",
        ops.pool.edge_pad,
        _edge_pad(),
        _f_pad,
        lambda t, x, pad, mode: t.nn.functional.pad(x, pad, mode),
    ),
]


# --------------------------------------------------------------------------- recurrent cells
@st.composite
def _cell(draw: st.DrawFn, gates: int) -> Drawn:
    """Preactivations (B, gates H) (two of them for the GRU) and a previous state (B, H)."""
    batch, hidden = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    pre = [draw(ts.tensors((batch, gates * hidden))) for _ in range(1 if gates == 4 else 2)]
    return (*pre, draw(ts.tensors((batch, hidden)))), {}


def _torch_lstm_cell(t: Any, gates: Any, c_prev: Any) -> Any:
    i, f, g, o = gates.chunk(4, -1)
    c = i.sigmoid() * g.tanh() + f.sigmoid() * c_prev
    return t.cat([o.sigmoid() * c.tanh(), c], -1)


def _torch_gru_cell(t: Any, gi: Any, gh: Any, h_prev: Any) -> Any:
    i_r, i_z, i_n = gi.chunk(3, -1)
    h_r, h_z, h_n = gh.chunk(3, -1)
    r, z = (i_r + h_r).sigmoid(), (i_z + h_z).sigmoid()
    return (1 - z) * (i_n + r * h_n).tanh() + z * h_prev


CASES += [
    Case(
        "lstm_cell",
        ops.lstm_cell,
        _cell(4),
        lambda gates, c_prev: ae.cat(list(ops.lstm_cell(gates, c_prev)), -1),
        _torch_lstm_cell,
    ),
    Case("gru_cell", ops.gru_cell, _cell(3), ops.gru_cell, _torch_gru_cell),
]


@st.composite
def _sequence(draw: st.DrawFn, gates: int) -> Drawn:
    """The arguments of lstm_sequence: inputs (T, B, I), h0, c0 (B, H), W_ih (4H, I), W_hh
    (4H, H), b (4H,); of gru_sequence: input gates (T, B, 3H), h0 (B, H), W_hh (3H, H) and
    b_hh (3H,)."""
    steps, batch, hidden = draw(st.integers(1, 3)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    rows = gates * hidden
    if gates == 4:
        inputs = draw(st.integers(1, 2))
        shapes = [(steps, batch, inputs), (batch, hidden), (batch, hidden), (rows, inputs)]
        shapes += [(rows, hidden), (rows,)]
    else:
        shapes = [(steps, batch, rows), (batch, hidden), (rows, hidden), (rows,)]
    return tuple(draw(ts.tensors(shape)) for shape in shapes), {}


def _lstm_sequence(*args: Tensor) -> Tensor:
    out, (h_n, c_n) = ops.recurrent.lstm_sequence(*args)
    return ae.cat([out.reshape(-1), h_n.reshape(-1), c_n.reshape(-1)])


def _torch_lstm_sequence(t: Any, x: Any, h0: Any, c0: Any, w_ih: Any, w_hh: Any, b: Any) -> Any:
    h, c, hs = h0, c0, []
    for step in x:
        h, c = _torch_lstm_cell(t, step @ w_ih.T + b + h @ w_hh.T, c).chunk(2, -1)
        hs.append(h)
    return t.cat([t.stack(hs).reshape(-1), h.reshape(-1), c.reshape(-1)])


def _torch_gru_sequence(t: Any, gi: Any, h0: Any, w_hh: Any, b_hh: Any) -> Any:
    h, hs = h0, []
    for step in gi:
        h = _torch_gru_cell(t, step, h @ w_hh.T + b_hh, h)
        hs.append(h)
    return t.stack(hs)


CASES += [
    Case(
        "lstm_sequence",
        ops.recurrent.lstm_sequence,
        _sequence(4),
        _lstm_sequence,
        _torch_lstm_sequence,
    ),
    Case(
        "gru_sequence",
        ops.recurrent.gru_sequence,
        _sequence(3),
        ops.recurrent.gru_sequence,
        _torch_gru_sequence,
    ),
]


EINSUM_EQUATIONS = (
    "ij,jk->ik",
    "bij,bjk->bik",
    "i,i->",
    "ij->ji",
    "ij,j",
    "...ij,...j->...i",
    "ijk->k",
)


@st.composite
def _einsum(draw: st.DrawFn) -> Drawn:
    """An equation and operands whose letters get one random size each (2 or 3)."""
    equation = draw(st.sampled_from(EINSUM_EQUATIONS))
    sizes = {c: draw(st.integers(1, 3)) for c in "ijkb"}
    lhs = equation.split("->")[0]
    lead = draw(st.integers(0, 2))
    operands = []
    for sub in lhs.split(","):
        shape = [sizes[c] for c in sub.replace("...", "")]
        if "..." in sub:
            shape = [2] * lead + shape
        operands.append(draw(ts.tensors(tuple(shape))))
    return tuple(operands), {"equation": equation}


CASES += [
    Case(
        "einsum",
        ae.einsum,
        _einsum(),
        lambda *xs, equation: ae.einsum(equation, *xs),
        lambda t, *xs, equation: t.einsum(equation, *xs),
    ),
]
