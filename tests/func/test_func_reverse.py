"""The reverse-mode functional transforms against closed forms, finite differences and
torch.func."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as ae
from autograd_engine.func import grad, grad_and_value, hessian, jacrev, value_and_grad, vjp, vmap


def _x(*values: float) -> ae.Tensor:
    return ae.tensor(np.array(values, dtype=np.float64))


def _numeric_jacobian(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    out = np.asarray(f(x))
    jac = np.zeros(out.shape + x.shape)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = eps
        jac[(..., *i)] = (np.asarray(f(x + step)) - np.asarray(f(x - step))) / (2 * eps)
    return jac


def test_grad_of_a_cubic_and_its_second_derivative():
    f = lambda x: (x**3).sum()  # noqa: E731
    x = _x(1.0, -2.0, 0.5)
    np.testing.assert_allclose(grad(f)(x).numpy(), 3 * x.numpy() ** 2)
    second = grad(lambda x: grad(f)(x).sum())(x)
    np.testing.assert_allclose(second.numpy(), 6 * x.numpy())


def test_grad_leaves_the_input_untouched_and_returns_plain_tensors():
    x = _x(1.0, 2.0)
    g = grad(lambda x: (x * x).sum())(x)
    assert not x.requires_grad and x.grad is None
    assert not g.requires_grad and g.grad_fn is None


def test_argnums_tuple_and_has_aux():
    def f(a, b):
        loss = (a * b).sum()
        return loss, {"loss": loss.item()}

    a, b = _x(1.0, 2.0), _x(3.0, 4.0)
    (ga, gb), aux = grad(f, argnums=(0, 1), has_aux=True)(a, b)
    np.testing.assert_allclose(ga.numpy(), b.numpy())
    np.testing.assert_allclose(gb.numpy(), a.numpy())
    assert aux == {"loss": 11.0}
    value, g = value_and_grad(lambda a, b: (a * b).sum(), argnums=1)(a, b)
    assert value.item() == 11.0
    np.testing.assert_allclose(g.numpy(), a.numpy())
    g2, value2 = grad_and_value(lambda a, b: (a * b).sum(), argnums=1)(a, b)
    assert value2.item() == 11.0 and np.array_equal(g2.numpy(), g.numpy())


def test_a_function_that_ignores_its_input_has_zero_gradient():
    g = grad(lambda x: ae.tensor(3.0, dtype="float64"))(_x(1.0, 2.0))
    np.testing.assert_array_equal(g.numpy(), [0.0, 0.0])


def test_grad_refuses_a_non_scalar_output_with_a_hint():
    with pytest.raises(ValueError, match=r"grad: .*one-element.*jacrev"):
        grad(lambda x: x * 2)(_x(1.0, 2.0))


def test_argnums_out_of_range_is_an_index_error():
    with pytest.raises(IndexError, match="argnums 3"):
        grad(lambda x: x.sum(), argnums=3)(_x(1.0))


def test_jacrev_matches_finite_differences():
    f = lambda x: ae.tanh(x) * x.sum() + x**2  # noqa: E731
    x = np.random.default_rng(0).normal(size=4)
    jac = jacrev(f)(ae.tensor(x, dtype="float64"))
    expected = _numeric_jacobian(lambda v: f(ae.tensor(v, dtype="float64")).numpy(), x)
    assert jac.shape == (4, 4)
    np.testing.assert_allclose(jac.numpy(), expected, rtol=1e-6, atol=1e-8)


def test_jacrev_shapes_for_matrix_input_and_output():
    w = ae.tensor(np.random.default_rng(1).normal(size=(3, 2)))
    jac = jacrev(lambda x: x @ w)(ae.tensor(np.ones((5, 3))))
    assert jac.shape == (5, 2, 5, 3)
    # d (x w)[i, j] / d x[k, l] = delta_ik w[l, j]
    expected = np.einsum("ik,lj->ijkl", np.eye(5), w.numpy())
    np.testing.assert_allclose(jac.numpy(), expected)


def test_hessian_of_the_lecture_function():
    # Hjorth-Jensen's f(x0, x1) = x0^2 + 3 x0 x1 + x1^2 + 5: its Hessian is [[2, 3], [3, 2]]
    def f(x):
        return x[0] ** 2 + 3 * x[0] * x[1] + x[1] ** 2 + 5

    np.testing.assert_allclose(hessian(f)(_x(0.3, -1.2)).numpy(), [[2.0, 3.0], [3.0, 2.0]])


def test_vjp_can_be_called_twice():
    out, fn = vjp(lambda x: x.exp(), _x(0.0, 1.0))
    np.testing.assert_allclose(out.numpy(), np.exp([0.0, 1.0]))
    for v in ([1.0, 0.0], [2.0, 3.0]):
        (g,) = fn(ae.tensor(np.array(v)))
        np.testing.assert_allclose(g.numpy(), np.array(v) * np.exp([0.0, 1.0]))


def test_vmap_maps_over_the_chosen_dimension():
    a = ae.tensor(np.arange(6.0).reshape(2, 3))
    w = _x(1.0, 10.0, 100.0)
    out = vmap(lambda row, w: (row * w).sum(), in_dims=(0, None))(a, w)
    np.testing.assert_allclose(out.numpy(), a.numpy() @ w.numpy())
    cols = vmap(lambda col: col.sum(), in_dims=1)(a)
    np.testing.assert_allclose(cols.numpy(), a.numpy().sum(axis=0))


def test_vmap_of_grad_gives_per_sample_gradients():
    w = _x(0.5, -1.0)
    xs = ae.tensor(np.random.default_rng(2).normal(size=(4, 2)))

    def loss(w, x):
        return ((x * w).sum() - 1.0) ** 2

    per_sample = vmap(grad(loss), in_dims=(None, 0))(w, xs)
    expected = [2 * ((x * w.numpy()).sum() - 1.0) * x for x in xs.numpy()]
    np.testing.assert_allclose(per_sample.numpy(), expected)


def test_against_torch_func():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x = rng.normal(size=3)

    def f_ours(v):
        return (ae.sigmoid(v) * v.exp()).sum() + (v**2).sum()

    def f_torch(v):
        return (torch.sigmoid(v) * v.exp()).sum() + (v**2).sum()

    tx = torch.from_numpy(x)
    np.testing.assert_allclose(
        grad(f_ours)(ae.tensor(x, dtype="float64")).numpy(),
        torch.func.grad(f_torch)(tx).numpy(),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        hessian(f_ours)(ae.tensor(x, dtype="float64")).numpy(),
        torch.func.hessian(f_torch)(tx).numpy(),
        rtol=1e-10,
    )
    np.testing.assert_allclose(
        jacrev(lambda v: v.sin() * v)(ae.tensor(x, dtype="float64")).numpy(),
        torch.func.jacrev(lambda v: v.sin() * v)(tx).numpy(),
        rtol=1e-12,
    )
