"""The Optimizer base: param groups, zero_grad, state dicts and resuming, argument errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as ae
import optim

OPTIMIZERS = [
    (optim.SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    (optim.Adam, {"lr": 0.01, "amsgrad": True}),
    (optim.AdamW, {"lr": 0.01}),
    (optim.RMSprop, {"lr": 0.01, "momentum": 0.5, "centered": True}),
    (optim.Adagrad, {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1}),
]
OPT_IDS = [cls.__name__ for cls, _ in OPTIMIZERS]


def param(value, dtype=np.float64):
    return ae.tensor(np.asarray(value, dtype=dtype), dtype=dtype, requires_grad=True)


def quadratic_grads(params, t):
    """Gradients of a fixed quadratic-plus-noise objective at step t (depends on the params)."""
    rng = np.random.default_rng(t)
    for p in params:
        p.grad = ae.tensor(2 * p.numpy() + rng.standard_normal(p.shape), dtype=p.dtype)


def fresh(cls, kwargs):
    values = np.random.default_rng(0)
    params = [param(values.standard_normal((3, 2))), param(values.standard_normal(4))]
    groups = [{"params": [params[0]]}, {"params": [params[1]], "lr": kwargs["lr"] / 2}]
    return params, cls(groups, **kwargs)


# --- param groups ---------------------------------------------------------------------------


def test_defaults_fill_groups_and_extra_keys_are_kept():
    a, b = param([1.0]), param([2.0])
    opt = optim.SGD([{"params": a, "momentum": 0.5, "tag": "head"}], lr=0.1)
    opt.add_param_group({"params": [b], "lr": 0.01})
    g0, g1 = opt.param_groups
    assert g0["params"] == [a] and g0["momentum"] == 0.5 and g0["lr"] == 0.1
    assert g0["tag"] == "head"
    assert g1["params"] == [b] and g1["lr"] == 0.01 and g1["momentum"] == 0
    assert list(g1) == ["params", *opt.defaults]


def test_generator_of_parameters_is_accepted():
    ps = [param([1.0]), param([2.0])]
    opt = optim.Adam(p for p in ps)
    assert opt.param_groups[0]["params"] == ps


def test_zero_grad_sets_none_by_default():
    a, b = param([1.0, 2.0]), param([3.0])
    a.grad = ae.tensor(np.ones(2))
    opt = optim.SGD([a, b])
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_zero_grad_in_place_keeps_the_gradient_tensor():
    a = param([1.0, 2.0])
    a.grad = ae.tensor(np.ones(2), dtype=np.float64)
    grad = a.grad
    optim.SGD([a]).zero_grad(set_to_none=False)
    assert a.grad is grad
    np.testing.assert_array_equal(grad.numpy(), 0)


def test_step_returns_the_closure_loss_computed_with_grad_enabled():
    p = param([3.0])
    opt = optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        assert ae.is_grad_enabled()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with ae.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 9.0
    np.testing.assert_allclose(p.numpy(), [1.5])


def test_repr_lists_the_groups():
    text = repr(optim.SGD([param([1.0])], lr=0.5))
    assert text.startswith("SGD (") and "Parameter Group 0" in text and "lr: 0.5" in text


# --- state dicts ----------------------------------------------------------------------------


@pytest.mark.parametrize(("cls", "kwargs"), OPTIMIZERS, ids=OPT_IDS)
def test_resume_from_state_dict_matches_uninterrupted_run(cls, kwargs):
    params, opt = fresh(cls, kwargs)
    for t in range(8):
        quadratic_grads(params, t)
        opt.step()

    params2, opt2 = fresh(cls, kwargs)
    for t in range(3):
        quadratic_grads(params2, t)
        opt2.step()
    saved_params = [p.numpy().copy() for p in params2]
    saved = opt2.state_dict()

    params3, opt3 = fresh(cls, {**kwargs, "lr": 123.0})  # options come from the state dict
    for p, v in zip(params3, saved_params):
        p.numpy()[...] = v
    opt3.load_state_dict(saved)
    assert opt3.param_groups[1]["lr"] == kwargs["lr"] / 2
    for t in range(3, 8):
        quadratic_grads(params3, t)
        opt3.step()
    for p, q in zip(params, params3):
        np.testing.assert_array_equal(p.numpy(), q.numpy())


def test_state_dict_layout_numbers_parameters_in_group_order():
    params, opt = fresh(optim.Adam, {"lr": 0.01})
    quadratic_grads(params, 0)
    opt.step()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert set(sd["state"]) == {0, 1}
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    assert sd["state"][0]["step"] == 1 and sd["param_groups"][0]["betas"] == (0.9, 0.999)


def test_state_dict_arrays_are_copies():
    params, opt = fresh(optim.Adam, {"lr": 0.01})
    quadratic_grads(params, 0)
    opt.step()
    sd = opt.state_dict()
    before = sd["state"][0]["exp_avg"].copy()
    opt.step()
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"], before)
    opt.load_state_dict(sd)
    sd["state"][0]["exp_avg"][...] = 7
    np.testing.assert_array_equal(opt.state[params[0]]["exp_avg"], before)


def test_state_dict_contains_only_plain_values():
    params, opt = fresh(optim.SGD, {"lr": 0.1, "momentum": 0.9})
    quadratic_grads(params, 0)
    opt.step()

    def check(obj):
        if isinstance(obj, dict):
            for k, v in obj.items():
                assert isinstance(k, str | int)
                check(v)
        elif isinstance(obj, list | tuple):
            for v in obj:
                check(v)
        else:
            assert obj is None or isinstance(obj, np.ndarray | int | float | str | bool)

    check(opt.state_dict())


@pytest.mark.parametrize(("cls", "kwargs"), OPTIMIZERS, ids=OPT_IDS)
def test_state_dict_survives_a_checkpoint_file(cls, kwargs, tmp_path):
    serialization = pytest.importorskip("nn.serialization")
    params, opt = fresh(cls, kwargs)
    for t in range(2):
        quadratic_grads(params, t)
        opt.step()
    path = tmp_path / "opt.npz"
    serialization.save(opt.state_dict(), path)
    params2, opt2 = fresh(cls, kwargs)
    for p, q in zip(params2, params):
        p.numpy()[...] = q.numpy()
    opt2.load_state_dict(serialization.load(path))
    for t in range(2, 4):
        quadratic_grads(params, t)
        quadratic_grads(params2, t)
        opt.step()
        opt2.step()
    for p, q in zip(params, params2):
        np.testing.assert_array_equal(p.numpy(), q.numpy())


def test_load_state_dict_rejects_other_layouts():
    params, opt = fresh(optim.Adam, {"lr": 0.01})
    quadratic_grads(params, 0)
    opt.step()
    sd = opt.state_dict()

    single = optim.Adam([param([1.0])])
    with pytest.raises(ValueError, match="2 param groups but the optimizer has 1"):
        single.load_state_dict(sd)

    other = optim.Adam([{"params": [param([1.0]), param([2.0])]}, {"params": [param([3.0])]}])
    with pytest.raises(ValueError, match=r"group sizes \[1, 1\].*\[2, 1\]"):
        other.load_state_dict(sd)

    wrong_shapes = optim.Adam([{"params": [param(np.ones((2, 3)))]}, {"params": [param([1.0])]}])
    with pytest.raises(ValueError, match=r"'exp_avg' has shape \(3, 2\).*\(2, 3\)"):
        wrong_shapes.load_state_dict(sd)

    _, sgd = fresh(optim.SGD, {"lr": 0.1})
    with pytest.raises(ValueError, match=r"group 0 lacks the options \['dampening'"):
        sgd.load_state_dict(sd)

    del sd["state"][1]["exp_avg_sq"]
    with pytest.raises(ValueError, match=r"parameter 1 has entries \['exp_avg', 'step'\]"):
        opt.load_state_dict(sd)

    sd["state"] = {5: {}}
    with pytest.raises(ValueError, match="state for parameter 5, which no param group lists"):
        opt.load_state_dict(sd)

    with pytest.raises(ValueError, match="keys 'state' and 'param_groups'"):
        opt.load_state_dict({"state": {}})


# --- argument errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: optim.SGD([p], lr=-0.1), r"invalid lr=-0.1; it must be >= 0"),
        (lambda p: optim.Adam([{"params": [p], "lr": -1.0}]), r"Adam: invalid lr=-1.0"),
        (lambda p: optim.Adam([p], betas=(1.0, 0.999)), r"invalid beta1=1.0"),
        (lambda p: optim.AdamW([p], betas=(0.9, -0.1)), r"AdamW: invalid beta2=-0.1"),
        (lambda p: optim.Adam([p], betas=(0.9,)), r"betas must be a pair"),
        (lambda p: optim.Adam([p], eps=-1e-8), r"invalid eps"),
        (lambda p: optim.SGD([p], momentum=-0.5), r"invalid momentum"),
        (lambda p: optim.SGD([p], nesterov=True), r"Nesterov momentum needs momentum > 0"),
        (
            lambda p: optim.SGD([p], momentum=0.9, dampening=0.1, nesterov=True),
            r"dampening = 0",
        ),
        (lambda p: optim.RMSprop([p], alpha=-0.5), r"invalid alpha"),
        (lambda p: optim.Adagrad([p], lr_decay=-1), r"invalid lr_decay"),
        (lambda p: optim.Adagrad([p], initial_accumulator_value=-1), r"initial_accumulator"),
        (lambda p: optim.SGD([p, p]), r"given more than once"),
        (lambda p: optim.SGD([{"params": [p]}, {"params": [p]}]), r"given more than once"),
        (lambda p: optim.SGD([p * 2]), r"can't optimize a non-leaf Tensor"),
        (lambda p: optim.SGD([]), r"empty parameter list"),
        (lambda p: optim.SGD([{"lr": 0.1}]), r"needs a 'params' entry"),
    ],
)
def test_invalid_arguments_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make(param([1.0, 2.0]))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: optim.SGD(p), r"got a single Tensor; wrap it in a list"),
        (lambda p: optim.SGD({p}), r"ordered collection"),
        (lambda p: optim.SGD([p.numpy()]), r"can only optimize Tensors, got ndarray"),
    ],
)
def test_invalid_parameter_containers_raise_type_error(make, message):
    with pytest.raises(TypeError, match=message):
        make(param([1.0]))


def test_add_param_group_rejects_a_parameter_already_optimized():
    p = param([1.0])
    opt = optim.Adam([p])
    with pytest.raises(ValueError, match="more than once"):
        opt.add_param_group({"params": [p], "lr": 0.1})
    assert len(opt.param_groups) == 1


def test_a_graph_recorded_before_step_refuses_backward_after_it():
    w = ae.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    stale = (w * w).sum()  # saves w's current values
    opt.step()  # changes w in place
    with pytest.raises(ae.InplaceError, match="modified by an in-place operation"):
        stale.backward()
