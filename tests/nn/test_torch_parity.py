"""PyTorch as an oracle: the same weights and inputs (float64) give the same outputs, gradients,
running statistics, state-dict keys, initialisation statistics and clipped gradients."""

import math

import numpy as np
import pytest

import autograd_engine as ae
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
tnn, TF = torch.nn, torch.nn.functional

RNG = np.random.default_rng(2024)
TOL = {"rtol": 1e-8, "atol": 1e-10}


def twin_inputs(shape, low=None, high=None):
    data = RNG.standard_normal(shape) if low is None else RNG.uniform(low, high, shape)
    ours = ae.tensor(data, dtype=ae.float64, requires_grad=True)
    theirs = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    return ours, theirs


def copy_into_torch(ours: nn.Module, theirs) -> None:
    state = {k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(state)


def assert_close(a, b, **tol):
    np.testing.assert_allclose(
        a.numpy() if isinstance(a, ae.Tensor) else a, b.detach().numpy(), **(tol or TOL)
    )


def check_module(ours, theirs, shape, steps=1):
    """Forward and backward of twin modules; parameter gradients compared by name."""
    copy_into_torch(ours, theirs)
    for _ in range(steps):
        ours.zero_grad()
        theirs.zero_grad()
        x, tx = twin_inputs(shape)
        y, ty = ours(x), theirs(tx)
        assert_close(y, ty)
        upstream = RNG.standard_normal(y.shape)
        y.backward(ae.tensor(upstream, dtype=ae.float64))
        ty.backward(torch.from_numpy(upstream))
        assert_close(x.grad, tx.grad)
        their_params = dict(theirs.named_parameters())
        for name, p in ours.named_parameters():
            assert_close(p.grad, their_params[name].grad)
    their_state = theirs.state_dict()
    for name, value in ours.state_dict().items():
        assert_close(value, their_state[name])


# ----------------------------------------------------------------------------- layers
@pytest.mark.parametrize("shape", [(5, 3), (2, 5, 3), (3,)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear(shape, bias):
    check_module(nn.Linear(3, 4, bias=bias).double(), tnn.Linear(3, 4, bias=bias).double(), shape)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (nn.Sigmoid(), tnn.Sigmoid()),
        (nn.Tanh(), tnn.Tanh()),
        (nn.ReLU(), tnn.ReLU()),
        (nn.LeakyReLU(0.2), tnn.LeakyReLU(0.2)),
        (nn.ELU(0.5), tnn.ELU(0.5)),
        (nn.Softplus(), tnn.Softplus()),
        (nn.Softplus(beta=2.0, threshold=1.5), tnn.Softplus(beta=2.0, threshold=1.5)),
        (nn.Softmax(dim=1), tnn.Softmax(dim=1)),
        (nn.Softmax(), tnn.Softmax()),
        (nn.LogSoftmax(dim=0), tnn.LogSoftmax(dim=0)),
        (nn.Flatten(), tnn.Flatten()),
        (nn.Identity(), tnn.Identity()),
    ],
    ids=lambda m: repr(m),
)
@pytest.mark.filterwarnings("ignore:Implicit dimension choice")
def test_activations_and_shape_layers(ours, theirs):
    check_module(ours, theirs, (4, 3, 2))


@pytest.mark.parametrize("shape", [(8, 3), (6, 3, 5)])
@pytest.mark.parametrize("momentum", [0.1, 0.3, None])
def test_batch_norm_training_steps_then_eval(shape, momentum):
    ours = nn.BatchNorm1d(3, momentum=momentum).double()
    theirs = tnn.BatchNorm1d(3, momentum=momentum).double()
    with ae.no_grad():
        nn.init.uniform_(ours.weight, 0.5, 1.5)
        nn.init.uniform_(ours.bias, -0.5, 0.5)
    check_module(ours, theirs, shape, steps=4)
    assert ours.num_batches_tracked.item() == theirs.num_batches_tracked.item() == 4
    ours.eval()
    theirs.eval()
    check_module(ours, theirs, shape)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_without_running_stats_or_affine(training):
    ours = nn.BatchNorm1d(3, affine=False, track_running_stats=False).double().train(training)
    theirs = tnn.BatchNorm1d(3, affine=False, track_running_stats=False).double().train(training)
    check_module(ours, theirs, (7, 3))


@pytest.mark.parametrize(
    ("shape", "normalized", "affine"),
    [((4, 5), 5, True), ((3, 2, 4), (2, 4), True), ((3, 4), 4, False)],
)
def test_layer_norm(shape, normalized, affine):
    ours = nn.LayerNorm(normalized, elementwise_affine=affine).double()
    theirs = tnn.LayerNorm(normalized, elementwise_affine=affine).double()
    if affine:
        nn.init.normal_(ours.weight)
        nn.init.normal_(ours.bias)
    check_module(ours, theirs, shape)


def test_maxout_against_torch_linear_and_max():
    ours = nn.Maxout(4, 3, pieces=2).double()
    w = torch.from_numpy(ours.weight.numpy().copy()).requires_grad_()
    b = torch.from_numpy(ours.bias.numpy().copy()).requires_grad_()
    x, tx = twin_inputs((5, 4))
    y = ours(x)
    ty = TF.linear(tx, w, b).view(5, 3, 2).max(dim=-1).values
    assert_close(y, ty)
    y.sum().backward()
    ty.sum().backward()
    assert_close(x.grad, tx.grad)
    assert_close(ours.weight.grad, w.grad)
    assert_close(ours.bias.grad, b.grad)


def test_mlp_with_residual_and_state_dict_keys():
    def build(lib):
        return lib.Sequential(
            lib.Linear(3, 8),
            lib.BatchNorm1d(8),
            lib.ReLU(),
            lib.Linear(8, 8),
            lib.LayerNorm(8),
            lib.Tanh(),
            lib.Linear(8, 2),
        )

    ours, theirs = build(nn).double(), build(tnn).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    check_module(ours, theirs, (6, 3), steps=3)
    residual = nn.Residual(nn.Linear(3, 3)).double()
    x = ae.randn(2, 3, dtype=ae.float64)
    np.testing.assert_allclose(residual(x).numpy(), residual.module(x).numpy() + x.numpy())


# ----------------------------------------------------------------------------- losses
REDUCTIONS = ["mean", "sum", "none"]


def check_loss(ours_fn, theirs_fn, inputs, grad_of=(0,)):
    """inputs: list of (numpy array, requires_grad); compares values and input gradients."""
    ours_in, theirs_in = [], []
    for i, data in enumerate(inputs):
        if isinstance(data, np.ndarray) and data.dtype.kind == "f":
            rg = i in grad_of
            ours_in.append(ae.tensor(data, dtype=ae.float64, requires_grad=rg))
            theirs_in.append(torch.tensor(data, dtype=torch.float64, requires_grad=rg))
        elif isinstance(data, np.ndarray):
            ours_in.append(ae.tensor(data))
            theirs_in.append(torch.from_numpy(data))
        else:
            ours_in.append(data)
            theirs_in.append(data)
    y, ty = ours_fn(*ours_in), theirs_fn(*theirs_in)
    assert_close(y, ty)
    upstream = RNG.standard_normal(y.shape)
    y.backward(ae.tensor(upstream, dtype=ae.float64))
    ty.backward(torch.from_numpy(upstream))
    for i in grad_of:
        assert_close(ours_in[i].grad, theirs_in[i].grad)


def randn(*shape):
    return RNG.standard_normal(shape)


def uniform(*shape, low=0.0, high=1.0):
    return RNG.uniform(low, high, shape)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses(reduction):
    for ours, theirs in ((F.mse_loss, TF.mse_loss), (F.l1_loss, TF.l1_loss)):
        check_loss(
            lambda x, y, f=ours: f(x, y, reduction=reduction),
            lambda x, y, f=theirs: f(x, y, reduction=reduction),
            [randn(4, 3), randn(4, 3)],
            grad_of=(0, 1),
        )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(reduction):
    p = uniform(5, 3, low=0.01, high=0.99)
    p[0, :2] = [0.0, 1.0]
    y, w = uniform(5, 3), uniform(5, 3)
    check_loss(
        lambda p, y, w: F.binary_cross_entropy(p, y, w, reduction=reduction),
        lambda p, y, w: TF.binary_cross_entropy(p, y, w, reduction=reduction),
        [p, y, w],
    )
    check_loss(
        lambda p, y: nn.BCELoss(reduction=reduction)(p, y),
        lambda p, y: tnn.BCELoss(reduction=reduction)(p, y),
        [uniform(5, 3, low=0.05, high=0.95), uniform(5, 3)],
        grad_of=(0, 1),
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", ["plain", "weight", "pos_weight", "both"])
def test_binary_cross_entropy_with_logits(reduction, options):
    x = randn(6, 3) * 5
    x[0] = [1e4, -1e4, 30.0]
    w = uniform(6, 3) if options in ("weight", "both") else None
    pw = uniform(3, low=0.5, high=3) if options in ("pos_weight", "both") else None
    check_loss(
        lambda x, y, w, pw: F.binary_cross_entropy_with_logits(
            x, y, w, reduction=reduction, pos_weight=pw
        ),
        lambda x, y, w, pw: TF.binary_cross_entropy_with_logits(
            x, y, w, reduction=reduction, pos_weight=pw
        ),
        [x, uniform(6, 3), w, pw],
        grad_of=(0, 1),
    )


CE_CASES = [
    {},
    {"weight": True},
    {"ignore_index": 1},
    {"ignore_index": -100, "with_ignored": True},
    {"label_smoothing": 0.15},
    {"weight": True, "ignore_index": 2, "label_smoothing": 0.3},
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", CE_CASES, ids=str)
@pytest.mark.parametrize("shape", [(7, 4), (3, 4, 2, 3)])
def test_cross_entropy_class_indices(reduction, case, shape):
    target = RNG.integers(0, 4, (shape[0], *shape[2:]))
    if case.get("with_ignored"):
        target.reshape(-1)[::3] = -100
    weight = uniform(4, low=0.2, high=2.0) if case.get("weight") else None
    kwargs = {
        "reduction": reduction,
        "ignore_index": case.get("ignore_index", -100),
        "label_smoothing": case.get("label_smoothing", 0.0),
    }
    check_loss(
        lambda x, t, w: F.cross_entropy(x, t, w, **kwargs),
        lambda x, t, w: TF.cross_entropy(x, t, w, **kwargs),
        [randn(*shape) * 3, target, weight],
    )
    check_loss(
        lambda x, t, w: nn.CrossEntropyLoss(w, **kwargs)(x, t),
        lambda x, t, w: tnn.CrossEntropyLoss(w, **kwargs)(x, t),
        [randn(*shape), target, weight],
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape", [(5, 4), (2, 4, 3), (4,)])
def test_cross_entropy_probabilities(reduction, smoothing, weighted, shape):
    classes_axis = 0 if len(shape) == 1 else 1
    probs = np.moveaxis(RNG.dirichlet(np.ones(4), size=shape[:classes_axis] + shape[2:]), -1, 0)
    probs = np.moveaxis(probs, 0, classes_axis).copy()
    weight = uniform(4, low=0.5, high=2) if weighted else None
    kwargs = {"reduction": reduction, "label_smoothing": smoothing}
    check_loss(
        lambda x, p, w: F.cross_entropy(x, p, w, **kwargs),
        lambda x, p, w: TF.cross_entropy(x, p, w, **kwargs),
        [randn(*shape), probs, weight],
        grad_of=(0, 1),
    )


def test_cross_entropy_unbatched_and_extreme_logits():
    check_loss(F.cross_entropy, TF.cross_entropy, [randn(5), np.array(3)])
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0]])
    check_loss(
        lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1),
        lambda x, t: TF.cross_entropy(x, t, label_smoothing=0.1),
        [x, np.array([1, 2])],
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(6, 3), (2, 3, 4)])
def test_nll_loss(reduction, shape):
    target = RNG.integers(0, 3, (shape[0], *shape[2:]))
    target.reshape(-1)[0] = 1
    kwargs = {"reduction": reduction, "ignore_index": 1}
    check_loss(
        lambda x, t, w: F.nll_loss(F.log_softmax(x, 1), t, w, **kwargs),
        lambda x, t, w: TF.nll_loss(TF.log_softmax(x, 1), t, w, **kwargs),
        [randn(*shape), target, uniform(3, low=0.5, high=2)],
    )
    check_loss(
        lambda x, t: nn.NLLLoss(reduction=reduction)(x, t),
        lambda x, t: tnn.NLLLoss(reduction=reduction)(x, t),
        [randn(*shape), target],
    )


@pytest.mark.parametrize("reduction", ["mean", "batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
def test_kl_div(reduction, log_target):
    def ours(x, t):
        return nn.KLDivLoss(reduction, log_target)(F.log_softmax(x, 1), t)

    def theirs(x, t):
        return tnn.KLDivLoss(reduction=reduction, log_target=log_target)(TF.log_softmax(x, 1), t)

    target = uniform(4, 5, low=0.05, high=1.0)
    if log_target:
        target = np.log(target)
    check_loss(ours, theirs, [randn(4, 5), target], grad_of=(0, 1))
    if not log_target:  # y log y is taken as 0 at y = 0 (torch's target gradient is NaN there)
        target[0, 0] = 0.0
        check_loss(ours, theirs, [randn(4, 5), target], grad_of=(0,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("var_shape", [(5, 3), (5,), (5, 1)])
@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll_loss(reduction, var_shape, full):
    var = uniform(*var_shape, low=0.1, high=2.0)
    var.reshape(-1)[0] = 1e-8  # below eps: clamped in the forward, gradient passes through
    check_loss(
        lambda m, y, v: nn.GaussianNLLLoss(full=full, reduction=reduction)(m, y, v),
        lambda m, y, v: tnn.GaussianNLLLoss(full=full, reduction=reduction)(m, y, v),
        [randn(5, 3), randn(5, 3), var],
        grad_of=(0, 1, 2),
    )


# ----------------------------------------------------------------------------- init
@pytest.mark.parametrize(
    "name", ["linear", "sigmoid", "tanh", "relu", "leaky_relu", "selu", "conv2d"]
)
def test_calculate_gain(name):
    assert nn.init.calculate_gain(name) == pytest.approx(tnn.init.calculate_gain(name))
    assert nn.init.calculate_gain("leaky_relu", 0.2) == pytest.approx(
        tnn.init.calculate_gain("leaky_relu", 0.2)
    )


@pytest.mark.parametrize("shape", [(3, 4), (6, 2, 3, 3), (5, 7, 2)])
def test_fan_in_and_fan_out(shape):
    assert nn.init._calculate_fan_in_and_fan_out(
        ae.zeros(shape)
    ) == tnn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))


def sample_stats(fill, shape):
    return float(np.mean(fill)), float(np.std(fill)), float(np.max(np.abs(fill)))


INITS = [
    ("xavier_uniform_", {}),
    ("xavier_uniform_", {"gain": 2.0}),
    ("xavier_normal_", {"gain": 0.5}),
    ("kaiming_uniform_", {}),
    ("kaiming_uniform_", {"a": math.sqrt(5)}),
    ("kaiming_uniform_", {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_normal_", {}),
    ("kaiming_normal_", {"a": 0.1, "mode": "fan_out", "nonlinearity": "leaky_relu"}),
    ("uniform_", {"a": -2.0, "b": 3.0}),
    ("normal_", {"mean": 1.0, "std": 0.3}),
]


@pytest.mark.parametrize(("name", "kwargs"), INITS, ids=lambda v: str(v))
def test_init_statistics_match_torch(name, kwargs):
    shape = (300, 400)
    ours = getattr(nn.init, name)(ae.zeros(shape), **kwargs).numpy()
    theirs = getattr(tnn.init, name)(torch.zeros(shape), **kwargs).numpy()
    mean, std, peak = sample_stats(ours, shape)
    t_mean, t_std, t_peak = sample_stats(theirs, shape)
    assert abs(mean - t_mean) < 0.02 * t_std + 1e-3
    assert std == pytest.approx(t_std, rel=0.02)
    if "uniform" in name:
        assert peak == pytest.approx(t_peak, rel=0.01)


def test_constant_inits():
    t = ae.randn(3, 2, requires_grad=True)
    assert nn.init.constant_(t, 0.5) is t and np.all(t.numpy() == 0.5)
    assert np.all(nn.init.zeros_(t).numpy() == 0) and np.all(nn.init.ones_(t).numpy() == 1)
    assert t.requires_grad and t.grad_fn is None


@pytest.mark.parametrize(("fan_in", "fan_out"), [(512, 256), (3, 1000)])
def test_default_linear_init_matches_torch_bounds(fan_in, fan_out):
    bound = 1 / math.sqrt(fan_in)
    ours, theirs = nn.Linear(fan_in, fan_out), tnn.Linear(fan_in, fan_out)
    for ours_p, theirs_p in ((ours.weight, theirs.weight), (ours.bias, theirs.bias)):
        a, b = ours_p.numpy(), theirs_p.detach().numpy()
        assert np.abs(a).max() <= bound and np.abs(b).max() <= bound
        assert np.abs(a).max() > 0.95 * bound
        if a.size > 1000:
            assert a.std() == pytest.approx(b.std(), rel=0.03)
            assert a.std() == pytest.approx(bound / math.sqrt(3), rel=0.03)


def test_inits_follow_the_engine_seed():
    ae.manual_seed(11)
    a = nn.Linear(4, 3).weight.numpy().copy()
    ae.manual_seed(11)
    np.testing.assert_array_equal(a, nn.Linear(4, 3).weight.numpy())
    g = np.random.default_rng(0)
    x = nn.init.normal_(ae.zeros(3), generator=g).numpy()
    np.testing.assert_array_equal(x, np.random.default_rng(0).normal(0, 1, 3).astype(np.float32))
    with pytest.raises(ValueError):
        nn.init.xavier_uniform_(ae.zeros(3))
    with pytest.raises(ValueError):
        nn.init.kaiming_normal_(ae.zeros(3, 3), mode="fan")
    with pytest.raises(ValueError):
        nn.init.calculate_gain("swish")


# ----------------------------------------------------------------------------- utils
def twin_params(shapes):
    ours, theirs = [], []
    for shape in shapes:
        data, grad = RNG.standard_normal(shape), RNG.standard_normal(shape) * 3
        p = nn.Parameter(ae.tensor(data, dtype=ae.float64))
        p.grad = grad.copy()
        tp = torch.nn.Parameter(torch.from_numpy(data.copy()))
        tp.grad = torch.from_numpy(grad.copy())
        ours.append(p)
        theirs.append(tp)
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm(norm_type, max_norm):
    ours, theirs = twin_params([(3, 4), (4,), (2, 2, 2)])
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    t_total = tnn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert total.item() == pytest.approx(t_total.item(), rel=1e-12)
    for p, tp in zip(ours, theirs):
        assert_close(p.grad, tp.grad)


def test_clip_grad_value_and_vector_round_trip():
    ours, theirs = twin_params([(3, 4), (5,)])
    nn.utils.clip_grad_value_(ours, 0.7)
    tnn.utils.clip_grad_value_(theirs, 0.7)
    for p, tp in zip(ours, theirs):
        assert_close(p.grad, tp.grad)
    vec = nn.utils.parameters_to_vector(ours)
    assert_close(vec, tnn.utils.parameters_to_vector(theirs))
    new = RNG.standard_normal(vec.shape)
    nn.utils.vector_to_parameters(ae.tensor(new, dtype=ae.float64), ours)
    tnn.utils.vector_to_parameters(torch.from_numpy(new), theirs)
    for p, tp in zip(ours, theirs):
        assert_close(p, tp)
