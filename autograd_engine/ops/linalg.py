"""Matrix products with NumPy's matmul semantics (1-D, 2-D and batched operands), Einstein
summation, and the trace."""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from .. import kernels as K
from ..errors import ArgumentValueError, ShapeError
from ..tensor import Tensor
from ._util import Primitive, as_tensor, dtype_mismatch, same_dtype
from .shape import BroadcastTo, Reshape


class Matmul(Primitive):
    name = "matmul"
    symbol = "@"
    on_arrays = staticmethod(K.matmul)

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return K.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        # Treat vectors as a row (a) or column (b) matrix; the engine sums batch dims back.
        a2 = a if a.ndim > 1 else a.reshape(1, -1)
        b2 = b if b.ndim > 1 else b.reshape(-1, 1)
        g2 = g
        if a.ndim == 1:
            g2 = g2.reshape(*g2.shape[:-1], 1, g2.shape[-1]) if b.ndim > 1 else g2.reshape(1)
        if b.ndim == 1:
            g2 = g2.reshape(*g2.shape, 1)
        grad_a = grad_b = None
        if need_a:  # dL/dA = G B^T
            grad_a = Matmul.call(g2, b2.swapaxes(-1, -2))
            if a.ndim == 1:
                grad_a = grad_a.reshape(*grad_a.shape[:-2], a.shape[0])
        if need_b:  # dL/dB = A^T G
            grad_b = Matmul.call(a2.swapaxes(-1, -2), g2)
            if b.ndim == 1:
                grad_b = grad_b.reshape(*grad_b.shape[:-2], b.shape[0])
        return grad_a, grad_b

    @staticmethod
    def jvp(ctx, ta, tb):
        a, b = ctx.inputs
        return K.matmul(ta, b) + K.matmul(a, tb)


def matmul(a: Any, b: Any) -> Tensor:
    """a @ b with NumPy semantics (vectors, matrices, batches with broadcast batch dims); both
    operands of one dtype, as in PyTorch."""
    a, b = same_dtype("matmul", a, b)
    _check_shapes(a.shape, b.shape)
    return Matmul.apply(a, b)


def _check_shapes(a: tuple[int, ...], b: tuple[int, ...]) -> None:
    """Here rather than in forward, which backward formulas call with shapes that fit."""
    if not a or not b:
        raise ShapeError(
            f"matmul: both operands need at least one dimension, got shapes {a} and {b}; "
            "use * for scalars"
        )
    inner_a = a[-1]
    inner_b = b[0] if len(b) == 1 else b[-2]
    if inner_a != inner_b:
        hint = " (did you mean to transpose one operand?)" if len(a) > 1 and len(b) > 1 else ""
        raise ShapeError(
            f"matmul: shapes {a} and {b} do not line up: the last dimension of the first "
            f"({inner_a}) must equal the {'first' if len(b) == 1 else 'second-to-last'} "
            f"dimension of the second ({inner_b}){hint}"
        )


class Einsum(Primitive):
    """np.einsum on explicit subscripts (no ellipsis, no repeated letter within an operand):
    the gradient of each operand is the einsum of the upstream gradient with the other
    operands, back to that operand's letters (broadcast over the ones only it had)."""

    name = "einsum"

    @staticmethod
    def forward(ctx, spec, *xs):
        ins, out = spec
        ctx.spec = spec
        ctx.save_for_backward(*xs)
        return np.einsum(f"{','.join(ins)}->{out}", *xs)

    @staticmethod
    def backward(ctx, g):
        ins, out = ctx.spec
        xs = ctx.saved_tensors
        grads: list = [None]
        for k, sub in enumerate(ins):
            if not ctx.needs_input_grad[k + 1]:
                grads.append(None)
                continue
            others = [(s, x) for j, (s, x) in enumerate(zip(ins, xs, strict=True)) if j != k]
            kept = "".join(c for c in sub if c in out or any(c in s for s, _ in others))
            spec = ((out, *(s for s, _ in others)), kept)
            grad = Einsum.call(spec, g, *(x for _, x in others))
            if kept != sub:  # letters summed inside this operand alone: spread back over them
                sizes = zip(sub, xs[k].shape, strict=True)
                shape = tuple(n if c in kept else 1 for c, n in sizes)
                grad = BroadcastTo.call(Reshape.call(grad, shape), tuple(xs[k].shape))
            grads.append(grad)
        return tuple(grads)

    @staticmethod
    def jvp(ctx, _spec, *ts):
        ins, out = ctx.spec
        xs = ctx.inputs[1:]
        equation = f"{','.join(ins)}->{out}"
        return sum(
            np.einsum(equation, *(t if j == k else x for j, x in enumerate(xs)))
            for k, t in enumerate(ts)
        )


def _einsum_spec(equation: str, shapes: list[tuple[int, ...]]) -> tuple[tuple[str, ...], str]:
    """Explicit letters for every operand and the output: '...' becomes fresh letters (right
    aligned), and an implicit output is the letters used once, in order, after the ellipsis."""
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise ArgumentValueError(
            f"einsum: the equation {equation!r} names {len(ins)} operands but {len(shapes)} "
            "were given"
        )
    free = [c for c in string.ascii_letters if c not in equation]
    widest = max(
        (len(s) - (len(sub) - 3) for sub, s in zip(ins, shapes, strict=True) if "..." in sub),
        default=0,
    )
    ellipsis = "".join(free[:widest])
    explicit = []
    for sub, shape in zip(ins, shapes, strict=True):
        if "..." in sub:
            sub = sub.replace("...", ellipsis[widest - (len(shape) - (len(sub) - 3)) :])
        if len(sub) != len(shape) or not sub.isalpha():
            raise ShapeError(f"einsum: subscripts {sub!r} do not fit an operand of shape {shape}")
        if len(set(sub)) != len(sub):
            raise ArgumentValueError(
                f"einsum: repeated subscripts within one operand ({sub!r}, a diagonal) are not "
                "supported; take the diagonal first"
            )
        explicit.append(sub)
    if arrow:
        out = rhs.replace("...", ellipsis)
    else:
        letters = "".join(explicit)
        once = (c for c in set(letters) if letters.count(c) == 1 and c not in ellipsis)
        out = ellipsis + "".join(sorted(once))
    return tuple(explicit), out


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation, as torch.einsum: `einsum("ij,jk->ik", a, b)` is a @ b. Operands
    may also come as one list; all take one dtype."""
    if len(operands) == 1 and isinstance(operands[0], list | tuple):
        operands = tuple(operands[0])
    tensors = [as_tensor(x) for x in operands]
    for t in tensors[1:]:
        if t.dtype != tensors[0].dtype:
            raise dtype_mismatch("einsum", tensors[0].dtype, t.dtype)
    spec = _einsum_spec(equation, [tuple(t.shape) for t in tensors])
    return Einsum.apply(spec, *tensors)


class Trace(Primitive):
    """The sum of a matrix's main diagonal: its gradient is g on that diagonal, 0 elsewhere."""

    name = "trace"

    @staticmethod
    def forward(ctx, x):
        return np.asarray(np.trace(x))

    @staticmethod
    def backward(ctx, g):
        (shape, dtype) = ctx.input_meta[0]
        return g * np.eye(*shape, dtype=dtype)

    @staticmethod
    def jvp(ctx, t):
        return np.asarray(np.trace(t))


def trace(input: Any) -> Tensor:
    """The sum of the main diagonal of a 2-D tensor (torch.trace); integers sum to int64."""
    x = as_tensor(input)
    if x.ndim != 2:
        raise ShapeError(
            f"trace: expected a matrix (2-D tensor), got shape {x.shape}; for a batch of "
            "matrices use einsum('...ii->...', x)"
        )
    return Trace.apply(x)
