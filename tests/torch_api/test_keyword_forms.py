"""PyTorch's keyword forms of the functions: `alpha=`, `rounding_mode=` and `out=`."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as torch  # the porting rule


def test_rounding_division_keeps_integers_and_rounds_floats():
    i = torch.tensor([7, -7, 6, -6])
    assert i.div(2, rounding_mode="trunc").tolist() == [3, -3, 3, -3]
    assert torch.div(i, -2, rounding_mode="floor").tolist() == [-4, 3, -3, 3]
    assert i.div(2, rounding_mode="floor").dtype == np.int64
    x = torch.tensor([7.5, -7.5], requires_grad=True)
    y = torch.div(x, 2.0, rounding_mode="floor")
    assert y.tolist() == [3.0, -4.0] and y.dtype == np.float32
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]  # as PyTorch: a step function has a zero gradient
    with pytest.raises(ValueError, match="rounding_mode must be None, 'trunc' or 'floor'"):
        torch.div(i, 2, rounding_mode="round")


def test_alpha_scales_the_second_operand():
    x, y = torch.tensor([1.0, 2.0]), torch.tensor([10.0, 20.0])
    assert x.add(y, alpha=2).tolist() == [21.0, 42.0]
    assert torch.sub(x, y, alpha=0.5).tolist() == [-4.0, -8.0]


def test_operators_skip_the_keyword_forms():
    assert torch.Tensor.__add__ is torch.ops.elementwise.add
    assert torch.Tensor.__truediv__ is torch.ops.elementwise.div


def _out_cases(t):
    a = t.tensor([[1.0, 2.0], [3.0, 4.0]])
    return {
        "add": lambda out: t.add(a, 1, out=out),
        "mul": lambda out: t.mul(a, a, out=out),
        "matmul": lambda out: t.matmul(a, a, out=out),
        "mm": lambda out: t.mm(a, a.t(), out=out),
        "sum": lambda out: t.sum(a, 1, out=out),
        "cat": lambda out: t.cat([a, a], dim=1, out=out),
        "stack": lambda out: t.stack([a, a], out=out),
        "zeros": lambda out: t.zeros(2, 3, out=out),
        "ones": lambda out: t.ones(3, out=out),
        "arange": lambda out: t.arange(0.0, 3.0, out=out),
        "exp": lambda out: t.exp(a, out=out),
    }


@pytest.mark.parametrize("name", sorted(_out_cases(torch)))
def test_out_writes_into_the_given_tensor_like_torch(name):
    real = pytest.importorskip("torch")
    results = []
    for t in (torch, real):
        out = t.empty(0)
        returned = _out_cases(t)[name](out)
        assert returned is out
        results.append(out.numpy())
    np.testing.assert_allclose(*results)


def test_out_of_the_right_shape_is_written_in_place():
    base = torch.zeros(2, 3)
    row = base[1]
    torch.add(torch.ones(3), 5, out=row)
    assert base.tolist() == [[0.0] * 3, [6.0] * 3]
    ints = torch.zeros(2, dtype=torch.long)
    torch.add(torch.tensor([1, 2]), 1, out=ints)
    assert ints.tolist() == [2, 3] and ints.dtype == np.int64
    floats = torch.zeros(2)
    torch.add(torch.tensor([1, 2]), 1, out=floats)  # an integer result fits a float tensor
    assert floats.tolist() == [2.0, 3.0] and floats.dtype == np.float32


def test_out_refuses_what_torch_refuses():
    x = torch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"mul\(\): functions with out=.*requires grad"):
        torch.mul(x, 2, out=torch.zeros(2))
    with pytest.raises(RuntimeError, match="requires grad"):
        torch.cat([x, x], out=torch.zeros(4))
    with pytest.raises(RuntimeError, match="requires grad"):
        torch.add(torch.ones(2), 1, out=torch.zeros(2, requires_grad=True))
    with torch.no_grad():  # allowed without grad mode, as in PyTorch
        assert torch.mul(x, 2, out=torch.zeros(2)).tolist() == [2.0, 2.0]
    with pytest.raises(RuntimeError, match=r"result type Float.*can't be cast.*Long"):
        torch.add(torch.ones(2), 1.5, out=torch.zeros(2, dtype=torch.long))
    with pytest.warns(UserWarning, match="was resized"):
        torch.zeros(2, 2, out=torch.ones(3))


def test_trace():
    m = torch.arange(6.0).view(2, 3).requires_grad_()
    y = m.trace()
    y.backward()
    assert y.item() == 4.0 and m.grad.tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    assert torch.tensor([[1, 2], [3, 4]], dtype=torch.int32).trace().dtype == np.int64
    with pytest.raises(ValueError, match=r"trace: expected a matrix \(2-D tensor\), got shape"):
        torch.ones(2, 2, 2).trace()
