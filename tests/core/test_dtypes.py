"""Dtype promotion against PyTorch over a grid of operand dtypes and operations, and the dtypes
of new tensors."""

from __future__ import annotations

import itertools
import operator

import numpy as np
import pytest

import autograd_engine as ae
import nn
import nn.functional as F

torch = pytest.importorskip("torch")

DTYPES = ["bool", "uint8", "int32", "int64", "float32", "float64"]
SCALARS = [True, 3, 2.5]
OPS = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
    "==": operator.eq,
    "<": operator.lt,
    ">=": operator.ge,
    "where": lambda a, b: (torch if isinstance(a, torch.Tensor) else ae).where(
        COND[type(a) is torch.Tensor], a, b
    ),
}
COND = {True: torch.tensor([True, False]), False: ae.tensor([True, False])}


def make(dtype: str, zero_dim: bool = False):
    """Twin tensors of `dtype`, values 1 and 2 (0-d: 2)."""
    values = np.array(2 if zero_dim else [1, 2]).astype(dtype)
    return ae.tensor(values), torch.from_numpy(values)


def torch_dtype_or_error(fn, *args):
    try:
        return str(fn(*args).dtype).replace("torch.", "")
    except RuntimeError:  # bool - bool, ... : PyTorch refuses these
        return None


def check(op_name, ours_args, torch_args):
    fn = OPS[op_name]
    expected = torch_dtype_or_error(fn, *torch_args)
    if expected is None:
        return
    result = fn(*ours_args)
    assert str(result.dtype) == ("bool" if expected == "bool" else expected), (
        op_name,
        [getattr(a, "dtype", type(a)) for a in ours_args],
    )


@pytest.mark.parametrize("op_name", list(OPS))
def test_tensor_with_tensor(op_name):
    for da, db in itertools.product(DTYPES, DTYPES):
        for zero_b in (False, True):
            a, ta = make(da)
            b, tb = make(db, zero_b)
            check(op_name, (a, b), (ta, tb))
            check(op_name, (b, a), (tb, ta))


@pytest.mark.parametrize("op_name", list(OPS))
def test_tensor_with_python_number(op_name):
    for d, scalar in itertools.product(DTYPES, SCALARS):
        for zero_dim in (False, True):
            a, ta = make(d, zero_dim)
            check(op_name, (a, scalar), (ta, scalar))
            if op_name != "where":  # where needs one tensor among its values only
                check(op_name, (scalar, a), (scalar, ta))


def test_float64_default_dtype_for_python_floats():
    ae.set_default_dtype(ae.float64)
    torch.set_default_dtype(torch.float64)
    try:
        for d in DTYPES:
            a, ta = make(d)
            for op_name in ("*", "/", "+"):
                check(op_name, (a, 2.5), (ta, 2.5))
    finally:
        ae.set_default_dtype(ae.float32)
        torch.set_default_dtype(torch.float32)


def test_numbers_from_numpy_count_as_python_numbers():
    x = ae.tensor([1.0, 2.0])
    assert (x * np.float64(2)).dtype == ae.float32
    assert (x + np.array([1.0, 2.0])).dtype == ae.float32  # NumPy data takes x's dtype
    assert (ae.tensor([1, 2]) * np.float64(2.5)).dtype == ae.float32


@pytest.mark.parametrize("da", DTYPES)
@pytest.mark.parametrize("db", DTYPES)
def test_matmul_needs_one_dtype_as_in_pytorch(da, db):
    a, ta = make(da)
    b, tb = make(db)
    a, ta, b, tb = a.reshape(1, 2), ta.reshape(1, 2), b.reshape(2, 1), tb.reshape(2, 1)
    if da == db == "bool":
        return  # PyTorch has no bool product
    try:
        expected = str((ta @ tb).dtype).replace("torch.", "")
    except RuntimeError:
        with pytest.raises(RuntimeError, match=r"matmul.*same dtype"):
            a @ b
        with pytest.raises(TypeError):
            a @ b
        return
    assert str((a @ b).dtype) == expected


def test_gradients_keep_their_inputs_dtype_across_promotion():
    x = ae.tensor([1.0, 2.0], requires_grad=True)
    s = ae.tensor(3.0, dtype=ae.float64, requires_grad=True)  # 0-d: does not widen x
    y = x * s
    assert y.dtype == ae.float32
    y.sum().backward()
    assert x.grad.dtype == ae.float32 and s.grad.dtype == ae.float64
    assert s.grad.item() == 3.0
    w = ae.tensor([1.0, 2.0], dtype=ae.float64, requires_grad=True)
    (x * w).sum().backward()
    assert x.grad.dtype == ae.float32 and w.grad.dtype == ae.float64


def test_promote_and_result_type_match_torch():
    for da, db in itertools.product(DTYPES, DTYPES):
        expected = str(torch.promote_types(getattr(torch, da), getattr(torch, db)))
        assert str(ae.promote_types(da, db)) == expected.replace("torch.", "")
    assert ae.result_type(ae.tensor([1, 2]), 2.5) == ae.float32
    assert ae.result_type(ae.tensor([1.0]), ae.tensor(1.0, dtype=ae.float64)) == ae.float32


# --------------------------------------------------------------------------- new tensors
def test_tensor_keeps_a_numpy_arrays_dtype_as_torch_tensor_does():
    for d in DTYPES:
        array = np.array([1, 0]).astype(d)
        assert str(ae.tensor(array).dtype) == str(torch.tensor(array).dtype).replace("torch.", "")
    assert ae.tensor(np.float64(1.5)).dtype == ae.float64
    assert ae.tensor(ae.tensor([1.0], dtype=ae.float64)).dtype == ae.float64
    assert ae.tensor(1.5).dtype == ae.tensor([1.5, 2]).dtype == ae.float32
    assert ae.tensor([1, 2]).dtype == ae.int64 and ae.tensor([True]).dtype == ae.bool_
    assert ae.tensor([1], dtype=float).dtype == ae.float64  # Python float is float64 in torch


# --------------------------------------------------------------------------- modules
def test_a_module_refuses_an_input_of_another_float_dtype():
    layer = nn.Linear(3, 2)
    x64 = ae.tensor(np.ones((4, 3)))
    with pytest.raises(ae.DTypeError, match=r"linear.*float64.*float32"):
        layer(x64)
    with pytest.raises(RuntimeError):  # PyTorch's class for this error
        F.linear(x64, layer.weight, layer.bias)
    assert layer(x64.float()).dtype == ae.float32
    with pytest.raises(ae.DTypeError, match="layer_norm"):
        nn.LayerNorm(3)(x64)
    with pytest.raises(ae.DTypeError, match="batch_norm"):
        nn.BatchNorm1d(3)(x64)
