"""Run folders: built in a hidden staging folder and published in one rename, so a run that
fails or is killed never leaves a half-written folder and never replaces an earlier one unless
asked to (`force`); single files are written to a temporary name and renamed into place."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autograd_engine.files import atomic_path, umask


class RunFolderError(ValueError):
    """The run folder cannot be created or would replace an existing one."""


def default_folder(model: str, dataset: str, base: str | os.PathLike[str] = "runs") -> Path:
    """The first free `base/<model>-<dataset>-<n>`, n = 1, 2, ..."""
    n = 1
    while (Path(base) / f"{model}-{dataset}-{n}").exists():
        n += 1
    return Path(base) / f"{model}-{dataset}-{n}"


def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], Any]) -> Path:
    """Call write(temporary path) next to `path`, then rename the result over `path`."""
    with atomic_path(path) as tmp:
        write(tmp)
    return Path(path)


def write_json(path: str | os.PathLike[str], obj: Any) -> Path:
    text = json.dumps(obj, indent=2, allow_nan=True) + "\n"
    return atomic_write(path, lambda tmp: tmp.write_text(text))


class RunFolder:
    """Files go to `staging` (a hidden sibling of `final`) until `publish` renames it."""

    def __init__(self, final: str | os.PathLike[str], force: bool = False) -> None:
        self.final = Path(final)
        self.force = force
        self._check_free()
        parent = self.final.parent
        if parent.exists() and not parent.is_dir():
            raise RunFolderError(f"cannot write to {parent}: it is not a folder")
        try:
            self.final.parent.mkdir(parents=True, exist_ok=True)
            self.staging = Path(
                tempfile.mkdtemp(dir=self.final.parent, prefix=f".{self.final.name}.partial-")
            )
        except OSError as e:
            raise RunFolderError(f"cannot write to {self.final.parent}: {e.strerror}") from e

    def _check_free(self) -> None:
        if self.final.exists() and not self.force:
            raise RunFolderError(
                f"run folder {self.final} already exists; choose another --out or pass --force "
                "to replace it"
            )

    def path(self, name: str) -> Path:
        return self.staging / name

    def publish(self) -> Path:
        """Move the staged files to `final` (replacing an old folder only with `force`), with
        the usual permissions (temporary files are created private)."""
        self._check_free()
        mask = umask()
        self.staging.chmod(0o777 & ~mask)
        for file in self.staging.iterdir():
            file.chmod(0o666 & ~mask)
        old = None
        if self.final.exists():
            old = self.final.with_name(f".{self.final.name}.replaced-{os.getpid()}")
            os.replace(self.final, old)
        os.replace(self.staging, self.final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return self.final

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
