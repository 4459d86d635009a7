"""Atomic file writes: a file is either its old self or completely new, never half-written.

A write goes to a hidden sibling `.NAME.tmp-PID-XXXX` and is renamed over NAME at the end.
The process id in the name tells a killed writer's leftover (its process is gone) from a
write in progress, so the next write in the folder removes the leftovers and SIGKILL never
piles up temporary files.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path


def umask() -> int:
    """The process's file-creation mask (reading it means setting it, so it is set back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def private_prefix(path: str | os.PathLike[str], kind: str) -> str:
    """`.NAME.KIND-PID-`: how this process names the hidden siblings of `path` it works in."""
    return f".{Path(path).name}.{kind}-{os.getpid()}-"


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def stale_siblings(folder: str | os.PathLike[str], kind: str) -> Iterator[tuple[Path, str]]:
    """The entries `.NAME.KIND-PID-*` of `folder` whose process PID is gone, with their NAME."""
    pattern = re.compile(rf"\.(.+)\.{re.escape(kind)}-(\d+)-")
    with contextlib.suppress(OSError):
        for entry in list(Path(folder).iterdir()):
            match = pattern.match(entry.name)
            if match and int(match[2]) != os.getpid() and not _running(int(match[2])):
                yield entry, match[1]


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside `path` to write to; when the block succeeds it is synced
    and renamed over `path` (with the permissions `open()` would give), when it fails it is
    removed and `path` keeps its earlier content. Temporary files that killed writers left in
    the folder are removed first.

        with atomic_path("model.npz") as tmp:
            np.savez(tmp, ...)
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    for leftover, _ in stale_siblings(folder, "tmp"):
        with contextlib.suppress(OSError):
            leftover.unlink()
    prefix = private_prefix(path, "tmp")
    handle, name = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=path.suffix)
    os.close(handle)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as written:
            os.fsync(written.fileno())
        os.chmod(tmp, 0o666 & ~umask())  # mkstemp makes the file private
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
