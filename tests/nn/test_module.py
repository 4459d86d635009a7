"""Module mechanics: registration, traversal, modes, state dicts, conversion, printing."""

import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import autograd_engine as ae
import nn
import nn.functional as F


class MLP(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(2, 4)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(4, 3)
        self.register_buffer("steps", ae.zeros(1))

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


# ----------------------------------------------------------------------------- Parameter
def test_parameter_is_a_leaf_tensor_requiring_grad():
    p = nn.Parameter(ae.randn(2, 3))
    assert isinstance(p, ae.Tensor)
    assert p.requires_grad and p.is_leaf
    assert type(p * 2) is ae.Tensor
    assert not hasattr(p, "__dict__")
    assert repr(p).startswith("Parameter containing:\ntensor(")


def test_parameter_shares_tensor_memory_and_keeps_array_dtype():
    t = ae.randn(3)
    assert nn.Parameter(t).numpy() is t.numpy()
    assert nn.Parameter(np.zeros(3)).dtype == np.float64
    assert not nn.Parameter(ae.zeros(2), requires_grad=False).requires_grad


def test_parameter_survives_deepcopy_and_pickle():
    p = nn.Parameter(ae.randn(2))
    for q in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert type(q) is nn.Parameter and q.requires_grad
        np.testing.assert_array_equal(q.numpy(), p.numpy())
        assert q.numpy() is not p.numpy()


# ----------------------------------------------------------------------------- registration
def test_attribute_assignment_registers_parameters_modules_and_buffers():
    m = MLP()
    assert list(dict(m.named_parameters())) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert [name for name, _ in m.named_children()] == ["fc1", "act", "fc2"]
    assert [name for name, _ in m.named_modules()] == ["", "fc1", "act", "fc2"]
    assert list(dict(m.named_buffers())) == ["steps"]
    assert len(list(m.parameters())) == 4 and len(list(m.buffers())) == 1
    assert len(list(m.children())) == 3 and len(list(m.modules())) == 4
    assert m.num_parameters() == 2 * 4 + 4 + 4 * 3 + 3
    assert "fc1" in dir(m) and "steps" in dir(m)


def test_shared_parameters_and_modules_are_listed_once():
    m = nn.Module()
    layer = nn.Linear(3, 3)
    m.a = layer
    m.b = layer
    assert list(dict(m.named_parameters())) == ["a.weight", "a.bias"]
    assert len(list(m.modules())) == 2
    assert len(list(m.named_parameters(remove_duplicate=False))) == 4


def test_reassignment_and_deletion_update_the_registries():
    m = MLP()
    m.fc1 = None
    assert m.fc1 is None and "fc1.weight" not in dict(m.named_parameters())
    m.fc1 = nn.Linear(2, 4)
    with pytest.raises(TypeError, match="parameter"):
        m.fc1.weight = ae.zeros(4, 2)
    m.fc1.weight = nn.Parameter(ae.zeros(4, 2))
    assert np.all(m.fc1.weight.numpy() == 0)
    del m.fc2
    assert "fc2" not in dict(m.named_children())
    with pytest.raises(AttributeError):
        m.fc2
    m.steps = ae.ones(1)
    assert dict(m.named_buffers())["steps"].item() == 1.0
    with pytest.raises(TypeError, match="buffer"):
        m.steps = 3.0
    m.plain = 5
    assert m.plain == 5 and "plain" not in dict(m.named_children())


def test_registration_helpers_validate_names_and_types():
    m = nn.Module()
    m.register_parameter("w", nn.Parameter(ae.ones(2)))
    m.add_module("sub", nn.Identity())
    m.register_buffer("b", ae.zeros(2), persistent=False)
    assert list(m.state_dict()) == ["w"]
    with pytest.raises(KeyError):
        m.register_parameter("a.b", None)
    with pytest.raises(TypeError):
        m.register_parameter("t", ae.ones(2))
    with pytest.raises(TypeError):
        m.add_module("x", 3)
    assert m.get_submodule("sub") is m.sub and m.get_submodule("") is m


def test_assigning_before_super_init_is_a_clear_error():
    class Broken(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(ae.ones(1))

    with pytest.raises(AttributeError, match="super"):
        Broken()


def test_forward_must_be_defined():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(ae.ones(1))


# ----------------------------------------------------------------------------- modes and updates
def test_train_eval_propagate_and_return_self():
    m = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    assert m.training and m[1].training
    assert m.eval() is m
    assert not m.training and not m[1].training
    m.train()
    assert all(mod.training for mod in m.modules())


def test_zero_grad_to_none_or_zeros():
    m = MLP()
    m(ae.randn(5, 2)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.numpy() == 0) for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_requires_grad_and_apply():
    m = MLP()
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    visited = []
    assert m.apply(lambda mod: visited.append(type(mod).__name__)) is m
    assert visited == ["Linear", "ReLU", "Linear", "MLP"]
    m.apply(lambda mod: nn.init.zeros_(mod.weight) if isinstance(mod, nn.Linear) else None)
    assert np.all(m.fc1.weight.numpy() == 0)


def test_to_converts_parameters_grads_and_float_buffers_in_place():
    m = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    m(ae.randn(4, 2)).sum().backward()
    weight = m[0].weight
    assert m.double() is m
    assert m[0].weight is weight and weight.dtype == np.float64
    assert weight.grad.dtype == np.float64
    assert m[1].running_mean.dtype == np.float64
    assert m[1].num_batches_tracked.dtype == np.int64
    m.float()
    assert m[0].weight.dtype == np.float32
    assert m.to("cpu") is m
    with pytest.raises(TypeError):
        m.to(ae.int64)


def test_call_wraps_forward_in_a_scope_named_after_the_attribute():
    m = MLP()
    out = m(ae.randn(2, 2))
    assert out.grad_fn.scope == ("MLP", "fc2: Linear")
    seq = nn.Sequential(nn.Linear(2, 2))
    assert seq(ae.randn(1, 2)).grad_fn.scope == ("Sequential", "0: Linear")


# ----------------------------------------------------------------------------- state dicts
def test_state_dict_is_ordered_and_copied():
    m = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    sd = m.state_dict()
    assert list(sd) == [
        "0.weight",
        "0.bias",
        "1.weight",
        "1.bias",
        "1.running_mean",
        "1.running_var",
        "1.num_batches_tracked",
    ]
    assert isinstance(sd["0.weight"], ae.Tensor) and not sd["0.weight"].requires_grad
    with ae.no_grad():
        m[0].weight.fill_(7.0)
    assert not np.any(sd["0.weight"].numpy() == 7.0)
    assert m.state_dict(keep_vars=True)["0.weight"] is m[0].weight


def test_state_dict_round_trip_restores_outputs():
    a, b = MLP(), MLP()
    x = ae.randn(4, 2)
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(a(x).numpy(), b(x).numpy())
    arrays = {k: v.numpy() for k, v in a.state_dict().items()}
    MLP().load_state_dict(arrays)


def test_load_state_dict_through_a_checkpoint_file(tmp_path):
    a, b = MLP(), MLP()
    nn.save(a.state_dict(), tmp_path / "m.npz")
    b.load_state_dict(nn.load(tmp_path / "m.npz"))
    np.testing.assert_array_equal(a.fc1.weight.numpy(), b.fc1.weight.numpy())


def test_strict_load_names_every_problem():
    m = MLP()
    sd = m.state_dict()
    del sd["fc1.bias"]
    sd["extra.weight"] = ae.zeros(1)
    sd["fc2.weight"] = ae.zeros(5, 5)
    with pytest.raises(nn.StateDictError) as info:
        m.load_state_dict(sd)
    message = str(info.value)
    for part in ("fc1.bias", "extra.weight", "fc2.weight", "(5, 5)", "(3, 4)"):
        assert part in message
    assert isinstance(info.value, ValueError) and isinstance(info.value, ae.AutogradError)


def test_non_strict_load_reports_keys_but_still_rejects_shapes():
    m = MLP()
    sd = m.state_dict()
    del sd["fc1.bias"]
    sd["extra"] = ae.zeros(1)
    result = m.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["fc1.bias"] and result.unexpected_keys == ["extra"]
    sd["fc2.bias"] = ae.zeros(7)
    with pytest.raises(nn.StateDictError, match=r"fc2\.bias"):
        m.load_state_dict(sd, strict=False)


def test_deepcopy_gives_an_independent_module():
    m = MLP()
    c = copy.deepcopy(m)
    with ae.no_grad():
        c.fc1.weight.fill_(0.0)
    assert not np.all(m.fc1.weight.numpy() == 0)
    assert list(dict(c.named_parameters())) == list(dict(m.named_parameters()))


# ----------------------------------------------------------------------------- printing
def test_repr_shows_the_tree_and_parameter_counts():
    m = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Linear(3, 1, bias=False)))
    assert repr(m) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)  # 9 params\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Linear(in_features=3, out_features=1, bias=False)  # 3 params\n"
        "  )  # 3 params\n"
        ")  # 12 params"
    )
    assert repr(nn.Linear(2, 2)) == "Linear(in_features=2, out_features=2, bias=True)"
    assert repr(nn.BatchNorm1d(4)) == (
        "BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"
    )


# ----------------------------------------------------------------------------- containers
def test_sequential_indexing_slicing_and_growth():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
    seq = nn.Sequential(*layers)
    assert len(seq) == 3 and list(seq) == layers
    assert seq[0] is layers[0] and seq[-1] is layers[2]
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and list(head) == layers[:2]
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and isinstance(seq[3], nn.Sigmoid)
    seq[1] = nn.Tanh()
    assert isinstance(seq[1], nn.Tanh)
    del seq[1]
    assert [name for name, _ in seq.named_children()] == ["0", "1", "2"]
    with pytest.raises(IndexError):
        seq[10]
    x = ae.randn(4, 2)
    np.testing.assert_allclose(seq(x).numpy(), seq[2](seq[1](seq[0](x))).numpy())


def test_sequential_from_ordered_dict_keeps_names():
    seq = nn.Sequential(OrderedDict([("enc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert list(dict(seq.named_parameters())) == ["enc.weight", "enc.bias"]
    assert seq.enc is seq[0]


def test_module_list():
    ml = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
    assert len(ml) == 3 and len(list(ml.parameters())) == 6
    ml.append(nn.ReLU())
    ml.insert(0, nn.Tanh())
    ml += [nn.Identity()]
    assert [type(m).__name__ for m in ml] == [
        "Tanh",
        "Linear",
        "Linear",
        "Linear",
        "ReLU",
        "Identity",
    ]
    del ml[0]
    assert [name for name, _ in ml.named_children()] == ["0", "1", "2", "3", "4"]
    assert isinstance(ml[1:3], nn.ModuleList) and len(ml[1:3]) == 2
    ml[0] = nn.Sigmoid()
    assert isinstance(ml[0], nn.Sigmoid)


def test_module_dict():
    md = nn.ModuleDict({"a": nn.Linear(1, 2), "b": nn.ReLU()})
    md["c"] = nn.Tanh()
    assert list(md) == ["a", "b", "c"] and "a" in md and len(md) == 3
    assert list(dict(md.named_parameters())) == ["a.weight", "a.bias"]
    assert isinstance(md.pop("b"), nn.ReLU) and list(md.keys()) == ["a", "c"]
    md.update([("d", nn.Identity())])
    assert [k for k, _ in md.items()] == ["a", "c", "d"] and len(list(md.values())) == 3
    md.clear()
    assert len(md) == 0


def test_training_loop_reduces_the_loss():
    ae.manual_seed(0)
    x = ae.randn(64, 2)
    y = ae.tensor((x.numpy()[:, 0] * x.numpy()[:, 1] > 0).astype(np.int64))
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    first = None
    for _ in range(200):
        loss = F.cross_entropy(model(x), y)
        first = first if first is not None else loss.item()
        model.zero_grad()
        loss.backward()
        with ae.no_grad():
            for p in model.parameters():
                p -= 0.5 * p.grad
    assert loss.item() < 0.5 * first


def test_removing_every_hook_restores_the_plain_call():
    """A removed hook is never called again, and once a module's registries are empty its
    calls go back to the path without hook handling."""
    layer = nn.Linear(3, 2)
    seen = []
    handle = layer.register_forward_hook(lambda mod, args, out: seen.append(out.shape))
    x = ae.randn(4, 3)
    expected = layer.forward(x).numpy()
    np.testing.assert_array_equal(layer(x).numpy(), expected)
    handle.remove()
    np.testing.assert_array_equal(layer(x).numpy(), expected)
    assert seen == [(4, 2)]
    assert not layer._hooked
    layer.register_forward_pre_hook(lambda mod, args: seen.append("pre"))
    layer(x)
    assert seen == [(4, 2), "pre"] and layer._hooked
