"""Losses: gradients through the core's gradcheck, closed forms, options, extreme logits."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_engine as ae
import nn
import nn.functional as F
from autograd_engine.testing import gradcheck, gradgradcheck, strategies

RNG = np.random.default_rng(99)


def leaf(*shape, low=None, high=None):
    data = RNG.standard_normal(shape) if low is None else RNG.uniform(low, high, shape)
    return ae.tensor(data, dtype=ae.float64, requires_grad=True)


def const(*shape, low=0.0, high=1.0):
    return ae.tensor(RNG.uniform(low, high, shape), dtype=ae.float64)


REDUCTIONS = ["mean", "sum", "none"]


# ----------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_loss_gradients(reduction):
    x, y = leaf(4, 3), leaf(4, 3)
    assert gradcheck(lambda x, y: F.mse_loss(x, y, reduction), [x, y])
    assert gradcheck(lambda x, y: F.l1_loss(x, y, reduction), [x, y])
    assert gradgradcheck(lambda x, y: F.mse_loss(x, y, reduction), [x, y])


@settings(deadline=None, max_examples=40)
@given(
    pair=strategies.shapes().flatmap(
        lambda s: st.tuples(strategies.tensors(s), strategies.tensors(s))
    ),
    reduction=st.sampled_from(REDUCTIONS),
)
def test_mse_loss_gradient_property(pair, reduction):
    """The fused mse_loss node against central differences, any layout of either input."""
    assert gradcheck(lambda x, y: F.mse_loss(x, y, reduction), list(pair))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_gradients(reduction):
    p, y, w = leaf(5, 2, low=0.05, high=0.95), leaf(5, 2, low=0, high=1), const(5, 2)
    assert gradcheck(lambda p, y: F.binary_cross_entropy(p, y, w, reduction), [p, y])
    assert gradgradcheck(lambda p: F.binary_cross_entropy(p, y.detach(), None, reduction), [p])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_gradients(reduction):
    x, y, w, pw = leaf(5, 2), leaf(5, 2, low=0, high=1), const(5, 2), const(2, low=0.5, high=3)
    assert gradcheck(lambda x, y: F.binary_cross_entropy_with_logits(x, y, w, reduction), [x, y])
    assert gradcheck(
        lambda x, y: F.binary_cross_entropy_with_logits(x, y, reduction=reduction, pos_weight=pw),
        [x, y],
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_class_index_gradients(reduction, smoothing, weighted):
    x = leaf(6, 4)
    t = ae.tensor([0, 3, 1, -100, 2, 3])
    w = const(4, low=0.5, high=2) if weighted else None

    def fn(x):
        return F.cross_entropy(x, t, w, reduction=reduction, label_smoothing=smoothing)

    assert gradcheck(fn, [x])


def test_cross_entropy_gradients_spatial_and_probabilities():
    x = leaf(2, 3, 4)
    t = ae.tensor(RNG.integers(0, 3, (2, 4)))
    assert gradcheck(lambda x: F.cross_entropy(x, t), [x])
    assert gradgradcheck(lambda x: F.cross_entropy(x, t), [x])
    dirichlet = RNG.dirichlet(np.ones(3), size=(2, 4)).transpose(0, 2, 1)
    probs = ae.tensor(dirichlet, dtype=ae.float64, requires_grad=True)
    assert gradcheck(lambda x, p: F.cross_entropy(x, p, label_smoothing=0.1), [x, probs])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_gradients(reduction):
    x, t, w = leaf(5, 3), ae.tensor([0, 2, 1, 1, -100]), const(3, low=0.5, high=2)
    assert gradcheck(lambda x: F.nll_loss(x, t, w, reduction=reduction), [x])


@pytest.mark.parametrize("reduction", ["mean", "batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_gradients(reduction, log_target):
    x = leaf(3, 4)
    y = leaf(3, 4) if log_target else leaf(3, 4, low=0.1, high=1.0)
    assert gradcheck(lambda x, y: F.kl_div(x, y, reduction, log_target), [x, y])


@pytest.mark.parametrize("var_shape", [(4, 3), (4,), (4, 1)])
def test_gaussian_nll_gradients(var_shape):
    mu, y, var = leaf(4, 3), leaf(4, 3), leaf(*var_shape, low=0.5, high=2.0)
    assert gradcheck(lambda m, y, v: F.gaussian_nll_loss(m, y, v, full=True), [mu, y, var])


def test_gaussian_kl_and_penalty_gradients():
    mu, logvar = leaf(3, 2), leaf(3, 2)
    assert gradcheck(F.gaussian_kl, [mu, logvar])
    assert gradgradcheck(F.gaussian_kl, [mu, logvar])
    a, b = leaf(2, 3), leaf(4)
    assert gradcheck(lambda a, b: F.l1_penalty([a, b]) + F.l2_penalty([a, b]), [a, b])


# ----------------------------------------------------------------------------- values
def test_binary_cross_entropy_is_finite_at_zero_and_one():
    p = ae.tensor([0.0, 1.0, 0.0, 1.0], requires_grad=True)
    y = ae.tensor([1.0, 0.0, 0.0, 1.0])
    loss = F.binary_cross_entropy(p, y, reduction="none")
    np.testing.assert_allclose(loss.numpy(), [100, 100, 0, 0])
    loss.sum().backward()
    assert np.all(np.isfinite(p.grad.numpy()))
    with pytest.raises(ValueError, match="probabilities"):
        F.binary_cross_entropy(ae.tensor([1.5]), ae.tensor([1.0]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_losses_are_finite_for_extreme_float32_logits(reduction):
    x = ae.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 3.0]], requires_grad=True)
    t = ae.tensor([1, 0])
    y = ae.tensor([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    probs = ae.tensor([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])
    losses = [
        F.cross_entropy(x, t, reduction=reduction),
        F.cross_entropy(x, t, reduction=reduction, label_smoothing=0.1),
        F.cross_entropy(x, probs, reduction=reduction),
        F.nll_loss(F.log_softmax(x, 1), t, reduction=reduction),
        F.binary_cross_entropy_with_logits(x, y, reduction=reduction),
        F.binary_cross_entropy_with_logits(x, y, reduction=reduction, pos_weight=ae.ones(3) * 2),
        F.binary_cross_entropy(F.sigmoid(x), y, reduction=reduction),
        F.kl_div(F.log_softmax(x, 1), probs, reduction=reduction),
    ]
    for loss in losses:
        assert x.dtype == np.float32 and np.all(np.isfinite(loss.numpy()))
        x.grad = None
        loss.sum().backward()
        assert np.all(np.isfinite(x.grad.numpy()))


def test_cross_entropy_closed_form_and_unbatched():
    x = ae.tensor([[1.0, 2.0, 3.0]], dtype=ae.float64)
    expected = -math.log(math.exp(1) / (math.exp(1) + math.exp(2) + math.exp(3)))
    assert F.cross_entropy(x, ae.tensor([0])).item() == pytest.approx(expected)
    assert F.cross_entropy(x[0], ae.tensor(0)).item() == pytest.approx(expected)
    assert F.cross_entropy(x, ae.tensor([-100])).isnan().item()


def test_cross_entropy_target_errors():
    x = ae.randn(3, 4)
    with pytest.raises(ae.ShapeError, match="targets"):
        F.cross_entropy(x, ae.tensor([0, 1]))
    with pytest.raises(IndexError):
        F.cross_entropy(x, ae.tensor([0, 1, 4]))
    with pytest.raises(IndexError):
        F.nll_loss(x, ae.tensor([0, 1, 7]))
    with pytest.raises(ValueError):
        F.cross_entropy(x, ae.tensor([0, 1, 2]), reduction="avg")
    with pytest.raises(ValueError):
        F.cross_entropy(x, ae.tensor([0, 1, 2]), label_smoothing=2.0)


def test_gaussian_kl_closed_form():
    mu = ae.tensor([[0.5, -1.0]], dtype=ae.float64)
    logvar = ae.tensor([[0.2, -0.3]], dtype=ae.float64)
    sigma2 = np.exp(logvar.numpy())
    expected = 0.5 * np.sum(sigma2 + mu.numpy() ** 2 - 1 - logvar.numpy())
    assert F.gaussian_kl(mu, logvar).item() == pytest.approx(expected)
    assert F.gaussian_kl(ae.zeros(4, 3), ae.zeros(4, 3)).item() == 0.0
    assert F.gaussian_kl(mu, logvar, reduction="none").shape == (1, 2)
    assert F.gaussian_kl(mu, logvar, reduction="batchmean").item() == pytest.approx(expected)


def test_penalties():
    a, b = ae.tensor([1.0, -2.0]), ae.tensor([[3.0]])
    assert F.l1_penalty([a, b]).item() == 6.0
    assert F.l2_penalty([a, b]).item() == 14.0
    assert F.l2_penalty([]).item() == 0.0
    model = nn.Linear(2, 2)
    assert F.l2_penalty(model.parameters()).item() == pytest.approx(
        sum(float((p.numpy() ** 2).sum()) for p in model.parameters()), rel=1e-6
    )


def test_gaussian_nll_rejects_bad_variance():
    with pytest.raises(ValueError, match="negative"):
        F.gaussian_nll_loss(ae.zeros(2), ae.zeros(2), ae.tensor([1.0, -1.0]))
    with pytest.raises(ae.ShapeError):
        F.gaussian_nll_loss(ae.zeros(2, 3), ae.zeros(2, 3), ae.ones(3, 2))
    assert F.gaussian_nll_loss(ae.zeros(2), ae.ones(2), 1.0).item() == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("module", "fn", "args"),
    [
        (nn.MSELoss, F.mse_loss, "xy"),
        (nn.L1Loss, F.l1_loss, "xy"),
        (nn.BCELoss, F.binary_cross_entropy, "py"),
        (nn.BCEWithLogitsLoss, F.binary_cross_entropy_with_logits, "xy"),
        (nn.CrossEntropyLoss, F.cross_entropy, "xt"),
        (nn.NLLLoss, F.nll_loss, "xt"),
        (nn.KLDivLoss, F.kl_div, "xp"),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else "",
)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_loss_modules_call_their_functions(module, fn, args, reduction):
    values = {
        "x": ae.randn(4, 3),
        "y": ae.rand(4, 3),
        "p": ae.rand(4, 3),
        "t": ae.tensor([0, 2, 1, 1]),
    }
    a, b = values[args[0]], values[args[1]]
    kwargs = {"reduction": reduction}
    np.testing.assert_allclose(module(**kwargs)(a, b).numpy(), fn(a, b, **kwargs).numpy())


def test_loss_module_options_and_errors():
    crit = nn.CrossEntropyLoss(weight=[1.0, 2.0, 3.0], ignore_index=1, label_smoothing=0.1)
    x, t = ae.randn(4, 3), ae.tensor([0, 2, 1, 1])
    expected = F.cross_entropy(
        x, t, ae.tensor([1.0, 2.0, 3.0]), ignore_index=1, label_smoothing=0.1
    )
    np.testing.assert_allclose(crit(x, t).numpy(), expected.numpy())
    assert "weight" in crit.state_dict()
    gnll = nn.GaussianNLLLoss(full=True, reduction="sum")
    assert gnll(ae.zeros(3), ae.zeros(3), ae.ones(3)).item() == pytest.approx(
        1.5 * math.log(2 * math.pi)
    )
    assert repr(nn.MSELoss(reduction="sum")) == "MSELoss(reduction='sum')"
    with pytest.raises(ValueError):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError):
        nn.KLDivLoss(reduction="avg")
    with pytest.raises(ae.ShapeError):
        nn.MSELoss()(ae.zeros(3), ae.zeros(4))
