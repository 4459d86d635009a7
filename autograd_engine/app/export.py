"""The `export` subcommand: a run's model as an ONNX file that other tools open
(`nn.onnx.export`; needs the onnx extra). The classifiers' files include the input
standardization, so they take raw inputs as `train` read them; a charlm file takes character
ids (any batch and length) and gives the logits and the LSTM's final (h, c)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

import autograd_engine as ae
import nn
from nn import Module
from nn.models import CharLSTM

from .commands import restore
from .run_folder import record_file

FORMATS = ("onnx",)


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", metavar="RUN_DIR", help="a folder written by `train`")
    parser.add_argument("--format", choices=FORMATS, default="onnx", help="file format")
    parser.add_argument(
        "--out",
        metavar="FILE",
        help="file to write (default RUN_DIR/model.onnx; a VAE's parts go to RUN_DIR/"
        "encoder.onnx and decoder.onnx, or FILE-encoder.onnx and FILE-decoder.onnx)",
    )


class _Standardized(Module):
    """A classifier behind its input standardization, so that the exported file takes raw
    inputs like `train` read them: (x - mean) / std is a frozen BatchNorm1d with eps 0."""

    def __init__(self, model: Module, transform: dict[str, Any], dtype: Any) -> None:
        super().__init__()
        mean, std = (np.ravel(transform[k]).astype(dtype) for k in ("mean", "std"))
        self.standardize = nn.BatchNorm1d(len(mean), eps=0.0, affine=False)
        self.standardize.register_buffer("running_mean", ae.tensor(mean))
        self.standardize.register_buffer("running_var", ae.tensor(std * std))
        self.model = model

    def forward(self, x: ae.Tensor) -> ae.Tensor:
        return self.model(self.standardize(x))


# A CharLSTM file: ids (batch, sequence) in; logits (batch, sequence, vocabulary) and the
# final state (layers, batch, hidden) out.
_CHARLM = {
    "input_names": ("ids",),
    "output_names": ("logits", "h_n", "c_n"),
    "dynamic_axes": {
        "ids": {0: "batch", 1: "sequence"},
        "logits": {0: "batch", 1: "sequence"},
        "h_n": {1: "batch"},
        "c_n": {1: "batch"},
    },
}


def _example_input(module: Module) -> ae.Tensor:
    """One random row sized by the input standardization (the classifiers) or else by the
    first Linear layer, in the module's dtype; eight character ids for a CharLSTM."""
    if isinstance(module, CharLSTM):
        return ae.tensor(np.zeros((1, 8), dtype=np.int64))
    first = next(m for m in module.modules() if isinstance(m, nn.Linear))
    if isinstance(module, _Standardized):  # image models reshape the row themselves
        return ae.randn(1, module.standardize.num_features, dtype=first.weight.dtype)
    return ae.randn(1, first.in_features, dtype=first.weight.dtype)


def export(args: argparse.Namespace) -> int:
    """Write a run's model (a VAE's encoder and decoder, a GAN's generator) as ONNX files."""
    recipe, s, model, checkpoint = restore(args.run)
    parts = recipe.exported_parts(model)
    if not parts:
        raise ValueError(
            f"{args.run} is a {s.model} run, which has no layers to export; export mlp, logreg, "
            "autoencoder, dae, vae, gan, cnn, lstm or charlm runs"
        )
    if recipe.standardize:
        dtype = next(iter(model.parameters())).numpy().dtype
        parts = {
            name: _Standardized(m, checkpoint["transform"], dtype) for name, m in parts.items()
        }
    for name, part in parts.items():
        if args.out is None:
            path = Path(args.run) / f"{name}.{args.format}"
        elif len(parts) == 1:
            path = Path(args.out)
        else:
            path = Path(args.out).with_name(f"{Path(args.out).stem}-{name}.{args.format}")
        if not path.parent.is_dir():
            raise ValueError(f"cannot write {path}: folder {path.parent} does not exist")
        options = _CHARLM if isinstance(part, CharLSTM) else {}
        nn.onnx.export(part, _example_input(part), path, **options)
        if path.parent.resolve() == Path(args.run).resolve():
            record_file(args.run, path.name)  # so that `train --force` may replace it
        print(f"wrote {path}")
    return 0
