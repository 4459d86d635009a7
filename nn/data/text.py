"""A text to train character-level language models on, shipped with the package.

`files/jargon.txt` (~300 KB) is an excerpt of the Jargon File 4.4.7, which is in the public
domain (source and licence in `files/JARGON_LICENSE.txt`), so it loads offline with no extra
dependency.
"""

from __future__ import annotations

from importlib import resources


def load_jargon() -> str:
    """The Jargon File's entries A to C (about 300,000 characters of UTF-8 text).

    >>> load_jargon()[:8]
    ':abbrev:'
    """
    return resources.files(__package__).joinpath("files/jargon.txt").read_text(encoding="utf-8")
