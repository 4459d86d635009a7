"""Handles for registered hooks (torch.utils.hooks.RemovableHandle): `remove()` unregisters."""

from __future__ import annotations

import itertools
from typing import Any

_ids = itertools.count()


class RemovableHandle:
    """Returned by every `register_*hook`; `remove()` unregisters the hook (also as a context
    manager: the hook is removed when the block ends)."""

    def __init__(self, *registries: dict[int, Any]) -> None:
        self.id = next(_ids)
        self._registries = registries

    def remove(self) -> None:
        for registry in self._registries:
            registry.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()
