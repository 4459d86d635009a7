"""Module hooks (forward pre-hooks, forward hooks, full backward hooks) and the tree
traversals, with torch's call order and replacement rules; nn.init's torch names."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as ae
import nn

torch = pytest.importorskip("torch")


def _pair_models():
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()
    m = nn.Sequential(
        nn.Linear(3, 4, dtype=ae.float64), nn.Tanh(), nn.Linear(4, 2, dtype=ae.float64)
    )
    m.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    return m, tm


def _record(model, log, lib_name):
    handles = []
    for name, module in model.named_modules():
        handles.append(
            module.register_forward_pre_hook(lambda mod, args, n=name: log.append(("pre", n)))
        )
        handles.append(
            module.register_forward_hook(lambda mod, args, out, n=name: log.append(("post", n)))
        )
    return handles


def test_forward_hook_order_matches_torch():
    m, tm = _pair_models()
    ours, theirs = [], []
    handles = _record(m, ours, "ae")
    _record(tm, theirs, "torch")
    m(ae.ones(2, 3, dtype=ae.float64))
    tm(torch.ones(2, 3, dtype=torch.float64))
    assert ours == theirs
    for h in handles:
        h.remove()
    ours.clear()
    m(ae.ones(2, 3, dtype=ae.float64))
    assert ours == []


def test_hooks_replace_inputs_and_outputs():
    m, tm = _pair_models()
    x = np.arange(6.0).reshape(2, 3)
    results = []
    for model, lib in ((m, ae), (tm, torch)):
        first = model[0]
        first.register_forward_pre_hook(lambda mod, args: args[0] * 2)  # single value: wrapped
        first.register_forward_pre_hook(lambda mod, args: (args[0] + 1,))
        first.register_forward_hook(lambda mod, args, out: out - args[0].sum())
        first.register_forward_hook(lambda mod, args, out: None)  # None keeps the output
        first.register_forward_hook(lambda mod, args, out: out * 10, prepend=True)
        t = ae.tensor(x, dtype=ae.float64) if lib is ae else torch.tensor(x)
        results.append(model(t).detach().numpy())
    np.testing.assert_allclose(*results, rtol=1e-12)


def test_hooks_with_kwargs():
    lin = nn.Linear(2, 2)
    seen = []

    def pre(mod, args, kwargs):
        seen.append(kwargs)
        return (args[0] * 0,), kwargs

    lin.register_forward_pre_hook(pre, with_kwargs=True)
    h = lin.register_forward_hook(lambda mod, args, kwargs, out: out + 1, with_kwargs=True)
    out = lin(ae.ones(1, 2))
    np.testing.assert_allclose(out.numpy(), lin.bias.numpy()[None] + 1, rtol=1e-6)
    assert seen == [{}]
    with h:
        pass
    assert (
        not lin._forward_hooks and not lin._hooks_with_kwargs.keys() - lin._forward_pre_hooks.keys()
    )


def test_full_backward_hook_matches_torch_and_can_replace_grad_input():
    m, tm = _pair_models()
    x = np.random.default_rng(0).normal(size=(5, 3))
    logs = []
    for model, lib in ((m, ae), (tm, torch)):
        log = []
        for i in (0, 2):
            model[i].register_full_backward_hook(
                lambda mod, gin, gout, log=log: log.append(
                    [None if g is None else g.detach().numpy().copy() for g in (*gin, *gout)]
                )
            )
        model[1].register_full_backward_hook(lambda mod, gin, gout: (gin[0] * 3,))
        t = (
            ae.tensor(x, dtype=ae.float64, requires_grad=True)
            if lib is ae
            else torch.tensor(x, requires_grad=True)
        )
        (model(t) ** 2).sum().backward()
        log.append([t.grad.numpy().copy()])
        logs.append(log)
    ours, theirs = logs
    assert len(ours) == len(theirs) == 3
    for a, b in zip(ours, theirs):
        for u, v in zip(a, b):
            np.testing.assert_allclose(u, v, rtol=1e-10)


def test_full_backward_hook_on_first_layer_without_input_grad():
    m, _ = _pair_models()
    calls = []
    h = m[0].register_full_backward_hook(lambda mod, gin, gout: calls.append((gin, gout[0].shape)))
    m(ae.ones(2, 3, dtype=ae.float64)).sum().backward()
    assert calls == [((None,), (2, 4))]
    h.remove()
    m(ae.ones(2, 3, dtype=ae.float64)).sum().backward()
    assert len(calls) == 1


def test_module_tree_api_matches_torch():
    m, tm = _pair_models()
    block = nn.Sequential(m, nn.ReLU())
    tblock = torch.nn.Sequential(tm, torch.nn.ReLU())
    assert [n for n, _ in block.named_modules()] == [n for n, _ in tblock.named_modules()]
    assert [n for n, _ in block.named_children()] == [n for n, _ in tblock.named_children()]
    assert len(list(block.modules())) == len(list(tblock.modules()))
    assert len(list(block.children())) == 2
    order, torder = [], []
    block.apply(lambda mod: order.append(type(mod).__name__))
    tblock.apply(lambda mod: torder.append(type(mod).__name__))
    assert order == torder
    m.register_buffer("scale", ae.ones(2), persistent=False)
    m.register_buffer("shift", ae.zeros(2))
    assert "scale" not in m.state_dict() and "shift" in m.state_dict()
    assert {n for n, _ in m.named_buffers()} == {"scale", "shift"}


# ------------------------------------------------------------------ nn.init
@pytest.mark.parametrize("shape, gain", [((4, 6), 1.0), ((6, 4), 2.0), ((3, 2, 2, 2), 0.5)])
def test_orthogonal_(shape, gain):
    t = ae.zeros(*shape, dtype=ae.float64)
    assert nn.init.orthogonal_(t, gain=gain, generator=np.random.default_rng(0)) is t
    flat = t.numpy().reshape(shape[0], -1)
    small = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
    np.testing.assert_allclose(small, gain**2 * np.eye(len(small)), atol=1e-12)
    with pytest.raises(ValueError, match="2 or more"):
        nn.init.orthogonal_(ae.zeros(3))


def test_trunc_normal_():
    t = ae.zeros(200, 100, dtype=ae.float64)
    nn.init.trunc_normal_(t, mean=1.0, std=2.0, a=0.0, b=3.0, generator=np.random.default_rng(1))
    values = t.numpy()
    assert values.min() >= 0.0 and values.max() <= 3.0
    ref = torch.empty(200, 100, dtype=torch.float64)
    torch.manual_seed(0)
    torch.nn.init.trunc_normal_(ref, mean=1.0, std=2.0, a=0.0, b=3.0)
    assert abs(values.mean() - ref.mean().item()) < 0.03
    assert abs(values.std() - ref.std().item()) < 0.03


def test_init_functions_on_plain_tensors_and_parameters():
    for make in (lambda: ae.zeros(3, 4), lambda: nn.Parameter(ae.zeros(3, 4))):
        t = make()
        for fill in (
            lambda t: nn.init.constant_(t, 0.5),
            nn.init.zeros_,
            nn.init.ones_,
            lambda t: nn.init.normal_(t, 0.0, 0.02),
            lambda t: nn.init.uniform_(t, -1, 1),
            nn.init.xavier_uniform_,
            nn.init.xavier_normal_,
            nn.init.kaiming_uniform_,
            lambda t: nn.init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"),
            nn.init.orthogonal_,
            nn.init.trunc_normal_,
            nn.init.eye_,
        ):
            assert fill(t) is t
            assert t.is_leaf and t.grad_fn is None
    np.testing.assert_array_equal(nn.init.eye_(ae.zeros(2, 3)).numpy(), np.eye(2, 3))
    p = nn.Parameter(ae.zeros(2, 2))
    nn.init.constant_(p.data, 3.0)  # PyTorch code often writes to .data
    np.testing.assert_array_equal(p.numpy(), 3.0)
