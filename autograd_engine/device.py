"""Devices, PyTorch's way of saying where a tensor lives. This engine has one: the CPU.

PyTorch scripts pick a device once (`device = torch.device("cuda" if
torch.cuda.is_available() else "cpu")`) and move models and batches to it with `.to(device)`.
Here `cuda.is_available()` is False, so such a script chooses the CPU and runs unchanged;
asking for a GPU explicitly fails with a message that says so.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from .errors import ArgumentError, ArgumentValueError, StateError


class DeviceError(StateError):
    """A device other than the CPU was asked for (a RuntimeError, as PyTorch raises)."""


class device:
    """A device: `device("cpu")`, `device("cuda", 0)` or `device("cuda:0")`.

    Any device can be named (a script may build `device("cuda")` before checking
    availability); only the CPU can hold tensors.
    """

    __slots__ = ("index", "type")

    def __init__(self, type: str | device, index: int | None = None) -> None:
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise ArgumentError(f"device: expected a string such as 'cpu', got {type!r}")
        kind, _, number = type.partition(":")
        if number:
            if index is not None:
                raise ArgumentValueError(
                    f"device: {type!r} already names an index; do not pass index"
                )
            if not number.isdigit():
                raise ArgumentValueError(f"device: invalid device string {type!r}")
            index = int(number)
        if kind not in _KNOWN:
            raise ArgumentValueError(
                f"device: expected one of {', '.join(sorted(_KNOWN))} device type at start of "
                f"device string: {type!r}"
            )
        self.type, self.index = kind, index

    def __repr__(self) -> str:
        extra = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{extra})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


_KNOWN = frozenset({"cpu", "cuda", "mps", "xpu", "meta"})
CPU = device("cpu")


def names_device(arg: Any) -> bool:
    """Whether a `to(...)` argument names a device ("cpu", "cuda:0", device(...)), not a dtype."""
    return isinstance(arg, device) or (isinstance(arg, str) and arg.partition(":")[0] in _KNOWN)


def check_device(target: Any, op: str) -> None:
    """Accept the CPU (None, "cpu", device("cpu"), 0-free spellings); refuse anything else."""
    if target is None:
        return
    d = target if isinstance(target, device) else device(target)
    if d.type != "cpu":
        raise DeviceError(
            f"{op}: device {str(d)!r} is not available: this engine computes on the CPU only; "
            "choose the device with `torch.device('cuda' if torch.cuda.is_available() else "
            "'cpu')` and the script runs on the CPU"
        )


def _no_gpu(*args: Any, **kwargs: Any) -> None:
    raise DeviceError(
        "CUDA is not available: this engine computes on the CPU only "
        "(torch.cuda.is_available() is False)"
    )


# torch.cuda: nothing is available; seeding calls are accepted and do nothing, so that
# reproducibility boilerplate (`torch.cuda.manual_seed_all(0)`) ports unchanged.
cuda = SimpleNamespace(
    is_available=lambda: False,
    device_count=lambda: 0,
    manual_seed=lambda seed: None,
    manual_seed_all=lambda seed: None,
    synchronize=lambda device=None: None,
    empty_cache=lambda: None,
    current_device=_no_gpu,
    get_device_name=_no_gpu,
    set_device=_no_gpu,
)

# torch.backends: the flags scripts set for determinism or speed are accepted.
backends = SimpleNamespace(
    cudnn=SimpleNamespace(
        deterministic=False, benchmark=False, enabled=True, is_available=lambda: False
    ),
    mps=SimpleNamespace(is_available=lambda: False, is_built=lambda: False),
)
