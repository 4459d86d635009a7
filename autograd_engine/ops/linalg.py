"""Matrix products with NumPy's matmul semantics: 1-D, 2-D and batched operands."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels as K
from ..errors import ShapeError
from ..tensor import Tensor
from ._util import Primitive, same_dtype


class Matmul(Primitive):
    name = "matmul"
    symbol = "@"

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ShapeError(
                f"matmul: both operands need at least one dimension, got shapes {a.shape} and "
                f"{b.shape}; use * for scalars"
            )
        inner_a = a.shape[-1]
        inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if inner_a != inner_b:
            hint = " (did you mean to transpose one operand?)" if a.ndim > 1 and b.ndim > 1 else ""
            raise ShapeError(
                f"matmul: shapes {a.shape} and {b.shape} do not line up: the last dimension of "
                f"the first ({inner_a}) must equal the "
                f"{'first' if b.ndim == 1 else 'second-to-last'} dimension of the second "
                f"({inner_b}){hint}"
            )
        ctx.save_for_backward(a, b)
        return K.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        mm = K.matmul if isinstance(g, np.ndarray) else matmul
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
            grad_a = mm(g2, b2.swapaxes(-1, -2))
            if a.ndim == 1:
                grad_a = grad_a.reshape(*grad_a.shape[:-2], a.shape[0])
        if need_b:  # dL/dB = A^T G
            grad_b = mm(a2.swapaxes(-1, -2), g2)
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
    return Matmul.apply(*same_dtype("matmul", a, b))
