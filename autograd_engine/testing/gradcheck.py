"""Check the engine's gradients against float64 central finite differences.

`gradcheck` draws a random upstream gradient u for the outputs y = fn(*inputs) and compares the
engine's vector-Jacobian product u^T J with the derivative of phi(x) = <u, fn(x)> measured by
central differences: element by element (the full Jacobian, projected on u) for small inputs,
along a few random directions v (u^T J v against <vjp, v>) for large ones. `gradgradcheck`
applies the same check to the function (inputs, u) -> vjp, built with `create_graph=True`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from ..autograd import grad
from ..errors import BackwardError, DTypeError, GradcheckError
from ..grad_mode import enable_grad
from ..tensor import Tensor

_DIRECTIONS = 2  # random directions per input above max_full_jacobian elements


def gradcheck(
    fn: Callable[..., Any],
    inputs: Tensor | Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    max_full_jacobian: int = 64,
    seed: int = 0,
) -> bool:
    """True if the gradient of `fn` w.r.t. every float64 input that requires grad is right.

    Inputs that are not Tensors or do not require grad are passed through unchanged. A
    mismatch raises `GradcheckError` naming the input and its worst element, or returns False
    with `raise_exception=False`. `nondet_tol` bounds the difference between two backward runs.
    """
    inputs = _as_tuple(inputs)
    try:
        _check(fn, inputs, eps, atol, rtol, nondet_tol, max_full_jacobian, seed)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Tensor | Sequence[Any],
    grad_outputs: Sequence[Tensor] | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    max_full_jacobian: int = 64,
    seed: int = 0,
) -> bool:
    """Check second derivatives: gradcheck of (inputs, u) -> u^T J built with create_graph.

    The vjp is differentiated w.r.t. both the inputs (the Hessian part) and the upstream
    gradient u (random float64 tensors unless `grad_outputs` is given).
    """
    inputs = _as_tuple(inputs)
    targets = _targets(inputs, "gradgradcheck")
    with enable_grad():
        outputs = _differentiable(fn(*inputs))
    if grad_outputs is None:
        rng = np.random.default_rng(seed + 1)
        grad_outputs = [_random_leaf(rng, y.shape) for y in outputs]
    grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(
            f"gradgradcheck: fn has {len(outputs)} differentiable outputs but "
            f"{len(grad_outputs)} grad_outputs were given"
        )
    n = len(inputs)

    def vjp(*args: Any) -> tuple[Tensor, ...]:
        xs, us = args[:n], args[n:]
        with enable_grad():
            ys = _differentiable(fn(*xs))
            grads = grad(
                ys,
                [xs[i] for i in targets],
                grad_outputs=list(us),
                create_graph=True,
                allow_unused=True,
            )
        return tuple(
            Tensor(np.zeros(xs[i].shape), dtype=np.float64) if g is None else g
            for i, g in zip(targets, grads, strict=True)
        )

    return gradcheck(
        vjp,
        (*inputs, *grad_outputs),
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
        nondet_tol=nondet_tol,
        max_full_jacobian=max_full_jacobian,
        seed=seed,
    )


def _as_tuple(inputs: Tensor | Sequence[Any]) -> tuple:
    return (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)


def _random_leaf(rng: np.random.Generator, shape: tuple[int, ...]) -> Tensor:
    return Tensor(rng.standard_normal(shape), dtype=np.float64, requires_grad=True)


def _targets(inputs: tuple, who: str) -> list[int]:
    """Indices of the inputs to perturb: the Tensors that require grad, all float64."""
    targets = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    for i in targets:
        if inputs[i].dtype != np.float64:
            raise DTypeError(
                f"{who}: input {i} requires grad but has dtype {inputs[i].dtype}; finite "
                "differences need float64 inputs (pass x.double())"
            )
    if not targets:
        raise BackwardError(f"{who}: no input requires grad, so there is nothing to check")
    return targets


def _outputs(result: Any) -> list[Tensor]:
    """The floating-point Tensors among fn's results (one Tensor or a sequence)."""
    results = result if isinstance(result, tuple | list) else (result,)
    return [y for y in results if isinstance(y, Tensor) and y.dtype.kind == "f"]


def _differentiable(result: Any) -> list[Tensor]:
    return [y for y in _outputs(result) if y.requires_grad]


def _check(
    fn: Callable[..., Any],
    inputs: tuple,
    eps: float,
    atol: float,
    rtol: float,
    nondet_tol: float,
    max_full_jacobian: int,
    seed: int,
) -> None:
    targets = _targets(inputs, "gradcheck")
    rng = np.random.default_rng(seed)
    with enable_grad():
        outputs = _outputs(fn(*inputs))
    upstream = [rng.standard_normal(y.shape) for y in outputs]
    analytic = _vjp(outputs, upstream, [inputs[i] for i in targets], retain=True)
    again = _vjp(outputs, upstream, [inputs[i] for i in targets], retain=False)
    for i, a, b in zip(targets, analytic, again, strict=True):
        worst = float(np.max(np.abs(a - b), initial=0.0))
        if not worst <= nondet_tol:
            raise GradcheckError(
                f"gradcheck: backward is not reproducible for input {i}: two runs differ by "
                f"{worst:.3g} > nondet_tol {nondet_tol}"
            )

    def phi() -> float:
        ys = _outputs(fn(*inputs))  # grad mode as the caller has it: fn may call grad()
        if [y.shape for y in ys] != [u.shape for u in upstream]:
            raise GradcheckError("gradcheck: fn returned outputs of other shapes when perturbed")
        return sum(float(np.vdot(u, y._data.astype(np.float64))) for u, y in zip(upstream, ys))

    for i, a in zip(targets, analytic, strict=True):
        x = inputs[i]
        if a.shape != x.shape:
            raise GradcheckError(
                f"gradcheck: the gradient of input {i} has shape {a.shape}, the input {x.shape}"
            )
        with _writable(x) as data:
            if data.size <= max_full_jacobian:
                _compare_full(i, a, _numeric_full(phi, data, eps), atol, rtol)
            else:
                for k in range(_DIRECTIONS):
                    v = rng.standard_normal(data.shape)
                    numeric = _numeric_direction(phi, data, v, eps)
                    _compare_direction(i, k, float(np.vdot(a, v)), numeric, atol, rtol)


def _vjp(outputs: list[Tensor], upstream: list, xs: list[Tensor], retain: bool) -> list:
    """u^T J for each x as float64 arrays (zeros where x does not reach the outputs)."""
    pairs = [(y, u) for y, u in zip(outputs, upstream, strict=True) if y.requires_grad]
    grads: Sequence[Tensor | None] = [None] * len(xs)
    if pairs:
        grads = grad(
            [y for y, _ in pairs],
            xs,
            grad_outputs=[Tensor(u, dtype=y.dtype) for y, u in pairs],
            retain_graph=retain,
            allow_unused=True,
        )
    return [
        np.zeros(x.shape) if g is None else np.asarray(g._data, dtype=np.float64)
        for x, g in zip(xs, grads, strict=True)
    ]


@contextmanager
def _writable(x: Tensor) -> Iterator[np.ndarray]:
    """x's array, made writable for the duration if it is a read-only view."""
    original = x._data
    if not original.flags.writeable:
        x._data = original.copy()
    try:
        yield x._data
    finally:
        x._data = original


def _numeric_full(phi: Callable[[], float], data: np.ndarray, eps: float) -> np.ndarray:
    """d phi / d x_j for every element j, by central differences."""
    numeric = np.zeros(data.shape)
    for pos in np.ndindex(*data.shape):
        original = data[pos]
        data[pos] = original + eps
        hi, f_hi = data[pos], phi()
        data[pos] = original - eps
        lo, f_lo = data[pos], phi()
        data[pos] = original
        numeric[pos] = (f_hi - f_lo) / (hi - lo)
    return numeric


def _numeric_direction(
    phi: Callable[[], float], data: np.ndarray, v: np.ndarray, eps: float
) -> float:
    """The derivative of phi along v, by central differences."""
    original = data.copy()
    try:
        data[...] = original + eps * v
        f_hi = phi()
        data[...] = original - eps * v
        f_lo = phi()
    finally:
        data[...] = original
    return (f_hi - f_lo) / (2 * eps)


def _compare_full(
    i: int, analytic: np.ndarray, numeric: np.ndarray, atol: float, rtol: float
) -> None:
    excess = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
    excess = np.where(np.isfinite(analytic) & np.isfinite(numeric), excess, np.inf)
    bad = excess > 0
    if not bad.any():
        return
    pos = np.unravel_index(int(np.argmax(excess)), excess.shape)
    raise GradcheckError(
        f"gradcheck: the gradient of input {i} (shape {analytic.shape}) disagrees with finite "
        f"differences in {int(bad.sum())} of {bad.size} elements; worst at index "
        f"{tuple(int(p) for p in pos)}: analytic {analytic[pos]:.8g} vs numeric "
        f"{numeric[pos]:.8g} (atol {atol}, rtol {rtol})"
    )


def _compare_direction(
    i: int, k: int, analytic: float, numeric: float, atol: float, rtol: float
) -> None:
    if abs(analytic - numeric) <= atol + rtol * abs(numeric):
        return
    raise GradcheckError(
        f"gradcheck: the gradient of input {i} disagrees with finite differences along random "
        f"direction {k}: analytic <vjp, v> {analytic:.8g} vs numeric {numeric:.8g} "
        f"(atol {atol}, rtol {rtol})"
    )
