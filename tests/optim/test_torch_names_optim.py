"""Adadelta, LBFGS and the schedulers PyTorch code uses, against torch.optim on the same
parameters (float64): the same trajectories, the same learning-rate (and momentum) sequences."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as ae
import optim
from optim import lr_scheduler

torch = pytest.importorskip("torch")


def _pair(values):
    """The same starting values as an engine leaf and a torch leaf."""
    arr = np.array(values, dtype=np.float64)
    return ae.tensor(arr.copy(), dtype=ae.float64, requires_grad=True), torch.tensor(
        arr.copy(), requires_grad=True
    )


# ------------------------------------------------------------------ Adadelta
@pytest.mark.parametrize(
    "kwargs",
    [{}, {"lr": 0.5, "rho": 0.8, "eps": 1e-4}, {"weight_decay": 0.1}, {"maximize": True}],
)
def test_adadelta_follows_torch(kwargs):
    rng = np.random.default_rng(0)
    x, tx = _pair(rng.normal(size=(3, 4)))
    opt, topt = optim.Adadelta([x], **kwargs), torch.optim.Adadelta([tx], **kwargs)
    for _ in range(6):
        g = rng.normal(size=(3, 4))
        x.grad, tx.grad = ae.tensor(g, dtype=ae.float64), torch.tensor(g)
        opt.step()
        topt.step()
        np.testing.assert_allclose(x.numpy(), tx.detach().numpy(), rtol=1e-12, atol=1e-14)
    state = opt.state_dict()["state"][0]
    np.testing.assert_allclose(state["acc_delta"], topt.state[tx]["acc_delta"].numpy())
    assert state["step"] == 6


def test_adadelta_state_dict_round_trip():
    x, _ = _pair([1.0, 2.0])
    opt = optim.Adadelta([x])
    x.grad = ae.tensor([0.5, -1.0], dtype=ae.float64)
    opt.step()
    other = optim.Adadelta([x])
    other.load_state_dict(opt.state_dict())
    np.testing.assert_array_equal(other.state[x]["square_avg"], opt.state[x]["square_avg"])
    with pytest.raises(ValueError, match="rho"):
        optim.Adadelta([x], rho=1.5)


# ------------------------------------------------------------------ LBFGS
def _rosenbrock(lib, x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def _least_squares(lib, w, b, A, y):
    r = A @ w + b - y
    return (r * r).sum()


def _fit(params, tparams, loss_fn, tloss_fn, steps, **kwargs):
    opt, topt = optim.LBFGS(params, **kwargs), torch.optim.LBFGS(tparams, **kwargs)

    def closure():
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss

    def tclosure():
        topt.zero_grad()
        loss = tloss_fn()
        loss.backward()
        return loss

    for _ in range(steps):
        loss, tloss = opt.step(closure), topt.step(tclosure)
        assert float(loss) == pytest.approx(float(tloss), rel=1e-9, abs=1e-12)
        for p, tp in zip(params, tparams):
            np.testing.assert_allclose(p.numpy(), tp.detach().numpy(), rtol=1e-8, atol=1e-10)
    state, tstate = opt.state[params[0]], topt.state[tparams[0]]
    assert (state["n_iter"], state["func_evals"]) == (tstate["n_iter"], tstate["func_evals"])


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("history_size", [3, 100])
def test_lbfgs_rosenbrock_follows_torch(line_search_fn, history_size):
    x, tx = _pair([-1.2, 1.0])
    lr = 1.0 if line_search_fn else 0.1
    _fit(
        [x],
        [tx],
        lambda: _rosenbrock(ae, x),
        lambda: _rosenbrock(torch, tx),
        steps=3,
        lr=lr,
        max_iter=5,
        history_size=history_size,
        line_search_fn=line_search_fn,
    )
    if line_search_fn:  # converges to the minimum (1, 1)
        opt = optim.LBFGS([x], max_iter=100, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = _rosenbrock(ae, x)
            loss.backward()
            return loss

        for _ in range(5):
            opt.step(closure)
        np.testing.assert_allclose(x.numpy(), [1.0, 1.0], atol=1e-4)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_least_squares_follows_torch(line_search_fn):
    rng = np.random.default_rng(1)
    A, y = rng.normal(size=(20, 3)), rng.normal(size=20)
    w, tw = _pair(np.zeros(3))
    b, tb = _pair(0.5)
    tA, ty = torch.tensor(A), torch.tensor(y)
    _fit(
        [w, b],
        [tw, tb],
        lambda: _least_squares(
            ae, w, b, ae.tensor(A, dtype=ae.float64), ae.tensor(y, dtype=ae.float64)
        ),
        lambda: _least_squares(torch, tw, tb, tA, ty),
        steps=3,
        lr=0.5 if line_search_fn is None else 1.0,
        max_iter=7,
        line_search_fn=line_search_fn,
    )


def test_lbfgs_rejects_groups_and_unknown_line_search():
    x, _ = _pair([1.0])
    y, _ = _pair([1.0])
    with pytest.raises(ValueError, match="parameter groups"):
        optim.LBFGS([{"params": [x]}, {"params": [y], "lr": 0.1}])
    with pytest.raises(ValueError, match="strong_wolfe"):
        optim.LBFGS([x], line_search_fn="armijo")


# ------------------------------------------------------------------ schedulers
def _lrs(build, tbuild, steps=25, opt_name="SGD", opt_kwargs=None, tracked=("lr",)):
    """The rates (and tracked momenta) after construction and each step, engine and torch."""
    opt_kwargs = opt_kwargs or {"lr": 0.1, "momentum": 0.9}
    groups = [{"params": [ae.tensor(np.ones(2), requires_grad=True)]}]
    tgroups = [{"params": [torch.ones(2, requires_grad=True)]}]
    groups.append({**groups[0], "params": [ae.tensor(np.ones(1), requires_grad=True)], "lr": 0.02})
    tgroups.append({"params": [torch.ones(1, requires_grad=True)], "lr": 0.02})
    opt = getattr(optim, opt_name)(groups, **opt_kwargs)
    topt = getattr(torch.optim, opt_name)(tgroups, **opt_kwargs)
    sched, tsched = build(opt), tbuild(topt)
    ours, theirs = [], []
    for _ in range(steps):
        ours.append([np.hstack([g[k] for k in tracked]) for g in opt.param_groups])
        theirs.append([np.hstack([g[k] for k in tracked]) for g in topt.param_groups])
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-13)
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
    np.testing.assert_allclose(np.array(ours, float), np.array(theirs, float), rtol=1e-13)
    return sched


def _both(name, *args, **kwargs):
    """(engine builder, torch builder) for scheduler `name` with these arguments."""
    return (
        lambda o: getattr(lr_scheduler, name)(o, *args, **kwargs),
        lambda o: getattr(torch.optim.lr_scheduler, name)(o, *args, **kwargs),
    )


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("LinearLR", {}),
        ("LinearLR", {"start_factor": 0.1, "end_factor": 0.5, "total_iters": 7}),
        ("ConstantLR", {}),
        ("ConstantLR", {"factor": 0.5, "total_iters": 3}),
        ("PolynomialLR", {"total_iters": 10, "power": 2.0}),
        ("CosineAnnealingWarmRestarts", {"T_0": 5}),
        ("CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 2, "eta_min": 1e-3}),
    ],
)
def test_simple_schedulers_follow_torch(name, kwargs):
    _lrs(*_both(name, **kwargs))


def test_warm_restarts_with_fractional_epochs():
    x, tx = _pair([1.0])
    opt, topt = optim.SGD([x], lr=0.1), torch.optim.SGD([tx], lr=0.1)
    s = lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=2)
    ts = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, T_0=4, T_mult=2)
    for epoch in (0.5, 1.25, 3.9, 4.0, 7.5, 13.0, 2.0):
        s.step(epoch)
        ts.step(epoch)
        assert s.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-13)


def _sequential(lib):
    def build(o):
        warm = lib.LinearLR(o, start_factor=0.1, total_iters=4)
        decay = lib.CosineAnnealingLR(o, T_max=10)
        step = lib.StepLR(o, step_size=3, gamma=0.5)
        return lib.SequentialLR(o, [warm, decay, step], milestones=[4, 12])

    return build


def _chained(lib):
    def build(o):
        return lib.ChainedScheduler(
            [lib.ConstantLR(o, factor=0.5, total_iters=3), lib.ExponentialLR(o, gamma=0.9)]
        )

    return build


def test_sequential_and_chained_follow_torch():
    _lrs(_sequential(lr_scheduler), _sequential(torch.optim.lr_scheduler))
    sched = _lrs(_chained(lr_scheduler), _chained(torch.optim.lr_scheduler))
    state = sched.state_dict()
    assert len(state["_schedulers"]) == 2 and "optimizer" not in state
    sched.load_state_dict(state)


def test_sequential_nested_state_dict_round_trip():
    x, _ = _pair([1.0])
    opt = optim.SGD([x], lr=0.1)
    sched = _sequential(lr_scheduler)(opt)
    for _ in range(6):
        sched.step()
    state = sched.state_dict()
    other = _sequential(lr_scheduler)(optim.SGD([x], lr=0.1))
    other.load_state_dict(state)
    assert (
        other.last_epoch == 6 and other._schedulers[1].last_epoch == sched._schedulers[1].last_epoch
    )
    with pytest.raises(ValueError, match="milestones"):
        lr_scheduler.SequentialLR(opt, sched._schedulers, milestones=[3])


@pytest.mark.parametrize("anneal_strategy", ["cos", "linear"])
@pytest.mark.parametrize("three_phase", [False, True])
@pytest.mark.parametrize(
    "opt_name, opt_kwargs, momentum",
    [("SGD", {"lr": 0.1, "momentum": 0.9}, "momentum"), ("Adam", {"lr": 0.1}, "betas")],
)
def test_one_cycle_follows_torch(anneal_strategy, three_phase, opt_name, opt_kwargs, momentum):
    kwargs = {
        "max_lr": [0.5, 0.2],
        "total_steps": 30,
        "anneal_strategy": anneal_strategy,
        "three_phase": three_phase,
    }
    _lrs(
        *_both("OneCycleLR", **kwargs),
        steps=30,
        opt_name=opt_name,
        opt_kwargs=opt_kwargs,
        tracked=("lr", momentum),
    )


def test_one_cycle_epochs_and_errors():
    _lrs(
        *_both(
            "OneCycleLR",
            max_lr=1.0,
            epochs=3,
            steps_per_epoch=4,
            cycle_momentum=False,
            pct_start=0.25,
        ),
        steps=12,
    )
    x, _ = _pair([1.0])
    opt = optim.SGD([x], lr=0.1)
    with pytest.raises(ValueError, match="total_steps"):
        lr_scheduler.OneCycleLR(opt, max_lr=1.0)
    sched = lr_scheduler.OneCycleLR(optim.SGD([x], lr=0.1), max_lr=1.0, total_steps=2)
    sched.step()
    sched.step()
    with pytest.raises(ValueError, match="total_steps"):
        sched.step()
    with pytest.raises(ValueError, match="cycle_momentum"):
        lr_scheduler.OneCycleLR(optim.Adagrad([x]), max_lr=1.0, total_steps=5)
