"""Functional transforms in the style of `torch.func`, JAX and HIPS autograd.

`grad(f)` is a new function that returns the gradient of f instead of its value, so derivatives
compose like any other function: `grad(grad(f))` is the second derivative and
`hessian(f)` the matrix of them. The Hjorth-Jensen notes challenge students to replace
hand-derived gradients with exactly this.

    >>> import autograd_engine as ae
    >>> from autograd_engine.func import grad
    >>> f = lambda x: (x ** 3).sum()
    >>> grad(f)(ae.tensor([1.0, 2.0]))        # 3 x^2
    tensor([ 3., 12.])
    >>> grad(lambda x: grad(f)(x).sum())(ae.tensor([1.0, 2.0]))  # 6 x
    tensor([ 6., 12.])

The reverse-mode transforms (`grad`, `grad_and_value`, `value_and_grad`, `vjp`, `jacrev`,
`hessian`) run the engine's recorded backward pass. They record the backward itself
(`create_graph=True`) only when an input already requires grad, that is when an outer transform
or the caller differentiates the result again; otherwise the results are plain tensors.
`jvp` and `jacfwd` are forward mode (`forward_ad`): a tangent rides along with each value
through the same primitives, one pass per input direction, no graph kept. `vmap` maps a
function over a batch dimension with a Python loop (simple and always right, not fast).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .autograd import grad as _autograd_grad
from .creation import tensor as _tensor
from .errors import ArgumentError, ArgumentValueError, IndexOutOfRangeError, ShapeError
from .forward_ad import dual_level, make_dual, unpack_dual
from .grad_mode import enable_grad
from .ops import stack
from .tensor import Tensor

Argnums = int | tuple[int, ...]


def _argnums(argnums: Argnums, nargs: int, op: str) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums:
        raise ArgumentValueError(f"{op}: argnums must name at least one argument")
    for n in nums:
        if not isinstance(n, int) or not -nargs <= n < nargs:
            raise IndexOutOfRangeError(
                f"{op}: argnums {argnums!r} is out of range for a function called with "
                f"{nargs} positional arguments"
            )
    return tuple(n % nargs for n in nums)


def _leaves(args: tuple, nums: tuple[int, ...]) -> tuple[list, list[Tensor], bool]:
    """The arguments with those in `nums` turned into tensors that require grad.

    An argument that already requires grad is used as it is, so an outer transform can
    differentiate through this one (`create_graph` is then needed, and returned as True).
    """
    args = list(args)
    nested = False
    leaves = []
    for n in nums:
        x = args[n]
        if not isinstance(x, Tensor):
            x = _tensor(x)
        if x.requires_grad:
            nested = True
        else:
            x = x.detach().requires_grad_()
        args[n] = x
        leaves.append(x)
    return args, leaves, nested


def _scalar_output(out: Any, op: str) -> Tensor:
    if not isinstance(out, Tensor) or out.numel() != 1:
        shape = tuple(out.shape) if isinstance(out, Tensor) else type(out).__name__
        raise ShapeError(
            f"{op}: the function must return a one-element tensor, got {shape}; reduce it "
            "(.sum()) or use jacrev / vjp for tensor outputs"
        )
    return out


def _split_aux(result: Any, has_aux: bool, op: str) -> tuple[Any, Any]:
    if not has_aux:
        return result, None
    if not isinstance(result, tuple) or len(result) != 2:
        raise ArgumentError(f"{op}: with has_aux=True the function must return (output, aux)")
    return result


def _plain(t: Tensor | None, keep_graph: bool) -> Tensor | None:
    return t if t is None or keep_graph else t.detach()


def grad_and_value(
    func: Callable[..., Any], argnums: Argnums = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """A function returning (gradient, value) of `func` (torch.func.grad_and_value).

    The gradient is one tensor for an int `argnums`, a tuple for a tuple; with `has_aux`,
    `func` returns (output, aux) and the value is (output, aux).
    """

    def wrapper(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        nums = _argnums(argnums, len(args), "grad")
        with enable_grad():
            args, leaves, nested = _leaves(args, nums)
            out, aux = _split_aux(func(*args, **kwargs), has_aux, "grad")
            out = _scalar_output(out, "grad")
            if not out.requires_grad:  # f does not depend on the inputs: the gradient is 0
                grads = tuple(x.detach() * 0 for x in leaves)
            else:
                grads = _autograd_grad(out, leaves, create_graph=nested, allow_unused=True)
                grads = tuple(
                    x.detach() * 0 if g is None else _plain(g, nested)
                    for g, x in zip(grads, leaves, strict=True)
                )
        g = grads[0] if isinstance(argnums, int) else grads
        value = _plain(out, nested)
        return g, ((value, aux) if has_aux else value)

    return wrapper


def grad(func: Callable[..., Any], argnums: Argnums = 0, has_aux: bool = False) -> Callable:
    """The gradient of a scalar function: `grad(f)(x)` is df/dx (torch.func.grad)."""
    both = grad_and_value(func, argnums, has_aux)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g, value = both(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapper


def value_and_grad(
    func: Callable[..., Any], argnums: Argnums = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """JAX's spelling: a function returning (value, gradient)."""
    both = grad_and_value(func, argnums, has_aux)

    def wrapper(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        g, value = both(*args, **kwargs)
        return value, g

    return wrapper


def vjp(func: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple:
    """(func(*primals), vjp_fn) where vjp_fn(v) = v^T J, one gradient per primal.

    vjp_fn can be called several times (the graph is kept), as in torch.func.vjp.
    """
    nums = tuple(range(len(primals)))
    with enable_grad():
        args, leaves, nested = _leaves(primals, nums)
        out, aux = _split_aux(func(*args), has_aux, "vjp")
    outs = out if isinstance(out, tuple) else (out,)

    def vjp_fn(*cotangents: Any) -> tuple[Tensor, ...]:
        cots = cotangents[0] if len(cotangents) == 1 and isinstance(out, tuple) else cotangents
        if len(cots) != len(outs):
            raise ArgumentValueError(f"vjp: expected {len(outs)} cotangents, got {len(cots)}")
        used = [(o, c) for o, c in zip(outs, cots, strict=True) if o.requires_grad]
        if not used:
            return tuple(x.detach() * 0 for x in leaves)
        with enable_grad():
            grads = _autograd_grad(
                [o for o, _ in used],
                leaves,
                grad_outputs=[c if isinstance(c, Tensor) else _tensor(c) for _, c in used],
                retain_graph=True,
                create_graph=nested,
                allow_unused=True,
            )
        return tuple(
            x.detach() * 0 if g is None else _plain(g, nested)
            for g, x in zip(grads, leaves, strict=True)
        )

    value = (
        tuple(_plain(o, nested) for o in outs) if isinstance(out, tuple) else _plain(out, nested)
    )
    return (value, vjp_fn, aux) if has_aux else (value, vjp_fn)


def jacrev(func: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The Jacobian by reverse mode, one backward pass per output element.

    For an output of shape O and an input of shape I the result has shape O + I
    (torch.func.jacrev); a tuple `argnums` gives one Jacobian per argument.
    """

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nums = _argnums(argnums, len(args), "jacrev")
        with enable_grad():
            args, leaves, nested = _leaves(args, nums)
            out = func(*args, **kwargs)
            if not isinstance(out, Tensor):
                raise ArgumentError("jacrev: the function must return a tensor")
            flat = out.reshape(-1)
            rows: list[list[Tensor]] = [[] for _ in leaves]
            for i in range(flat.shape[0]):
                grads = (
                    _autograd_grad(
                        flat[i], leaves, retain_graph=True, create_graph=nested, allow_unused=True
                    )
                    if out.requires_grad
                    else (None,) * len(leaves)
                )
                for row, g, x in zip(rows, grads, leaves, strict=True):
                    row.append(x.detach() * 0 if g is None else _plain(g, nested))
        jacobians = tuple(
            (stack(row) if row else x.detach().reshape(0, *x.shape)).reshape(*out.shape, *x.shape)
            for row, x in zip(rows, leaves, strict=True)
        )
        return jacobians[0] if isinstance(argnums, int) else jacobians

    return wrapper


def jvp(
    func: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any], has_aux: bool = False
) -> tuple:
    """(func(*primals), J v): the directional derivative along `tangents`, by forward mode.

    One forward pass carries each tangent beside its primal (dual numbers); outputs that do
    not depend on the primals get zero tangents. As torch.func.jvp.
    """
    if len(primals) != len(tangents):
        raise ArgumentValueError(f"jvp: got {len(primals)} primals but {len(tangents)} tangents")
    with dual_level():
        duals = [
            make_dual(p if isinstance(p, Tensor) else _tensor(p), t)
            for p, t in zip(primals, tangents, strict=True)
        ]
        out, aux = _split_aux(func(*duals), has_aux, "jvp")
        outs = out if isinstance(out, tuple) else (out,)
        pairs = []
        for o in outs:
            primal, tangent = unpack_dual(o)
            pairs.append((primal, tangent if tangent is not None else primal * 0))
    values = tuple(p for p, _ in pairs)
    dirs = tuple(t for _, t in pairs)
    if not isinstance(out, tuple):
        values, dirs = values[0], dirs[0]
    return (values, dirs, aux) if has_aux else (values, dirs)


def jacfwd(func: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The Jacobian by forward mode, one pass per input element (torch.func.jacfwd).

    Cheaper than `jacrev` when the function has fewer inputs than outputs; same shape O + I.
    """

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nums = _argnums(argnums, len(args), "jacfwd")
        args = [a if isinstance(a, Tensor) else _tensor(a) for a in args]
        jacobians = []
        for n in nums:
            x = args[n].detach()
            columns = []
            for j in range(x.numel()):
                direction = np.zeros(x.numel(), dtype=x.dtype)
                direction[j] = 1
                tangents = [np.zeros(a.shape, a.dtype) for a in args]
                tangents[n] = direction.reshape(x.shape)
                out, column = jvp(lambda *xs: func(*xs, **kwargs), args, tangents)
                columns.append(column)
            if not isinstance(out, Tensor):
                raise ArgumentError("jacfwd: the function must return a tensor")
            jac = stack(columns, -1) if columns else out.reshape(*out.shape, 0)
            jacobians.append(jac.reshape(*out.shape, *x.shape))
        return jacobians[0] if isinstance(argnums, int) else tuple(jacobians)

    return wrapper


def hessian(func: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The matrix of second derivatives of a scalar function: the Jacobian of its gradient."""
    return jacrev(jacrev(func, argnums), argnums)


InDims = int | None | Sequence[int | None]


def vmap(func: Callable[..., Any], in_dims: InDims = 0, out_dims: int = 0) -> Callable[..., Any]:
    """Map `func` over one dimension of its inputs and stack the results (torch.func.vmap).

    `in_dims` gives the mapped dimension of each positional argument (None: not mapped, the
    same value for every call). This version loops in Python over the batch: the results are
    those of calling `func` once per slice.
    """

    def wrapper(*args: Any) -> Any:
        dims = (in_dims,) * len(args) if not isinstance(in_dims, Sequence) else tuple(in_dims)
        if len(dims) != len(args):
            raise ArgumentValueError(
                f"vmap: in_dims has {len(dims)} entries for {len(args)} arguments"
            )
        sizes = {a.shape[d] for a, d in zip(args, dims, strict=True) if d is not None}
        if len(sizes) != 1:
            raise ShapeError(
                f"vmap: the mapped dimensions must have one common size, got {sorted(sizes)}"
                if sizes
                else "vmap: at least one argument must be mapped (in_dims not all None)"
            )
        (size,) = sizes
        results = []
        for i in range(size):
            sliced = [a if d is None else _take(a, d, i) for a, d in zip(args, dims, strict=True)]
            results.append(func(*sliced))
        if isinstance(results[0], tuple):
            return tuple(stack([r[k] for r in results], out_dims) for k in range(len(results[0])))
        return stack(results, out_dims)

    return wrapper


def _take(a: Tensor, dim: int, i: int) -> Tensor:
    """a[..., i, ...] with the index at `dim`."""
    dim = dim % a.ndim
    return a[(slice(None),) * dim + (i,)]
