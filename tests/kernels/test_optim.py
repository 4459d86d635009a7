"""Fused optimizer steps against the NumPy references and against torch.optim."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import DTYPES

import autograd_engine.kernels as K
from autograd_engine.kernels import optim, reference

STEPS = 5
SHAPES = [(7, 3), (300_007,)]


def run(step_fn, kind, config, p0, grads):
    """Apply STEPS updates of optimizer `kind` to a copy of p0; returns the final parameter."""
    p = p0.copy()
    zeros = [np.zeros_like(p0) for _ in range(3)]
    for t, g in enumerate(grads, 1):
        if kind == "sgd":
            step_fn(p, g, zeros[0], **config, first_step=t == 1)
        elif kind == "adam":
            beta1, beta2 = config["betas"]
            step_fn(
                p,
                g,
                zeros[0],
                zeros[1],
                zeros[2],
                step=t,
                lr=config["lr"],
                beta1=beta1,
                beta2=beta2,
                eps=config["eps"],
                weight_decay=config["weight_decay"],
                amsgrad=config["amsgrad"],
                decoupled_weight_decay=config["decoupled"],
            )
        elif kind == "rmsprop":
            step_fn(p, g, zeros[0], zeros[1], zeros[2], **config)
        else:
            step_fn(p, g, zeros[0], **config, step=t)
    return p


CONFIGS = [
    ("sgd", dict(lr=0.1, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0)),
    ("sgd", dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=False, weight_decay=0.01)),
    ("sgd", dict(lr=0.05, momentum=0.9, dampening=0.0, nesterov=True, weight_decay=0.0)),
    (
        "adam",
        dict(
            lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, decoupled=False
        ),
    ),
    (
        "adam",
        dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1, amsgrad=True, decoupled=False),
    ),
    (
        "adam",
        dict(
            lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1, amsgrad=False, decoupled=True
        ),
    ),
    (
        "adam",
        dict(lr=0.02, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.05, amsgrad=True, decoupled=True),
    ),
    (
        "rmsprop",
        dict(lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False),
    ),
    (
        "rmsprop",
        dict(lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.01, momentum=0.9, centered=True),
    ),
    ("adagrad", dict(lr=0.1, lr_decay=0.0, weight_decay=0.0, eps=1e-10)),
    ("adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, eps=1e-10)),
]
PLAIN_SGD = dict(
    lr=0.1, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0, first_step=False
)
IDS = [f"{kind}-{i}" for i, (kind, _) in enumerate(CONFIGS)]


def problem(dtype, shape):
    rng = np.random.default_rng(6)
    p0 = rng.standard_normal(shape).astype(dtype)
    grads = [rng.standard_normal(shape).astype(dtype) for _ in range(STEPS)]
    return p0, grads


def assert_params_close(actual, expected, dtype):
    assert actual.dtype == dtype
    tol = 2e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol)


@pytest.mark.parametrize("shape", SHAPES, ids=["small", "large"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("kind", "config"), CONFIGS, ids=IDS)
def test_kernel_matches_reference(kind, config, dtype, shape):
    p0, grads = problem(dtype, shape)
    expected = run(getattr(reference, f"{kind}_step_"), kind, config, p0, grads)
    for module in (optim, K):
        actual = run(getattr(module, f"{kind}_step_"), kind, config, p0, grads)
        assert_params_close(actual, expected, dtype)


def torch_optimizer(torch, kind, config, param):
    if kind == "sgd":
        return torch.optim.SGD([param], **config)
    if kind == "adam":
        config = dict(config)
        cls = torch.optim.AdamW if config.pop("decoupled") else torch.optim.Adam
        return cls([param], **config)
    if kind == "rmsprop":
        return torch.optim.RMSprop([param], **config)
    return torch.optim.Adagrad([param], **config)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("kind", "config"), CONFIGS, ids=IDS)
def test_kernel_matches_torch(kind, config, dtype):
    torch = pytest.importorskip("torch")
    p0, grads = problem(dtype, (13, 5))
    param = torch.tensor(p0, requires_grad=True)
    opt = torch_optimizer(torch, kind, config, param)
    for g in grads:
        param.grad = torch.tensor(g)
        opt.step()
    actual = run(getattr(K, f"{kind}_step_"), kind, config, p0, grads)
    assert_params_close(actual, param.detach().numpy(), dtype)


def test_non_contiguous_state_falls_back_to_reference():
    p0, grads = problem(np.float64, (6, 4))
    p_view = np.asfortranarray(p0)
    expected = p0.copy()
    for g in grads:
        K.sgd_step_(p_view, g, None, **PLAIN_SGD)
        reference.sgd_step_(expected, g, None, **PLAIN_SGD)
    np.testing.assert_allclose(p_view, expected, rtol=1e-14)


@pytest.mark.parametrize(
    "layout", ["strided view", "fortran", "transposed gradient", "0-d", "3-d", "float16"]
)
def test_plain_sgd_step_updates_any_layout_in_place(layout):
    """The default step checks layout and shape inside the compiled kernel: whatever it
    declines goes to NumPy, and the parameter is updated in place either way."""
    rng = np.random.default_rng(5)
    shape = {"0-d": (), "3-d": (2, 3, 4)}.get(layout, (4, 6))
    dtype = np.float16 if layout == "float16" else np.float32
    base = rng.standard_normal((4, 12) if layout == "strided view" else shape).astype(dtype)
    p = base[:, ::2] if layout == "strided view" else base
    p = np.asfortranarray(p) if layout == "fortran" else p
    g = rng.standard_normal(p.shape).astype(dtype)
    g = np.ascontiguousarray(g.T).T if layout == "transposed gradient" else g
    expected = p.copy()
    reference.sgd_step_(expected, g, None, **PLAIN_SGD)
    K.sgd_step_(p, g, None, **PLAIN_SGD)
    np.testing.assert_allclose(p, expected, rtol=1e-3 if dtype == np.float16 else 1e-6)


def test_state_arrays_are_updated_in_place():
    p0, grads = problem(np.float32, (4, 3))
    p, m, v = p0.copy(), np.zeros_like(p0), np.zeros_like(p0)
    K.adam_step_(
        p,
        grads[0],
        m,
        v,
        None,
        step=1,
        lr=0.1,
        beta1=0.9,
        beta2=0.999,
        eps=1e-8,
        weight_decay=0.0,
        amsgrad=False,
        decoupled_weight_decay=False,
    )
    np.testing.assert_allclose(m, 0.1 * grads[0], rtol=1e-6)
    np.testing.assert_allclose(v, 0.001 * grads[0] ** 2, rtol=1e-5)
    assert not np.allclose(p, p0)


@pytest.mark.parametrize(
    "layout",
    ["one dtype", "mixed dtypes", "fortran parameter", "transposed gradient", "empty"],
)
def test_sgd_foreach_matches_one_step_per_parameter(layout):
    """The group update (one Numba call when every pair qualifies, else one call per pair)
    gives exactly the per-parameter update, in place, whatever the layouts."""
    rng = np.random.default_rng(3)
    shapes = [] if layout == "empty" else [(5, 3), (3,), (4, 5), (1,)]
    dtypes = [np.float32, np.float64] * 2 if layout == "mixed dtypes" else [np.float32] * 4
    params = [rng.standard_normal(s).astype(d) for s, d in zip(shapes, dtypes)]
    grads = [rng.standard_normal(s).astype(d) for s, d in zip(shapes, dtypes)]
    if layout == "fortran parameter":
        params[0] = np.asfortranarray(params[0])
    if layout == "transposed gradient":
        grads[2] = np.ascontiguousarray(grads[2].T).T
    expected = [p.copy() for p in params]
    for p, g in zip(expected, grads):
        reference.sgd_step_(p, g, None, **PLAIN_SGD)
    before = [id(p) for p in params]
    K.sgd_foreach_(params, grads, lr=0.1)
    assert [id(p) for p in params] == before
    for p, e in zip(params, expected):
        np.testing.assert_allclose(p, e, rtol=1e-6)
