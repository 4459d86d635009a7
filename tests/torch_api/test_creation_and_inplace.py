"""PyTorch's creation and sampling functions, dtype names, legacy typed constructors and the
in-place masking, scattering and random fills."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as torch  # the porting rule


def test_from_numpy_shares_memory_and_dtype():
    a = np.arange(4, dtype=np.int32)
    t = torch.from_numpy(a)
    a[0] = 7
    assert t.dtype == np.int32 and t.tolist() == [7, 1, 2, 3]
    t.numpy()[1] = 8
    assert a[1] == 8
    with pytest.raises(TypeError, match="int16"):
        torch.from_numpy(np.zeros(2, dtype=np.int16))
    with pytest.raises(TypeError, match=r"expected np\.ndarray"):
        torch.from_numpy([1, 2])


def test_as_tensor_shares_when_it_can():
    a = np.ones(3)
    assert torch.as_tensor(a).numpy() is a
    assert torch.as_tensor(a, dtype=torch.float32).numpy() is not a
    t = torch.tensor([1.0])
    assert torch.as_tensor(t) is t and torch.is_tensor(t) and not torch.is_tensor(a)
    assert torch.numel(torch.zeros(2, 3)) == 6 and torch.empty(2, 3).shape == (2, 3)


def test_dtype_names():
    assert torch.float is torch.float32 and torch.double is torch.float64
    assert torch.long is torch.int64 and torch.int is torch.int32 and torch.bool == np.bool_
    assert torch.zeros(2, dtype=torch.long).dtype == np.int64
    assert torch.tensor([1, 0]).to(torch.bool).tolist() == [True, False]


def test_legacy_typed_constructors():
    assert torch.FloatTensor([1, 2]).dtype == np.float32
    assert torch.LongTensor([1.7]).tolist() == [1]
    assert torch.FloatTensor(2, 3).shape == (2, 3)
    assert torch.tensor([1.5, 2.5]).type(torch.LongTensor).dtype == np.int64
    assert torch.tensor([1]).to(torch.DoubleTensor).dtype == np.float64


def test_sampling_functions_are_seeded_and_shaped():
    torch.manual_seed(0)
    a = (torch.randint(5, (100,)), torch.randint(2, 4, (3, 2)), torch.randperm(6))
    torch.manual_seed(0)
    b = (torch.randint(5, (100,)), torch.randint(2, 4, (3, 2)), torch.randperm(6))
    for x, y in zip(a, b, strict=True):
        assert x.tolist() == y.tolist() and x.dtype == np.int64
    assert a[0].numpy().min() >= 0 and a[0].numpy().max() < 5
    assert a[1].shape == (3, 2) and set(a[1].numpy().ravel()) <= {2, 3}
    assert sorted(a[2].tolist()) == list(range(6))
    g = torch.Generator().manual_seed(1)
    assert torch.randint(0, 10, size=(4,), generator=g).shape == (4,)
    n = torch.normal(2.0, 0.5, (20000,))
    assert n.dtype == np.float32 and abs(n.numpy().mean() - 2.0) < 0.02
    elementwise = torch.normal(torch.tensor([0.0, 100.0]), torch.tensor([1e-9, 1e-9]))
    np.testing.assert_allclose(elementwise.numpy(), [0.0, 100.0], atol=1e-6)
    coin = torch.bernoulli(torch.tensor([0.0, 1.0, 1.0]))
    assert coin.tolist() == [0.0, 1.0, 1.0]
    picks = torch.multinomial(torch.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 2.0]]), 1)
    assert picks.tolist() == [[1], [2]]
    with pytest.raises(ValueError, match="without replacement"):
        torch.multinomial(torch.tensor([1.0, 0.0]), 2)


def test_inplace_masking_and_scattering_record_gradients_like_torch():
    real = pytest.importorskip("torch")
    base = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    mask = np.array([[True, False, False], [False, True, False]])
    index = np.array([[2], [0]])

    def run(lib, tensor):
        x = tensor(base.copy(), requires_grad=True)
        src = tensor(np.array([[10.0], [20.0]]), requires_grad=True)
        y = x * 2
        y.masked_fill_(tensor(mask), -1.0)
        y.scatter_(1, tensor(index), src)
        y.scatter_add_(1, tensor(index), src)
        (y * tensor(np.arange(6.0).reshape(2, 3))).sum().backward()
        return y.detach().numpy(), x.grad.numpy(), src.grad.numpy()

    ours = run(torch, lambda a, **k: torch.tensor(a, **k))
    theirs = run(real, lambda a, **k: real.tensor(a, **k))
    for mine, ref in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(mine, ref)


def test_random_fills_in_place():
    w = torch.zeros(1000, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        w.normal_()
    with torch.no_grad():
        w.uniform_(-2.0, 2.0, generator=torch.Generator().manual_seed(0))
    assert w.numpy().min() >= -2.0 and w.numpy().max() < 2.0 and w.requires_grad
    v = torch.zeros(20000).normal_(1.0, 2.0)
    assert abs(v.numpy().std() - 2.0) < 0.05


def test_save_and_load_are_nns():
    import nn

    assert torch.save is nn.save and torch.load is nn.load
