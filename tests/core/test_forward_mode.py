"""Forward mode (dual numbers) for every op of the catalogue: J v from the ops' jvp rules
against central differences along v, and against reverse mode (<u, J v> = <J^T u, v>)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from op_catalogue import CASES

import autograd_engine as ae
from autograd_engine import Tensor, forward_ad
from autograd_engine.errors import NotDifferentiableError
from autograd_engine.func import jacrev, jvp

# In-place methods carry tangents, on views too (test_jvp_through_inplace_ops_matches_torch), and
# the fused backward ops (sigmoid_backward, ...) are reverse mode only: forward mode over a
# backward pass is not supported (test_a_function_without_a_jvp_rule_says_so).
FORWARD_CASES = [c for c in CASES if not getattr(c.op, "__name__", "").endswith("_backward")]


def _directional_difference(f, xs: list[Tensor], vs: list[np.ndarray], eps: float) -> np.ndarray:
    def at(sign: float) -> np.ndarray:
        shifted = [Tensor(x.numpy() + sign * eps * v, dtype=x.dtype) for x, v in zip(xs, vs)]
        return np.asarray(f(*shifted).numpy(), dtype=np.float64)

    return (at(1.0) - at(-1.0)) / (2 * eps)


@pytest.mark.parametrize("case", FORWARD_CASES, ids=[c.name for c in FORWARD_CASES])
@settings(max_examples=max(1, settings().max_examples // 2))
@given(data=st.data())
def test_jvp_matches_differences_and_reverse_mode(case, data):
    tensors, kwargs = data.draw(case.inputs)
    wrt = [i for i, x in enumerate(tensors) if x.requires_grad]
    rng = np.random.default_rng(0)
    vs = [rng.standard_normal(tensors[i].shape) for i in wrt]

    def f(*moving):
        args = list(tensors)
        for i, m in zip(wrt, moving):
            args[i] = m
        return case.call(*args, **kwargs)

    with ae.no_grad():
        primals = [tensors[i].detach() for i in wrt]
        out, tangent = jvp(f, primals, [ae.tensor(v, dtype=np.float64) for v in vs])
    expected = _directional_difference(f, primals, vs, case.eps)
    np.testing.assert_allclose(out.numpy(), f(*primals).detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(tangent.numpy(), expected, rtol=1e-3, atol=case.atol)

    # <u, J v> equals <J^T u, v> with J^T u from reverse mode
    full = case.call(*tensors, **kwargs)
    u = rng.standard_normal(full.shape)
    grads = ae.grad(
        full, [tensors[i] for i in wrt], ae.tensor(u, dtype=np.float64), allow_unused=True
    )
    reverse = sum(float((g.numpy() * v).sum()) for g, v in zip(grads, vs) if g is not None)
    assert float((u * tangent.numpy()).sum()) == pytest.approx(reverse, rel=1e-6, abs=1e-8)


def test_forward_mode_state_and_errors():
    x = ae.tensor([1.0, 2.0], dtype=np.float64)
    with pytest.raises(RuntimeError, match="dual_level"):
        forward_ad.make_dual(x, np.ones(2))
    with forward_ad.dual_level():
        with pytest.raises(ValueError, match="shape"):
            forward_ad.make_dual(x, np.ones(3))
        d = forward_ad.make_dual(x, np.array([1.0, 0.0]))
        y = (d * d).exp()
        _, tangent = forward_ad.unpack_dual(y)
        np.testing.assert_allclose(tangent.numpy(), [2 * np.e, 0.0])
        assert forward_ad.unpack_dual(x).tangent is None  # the original carries no tangent
    assert forward_ad.unpack_dual(y).tangent is None  # dropped with the level


def test_a_function_without_a_jvp_rule_says_so():
    class Twice(ae.Function):
        @staticmethod
        def forward(ctx, x):
            return 2 * x

    with pytest.raises(NotDifferentiableError, match=r"Twice.*jvp"):
        jvp(lambda x: Twice.apply(x), [ae.tensor([1.0])], [ae.tensor([1.0])])


def test_user_function_with_a_jvp_rule():
    class Cube(ae.Function):
        @staticmethod
        def forward(ctx, x):
            return x**3

        @staticmethod
        def jvp(ctx, t):
            (x,) = ctx.inputs
            return 3 * x**2 * t

    _, t = jvp(lambda x: Cube.apply(x), [ae.tensor([2.0])], [ae.tensor([1.0])])
    np.testing.assert_allclose(t.numpy(), [12.0])


def test_jacfwd_equals_jacrev_and_torch():
    from autograd_engine.func import jacfwd, jacrev

    x = ae.tensor(np.random.default_rng(1).normal(size=3), dtype=np.float64)

    def f(v):
        return ae.softmax(v * v.sum(), axis=0) + ae.sigmoid(v).log()

    np.testing.assert_allclose(jacfwd(f)(x).numpy(), jacrev(f)(x).numpy(), rtol=1e-10)
    torch = pytest.importorskip("torch")
    tx = torch.from_numpy(x.numpy())
    _, theirs = torch.func.jvp(
        lambda v: torch.softmax(v * v.sum(), 0) + torch.sigmoid(v).log(), (tx,), (tx * 0 + 1,)
    )
    _, ours = jvp(f, [x], [ae.ones(3, dtype=np.float64)])
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10)


def _inplace_chain(lib, x):
    y = x.clone()
    y.mul_(2)
    y.add_(x, alpha=0.5)
    y.sub_(1.0)
    y.div_(x * x + 2)
    y.clamp_(-0.5, 0.8)
    y.masked_fill_(x > 1.5, 0.0)
    y += x.exp()
    y *= x
    y[1:3].mul_(x[:2])  # through views: the base's tangent changes in the written region
    column = y.view(5, 1)
    column[0].add_(2.0)
    tail = y[3:]
    tail *= 3
    return y


def test_jvp_through_inplace_ops_matches_torch():
    x = ae.tensor([-1.0, 0.3, 0.9, 2.0, 1.2], dtype=np.float64)
    v = ae.tensor([1.0, -2.0, 0.5, 3.0, 1.0], dtype=np.float64)
    out, ours = jvp(lambda a: _inplace_chain(ae, a), [x], [v])
    np.testing.assert_allclose(
        ours.numpy(), jacrev(lambda a: _inplace_chain(ae, a))(x).numpy() @ v.numpy()
    )
    torch = pytest.importorskip("torch")
    t_out, theirs = torch.func.jvp(
        lambda a: _inplace_chain(torch, a),
        (torch.from_numpy(x.numpy()),),
        (torch.from_numpy(v.numpy()),),
    )
    np.testing.assert_allclose(out.numpy(), t_out.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_inplace_ops_move_the_tangent():
    with forward_ad.dual_level():
        d = forward_ad.make_dual(ae.tensor([1.0, 2.0]), np.array([1.0, 10.0]))
        assert d.mul_(3) is d and forward_ad.unpack_dual(d).tangent.tolist() == [3.0, 30.0]
        z = ae.zeros(2)
        z.copy_(d)  # a tensor without a tangent takes the source's
        assert forward_ad.unpack_dual(z).tangent.tolist() == [3.0, 30.0]
        with ae.no_grad():  # grad mode does not matter to forward mode
            d.add_(1.0)
        assert d.tolist() == [4.0, 7.0] and forward_ad.unpack_dual(d).tangent.tolist() == [
            3.0,
            30.0,
        ]
        d.fill_(0.0)  # constant values: no tangent any more
        assert forward_ad.unpack_dual(d).tangent is None


def test_inplace_on_a_view_under_no_grad_keeps_the_bases_graph():
    x = ae.tensor([1.0, 2.0], requires_grad=True)
    base = x * 3
    with forward_ad.dual_level():
        d = forward_ad.make_dual(ae.tensor([5.0]), np.ones(1))
        with ae.no_grad():
            base[:1].mul_(d)
        assert forward_ad.unpack_dual(base).tangent.tolist() == [3.0, 0.0]
    assert base.tolist() == [15.0, 6.0] and base.grad_fn is not None
