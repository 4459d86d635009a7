"""Matrix products with NumPy's matmul semantics: 1-D, 2-D and batched operands."""

from __future__ import annotations

from typing import Any

from .. import kernels as K
from ..errors import ShapeError
from ..tensor import Tensor
from ._util import Primitive, same_dtype


class Matmul(Primitive):
    name = "matmul"
    symbol = "@"

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
