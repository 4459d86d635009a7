"""atomic_path: the old file survives a failed write; a new one gets open()'s permissions."""

import os

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
