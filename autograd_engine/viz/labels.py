"""Text of node labels: shapes, dtypes and the values of tiny tensors, formatted stably.

The lecture pictures annotate nodes with their names and, in worked examples, their numbers
(Louppe, lecture 2: "annotated computational graph"). Labels must be identical from run to run,
so values go through one fixed formatter rather than NumPy's print options.
"""

from __future__ import annotations

from typing import Any

import numpy as np

TINY = 6  # tensors with at most this many elements show their values by default

# Operators everybody reads; other ops show their symbol next to their name ("σ sigmoid").
_ARITHMETIC = frozenset("+-×/^")


def op_title(node: Any) -> str:
    """The operation as drawn: "+", "σ sigmoid", "@ matmul", "sign"."""
    name = node.name
    symbol = getattr(node.fn, "symbol", None)
    if symbol is None:
        return name
    return symbol if symbol in _ARITHMETIC else f"{symbol} {name}"


def shape_text(shape: tuple[int, ...], dtype: Any) -> str:
    """ "2×3 float64", or "scalar float64" for 0-d values."""
    dims = "×".join(str(n) for n in shape) if shape else "scalar"
    return f"{dims} {np.dtype(dtype).name}"


def number(value: Any) -> str:
    """One number with 4 significant digits; booleans and integers as they are."""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    text = format(float(value), ".4g")
    return "0" if text == "-0" else text


def values(array: np.ndarray) -> str:
    """Nested brackets of numbers: "0.7729", "[0.2, 0.3]", "[[0.1, 0.2],\\n[0.3, 0.4]]".

    Each row of a matrix gets a line of its own, as on paper; it also keeps drawings narrow.
    """
    if array.ndim == 0:
        return number(array.item())
    separator = ",\n" if array.ndim > 1 else ", "
    return "[" + separator.join(values(row) for row in array) + "]"


def wants_values(array: np.ndarray, show_values: bool | None) -> bool:
    """Whether to print the numbers: always, never, or (None) only for tiny tensors."""
    if show_values is None:
        return array.size <= TINY
    return show_values


def summary(array: np.ndarray, show_values: bool | None) -> str:
    """The numbers of a tiny array, else its shape: what an edge or a grad line shows."""
    if wants_values(array, show_values):
        return values(array)
    return shape_text(array.shape, array.dtype)
