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
from autograd_engine.func import jvp

# In-place methods refuse tensors that carry a tangent (test_inplace_on_a_dual_refuses).
OUT_OF_PLACE = [
    c for c in CASES if not getattr(c.op, "__name__", "").endswith(("_", "__setitem__"))
]


def _directional_difference(f, xs: list[Tensor], vs: list[np.ndarray], eps: float) -> np.ndarray:
    def at(sign: float) -> np.ndarray:
        shifted = [Tensor(x.numpy() + sign * eps * v, dtype=x.dtype) for x, v in zip(xs, vs)]
        return np.asarray(f(*shifted).numpy(), dtype=np.float64)

    return (at(1.0) - at(-1.0)) / (2 * eps)


@pytest.mark.parametrize("case", OUT_OF_PLACE, ids=[c.name for c in OUT_OF_PLACE])
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


def test_inplace_on_a_dual_refuses():
    with forward_ad.dual_level():
        d = forward_ad.make_dual(ae.tensor([1.0, 2.0]), np.ones(2))
        with pytest.raises(ae.InplaceError, match=r"add_: in-place .* tangent"):
            d.add_(1.0)
        with pytest.raises(ae.InplaceError, match="copy_"):
            ae.zeros(2).copy_(d)
