import gzip
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nn.data import DatasetError, read_idx, write_idx
from nn.data.idx import idx_bytes, parse_idx

DTYPES = [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]


def test_reads_hand_built_file(tmp_path):
    content = struct.pack(">2sBBII", b"\0\0", 0x0B, 2, 2, 3) + struct.pack(
        ">6h", 1, -2, 3, 4, 5, -6
    )
    path = tmp_path / "x-idx2-short"
    path.write_bytes(content)
    array = read_idx(path)
    assert array.dtype == np.int16 and array.dtype.isnative
    np.testing.assert_array_equal(array, [[1, -2, 3], [4, 5, -6]])


@settings(deadline=None, max_examples=40)
@given(
    hnp.arrays(
        st.sampled_from(DTYPES),
        hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5),
        elements={"allow_nan": False},
    ),
    st.booleans(),
)
def test_round_trip(tmp_path_factory, array, compress):
    path = tmp_path_factory.mktemp("idx") / "a.idx"
    write_idx(path, array, compress=compress)
    assert path.read_bytes().startswith(b"\x1f\x8b") == compress
    back = read_idx(path)
    assert back.dtype == array.dtype and back.shape == array.shape
    np.testing.assert_array_equal(back, array)


def test_gzip_detected_by_content_and_by_name(tmp_path):
    write_idx(tmp_path / "a.gz", np.arange(4, dtype=np.uint8))
    assert (tmp_path / "a.gz").read_bytes()[:2] == b"\x1f\x8b"
    np.testing.assert_array_equal(read_idx(tmp_path / "a.gz"), np.arange(4))


GOOD = idx_bytes(np.arange(12, dtype=np.int32).reshape(3, 4))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\x00", "too short"),
        (b"\x01\x00" + GOOD[2:], "magic"),
        (GOOD[:2] + b"\x07" + GOOD[3:], "magic"),
        (GOOD[:3] + b"\x00" + GOOD[4:], "magic"),
        (GOOD[:4] + GOOD[4:6], "header"),
        (GOOD[:-1], "truncated"),
        (GOOD + b"\x00", "trailing"),
    ],
    ids=["short", "magic", "type-code", "no-dims", "header", "truncated", "trailing"],
)
def test_malformed(content, message):
    with pytest.raises(DatasetError, match=message):
        parse_idx(content, "bad")


def test_malformed_gzip(tmp_path):
    packed = gzip.compress(GOOD)
    path = tmp_path / "cut.gz"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(DatasetError, match="gzip"):
        read_idx(path)
    path.write_bytes(packed[:-4] + b"\xff\xff\xff\xff")  # wrong length in the gzip trailer
    with pytest.raises(DatasetError):
        read_idx(path)


def test_cannot_write_unsupported():
    with pytest.raises(ValueError, match="IDX"):
        idx_bytes(np.zeros(3, dtype=np.int64))
    with pytest.raises(ValueError, match="IDX"):
        idx_bytes(np.uint8(3))
