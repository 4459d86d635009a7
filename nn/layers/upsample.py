"""Upsample: `F.interpolate` as a layer (nearest or (bi)linear resizing)."""

from __future__ import annotations

from collections.abc import Sequence

import autograd_engine as ae

from ..module import Module
from ..sampling import interpolate


class Upsample(Module):
    """Resize (N, C, L) or (N, C, H, W) inputs to `size` or by `scale_factor`; mode "nearest",
    "linear" (3-D) or "bilinear" (4-D), see `F.interpolate`."""

    def __init__(
        self,
        size: int | Sequence[int] | None = None,
        scale_factor: float | Sequence[float] | None = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        self.size = size
        self.scale_factor = float(scale_factor) if isinstance(scale_factor, int) else scale_factor
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: ae.Tensor) -> ae.Tensor:
        return interpolate(
            input,
            self.size,
            self.scale_factor,
            self.mode,
            self.align_corners,
            self.recompute_scale_factor,
        )

    def extra_repr(self) -> str:
        where = (
            f"size={self.size}" if self.size is not None else f"scale_factor={self.scale_factor}"
        )
        return f"{where}, mode={self.mode!r}"
