"""`%`, `//`, remainder, fmod and floor_divide with PyTorch's signs, dtypes and reflected forms,
on integers and floats (the gradients are in the op catalogue), and in-place updates whose
result an integer tensor cannot hold."""

import numpy as np
import pytest

import autograd_engine as ae

torch = pytest.importorskip("torch", reason="needs PyTorch 2.13 as the oracle")

A = [7, -7, 5, -5, 0, 9]
B = [3, 3, -3, -3, 2, 4]


def same(ours, theirs):
    assert ours.dtype == theirs.numpy().dtype
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("dtype", ["int64", "float64", "float32"])
def test_operators_and_functions_match_torch(dtype):
    a, b = ae.tensor(A, dtype=dtype), ae.tensor(B, dtype=dtype)
    ta, tb = (
        torch.tensor(A, dtype=getattr(torch, dtype)),
        torch.tensor(B, dtype=getattr(torch, dtype)),
    )
    same(a % b, ta % tb)
    same(a // b, ta // tb)
    same(ae.remainder(a, b), torch.remainder(ta, tb))
    same(ae.fmod(a, b), torch.fmod(ta, tb))
    same(a.fmod(b), ta.fmod(tb))
    same(ae.floor_divide(a, b), torch.floor_divide(ta, tb))
    same(a % 4, ta % 4)
    same(11 % b, 11 % tb)  # reflected
    same(11 // b, 11 // tb)


def test_a_float_divisor_promotes_an_integer_tensor():
    a, ta = ae.tensor(A), torch.tensor(A)
    same(a % 2.5, ta % 2.5)
    same(a // 2.5, ta // 2.5)


def test_in_place_results_of_a_wider_kind_are_refused_as_in_torch():
    t = ae.tensor([1, 2])
    for update in (lambda: t.__iadd__(2.5), lambda: t.div_(2), lambda: t.mul_(ae.tensor([1.0]))):
        with pytest.raises(RuntimeError, match=r"wider kind .* int64 tensor"):
            update()
        with pytest.raises(TypeError):
            update()
    t += 2
    assert t.tolist() == [3, 4]


@pytest.mark.parametrize(
    "reduce", [lambda t: t.max(), lambda t: t.amin(), lambda t: t.argmax(), lambda t: t.max(0)]
)
def test_reductions_over_nothing_raise_what_torch_raises(reduce):
    """torch raises RuntimeError for some, IndexError for others: the engine's error is both."""
    for error in (RuntimeError, IndexError):
        with pytest.raises(error, match=r"empty|no elements"):
            reduce(ae.tensor([]))
    with pytest.raises((RuntimeError, IndexError)):
        reduce(torch.tensor([]))


def test_the_median_of_nothing_is_nan_as_in_torch():
    assert np.isnan(ae.tensor([]).median().item()) and torch.tensor([]).median().isnan()


@pytest.mark.parametrize("op", [lambda a, b: a % b, lambda a, b: a // b, ae.fmod, torch.fmod])
def test_integer_division_by_zero_raises_as_in_torch(op):
    with pytest.raises(RuntimeError):
        op(torch.tensor([5, 6]), torch.tensor([1, 0]))
    if op is torch.fmod:
        return
    with pytest.raises(ZeroDivisionError, match="integer division by zero"):
        op(ae.tensor([5, 6]), ae.tensor([1, 0]))
    with pytest.raises(RuntimeError):
        op(ae.tensor([5, 6]), 0)
    # floats divide by zero into inf / nan, silently, as torch
    same(op(ae.tensor([5.0, -1.0]), 0.0), op(torch.tensor([5.0, -1.0]), 0.0))
