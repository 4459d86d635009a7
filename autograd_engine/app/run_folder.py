"""Run folders that never lose a user's files.

A run claims its folder before it starts (one `mkdir`, so concurrent runs always get distinct
folders), builds its files in a hidden staging sibling `.NAME.partial-PID-*` and publishes
them in one rename at the end: a run that fails or is stopped never leaves a half-written
folder. Every published folder holds a marker, `.autograd-engine-run`, listing the files the
run wrote; `force` replaces only such a folder, and only while it holds nothing else.
Staging folders of killed runs are removed by the next run in the same place.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autograd_engine.files import atomic_path, private_prefix, stale_siblings, umask

MARKER = ".autograd-engine-run"


class RunFolderError(ValueError):
    """The run folder cannot be created, or replacing it could lose files."""


class RunFolderExistsError(RunFolderError, FileExistsError):
    """The run folder exists and `force` was not given."""


def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], Any]) -> Path:
    """Call write(temporary path) next to `path`, then rename the result over `path`."""
    with atomic_path(path) as tmp:
        write(tmp)
    return Path(path)


def write_json(path: str | os.PathLike[str], obj: Any) -> Path:
    text = json.dumps(obj, indent=2, allow_nan=True) + "\n"
    return atomic_write(path, lambda tmp: tmp.write_text(text))


def written_files(folder: str | os.PathLike[str]) -> set[str] | None:
    """The files the marker of `folder` lists, or None if it is not a run folder."""
    try:
        listed = json.loads((Path(folder) / MARKER).read_text())["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return {name for name in listed if isinstance(name, str)}


def record_file(folder: str | os.PathLike[str], name: str) -> None:
    """Add `name` (a file written into a run folder later, e.g. by `sample`) to its marker."""
    listed = written_files(folder)
    if listed is not None:
        write_json(Path(folder) / MARKER, {"files": sorted(listed | {name})})


def _check_name(final: Path) -> None:
    if final.name in ("", ".", ".."):
        raise RunFolderError(
            f"--out {final} names an existing place, not a new run folder; give a folder name "
            "such as runs/my-run"
        )


def _check_replaceable(final: Path) -> None:
    """Raise unless `final` is a run folder holding only the files its run wrote."""
    if not final.is_dir():
        raise RunFolderError(f"{final} is a file, not a run folder; choose another --out")
    listed = written_files(final)
    if listed is None:
        raise RunFolderError(
            f"refusing to replace {final}: autograd-engine did not write it (no {MARKER} in it); "
            "choose another --out"
        )
    others = sorted(p.name for p in final.iterdir() if p.name not in listed | {MARKER})
    if others:
        raise RunFolderError(
            f"refusing to replace {final}: it holds files autograd-engine did not write "
            f"({', '.join(others)}); move them away or choose another --out"
        )


def _remove_run(folder: Path) -> None:
    """Delete the files a run wrote in `folder` (its marker lists them), then the folder if
    that emptied it."""
    for name in written_files(folder) or ():
        with contextlib.suppress(OSError):
            (folder / name).unlink()
    with contextlib.suppress(OSError):
        (folder / MARKER).unlink()
        folder.rmdir()


def remove_stale_runs(parent: Path) -> None:
    """Remove the staging folders that killed runs left in `parent` (each holds a marker
    from its first moment, or nothing), and the still empty folders those runs claimed."""
    for staging, name in stale_siblings(parent, "partial"):
        with contextlib.suppress(OSError):
            if (staging / MARKER).is_file():
                shutil.rmtree(staging)
            else:
                staging.rmdir()
            (parent / name).rmdir()


class RunFolder:
    """Files go to `staging` until `publish` renames it to `final`.

    Creating a RunFolder claims `final`: a new empty folder made here, or with `force` an
    existing run folder that `publish` replaces. Nothing is deleted that a run did not write.
    """

    def __init__(self, final: str | os.PathLike[str], force: bool = False) -> None:
        self.final = Path(final)
        _check_name(self.final)
        parent = self.final.parent
        if parent.exists() and not parent.is_dir():
            raise RunFolderError(f"cannot write to {parent}: it is not a folder")
        try:
            parent.mkdir(parents=True, exist_ok=True)
            remove_stale_runs(parent)
        except OSError as e:
            raise RunFolderError(f"cannot write to {parent}: {e.strerror}") from e
        self.replaces = self._claim(force)
        self.staging = parent / f"{private_prefix(self.final, 'partial')}{os.urandom(4).hex()}"
        try:
            self.staging.mkdir(mode=0o700)
            write_json(self.staging / MARKER, {"files": []})
        except BaseException as e:  # an interrupt too: give the claim back
            self.discard()
            if isinstance(e, OSError):
                raise RunFolderError(f"cannot write to {parent}: {e.strerror}") from e
            raise

    @classmethod
    def numbered(cls, stem: str, base: str | os.PathLike[str] = "runs") -> RunFolder:
        """The first free `base/STEM-n`, n = 1, 2, ..., claimed atomically."""
        n = 1
        while True:
            try:
                return cls(Path(base) / f"{stem}-{n}")
            except RunFolderExistsError:
                n += 1

    def _claim(self, force: bool) -> bool:
        """Claim `final`; True if it is an existing run folder to replace."""
        try:
            self.final.mkdir()
            return False
        except FileExistsError:
            if self.final.is_dir() and not force:
                raise RunFolderExistsError(
                    f"run folder {self.final} already exists; choose another --out or pass "
                    "--force to replace it"
                ) from None
        except OSError as e:
            raise RunFolderError(f"cannot write to {self.final.parent}: {e.strerror}") from e
        _check_replaceable(self.final)
        return True

    def path(self, name: str) -> Path:
        return self.staging / name

    def publish(self, files: list[str]) -> Path:
        """Record `files` in the marker and move the staged folder to `final` (replacing the
        claimed run folder), with the usual permissions (temporary files are private)."""
        write_json(self.path(MARKER), {"files": sorted(files)})
        mask = umask()
        self.staging.chmod(0o777 & ~mask)
        for file in self.staging.iterdir():
            file.chmod(0o666 & ~mask)
        if not self.replaces:
            os.replace(self.staging, self.final)  # over the empty folder claimed at the start
            return self.final
        _check_replaceable(self.final)  # again: files may have been added during the run
        old = self.final.with_name(f"{private_prefix(self.final, 'old')}{os.urandom(4).hex()}")
        os.replace(self.final, old)
        os.replace(self.staging, self.final)
        _remove_run(old)
        return self.final

    def discard(self) -> None:
        """Remove the staging folder and the claim (a folder to replace stays as it was)."""
        shutil.rmtree(self.staging, ignore_errors=True)
        if not self.replaces:
            with contextlib.suppress(OSError):
                self.final.rmdir()
