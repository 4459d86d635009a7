"""ae.compile's elementwise fusion (fusion.py): runs of + - * / and negation, forward and
backward, become one generated kernel each, with results bitwise those of eager mode."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_compiled_step import assert_same, assert_same_loss

import autograd_engine as ae
import nn
import nn.functional as F
import optim
from autograd_engine import fusion

pytestmark = pytest.mark.filterwarnings("error::autograd_engine.compiler.CompileWarning")


def replay(f: Callable, inputs: list[ae.Tensor], fuse: bool = True, calls: int = 4) -> tuple:
    """The last call's (result, gradients) of compile(f) and the compiled function."""
    compiled = ae.compile(f, fuse=fuse)
    for _ in range(calls):
        for t in inputs:
            t.grad = None
        out = compiled(*inputs)
    grads = [None if t.grad is None else t.grad.numpy().copy() for t in inputs]
    return (out.numpy().copy(), grads), compiled


def eager(f: Callable, inputs: list[ae.Tensor]) -> tuple:
    for t in inputs:
        t.grad = None
    out = f(*inputs)
    return out.numpy().copy(), [None if t.grad is None else t.grad.numpy().copy() for t in inputs]


def assert_bitwise(a: tuple, b: tuple) -> None:
    np.testing.assert_array_equal(a[0], b[0])
    for x, y in zip(a[1], b[1], strict=True):
        assert (x is None) == (y is None)
        if x is not None:
            assert x.dtype == y.dtype
            np.testing.assert_array_equal(x, y)


def groups(compiled: ae.compiler.CompiledFunction) -> list[fusion.Group]:
    (programs,) = compiled.programs.values()
    return programs[0].groups


def chain(x: ae.Tensor, y: ae.Tensor) -> ae.Tensor:
    loss = ((x * 2.0 - 1) / (y + 3) * x - y).sum()
    loss.backward()
    return loss


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_chain_and_its_backward_become_two_kernels(dtype: str) -> None:
    rng = np.random.default_rng(0)
    x = ae.tensor(rng.standard_normal((3, 4)).astype(dtype), requires_grad=True)
    y = ae.tensor(rng.random((3, 4)).astype(dtype), requires_grad=True)
    got, compiled = replay(chain, [x, y])
    assert_bitwise(got, eager(chain, [x, y]))
    assert_bitwise(got, replay(chain, [x, y], fuse=False)[0])
    forward, backward = groups(compiled)
    assert forward.ops == ["mul", "sub", "add", "div", "mul", "sub", "sum"]
    assert backward.ops[:2] == ["sum backward", "sub backward"] and "gradient sum" in backward.ops
    # the forward kernel writes what the backward reads and the total, not every intermediate
    assert len(forward.outputs) == 4 and len(forward.trace.lines) == 6
    assert forward.shapes == {forward.outputs[-1][0]: ()}
    assert len(backward.outputs) == 2  # x.grad and y.grad
    assert x.grad.dtype == dtype


def test_fusion_stops_at_other_ops_and_broadcasting() -> None:
    rng = np.random.default_rng(1)
    x = ae.tensor(rng.standard_normal((4, 3)).astype("float32"), requires_grad=True)
    b = ae.tensor(rng.standard_normal(3).astype("float32"), requires_grad=True)

    def f(x: ae.Tensor, b: ae.Tensor) -> ae.Tensor:
        h = (x * x - x).exp() * 0.5 + 1.0  # exp is not traced: two runs around it
        loss = (h + b).sum()  # b broadcasts: its add stays an op of its own
        loss.backward()
        return loss

    got, compiled = replay(f, [x, b])
    assert_bitwise(got, eager(f, [x, b]))
    names = [g.ops for g in groups(compiled)]
    assert ["mul", "sub"] in names and ["mul", "add"] in names
    assert not any("add" in ops and len(ops) == 1 for ops in names)


def test_non_contiguous_inputs_are_not_fused_but_stay_right() -> None:
    rng = np.random.default_rng(2)
    x = ae.tensor(rng.standard_normal((3, 5)).astype("float32"), requires_grad=True)

    def f(x: ae.Tensor) -> ae.Tensor:
        t = x.T  # a transposed view: its strides are not C order
        loss = (t * t + t * 3.0).sum()
        loss.backward()
        return loss

    got, _ = replay(f, [x])
    assert_bitwise(got, eager(f, [x]))


def test_kernels_are_shared_between_programs() -> None:
    rng = np.random.default_rng(3)
    inputs = [ae.tensor(rng.random((2, 2)).astype("float32"), requires_grad=True) for _ in "ab"]
    first = groups(replay(chain, inputs)[1])
    second = groups(replay(chain, inputs)[1])
    assert [g.kernel for g in first] == [g.kernel for g in second]


# ------------------------------------------------------------------ random expressions
APPLY: dict[str, Callable] = {
    "add": lambda a, b, c: a + b,
    "sub": lambda a, b, c: a - b,
    "mul": lambda a, b, c: a * b,
    "div": lambda a, b, c: a / (b * b + 1.0),
    "neg": lambda a, b, c: -a,
    "const_mul": lambda a, b, c: a * c,
    "const_rsub": lambda a, b, c: c - a,
    "const_div": lambda a, b, c: c / (a * a + 1.0),
}


@st.composite
def programs(draw: st.DrawFn) -> list[tuple]:
    """A random straight-line program over values 0..2 (the inputs): (op, i, j, c) each."""
    steps = []
    for n in range(draw(st.integers(1, 8))):
        available = 3 + n
        op = draw(st.sampled_from(sorted(APPLY)))
        i = draw(st.integers(0, available - 1))
        j = draw(st.integers(0, available - 1))
        c = draw(st.sampled_from([0.5, 2, -3.25, 1e-3]))
        steps.append((op, i, j, c))
    return steps


def build(steps: list[tuple]) -> Callable:
    def f(x: ae.Tensor, y: ae.Tensor, z: ae.Tensor) -> ae.Tensor:
        values = [x, y, z]
        for op, i, j, c in steps:
            values.append(APPLY[op](values[i], values[j], c))
        loss = sum((v * v).sum() for v in values)  # every input reaches the loss
        loss.backward()
        return loss

    return f


@settings(max_examples=40, deadline=None)
@given(
    steps=programs(),
    shape=st.sampled_from([(), (1,), (7,), (3, 4)]),
    dtype=st.sampled_from(["float32", "float64"]),
    needs=st.lists(st.booleans(), min_size=3, max_size=3),
)
def test_random_elementwise_programs_replay_bitwise(
    steps: list[tuple], shape: tuple, dtype: str, needs: list[bool]
) -> None:
    rng = np.random.default_rng(len(steps))
    inputs = [
        ae.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=need) for need in needs
    ]
    if not any(needs):
        inputs[0].requires_grad_(True)
    f = build(steps)
    got, _ = replay(f, inputs)
    assert_bitwise(got, eager(f, inputs))


# ------------------------------------------------------------------ gradient into the update
def sgd_twins(momentum: float = 0.0, set_to_none: bool = True) -> tuple:
    """Two identical MLPs with SGD steps (the second to compile), and their optimizers."""
    made = []
    for _ in range(2):
        ae.manual_seed(0)
        model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=momentum)

        def step(x, y, model=model, opt=opt):
            opt.zero_grad(set_to_none=set_to_none)
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss

        made.append((model, opt, step))
    return made


def classes(n: int, seed: int = 0) -> tuple[ae.Tensor, ae.Tensor]:
    rng = np.random.default_rng(seed)
    return ae.tensor(rng.standard_normal((n, 6)).astype("float32")), ae.tensor(
        rng.integers(0, 3, n)
    )


@pytest.mark.parametrize("batch", [1, 8])
def test_plain_sgd_takes_weight_and_bias_gradients_straight_into_the_update(batch: int) -> None:
    (m1, _, s1), (m2, _, s2) = sgd_twins()
    fast = ae.compile(s2)
    x, y = classes(batch)
    exact = batch == 1  # an outer product update, bit for bit; else one BLAS call
    for _ in range(5):
        assert_same_loss(fast(x, y).item(), s1(x, y).item(), fast, exact)
        assert_same(m1, m2, fast=fast, exact=exact)
    (program,) = next(iter(fast.programs.values()))
    assert {id(t) for t in program.folded} == {id(p) for p in m2.parameters()}
    assert all(p.grad is None for p in m2.parameters())  # not materialised
    for p, q in zip(m1.parameters(), m2.parameters()):  # updated in place: versions count
        assert p._vc[0] == q._vc[0]


@pytest.mark.parametrize("case", ["frozen weight", "no bias", "bias lr"])
def test_the_parameters_of_a_layer_fold_one_by_one(case: str) -> None:
    """A layer's weight and bias fold apart: a frozen weight leaves the bias's update
    folded, a layer without a bias folds its weight, and each reads its own group's rate."""
    made = []
    for _ in range(2):
        ae.manual_seed(0)
        layer = nn.Linear(6, 3, bias=case != "no bias")
        if case == "frozen weight":
            layer.weight.requires_grad_(False)
        params = [p for p in layer.parameters() if p.requires_grad]
        groups = [{"params": [layer.weight]}, {"params": [layer.bias], "lr": 0.5}]
        opt = optim.SGD(groups if case == "bias lr" else params, lr=0.1)

        def step(x, layer=layer, opt=opt):
            opt.zero_grad()
            loss = layer(x).square().sum()
            loss.backward()
            opt.step()
            return loss

        made.append((layer, step))
    (l1, s1), (l2, s2) = made
    fast = ae.compile(s2)
    x = classes(1)[0]
    for _ in range(4):
        assert fast(x).item() == s1(x).item()
        for p, q in zip(l1.parameters(), l2.parameters()):
            np.testing.assert_array_equal(p.numpy(), q.numpy())
    (program,) = next(iter(fast.programs.values()))
    assert {id(t) for t in program.folded} == {id(p) for p in l2.parameters() if p.requires_grad}


def test_the_learning_rate_is_read_on_every_replay_and_other_updates_are_not_folded() -> None:
    (m1, o1, s1), (m2, o2, s2) = sgd_twins()
    fast = ae.compile(s2)
    x, y = classes(4)
    for i in range(8):
        if i == 4:
            for opt in (o1, o2):
                opt.param_groups[0]["lr"] = 0.03
        if i == 6:  # momentum from now on: the replay takes the recorded backward again
            for opt in (o1, o2):
                opt.param_groups[0]["momentum"] = 0.9
        expected = s1(x, y).item()
        assert_same_loss(fast(x, y).item(), expected, fast, what=str(i))
        assert_same(m1, m2, str(i), fast)
    assert m2[0].weight.grad is not None  # the momentum steps materialise it again


@pytest.mark.parametrize("case", ["momentum", "zeroed grads", "fuse=False"])
def test_no_folding_where_the_gradient_is_needed(case: str) -> None:
    (m1, _, s1), (m2, _, s2) = sgd_twins(
        momentum=0.9 if case == "momentum" else 0.0, set_to_none=case != "zeroed grads"
    )
    fast = ae.compile(s2, fuse=case != "fuse=False")
    x, y = classes(4)
    for _ in range(4):
        s1(x, y)
        fast(x, y)
    (program,) = next(iter(fast.programs.values()))
    assert program.folded == ()
    for p, q in zip(m1.parameters(), m2.parameters()):
        np.testing.assert_array_equal(p.numpy(), q.numpy())
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())


def test_a_weight_used_twice_is_not_folded() -> None:
    ae.manual_seed(0)
    layer = nn.Linear(5, 5)
    opt = optim.SGD(layer.parameters(), lr=0.1)

    @ae.compile
    def step(x: ae.Tensor) -> ae.Tensor:
        opt.zero_grad()
        loss = layer(layer(x).tanh()).sum()  # the second backward reads the weight again
        loss.backward()
        opt.step()
        return loss

    x = ae.randn(3, 5)
    for _ in range(4):
        step(x)
    (program,) = next(iter(step.programs.values()))
    assert program.folded == ()


def test_a_second_backward_through_the_same_graph_is_not_folded() -> None:
    (m1, _, _), (m2, o2, _) = sgd_twins()

    def step(x, y, model, opt):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward(retain_graph=True)
        loss.backward()  # reads the weights the first backward saved
        opt.step()
        return loss

    o1 = optim.SGD(m1.parameters(), lr=0.1)
    fast = ae.compile(step)
    x, y = classes(4)
    for _ in range(4):
        assert step(x, y, m1, o1).item() == fast(x, y, m2, o2).item()
        for p, q in zip(m1.parameters(), m2.parameters()):
            np.testing.assert_array_equal(p.numpy(), q.numpy())
    (program,) = next(iter(fast.programs.values()))
    assert program.folded == ()


def test_a_subclass_with_its_own_update_is_not_folded() -> None:
    class Halved(optim.SGD):
        def _update_group(self, params, grads, states, group):
            super()._update_group(params, [g / 2 for g in grads], states, group)

    ae.manual_seed(0)
    layer = nn.Linear(4, 2)
    opt = Halved(layer.parameters(), lr=0.1)
    assert opt.fused_rate(layer.weight) is None
    assert optim.SGD(layer.parameters(), lr=0.1).fused_rate(layer.weight) == 0.1


# ------------------------------------------------------------------ totals and dead values
@pytest.mark.parametrize(
    "shape,reduce",
    [
        ((7,), lambda v: v.sum()),
        ((3, 50), lambda v: v.sum()),
        ((200,), lambda v: v.mean()),
        ((4, 33), lambda v: v.sum(dim=(0, 1), keepdim=True)),
        ((1,), lambda v: v.sum(0)),
    ],
)
def test_a_total_ends_the_forward_kernel_and_its_gradient_starts_the_backward(
    shape: tuple, reduce: Callable
) -> None:
    rng = np.random.default_rng(4)
    x, y = (ae.tensor(rng.standard_normal(shape), requires_grad=True) for _ in "xy")

    def f(x: ae.Tensor, y: ae.Tensor) -> ae.Tensor:
        loss = reduce(x * y - y * 0.5)
        loss.backward(ae.ones_like(loss))
        return loss

    got, compiled = replay(f, [x, y])
    assert_bitwise(got, eager(f, [x, y]))
    forward, backward = groups(compiled)
    assert forward.ops[-1] == "sum" and backward.ops[0] == "sum backward"


def test_a_forward_nobody_reads_is_not_run() -> None:
    x, y, z = (ae.tensor([v], requires_grad=True) for v in (2.0, 3.0, 4.0))

    def f(x: ae.Tensor, y: ae.Tensor, z: ae.Tensor) -> None:
        (x * y + z).sum().backward()  # the sum's backward needs no forward value

    compiled = ae.compile(f)
    for _ in range(3):
        compiled(x, y, z)
    forward, backward = groups(compiled)
    assert forward.kernel is None and not forward.outputs  # nothing computed
    assert backward.ops[0] == "sum backward"
    assert [t.grad.item() for t in (x, y, z)] == [9.0, 6.0, 3.0]  # three calls, accumulated


def test_fused_gradients_are_added_into_grad_where_it_fits() -> None:
    """Leaf gradients of a fused backward go straight into `.grad` when its array has their
    shape, dtype and C order (the same tensor object, its version bumped, as eagerly), and
    through the recorded accumulation otherwise: none yet, another dtype, a strided view."""
    rng = np.random.default_rng(5)

    def made() -> list[ae.Tensor]:
        return [ae.tensor(rng.standard_normal((3, 4)), requires_grad=True) for _ in "xy"]

    def f(x: ae.Tensor, y: ae.Tensor) -> ae.Tensor:
        loss = (x * y + x).sum()
        loss.backward()
        return loss

    first = made()
    twins = [first, [ae.tensor(t.numpy().copy(), requires_grad=True) for t in first]]
    compiled = ae.compile(f)
    for step in range(7):  # recorded at 0 (no .grad yet), 1 and 2, replayed from 3
        if step == 5:  # another dtype and a transposed view: not the kernel's to add into
            for inputs in twins:
                inputs[0].grad = ae.zeros((3, 4), dtype=ae.float32)
                inputs[1].grad = ae.zeros((4, 3), dtype=ae.float64).T
        eager_grads = [t.grad for t in twins[0]]
        f(*twins[0])
        held = [t.grad for t in twins[1]]
        compiled(*twins[1])
        for a, b, before_a, before_b in zip(twins[0], twins[1], eager_grads, held):
            assert a.grad.dtype == b.grad.dtype
            np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
            assert (a.grad is before_a) == (b.grad is before_b)
            assert a.grad._vc[0] == b.grad._vc[0]  # the version counter
    assert compiled.replays == 4
    assert [g.adds != {} for g in groups(compiled)] == [False, True]
