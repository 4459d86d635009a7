"""`Parameter`: a Tensor that a Module registers as one of its learnable weights."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_engine as ae


class Parameter(ae.Tensor):
    """A leaf tensor that requires grad and is registered by `Module.__setattr__`.

    `Parameter(t)` shares the memory of the Tensor `t` (as `torch.nn.Parameter`); arrays and
    nested lists are copied, keeping a NumPy array's floating dtype. Results of operations on a
    Parameter are plain Tensors.
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty(0, dtype=ae.get_default_dtype())
        source = data.numpy() if isinstance(data, ae.Tensor) else data
        dtype = source.dtype if isinstance(source, np.ndarray) else None
        super().__init__(source, dtype=dtype, requires_grad=requires_grad)
        if isinstance(data, ae.Tensor):
            self.data = source

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
