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
