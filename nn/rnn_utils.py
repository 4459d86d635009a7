"""Batches of sequences of different lengths (`nn.utils.rnn`): padding them to one length and
packing them (PackedSequence), which the recurrent layers accept.

A PackedSequence holds, time step by time step, the entries of the sequences still running at
that step, longest sequences first: `data` (sum of lengths, *), `batch_sizes[t]` the number of
sequences longer than t, and the permutation from the batch's order to the longest-first one
(`sorted_indices`) and back (`unsorted_indices`), None when the batch was already sorted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

import autograd_engine as ae

Tensor = ae.Tensor


class PackedSequence(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None


def _lengths(lengths: Any) -> np.ndarray:
    array = lengths.numpy() if isinstance(lengths, Tensor) else np.asarray(lengths)
    return array.astype(np.int64).reshape(-1)


def pad_sequence(
    sequences: Sequence[Tensor],
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack sequences (L_i, *) into (T, B, *) (or (B, T, *)), T the longest length, padding
    each on the right (or left) with padding_value."""
    if padding_side not in ("right", "left"):
        raise ValueError(
            f"pad_sequence: padding_side must be 'right' or 'left', got {padding_side}"
        )
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        extra = longest - s.shape[0]
        widths = [(0, extra) if padding_side == "right" else (extra, 0)] + [(0, 0)] * (s.ndim - 1)
        padded.append(ae.pad(s, widths, padding_value) if extra else s)
    return ae.stack(padded, 0 if batch_first else 1)


def _pack(padded: Tensor, lengths: np.ndarray, order: np.ndarray) -> tuple[Tensor, np.ndarray]:
    """data and batch_sizes of (T, B, *) sequences taken longest first in `order`."""
    batch_sizes = np.array([(lengths > t).sum() for t in range(int(lengths.max()))], np.int64)
    steps = [padded[t][order[:n]] for t, n in enumerate(batch_sizes)]
    return ae.cat(steps, 0), batch_sizes


def pack_padded_sequence(
    input: Tensor, lengths: Any, batch_first: bool = False, enforce_sorted: bool = True
) -> PackedSequence:
    """Pack padded sequences (T, B, *) (or (B, T, *)) of the given lengths; with
    enforce_sorted, the lengths must be decreasing."""
    lengths = _lengths(lengths)
    if lengths.size == 0 or lengths.min() < 1:
        raise ValueError(f"pack_padded_sequence: lengths must be positive, got {lengths.tolist()}")
    if batch_first:
        input = input.transpose(0, 1)
    if lengths.max() > input.shape[0] or lengths.size != input.shape[1]:
        raise ae.ShapeError(
            f"pack_padded_sequence: {lengths.size} lengths up to {lengths.max()} do not fit "
            f"input of (time, batch) sizes {tuple(input.shape[:2])}"
        )
    if enforce_sorted:
        if (np.diff(lengths) > 0).any():
            raise ValueError(
                f"pack_padded_sequence: lengths {lengths.tolist()} are not sorted in decreasing "
                "order; sort the batch or pass enforce_sorted=False"
            )
        order, sorted_indices, unsorted_indices = np.arange(lengths.size), None, None
    else:
        order = np.argsort(-lengths, kind="stable")
        sorted_indices = ae.tensor(order)
        unsorted_indices = ae.tensor(np.argsort(order))
    data, batch_sizes = _pack(input, lengths, order)
    return PackedSequence(data, ae.tensor(batch_sizes), sorted_indices, unsorted_indices)


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Tensor, Tensor]:
    """The padded (T, B, *) (or (B, T, *)) sequences and their lengths (int64), in the
    batch's original order; total_length pads to that many steps."""
    data, batch_sizes = sequence.data, sequence.batch_sizes.numpy()
    batch, steps = int(batch_sizes[0]), len(batch_sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError(
                f"pad_packed_sequence: total_length {total_length} is shorter than the longest "
                f"sequence ({steps})"
            )
        steps = total_length
    rows, start = [], 0
    for n in batch_sizes:
        step = data[start : start + n]
        start += n
        rows.append(ae.pad(step, [(0, batch - n)] + [(0, 0)] * (data.ndim - 1), padding_value))
    filler = ae.full((batch, *data.shape[1:]), padding_value, dtype=data.dtype)
    rows += [filler] * (steps - len(rows))
    padded = ae.stack(rows, 0)
    lengths = np.array([(batch_sizes > b).sum() for b in range(batch)], np.int64)
    if sequence.unsorted_indices is not None:
        back = sequence.unsorted_indices.numpy()
        padded, lengths = padded[:, back], lengths[back]
    return (padded.transpose(0, 1) if batch_first else padded), ae.tensor(lengths)


def repack(padded: Tensor, lengths: np.ndarray, like: PackedSequence) -> PackedSequence:
    """(T, B, *) outputs packed as the PackedSequence `like` (its order and batch sizes)."""
    order = np.arange(lengths.size) if like.sorted_indices is None else like.sorted_indices.numpy()
    data, _ = _pack(padded, lengths, order)
    return PackedSequence(data, like.batch_sizes, like.sorted_indices, like.unsorted_indices)


__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence"]
