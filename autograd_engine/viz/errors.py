"""Errors of graph drawing: part of the engine's `AutogradError` family."""

from __future__ import annotations

from ..errors import AutogradError

INSTALL_HINT = (
    "install Graphviz to render it (Debian/Ubuntu: apt-get install graphviz; macOS: "
    "brew install graphviz); the DOT text still works: .source or .save('graph.dot')"
)


class DrawingError(AutogradError, ValueError):
    """Arguments a drawing cannot use: an unknown file suffix, direction or collapse spec."""


class GraphTooLargeError(DrawingError):
    """More nodes than `max_nodes`, even with modules collapsed: `dot` would take minutes."""


class GraphvizError(AutogradError, RuntimeError):
    """The `dot` program failed or ran past its timeout."""


class GraphvizNotFoundError(GraphvizError):
    """The `dot` program is not installed, so the DOT text cannot be turned into a picture."""


class UnkeptInputWarning(UserWarning):
    """Names were given for constant inputs that the graph did not keep, so they are drawn as
    anonymous "input" vertices: the forward ran outside `viz.recording()`."""
