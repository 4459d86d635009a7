"""The Tensor API: creation, dtypes, attributes, conversion, operators and in-place updates."""

import numpy as np
import pytest

import autograd_engine as ae
from autograd_engine import DTypeError, InplaceError, ShapeError, Tensor


# --------------------------------------------------------------------------- creation
@pytest.mark.parametrize("make", [ae.zeros, ae.ones, ae.rand, ae.randn])
def test_sizes_as_ints_or_one_tuple(make):
    assert make(3, 4).shape == (3, 4)
    assert make((3, 4)).shape == (3, 4)
    assert make([2]).shape == (2,)
    assert make(()).shape == ()
    assert make(5).shape == (5,)
    assert make(2, 3, dtype=ae.float64).dtype == np.float64
    t = make(2, requires_grad=True)
    assert t.requires_grad and t.is_leaf and t.grad is None


def test_other_creation_functions():
    assert ae.full((2, 3), 1.5).tolist() == [[1.5] * 3] * 2
    assert ae.full(2, 7).dtype == np.int64
    assert ae.eye(3).numpy().trace() == 3.0 and ae.eye(2, 3).shape == (2, 3)
    assert ae.arange(4).tolist() == [0, 1, 2, 3] and ae.arange(4).dtype == np.int64
    assert ae.arange(1, 2, 0.5).tolist() == [1.0, 1.5] and ae.arange(0.0, 1).dtype == np.float32
    assert ae.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    x = ae.randn(2, 3, dtype=ae.float64)
    for like in (ae.zeros_like, ae.ones_like, ae.rand_like, ae.randn_like):
        y = like(x)
        assert y.shape == x.shape and y.dtype == np.float64 and not y.requires_grad
    assert ae.full_like(x, 2.0).tolist() == [[2.0] * 3] * 2
    assert ae.zeros_like(x, dtype=ae.float32, requires_grad=True).requires_grad
    r = ae.randint(0, 3, (4, 5))
    assert r.dtype == np.int64 and r.shape == (4, 5) and 0 <= r.numpy().min() <= r.numpy().max() < 3


def test_manual_seed_makes_sampling_reproducible():
    ae.manual_seed(123)
    a, b = ae.randn(3), ae.rand(2, 2)
    ae.manual_seed(123)
    assert ae.randn(3).tolist() == a.tolist() and ae.rand(2, 2).tolist() == b.tolist()
    state = ae.get_rng_state()
    c = ae.randn(4)
    ae.set_rng_state(state)
    assert ae.randn(4).tolist() == c.tolist()


# --------------------------------------------------------------------------- dtypes
def test_default_and_explicit_dtypes():
    assert ae.tensor([1.0, 2.0]).dtype == np.float32
    assert ae.tensor(np.array([1.0])).dtype == np.float64  # keeps the array's, as torch.tensor
    assert ae.tensor([1.0], dtype=ae.float64).dtype == np.float64
    assert ae.tensor([1, 2]).dtype == np.int64
    assert ae.tensor([True, False]).dtype == np.bool_
    assert ae.randn(2).dtype == np.float32
    assert (ae.tensor([1.0], dtype=ae.float64) * 2).dtype == np.float64
    assert (ae.tensor([1.0]) * np.array([2.0])).dtype == np.float32


@pytest.mark.parametrize(
    "make",
    [
        lambda: ae.tensor([1, 2], requires_grad=True),
        lambda: ae.tensor([True], requires_grad=True),
        lambda: ae.zeros(3, dtype=ae.int64, requires_grad=True),
        lambda: ae.arange(3).requires_grad_(),
        lambda: setattr(ae.tensor([1]), "requires_grad", True),
    ],
)
def test_integer_and_bool_tensors_cannot_require_grad(make):
    with pytest.raises(DTypeError, match="floating"):
        make()


def test_conversion_between_dtypes():
    x = ae.tensor([1.5, -2.5], requires_grad=True)
    y = x.to(ae.float64)
    assert y.dtype == np.float64 and y.requires_grad and y.grad_fn is not None
    y.sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [1.0, 1.0]
    assert x.astype("float64").dtype == np.float64
    assert x.double().dtype == np.float64 and x.float().dtype == np.float32
    assert x.long().tolist() == [1, -2] and not x.long().requires_grad


# --------------------------------------------------------------------------- attributes
def test_attributes():
    x = ae.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert x.shape == (2, 3) and x.ndim == 2 and x.size() == (2, 3) and x.size(1) == 3
    assert x.T.shape == (3, 2) and x.T.tolist() == [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]
    assert isinstance(x.numpy(), np.ndarray) and x.numpy() is x.numpy()
    assert x.is_leaf and x.grad_fn is None and x.requires_grad
    y = x * 2
    assert not y.is_leaf and y.grad_fn is not None and y.requires_grad
    assert len(x) == 2 and [row.shape for row in x] == [(3,), (3,)]


def test_item_and_tolist():
    assert ae.tensor(2.5).item() == 2.5 and isinstance(ae.tensor(2.5).item(), float)
    assert ae.tensor([3]).item() == 3 and isinstance(ae.tensor([3]).item(), int)
    assert ae.tensor([[1, 2]]).tolist() == [[1, 2]]
    assert float(ae.tensor(1.5)) == 1.5 and int(ae.tensor(2)) == 2
    with pytest.raises(ShapeError, match="one-element"):
        ae.tensor([1.0, 2.0]).item()


def test_requires_grad_is_settable_on_leaves_only():
    x = ae.tensor([1.0])
    x.requires_grad = True
    assert x.requires_grad
    assert x.requires_grad_(False) is x and not x.requires_grad
    y = ae.tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad = False


def test_detach_shares_values_without_graph():
    x = ae.tensor([1.0, 2.0], requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    x2 = x.detach()
    assert np.shares_memory(x2.numpy(), x.numpy())


def test_repr():
    assert repr(ae.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(ae.tensor([1.0], dtype=ae.float64)) == "tensor([1.], dtype=float64)"
    assert repr(ae.tensor([1, 2])) == "tensor([1, 2], dtype=int64)"
    assert repr(ae.tensor(1.5, requires_grad=True)) == "tensor(1.5, requires_grad=True)"
    r = repr(ae.tensor([1.0], requires_grad=True) * 2)
    assert r.startswith("tensor([2.], grad_fn=<") and "mul" in r.lower()
    private = type("_Twice", (ae.Function,), {"forward": staticmethod(lambda ctx, x: 2 * x)})
    assert repr(private.apply(ae.tensor([1.0], requires_grad=True)).grad_fn) == "<TwiceBackward>"
    assert "..." in repr(ae.zeros(1000))


# --------------------------------------------------------------------------- operators
def test_operators_with_numbers_and_arrays():
    x = ae.tensor([1.0, 2.0], requires_grad=True)
    a = np.array([3.0, 4.0])
    results = [x + 1, 1 + x, x - 1, 1 - x, 2 * x, x * 2, x / 2, 2 / x, x**2, 2**x, -x, +x]
    results += [a + x, a - x, a * x, a / x, x @ a, a @ x, abs(-x)]
    for r in results:
        assert isinstance(r, Tensor) and r.requires_grad and r.dtype == np.float32
    assert (a - x).tolist() == [2.0, 2.0] and (2 / x).tolist() == [2.0, 1.0]
    assert (x @ a).item() == 11.0 and (a @ x).item() == 11.0


def test_broadcast_gradients_are_summed_to_each_shape():
    a = ae.ones(2, 3, requires_grad=True)
    b = ae.ones(3, requires_grad=True)
    c = ae.ones(2, 1, requires_grad=True)
    (a * b + c).sum().backward()
    assert b.grad.shape == (3,) and b.grad.tolist() == [2.0, 2.0, 2.0]
    assert c.grad.shape == (2, 1) and c.grad.tolist() == [[3.0], [3.0]]


def test_ties_share_the_gradient():
    x = ae.tensor([1.0, 3.0, 3.0], requires_grad=True)
    ae.max(x).backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5]
    a, b = ae.tensor([1.0, 2.0], requires_grad=True), ae.tensor([1.0, 1.0], requires_grad=True)
    ae.maximum(a, b).sum().backward()
    assert a.grad.tolist() == [0.5, 1.0] and b.grad.tolist() == [0.5, 0.0]


def test_methods_mirror_functions():
    x = ae.tensor([[1.0, -2.0], [3.0, 0.5]])
    for name in ae.ops.TENSOR_METHODS:
        assert getattr(Tensor, name) is getattr(ae.ops, name)
    assert x.sum(axis=0).tolist() == [4.0, -1.5]
    assert x.reshape(4).shape == (4,) and x.reshape((1, 4)).shape == (1, 4)
    assert x.view(-1).shape == (4,) and x.permute(1, 0).tolist() == x.T.tolist()


# --------------------------------------------------------------------------- in place
INPLACE = {
    "add_": lambda w: w.add_(1.0),
    "sub_": lambda w: w.sub_(1.0),
    "mul_": lambda w: w.mul_(2.0),
    "div_": lambda w: w.div_(2.0),
    "zero_": lambda w: w.zero_(),
    "fill_": lambda w: w.fill_(3.0),
    "copy_": lambda w: w.copy_(ae.ones(2)),
    "clamp_": lambda w: w.clamp_(0.0, 1.0),
    "__setitem__": lambda w: w.__setitem__(0, 5.0),
}


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_on_a_leaf_requiring_grad_is_an_error(name):
    w = ae.tensor([0.5, 2.0], requires_grad=True)
    with pytest.raises(InplaceError, match=f"{name}.*no_grad"):
        INPLACE[name](w)
    assert w.tolist() == [0.5, 2.0]


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_on_a_leaf_works_under_no_grad(name):
    w = ae.tensor([0.5, 2.0], requires_grad=True)
    reference = ae.tensor([0.5, 2.0])
    with ae.no_grad():
        INPLACE[name](w)
    INPLACE[name](reference)  # no grad required: a plain update
    assert w.tolist() == reference.tolist() != [0.5, 2.0]
    assert w.requires_grad and w.is_leaf and w.grad_fn is None and w.dtype == np.float32


def test_augmented_assignment_is_inplace():
    w = ae.tensor([1.0, 2.0])
    before = w.numpy()
    w += 1
    w -= ae.tensor([0.5, 0.5])
    w *= 2
    w /= 4
    assert w.numpy() is before and w.tolist() == [0.75, 1.25]
    with pytest.raises(InplaceError):
        v = ae.tensor([1.0], requires_grad=True)
        v += 1


def test_manual_sgd_step():
    w = ae.tensor([1.0, -2.0], requires_grad=True)
    for _ in range(2):
        loss = (w * w).sum()
        loss.backward()
        with ae.no_grad():
            w -= 0.25 * w.grad
        w.grad = None
    assert w.tolist() == [0.25, -0.5] and w.is_leaf and w.requires_grad


def test_inplace_on_non_leaves_is_recorded():
    x = ae.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1.0
    y.mul_(x)
    y[0] = 10.0
    y.sum().backward()
    assert y.tolist() == [10.0, 4.0] and x.grad.tolist() == [0.0, 4.0]


def test_version_counter_names_the_op_at_backward():
    x = ae.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1.0
    b = a.sin()  # saves a
    a.mul_(2.0)
    with pytest.raises(InplaceError, match=r"sin.*in-place"):
        b.sum().backward()
    w = ae.tensor([1.0, 2.0], requires_grad=True)
    y = (w * w).sum()  # saves w
    with ae.no_grad():
        w.add_(1.0)
    with pytest.raises(InplaceError, match="mul"):
        y.backward()


def test_views_share_the_version_counter():
    x = ae.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    a = x * 1.0
    y = a.exp()  # saves its output
    y.reshape(4).add_(1.0)
    with pytest.raises(InplaceError, match="exp"):
        y.sum().backward()


def test_inplace_without_grad_mutates_the_array():
    t = ae.tensor([[1.0, 2.0], [3.0, 4.0]])
    data = t.numpy()
    t.add_(1.0).mul_(2.0).clamp_(max=9.0)
    t[1, 1] = -1.0
    assert t.numpy() is data and t.tolist() == [[4.0, 6.0], [8.0, -1.0]]
    t.zero_()
    assert t.tolist() == [[0.0, 0.0], [0.0, 0.0]]


# --------------------------------------------------------------------------- .grad
def test_grad_can_be_assigned_and_cleared():
    x = ae.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    (x * 3).sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    x.grad = ae.zeros(2)
    (x * 1).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    x.grad = np.array([5.0, 5.0])
    assert isinstance(x.grad, Tensor) and x.grad.dtype == np.float32
    with pytest.raises(ShapeError, match="shape"):
        x.grad = ae.zeros(3)


def test_grad_is_not_an_alias_of_the_graph():
    x = ae.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1.0
    y.retain_grad()
    y.sum().backward()
    with ae.no_grad():
        x.grad.mul_(0.0)
    assert y.grad.tolist() == [1.0, 1.0]


def test_retain_grad_keeps_non_leaf_gradients():
    x = ae.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y * y
    y.retain_grad()
    assert y.retains_grad
    z.sum().backward()
    assert y.grad.tolist() == [4.0, 8.0] and x.grad.tolist() == [8.0, 16.0]
    assert z.grad is None
    with pytest.raises(RuntimeError, match="does not require grad"):
        ae.tensor([1.0]).retain_grad()
