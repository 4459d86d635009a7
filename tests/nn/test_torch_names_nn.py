"""The nn names PyTorch code uses (activations, losses, padding, resampling, attention, the
transformer encoder layer), against torch on the same float64 weights and inputs: forward
values and gradients with respect to inputs and parameters."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as ae
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RTOL, ATOL = 1e-10, 1e-12


def _leaves(*arrays):
    ours = [ae.tensor(a, dtype=ae.float64, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    return ours, theirs


def _check(fn, tfn, *arrays, seed=0):
    """fn(*engine leaves) and tfn(*torch leaves): equal values and equal gradients for a
    random upstream gradient."""
    ours, theirs = _leaves(*arrays)
    out, tout = fn(*ours), tfn(*theirs)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=RTOL, atol=ATOL)
    g = np.random.default_rng(seed).normal(size=tout.shape)
    (out * ae.tensor(g, dtype=ae.float64)).sum().backward()
    (tout * torch.tensor(g)).sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-11)


RNG = np.random.default_rng(42)


def _x(*shape):
    return RNG.normal(size=shape) * 2


# ------------------------------------------------------------------ activations
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu(approximate):
    x = _x(3, 7)
    _check(
        lambda t: F.gelu(t, approximate=approximate),
        lambda t: TF.gelu(t, approximate=approximate),
        x,
    )
    _check(nn.GELU(approximate), torch.nn.GELU(approximate), x)
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("erf")


def test_silu():
    x = _x(2, 3, 4)
    _check(F.silu, TF.silu, x)
    _check(nn.SiLU(), torch.nn.SiLU(), x)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_modules_and_functions_take_dim(dim):
    x = _x(2, 3, 4)
    _check(nn.Softmax(dim=dim), torch.nn.Softmax(dim=dim), x)
    _check(nn.LogSoftmax(dim=dim), torch.nn.LogSoftmax(dim=dim), x)
    _check(lambda t: F.softmax(t, dim=dim), lambda t: TF.softmax(t, dim=dim), x)
    _check(lambda t: F.log_softmax(t, dim=dim), lambda t: TF.log_softmax(t, dim=dim), x)


def test_identity_and_unflatten():
    x = _x(2, 12, 3)
    _check(nn.Identity(54, unused=1), torch.nn.Identity(54, unused=1), x)
    _check(nn.Unflatten(1, (3, 4)), torch.nn.Unflatten(1, (3, 4)), x)
    _check(nn.Unflatten(-2, (2, -1)), torch.nn.Unflatten(-2, (2, -1)), x)
    with pytest.raises(ae.ShapeError, match="Unflatten"):
        nn.Unflatten(1, (5, 5))(ae.tensor(x))


# ------------------------------------------------------------------ vectors
@pytest.mark.parametrize("p, dim", [(2.0, 1), (1.0, -1), (3.0, 0)])
def test_normalize(p, dim):
    x = _x(4, 5)
    x[1] = 0.0  # a zero row stays zero, with finite gradients
    _check(lambda t: F.normalize(t, p=p, dim=dim), lambda t: TF.normalize(t, p=p, dim=dim), x)


def test_cosine_similarity_broadcasts():
    a, b = _x(4, 5), _x(1, 5)
    _check(F.cosine_similarity, TF.cosine_similarity, a, b)
    _check(
        lambda s, t: F.cosine_similarity(s, t, dim=0, eps=1e-3),
        lambda s, t: TF.cosine_similarity(s, t, dim=0, eps=1e-3),
        a * 1e-4,
        b,
    )


def test_one_hot():
    labels = np.array([[0, 3], [2, 1]])
    ours = F.one_hot(ae.tensor(labels))
    theirs = TF.one_hot(torch.tensor(labels))
    assert ours.dtype == np.int64 and ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    np.testing.assert_array_equal(
        F.one_hot(ae.tensor(labels), num_classes=6).numpy(), TF.one_hot(torch.tensor(labels), 6)
    )
    with pytest.raises(IndexError, match="class values"):
        F.one_hot(ae.tensor(labels), num_classes=3)
    with pytest.raises(TypeError, match="integer"):
        F.one_hot(ae.tensor([0.0, 1.0]))


# ------------------------------------------------------------------ losses
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("beta", [1.0, 0.5, 0.0])
def test_smooth_l1_and_huber(reduction, beta):
    x, y = _x(3, 4), _x(3, 4)
    _check(
        lambda s, t: F.smooth_l1_loss(s, t, reduction=reduction, beta=beta),
        lambda s, t: TF.smooth_l1_loss(s, t, reduction=reduction, beta=beta),
        x,
        y,
    )
    _check(
        nn.SmoothL1Loss(reduction=reduction, beta=beta),
        torch.nn.SmoothL1Loss(reduction=reduction, beta=beta),
        x,
        y,
    )
    if beta:
        _check(
            lambda s, t: F.huber_loss(s, t, reduction=reduction, delta=beta * 2),
            lambda s, t: TF.huber_loss(s, t, reduction=reduction, delta=beta * 2),
            x,
            y,
        )
        _check(nn.HuberLoss(reduction, beta), torch.nn.HuberLoss(reduction, beta), x, y)


# ------------------------------------------------------------------ padding and resampling
@pytest.mark.parametrize(
    "widths, value",
    [((1, 2), 0.0), ((0, 1, 2, 3), -1.5), ((1, 1, -1, 2, 0, 1), 0.0), ((-1, -2),) * 1 + (2.0,)],
)
def test_pad_constant(widths, value):
    x = _x(2, 3, 4, 5)
    _check(lambda t: F.pad(t, widths, value=value), lambda t: TF.pad(t, widths, value=value), x)


def test_pad_errors():
    x = ae.tensor(_x(2, 3))
    with pytest.raises(ValueError, match="even"):
        F.pad(x, (1, 2, 3))
    with pytest.raises(NotImplementedError, match="circular"):
        F.pad(x, (1, 1), mode="circular")
    with pytest.raises(ValueError, match="smaller"):
        F.pad(x, (3, 1), mode="reflect")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"scale_factor": 2},
        {"scale_factor": 1.7},
        {"size": (5, 3)},
        {"size": 7},
        {"scale_factor": (0.5, 3)},
    ],
)
@pytest.mark.parametrize(
    "mode, align_corners", [("nearest", None), ("bilinear", False), ("bilinear", True)]
)
def test_interpolate_2d(kwargs, mode, align_corners):
    x = _x(2, 3, 4, 6)
    _check(
        lambda t: F.interpolate(t, mode=mode, align_corners=align_corners, **kwargs),
        lambda t: TF.interpolate(t, mode=mode, align_corners=align_corners, **kwargs),
        x,
    )


@pytest.mark.parametrize("kwargs", [{"scale_factor": 3}, {"size": 4}, {"scale_factor": 2.5}])
@pytest.mark.parametrize(
    "mode, align_corners", [("nearest", None), ("linear", False), ("linear", True)]
)
def test_interpolate_1d_and_upsample(kwargs, mode, align_corners):
    x = _x(2, 3, 7)
    _check(
        nn.Upsample(mode=mode, align_corners=align_corners, **kwargs),
        torch.nn.Upsample(mode=mode, align_corners=align_corners, **kwargs),
        x,
    )


def test_interpolate_errors():
    x = ae.tensor(_x(1, 1, 4))
    with pytest.raises(ae.ShapeError, match="bilinear"):
        F.interpolate(x, scale_factor=2, mode="bilinear")
    with pytest.raises(ValueError, match="exactly one"):
        F.interpolate(x)
    with pytest.raises(NotImplementedError, match="bicubic"):
        F.interpolate(x, scale_factor=2, mode="bicubic")


# ------------------------------------------------------------------ attention
def _load_from_torch(module, tmodule):
    """Copy torch's parameters (and buffers) into ours, by state-dict key."""
    state = {k: v.detach().numpy().astype(np.float64) for k, v in tmodule.state_dict().items()}
    assert list(module.state_dict()) == list(state)
    module.load_state_dict(state)


def _module_grads_match(module, tmodule):
    ours = dict(module.named_parameters())
    for name, tp in tmodule.named_parameters():
        np.testing.assert_allclose(ours[name].grad.numpy(), tp.grad.numpy(), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("average", [True, False])
def test_multihead_attention_self(batch_first, average):
    torch.manual_seed(0)
    E, H, L, N = 8, 2, 5, 3
    tm = torch.nn.MultiheadAttention(E, H, batch_first=batch_first, dtype=torch.float64)
    m = nn.MultiheadAttention(E, H, batch_first=batch_first, dtype=ae.float64)
    _load_from_torch(m, tm)
    shape = (N, L, E) if batch_first else (L, N, E)
    x = _x(*shape)
    padding = np.zeros((N, L), bool)
    padding[0, -2:] = True
    causal = np.triu(np.ones((L, L), bool), 1)
    ours, theirs = _leaves(x)
    out, w = m(*ours * 3, key_padding_mask=padding, attn_mask=causal, average_attn_weights=average)
    tout, tw = tm(
        *theirs * 3,
        key_padding_mask=torch.tensor(padding),
        attn_mask=torch.tensor(causal),
        average_attn_weights=average,
    )
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(w.numpy(), tw.detach().numpy(), rtol=RTOL, atol=ATOL)
    g = RNG.normal(size=tout.shape)
    (out * ae.tensor(g, dtype=ae.float64)).sum().backward()
    (tout * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(ours[0].grad.numpy(), theirs[0].grad.numpy(), rtol=1e-9, atol=1e-11)
    _module_grads_match(m, tm)


def test_multihead_attention_cross_kdim_float_mask_unbatched():
    torch.manual_seed(1)
    E, H, L, S = 6, 3, 4, 5
    tm = torch.nn.MultiheadAttention(E, H, kdim=4, vdim=7, dtype=torch.float64)
    m = nn.MultiheadAttention(E, H, kdim=4, vdim=7, dtype=ae.float64)
    _load_from_torch(m, tm)
    mask = RNG.normal(size=(L, S))
    _check(
        lambda q, k, v: m(q, k, v, attn_mask=mask)[0],
        lambda q, k, v: tm(q, k, v, attn_mask=torch.tensor(mask))[0],
        _x(L, E),
        _x(S, 4),
        _x(S, 7),
    )
    out, w = m(*_leaves(_x(L, 2, E), _x(S, 2, 4), _x(S, 2, 7))[0], need_weights=False)
    assert w is None and out.shape == (L, 2, E)


def test_multihead_attention_init_and_errors():
    m = nn.MultiheadAttention(8, 4)
    names = [n for n, _ in m.named_parameters()]
    assert names == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    assert not m.in_proj_bias.numpy().any() and not m.out_proj.bias.numpy().any()
    bound = np.sqrt(6 / (8 + 24))
    assert np.abs(m.in_proj_weight.numpy()).max() <= bound
    with pytest.raises(ValueError, match="multiple"):
        nn.MultiheadAttention(10, 4)


def test_scaled_dot_product_attention():
    q, k, v = _x(2, 3, 4, 5), _x(2, 3, 6, 5), _x(2, 3, 6, 2)
    _check(F.scaled_dot_product_attention, TF.scaled_dot_product_attention, q, k, v)
    allowed = RNG.random((4, 6)) > 0.3
    allowed[:, 0] = True
    _check(
        lambda *t: F.scaled_dot_product_attention(*t, attn_mask=allowed, scale=0.3),
        lambda *t: TF.scaled_dot_product_attention(*t, attn_mask=torch.tensor(allowed), scale=0.3),
        q,
        k,
        v,
    )
    _check(
        lambda *t: F.scaled_dot_product_attention(*t, is_causal=True),
        lambda *t: TF.scaled_dot_product_attention(*t, is_causal=True),
        q,
        k,
        v,
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"activation": "gelu", "norm_first": True},
        {"batch_first": True, "activation": TF.gelu},
    ],
)
def test_transformer_encoder_layer(kwargs):
    torch.manual_seed(2)
    d, h, ff, L, N = 8, 2, 16, 5, 3
    tkwargs = dict(kwargs)
    if "activation" in kwargs and callable(kwargs["activation"]):
        kwargs = {**kwargs, "activation": F.gelu}
    tl = torch.nn.TransformerEncoderLayer(d, h, ff, dropout=0.0, dtype=torch.float64, **tkwargs)
    layer = nn.TransformerEncoderLayer(d, h, ff, dropout=0.0, dtype=ae.float64, **kwargs)
    _load_from_torch(layer, tl)
    padding = np.zeros((N, L), bool)
    padding[1, -1] = True
    _check(
        lambda x: layer(x, src_key_padding_mask=padding),
        lambda x: tl(x, src_key_padding_mask=torch.tensor(padding)),
        _x(N, L, d) if kwargs.get("batch_first") else _x(L, N, d),
    )
    _module_grads_match(layer, tl)


def test_transformer_encoder_layer_defaults_and_stack():
    layer = nn.TransformerEncoderLayer(d_model=8, nhead=2)
    assert layer.linear1.weight.shape == (2048, 8) and layer.dropout.p == 0.1
    tl = torch.nn.TransformerEncoderLayer(8, 2)
    assert list(layer.state_dict()) == list(tl.state_dict())
    stack = nn.TransformerEncoder(layer, num_layers=2, norm=nn.LayerNorm(8))
    tstack = torch.nn.TransformerEncoder(tl, num_layers=2, norm=torch.nn.LayerNorm(8))
    assert list(stack.state_dict()) == list(tstack.state_dict())
    stack.eval()
    x = ae.tensor(_x(5, 2, 8).astype(np.float32))
    assert stack(x, mask=np.triu(np.ones((5, 5), bool), 1)).shape == (5, 2, 8)
