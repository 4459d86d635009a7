"""The porting rule's namespaces (`torch.nn`, `torch.optim`, `torch.utils.data`, `torch.autograd`,
`torch.func`) and devices: a script that picks a device with `torch.cuda.is_available()` runs on
the CPU unchanged."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import autograd_engine as torch  # the porting rule


def test_importing_the_core_does_not_import_nn_or_optim():
    code = "import sys, autograd_engine; print('nn' in sys.modules, 'optim' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_library_namespaces_resolve_on_first_use():
    import nn
    import nn.data
    import nn.functional
    import optim

    assert torch.nn is nn and torch.optim is optim
    assert torch.nn.functional is nn.functional
    assert torch.utils.data.DataLoader is nn.data.DataLoader
    assert torch.optim.lr_scheduler.StepLR is optim.lr_scheduler.StepLR
    assert torch.autograd.Function is torch.Function
    assert torch.autograd.grad is torch.grad
    assert torch.autograd.gradcheck is torch.testing.gradcheck
    assert torch.autograd.forward_ad.dual_level is torch.forward_ad.dual_level
    assert torch.autograd.gradgradcheck is torch.testing.gradgradcheck
    with pytest.raises(AttributeError, match="no attribute 'tensorflow'"):
        torch.tensorflow


def test_device_selection_idiom_picks_the_cpu():
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    assert device == torch.device("cpu") == "cpu"
    assert str(device) == "cpu" and repr(torch.device("cuda", 1)) == "device(type='cuda', index=1)"
    assert torch.device("cuda:0").index == 0 and torch.cuda.device_count() == 0
    x = torch.tensor([1.0, 2.0])
    assert x.to(device) is x and x.cpu() is x and x.device == device and not x.is_cuda
    torch.cuda.manual_seed_all(0)  # reproducibility boilerplate is accepted
    torch.backends.cudnn.deterministic = True


def test_a_gpu_is_refused_with_a_clear_runtime_error():
    x = torch.tensor([1.0])
    with pytest.raises(RuntimeError, match=r"cuda.*not available.*CPU only"):
        x.cuda()
    with pytest.raises(RuntimeError, match="to: device 'cuda:1' is not available"):
        x.to("cuda:1")
    with pytest.raises(ValueError, match="device type"):
        torch.device("gpu")


def test_to_takes_pytorchs_three_forms():
    x = torch.tensor([1.5, -2.0])
    assert x.to(torch.float64).dtype == np.float64
    assert x.to("cpu", torch.float64).dtype == np.float64
    assert x.to(device="cpu", dtype=torch.int64).dtype == np.int64
    assert x.to(torch.tensor([1], dtype=torch.int64)).dtype == np.int64
    copied = x.to("cpu", copy=True)
    assert copied is not x and np.array_equal(copied.numpy(), x.numpy())
    with pytest.raises(TypeError, match="unexpected keyword"):
        x.to(memory_format=None)


def test_type_names_and_conversions():
    x = torch.tensor([1.7, -0.2])
    assert x.type() == "torch.FloatTensor"
    assert x.double().type() == "torch.DoubleTensor"
    assert x.long().type() == "torch.LongTensor" and x.long().tolist() == [1, 0]
    assert x.int().type() == "torch.IntTensor"
    assert x.bool().type() == "torch.BoolTensor" and x.bool().tolist() == [True, True]
    assert x.type(torch.float64).dtype == np.float64
    assert x.type_as(torch.tensor([1], dtype=torch.int64)).dtype == np.int64


def test_against_torch_type_names():
    real = pytest.importorskip("torch")
    for dtype, theirs in [
        ("float32", real.float32),
        ("float64", real.float64),
        ("int64", real.int64),
        ("int32", real.int32),
        ("bool", real.bool),
    ]:
        assert torch.zeros(2).to(dtype).type() == real.zeros(2).to(theirs).type()
