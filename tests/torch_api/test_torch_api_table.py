"""Every name in ../shared/spec/TORCH-API.md (copied here as TORCH-API.md) exists and behaves
as in PyTorch.

The names are parsed from the spec's table; `CHECKS` maps each one to a check written once as a
PyTorch snippet `check(torch)`. The snippet runs twice, with `torch` the library under the
porting rule (`autograd_engine`) and with PyTorch itself, and the two results must agree:
values, dtypes, shapes, returned types (tuples, tensors, numbers, strings). A name without a
check fails the test. Random functions return what does not depend on the generator (shape,
dtype, bounds, statistics as booleans).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autograd_engine

SHARED_SPEC = Path(__file__).resolve().parents[3] / "shared" / "spec" / "TORCH-API.md"
COPY = Path(__file__).with_name("TORCH-API.md")  # the spec as of this test, for CI
SPEC = SHARED_SPEC if SHARED_SPEC.exists() else COPY
NAMES = re.findall(r"^\| \d+ \| `([^`]+)` \|", SPEC.read_text(), re.M)

X = np.array([[0.5, -1.2, 2.0, 0.1], [1.5, 0.3, -0.7, 2.5], [-0.4, 0.9, 1.1, -2.2]], np.float32)
POS = np.abs(X) + 0.5
IMG = np.sin(np.arange(2 * 2 * 5 * 5) * 0.37).reshape(2, 2, 5, 5).astype(np.float32)
SEQ = np.cos(np.arange(3 * 2 * 4) * 0.41).reshape(3, 2, 4).astype(np.float32)

CHECKS: dict[str, Callable[[Any], Any]] = {}


def check(*names: str) -> Callable:
    """Register a check for these TORCH-API names."""

    def register(fn: Callable) -> Callable:
        for name in names:
            assert name not in CHECKS, f"two checks for {name}"
            CHECKS[name] = fn
        return fn

    return register


def t(torch: Any, data: Any, **kwargs: Any) -> Any:
    """`torch.tensor(data)`: lists as Python data (floats get the default dtype), arrays copied."""
    return torch.tensor(data.copy() if isinstance(data, np.ndarray) else data, **kwargs)


def meta(x: Any) -> tuple:
    """What a random tensor must share with PyTorch's: its shape and dtype."""
    return tuple(x.shape), str(x.dtype).removeprefix("torch.")


def filled(torch: Any, module: Any) -> Any:
    """`module` with every parameter set to fixed values (the same in both libraries)."""
    for i, (_, p) in enumerate(module.named_parameters()):
        values = np.sin(np.arange(p.numel()) * 0.7 + i) * 0.3
        p.data.copy_(torch.tensor(values.reshape(tuple(p.shape)), dtype=p.dtype))
    return module


def names_of(module: Any) -> list[str]:
    return [name for name, _ in module.named_parameters()]


def raises(fn: Callable, *args: Any, **kwargs: Any) -> str:
    try:
        fn(*args, **kwargs)
    except Exception:  # PyTorch's CPU build raises AssertionError, this library RuntimeError
        return "raised"
    return "ran"


# ----------------------------------------------------------------- namespaces and devices
@check("torch.optim")
def _optim(torch):
    w = t(torch, [1.0, -2.0], requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.1, momentum=0.9)
    for _ in range(3):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
    return w


@check("torch.nn")
def _nn(torch):
    m = filled(torch, torch.nn.Linear(4, 2))
    return m(t(torch, X)), names_of(m)


@check("torch.nn.functional")
def _functional(torch):
    return torch.nn.functional.relu(t(torch, X)), torch.nn.functional.softmax(t(torch, X), dim=1)


@check("torch.utils.data", "utils.data.TensorDataset")
def _tensor_dataset(torch):
    ds = torch.utils.data.TensorDataset(t(torch, X), t(torch, [0, 1, 2]))
    return len(ds), ds[1], type(ds[1]).__name__, type(ds[1][0]).__name__


@check("utils.data.DataLoader")
def _dataloader(torch):
    ds = torch.utils.data.TensorDataset(t(torch, X), t(torch, [0, 1, 2]))
    every = list(torch.utils.data.DataLoader(ds, batch_size=2))
    dropped = list(torch.utils.data.DataLoader(ds, batch_size=2, drop_last=True))
    shuffled = list(torch.utils.data.DataLoader(ds, batch_size=3, shuffle=True))
    return every, dropped, meta(shuffled[0][0]), sorted(shuffled[0][1].tolist())


@check("torch.device", "Tensor.device")
def _device(torch):
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    x = t(torch, X).to(device)
    cuda = torch.device("cuda:1")
    return str(device), device.type, str(x.device), x.device == device, str(cuda), cuda.index


@check("torch.cuda.is_available")
def _cuda(torch):
    return torch.cuda.is_available()


@check("Tensor.cuda", "Module.cuda")
def _to_cuda(torch):
    return raises(t(torch, X).cuda), raises(torch.nn.Linear(2, 2).cuda)


@check("Tensor.cpu", "Tensor.detach().cpu().numpy()")
def _cpu(torch):
    x = t(torch, X, requires_grad=True) * 2
    array = x.detach().cpu().numpy()
    return x.cpu(), type(array).__name__, array


@check("torch.save", "torch.load")
def _save_load(torch):
    state = {"w": t(torch, X), "nested": [t(torch, [1, 2]), (3, "name", 1.5)], "n": 7}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.pt"
        torch.save(state, path)
        back = torch.load(path, map_location="cpu", weights_only=True)
    return back, type(back["nested"][1]).__name__


# ----------------------------------------------------------------- dtypes
@check("torch.float", "torch.double", "torch.long", "torch.int", "torch.bool", "torch.uint8")
def _dtype_names(torch):
    kinds = [torch.float, torch.double, torch.long, torch.int, torch.bool, torch.uint8]
    return [torch.zeros(2, dtype=d) for d in kinds] + [t(torch, X).to(d) for d in kinds]


@check("Tensor.to")
def _to(torch):
    x = t(torch, X)
    other = t(torch, [1, 2])
    return (x.to(torch.float64), x.to("cpu") is x, x.to(other), x.to("cpu", torch.int32),
            x.to(dtype=torch.float64, device="cpu"), x.to(x) is x)  # fmt: skip


@check("Tensor.data")
def _data(torch):
    w = t(torch, X, requires_grad=True)
    w.data.mul_(2)
    return w.data, type(w.data).__name__, w.data.requires_grad, w.requires_grad


@check("Tensor.type", "Tensor.type_as")
def _type(torch):
    x = t(torch, X)
    names = [x.type(), x.double().type(), x.long().type(), x.int().type(), x.bool().type()]
    return names, x.type(torch.float64), x.type_as(t(torch, [1]))


@check("Tensor.int", "Tensor.bool", "Tensor.is_floating_point")
def _conversions(torch):
    x = t(torch, X * 2)
    return (
        x.int(),
        x.bool(),
        x.long(),
        x.float(),
        x.is_floating_point(),
        x.int().is_floating_point(),
    )


@check("torch.FloatTensor", "torch.LongTensor")
def _typed_constructors(torch):
    return (torch.FloatTensor([1, 2]), torch.LongTensor([1.7, -2.2]),
            meta(torch.FloatTensor(2, 3)), meta(torch.LongTensor(4)))  # fmt: skip


@check("torch.tensor")
def _tensor(torch):
    return (torch.tensor([1, 2]), torch.tensor([1.0, 2.0]), torch.tensor(3.5), torch.tensor([True]),
            torch.tensor(np.arange(3.0)), torch.tensor([1, 2], dtype=torch.float64),
            torch.tensor([[1, 2.5]]))  # fmt: skip


# ----------------------------------------------------------------- creation and NumPy bridge
@check("torch.from_numpy")
def _from_numpy(torch):
    a = np.arange(4, dtype=np.int32)
    x = torch.from_numpy(a)
    a[0] = 9
    return x, torch.from_numpy(X.astype(np.float64))


@check("torch.as_tensor", "torch.is_tensor", "torch.numel")
def _as_tensor(torch):
    x = torch.as_tensor(X)
    return (x, torch.as_tensor([1, 2]), torch.as_tensor(X, dtype=torch.float64), torch.is_tensor(x),
            torch.is_tensor(X), torch.numel(x))  # fmt: skip


@check("torch.empty")
def _empty(torch):
    return meta(torch.empty(2, 3)), meta(torch.empty((4,), dtype=torch.int64))


@check("torch.normal")
def _normal(torch):
    torch.manual_seed(0)
    n = torch.normal(2.0, 0.5, (20000,))
    elementwise = torch.normal(t(torch, [0.0, 100.0]), t(torch, [1e-6, 1e-6]))
    return meta(n), abs(float(n.mean()) - 2.0) < 0.03, elementwise.round()


@check("torch.multinomial")
def _multinomial(torch):
    p = t(torch, [[0.0, 1.0, 0.0], [0.0, 0.0, 2.0]])
    drawn = torch.multinomial(t(torch, [1.0, 2.0, 3.0, 4.0]), 4)
    return torch.multinomial(p, 1), torch.multinomial(p, 3, replacement=True), drawn.sort()[0]


@check("torch.randint")
def _randint(torch):
    a, b = torch.randint(5, (100,)), torch.randint(2, 4, (3, 2))
    return (
        meta(a),
        meta(b),
        bool(a.min() >= 0) and bool(a.max() < 5),
        sorted(set(b.flatten().tolist())) <= [2, 3],
    )


@check("torch.randperm")
def _randperm(torch):
    p = torch.randperm(6)
    return meta(p), p.sort()[0]


@check("torch.bernoulli")
def _bernoulli(torch):
    return torch.bernoulli(t(torch, [0.0, 1.0, 1.0])), meta(torch.bernoulli(torch.full((3,), 0.5)))


@check("torch.Generator")
def _generator(torch):
    g = torch.Generator().manual_seed(3)
    a = torch.randn(4, generator=g)
    g.manual_seed(3)
    b = torch.randn(4, generator=g)
    return type(g.manual_seed(1)).__name__, meta(a), bool((a == b).all())


@check("Tensor.normal_", "Tensor.uniform_")
def _random_fills(torch):
    w = torch.zeros(20000)
    same = w.normal_(1.0, 2.0) is w
    normal = abs(float(w.std()) - 2.0) < 0.05 and abs(float(w.mean()) - 1.0) < 0.05
    u = torch.zeros(1000).uniform_(-2.0, 2.0)
    return same, normal, meta(u), bool(u.min() >= -2) and bool(u.max() < 2)


# ----------------------------------------------------------------- reductions
@check("Tensor.sum", "torch.sum")
def _sum(torch):
    x = t(torch, X)
    ints, bools = t(torch, [[1, 2]]), t(torch, [True, True])
    return (x.sum(), x.sum(dim=1, keepdim=True), x.sum(0), torch.sum(x, (0, 1)),
            torch.sum(x, dim=1), ints.sum(), bools.sum())  # fmt: skip


@check("Tensor.mean", "torch.mean")
def _mean(torch):
    x = t(torch, X)
    return (
        x.mean(),
        x.mean(dim=0),
        x.mean(1, keepdim=True),
        torch.mean(x, dim=(0, 1)),
        torch.mean(x, 1),
    )


@check("Tensor.max", "torch.max")
def _max(torch):
    x = t(torch, X)
    values, indices = torch.max(x, 1)
    pair = x.max(dim=0, keepdim=True)
    return (x.max(), values, indices, pair.values, pair.indices, torch.max(x, t(torch, X[::-1])))


@check("Tensor.min", "torch.min")
def _min(torch):
    x = t(torch, X)
    _, indices = torch.min(x, 1)
    return x.min(), indices, x.min(dim=0, keepdim=True), torch.min(x, t(torch, X[::-1].copy()))


@check("Tensor.argmax", "torch.argmax")
def _argmax(torch):
    x = t(torch, X)
    return x.argmax(), x.argmax(dim=1), x.argmax(1, keepdim=True), torch.argmax(x, dim=0)


@check("Tensor.argmin")
def _argmin(torch):
    x = t(torch, X)
    return x.argmin(), x.argmin(dim=1), x.argmin(0, keepdim=True)


@check("Tensor.std", "torch.std")
def _std(torch):
    x = t(torch, X)
    return (x.std(), x.std(dim=0), x.std(1, keepdim=True), x.std(unbiased=False),
            torch.std(x, dim=1, correction=0))  # fmt: skip


@check("Tensor.var", "torch.var")
def _var(torch):
    x = t(torch, X)
    return (x.var(), x.var(dim=0), x.var(1, keepdim=True), x.var(unbiased=False),
            torch.var(x, dim=1, correction=0))  # fmt: skip


@check("Tensor.all")
def _all(torch):
    b = t(torch, X) > 0
    return b.all(), b.all(dim=1), b.all(0, keepdim=True), t(torch, [1, 2]).all()


@check("Tensor.prod")
def _prod(torch):
    x = t(torch, X)
    return x.prod(), x.prod(dim=1), x.prod(0, keepdim=True), t(torch, [[2, 3]]).prod()


@check("Tensor.cumsum", "torch.cumsum")
def _cumsum(torch):
    x = t(torch, X)
    return x.cumsum(dim=1), x.cumsum(0), torch.cumsum(t(torch, [1, 2, 3]), dim=0)


@check("Tensor.norm", "torch.norm")
def _norm(torch):
    x = t(torch, X)
    return x.norm(), x.norm(dim=1), x.norm(p=1), torch.norm(x, dim=0, keepdim=True), x.norm(2, 1)


@check("Tensor.sort", "torch.sort")
def _sort(torch):
    x = t(torch, X)
    values, indices = x.sort()
    return values, indices, x.sort(descending=True), torch.sort(x, dim=0)


@check("Tensor.topk", "torch.topk")
def _topk(torch):
    x = t(torch, X)
    return x.topk(2), x.topk(2, dim=0, largest=False), torch.topk(x, 1, dim=1).indices


@check("Tensor.softmax", "torch.softmax")
def _softmax(torch):
    x = t(torch, X)
    return x.softmax(dim=1), x.softmax(0), torch.softmax(x, dim=-1), torch.softmax(x, 1)


@check("Tensor.log_softmax", "torch.log_softmax")
def _log_softmax(torch):
    x = t(torch, X)
    return x.log_softmax(dim=1), x.log_softmax(0), torch.log_softmax(x, dim=-1)


@check("torch.logsumexp")
def _logsumexp(torch):
    x = t(torch, X)
    return torch.logsumexp(x, dim=1), torch.logsumexp(x, 0, keepdim=True), x.logsumexp(dim=(0, 1))


# ----------------------------------------------------------------- shapes
@check("Tensor.unsqueeze", "torch.unsqueeze")
def _unsqueeze(torch):
    x = t(torch, X)
    return x.unsqueeze(0), x.unsqueeze(-1), x.unsqueeze(dim=1), torch.unsqueeze(x, 2)


@check("Tensor.squeeze")
def _squeeze(torch):
    x = t(torch, X).reshape(1, 3, 1, 4)
    return x.squeeze(), x.squeeze(0), x.squeeze(dim=1), x.squeeze(-2)


@check("torch.cat")
def _cat(torch):
    a, b = t(torch, X), t(torch, X * 2)
    return (
        torch.cat([a, b]),
        torch.cat((a, b), dim=1),
        torch.cat([a, b], 0),
        torch.cat([t(torch, [1]), t(torch, [2])]),
    )


@check("torch.stack")
def _stack(torch):
    a, b = t(torch, X), t(torch, X * 2)
    return torch.stack([a, b]), torch.stack((a, b), dim=1), torch.stack([a, b], -1)


@check("Tensor.split", "torch.split")
def _split(torch):
    x = t(torch, X)
    return x.split(3, dim=1), x.split([1, 2]), torch.split(x, 2), type(x.split(2)).__name__


@check("Tensor.chunk", "torch.chunk")
def _chunk(torch):
    x = t(torch, X)
    return x.chunk(3, dim=1), x.chunk(2), torch.chunk(x, 2, 1)


@check("Tensor.t")
def _t(torch):
    return t(torch, X).t(), t(torch, [1.0, 2.0]).t()


@check("Tensor.view_as", "Tensor.expand_as")
def _view_as(torch):
    x = t(torch, X)
    return x.view_as(torch.zeros(4, 3)), t(torch, [[1.0], [2.0], [3.0]]).expand_as(x)


@check("Tensor.repeat")
def _repeat(torch):
    x = t(torch, [[1.0, 2.0]])
    return x.repeat(2, 3), x.repeat(2, 1, 1), x.repeat((1, 2))


@check("Tensor.flip")
def _flip(torch):
    x = t(torch, X)
    return x.flip(0), x.flip(dims=(0, 1)), x.flip([1])


@check("torch.tril")
def _tril(torch):
    x = t(torch, X)
    return torch.tril(x), torch.tril(x, diagonal=1), x.triu(-1)


# ----------------------------------------------------------------- arithmetic and comparison
@check("Tensor.pow")
def _pow(torch):
    x = t(torch, POS)
    return x.pow(2), x.pow(0.5), x.pow(x), t(torch, [1, 2, 3]).pow(2)


@check("Tensor.mul", "Tensor.div", "Tensor.add", "Tensor.sub")
def _arithmetic(torch):
    x, y = t(torch, X), t(torch, POS)
    i = t(torch, [7, -7, 3])
    return (x.mul(y), x.mul(2), x.div(y), x.div(2.0), i.div(2), i.div(2, rounding_mode="floor"),
            i.div(2, rounding_mode="trunc"), x.add(y), x.add(y, alpha=2), x.sub(y, alpha=0.5),
            x.sub(1))  # fmt: skip


@check("Tensor.eq", "Tensor.gt")
def _compare(torch):
    x = t(torch, X)
    return x.eq(t(torch, X)), x.eq(0.5), x.gt(0), x.gt(t(torch, POS)), x.ge(0.5), x.lt(0), x.ne(0.5)


@check("Tensor.square", "Tensor.round")
def _elementwise(torch):
    x = t(torch, X * 3)
    return x.square(), x.round(), t(torch, [0.5, 1.5, 2.5, -0.5]).round(), x.round(decimals=1)


@check("torch.mm", "Tensor.mm")
def _mm(torch):
    return torch.mm(t(torch, X), t(torch, X.T.copy())), t(torch, X).mm(t(torch, POS.T.copy()))


@check("torch.bmm")
def _bmm(torch):
    a = t(torch, SEQ)
    return torch.bmm(a, a.transpose(1, 2)), a.bmm(a.transpose(1, 2))


@check("torch.einsum")
def _einsum(torch):
    a, b = t(torch, X), t(torch, POS)
    return (
        torch.einsum("ij,kj->ik", a, b),
        torch.einsum("ij->j", a),
        torch.einsum("bij,bkj->bik", [t(torch, SEQ)] * 2),
    )


@check("torch.equal")
def _equal(torch):
    a = t(torch, X)
    return torch.equal(a, a.clone()), torch.equal(a, a + 1), torch.equal(a, a[:1])


# ----------------------------------------------------------------- indexing and in place
@check("Tensor.masked_fill", "Tensor.masked_fill_")
def _masked_fill(torch):
    x = t(torch, X)
    mask = x > 0.5
    y = x.clone()
    same = y.masked_fill_(mask, 0.0) is y
    return (
        x.masked_fill(mask, -1.0),
        y,
        same,
        x.masked_fill(t(torch, [True, False, True, False]), 9.0),
    )


@check("Tensor.gather")
def _gather(torch):
    x = t(torch, X)
    return x.gather(1, t(torch, [[0, 0], [3, 1], [2, 2]])), x.gather(0, t(torch, [[2, 1, 0, 0]]))


@check("Tensor.index_select")
def _index_select(torch):
    x = t(torch, X)
    return x.index_select(0, t(torch, [2, 0])), x.index_select(1, t(torch, [3, 3, 1]))


@check("Tensor.scatter_")
def _scatter(torch):
    x = torch.zeros(3, 4)
    same = x.scatter_(1, t(torch, [[0], [3], [1]]), t(torch, [[1.0], [2.0], [3.0]])) is x
    y = torch.zeros(3, 4).scatter_(0, t(torch, [[2, 1, 0, 0]]), 5.0)
    return (
        x,
        same,
        y,
        torch.zeros(2, 3).scatter_add_(1, t(torch, [[0, 0], [2, 2]]), torch.ones(2, 2)),
    )


# ----------------------------------------------------------------- autograd
@check("Tensor.register_hook")
def _register_hook(torch):
    x = t(torch, X, requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.clone()))
    h = x * x
    handle = h.register_hook(lambda g: g * 10)
    h.sum().backward()
    handle.remove()
    return x.grad, seen


@check("torch.autograd.Function")
def _function(torch):
    class Cube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 3 * x**2 * grad

    x = t(torch, X, requires_grad=True)
    y = Cube.apply(x)
    y.sum().backward()
    return y, x.grad


@check("torch.autograd.gradcheck")
def _gradcheck(torch):
    x = t(torch, X.astype(np.float64), requires_grad=True)
    return torch.autograd.gradcheck(lambda v: (v.sin() * v).sum(dim=1), (x,))


@check("torch.inference_mode", "torch.set_grad_enabled")
def _grad_modes(torch):
    x = t(torch, X, requires_grad=True)
    with torch.inference_mode():
        a = x * 2
    with torch.set_grad_enabled(False):
        b = x * 2
    torch.set_grad_enabled(False)
    c = x * 2
    torch.set_grad_enabled(True)

    @torch.inference_mode()
    def twice(v):
        return v * 2

    return (
        a.requires_grad,
        b.requires_grad,
        c.requires_grad,
        (x * 2).requires_grad,
        twice(x).requires_grad,
    )


@check("torch.set_printoptions")
def _printoptions(torch):
    torch.set_printoptions(precision=2)
    short = repr(t(torch, [1.23456]))
    torch.set_printoptions(profile="default")
    return "1.23" in short and "1.234" not in short, "1.2346" in repr(t(torch, [1.23456]))


# ----------------------------------------------------------------- nn layers
def _module_check(make: Callable, *inputs: np.ndarray, train: bool = True) -> Callable:
    def run(torch):
        module = filled(torch, make(torch))
        module.train(train)
        return module(*(t(torch, x) for x in inputs)), names_of(module)

    return run


CHECKS["nn.Conv2d"] = _module_check(
    lambda torch: torch.nn.Conv2d(2, 3, 3, stride=2, padding=1), IMG
)
CHECKS["nn.Conv1d"] = _module_check(
    lambda torch: torch.nn.Conv1d(4, 3, 2, padding=1), SEQ.transpose(1, 2, 0)
)
CHECKS["nn.ConvTranspose2d"] = _module_check(
    lambda torch: torch.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1), IMG
)
CHECKS["nn.MaxPool2d"] = _module_check(lambda torch: torch.nn.MaxPool2d(2), IMG)
CHECKS["nn.AvgPool2d"] = _module_check(
    lambda torch: torch.nn.AvgPool2d(3, stride=2, padding=1), IMG
)
CHECKS["nn.AdaptiveAvgPool2d"] = _module_check(
    lambda torch: torch.nn.AdaptiveAvgPool2d((2, 3)), IMG
)
CHECKS["nn.LSTM"] = _module_check(lambda torch: torch.nn.LSTM(4, 3, num_layers=2), SEQ)
CHECKS["nn.GRU"] = _module_check(lambda torch: torch.nn.GRU(4, 3, batch_first=True), SEQ)
CHECKS["nn.RNN"] = _module_check(lambda torch: torch.nn.RNN(4, 3, bidirectional=True), SEQ)
CHECKS["nn.GELU"] = _module_check(lambda torch: torch.nn.GELU(), X)
CHECKS["nn.SiLU"] = _module_check(lambda torch: torch.nn.SiLU(), X)
CHECKS["nn.SmoothL1Loss"] = _module_check(lambda torch: torch.nn.SmoothL1Loss(beta=0.5), X, POS)
CHECKS["nn.Unflatten"] = _module_check(lambda torch: torch.nn.Unflatten(1, (2, 2)), X)
CHECKS["nn.Upsample"] = _module_check(
    lambda torch: torch.nn.Upsample(scale_factor=2, mode="nearest"), IMG
)
CHECKS["nn.MultiheadAttention"] = _module_check(
    lambda torch: torch.nn.MultiheadAttention(4, 2, batch_first=True), SEQ, SEQ, SEQ
)
CHECKS["nn.TransformerEncoderLayer"] = _module_check(
    lambda torch: torch.nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, dropout=0.0),
    SEQ,
    train=False,
)


@check("nn.Embedding", "F.embedding")
def _embedding(torch):
    layer = filled(torch, torch.nn.Embedding(5, 3, padding_idx=0))
    index = t(torch, [[0, 4], [2, 2]])
    return layer(index), torch.nn.functional.embedding(index, layer.weight)


@check("nn.BatchNorm2d")
def _batchnorm(torch):
    bn = filled(torch, torch.nn.BatchNorm2d(2))
    out = bn(t(torch, IMG))
    bn.eval()
    return out, bn.running_mean, bn.running_var, bn(t(torch, IMG)), bn.num_batches_tracked


@check("Module.register_forward_hook")
def _forward_hook(torch):
    layer = filled(torch, torch.nn.Linear(4, 2))
    seen = []
    handle = layer.register_forward_hook(lambda m, inputs, out: seen.append(len(inputs)) or out * 2)
    doubled = layer(t(torch, X))
    handle.remove()
    return doubled, layer(t(torch, X)), seen


@check("nn.utils.rnn.pad_sequence")
def _pad_sequence(torch):
    seqs = [t(torch, [1.0, 2.0, 3.0]), t(torch, [4.0])]
    pad = torch.nn.utils.rnn.pad_sequence
    return pad(seqs), pad(seqs, batch_first=True, padding_value=-1.0)


# ----------------------------------------------------------------- nn.init
@check("nn.init.normal_")
def _init_normal(torch):
    w = torch.empty(200, 100)
    same = torch.nn.init.normal_(w, mean=1.0, std=0.5) is w
    return same, abs(float(w.mean()) - 1.0) < 0.02, abs(float(w.std()) - 0.5) < 0.02


@check("nn.init.constant_")
def _init_constant(torch):
    w = torch.empty(2, 3)
    return torch.nn.init.constant_(w, 0.25) is w, w


@check("nn.init.orthogonal_")
def _init_orthogonal(torch):
    w = torch.empty(3, 5)
    torch.nn.init.orthogonal_(w, gain=2.0)
    return torch.mm(w, w.t()).round(decimals=4)


@check("nn.init.trunc_normal_")
def _init_trunc_normal(torch):
    w = torch.nn.init.trunc_normal_(torch.empty(10000), std=1.0, a=-0.5, b=1.0)
    return (
        meta(w),
        bool(w.min() >= -0.5) and bool(w.max() <= 1.0),
        abs(float(w.mean()) - 0.2) < 0.05,
    )


# ----------------------------------------------------------------- nn.functional
def _functional_check(call: Callable) -> Callable:
    def run(torch):
        return call(torch.nn.functional, lambda a, **k: t(torch, a, **k))

    return run


CHECKS["F.max_pool2d"] = _functional_check(
    lambda F, T: (F.max_pool2d(T(IMG), 2), F.max_pool2d(T(IMG), 3, 1, 1))
)
CHECKS["F.avg_pool2d"] = _functional_check(lambda F, T: F.avg_pool2d(T(IMG), 2, stride=1))
CHECKS["F.adaptive_avg_pool2d"] = _functional_check(lambda F, T: F.adaptive_avg_pool2d(T(IMG), 3))
CHECKS["F.conv2d"] = _functional_check(
    lambda F, T: F.conv2d(
        T(IMG), T(IMG[:, :, :3, :3]), T(np.float32([0.5, -0.5])), stride=2, padding=1
    )
)
CHECKS["F.smooth_l1_loss"] = _functional_check(
    lambda F, T: (
        F.smooth_l1_loss(T(X), T(POS)),
        F.smooth_l1_loss(T(X), T(POS), reduction="none", beta=2.0),
    )
)
CHECKS["F.interpolate"] = _functional_check(
    lambda F, T: (
        F.interpolate(T(IMG), scale_factor=2),
        F.interpolate(T(IMG), size=(7, 8), mode="bilinear"),
    )
)
CHECKS["F.cosine_similarity"] = _functional_check(
    lambda F, T: (F.cosine_similarity(T(X), T(POS)), F.cosine_similarity(T(X), T(POS), dim=0))
)
CHECKS["F.gelu"] = _functional_check(lambda F, T: (F.gelu(T(X)), F.gelu(T(X), approximate="tanh")))
CHECKS["F.normalize"] = _functional_check(
    lambda F, T: (F.normalize(T(X)), F.normalize(T(X), p=1, dim=0))
)
CHECKS["F.one_hot"] = _functional_check(
    lambda F, T: (F.one_hot(T([0, 2, 1])), F.one_hot(T([[1], [0]]), 4))
)
CHECKS["F.pad"] = _functional_check(
    lambda F, T: (F.pad(T(X), (1, 2)), F.pad(T(IMG), (1, 1, 2, 0), value=-1.0))
)
CHECKS["F.silu"] = _functional_check(lambda F, T: F.silu(T(X)))


# ----------------------------------------------------------------- optim
def _fit(torch: Any, make: Callable, steps: int = 5, closure: bool = False) -> Any:
    w = t(torch, [1.5, -0.5], requires_grad=True)
    opt = make([w])

    def loss():
        opt.zero_grad()
        value = ((w - t(torch, [0.2, 0.7])) ** 2 * t(torch, [1.0, 3.0])).sum()
        value.backward()
        return value

    for _ in range(steps):
        if closure:
            opt.step(loss)
        else:
            loss()
            opt.step()
    return w


CHECKS["optim.Adadelta"] = lambda torch: _fit(
    torch, lambda p: torch.optim.Adadelta(p, lr=1.0, weight_decay=0.1)
)
CHECKS["optim.LBFGS"] = lambda torch: _fit(
    torch, lambda p: torch.optim.LBFGS(p, lr=0.5, max_iter=4), steps=2, closure=True
)


def _schedule(torch: Any, make: Callable, steps: int = 12) -> list[float]:
    opt = torch.optim.SGD([t(torch, [1.0], requires_grad=True)], lr=0.1, momentum=0.9)
    scheduler = make(opt)
    lrs = []
    for _ in range(steps):
        opt.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr()[0])
    return lrs


CHECKS["lr_scheduler.CosineAnnealingWarmRestarts"] = lambda torch: _schedule(
    torch,
    lambda o: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        o, T_0=3, T_mult=2, eta_min=0.01
    ),
)
CHECKS["lr_scheduler.LinearLR"] = lambda torch: _schedule(
    torch, lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=0.2, total_iters=5)
)
CHECKS["lr_scheduler.OneCycleLR"] = lambda torch: _schedule(
    torch, lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=13)
)


# ----------------------------------------------------------------- the test
def plain(x: Any) -> Any:
    """A result in library-neutral form: tensors as (dtype name, array)."""
    if hasattr(x, "detach") and hasattr(x, "dtype"):
        return ("tensor", str(x.dtype).removeprefix("torch."), np.array(x.detach().numpy()))
    if isinstance(x, np.ndarray):
        return ("ndarray", str(x.dtype), x)
    if isinstance(x, tuple | list):
        return [plain(v) for v in x]
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    return x


def assert_same(ours: Any, theirs: Any, where: str = "result") -> None:
    if isinstance(theirs, tuple) and theirs[:1] in (("tensor",), ("ndarray",)):
        assert isinstance(ours, tuple) and ours[0] == theirs[0], (
            f"{where}: {ours!r} vs a {theirs[0]}"
        )
        assert ours[1] == theirs[1], f"{where}: dtype {ours[1]}, PyTorch's {theirs[1]}"
        assert ours[2].shape == theirs[2].shape, (
            f"{where}: shape {ours[2].shape}, PyTorch's {theirs[2].shape}"
        )
        np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-4, atol=1e-5, err_msg=where)
    elif isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs), (
            f"{where}: {ours!r} vs {theirs!r}"
        )
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            assert_same(a, b, f"{where}[{i}]")
    elif isinstance(theirs, dict):
        assert isinstance(ours, dict) and ours.keys() == theirs.keys(), f"{where}: keys differ"
        for k in theirs:
            assert_same(ours[k], theirs[k], f"{where}[{k!r}]")
    elif isinstance(theirs, float):
        assert ours == pytest.approx(theirs, rel=1e-5), f"{where}: {ours!r} vs {theirs!r}"
    else:
        assert type(ours) is type(theirs) and ours == theirs, f"{where}: {ours!r} vs {theirs!r}"


def resolve(name: str) -> Any:
    """The library's object for a TORCH-API name (AttributeError if it is missing)."""
    import nn

    roots = {"torch": autograd_engine, "Tensor": autograd_engine.Tensor, "nn": nn,
             "F": nn.functional, "utils": autograd_engine.utils, "optim": autograd_engine.optim,
             "lr_scheduler": autograd_engine.optim.lr_scheduler, "Module": nn.Module}  # fmt: skip
    head, *path = name.replace("()", "").split(".")
    obj = roots[head]
    for part in path:  # a chain of calls (`Tensor.detach().cpu()`) names methods of Tensor
        obj = getattr(autograd_engine.Tensor if head == "Tensor" else obj, part)
    return obj


def test_the_spec_lists_names():
    assert len(NAMES) > 150, f"could not read the names from {SPEC}"
    if SHARED_SPEC.exists():
        assert COPY.read_text() == SHARED_SPEC.read_text(), f"copy {SHARED_SPEC} to {COPY}"


def test_every_name_has_a_check():
    missing = [name for name in NAMES if name not in CHECKS]
    assert not missing, f"TORCH-API names without a parity check: {missing}"


@pytest.mark.parametrize("name", NAMES)
def test_name_exists(name):
    resolve(name)


@pytest.mark.parametrize("name", sorted(set(NAMES) & set(CHECKS)))
def test_name_behaves_like_pytorch(name):
    torch = pytest.importorskip("torch")
    theirs = plain(CHECKS[name](torch))
    ours = plain(CHECKS[name](autograd_engine))
    assert_same(ours, theirs, name)
