import io
import json
import math
import pickle
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nn.serialization as serialization
from autograd_engine import Tensor, tensor
from nn.serialization import CheckpointError, load, save


def assert_same(a, b):
    """Deep equality that also checks types and array dtypes."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            assert_same(a[key], b[key])
    elif isinstance(a, list | tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, Tensor):
        assert a.dtype == b.dtype and a.requires_grad == b.requires_grad
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    elif isinstance(a, np.ndarray | np.generic):
        assert a.dtype == b.dtype and np.shape(a) == np.shape(b)
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    else:
        assert a == b


def training_state():
    rng = np.random.default_rng(0)
    return {
        "model": {
            "0.weight": tensor(rng.standard_normal((3, 2)), requires_grad=True),
            "0.bias": tensor(np.zeros(3)),
            "bn.running_mean": np.zeros(3, dtype=np.float64),
            "bn.num_batches_tracked": np.int64(7),
            "momentum": np.float64(0.1),
            "eps": np.float32(1e-5),
        },
        "optimizer": {
            "state": {0: {"step": 3, "exp_avg": np.ones((3, 2), np.float32)}, 1: {}},
            "param_groups": [
                {"lr": 1e-3, "betas": (0.9, 0.999), "amsgrad": False, "params": [0, 1]}
            ],
        },
        "scheduler": {"last_epoch": 4, "best": float("inf"), "mode": "min", "cooldown": None},
        "rng": np.random.default_rng(5).bit_generator.state,
        "loader": {"generator": np.random.default_rng(1).bit_generator.state, "batches_done": 2},
        "empty": {"list": [], "tuple": (), "dict": {}},
        "text": np.array(["a", "bc"]),
    }


def test_round_trip_of_a_training_checkpoint(tmp_path):
    state = training_state()
    save(state, tmp_path / "ckpt.npz")
    back = load(tmp_path / "ckpt.npz")
    assert_same(back, state)
    assert back["rng"]["state"]["state"] > 2**64  # 128-bit PCG64 state survives
    restored = np.random.default_rng()
    restored.bit_generator.state = back["rng"]
    assert restored.random() == np.random.default_rng(5).random()


def test_compressed_and_path_kept_as_given(tmp_path):
    save({"w": np.zeros((100, 100))}, tmp_path / "model.ckpt", compress=True)
    assert (tmp_path / "model.ckpt").stat().st_size < 10_000
    assert list(tmp_path.iterdir()) == [tmp_path / "model.ckpt"]
    assert load(tmp_path / "model.ckpt")["w"].shape == (100, 100)


leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    hnp.arrays(
        st.sampled_from([np.float32, np.float64, np.int64, np.uint8, np.bool_]),
        hnp.array_shapes(min_dims=0, max_dims=3, max_side=3),
    ),
)
trees = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.lists(children, max_size=3).map(tuple),
        st.dictionaries(st.text(max_size=4) | st.integers(-5, 5), children, max_size=3),
    ),
    max_leaves=10,
)


@settings(deadline=None, max_examples=60)
@given(trees)
def test_round_trip_property(tmp_path_factory, obj):
    path = tmp_path_factory.mktemp("ckpt") / "c.npz"
    save(obj, path)
    assert_same(load(path), obj)


def test_unsupported_values_are_refused_before_writing(tmp_path):
    path = tmp_path / "c.npz"
    with pytest.raises(TypeError, match=r"obj\['a'\]\[1\].*set"):
        save({"a": [1, {1, 2}]}, path)
    with pytest.raises(TypeError, match="object array"):
        save({"a": np.array([None, 1], dtype=object)}, path)
    with pytest.raises(TypeError, match="key"):
        save({(1, 2): 3}, path)
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "c.npz"
    save({"epoch": 1}, path)

    def crash(file, **arrays):
        file.write(b"PK\x03\x04 half a zip")
        raise RuntimeError("disk full")

    monkeypatch.setattr(serialization.np, "savez", crash)
    with pytest.raises(RuntimeError, match="disk full"):
        save({"epoch": 2}, path)
    monkeypatch.undo()
    assert load(path) == {"epoch": 1}
    assert list(tmp_path.iterdir()) == [path]


def test_interrupted_rename_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "c.npz"
    save({"epoch": 1}, path)

    def crash(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(serialization.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        save({"epoch": 2}, path)
    monkeypatch.undo()
    assert load(path) == {"epoch": 1}
    assert list(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_truncated_file(tmp_path, keep):
    path = tmp_path / "c.npz"
    save(training_state(), path)
    content = path.read_bytes()
    path.write_bytes(content[: int(len(content) * keep)])
    with pytest.raises(CheckpointError, match="corrupted"):
        load(path)


def test_flipped_bytes_are_detected(tmp_path):
    path = tmp_path / "c.npz"
    save({"w": np.arange(1000, dtype=np.float64)}, path)
    content = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("a0.npy")
    middle = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    content[middle] ^= 0xFF
    path.write_bytes(bytes(content))
    with pytest.raises(CheckpointError):
        load(path)


def test_foreign_files(tmp_path):
    plain = tmp_path / "plain.npz"
    np.savez(plain, weights=np.ones(3))
    with pytest.raises(CheckpointError, match="without"):
        load(plain)
    npy = tmp_path / "array.npy"
    np.save(npy, np.ones(3))
    with pytest.raises(CheckpointError, match="not a checkpoint"):
        load(npy)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(CheckpointError, match="not a checkpoint"):
        load(text)
    other = tmp_path / "other.npz"
    np.savez(other, __manifest__=np.array(json.dumps({"format": "something-else"})))
    with pytest.raises(CheckpointError, match="manifest"):
        load(other)
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.npz")


class Exploit:
    triggered = False

    def __reduce__(self):
        return (setattr, (Exploit, "triggered", True))


def test_pickles_are_never_loaded(tmp_path):
    raw = tmp_path / "model.pkl"
    raw.write_bytes(pickle.dumps({"w": Exploit()}))
    with pytest.raises(CheckpointError):
        load(raw)
    # An npz whose entry is a pickled object array, referenced by a valid manifest.
    manifest = {"format": "autograd-engine-checkpoint", "version": 1,
                "root": {"t": "array", "ref": "a0"}}  # fmt: skip
    buffer = io.BytesIO()
    np.save(buffer, np.array([Exploit()], dtype=object), allow_pickle=True)
    path = tmp_path / "pickled.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("__manifest__.npy", _npy(np.array(json.dumps(manifest))))
        archive.writestr("a0.npy", buffer.getvalue())
    with pytest.raises(CheckpointError):
        load(path)
    assert not Exploit.triggered


def _npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "root",
    [
        {"t": "array", "ref": "a9"},
        {"t": "mystery"},
        {"t": "int", "v": "3"},
        {"t": "dict", "items": "oops"},
        "not a node",
    ],
)
def test_malformed_manifest(tmp_path, root):
    path = tmp_path / "bad.npz"
    manifest = {"format": "autograd-engine-checkpoint", "version": 1, "root": root}
    np.savez(path, __manifest__=np.array(json.dumps(manifest)))
    with pytest.raises(CheckpointError):
        load(path)


def test_unreferenced_arrays_and_future_versions(tmp_path):
    path = tmp_path / "bad.npz"
    manifest = {"format": "autograd-engine-checkpoint", "version": 1, "root": {"t": "none"}}
    np.savez(path, __manifest__=np.array(json.dumps(manifest)), a0=np.ones(2))
    with pytest.raises(CheckpointError, match="not in the manifest"):
        load(path)
    manifest["version"] = 2
    np.savez(path, __manifest__=np.array(json.dumps(manifest)))
    with pytest.raises(CheckpointError, match="version"):
        load(path)


# --------------------------------------------------------------------------- hostile files
_MANIFEST_ARRAY = {"format": "autograd-engine-checkpoint", "version": 1,
                   "root": {"t": "array", "ref": "a0"}}  # fmt: skip


def _archive(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def _huge_header(shape, dtype="<f8"):
    """An .npy header declaring `shape`, followed by only 8 bytes of data."""
    header = f"{{'descr': '{dtype}', 'fortran_order': False, 'shape': {shape}, }}"
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + bytes(8)


@pytest.mark.parametrize("shape", [(10**15,), (2**31, 2**31), (10**6, 10**6, 10**6)])
def test_huge_declared_shape_is_refused_before_allocating(tmp_path, shape):
    path = tmp_path / "huge.npz"
    manifest = _npy(np.array(json.dumps(_MANIFEST_ARRAY)))
    _archive(path, {"__manifest__.npy": manifest, "a0.npy": _huge_header(shape)})
    with pytest.raises(CheckpointError, match="declares"):
        load(path)


def test_forged_uncompressed_size_is_refused(tmp_path):
    path = tmp_path / "forged.npz"
    save({"w": np.zeros(1000)}, path, compress=True)
    content = bytearray(path.read_bytes())
    # the uncompressed size (offset 24) in a0.npy's central directory entry, made enormous
    entry = content.index(b"a0.npy", content.index(b"PK\x01\x02")) - 46
    assert content[entry : entry + 4] == b"PK\x01\x02"
    content[entry + 24 : entry + 28] = (2**32 - 2).to_bytes(4, "little")
    path.write_bytes(bytes(content))
    with pytest.raises(CheckpointError):
        load(path)


def test_deeply_nested_manifest(tmp_path):
    path = tmp_path / "deep.npz"
    depth = 100_000
    root = '{"t": "list", "items": [' * depth + '{"t": "none"}' + "]}" * depth
    text = '{"format": "autograd-engine-checkpoint", "version": 1, "root": ' + root + "}"
    np.savez(path, __manifest__=np.array(text))
    with pytest.raises(CheckpointError):
        load(path)


def test_deeply_nested_decoded_structure(tmp_path):
    """Nesting that json accepts but the decoder's recursion does not."""
    path = tmp_path / "deep.npz"
    node = {"t": "none"}
    for _ in range(5000):
        node = {"t": "list", "items": [node]}
    manifest = {"format": "autograd-engine-checkpoint", "version": 1, "root": node}
    import sys

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))  # let json read it; the decoder must still cope
    try:
        np.savez(path, __manifest__=np.array(json.dumps(manifest)))
    finally:
        sys.setrecursionlimit(limit)
    with pytest.raises(CheckpointError):
        load(path)


@pytest.mark.parametrize("dtype", ["|O", "<V8"])
def test_object_and_odd_dtypes(tmp_path, dtype):
    path = tmp_path / "odd.npz"
    manifest = _npy(np.array(json.dumps(_MANIFEST_ARRAY)))
    _archive(path, {"__manifest__.npy": manifest, "a0.npy": _huge_header((1,), dtype)})
    try:
        result = load(path)
    except CheckpointError:
        return
    assert dtype != "|O" and isinstance(result, np.ndarray)


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.9, 0.99])
def test_truncated_zip_of_hostile_shape(tmp_path, cut):
    path = tmp_path / "cut.npz"
    manifest = _npy(np.array(json.dumps(_MANIFEST_ARRAY)))
    _archive(
        path,
        {"__manifest__.npy": manifest, "a0.npy": _huge_header((10**12,))},
        zipfile.ZIP_DEFLATED,
    )
    content = path.read_bytes()
    path.write_bytes(content[: int(len(content) * cut)])
    with pytest.raises(CheckpointError):
        load(path)


def test_bad_npy_version(tmp_path):
    path = tmp_path / "v9.npz"
    manifest = _npy(np.array(json.dumps(_MANIFEST_ARRAY)))
    bad = bytearray(_huge_header((1,)))
    bad[6] = 9
    _archive(path, {"__manifest__.npy": manifest, "a0.npy": bytes(bad)})
    with pytest.raises(CheckpointError):
        load(path)
