"""Reading and writing IDX files, the format of MNIST and Fashion-MNIST.

An IDX file is: two zero bytes, a type code, the number of dimensions, each dimension as a
big-endian uint32, then the values in C order, big-endian. Files may be gzipped (detected by
content, not by name). Anything that does not match this exactly raises `DatasetError`.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from .errors import DatasetError

IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dtype.newbyteorder("="): code for code, dtype in IDX_TYPES.items()}
GZIP_MAGIC = b"\x1f\x8b"


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """The content of `path`, decompressed when it is gzipped."""
    raw = Path(path).read_bytes()
    if not raw.startswith(GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as e:
        raise DatasetError(f"{path}: corrupted or truncated gzip data ({e})") from e


def parse_idx(content: bytes, name: str = "<bytes>") -> np.ndarray:
    """The array stored in IDX `content`, in native byte order; `name` labels errors."""
    if len(content) < 4:
        raise DatasetError(f"{name}: too short to be an IDX file ({len(content)} bytes)")
    zeros, code, ndim = content[:2], content[2], content[3]
    if zeros != b"\x00\x00" or code not in IDX_TYPES or ndim == 0:
        raise DatasetError(
            f"{name}: bad IDX magic number 0x{content[:4].hex()} (expected 0x0000 followed by "
            f"a type code in {sorted(hex(c) for c in IDX_TYPES)} and at least one dimension)"
        )
    header = 4 + 4 * ndim
    if len(content) < header:
        raise DatasetError(f"{name}: truncated IDX header ({ndim} dimensions announced)")
    shape = struct.unpack(f">{ndim}I", content[4:header])
    dtype = IDX_TYPES[code]
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(content) != expected:
        problem = "truncated" if len(content) < expected else "has trailing bytes"
        raise DatasetError(
            f"{name}: IDX data {problem}: shape {shape} of {dtype.newbyteorder('=')} needs "
            f"{expected} bytes, the file has {len(content)}"
        )
    data = np.frombuffer(content, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """The array in the IDX file at `path` (gzipped or not)."""
    return parse_idx(read_bytes(path), str(path))


def idx_bytes(array: np.ndarray) -> bytes:
    """`array` encoded as an IDX file."""
    array = np.asarray(array)
    code = _CODES.get(array.dtype.newbyteorder("="))
    if code is None or array.ndim == 0 or array.ndim > 255:
        raise ValueError(
            f"IDX cannot store a {array.ndim}-d array of {array.dtype} "
            "(uint8, int8, int16, int32, float32 or float64; 1 to 255 dimensions)"
        )
    header = struct.pack(f">2sBB{array.ndim}I", b"\x00\x00", code, array.ndim, *array.shape)
    return header + array.astype(IDX_TYPES[code], copy=False).tobytes()


def write_idx(
    path: str | os.PathLike[str], array: np.ndarray, compress: bool | None = None
) -> None:
    """Write `array` as IDX, gzipped if `compress` (by default: if the name ends in .gz)."""
    content = idx_bytes(array)
    if compress if compress is not None else str(path).endswith(".gz"):
        content = gzip.compress(content, mtime=0)
    Path(path).write_bytes(content)
