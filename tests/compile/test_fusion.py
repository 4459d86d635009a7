"""ae.compile's elementwise fusion (fusion.py): runs of + - * / and negation, forward and
backward, become one generated kernel each, with results bitwise those of eager mode."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_engine as ae
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
    assert forward.ops == ["mul", "sub", "add", "div", "mul", "sub"]
    assert backward.ops[0] == "sub backward" and "gradient sum" in backward.ops
    # the forward kernel writes what the sum and the backward read, not every intermediate
    assert len(forward.outputs) == 4 and len(forward.trace.lines) == 6
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
