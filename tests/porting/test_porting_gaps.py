"""PyTorch names the ported scripts in tests/porting/scripts/ needed: torch.Size, torch.equal,
Tensor.is_contiguous, torch.load's keywords, and strict load_state_dict's RuntimeError."""

from __future__ import annotations

import pytest

import autograd_engine as torch
import nn


def test_size_is_a_tuple_equal_to_shapes():
    shape = torch.zeros(2, 3).shape
    assert shape == torch.Size([2, 3]) and isinstance(torch.Size([2, 3]), tuple)


def test_is_contiguous_false_for_a_transpose_and_true_after_contiguous():
    m = torch.arange(6.0).view(2, 3)
    assert m.is_contiguous() and not m.t().is_contiguous()
    assert m.t().contiguous().is_contiguous()


def test_load_accepts_map_location_and_weights_only(tmp_path):
    path = tmp_path / "w.pt"
    torch.save({"w": torch.ones(2)}, path)
    back = torch.load(path, map_location="cpu", weights_only=True)
    assert back["w"].tolist() == [1.0, 1.0]


def test_strict_load_state_dict_raises_runtime_error_naming_the_key():
    model = nn.Linear(2, 1)
    state = {"weight": model.state_dict()["weight"]}
    with pytest.raises(RuntimeError, match="bias"):
        model.load_state_dict(state)
    with pytest.raises(ValueError):  # still a ValueError for existing callers
        model.load_state_dict(state)


def test_equal_needs_the_same_shape_and_values():
    a = torch.tensor([1.0, 2.0])
    assert torch.equal(a, a.clone()) and a.equal(torch.tensor([1.0, 2.0]))
    assert not torch.equal(a, torch.tensor([1.0, 3.0]))
    assert not torch.equal(a, torch.tensor([[1.0, 2.0]]))
