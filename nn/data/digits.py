"""The 8x8 handwritten digits (UCI optdigits test set, as bundled by scikit-learn).

The data ship inside the package (`files/digits.npz`, ~45 KB; attribution and licence in
`files/DIGITS_LICENSE.txt`), so they load offline with no extra dependency.
"""

from __future__ import annotations

from importlib import resources

import numpy as np


def load_digits(scale: bool = False, images: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 digit images and their labels 0-9.

    X is float32 of shape (1797, 64), or (1797, 8, 8) with `images=True`. Pixel values are the
    original counts 0..16, or divided by 16 into [0, 1] with `scale=True`. y is int64 (1797,).
    """
    with resources.files(__package__).joinpath("files/digits.npz").open("rb") as f:
        stored = np.load(f, allow_pickle=False)
        pixels, target = stored["images"], stored["target"]
    x = pixels.astype(np.float32)
    if scale:
        x /= np.float32(16.0)
    return (x if images else x.reshape(len(x), -1)), target.astype(np.int64)
