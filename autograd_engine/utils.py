"""`torch.utils` under the porting rule: `torch.utils.data.DataLoader` is `nn.data.DataLoader`.

Resolved on first use, so that importing the core does not import `nn`.
"""

from __future__ import annotations

import importlib
from types import ModuleType


def __getattr__(name: str) -> ModuleType:
    if name == "data":
        return importlib.import_module("nn.data")
    raise AttributeError(f"module 'autograd_engine.utils' has no attribute {name!r}")
