import functools
import hashlib
import http.server
import threading
from pathlib import Path

import numpy as np
import pytest

from nn.data import (
    MNIST,
    ChecksumError,
    DatasetError,
    DatasetNotFoundError,
    FashionMNIST,
    Flatten,
    write_idx,
)
from nn.data.download import content_sha256
from nn.data.idx import idx_bytes

N = 5
NAMES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"]


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """No environment variable and no system copy unless a test sets them."""
    monkeypatch.delenv("AUTOGRAD_ENGINE_DATA", raising=False)
    monkeypatch.setattr(FashionMNIST, "system_dir", tmp_path / "no-system-copy")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def small_set(seed=0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (N, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, N).astype(np.uint8)
    return images, labels


def write_set(directory, images, labels, suffix=".gz", split="train"):
    directory.mkdir(parents=True, exist_ok=True)
    prefix = "train" if split == "train" else "t10k"
    write_idx(directory / f"{prefix}-images-idx3-ubyte{suffix}", images)
    write_idx(directory / f"{prefix}-labels-idx1-ubyte{suffix}", labels)


@pytest.mark.parametrize("suffix", [".gz", ""])
def test_reads_from_root(tmp_path, suffix):
    images, labels = small_set()
    write_set(tmp_path / "data", images, labels, suffix)
    ds = FashionMNIST(root=tmp_path / "data")
    assert len(ds) == N
    np.testing.assert_array_equal(ds.data, images)
    assert ds.targets.dtype == np.int64
    np.testing.assert_array_equal(ds.targets, labels)
    image, label = ds[3]
    np.testing.assert_array_equal(image, images[3])
    assert label == labels[3]
    x, y = ds.as_arrays()
    np.testing.assert_array_equal(y, labels)
    assert x.shape == (N, 784) and x.dtype == np.float32 and 0.0 <= x.min() <= x.max() <= 1.0
    np.testing.assert_allclose(x[1], images[1].reshape(-1) / 255.0, rtol=1e-6)
    raw, _ = ds.as_arrays(flatten=False, scale=False)
    assert raw.dtype == np.uint8 and raw.shape == (N, 28, 28)
    assert "FashionMNIST" in repr(ds)


def test_test_split_subfolder_and_transforms(tmp_path):
    images, labels = small_set(1)
    write_set(tmp_path / "fashion-mnist", images, labels, split="test")
    ds = FashionMNIST(
        root=tmp_path, split="test", transform=Flatten(), target_transform=lambda t: t + 100
    )
    image, label = ds[0]
    assert image.shape == (784,) and label == labels[0] + 100
    with pytest.raises(ValueError, match="split"):
        FashionMNIST(root=tmp_path, split="validation")


def test_environment_variable(tmp_path, monkeypatch):
    images, labels = small_set(2)
    write_set(tmp_path / "store" / "mnist", images, labels)
    monkeypatch.setenv("AUTOGRAD_ENGINE_DATA", str(tmp_path / "store"))
    np.testing.assert_array_equal(MNIST().data, images)
    with pytest.raises(DatasetNotFoundError):
        FashionMNIST()  # the variable's folder holds MNIST only


def test_not_found_message_says_what_to_do(tmp_path):
    with pytest.raises(DatasetNotFoundError) as caught:
        FashionMNIST(root=tmp_path / "empty")
    message = str(caught.value)
    assert "AUTOGRAD_ENGINE_DATA" in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert "train-images-idx3-ubyte" in message and str(tmp_path / "empty") in message
    assert isinstance(caught.value, FileNotFoundError)


@pytest.mark.parametrize(
    ("images", "labels", "message"),
    [
        (np.zeros((5, 28, 28), np.uint8), np.zeros(4, np.uint8), "5 images .* 4 labels"),
        (np.zeros((5, 27, 28), np.uint8), np.zeros(5, np.uint8), "shape"),
        (np.zeros((5, 28, 28), np.float32), np.zeros(5, np.uint8), "uint8 images"),
        (np.zeros((5, 28, 28), np.uint8), np.zeros((5, 1), np.uint8), "label array"),
        (np.zeros((5, 28, 28), np.uint8), np.full(5, 10, np.uint8), "label 10"),
    ],
    ids=["count-mismatch", "image-size", "image-dtype", "label-dims", "label-range"],
)
def test_inconsistent_files(tmp_path, images, labels, message):
    write_set(tmp_path, images, labels)
    with pytest.raises(DatasetError, match=message):
        FashionMNIST(root=tmp_path)


def test_corrupted_file(tmp_path):
    images, labels = small_set()
    write_set(tmp_path, images, labels, suffix="")
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(DatasetError, match="truncated"):
        FashionMNIST(root=tmp_path)


DEBIAN = Path("/usr/share/datasets/fashion-mnist")


@pytest.mark.skipif(not DEBIAN.is_dir(), reason="dataset-fashion-mnist is not installed")
def test_debian_copy(monkeypatch):
    monkeypatch.setattr(FashionMNIST, "system_dir", DEBIAN)
    ds = FashionMNIST(split="test")
    assert ds.data.shape == (10000, 28, 28)
    assert np.bincount(ds.targets).tolist() == [1000] * 10
    for name in ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", *NAMES]:
        assert content_sha256(DEBIAN / f"{name}.gz") == FashionMNIST.sha256[name]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    """An HTTP server on 127.0.0.1 serving tmp_path/www; yields (base URL, directory)."""
    www = tmp_path / "www"
    www.mkdir()
    handler = functools.partial(QuietHandler, directory=str(www))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/files", www / "files"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def served_checksums(images, labels):
    return {
        NAMES[0]: hashlib.sha256(idx_bytes(images)).hexdigest(),
        NAMES[1]: hashlib.sha256(idx_bytes(labels)).hexdigest(),
    }


def test_download_verifies_and_keeps_files(server, tmp_path):
    url, www = server
    images, labels = small_set(3)
    write_set(www, images, labels)
    root = tmp_path / "downloaded"
    ds = FashionMNIST(root=root, download=True, url=url, checksums=served_checksums(images, labels))
    np.testing.assert_array_equal(ds.data, images)
    assert sorted(p.name for p in root.iterdir()) == sorted(f"{n}.gz" for n in NAMES)
    again = FashionMNIST(root=root)  # found locally now, no download
    np.testing.assert_array_equal(again.targets, labels)


def test_download_defaults_to_cache_dir(server, tmp_path):
    url, www = server
    images, labels = small_set(4)
    write_set(www, images, labels)
    ds = MNIST(download=True, url=url + "/", checksums=served_checksums(images, labels))
    assert ds.files[0].parent == tmp_path / "cache" / "autograd-engine" / "mnist"


def test_checksum_mismatch_leaves_nothing(server, tmp_path):
    url, www = server
    images, labels = small_set(5)
    write_set(www, images, labels)
    wrong = served_checksums(images, labels)
    wrong[NAMES[0]] = hashlib.sha256(b"something else").hexdigest()
    root = tmp_path / "dl"
    with pytest.raises(ChecksumError, match="SHA-256"):
        FashionMNIST(root=root, download=True, url=url, checksums=wrong)
    assert not any(p.name.startswith("train-images") or ".part" in p.name for p in root.iterdir())


def test_download_errors(server, tmp_path):
    url, www = server
    www.mkdir()
    images, labels = small_set()
    with pytest.raises(DatasetNotFoundError, match="could not download"):
        FashionMNIST(
            root=tmp_path / "dl", download=True, url=url, checksums=served_checksums(images, labels)
        )
    assert list((tmp_path / "dl").iterdir()) == []
    with pytest.raises(ValueError, match="checksums"):
        MNIST(root=tmp_path / "dl", download=True, url=url)
