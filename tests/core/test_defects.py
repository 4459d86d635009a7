"""Regression tests for silent wrong results found by fuzzing against PyTorch (issue 12).

Each test states PyTorch's answer as plain numbers (torch-free) and, when torch is installed,
also compares with it directly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from op_catalogue import CASES

import autograd_engine as ae
from autograd_engine.errors import InplaceError
from autograd_engine.testing import gradcheck


def _torch() -> Any:
    return pytest.importorskip("torch")


def f64(values: Any, requires_grad: bool = False) -> ae.Tensor:
    return ae.tensor(values, dtype=ae.float64, requires_grad=requires_grad)


# --------------------------------------------------------------------------- create_graph
def test_create_graph_leaves_never_share_their_grad():
    x, y = f64([1.0, 2.0], True), f64([3.0, 4.0], True)
    (x + y).sum().backward(create_graph=True)  # one gradient Tensor reaches both leaves
    assert x.grad is not y.grad
    (x * y).sum().backward()  # accumulates into each .grad in place
    assert x.grad.tolist() == [4.0, 5.0] and y.grad.tolist() == [2.0, 3.0]


def test_create_graph_grad_is_writable_after_a_broadcast():
    b = f64(np.ones(20_000), True)  # big enough for a read-only broadcast view of the gradient
    s = f64(1.0, True)
    (b + s).sum().backward(create_graph=True)
    (b + s).sum().backward()
    assert (b.grad.numpy() == 2.0).all() and s.grad.item() == 40_000.0


# --------------------------------------------------------------------------- pow at zero
BASES = [0.0, 2.0, 0.5, -1.5]
EXPONENTS = [0.0, 1.0, 2.0, 3.0, 0.5, -1.0, -0.5, 0, 2]


def _pow_grads(lib: Any, make: Any, exponent: Any, tensor_exponent: bool) -> tuple:
    x = make(BASES)
    b = make(float(exponent)) if tensor_exponent else exponent
    with np.errstate(all="ignore"):
        y = x**b
        (gx, *gb) = lib.autograd.grad(
            y.sum(), [x, b] if tensor_exponent else [x], create_graph=True
        )
        # PyTorch's x ** 0 has a constant gradient: no second derivative to ask for
        (ggx,) = lib.autograd.grad(gx.sum(), [x]) if gx.requires_grad else (0 * x,)

    def as_list(t: Any) -> list:
        return np.asarray(t.detach().numpy()).tolist()

    return as_list(y), as_list(gx), [as_list(g) for g in gb], as_list(ggx)


def test_pow_gradient_at_zero_without_torch():
    x = f64([0.0, 2.0], True)
    (x**0).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]  # not NaN at x = 0
    x.grad = None
    (x**2).sum().backward()
    assert x.grad.tolist() == [0.0, 4.0]
    b = f64([2.0, -1.0], True)
    with np.errstate(divide="ignore"):
        (f64([0.0, 0.0]) ** b).sum().backward()
    assert b.grad.tolist() == [0.0, -np.inf]  # 0 for b >= 0, 0^b log 0 = -inf below


@pytest.mark.parametrize("tensor_exponent", [False, True])
@pytest.mark.parametrize("exponent", EXPONENTS)
def test_pow_gradients_match_torch_at_zero_and_negative_bases(exponent, tensor_exponent):
    torch = _torch()

    def make_torch(v: Any) -> Any:
        return torch.tensor(v, dtype=torch.float64, requires_grad=True)

    ours = _pow_grads(ae, lambda v: f64(v, True), exponent, tensor_exponent)
    theirs = _pow_grads(torch, make_torch, exponent, tensor_exponent)
    for mine, ref in zip(ours[:3], theirs[:3], strict=True):
        np.testing.assert_allclose(mine, ref, rtol=1e-12)  # NaN and inf where PyTorch has them
    # Second order: PyTorch's NaN at x = 0 for a tensor exponent 0 is its 0 * inf; ours is 0
    finite = np.isfinite(theirs[3])
    np.testing.assert_allclose(np.asarray(ours[3])[finite], np.asarray(theirs[3])[finite])


# --------------------------------------------------------------------------- clamp
CLAMP_X = [-2.0, 0.0, 0.5, 1.0, 2.0, 3.0, 0.3]
CLAMP_LO = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]
CLAMP_HI = [1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 0.5]


def test_clamp_with_tensor_bounds_passes_their_gradients():
    x, lo, hi = f64(CLAMP_X, True), f64(CLAMP_LO, True), f64(CLAMP_HI, True)
    y = ae.clamp(x, lo, hi)
    y.sum().backward()
    assert y.tolist() == [0.0, 0.0, 0.5, 1.0, 1.0, 2.0, 0.5]  # PyTorch's values and gradients
    assert x.grad.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0]
    assert lo.grad.tolist() == [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert hi.grad.tolist() == [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
    x.grad = None
    y = x.clamp(min=lo)
    y.sum().backward()
    assert lo.grad.tolist() == [2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]
    assert x.grad.tolist() == [0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0]


def test_clamp_with_min_above_max_gives_max():
    x = f64(CLAMP_X, True)
    y = ae.clamp(x, 1.0, 0.0)
    y.sum().backward()
    assert y.tolist() == [0.0] * 7 and x.grad.tolist() == [0.0] * 7


@pytest.mark.parametrize("bounds", ["both", "min", "max", "broadcast", "numbers"])
def test_clamp_matches_torch(bounds):
    torch = _torch()
    values = {"x": CLAMP_X, "lo": CLAMP_LO, "hi": CLAMP_HI}
    if bounds == "broadcast":
        values = {"x": [CLAMP_X, CLAMP_LO], "lo": [[0.2], [0.0]], "hi": [0.5] * 7}

    def run(lib: Any, make: Any) -> list:
        x, lo, hi = (make(values[k]) for k in ("x", "lo", "hi"))
        kwargs = {
            "both": {"min": lo, "max": hi},
            "broadcast": {"min": lo, "max": hi},
            "min": {"min": lo},
            "max": {"max": hi},
            "numbers": {"min": 0.7, "max": 0.1},
        }[bounds]
        y = lib.clamp(x, **kwargs)
        wrt = [x, *kwargs.values()] if bounds != "numbers" else [x]
        grads = lib.autograd.grad(y, wrt, lib.ones_like(y) * 2)
        return [np.asarray(t.detach().numpy()) for t in (y, *grads)]

    ours = run(ae, lambda v: f64(v, True))
    theirs = run(torch, lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True))
    for mine, ref in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(mine, ref)


# --------------------------------------------------------------------------- index_put duplicates
def test_index_put_with_repeated_indices_gives_gradient_to_the_kept_value_only():
    x = f64([0.0, 0.0, 0.0], True)
    v = f64([1.0, 2.0, 3.0], True)
    c = x.clone()
    c[ae.tensor([0, 0, 1])] = v  # v[0] is overwritten by v[1]: the last write wins
    c.backward(f64([10.0, 20.0, 30.0]))
    assert c.tolist() == [2.0, 3.0, 0.0]  # as PyTorch (CPU) and NumPy
    assert x.grad.tolist() == [0.0, 0.0, 30.0]
    # PyTorch gives [10, 10, 20] (its forward is undefined with duplicates); v[0] does not
    # reach the result, so its derivative is 0, as finite differences confirm:
    assert v.grad.tolist() == [0.0, 10.0, 20.0]

    def put(x: ae.Tensor, v: ae.Tensor) -> ae.Tensor:
        c = x * 1.0
        c[ae.tensor([[1, 0], [1, 2]])] = v  # 2-d index, value broadcast over rows
        return c

    assert gradcheck(put, (f64(np.ones((3, 2)), True), f64([[4.0, 5.0]], True)))


# --------------------------------------------------------------------------- changed indices
def test_mask_changed_in_place_after_where_raises_at_backward():
    a = f64([1.0, 2.0], True)
    mask = a > 1.5
    y = ae.where(mask, a * a, a)
    mask[0] = True
    with pytest.raises(InplaceError, match=r"where.*in-place"):
        y.sum().backward()


def test_where_copies_a_numpy_mask():
    a = f64([1.0, 2.0], True)
    mask = np.array([False, True])
    y = ae.where(mask, a * a, a)
    mask[0] = True  # the user's array: the engine kept its own copy
    y.sum().backward()
    assert a.grad.tolist() == [1.0, 4.0]


@pytest.mark.parametrize(
    "index",
    [
        lambda i: i,  # x[i]
        lambda i: (i, slice(None)),  # x[i, :]
        lambda i: (slice(None), i),  # x[:, i]
    ],
)
def test_index_tensor_changed_in_place_after_getitem_raises_at_backward(index):
    x = f64(np.arange(4.0).reshape(2, 2), True)
    i = ae.tensor([1, 0])
    y = x[index(i)] * 2
    i[0] = 0
    with pytest.raises(InplaceError, match=r"getitem.*in-place"):
        y.sum().backward()


def test_index_tensor_changed_in_place_after_index_put_raises_at_backward():
    x = f64([1.0, 2.0, 3.0], True)
    i = ae.tensor([2, 0])
    c = x * 1.0
    c[i] = f64([5.0, 6.0], True)
    i.add_(-1)
    with pytest.raises(InplaceError, match=r"index_put.*in-place"):
        c.sum().backward()
    mask = ae.tensor([True, False, True])
    c = x * 1.0
    c[mask] = 0.0
    mask[1] = True
    with pytest.raises(InplaceError, match="index_put"):
        c.sum().backward()


# --------------------------------------------------------------------------- float64 backward
def _function_classes() -> list[type]:
    found, todo = [], [ae.Function]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("autograd_engine.") and "backward" in vars(sub):
                found.append(sub)
    return found


@pytest.fixture
def float64_backward_watch(monkeypatch):
    """Wrap every engine backward: each upstream gradient it receives and each gradient it
    returns must be float64 already (the engine would silently cast a float32 one back)."""
    seen: list[str] = []

    def watch(cls: type) -> None:
        inner = cls.backward

        def backward(ctx: Any, g: Any) -> Any:
            grads = inner(ctx, g)
            for i, gi in enumerate(grads if isinstance(grads, tuple) else (grads,)):
                arr = getattr(gi, "_data", gi)
                if (
                    isinstance(arr, np.ndarray)
                    and arr.dtype.kind == "f"
                    and arr.dtype != np.float64
                ):
                    seen.append(f"{ctx.name} returned {arr.dtype} for input {i}")
            if getattr(g, "_data", g).dtype != np.float64:
                seen.append(f"{ctx.name} received {getattr(g, '_data', g).dtype}")
            return grads

        monkeypatch.setattr(cls, "backward", staticmethod(backward))

    for cls in _function_classes():
        watch(cls)
    return seen


FLOAT64_CASES = [c for c in CASES if c.name != "cast"]  # cast goes through float32 on purpose


@pytest.mark.parametrize("case", FLOAT64_CASES, ids=[c.name for c in FLOAT64_CASES])
def test_no_float32_in_any_float64_backward(case, float64_backward_watch):
    @settings(max_examples=4, derandomize=True, database=None, deadline=None)
    @given(drawn=case.inputs)
    def run(drawn: Any) -> None:
        tensors, kwargs = drawn
        assert all(t.dtype != np.float32 for t in tensors)
        with np.errstate(all="ignore"):
            out = case.call(*tensors, **kwargs)
            wrt = [x for x in tensors if x.requires_grad]
            upstream = ae.ones_like(out, requires_grad=True)
            grads = ae.grad(out, wrt, upstream, create_graph=True, allow_unused=True)
            total = sum((g * g).sum() for g in grads if g is not None and g.requires_grad)
            if isinstance(total, ae.Tensor):
                ae.grad(total, [*wrt, upstream], allow_unused=True)

    run()
    assert not float64_backward_watch


def test_a_float32_gradient_of_a_float64_output_is_cast():
    x = f64([1.0, 2.0], True)
    y = x * (1.0 + 1e-12)
    y.backward(ae.tensor([1.0, 1.0], dtype=ae.float32))
    (g,) = ae.grad(x * (1.0 + 1e-12), x, ae.tensor([1.0, 1.0], dtype=ae.float32))
    for grad in (x.grad, g):
        assert grad.dtype == np.float64 and grad.tolist() == [1.0 + 1e-12] * 2


def test_zero_dimensional_gradients_stay_float64_when_summed():
    x = f64(0.7, True)
    h = x.sin()
    y = h * h + h.exp()  # two 0-d gradients meet at h (NumPy adds them into a scalar)
    (g,) = ae.grad(y, x)  # sin's backward then gets that sum
    expected = (2 * np.sin(0.7) + np.exp(np.sin(0.7))) * np.cos(0.7)
    assert g.dtype == np.float64 and g.item() == pytest.approx(expected, rel=1e-15, abs=0)


# --------------------------------------------------------------------------- in-place on views
class _Lib:
    """The few calls the view scenarios need, for the engine and for torch."""

    def __init__(self, torch: Any = None) -> None:
        self.torch = torch
        self.no_grad = torch.no_grad if torch else ae.no_grad

    def t(self, values: Any, requires_grad: bool = False) -> Any:
        if self.torch is None:
            return f64(values, requires_grad)
        return self.torch.tensor(values, dtype=self.torch.float64, requires_grad=requires_grad)

    def index(self, values: Any) -> Any:
        return self.torch.tensor(values) if self.torch else ae.tensor(values)

    def grad(self, y: Any, xs: list, **kwargs: Any) -> list:
        lib = self.torch.autograd if self.torch else ae
        return list(lib.grad(y, xs, **kwargs))


A = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
W = [[0.5, -1.0, 2.0], [1.5, 3.0, -2.5]]


def _nonleaf(lib: _Lib) -> tuple:
    a = lib.t(A, True)
    return a, a * 1.0


def _loss(lib: _Lib, b: Any) -> Any:
    return (b * lib.t(W)).sum()


def view_getitem_int(lib):
    a, b = _nonleaf(lib)
    b[0].mul_(10.0)
    return [b, *lib.grad(_loss(lib, b), [a])]


def view_getitem_element(lib):
    a, b = _nonleaf(lib)
    b[1, 2].mul_(10.0)  # a single element: a 0-d view
    return [b, *lib.grad(_loss(lib, b), [a])]


def view_transpose_property(lib):
    a, b = _nonleaf(lib)
    b.T.mul_(lib.t([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    return [b, *lib.grad(_loss(lib, b), [a])]


def view_transpose_method(lib):
    a = lib.t(np.arange(12.0).reshape(2, 3, 2).tolist(), True)
    b = a * 1.0
    y = lib.t([1.0, -2.0], True)
    b.transpose(0, 2)[1].add_(y.reshape(1, 2) * 3.0)
    return [b, *lib.grad((b * b).sum(), [a, y])]


def view_flat_copy(lib):
    a, b = _nonleaf(lib)
    src = lib.t([6.0, 5.0, 4.0, 3.0, 2.0, 1.0], True)
    b.view(-1).copy_(src * 2.0)
    return [b, *lib.grad(_loss(lib, b), [a, src])]


def view_slice_add(lib):
    a, b = _nonleaf(lib)
    y = lib.t([[7.0, 8.0, 9.0]], True)
    b[1:].add_(y)
    return [b, *lib.grad(_loss(lib, b), [a, y])]


def view_reshape_and_unsqueeze(lib):
    a, b = _nonleaf(lib)
    y = lib.t([1.0, 2.0], True)
    b.reshape(3, 2)[2].mul_(y)  # the old values reach y's gradient
    b.unsqueeze(0)[0, :, 1].sub_(y)
    return [b, *lib.grad(_loss(lib, b), [a, y])]


def view_chain(lib):
    a, b = _nonleaf(lib)
    y = lib.t(2.0, True)
    b.T[1:][0].mul_(y)  # a view of a view of a view: the base is b
    b[:, 1:][0][1].div_(y)
    return [b, *lib.grad(_loss(lib, b), [a, y])]


def view_setitem(lib):
    a, b = _nonleaf(lib)
    y = lib.t(5.0, True)
    b[1][0] = y * y
    return [b, *lib.grad(_loss(lib, b), [a, y])]


def view_other_views_see_the_change(lib):
    a, b = _nonleaf(lib)
    row, column = b[0], b[:, 1]
    row.mul_(10.0)
    return [row, column, *lib.grad((column * lib.t([1.0, 2.0])).sum(), [a])]


def view_made_before_the_base_changed(lib):
    a, b = _nonleaf(lib)
    row = b[0]
    b.mul_(lib.t([[2.0], [3.0]]))
    return [row, *lib.grad((row * row).sum(), [a])]


def view_of_leaf_without_grad(lib):
    x = lib.t([0.0, 0.0, 0.0])
    y = lib.t([1.0, 2.0], True)
    x[1:].add_(y * y)
    (gy,) = lib.grad((x * x).sum(), [y])
    return [x, gy, lib.t(float(x.requires_grad)), lib.t(float(x.is_leaf))]


def view_of_leaf_under_no_grad(lib):
    x = lib.t(A, True)
    with lib.no_grad():
        x[0].mul_(10.0)
        x.T[2].add_(1.0)
        x.view(-1)[4:].copy_(lib.t([-1.0, -2.0]))
    return [x, *lib.grad((x * x).sum(), [x])]


def view_second_order(lib):
    a, b = _nonleaf(lib)
    b[0].mul_(a[1] * a[1])
    (g,) = lib.grad((b * b).sum(), [a], create_graph=True)
    return [b, g, *lib.grad((g * g).sum(), [a])]


def view_clamp_with_tensor_bounds(lib):
    a, b = _nonleaf(lib)
    lo, hi = lib.t([2.0, 1.0, 2.5], True), lib.t([[4.5], [3.0]], True)
    b.T.clamp_(lo.reshape(3, 1), hi.reshape(1, 2))
    return [b, *lib.grad(_loss(lib, b), [a, lo, hi])]


def view_setitem_with_an_index_tensor(lib):
    a, b = _nonleaf(lib)
    y = lib.t([7.0, 8.0], True)
    b[1][lib.index([0, 2])] = y
    return [b, *lib.grad((b * b).sum(), [a, y])]


def view_of_a_view_after_the_base_changed(lib):
    a, b = _nonleaf(lib)
    row = b[1]
    tail = row[1:]
    b.mul_(3.0)
    tail.add_(1.0)
    return [b, row, tail, *lib.grad((row * row).sum() + (b * b).sum(), [a])]


VIEW_CASES = [
    view_clamp_with_tensor_bounds,
    view_setitem_with_an_index_tensor,
    view_of_a_view_after_the_base_changed,
    view_getitem_int,
    view_getitem_element,
    view_transpose_property,
    view_transpose_method,
    view_flat_copy,
    view_slice_add,
    view_reshape_and_unsqueeze,
    view_chain,
    view_setitem,
    view_other_views_see_the_change,
    view_made_before_the_base_changed,
    view_of_leaf_without_grad,
    view_of_leaf_under_no_grad,
    view_second_order,
]


@pytest.mark.parametrize("case", VIEW_CASES, ids=[c.__name__ for c in VIEW_CASES])
def test_inplace_on_views_matches_torch(case):
    torch = _torch()
    ours = case(_Lib())
    theirs = case(_Lib(torch))
    assert len(ours) == len(theirs)
    for i, (mine, ref) in enumerate(zip(ours, theirs, strict=True)):
        np.testing.assert_allclose(mine.numpy(), ref.detach().numpy(), rtol=1e-12, err_msg=str(i))


def test_inplace_on_a_view_writes_through_without_torch():
    a, b = _nonleaf(_Lib())
    b[0].mul_(10.0)
    b.T.mul_(2.0)
    (g,) = ae.grad(_loss(_Lib(), b), [a])
    assert b.tolist() == [[20.0, 40.0, 60.0], [8.0, 10.0, 12.0]]
    assert g.tolist() == (np.array(W) * [[20.0], [2.0]]).tolist()
    x = ae.zeros(3, dtype=ae.float64)
    y = f64([1.0, 2.0], True)
    x[1:].add_(y)
    assert x.tolist() == [0.0, 1.0, 2.0] and x.requires_grad and not x.is_leaf
    x.sum().backward()
    assert y.grad.tolist() == [1.0, 1.0]


def test_inplace_on_a_view_of_a_leaf_requiring_grad_raises():
    x = f64(A, True)
    for change in (lambda: x[0].mul_(2.0), lambda: x.T.add_(1.0), lambda: x.view(-1).zero_()):
        with pytest.raises(InplaceError, match="a view of a leaf Variable that requires grad"):
            change()
    assert x.tolist() == A


def test_inplace_on_a_view_made_under_no_grad_raises_when_recorded():
    _, b = _nonleaf(_Lib())
    with ae.no_grad():
        row = b[0]
    with pytest.raises(InplaceError, match="no_grad"):
        row.mul_(2.0)


def test_inplace_on_an_expanded_view_raises():
    b = f64([1.0], True) * 1.0
    with pytest.raises(InplaceError, match="clone"):
        b.expand(3).mul_(2.0)
    with pytest.raises(InplaceError, match="clone"), ae.no_grad():
        b.expand(3).mul_(2.0)


def test_views_share_the_version_of_their_base():
    a, b = _nonleaf(_Lib())
    y = b[0].sin()  # saves the view b[0]
    b[1].mul_(2.0)  # another view: the same counter, as in PyTorch
    with pytest.raises(InplaceError, match="sin"):
        y.sum().backward()
    a, b = _nonleaf(_Lib())
    y = b[0].exp()  # saves only its output
    b[1].mul_(2.0)
    y.sum().backward()
    assert a.grad[0].tolist() == np.exp(A[0]).tolist()


def test_numpy_index_arrays_are_copied():
    x = f64([1.0, 2.0, 3.0], True)
    index = np.array([2, 0])
    y = x[index] * f64([1.0, 10.0])
    index[0] = 1  # the user's array: the engine kept its own copy
    y.sum().backward()
    assert x.grad.tolist() == [10.0, 0.0, 1.0]
