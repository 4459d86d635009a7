"""Every optimizer against NumPy references of the torch.optim documentation's update equations
and, when torch is installed, against torch.optim on the same parameters and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as ae
import optim

SHAPES = [(4, 3), (5,), ()]
STEPS = 6
TOL = {np.float32: {"rtol": 2e-5, "atol": 2e-6}, np.float64: {"rtol": 1e-11, "atol": 1e-13}}


# --- NumPy references, one step each, written from the published pseudo-code ----------------


def sgd_ref(p, g, s, t, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False):
    if weight_decay:
        g = g + weight_decay * p
    if momentum:
        s["b"] = g.copy() if t == 1 else momentum * s["b"] + (1 - dampening) * g
        g = g + momentum * s["b"] if nesterov else s["b"]
    return p - lr * g


def adam_ref(
    p,
    g,
    s,
    t,
    lr=1e-3,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0,
    amsgrad=False,
    decoupled_weight_decay=False,
):
    b1, b2 = betas
    if decoupled_weight_decay:
        p = p * (1 - lr * weight_decay)
    elif weight_decay:
        g = g + weight_decay * p
    s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0) + (1 - b2) * g * g
    m_hat = s["m"] / (1 - b1**t)
    v = s["v"]
    if amsgrad:
        s["vmax"] = v = np.maximum(s.get("vmax", 0), v)
    v_hat = v / (1 - b2**t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps)


def adamw_ref(p, g, s, t, weight_decay=1e-2, **kw):
    return adam_ref(p, g, s, t, weight_decay=weight_decay, decoupled_weight_decay=True, **kw)


def rmsprop_ref(
    p, g, s, t, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False
):
    if weight_decay:
        g = g + weight_decay * p
    s["v"] = alpha * s.get("v", 0) + (1 - alpha) * g * g
    v = s["v"]
    if centered:
        s["avg"] = alpha * s.get("avg", 0) + (1 - alpha) * g
        v = v - s["avg"] ** 2
    if momentum > 0:
        s["b"] = momentum * s.get("b", 0) + g / (np.sqrt(v) + eps)
        return p - lr * s["b"]
    return p - lr * g / (np.sqrt(v) + eps)


def adagrad_ref(
    p, g, s, t, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10
):
    lr_t = lr / (1 + (t - 1) * lr_decay)
    if weight_decay:
        g = g + weight_decay * p
    s["sum"] = s.get("sum", initial_accumulator_value) + g * g
    return p - lr_t * g / (np.sqrt(s["sum"]) + eps)


REFERENCES = {
    "SGD": sgd_ref,
    "Adam": adam_ref,
    "AdamW": adamw_ref,
    "RMSprop": rmsprop_ref,
    "Adagrad": adagrad_ref,
}

CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1, "maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.05, "maximize": True}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.3, "amsgrad": True}),
    ("AdamW", {"lr": 0.01, "eps": 1e-6, "maximize": True}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "centered": True, "momentum": 0.5, "maximize": True}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.1, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-6, "maximize": True}),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}" for name, kw in CASES]
DTYPES = [np.float32, np.float64]


def problem(dtype, seed=0):
    """Starting values and one gradient per step for each parameter shape."""
    rng = np.random.default_rng(seed)
    values = [rng.standard_normal(shape).astype(dtype) for shape in SHAPES]
    grads = [[rng.standard_normal(shape).astype(dtype) for shape in SHAPES] for _ in range(STEPS)]
    return values, grads


def make_params(values):
    return [ae.tensor(v.copy(), dtype=v.dtype, requires_grad=True) for v in values]


def run_ours(name, kwargs, values, grads):
    """Our parameters after each step, as copies."""
    params = make_params(values)
    opt = getattr(optim, name)(params, **kwargs)
    history = []
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = ae.tensor(g, dtype=g.dtype)
        opt.step()
        history.append([p.numpy().copy() for p in params])
    return history


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
def test_matches_numpy_reference(name, kwargs, dtype):
    values, grads = problem(dtype)
    ours = run_ours(name, kwargs, values, grads)
    options = {k: v for k, v in kwargs.items() if k != "maximize"}
    sign = -1 if kwargs.get("maximize") else 1
    expected = [v.copy() for v in values]
    states = [{} for _ in values]
    for t, step_grads in enumerate(grads, start=1):
        for i, g in enumerate(step_grads):
            expected[i] = REFERENCES[name](expected[i], sign * g, states[i], t, **options)
            expected[i] = np.asarray(expected[i], dtype=dtype)
        for got, want in zip(ours[t - 1], expected):
            assert got.dtype == dtype
            np.testing.assert_allclose(got, want, **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
def test_matches_torch(name, kwargs, dtype):
    torch = pytest.importorskip("torch")
    values, grads = problem(dtype, seed=1)
    ours = run_ours(name, kwargs, values, grads)
    params = [torch.tensor(v, requires_grad=True) for v in values]
    opt = getattr(torch.optim, name)(params, foreach=False, **kwargs)
    for t, step_grads in enumerate(grads):
        for p, g in zip(params, step_grads):
            p.grad = torch.tensor(g)
        opt.step()
        for got, p in zip(ours[t], params):
            np.testing.assert_allclose(got, p.detach().numpy(), **TOL[dtype])


def test_param_groups_with_own_options_match_torch():
    torch = pytest.importorskip("torch")
    values, grads = problem(np.float64, seed=2)
    ours = make_params(values)
    theirs = [torch.tensor(v, requires_grad=True) for v in values]

    def groups(ps):
        return [{"params": ps[:2], "lr": 0.1, "amsgrad": True}, {"params": [ps[2]]}]

    opt = optim.Adam(groups(ours), lr=0.01, weight_decay=0.1)
    ref = torch.optim.Adam(groups(theirs), lr=0.01, weight_decay=0.1, foreach=False)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[1]["lr"] == 0.01
    assert opt.param_groups[1]["weight_decay"] == 0.1 and not opt.param_groups[1]["amsgrad"]
    for step_grads in grads:
        for p, q, g in zip(ours, theirs, step_grads):
            p.grad = ae.tensor(g, dtype=g.dtype)
            q.grad = torch.tensor(g)
        opt.step()
        ref.step()
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.numpy(), q.detach().numpy(), **TOL[np.float64])


def test_training_on_a_loss_matches_torch():
    """Gradients from backward, a closure and a few SGD-with-Nesterov steps."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x, y, w0 = rng.standard_normal((16, 3)), rng.standard_normal(16), rng.standard_normal(3)
    w = ae.tensor(w0, dtype=np.float64, requires_grad=True)
    tw = torch.tensor(w0, requires_grad=True)
    opt = optim.SGD([w], lr=0.05, momentum=0.9, nesterov=True)
    ref = torch.optim.SGD([tw], lr=0.05, momentum=0.9, nesterov=True)
    xa, ya = ae.tensor(x, dtype=np.float64), ae.tensor(y, dtype=np.float64)
    xt, yt = torch.tensor(x), torch.tensor(y)

    def closure():
        opt.zero_grad()
        loss = ((xa @ w - ya) ** 2).mean()
        loss.backward()
        return loss

    def torch_closure():
        ref.zero_grad()
        loss = ((xt @ tw - yt) ** 2).mean()
        loss.backward()
        return loss

    for _ in range(10):
        loss = opt.step(closure)
        torch_loss = ref.step(torch_closure)
        assert loss.item() == pytest.approx(torch_loss.item(), rel=1e-12)
    np.testing.assert_allclose(w.numpy(), tw.detach().numpy(), rtol=1e-12)


def test_updates_in_place_without_new_tensors():
    p = ae.tensor(np.ones((3, 2)), requires_grad=True)
    data = p.numpy()
    opt = optim.Adam([p], lr=0.1)
    p.grad = ae.tensor(np.ones((3, 2)))
    grad = p.grad
    opt.step()
    assert p.numpy() is data and p.grad is grad
    np.testing.assert_allclose(p.numpy(), 0.9)


def test_parameters_without_grad_are_skipped():
    p, q = (ae.tensor(np.ones(2), requires_grad=True) for _ in range(2))
    opt = optim.SGD([p, q], lr=0.5)
    p.grad = ae.tensor(np.ones(2))
    opt.step()
    np.testing.assert_array_equal(p.numpy(), 0.5)
    np.testing.assert_array_equal(q.numpy(), 1.0)
    assert q not in opt.state


def test_non_contiguous_gradient_gives_the_same_step():
    g = np.arange(12.0).reshape(3, 4).T
    results = []
    for grad in (g, np.ascontiguousarray(g)):
        p = ae.tensor(np.ones((4, 3)), dtype=np.float64, requires_grad=True)
        p.grad = ae.tensor(np.zeros((4, 3)), dtype=np.float64)
        p.grad.data = grad
        opt = optim.RMSprop([p], momentum=0.9, centered=True)
        opt.step()
        opt.step()
        results.append(p.numpy().copy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)
