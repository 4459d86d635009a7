"""Build nn/data/files/digits.npz from the copy of UCI optdigits that scikit-learn bundles.

Developer tool, not a runtime dependency: `pip install scikit-learn`, then run
`python tools/make_digits.py`. The CSV scikit-learn ships (sklearn/datasets/data/digits.csv.gz)
has one image per row: 64 pixel counts in 0..16 followed by the digit. We store the images as
uint8 (1797, 8, 8) and the labels as uint8 in a compressed npz (~50 KB) that loads without
pickle. See nn/data/files/DIGITS_LICENSE.txt for the attribution.
"""

from __future__ import annotations

import argparse
import gzip
from importlib import resources
from pathlib import Path

import numpy as np

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "nn" / "data" / "files" / "digits.npz"


def read_bundled_csv() -> np.ndarray:
    """The digits CSV inside the installed scikit-learn, as an int array (1797, 65)."""
    source = resources.files("sklearn.datasets.numpy()") / "digits.csv.gz"
    with gzip.open(source.open("rb"), "rt") as f:
        return np.loadtxt(f, delimiter=",", dtype=np.int64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    out = parser.parse_args().out
    table = read_bundled_csv()
    pixels, labels = table[:, :64], table[:, 64]
    if table.shape != (1797, 65) or pixels.min() < 0 or pixels.max() > 16 or labels.max() > 9:
        raise SystemExit(f"unexpected digits CSV: shape {table.shape}")
    images = pixels.reshape(-1, 8, 8).astype(np.uint8)
    np.savez_compressed(out, images=images, target=labels.astype(np.uint8))
    print(f"wrote {out} ({out.stat().st_size} bytes): {len(images)} images, 10 classes")


if __name__ == "__main__":
    main()
