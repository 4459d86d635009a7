"""float16 (`torch.half`): stored as float16, cast to and from, promoted as PyTorch promotes it
(with float32 it gives float32, with integers float16), and returned as float16 by elementwise
ops and reductions (which may compute in float32 inside, as PyTorch's do)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as ae
import nn

X = np.array([[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]], np.float32)
POS = np.abs(X) + 0.5

# name -> f(torch, x, p, f32, ints) with x, p float16
OPS = {
    "add": lambda t, x, p, f, i: x + p,
    "mul float32": lambda t, x, p, f, i: x * f,
    "add int": lambda t, x, p, f, i: x + i,
    "int times 0-d half": lambda t, x, p, f, i: i * t.tensor(2.5).half(),
    "times a Python float": lambda t, x, p, f, i: x * 2.5,
    "div": lambda t, x, p, f, i: x / p,
    "pow": lambda t, x, p, f, i: p**2,
    "exp": lambda t, x, p, f, i: x.exp(),
    "log": lambda t, x, p, f, i: p.log(),
    "sigmoid": lambda t, x, p, f, i: x.sigmoid(),
    "tanh": lambda t, x, p, f, i: x.tanh(),
    "relu": lambda t, x, p, f, i: x.relu(),
    "erf": lambda t, x, p, f, i: x.erf(),
    "clamp": lambda t, x, p, f, i: x.clamp(-1, 1),
    "where": lambda t, x, p, f, i: t.where(x > 0, x, p),
    "matmul": lambda t, x, p, f, i: x @ p.t(),
    "cat": lambda t, x, p, f, i: t.cat([x, p]),
    "sum": lambda t, x, p, f, i: x.sum(),
    "sum dim": lambda t, x, p, f, i: x.sum(dim=1),
    "mean": lambda t, x, p, f, i: x.mean(),
    "var": lambda t, x, p, f, i: x.var(dim=0),
    "std": lambda t, x, p, f, i: x.std(),
    "max": lambda t, x, p, f, i: x.max(dim=1).values,
    "argmax": lambda t, x, p, f, i: x.argmax(dim=1),
    "prod": lambda t, x, p, f, i: x.prod(),
    "norm": lambda t, x, p, f, i: x.norm(),
    "cumsum": lambda t, x, p, f, i: x.cumsum(dim=1),
    "softmax": lambda t, x, p, f, i: x.softmax(dim=1),
    "log_softmax": lambda t, x, p, f, i: x.log_softmax(dim=1),
    "logsumexp": lambda t, x, p, f, i: x.logsumexp(dim=1),
    "gradient": lambda t, x, p, f, i: t.autograd.grad((x * x).sum(), x)[0],
}


def _run(t, op):
    x = t.tensor(X.copy()).half().requires_grad_()
    p = t.tensor(POS.copy()).to(t.float16)
    return OPS[op](t, x, p, t.tensor(X.copy()), t.tensor([[1, 2, 3], [4, 5, 6]]))


@pytest.mark.parametrize("op", sorted(OPS))
def test_half_ops_match_torch(op):
    torch = pytest.importorskip("torch")
    ours, theirs = _run(ae, op), _run(torch, op)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    expected = theirs.detach().numpy()
    np.testing.assert_allclose(ours.detach().numpy(), expected, rtol=2e-3, atol=2e-3)


def test_names_casts_and_storage():
    assert ae.half is ae.float16 == np.float16
    h = ae.tensor([1.0, 2.0], dtype=ae.float16)
    assert h.dtype == np.float16 and h.numpy().dtype == np.float16
    assert ae.tensor([1.0]).half().dtype == ae.ones(1).to(ae.float16).dtype == np.float16
    assert h.float().dtype == np.float32 and h.type() == "torch.HalfTensor"
    assert ae.HalfTensor([1, 2]).dtype == np.float16
    assert ae.from_numpy(np.ones(2, np.float16)).dtype == np.float16
    assert ae.zeros(2, dtype=ae.half).dtype == np.float16


def test_promotion_rules():
    assert ae.promote_types(ae.float16, ae.float32) == np.float32
    assert ae.promote_types(ae.float16, ae.int64) == np.float16
    assert ae.result_type(ae.ones(2).half(), 2.5) == np.float16


def test_half_sums_accumulate_in_float32():
    ones = ae.ones(5000, dtype=ae.half)
    assert ones.sum().item() == 5000.0  # float16 steps are 4 apart from 4096 to 8192
    assert ones.cumsum(0)[-1].item() == 5000.0


def test_modules_convert_to_half():
    layer = nn.Linear(3, 2).half()
    y = layer(ae.randn(4, 3).half())
    y.sum().backward()
    assert y.dtype == layer.weight.grad.dtype == np.float16
