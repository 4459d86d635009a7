"""Fetching a file over HTTP(S) and keeping it only if its SHA-256 is the expected one.

The checksum is taken over the *decompressed* content when the file is gzipped, so a mirror
that re-compresses the same data (Debian does) verifies as well as the original. The file is
written to a temporary name beside its destination and renamed into place only after it
verified, so a failed or interrupted download never leaves a file that looks complete.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import zlib
from pathlib import Path
from typing import BinaryIO

from autograd_engine.files import atomic_path

from .errors import ChecksumError, DatasetError, DatasetNotFoundError
from .idx import GZIP_MAGIC

CHUNK = 1 << 20


def content_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 (hex) of the file's content, decompressed first if it is gzipped."""
    digest = hashlib.sha256()
    with open(path, "rb") as raw:
        gzipped = raw.read(2) == GZIP_MAGIC
    try:
        with gzip.open(path, "rb") if gzipped else open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
    except (OSError, EOFError, zlib.error) as e:
        raise DatasetError(f"{path}: corrupted or truncated gzip data ({e})") from e
    return digest.hexdigest()


def _copy_response(url: str, out: BinaryIO, timeout: float) -> None:
    import urllib.request  # here, not at the top: HTTP and e-mail parsing cost `import nn` 10 ms

    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            shutil.copyfileobj(response, out, CHUNK)
    except urllib.request.URLError as e:  # includes HTTPError (404, ...)
        raise DatasetNotFoundError(f"could not download {url}: {e}") from e


def download(url: str, dest: str | os.PathLike[str], sha256: str, timeout: float = 60.0) -> Path:
    """Download `url` to `dest` if the content's SHA-256 equals `sha256`; otherwise raise.

    On any failure (network error, checksum mismatch, interruption) nothing is left at `dest`
    or beside it.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(dest) as tmp:
        with open(tmp, "wb") as out:
            _copy_response(url, out, timeout)
        actual = content_sha256(tmp)
        if actual != sha256.lower():
            raise ChecksumError(
                f"{url}: SHA-256 of the content is {actual}, expected {sha256}; the file was "
                "discarded (a wrong URL or checksum, or a corrupted download)"
            )
    return dest
