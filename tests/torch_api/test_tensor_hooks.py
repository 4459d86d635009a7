"""Tensor.register_hook: hooks see each tensor's complete gradient and may replace it, as in
PyTorch, on leaves and on intermediate results, in backward() and in grad()."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as ae


def _run(lib, tensor):
    x = tensor([1.0, -2.0, 3.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.detach().numpy().copy()))
    h = x * x
    h.register_hook(lambda g: g * 10)  # replaces the gradient flowing into x * x
    y = (h + x).sum()
    y.backward()
    return x.grad.numpy(), np.stack(seen)


def test_hooks_see_and_replace_gradients():
    grad, seen = _run(ae, ae.tensor)
    np.testing.assert_allclose(grad, 10 * 2 * np.array([1.0, -2.0, 3.0]) + 1)
    np.testing.assert_allclose(seen[0], grad)


def test_against_torch():
    torch = pytest.importorskip("torch")
    ours = _run(ae, lambda v, **k: ae.tensor(v, dtype=np.float64, **k))
    theirs = _run(torch, lambda v, **k: torch.tensor(v, dtype=torch.float64, **k))
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b)


def test_hooks_run_in_grad_and_can_be_removed():
    x = ae.tensor([2.0], requires_grad=True)
    handle = x.register_hook(lambda g: g * 0)
    (g,) = ae.grad((x * x).sum(), [x])
    assert g.tolist() == [0.0]
    handle.remove()
    (g,) = ae.grad((x * x).sum(), [x])
    assert g.tolist() == [4.0]


def test_hook_errors():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        ae.tensor([1.0]).register_hook(print)
    x = ae.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: ae.zeros(3))
    with pytest.raises(RuntimeError, match="same shape"):
        (x * 2).sum().backward()
