"""The kernel table: every kernel registered with a reference it is tested against, routing
between NumPy and Numba, thread control and the public interface."""

from __future__ import annotations

import inspect
import subprocess
import sys

import numpy as np
import pytest
from helpers import DTYPES, LARGE, close

import autograd_engine.kernels as K
from autograd_engine.kernels import linalg, reference

RNG = np.random.default_rng(7)
X = RNG.standard_normal((40, 30))
G = RNG.standard_normal((40, 30))
TARGET = RNG.integers(0, 30, 40)
ROW_G = RNG.standard_normal(40)
SGD = dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True, weight_decay=0.01)
ADAM = dict(lr=0.01, beta1=0.9, beta2=0.99, eps=1e-8, weight_decay=0.1, amsgrad=True)


def examples(dtype) -> dict[str, tuple[tuple, dict]]:
    """Arguments for every registered kernel, in `dtype` (fresh arrays: optimizers write)."""
    x, g, probs = X.astype(dtype), G.astype(dtype), reference.softmax(X.astype(dtype), 1)
    row_g, t = ROW_G.astype(dtype), np.abs(G.astype(dtype)) % 1

    def state(n: int) -> list[np.ndarray]:
        """A parameter, its gradient and n state arrays, the first large enough that RMSprop's
        centred variance stays positive."""
        return [x.copy(), g] + [np.abs(x) * 0.1 + (10 if i == 0 else 0) for i in range(n)]

    return {
        "sigmoid": ((x,), {}),
        "sigmoid_backward": ((reference.sigmoid(x), g), {}),
        "tanh": ((x,), {}),
        "tanh_backward": ((np.tanh(x), g), {}),
        "relu": ((x,), {}),
        "relu_backward": ((x, g), {}),
        "leaky_relu": ((x, 0.1), {}),
        "leaky_relu_backward": ((x, g, 0.1), {}),
        "elu": ((x, 1.3), {}),
        "elu_backward": ((x, g, 1.3), {}),
        "softplus": ((x,), {}),
        "softplus_backward": ((x, g), {}),
        "logsumexp": ((x, 0), {"keepdims": True}),
        "softmax": ((x, 1), {}),
        "softmax_backward": ((probs, g, 1), {}),
        "log_softmax": ((x, 0), {}),
        "log_softmax_backward": ((np.log(probs), g, 1), {}),
        "softmax_cross_entropy": ((x, TARGET), {}),
        "softmax_cross_entropy_backward": ((probs, TARGET, row_g), {}),
        "bce_with_logits": ((x, t), {}),
        "bce_with_logits_backward": ((x, t, g), {}),
        "matmul": ((x, g.T), {}),
        "linear": ((x, g[:20], x[0, :20]), {}),
        "matmul_sub_": ((x.copy(), g[:, :1], x[:1]), {"lr": 0.1}),
        "sgd_step_": ((*state(1),), {**SGD, "first_step": False}),
        "sgd_foreach_": (([x.copy(), x[:3].copy()], [g, g[:3]]), {"lr": 0.1}),
        "sum_sub_": ((x[0].copy(), g), {"lr": 0.1}),
        "adam_step_": (
            (*state(3),),
            {**ADAM, "step": 3, "decoupled_weight_decay": True},
        ),
        "rmsprop_step_": (
            (*state(3),),
            dict(lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.01, momentum=0.9, centered=True),
        ),
        "adagrad_step_": (
            (*state(1),),
            dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, eps=1e-10, step=3),
        ),
    }


def outputs(result, args) -> list[np.ndarray]:
    """What a call produced: its result, or for in-place kernels the arrays it updated."""
    if result is None:
        return [a for arg in args for a in (arg if isinstance(arg, list) else [arg])]
    return list(result) if isinstance(result, tuple) else [result]


def test_every_reference_kernel_is_registered_and_public_with_its_signature():
    for name, fn in inspect.getmembers(reference, inspect.isfunction):
        if fn.__module__ == reference.__name__:
            assert name in K.KERNELS and name in K.__all__, name
            assert inspect.signature(getattr(K, name)) == inspect.signature(fn), name


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(K.KERNELS))
def test_every_registered_kernel_matches_its_reference(name, dtype):
    kernel = K.KERNELS[name]
    assert kernel.reference is getattr(reference, name)
    assert kernel.layout in K.LAYOUTS and (kernel.route is None or kernel.route in K.ROUTES)
    cases = examples(dtype)
    assert name in cases, f"kernel {name} needs an example here to be tested"
    for fn in {kernel.numba or kernel.reference, getattr(K, name)}:
        args, kwargs = examples(dtype)[name]
        expected_args, _ = examples(dtype)[name]
        actual = outputs(fn(*args, **kwargs), args)
        expected = outputs(kernel.reference(*expected_args, **kwargs), expected_args)
        for a, b in zip(actual, expected, strict=True):
            close(a, b, 10.0)


def test_kernels_without_size_route_are_called_directly():
    assert K.tanh is reference.tanh  # NumPy's ufunc beats any Numba tanh
    assert K.matmul is K.KERNELS["matmul"].numba  # routes to BLAS itself
    assert K.sgd_step_ is K.KERNELS["sgd_step_"].numba  # checks its layout in compiled code
    assert set(K.ROUTES) == {k.route for k in K.KERNELS.values() if k.route}


def test_numpy_and_numba_routes_agree(monkeypatch):
    x = X.astype(np.float32)
    t = np.abs(x) % 1
    monkeypatch.setitem(K.ROUTES, "bce_with_logits", (0, 0))
    numba_out = K.bce_with_logits(x, t)
    monkeypatch.setitem(K.ROUTES, "bce_with_logits", (0, np.iinfo(np.int64).max))
    close(numba_out, K.bce_with_logits(x, t), 10.0)


def test_unsupported_inputs_go_to_numpy():
    ints = np.arange(-3, 4)
    assert K.relu(ints).dtype == ints.dtype
    np.testing.assert_array_equal(K.relu(ints), reference.relu(ints))
    x32, g64 = np.ones(5, np.float32), np.ones(5)
    close(K.relu_backward(x32, g64), reference.relu_backward(x32, g64))
    row, col = np.ones((1, 4)), np.ones((3, 1))
    close(K.sigmoid_backward(row, col), reference.sigmoid_backward(row, col))
    p, g = np.ones((4, 4))[:, ::2], np.ones((4, 2))  # a strided parameter
    K.sgd_step_(p, g, None, lr=0.5, momentum=0.0, dampening=0.0, nesterov=False,
                weight_decay=0.0, first_step=False)  # fmt: skip
    np.testing.assert_array_equal(p, 0.5)


def test_thread_count_can_be_set():
    before = K.get_num_threads()
    x = np.linspace(-5, 5, LARGE)
    try:
        K.set_num_threads(1)
        assert K.get_num_threads() == 1
        one = K.sigmoid(x)
    finally:
        K.set_num_threads(before)
    close(one, K.sigmoid(x))
    with pytest.raises(ValueError):
        K.set_num_threads(0)


def test_the_blas_of_numba_kernels_loads_on_first_use_under_the_limit_in_force():
    """SciPy's BLAS (behind np.dot inside the conv and recurrent kernels) is not imported at
    start; when the first such kernel loads it inside `limit_threads(1)`, it gets that limit."""
    script = (
        "import sys, numpy as np\n"
        "from autograd_engine.kernels import conv\n"
        "from autograd_engine.kernels.threads import limit_threads\n"
        "from threadpoolctl import threadpool_info\n"
        "assert 'scipy.linalg' not in sys.modules\n"
        "with limit_threads(1):\n"
        "    conv.conv2d(np.ones((1, 1, 4, 4), np.float32), np.ones((1, 1, 3, 3), np.float32))\n"
        "    found = [i for i in threadpool_info() if 'scipy' in i['filepath']]\n"
        "    assert found and all(i['num_threads'] == 1 for i in found), found\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("inner", [1, 7])
def test_matmul_sub_is_the_sgd_step_on_the_product(dtype, inner):
    """c -= lr (a @ b), as `matmul` then the SGD kernel would do it: ae.compile's fused weight
    gradient and update leave the weights eager mode leaves, bit for bit at batch 1 (an outer
    product) and within 1e-6 of their scale from one BLAS call otherwise."""
    a, b = G[:, :inner].astype(dtype), X[:inner].astype(dtype)
    c, expected = X.astype(dtype), X.astype(dtype)
    K.sgd_foreach_([expected], [K.matmul(a, b)], lr=0.05)
    K.matmul_sub_(c, a, b, lr=0.05)
    if inner == 1:
        np.testing.assert_array_equal(c, expected)
    else:
        np.testing.assert_allclose(c, expected, rtol=0, atol=1e-6 * np.abs(expected).max())


def test_matmul_sub_without_numpys_blas_is_bitwise(monkeypatch):
    """Where NumPy's BLAS is unknown, the product is made and then subtracted: bit for bit."""
    monkeypatch.setattr(linalg, "gemm_addresses", lambda: np.zeros(2, np.int64))
    a, b = G[:, :7].astype(np.float32), X[:7].astype(np.float32)
    c, expected = X.astype(np.float32), X.astype(np.float32)
    K.sgd_foreach_([expected], [K.matmul(a, b)], lr=0.05)
    K.matmul_sub_(c, a, b, lr=0.05)
    np.testing.assert_array_equal(c, expected)
