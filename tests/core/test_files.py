"""atomic_path: the old file survives a failed write; a new one gets open()'s permissions."""

import os
import subprocess
import sys

import pytest

from autograd_engine.files import atomic_path


def test_successful_write_replaces_the_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with atomic_path(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new"
    assert list(tmp_path.iterdir()) == [target]


def test_failed_write_keeps_the_old_file_and_leaves_nothing_behind(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash while writing")
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]


def test_permissions_are_those_of_a_plainly_opened_file(tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    atomic = tmp_path / "atomic.txt"
    with atomic_path(atomic) as tmp:
        tmp.write_text("x")
    assert os.stat(atomic).st_mode == os.stat(plain).st_mode


def test_the_temporary_file_keeps_the_suffix(tmp_path):
    with atomic_path(tmp_path / "picture.png") as tmp:
        assert tmp.suffix == ".png"  # writers that pick a format from the suffix still work
        tmp.write_bytes(b"")


def test_temporary_files_of_killed_writers_are_removed_by_the_next_write(tmp_path):
    """A writer killed by SIGKILL cannot clean up; its temporary file names a process that is
    gone, so the next write in the folder removes it (and leaves live writers' files alone)."""
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = int(gone.stdout)
    leftover = tmp_path / f".model.npz.tmp-{dead}-abc123.npz"
    leftover.write_bytes(b"x" * 100)
    live = tmp_path / f".other.npz.tmp-{os.getppid()}-def456.npz"  # a running process
    live.write_bytes(b"y")
    user_file = tmp_path / ".model.npz.tmp-notes"  # not a temporary name: left alone
    user_file.write_text("mine")
    with atomic_path(tmp_path / "model.npz") as tmp:
        tmp.write_bytes(b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["model.npz", live.name, user_file.name]
    )
