"""Checkpoints: `save` / `load` nested state (dicts, lists, arrays, Tensors, numbers) as .npz.

The file is an ordinary NumPy .npz archive read with `allow_pickle=False`, so loading a
checkpoint can never run code. It holds one array per array or Tensor in the saved object,
plus `__manifest__`: a JSON string describing the nested structure, the plain values
(numbers, strings, bools, None) and which array goes where. Python ints of any size survive
(NumPy Generator states hold 128-bit ones); dict keys may be str or int (optimizer states).

Writing goes to a temporary file in the destination directory, which is flushed, synced and
then renamed over the destination, so a crash mid-save leaves the previous checkpoint intact.
"""

from __future__ import annotations

import json
import math
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from autograd_engine import AutogradError, Tensor, tensor
from autograd_engine.files import atomic_path

FORMAT = "autograd-engine-checkpoint"
VERSION = 1
MANIFEST = "__manifest__"
ZIP_MAGIC = b"PK\x03\x04"


class CheckpointError(AutogradError, ValueError):
    """A file that is not a readable checkpoint: corrupted, truncated or of a foreign format."""


class _Encoder:
    """Turns an object tree into a JSON-able description plus a dict of named arrays."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def _store(self, array: np.ndarray, where: str) -> str:
        if array.dtype.hasobject:
            raise TypeError(
                f"save: {where} is an object array, which cannot be saved without pickle"
            )
        name = f"a{len(self.arrays)}"
        self.arrays[name] = array
        return name

    def encode(self, obj: Any, where: str) -> dict[str, Any]:
        if obj is None:
            return {"t": "none"}
        if isinstance(obj, np.generic):  # before the Python types: np.float64 is a float
            return {"t": "scalar", "ref": self._store(np.asarray(obj), where)}
        if isinstance(obj, bool | str):
            return {"t": type(obj).__name__, "v": obj}
        if isinstance(obj, int):
            return {"t": "int", "v": int(obj)}
        if isinstance(obj, float):
            return {"t": "float", "v": obj if math.isfinite(obj) else repr(obj)}
        if isinstance(obj, Tensor):
            ref = self._store(np.asarray(obj.numpy()), where)
            return {"t": "tensor", "ref": ref, "requires_grad": bool(obj.requires_grad)}
        if isinstance(obj, np.ndarray):
            return {"t": "array", "ref": self._store(obj, where)}
        if isinstance(obj, dict):
            items = []
            for key, value in obj.items():
                if isinstance(key, bool) or not isinstance(key, str | int):
                    raise TypeError(
                        f"save: {where} has key {key!r}; only str and int keys are supported"
                    )
                items.append([key, self.encode(value, f"{where}[{key!r}]")])
            return {"t": "dict", "items": items}
        if isinstance(obj, list | tuple):
            values = [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]
            return {"t": type(obj).__name__, "items": values}
        raise TypeError(
            f"save: {where} has unsupported type {type(obj).__name__} (supported: dict, list, "
            "tuple, NumPy arrays and scalars, Tensors, int, float, str, bool, None)"
        )


def save(obj: Any, path: str | os.PathLike[str], compress: bool = False) -> None:
    """Write `obj` (e.g. `{"model": m.state_dict(), "optimizer": opt.state_dict()}`) to `path`.

    The write is atomic: `path` holds either the old content or the complete new one.
    """
    encoder = _Encoder()
    root = encoder.encode(obj, "obj")
    manifest = json.dumps({"format": FORMAT, "version": VERSION, "root": root})
    writer = np.savez_compressed if compress else np.savez
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        writer(f, **{MANIFEST: np.array(manifest)}, **encoder.arrays)


class _Decoder:
    """Rebuilds the object tree from a manifest and the archive's arrays."""

    def __init__(self, archive: np.lib.npyio.NpzFile, path: Path) -> None:
        self.archive = archive
        self.path = path
        self.used: set[str] = set()

    def _array(self, node: dict[str, Any]) -> np.ndarray:
        ref = node["ref"]
        if ref not in self.archive.files or ref == MANIFEST:
            raise CheckpointError(f"{self.path}: manifest refers to missing array {ref!r}")
        self.used.add(ref)
        return self.archive[ref]

    def decode(self, node: dict[str, Any]) -> Any:
        kind = node["t"]
        if kind == "none":
            return None
        if kind in ("bool", "str", "int"):
            value = node["v"]
            if type(value).__name__ != kind:
                raise CheckpointError(f"{self.path}: manifest value {value!r} is not a {kind}")
            return value
        if kind == "float":
            return float(node["v"])
        if kind == "array":
            return self._array(node)
        if kind == "scalar":
            return self._array(node)[()]
        if kind == "tensor":
            data = self._array(node)
            return tensor(data, dtype=data.dtype, requires_grad=bool(node["requires_grad"]))
        if kind == "dict":
            return {key: self.decode(value) for key, value in node["items"]}
        if kind == "list":
            return [self.decode(v) for v in node["items"]]
        if kind == "tuple":
            return tuple(self.decode(v) for v in node["items"])
        raise CheckpointError(f"{self.path}: unknown entry type {kind!r} in the manifest")


# Deflate expands at most about 1032 times; a member claiming more is a forged size.
_MAX_DEFLATE_RATIO = 1100
_HEADER_READERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}


def _check_sizes(path: Path) -> None:
    """Refuse members whose declared sizes do not fit the file, before anything is allocated:
    np.load allocates the shape an .npy header declares, however large, before reading."""
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            ratio = 1 if info.compress_type == zipfile.ZIP_STORED else _MAX_DEFLATE_RATIO
            if info.file_size > max(info.compress_size, 1) * ratio:
                raise CheckpointError(
                    f"{path}: member {info.filename!r} claims {info.file_size} bytes from "
                    f"{info.compress_size} compressed bytes"
                )
            with zf.open(info) as member:
                version = np.lib.format.read_magic(member)
                if version not in _HEADER_READERS:
                    raise CheckpointError(f"{path}: .npy format {version} is not supported")
                shape, _, dtype = _HEADER_READERS[version](member)
                declared = math.prod(shape) * dtype.itemsize
                if dtype.hasobject or declared > info.file_size - member.tell():
                    raise CheckpointError(
                        f"{path}: member {info.filename!r} declares a {dtype} array of shape "
                        f"{shape}, which its {info.file_size} bytes cannot hold"
                    )


def load(path: str | os.PathLike[str], map_location: Any = None, weights_only: bool = True) -> Any:
    """Read a checkpoint written by `save`. Arrays come back as arrays, Tensors as Tensors.

    `map_location` and `weights_only` are accepted as in `torch.load`: every tensor loads on
    the CPU, and loading is always weights-only, since the format holds no pickled code.

    Raises `CheckpointError` for anything that is not an intact checkpoint (another format,
    a truncated or corrupted file, an .npz without our manifest); never unpickles.
    """
    path = Path(path)
    with open(path, "rb") as f:
        if f.read(4) != ZIP_MAGIC:
            raise CheckpointError(f"{path}: not a checkpoint (not an .npz/zip archive)")
    try:
        _check_sizes(path)
        with np.load(path, allow_pickle=False) as archive:
            if MANIFEST not in archive.files:
                raise CheckpointError(
                    f"{path}: an .npz archive without a {MANIFEST!r} entry, so not a checkpoint "
                    "written by nn.save (use numpy.load for plain .npz files)"
                )
            header = json.loads(str(archive[MANIFEST][()]))
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                raise CheckpointError(f"{path}: {MANIFEST!r} is not an {FORMAT} manifest")
            if header.get("version") != VERSION:
                raise CheckpointError(
                    f"{path}: checkpoint format version {header.get('version')!r}; this "
                    f"version reads {VERSION}"
                )
            decoder = _Decoder(archive, path)
            obj = decoder.decode(header["root"])
            unused = set(archive.files) - decoder.used - {MANIFEST}
            if unused:
                raise CheckpointError(f"{path}: arrays {sorted(unused)} are not in the manifest")
            return obj
    except CheckpointError:
        raise
    except (
        zipfile.BadZipFile,
        KeyError,
        IndexError,
        AttributeError,
        TypeError,
        ValueError,
        OSError,
        EOFError,
        RecursionError,  # a manifest nested deeper than the interpreter's stack
        NotImplementedError,
    ) as e:
        raise CheckpointError(
            f"{path}: corrupted or unreadable checkpoint ({type(e).__name__}: {e})"
        ) from e
