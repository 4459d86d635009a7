"""The public gradient-testing API: gradcheck, gradgradcheck and the Hypothesis strategies."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_engine as ae
from autograd_engine import Function, Tensor
from autograd_engine.errors import AutogradError, BackwardError, DTypeError, GradcheckError
from autograd_engine.testing import gradcheck, gradgradcheck
from autograd_engine.testing import strategies as ts


def f64(data, requires_grad=True):
    return ae.tensor(data, dtype=ae.float64, requires_grad=requires_grad)


class CubeWrongAtOne(Function):
    """x^3 whose backward is wrong (doubled) for element 1 only."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        scale = np.ones(x.shape)
        scale[1] = 2.0
        return g * 3 * x * x * scale


class CubeConstantBackward(Function):
    """x^3 with a right first derivative computed outside the graph: no second derivative."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (3 * x.numpy() ** 2)


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x * x


class NoisyBackward(Function):
    @staticmethod
    def forward(ctx, x):
        return 2 * x

    @staticmethod
    def backward(ctx, g):
        return g * 2 + np.random.default_rng().normal(0, 1e-3, g.shape)


def test_correct_gradients_pass():
    x, y = f64([[0.3, -1.2], [2.0, 0.5]]), f64([1.5, -0.7])
    assert gradcheck(lambda a, b: (a * b).sin() @ b, [x, y])
    assert gradgradcheck(lambda a, b: (a * b).sin() @ b, [x, y])


def test_error_names_input_and_worst_element():
    x = f64([0.5, 1.5, -1.0])
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda c, a: c * CubeWrongAtOne.apply(a), [2.0, x])
    message = str(info.value)
    assert "input 1" in message and "index (1,)" in message
    assert "1 of 3 elements" in message


def test_raise_exception_false_returns_false():
    x = f64([0.5, 1.5, -1.0])
    assert gradcheck(CubeWrongAtOne.apply, [x], raise_exception=False) is False
    assert gradcheck(Cube.apply, [x], raise_exception=False) is True


def test_gradcheck_error_is_an_engine_error_and_an_assertion():
    assert issubclass(GradcheckError, AutogradError)
    assert issubclass(GradcheckError, AssertionError)
    assert ae.testing.GradcheckError is GradcheckError


def test_large_inputs_use_random_directions():
    x = f64(np.linspace(-1, 1, 200))
    assert gradcheck(Cube.apply, [x], max_full_jacobian=50)
    with pytest.raises(GradcheckError, match=r"input 0 .* direction"):
        gradcheck(CubeWrongAtOne.apply, [x], max_full_jacobian=50)


def test_second_order_errors_are_caught():
    x = f64([0.5, 1.5, -1.0])
    assert gradcheck(CubeConstantBackward.apply, [x])
    assert gradgradcheck(Cube.apply, [x])
    with pytest.raises(GradcheckError, match="input 0"):
        gradgradcheck(CubeConstantBackward.apply, [x])


def test_gradgradcheck_with_given_upstream_gradient():
    x = f64([[0.5, 1.5], [-1.0, 0.2]])
    u = f64([[1.0, -2.0], [0.5, 3.0]])
    assert gradgradcheck(lambda a: (a @ a).tanh(), [x], grad_outputs=[u])
    with pytest.raises(ValueError, match="grad_outputs"):
        gradgradcheck(lambda a: a * a, [x], grad_outputs=[u, u])


def test_float32_inputs_are_refused():
    with pytest.raises(DTypeError, match="float64"):
        gradcheck(ae.sin, [ae.tensor([1.0, 2.0], requires_grad=True)])


def test_nothing_to_check_is_an_error():
    with pytest.raises(BackwardError, match="no input requires grad"):
        gradcheck(ae.sin, [f64([1.0], requires_grad=False)])


def test_constants_and_inputs_without_grad_pass_through():
    x, c = f64([0.5, -2.0]), f64([3.0, 4.0], requires_grad=False)
    labels = ae.tensor([1, 0])
    assert gradcheck(lambda a, b, k, n: a * b * k + n, [x, c, 2.5, labels])
    assert c.grad is None


def test_several_outputs_and_integer_outputs():
    x = f64([0.5, -2.0, 1.0])
    assert gradcheck(lambda a: (a.exp(), a.sum() * 2, ae.argmax(a)), [x])


def test_an_op_that_forgets_to_record_is_caught():
    x = f64([0.5, -2.0])
    with pytest.raises(GradcheckError, match="analytic 0 vs numeric"):
        gradcheck(lambda a: Tensor(a.numpy() * 2.0, dtype=ae.float64), [x])


def test_nondeterministic_backward_is_caught():
    x = f64([0.5, -2.0])
    with pytest.raises(GradcheckError, match="not reproducible"):
        gradcheck(NoisyBackward.apply, [x])
    assert gradcheck(NoisyBackward.apply, [x], nondet_tol=1e-1, atol=1e-1)


def test_inputs_are_left_unchanged():
    base = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
    view = base.T
    x = Tensor._make(view, False, None).requires_grad_()  # a non-contiguous view
    before = x.numpy().copy()
    assert gradcheck(lambda a: (a * a).sum(axis=0), [x])
    np.testing.assert_array_equal(x.numpy(), before)
    assert x.numpy() is view and x.grad is None


def test_read_only_inputs_are_perturbed_on_a_copy():
    view = np.broadcast_to(np.float64(0.7), (3,))
    x = Tensor._make(view[None, :1], False, None).requires_grad_()
    assert not x.numpy().flags.writeable
    assert gradcheck(ae.exp, [x])
    assert x.numpy().base is not None and not x.numpy().flags.writeable


# --------------------------------------------------------------------------- strategies
@given(ts.tensors(shape=ts.shapes(min_dims=1, min_side=2), contiguous=False))
def test_non_contiguous_layouts(x):
    assert not x.numpy().flags.c_contiguous
    assert x.dtype == np.float64 and x.requires_grad and x.is_leaf


@given(ts.tensors(shape=(2, 3), contiguous=True, requires_grad=False))
def test_contiguous_layout(x):
    assert x.numpy().flags.c_contiguous and x.shape == (2, 3) and not x.requires_grad


@given(ts.tensors(dtype=np.float32, elements=ts.real_elements(1e3)))
def test_float32_tensors(x):
    assert x.dtype == np.float32 and np.all(np.abs(x.numpy()) <= 1e3)


@given(ts.tensors(dtype=np.int64), ts.tensors(dtype=np.bool_))
def test_integer_and_bool_tensors_do_not_require_grad(i, b):
    assert i.dtype == np.int64 and b.dtype == np.bool_
    assert not i.requires_grad and not b.requires_grad


@given(ts.broadcastable_shapes(3))
def test_broadcastable_shapes(group):
    assert len(group) == 3
    np.broadcast_shapes(*group)


@given(ts.broadcastable_tensors(2, elements=[ts.positive_elements(), ts.nonzero_elements(0.5)]))
def test_domain_restricted_elements(pair):
    a, b = pair
    assert np.all(a.numpy() >= 0.1) and np.all(np.abs(b.numpy()) >= 0.5)
    np.broadcast_shapes(a.shape, b.shape)


@given(ts.positive_tensors(lo=1.0, hi=2.0), ts.nonzero_tensors(margin=0.3))
def test_positive_and_nonzero_tensors(p, n):
    assert np.all((p.numpy() >= 1.0) & (p.numpy() <= 2.0))
    assert np.all(np.abs(n.numpy()) >= 0.3)


@given(st.lists(ts.grid_elements(), min_size=2, max_size=2))
def test_grid_elements_are_equal_or_apart(pair):
    a, b = pair
    assert a == b or abs(a - b) >= 0.1 - 1e-9
    assert abs(a) >= 0.05 - 1e-9
