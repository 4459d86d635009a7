"""nn.utils (gradient clipping, parameter vectors) and nn.init against their formulas."""

import math

import numpy as np
import pytest

import autograd_engine as ae
import nn


def params_with_grads(*grads):
    params = []
    for g in grads:
        p = nn.Parameter(ae.zeros(len(g), dtype=ae.float64))
        p.grad = np.asarray(g, dtype=np.float64)
        params.append(p)
    return params


def test_clip_grad_norm_scales_to_max_norm_and_returns_the_old_norm():
    params = params_with_grads([3.0, 0.0], [4.0])
    total = nn.utils.clip_grad_norm_(params, max_norm=1.0)
    assert total.item() == pytest.approx(5.0)
    joint = np.concatenate([p.grad.numpy() for p in params])
    assert np.linalg.norm(joint) == pytest.approx(1.0, rel=1e-5)
    untouched = params_with_grads([0.3, 0.4])
    nn.utils.clip_grad_norm_(untouched, max_norm=1.0)
    np.testing.assert_array_equal(untouched[0].grad.numpy(), [0.3, 0.4])


def test_clip_grad_norm_edge_cases():
    assert nn.utils.clip_grad_norm_([nn.Parameter(ae.zeros(2))], 1.0).item() == 0.0
    single = params_with_grads([-6.0, 2.0])[0]
    assert nn.utils.clip_grad_norm_(single, 1.0, norm_type="inf").item() == 6.0
    with pytest.raises(RuntimeError, match="norm"):
        nn.utils.clip_grad_norm_(params_with_grads([math.inf]), 1.0, error_if_nonfinite=True)


def test_clip_grad_value():
    params = params_with_grads([-3.0, 0.5, 2.0])
    nn.utils.clip_grad_value_(params, 1.0)
    np.testing.assert_array_equal(params[0].grad.numpy(), [-1.0, 0.5, 1.0])


def test_parameter_vectors():
    model = nn.Linear(3, 2)
    vec = nn.utils.parameters_to_vector(model.parameters())
    assert vec.shape == (8,) and vec.requires_grad
    nn.utils.vector_to_parameters(ae.arange(8.0), model.parameters())
    np.testing.assert_array_equal(model.weight.numpy(), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(model.bias.numpy(), [6.0, 7.0])
    with pytest.raises(ae.ShapeError):
        nn.utils.vector_to_parameters(ae.zeros(7), model.parameters())
    with pytest.raises(ae.ShapeError):
        nn.utils.vector_to_parameters(ae.zeros(2, 4), model.parameters())


@pytest.mark.parametrize(
    ("fill", "std"),
    [
        (lambda t: nn.init.xavier_uniform_(t), math.sqrt(2 / (200 + 300))),
        (lambda t: nn.init.xavier_normal_(t, gain=2.0), 2 * math.sqrt(2 / (200 + 300))),
        (lambda t: nn.init.kaiming_uniform_(t, nonlinearity="relu"), math.sqrt(2 / 200)),
        (lambda t: nn.init.kaiming_normal_(t, mode="fan_out"), math.sqrt(2 / 300)),
        (lambda t: nn.init.kaiming_uniform_(t, a=math.sqrt(5)), 1 / math.sqrt(3 * 200)),
    ],
    ids=["xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal", "linear"],
)
def test_init_variances_follow_glorot_and_he(fill, std):
    ae.manual_seed(0)
    w = ae.zeros(300, 200, requires_grad=True)
    assert fill(w) is w and w.grad_fn is None and w.requires_grad
    assert abs(w.numpy().mean()) < 0.05 * std
    assert w.numpy().std() == pytest.approx(std, rel=0.02)


def test_fan_and_gain_formulas():
    assert nn.init._calculate_fan_in_and_fan_out(ae.zeros(8, 4, 3, 3)) == (36, 72)
    assert nn.init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert nn.init.calculate_gain("leaky_relu", 1.0) == pytest.approx(1.0)
    assert nn.init.calculate_gain("tanh") == pytest.approx(5 / 3)
