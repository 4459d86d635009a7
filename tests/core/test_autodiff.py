"""Autodiff: backward, grad, higher order, grad modes, anomaly detection, deep graphs, Function."""

import numpy as np
import pytest

import autograd_engine as ae
from autograd_engine import (
    AnomalyError,
    BackwardError,
    Function,
    NotDifferentiableError,
    ShapeError,
    Tensor,
)
from autograd_engine.testing import gradcheck, gradgradcheck


def f64(data, requires_grad=True):
    return ae.tensor(data, dtype=ae.float64, requires_grad=requires_grad)


# --------------------------------------------------------------------------- backward
def test_non_scalar_backward_needs_a_gradient():
    x = ae.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    with pytest.raises(BackwardError, match="gradient="):
        y.backward()
    y.backward(ae.tensor([1.0, 0.5]))
    assert x.grad.tolist() == [3.0, 1.5]
    (x * 3).backward(np.array([2.0, 2.0]))
    assert x.grad.tolist() == [9.0, 7.5]
    with pytest.raises(ShapeError, match="shape"):
        (x * 3).backward(ae.ones(3))


def test_backward_without_a_graph_is_an_error():
    with pytest.raises(BackwardError, match="does not require grad"):
        ae.tensor([1.0]).sum().backward()
    x = ae.tensor([1.0], requires_grad=True)
    with ae.no_grad():
        y = x * 2
    with pytest.raises(BackwardError, match="no_grad"):
        y.sum().backward()


def test_second_backward_through_a_freed_graph():
    x = ae.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(BackwardError, match=r"second time.*retain_graph"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = ae.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first, rtol=1e-6)


def test_saved_values_are_freed_after_backward():
    x = ae.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    node = y.grad_fn
    y.sum().backward()
    with pytest.raises(BackwardError, match="freed"):
        node.saved_tensors


def test_shared_subexpressions_accumulate():
    x = ae.tensor(3.0, requires_grad=True)
    y = x * x
    z = y + y * x  # x^2 + x^3
    z.backward()
    assert x.grad.item() == 2 * 3 + 3 * 9


# --------------------------------------------------------------------------- grad()
def test_functional_grad():
    x, w = ae.tensor([1.0, 2.0], requires_grad=True), ae.tensor([3.0, 4.0], requires_grad=True)
    y = (x * w).sum()
    gx, gw = ae.grad(y, [x, w])
    assert gx.tolist() == [3.0, 4.0] and gw.tolist() == [1.0, 2.0]
    assert x.grad is None and w.grad is None
    (gx,) = ae.grad((x * 2).sum(), x)
    assert gx.tolist() == [2.0, 2.0]


def test_grad_with_grad_outputs_and_several_outputs():
    x = ae.tensor([1.0, 2.0], requires_grad=True)
    y1, y2 = x * 2, x * x
    (g,) = ae.grad([y1, y2], [x], grad_outputs=[ae.ones(2), ae.tensor([1.0, 0.0])])
    assert g.tolist() == [4.0, 2.0]
    a = (x * 2).sum()
    b = a * 3  # a feeds b: both outputs must be summed before a's backward
    (g,) = ae.grad([b, a], [x])
    assert g.tolist() == [8.0, 8.0]


def test_grad_allow_unused():
    x, unused = ae.tensor([1.0], requires_grad=True), ae.tensor([2.0], requires_grad=True)
    y = (x * 2).sum()
    with pytest.raises(BackwardError, match="allow_unused"):
        ae.grad(y, [x, unused], retain_graph=True)
    gx, gu = ae.grad(y, [x, unused], allow_unused=True)
    assert gx.tolist() == [2.0] and gu is None


def test_grad_of_a_non_leaf_and_input_checks():
    x = ae.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    y = (h * h).sum()
    (gh,) = ae.grad(y, h)
    assert gh.tolist() == [6.0, 12.0]
    with pytest.raises(BackwardError, match="does not require grad"):
        ae.grad((x * 2).sum(), [ae.tensor([1.0])])
    with pytest.raises(ValueError, match="grad_outputs"):
        ae.grad([x * 2], [x], grad_outputs=[ae.ones(2), ae.ones(2)])


# --------------------------------------------------------------------------- higher order
def test_second_and_third_derivatives():
    x = f64(2.0)
    y = x**3
    (d1,) = ae.grad(y, x, create_graph=True)
    (d2,) = ae.grad(d1, x, create_graph=True)
    (d3,) = ae.grad(d2, x)
    assert (d1.item(), d2.item(), d3.item()) == (12.0, 12.0, 6.0)


def test_backward_with_create_graph_builds_a_differentiable_grad():
    x = f64([1.0, 2.0])
    (x.sin() * x).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    (g2,) = ae.grad(x.grad.sum(), x)
    expected = 2 * np.cos([1.0, 2.0]) - np.array([1.0, 2.0]) * np.sin([1.0, 2.0])
    np.testing.assert_allclose(g2.numpy(), expected, rtol=1e-12)


def test_hessian_vector_product():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 4))
    sym = a + a.T
    x, v = f64(rng.standard_normal(4)), f64(rng.standard_normal(4), requires_grad=False)
    f = 0.5 * (x @ (Tensor(sym, dtype=ae.float64) @ x)) + (x**3).sum()
    (g,) = ae.grad(f, x, create_graph=True)
    (hv,) = ae.grad((g * v).sum(), x)
    hessian = sym + np.diag(6 * x.numpy())
    np.testing.assert_allclose(hv.numpy(), hessian @ v.numpy(), rtol=1e-10)


def test_gradient_penalty():
    """WGAN-GP style: penalise the norm of d critic / d input, train the critic's weights."""
    rng = np.random.default_rng(1)
    w = f64(rng.standard_normal((3, 2)))
    x = f64(rng.standard_normal((5, 3)))

    def penalty(w, x):
        critic = (x @ w).tanh().sum()
        (gx,) = ae.grad(critic, x, create_graph=True)
        norms = ((gx * gx).sum(axis=1) + 1e-12).sqrt()
        return ((norms - 1.0) ** 2).mean()

    loss = penalty(w, x)
    loss.backward()
    assert w.grad.shape == (3, 2) and np.all(np.isfinite(w.grad.numpy()))
    assert gradcheck(penalty, [w, x])


# --------------------------------------------------------------------------- grad modes
def test_no_grad_and_enable_grad_as_context_managers():
    x = ae.tensor([1.0], requires_grad=True)
    with ae.no_grad():
        assert not ae.is_grad_enabled()
        y = x * 2
        with ae.enable_grad():
            z = x * 2
        assert not ae.is_grad_enabled()
    assert ae.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None


def test_no_grad_and_enable_grad_as_decorators():
    x = ae.tensor([1.0], requires_grad=True)

    @ae.no_grad()
    def infer(t):
        """Docstring kept."""
        return t * 2

    @ae.enable_grad()
    def train(t):
        return t * 2

    assert not infer(x).requires_grad and infer.__doc__ == "Docstring kept."
    with ae.no_grad():
        assert train(x).requires_grad
    assert ae.is_grad_enabled()


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(KeyError), ae.no_grad():
        raise KeyError
    assert ae.is_grad_enabled()
    ae.set_grad_enabled(False)
    try:
        assert (ae.tensor([1.0], requires_grad=True) * 2).grad_fn is None
    finally:
        ae.set_grad_enabled(True)


# --------------------------------------------------------------------------- anomaly
def test_detect_anomaly_names_the_forward_op():
    x = ae.tensor([-1.0, 1.0], requires_grad=True)
    with ae.detect_anomaly(), pytest.raises(AnomalyError, match=r"log.*forward.*NaN"):
        ae.log(x)
    assert ae.log(x).shape == (2,)  # outside the block: no check


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
def test_detect_anomaly_names_the_backward_op():
    x = ae.tensor([0.0, 4.0], requires_grad=True)
    with ae.detect_anomaly():
        y = ae.sqrt(x).sum()  # forward finite, backward 1 / (2 sqrt(0)) = inf
        with pytest.raises(AnomalyError, match=r"sqrt.*backward.*Inf"):
            y.backward()


def test_detect_anomaly_as_a_decorator():
    @ae.detect_anomaly()
    def run():
        return ae.sqrt(ae.tensor([-1.0]))

    with pytest.raises(AnomalyError, match="sqrt"):
        run()
    assert isinstance(AnomalyError("x"), RuntimeError)


# --------------------------------------------------------------------------- deep graphs
def test_a_chain_of_100000_ops_runs_backward():
    x = ae.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1e-5
    y.backward()
    assert x.grad.item() == 1.0
    assert y.item() == pytest.approx(2.0, rel=1e-3)


# --------------------------------------------------------------------------- Function
class Square(Function):
    @staticmethod
    def forward(ctx, x):
        assert isinstance(x, np.ndarray)
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad_output):
        assert isinstance(grad_output, Tensor)
        (x,) = ctx.saved_tensors
        return 2 * x * grad_output


class ScaledAdd(Function):
    """a * scale + b, with scale a plain number; returns an array gradient and None."""

    @staticmethod
    def forward(ctx, a, b, scale):
        ctx.scale = scale
        return a * scale + b

    @staticmethod
    def backward(ctx, g):
        return g.numpy() * ctx.scale, (g if ctx.needs_input_grad[1] else None), None


def test_custom_function():
    x = f64([1.0, -2.0, 3.0])
    y = Square.apply(x)
    assert y.tolist() == [1.0, 4.0, 9.0] and y.requires_grad
    y.sum().backward()
    assert x.grad.tolist() == [2.0, -4.0, 6.0]
    assert gradcheck(Square.apply, [x]) and gradgradcheck(Square.apply, [x])


def test_custom_function_array_and_none_gradients():
    a, b = f64([1.0, 2.0]), f64([0.5], requires_grad=False)
    out = ScaledAdd.apply(a, b, 3.0)
    assert out.tolist() == [3.5, 6.5]
    out.sum().backward()
    assert a.grad.tolist() == [3.0, 3.0] and b.grad is None
    c = f64([0.5])
    ScaledAdd.apply(a, c, 2.0).sum().backward()
    assert c.grad.tolist() == [2.0]  # broadcast gradient summed back to c's shape
    assert gradcheck(lambda p, q: ScaledAdd.apply(p, q, 2.0), [a, c])


def test_custom_function_without_grad_or_recording():
    x = ae.tensor([1.0, 2.0])
    y = Square.apply(x)
    assert not y.requires_grad and y.grad_fn is None
    with ae.no_grad():
        assert Square.apply(ae.tensor([1.0], requires_grad=True)).grad_fn is None


def test_custom_function_errors():
    class WrongCount(Function):
        @staticmethod
        def forward(ctx, x):
            return x + 1

        @staticmethod
        def backward(ctx, g):
            return g, g

    class NoBackward(Function):
        @staticmethod
        def forward(ctx, x):
            return x + 1

    x = ae.tensor([1.0], requires_grad=True)
    with pytest.raises(BackwardError, match="returned 2 gradients"):
        WrongCount.apply(x).sum().backward()
    with pytest.raises(NotDifferentiableError, match="NoBackward"):
        NoBackward.apply(x).sum().backward()


def test_leaf_gradients_never_alias_each_other_or_the_root_gradient():
    # add's backward hands the same array to both inputs: each .grad must be its own copy
    a = ae.tensor([1.0, 2.0], requires_grad=True)
    b = ae.tensor([3.0, 4.0], requires_grad=True)
    root = ae.ones(2)
    (a + b).backward(root)
    a.grad.numpy()[0] = 100.0
    b.grad.numpy()[1] = -100.0
    assert b.grad.tolist() == [1.0, -100.0]
    assert a.grad.tolist() == [100.0, 1.0]
    assert root.tolist() == [1.0, 1.0]


def test_a_fresh_gradient_buffer_is_taken_over_not_copied():
    made = []

    class Double(ae.Function):
        @staticmethod
        def forward(ctx, x):
            return 2 * x

        @staticmethod
        def backward(ctx, g):
            out = 2 * g.numpy()
            made.append(id(out))  # the id only: holding the array would make it shared
            return out

    w = ae.tensor([1.0, 2.0], requires_grad=True)
    Double.apply(w).backward(ae.ones(2))
    assert id(w.grad.numpy()) == made[0]  # the fresh array became .grad without a copy
    assert w.grad.tolist() == [2.0, 2.0]
