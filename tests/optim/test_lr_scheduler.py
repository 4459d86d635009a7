"""Learning-rate schedulers against torch's sequences, state dicts and argument errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_engine as ae
import optim
from optim import lr_scheduler

EPOCHS = 40
LRS = (0.1, 0.03)


def make_optimizer(lrs=LRS):
    groups = [{"params": [ae.tensor(np.ones(2), requires_grad=True)], "lr": lr} for lr in lrs]
    return optim.SGD(groups, lr=1.0, momentum=0.9)


def lr_sequence(make_scheduler, epochs=EPOCHS):
    """get_last_lr() after construction and after each of `epochs` steps."""
    opt = make_optimizer()
    sched = make_scheduler(opt)
    lrs = [sched.get_last_lr()]
    for _ in range(epochs):
        sched.step()
        lrs.append(sched.get_last_lr())
        assert lrs[-1] == [g["lr"] for g in opt.param_groups]
    return lrs


SCHEDULES = {
    "StepLR": lambda m, o: m.StepLR(o, step_size=7, gamma=0.5),
    "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[25, 5, 12, 12], gamma=0.3),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.93),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=10),
    "CosineAnnealingLR-eta_min": lambda m, o: m.CosineAnnealingLR(o, T_max=13, eta_min=0.002),
    "LambdaLR": lambda m, o: m.LambdaLR(o, lambda epoch: 0.95**epoch / (1 + epoch % 3)),
    "LambdaLR-per-group": lambda m, o: m.LambdaLR(o, [lambda e: 1 / (e + 1), lambda e: e]),
}


@pytest.mark.parametrize("name", SCHEDULES)
def test_lr_sequence_matches_torch(name):
    torch = pytest.importorskip("torch")
    make = SCHEDULES[name]
    ours = lr_sequence(lambda opt: make(lr_scheduler, opt))

    params = [torch.zeros(2, requires_grad=True) for _ in LRS]
    ref_opt = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, LRS)])
    ref = make(torch.optim.lr_scheduler, ref_opt)
    theirs = [ref.get_last_lr()]
    for _ in range(EPOCHS):
        ref_opt.step()
        ref.step()
        theirs.append(ref.get_last_lr())
    assert ours == theirs


def test_closed_forms():
    step = lr_sequence(lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=0.1), epochs=9)
    assert [round(lr[0] / LRS[0], 12) for lr in step] == [1.0] * 3 + [0.1] * 3 + [0.01] * 3 + [
        0.001
    ]
    cos = lr_sequence(lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=8, eta_min=0.01))
    for t, lrs in enumerate(cos):
        for lr, base in zip(lrs, LRS):
            want = 0.01 + (base - 0.01) * (1 + math.cos(math.pi * t / 8)) / 2
            assert lr == pytest.approx(want, rel=1e-9, abs=1e-12)


def test_construction_records_initial_lr_and_counts_epoch_zero():
    opt = make_optimizer()
    sched = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    assert sched.last_epoch == 0 and sched.base_lrs == list(LRS)
    assert [g["initial_lr"] for g in opt.param_groups] == list(LRS)
    assert sched.get_last_lr() == list(LRS)


def test_lambda_lr_applies_the_lambda_at_epoch_zero():
    opt = make_optimizer()
    lr_scheduler.LambdaLR(opt, lambda epoch: 0.5)
    assert [g["lr"] for g in opt.param_groups] == [LRS[0] * 0.5, LRS[1] * 0.5]


@pytest.mark.parametrize("name", SCHEDULES)
def test_state_dict_resume_continues_the_sequence(name):
    make = SCHEDULES[name]
    full = lr_sequence(lambda opt: make(lr_scheduler, opt))

    opt = make_optimizer()
    sched = make(lr_scheduler, opt)
    for _ in range(15):
        sched.step()
    opt_state, sched_state = opt.state_dict(), sched.state_dict()
    assert "optimizer" not in sched_state and "lr_lambdas" not in sched_state

    opt2 = make_optimizer(lrs=(5.0, 5.0))
    opt2.load_state_dict(opt_state)
    sched2 = make(lr_scheduler, opt2)
    sched2.load_state_dict(sched_state)
    resumed = [sched2.get_last_lr()]
    for _ in range(EPOCHS - 15):
        sched2.step()
        resumed.append(sched2.get_last_lr())
    assert resumed == full[15:]


def test_state_dict_survives_a_checkpoint_file(tmp_path):
    serialization = pytest.importorskip("nn.serialization")
    opt = make_optimizer()
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    sched.step(1.0)
    path = tmp_path / "sched.npz"
    serialization.save(sched.state_dict(), path)
    loaded = serialization.load(path)
    assert loaded == sched.state_dict() and loaded["best"] == 1.0
    fresh = lr_scheduler.ReduceLROnPlateau(make_optimizer())
    fresh.load_state_dict(loaded)
    assert fresh.best == 1.0 and fresh.patience == 0


# --- ReduceLROnPlateau -----------------------------------------------------------------------

METRIC = [1.0, 0.9, 0.9, 0.95, 0.9, 0.91, 0.89, 0.8, 0.8, 0.8, 0.8, 0.8, 0.7999]
METRIC = METRIC + [0.79, 0.79, 0.79, 0.9, 0.9, 0.9, 0.9, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6] * 2
PLATEAU_CASES = [
    {},
    {"patience": 2},
    {"patience": 1, "factor": 0.5, "cooldown": 2},
    {"patience": 0, "factor": 0.5, "min_lr": 0.01},
    {"patience": 0, "factor": 0.5, "min_lr": [0.02, 0.001]},
    {"patience": 1, "threshold": 0.05, "threshold_mode": "abs"},
    {"patience": 1, "threshold": 0.05},
    {"patience": 1, "mode": "max"},
    {"patience": 2, "mode": "max", "threshold": 0.01, "threshold_mode": "abs", "cooldown": 1},
    {"patience": 0, "factor": 0.9, "eps": 0.005},
]


@pytest.mark.parametrize(
    "kwargs", PLATEAU_CASES, ids=[",".join(map(str, c.items())) for c in PLATEAU_CASES]
)
def test_reduce_on_plateau_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    assert len(METRIC) >= 30
    opt = make_optimizer()
    sched = lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    params = [torch.zeros(2, requires_grad=True) for _ in LRS]
    ref_opt = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, LRS)])
    ref = torch.optim.lr_scheduler.ReduceLROnPlateau(ref_opt, **kwargs)
    assert sched.get_last_lr() == ref.get_last_lr()
    for metric in METRIC:
        sched.step(metric)
        ref.step(metric)
        assert sched.get_last_lr() == ref.get_last_lr()
        assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in ref_opt.param_groups]
        assert (sched.best, sched.num_bad_epochs, sched.last_epoch) == (
            ref.best,
            ref.num_bad_epochs,
            ref.last_epoch,
        )
    assert sched.get_last_lr() != list(LRS)


def test_reduce_on_plateau_accepts_a_scalar_tensor_metric():
    opt = make_optimizer()
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    sched.step(ae.tensor(2.0))
    sched.step(ae.tensor(3.0))
    assert sched.get_last_lr() == pytest.approx([LRS[0] / 10, LRS[1] / 10])


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda o: lr_scheduler.StepLR(object(), 3), TypeError, "expected an optim.Optimizer"),
        (lambda o: lr_scheduler.ExponentialLR(o, 0.9, last_epoch=4), KeyError, "initial_lr"),
        (lambda o: lr_scheduler.LambdaLR(o, [lambda e: 1.0]), ValueError, "1 lr_lambdas for 2"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=1.0), ValueError, "factor"),
        (lambda o: lr_scheduler.ReduceLROnPlateau(o, mode="up"), ValueError, "'min' or 'max'"),
        (
            lambda o: lr_scheduler.ReduceLROnPlateau(o, threshold_mode="x"),
            ValueError,
            "'rel' or 'abs'",
        ),
        (
            lambda o: lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1]),
            ValueError,
            "1 min_lr values for 2 param groups",
        ),
        (
            lambda o: lr_scheduler.StepLR(o, 3).load_state_dict({"T_max": 3}),
            ValueError,
            r"unexpected entries \['T_max'\]",
        ),
    ],
)
def test_invalid_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make(make_optimizer())
