"""Regression tests for silent wrong results found by fuzzing against PyTorch (issue 12).

Each test states PyTorch's answer as plain numbers (torch-free) and, when torch is installed,
also compares with it directly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import autograd_engine as ae
from autograd_engine.errors import InplaceError


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
