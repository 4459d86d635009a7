"""Errors raised by the data package.

Each is also a built-in exception, so `except ValueError` / `except FileNotFoundError` keep
working for callers that do not know this package.
"""

from __future__ import annotations


class DatasetError(ValueError):
    """A data file is malformed: bad magic number, truncated, wrong sizes, failed checksum."""


class ChecksumError(DatasetError):
    """A downloaded file's SHA-256 does not match the expected one."""


class DatasetNotFoundError(FileNotFoundError):
    """The files of a dataset are in none of the places searched and could not be fetched."""
