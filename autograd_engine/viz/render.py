"""`Drawing`: DOT text that renders with Graphviz, saves atomically and displays in Jupyter.

The text never needs Graphviz; turning it into SVG/PNG/PDF runs the `dot` program with a
timeout, and a missing `dot` gives an install hint instead of a traceback in notebooks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from ..files import atomic_path
from .errors import INSTALL_HINT, DrawingError, GraphvizError, GraphvizNotFoundError

FORMATS = ("svg", "png", "pdf")
TEXT_SUFFIXES = (".dot", ".gv")


class Drawing:
    """A drawn graph: `.source` (DOT text), `.pipe(fmt)`, `.save(path)`, Jupyter display."""

    def __init__(self, source: str, timeout: float = 30.0, nodes: int = 0) -> None:
        self.source = source
        self.timeout = timeout
        self.nodes = nodes

    def pipe(self, format: str = "svg") -> bytes:
        """The picture as bytes, rendered by `dot` (svg, png or pdf)."""
        if format not in FORMATS:
            raise DrawingError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
        program = shutil.which("dot")
        if program is None:
            raise GraphvizNotFoundError(f"the Graphviz program `dot` was not found; {INSTALL_HINT}")
        try:
            done = subprocess.run(
                [program, f"-T{format}"],
                input=self.source.encode("utf-8"),
                capture_output=True,
                timeout=self.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise GraphvizError(
                f"dot did not finish within {self.timeout:g} s; draw fewer nodes "
                "(max_nodes=, collapse=) or pass a larger timeout="
            ) from exc
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise GraphvizError(f"dot failed: {message[0] if message else done.returncode}")
        return done.stdout

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the picture (format from the suffix: .svg .png .pdf, or .dot/.gv for text).

        Written to a temporary file in the same folder and renamed, so a failed or interrupted
        render never leaves a half-written file behind.
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix in TEXT_SUFFIXES:
            data = self.source.encode("utf-8")
        elif suffix[1:] in FORMATS:
            data = self.pipe(suffix[1:])
        else:
            raise DrawingError(
                f"cannot tell the format of {str(path)!r} from its suffix; use .svg, .png, "
                ".pdf or .dot"
            )
        with atomic_path(path) as temp:
            temp.write_bytes(data)
        return path

    def _repr_svg_(self) -> str | None:
        try:
            return self.pipe("svg").decode("utf-8")
        except GraphvizError:
            return None

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """SVG when Graphviz works; otherwise the DOT text with the reason and install hint."""
        try:
            return {"image/svg+xml": self.pipe("svg").decode("utf-8"), "text/plain": repr(self)}
        except GraphvizError as exc:
            return {"text/plain": f"{exc}\n\n{self.source}"}

    def __repr__(self) -> str:
        return f"<Drawing of {self.nodes} nodes: .save('graph.svg'), .source for the DOT text>"
