"""Hypothesis strategies for tensors: shapes, broadcastable groups, layouts and value domains.

    from autograd_engine.testing import gradcheck, strategies as ts

    @given(ts.positive_tensors())
    def test_log(x):
        assert gradcheck(ae.log, [x])

Elements default to floats in [-3, 3]; `positive_elements`, `nonzero_elements` and
`grid_elements` keep values inside a function's domain and away from kinks (0 for relu and abs,
ties for max), where finite differences and the one-sided derivative disagree.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..tensor import Tensor

Shape = tuple[int, ...]
_LAYOUTS = ("contiguous", "transposed", "strided")


def shapes(
    min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 3
) -> st.SearchStrategy[Shape]:
    """Array shapes, scalars (0-d) included by default."""
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def broadcastable_shapes(
    n: int = 2, min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 3
) -> st.SearchStrategy[tuple[Shape, ...]]:
    """Groups of n shapes that broadcast together (size-1 and missing leading dimensions)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda b: b.input_shapes)


def _floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def real_elements(bound: float = 3.0) -> st.SearchStrategy[float]:
    """Finite floats in [-bound, bound]."""
    return _floats(-bound, bound)


def positive_elements(lo: float = 0.1, hi: float = 5.0) -> st.SearchStrategy[float]:
    """Floats in [lo, hi], lo > 0: the domain of log, sqrt and a divisor."""
    return _floats(lo, hi)


def nonzero_elements(margin: float = 0.1, bound: float = 3.0) -> st.SearchStrategy[float]:
    """Floats with margin <= |x| <= bound: away from the kink of relu, abs, leaky_relu, elu."""
    return st.tuples(_floats(margin, bound), st.booleans()).map(lambda p: -p[0] if p[1] else p[0])


def grid_elements(
    lo: float = -3.0, hi: float = 3.0, step: float = 0.1, offset: float = 0.05
) -> st.SearchStrategy[float]:
    """Values k * step + offset in [lo, hi]: two values are equal or at least `step` apart.

    With the default offset no value sits on a multiple of 0.1 (clip bounds, the kink at 0).
    """
    first, last = math.ceil((lo - offset) / step), math.floor((hi - offset) / step)
    return st.integers(first, last).map(lambda k: round(k * step + offset, 10))


def _default_elements(dtype: np.dtype) -> st.SearchStrategy[Any]:
    if dtype.kind == "f":
        return real_elements()
    if dtype.kind == "b":
        return st.booleans()
    return st.integers(-5, 5)


@st.composite
def tensors(
    draw: st.DrawFn,
    shape: Shape | st.SearchStrategy[Shape] | None = None,
    dtype: Any = np.float64,
    elements: st.SearchStrategy[Any] | None = None,
    requires_grad: bool = True,
    contiguous: bool | None = None,
    unique: bool = False,
) -> Tensor:
    """Leaf tensors; `contiguous=None` mixes C-contiguous, transposed and strided layouts.

    A non-contiguous tensor is a view: the transpose of an array of the reversed shape, or
    every second (or reversed) element along one axis of a larger array. `requires_grad`
    applies to floating-point dtypes only.
    """
    if shape is None:
        shape = shapes()
    shape = tuple(draw(shape)) if isinstance(shape, st.SearchStrategy) else tuple(shape)
    dtype = np.dtype(dtype)
    elements = _default_elements(dtype) if elements is None else elements
    if dtype == np.float32:
        elements = elements.map(lambda v: float(np.float32(v)))
    if contiguous is None:
        layout = draw(st.sampled_from(_LAYOUTS))
    else:
        layout = "contiguous" if contiguous else draw(st.sampled_from(_LAYOUTS[1:]))
    if len(shape) < 2 and layout == "transposed":
        layout = "strided"
    if not shape:
        layout = "contiguous"

    def array(base_shape: Shape) -> np.ndarray:
        return draw(hnp.arrays(dtype, base_shape, elements=elements, unique=unique))

    if layout == "transposed":
        data = array(shape[::-1]).T
    elif layout == "strided":
        axis = draw(st.integers(0, len(shape) - 1))
        step = draw(st.sampled_from((2, -1, -2)))
        base_shape = (*shape[:axis], shape[axis] * abs(step), *shape[axis + 1 :])
        data = array(base_shape)[(slice(None),) * axis + (slice(None, None, step),)]
    else:
        data = array(shape)
    t = Tensor._make(data, False, None)
    if requires_grad and dtype.kind == "f":
        t.requires_grad_()
    return t


def positive_tensors(lo: float = 0.1, hi: float = 5.0, **kwargs: Any) -> st.SearchStrategy[Tensor]:
    """Tensors with values in [lo, hi] (log, sqrt, divisors, bases of pow)."""
    return tensors(elements=positive_elements(lo, hi), **kwargs)


def nonzero_tensors(
    margin: float = 0.1, bound: float = 3.0, **kwargs: Any
) -> st.SearchStrategy[Tensor]:
    """Tensors with margin <= |x| <= bound."""
    return tensors(elements=nonzero_elements(margin, bound), **kwargs)


def broadcastable_tensors(
    n: int = 2,
    elements: st.SearchStrategy[Any] | Any = None,
    min_dims: int = 0,
    max_dims: int = 3,
    **kwargs: Any,
) -> st.SearchStrategy[tuple[Tensor, ...]]:
    """n tensors of mutually broadcastable shapes; `elements` is one strategy or one per tensor."""
    per = elements if isinstance(elements, list | tuple) else [elements] * n

    def build(group: tuple[Shape, ...]) -> st.SearchStrategy[tuple[Tensor, ...]]:
        return st.tuples(*(tensors(s, elements=e, **kwargs) for s, e in zip(group, per)))

    return broadcastable_shapes(n, min_dims=min_dims, max_dims=max_dims).flatmap(build)
