"""One exception family for the engine.

Every error is an `AutogradError` and also a subclass of the built-in exception a Python user
would expect, so `except ValueError` keeps working.
"""

from __future__ import annotations


class AutogradError(Exception):
    """Base class of every error the engine raises on purpose."""


class ShapeError(AutogradError, ValueError):
    """Shapes that do not fit an operation (broadcasting, matmul, reshape, concatenation)."""


class DTypeError(AutogradError, TypeError, RuntimeError):
    """A dtype an operation cannot use, such as asking for the gradient of an integer tensor.

    PyTorch raises RuntimeError for these ("mat1 and mat2 must have the same dtype", "only
    Tensors of floating point dtype can require gradients"); TypeError is kept as well."""


class ArgumentError(AutogradError, TypeError):
    """An argument of the wrong type for an operation, such as a float where a dim belongs."""


class ArgumentValueError(AutogradError, ValueError):
    """An argument value an operation cannot use, such as an unsupported norm order."""


class BackwardError(AutogradError, RuntimeError):
    """Misuse of backward: non-scalar output without a gradient, a freed graph, no graph."""


class InplaceError(AutogradError, RuntimeError):
    """An in-place change that would corrupt autodiff (leaf that requires grad, saved value)."""


class NotDifferentiableError(AutogradError, RuntimeError):
    """A gradient was asked of an operation that has none (comparisons, argmax, sign)."""


class StateError(AutogradError, RuntimeError):
    """An operation used where it cannot run: make_dual outside a dual level, a device that
    is not there."""


class IndexOutOfRangeError(AutogradError, IndexError):
    """An index or class label outside the valid range."""


class EmptyReductionError(AutogradError, IndexError, RuntimeError):
    """max, min, argmax and their kin over zero elements, which have no value (PyTorch raises
    RuntimeError for a whole empty tensor and IndexError for an empty dim: this is both)."""


class IntegerDivisionByZeroError(AutogradError, ZeroDivisionError, RuntimeError):
    """An integer division or remainder by zero, which has no integer value (PyTorch raises
    RuntimeError "ZeroDivisionError"; NumPy would give 0 with a warning)."""


class AnomalyError(AutogradError, RuntimeError):
    """`detect_anomaly()` found NaN or Inf in the forward or backward of an operation."""


class CaptureError(AutogradError, RuntimeError):
    """`compile(fn, fullgraph=True)`: fn does something a replay could not repeat (a value
    read into Python, an in-place change outside optimizer code, a hook)."""


class GradcheckError(AutogradError, AssertionError):
    """`testing.gradcheck` found an analytic gradient that disagrees with finite differences."""


def broadcast_error(op: str, *shapes: tuple[int, ...]) -> ShapeError:
    """The error for operands whose shapes do not broadcast together."""
    listed = " and ".join(str(tuple(s)) for s in shapes)
    return ShapeError(
        f"{op}: shapes {listed} cannot be broadcast together; trailing dimensions must be "
        "equal or 1 (reshape or unsqueeze one operand so they line up)"
    )
