"""PyTorch's call semantics: dim / keepdim (with NumPy's axis / keepdims as aliases), returned
(values, indices) pairs, out-of-range and mistyped dims, empty and 0-d edge cases.

Each engine call is compared with the same call on torch (values, dtypes, shapes, indices and
gradients)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_engine as ae
from autograd_engine import errors

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(12)
# distinct values (no ties), so indices and gradients are unambiguous
DATA = RNG.permutation(24).reshape(2, 3, 4).astype(np.float64) / 4 - 3


def pair(data=DATA):
    data = np.asarray(data, dtype=np.float64)
    return ae.tensor(data, dtype=ae.float64, requires_grad=True), torch.tensor(
        data, requires_grad=True
    )


def same(ours, theirs, what=""):
    """Values, shape and dtype (float64 / int64 / bool) of a Tensor against a torch tensor."""
    theirs_np = theirs.detach().numpy()
    assert ours.shape == tuple(theirs.shape), what
    assert ours.dtype == theirs_np.dtype, what
    np.testing.assert_allclose(ours.numpy(), theirs_np, rtol=1e-12, atol=1e-12, err_msg=what)


def same_grad(out, tout, x, tx):
    g = np.random.default_rng(0).standard_normal(out.shape)
    (ours,) = ae.grad(out, [x], ae.tensor(g, dtype=ae.float64))
    (theirs,) = torch.autograd.grad(tout, [tx], torch.tensor(g), retain_graph=True)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------- dim / keepdim
REDUCTIONS = ["sum", "mean", "prod", "amax", "amin", "logsumexp", "var", "std", "norm"]
DIMS = [1, -1, (0, 2), (2, 0), [0, 1]]


def _torch_prod(tx, dims, keepdim):
    """The product over several dims, which torch.prod does one dim at a time."""
    dims = sorted({d % tx.ndim for d in dims}, reverse=True)
    out = tx
    for d in dims:
        out = out.prod(d, keepdim=True)
    return out if keepdim else out.squeeze(tuple(dims))


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
def test_reductions_take_dim_and_keepdim(name, dim, keepdim):
    x, tx = pair()
    tdim = tuple(dim) if isinstance(dim, list) else dim
    extra = {"p": 2} if name == "norm" else {}
    targs = (2,) if name == "norm" else ()
    if name == "prod" and not isinstance(dim, int):  # torch.prod takes one dim: one by one
        expected = _torch_prod(tx, tdim, keepdim)
    else:
        expected = getattr(tx, name)(*targs, dim=tdim, keepdim=keepdim)
    forms = [
        getattr(x, name)(dim=dim, keepdim=keepdim, **extra),
        getattr(ae, name)(x, dim=dim, keepdim=keepdim, **extra),
    ]
    if name != "norm":
        forms += [
            getattr(x, name)(dim, keepdim=keepdim),
            getattr(x, name)(axis=dim, keepdims=keepdim),
        ]
    for out in forms:
        same(out, expected, name)
    same_grad(forms[0], expected, x, tx)


@pytest.mark.parametrize("name", REDUCTIONS)
def test_an_empty_dim_tuple_reduces_everything(name):
    """PyTorch's rule (NumPy's axis=() would reduce nothing)."""
    x, tx = pair()
    if name == "prod":  # torch.prod takes one int dim; prod over all is its dim-less form
        expected = tx.prod()
    elif name == "logsumexp":  # torch's own logsumexp(dim=()) fails on a shape check
        expected = tx.logsumexp((0, 1, 2))
    else:
        expected = getattr(tx, name)(*((2,) if name == "norm" else ()), dim=())
    same(getattr(x, name)(dim=()), expected, name)
    if name != "norm":
        same(getattr(x, name)(axis=[]), expected, name)


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reductions_over_everything(name):
    x, tx = pair()
    expected = tx.logsumexp((0, 1, 2)) if name == "logsumexp" else getattr(tx, name)()
    same(getattr(x, name)(), expected, name)


def test_var_and_std_correction_and_unbiased():
    x, tx = pair()
    for name in ("var", "std"):
        f, tf = getattr(x, name), getattr(tx, name)
        same(f(1, correction=0), tf(1, correction=0))
        same(f(1, unbiased=False), tf(1, unbiased=False))
        same(f(1, False, True), tf(1, False, True))  # (dim, unbiased, keepdim)
        same(f(dim=(0, 2), correction=2, keepdim=True), tf(dim=(0, 2), correction=2, keepdim=True))
        same(getattr(ae, name)(x, False), getattr(torch, name)(tx, False))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_dim(name, dim):
    x, tx = pair()
    expected = getattr(tx, name)(dim=dim)
    for out in (getattr(x, name)(dim=dim), getattr(x, name)(dim), getattr(ae, name)(x, axis=dim)):
        same(out, expected)
    same_grad(getattr(x, name)(dim), expected, x, tx)


@pytest.mark.parametrize("name", ["all", "any"])
def test_all_any(name):
    data = DATA > 0
    x, tx = ae.tensor(data), torch.tensor(data)
    same(getattr(x, name)(), getattr(tx, name)())
    same(getattr(x, name)(dim=1), getattr(tx, name)(dim=1))
    same(getattr(x, name)(1, keepdim=True), getattr(tx, name)(1, keepdim=True))
    same(getattr(ae, name)(x, axis=-1), getattr(torch, name)(tx, dim=-1))


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_argmin(name):
    x, tx = pair()
    same(getattr(x, name)(), getattr(tx, name)())
    same(getattr(x, name)(dim=1), getattr(tx, name)(dim=1))
    same(getattr(x, name)(2, keepdim=True), getattr(tx, name)(2, keepdim=True))
    same(getattr(ae, name)(x, axis=0), getattr(torch, name)(tx, dim=0))


def test_cumsum():
    x, tx = pair()
    for dim in (0, 1, -1):
        same(x.cumsum(dim), tx.cumsum(dim))
        same(ae.cumsum(x, dim=dim), torch.cumsum(tx, dim=dim))
    same_grad(x.cumsum(1), tx.cumsum(1), x, tx)


@pytest.mark.parametrize("p", [2, "fro", 1, 3, math.inf, -math.inf])
def test_norm_orders(p):
    x, tx = pair()
    same(x.norm(p), torch.norm(tx, p))
    same(x.norm(p, dim=1, keepdim=True), torch.norm(tx, p, dim=1, keepdim=True))


def test_norm_and_std_at_zero_have_pytorch_gradients():
    for shape in ((3,), (2, 3)):
        x, tx = pair(np.zeros(shape))
        same_grad(x.norm(), tx.norm(), x, tx)
        x, tx = pair(np.ones(shape))
        same_grad(x.std(), tx.std(), x, tx)
        same_grad(x.std(-1), tx.std(-1), x, tx)


def test_prod_gradient_with_zeros():
    for data in ([2.0, 0.0, 3.0], [0.0, 0.0, 3.0], [1.5, -2.0, 3.0]):
        x, tx = pair(np.array(data))
        same_grad(x.prod(), tx.prod(), x, tx)


def test_amax_ties_share_the_gradient():
    data = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    x, tx = pair(data)
    same_grad(x.amax(1), tx.amax(1), x, tx)
    same_grad(x.max(), tx.max(), x, tx)
    same_grad(x.median(), tx.median(), x, tx)


# --------------------------------------------------------------------------- shape ops
def test_shape_ops_take_dim():
    x, tx = pair()
    same(ae.cat([x, x], dim=1), torch.cat([tx, tx], dim=1))
    same(ae.cat([x, x], 2), torch.cat([tx, tx], 2))
    same(ae.cat([x, x], axis=-1), torch.cat([tx, tx], -1))
    same(ae.stack([x, x], dim=3), torch.stack([tx, tx], dim=3))
    same(ae.stack([x, x], -4), torch.stack([tx, tx], -4))
    same(x.unsqueeze(dim=3), tx.unsqueeze(dim=3))
    same(x.unsqueeze(-1), tx.unsqueeze(-1))
    same(x[:1].squeeze(dim=0), tx[:1].squeeze(dim=0))
    same(x[:1].squeeze(0), tx[:1].squeeze(0))
    same(x.flatten(start_dim=1), tx.flatten(start_dim=1))
    same(x.flatten(0, 1), tx.flatten(0, 1))
    same(x.flatten(-2, -1), tx.flatten(-2, -1))
    same(x.transpose(0, 2), tx.transpose(0, 2))
    same(x.transpose(dim0=-1, dim1=0), tx.transpose(dim0=-1, dim1=0))
    same(x.permute(2, 0, 1), tx.permute(2, 0, 1))
    same(x.permute((-1, 0, 1)), tx.permute((-1, 0, 1)))


# --------------------------------------------------------------------------- (values, indices)
def check_pair(ours, theirs, x, tx):
    assert isinstance(ours, tuple) and len(ours) == 2
    assert ours.values is ours[0] and ours.indices is ours[1]
    same(ours.values, theirs.values)
    same(ours.indices, theirs.indices)
    same_grad(ours.values, theirs.values, x, tx)


@pytest.mark.parametrize("name", ["max", "min", "median", "mode"])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_selection_along_a_dim_returns_values_and_indices(name, dim, keepdim):
    x, tx = pair()
    theirs = getattr(tx, name)(dim, keepdim)
    check_pair(getattr(x, name)(dim, keepdim), theirs, x, tx)
    check_pair(getattr(x, name)(dim=dim, keepdim=keepdim), theirs, x, tx)
    check_pair(getattr(ae, name)(x, dim, keepdim=keepdim), theirs, x, tx)
    if name in ("max", "min"):
        check_pair(getattr(x, name)(axis=dim, keepdims=keepdim), theirs, x, tx)


def test_sort_topk_kthvalue():
    x, tx = pair()
    for dim in (0, 1, -1):
        for descending in (False, True):
            check_pair(x.sort(dim, descending), tx.sort(dim, descending), x, tx)
            check_pair(
                ae.sort(x, dim=dim, descending=descending),
                torch.sort(tx, dim=dim, descending=descending),
                x,
                tx,
            )
        for k in (1, 2):
            for largest in (True, False):
                check_pair(x.topk(k, dim, largest=largest), tx.topk(k, dim, largest=largest), x, tx)
            check_pair(x.kthvalue(k, dim), tx.kthvalue(k, dim), x, tx)
            check_pair(x.kthvalue(k, dim, True), tx.kthvalue(k, dim, True), x, tx)


def test_median_is_the_lower_middle_value():
    x, tx = pair(np.array([[4.0, 1.0, 3.0, 2.0], [0.5, 0.25, 1.0, 2.0]]))
    check_pair(x.median(1), tx.median(1), x, tx)
    same(x.median(), tx.median())


def test_mode_with_ties_picks_pytorchs_value_and_index():
    data = np.array([[3.0, 1.0, 1.0, 3.0, 2.0], [2.0, 2.0, 5.0, 2.0, 5.0]])
    x, tx = ae.tensor(data, dtype=ae.float64), torch.tensor(data)
    for dim in (-1, 0):
        ours, theirs = x.mode(dim), tx.mode(dim)
        same(ours.values, theirs.values)
        same(ours.indices, theirs.indices)


def test_max_min_without_dim_and_elementwise():
    x, tx = pair()
    same(x.max(), tx.max())
    same(ae.min(x), torch.min(tx))
    y, ty = pair(DATA[::-1].copy())
    same(ae.max(x, y), torch.max(tx, ty))
    same(x.min(y), tx.min(ty))


def test_argmax_by_max_counts_correct_predictions():
    scores = ae.tensor([[0.1, 0.9, 0.0], [0.8, 0.1, 0.1], [0.2, 0.3, 0.5]])
    labels = ae.tensor([1, 0, 1])
    assert (scores.max(1)[1] == labels).sum().item() == 2
    assert scores.max(1).indices.dtype == np.int64


# --------------------------------------------------------------------------- 0-d and empty
def test_zero_dim_tensors():
    x, tx = pair(np.array(1.5))
    for dim in (0, -1):
        same(x.sum(dim), tx.sum(dim))
        same(x.mean(dim, keepdim=True), tx.mean(dim, keepdim=True))
        same(x.amax(dim), tx.amax(dim))
        same(x.logsumexp(dim), tx.logsumexp(dim))
        same(x.softmax(dim), tx.softmax(dim))
        same(x.log_softmax(dim), tx.log_softmax(dim))
        same(x.cumsum(dim), tx.cumsum(dim))
        same(x.argmax(dim), tx.argmax(dim))
        check_pair(x.max(dim), tx.max(dim), x, tx)
        check_pair(x.sort(dim), tx.sort(dim), x, tx)
        same(x.unsqueeze(dim), tx.unsqueeze(dim))
        same(x.flatten(dim), tx.flatten(dim))
    with pytest.raises(IndexError):
        x.sum(1)


def test_empty_dims():
    data = np.zeros((2, 0))
    x, tx = pair(data)
    same(x.softmax(1), tx.softmax(1))
    same(x.log_softmax(-1), tx.log_softmax(-1))
    same(x.logsumexp(1), tx.logsumexp(1))
    same(x.sum(1), tx.sum(1))
    same(x.amax(0), tx.amax(0))
    for call in (lambda t: t.max(1), lambda t: t.amax(1), lambda t: t.max(), lambda t: t.argmax(1)):
        with pytest.raises((IndexError, RuntimeError)):  # torch: RuntimeError for max()
            call(torch.zeros(2, 0))
        with pytest.raises(errors.EmptyReductionError):  # an IndexError and a RuntimeError
            call(x)


# --------------------------------------------------------------------------- errors
OUT_OF_RANGE = [
    ("unsqueeze", lambda v: v.unsqueeze(5), "dim 5", "-3 to 2"),
    ("flatten", lambda v: v.flatten(5), "dim 5", "-2 to 1"),
    ("stack", lambda v: ae.stack([v, v], axis=5), "dim 5", "-3 to 2"),
    ("permute", lambda v: v.permute((0, 5)), "dim 5", "-2 to 1"),
    ("transpose", lambda v: v.transpose(0, 5), "dim 5", "-2 to 1"),
    ("sum", lambda v: v.sum(dim=2), "dim 2", "-2 to 1"),
    ("mean", lambda v: v.mean(axis=-3), "dim -3", "-2 to 1"),
    ("softmax", lambda v: v.softmax(2), "dim 2", "-2 to 1"),
    ("max", lambda v: v.max(3), "dim 3", "-2 to 1"),
    ("cat", lambda v: ae.cat([v, v], dim=2), "dim 2", "-2 to 1"),
    ("squeeze", lambda v: v.squeeze(4), "dim 4", "-2 to 1"),
    ("argmax", lambda v: v.argmax(2), "dim 2", "-2 to 1"),
    ("sort", lambda v: v.sort(2), "dim 2", "-2 to 1"),
    ("cumsum", lambda v: v.cumsum(-3), "dim -3", "-2 to 1"),
]


@pytest.mark.parametrize(
    ("op", "call", "dim", "valid"), OUT_OF_RANGE, ids=[c[0] for c in OUT_OF_RANGE]
)
def test_out_of_range_dim_is_an_index_error_naming_op_and_dim(op, call, dim, valid):
    v = ae.ones(2, 3)
    with pytest.raises(IndexError) as info:
        call(v)
    assert isinstance(info.value, errors.IndexOutOfRangeError)
    message = str(info.value)
    assert message.startswith(op) and dim in message and valid in message


def test_unsqueeze_message_as_in_the_issue():
    with pytest.raises(errors.IndexOutOfRangeError) as info:
        ae.ones(2, 3).unsqueeze(5)
    assert str(info.value) == (
        "unsqueeze: dim 5 is out of range for a tensor of 2 dimensions (expected -3 to 2)"
    )


@pytest.mark.parametrize(
    ("op", "call"),
    [
        ("sum", lambda v: v.sum(axis=1.5)),
        ("mean", lambda v: v.mean(dim="0")),
        ("amax", lambda v: v.amax((0, 1.0))),
        ("max", lambda v: v.max(1.5)),
        ("softmax", lambda v: v.softmax(dim=None if False else 0.5)),
        ("unsqueeze", lambda v: v.unsqueeze(1.0)),
        ("transpose", lambda v: v.transpose(0, "1")),
        ("sum", lambda v: v.sum(dim=1, axis=0)),
    ],
)
def test_wrong_argument_types_are_type_errors_naming_the_op(op, call):
    with pytest.raises(TypeError) as info:
        call(ae.ones(2, 3))
    assert isinstance(info.value, errors.ArgumentError)
    assert str(info.value).startswith(op)


def test_repeated_dims():
    v = ae.ones(2, 3)
    with pytest.raises(errors.ShapeError, match="permute"):
        v.permute(0, 0)
    with pytest.raises(errors.ShapeError, match="sum"):
        v.sum((1, -1))


def test_new_error_classes_are_in_the_family():
    assert issubclass(errors.ArgumentError, errors.AutogradError)
    assert issubclass(errors.ArgumentError, TypeError)
    assert issubclass(errors.ArgumentValueError, errors.AutogradError)
    assert issubclass(errors.ArgumentValueError, ValueError)
    with pytest.raises(errors.ArgumentValueError, match="norm"):
        ae.ones(3).norm("nuc")
    with pytest.raises(errors.IndexOutOfRangeError, match="topk"):
        ae.ones(3).topk(4)
    with pytest.raises(errors.IndexOutOfRangeError, match="kthvalue"):
        ae.ones(3).kthvalue(0)
