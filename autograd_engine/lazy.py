"""Names a package exports but imports on first use (PEP 562's module `__getattr__`).

`import nn` should not pay for the convolution and recurrent kernels, transformer layers or
learning-rate schedules that most scripts never touch: their submodules load the first time one
of their names is read (`nn.Conv2d`, `from nn import LSTM`, `F.conv2d`, `optim.lr_scheduler`),
and the name is then stored in the package, so later reads cost nothing.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def exports(
    package: str, table: dict[str, tuple[str, ...]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The `__getattr__` and `__dir__` of `package` for `table`, which maps a module's name to
    the names the package re-exports from it. A name with a leading dot is a submodule of
    `package`, reachable by its own name too (`.conv` gives `package.conv`)."""
    home = {name: module for module, names in table.items() for name in names}
    home.update({module[1:]: module for module in table if module.startswith(".")})

    def __getattr__(name: str) -> Any:
        where = home.get(name)
        if where is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(where, package)
        value = module if where == f".{name}" else getattr(module, name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *home})

    return __getattr__, __dir__
