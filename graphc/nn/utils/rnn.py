"""``graphc.nn.utils.rnn``: padding and packing variable-length sequences for the RNN layers.

A ``PackedSequence`` holds only the real time steps of a batch, time-major: ``data`` is the
rows of step 0 for every sequence, then step 1 for the sequences still running, and so on, with
``batch_sizes[t]`` rows at step t (sequences sorted longest first). Packing and unpacking are
each one ``index_select`` with an index computed in Python from the lengths, so gradients flow
through them with no op of their own; the lengths are data-independent Python values, as in
PyTorch, where they live on the CPU.
"""
from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise
from typing import NamedTuple

import numpy as np

from graphc import dtypes as _dt
from graphc import ops as _ops
from graphc.errors import ArgumentError, GraphcValueError, ShapeError
from graphc.tensor import Tensor


class PackedSequence(NamedTuple):
    """``(data, batch_sizes, sorted_indices, unsorted_indices)``; build it with
    ``pack_padded_sequence`` or ``pack_sequence``, not by hand."""

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None

    def to(self, *args, **kwargs) -> PackedSequence:
        """Moves/casts ``data``; the index tensors follow its device, batch_sizes stays put."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        move = (lambda t: None if t is None else t.to(data.device))
        return PackedSequence(data, self.batch_sizes, move(self.sorted_indices),
                              move(self.unsorted_indices))

    def cpu(self) -> PackedSequence:
        return self.to("cpu")

    def cuda(self, device=None) -> PackedSequence:
        return self.to(device if device is not None else "cuda")

    def double(self) -> PackedSequence:
        return self.to(_dt.float64)

    def float(self) -> PackedSequence:
        return self.to(_dt.float32)

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda


def _long(values, device=None) -> Tensor:
    return _ops.tensor(np.asarray(values, dtype=np.int64), dtype=_dt.int64, device=device)


def _packed(data, batch_sizes, sorted_indices) -> PackedSequence:
    unsorted = None if sorted_indices is None else invert_permutation(sorted_indices)
    return PackedSequence(data, _long(batch_sizes), sorted_indices, unsorted)


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The permutation q with ``q[permutation[i]] == i``."""
    if permutation is None:
        return None
    perm = np.asarray(permutation.tolist(), dtype=np.int64)
    inverse = np.empty_like(perm)
    inverse[perm] = np.arange(perm.size)
    return _long(inverse, permutation.device)


def _lengths_list(lengths) -> list[int]:
    if isinstance(lengths, Tensor):
        if lengths.dtype.is_floating_point or lengths.ndim != 1:
            raise ArgumentError(f"lengths must be a 1-D integer tensor or a list, got "
                                f"{lengths.dtype} of shape {list(lengths.shape)}")
        return [int(v) for v in lengths.tolist()]
    return [int(v) for v in lengths]


def _batch_sizes(lengths: list[int]) -> list[int]:
    """Rows per time step for lengths sorted longest first."""
    return [sum(1 for n in lengths if n > t) for t in range(lengths[0])]


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded (T, B, *) batch (B, T, * if ``batch_first``) holding sequences of
    ``lengths``; with ``enforce_sorted=False`` they may come in any order."""
    lengths = _lengths_list(lengths)
    if input.ndim < 2:
        raise ShapeError(f"pack_padded_sequence: expected input of at least 2 dimensions, got "
                         f"shape {list(input.shape)}")
    batch = input.shape[0 if batch_first else 1]
    if len(lengths) != batch:
        raise ShapeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                         f"{len(lengths)} (batch_size={batch})")
    if not lengths or min(lengths) <= 0:
        raise GraphcValueError("Length of all samples has to be greater than 0, but found an "
                               "element in 'lengths' that is <= 0")
    steps = input.shape[1 if batch_first else 0]
    if max(lengths) > steps:
        raise ShapeError(f"pack_padded_sequence: a length of {max(lengths)} exceeds the padded "
                         f"sequence length {steps}")
    if enforce_sorted:
        if any(a < b for a, b in pairwise(lengths)):
            raise GraphcValueError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability.")
        order, sorted_indices = list(range(batch)), None
    else:
        order = sorted(range(batch), key=lambda b: -lengths[b])
        sorted_indices = _long(order, input.device)
    batch_sizes = _batch_sizes([lengths[b] for b in order])
    # Row of (t, sequence b) in input flattened over its first two dims.
    row = (lambda t, b: b * steps + t) if batch_first else (lambda t, b: t * batch + b)
    index = [row(t, order[j]) for t, n in enumerate(batch_sizes) for j in range(n)]
    flat = input.reshape((-1,) + tuple(input.shape[2:]))
    data = _ops.index_select(flat, 0, _long(index, input.device))
    return _packed(data, batch_sizes, sorted_indices)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None
                        ) -> tuple[Tensor, Tensor]:
    """The inverse of ``pack_padded_sequence``: ``(padded, lengths)`` in the original order."""
    batch_sizes = [int(v) for v in sequence.batch_sizes.tolist()]
    steps = len(batch_sizes)
    if total_length is not None:
        if total_length < steps:
            raise GraphcValueError(f"Expected total_length to be at least the length of the "
                                   f"longest sequence in input, but got total_length="
                                   f"{total_length} and max sequence length being {steps}")
        steps = total_length
    data = sequence.data
    batch = batch_sizes[0]
    unsorted = list(range(batch)) if sequence.unsorted_indices is None else \
        [int(v) for v in sequence.unsorted_indices.tolist()]
    starts = np.concatenate([[0], np.cumsum(batch_sizes)])
    # Each padded position reads its packed row, or the extra padding row appended at the end.
    pad_row = int(starts[-1])
    index = np.full((steps, batch), pad_row, dtype=np.int64)
    for t, n in enumerate(batch_sizes):
        index[t, :n] = starts[t] + np.arange(n)
    index = index[:, unsorted]
    if batch_first:
        index = index.T
    filler = _ops.full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype,
                       device=data.device)
    rows = _ops.index_select(_ops.cat([data, filler]), 0, _long(index.reshape(-1), data.device))
    padded = rows.reshape(index.shape + tuple(data.shape[1:]))
    lengths = [sum(1 for n in batch_sizes if n > j) for j in range(batch)]
    return padded, _long([lengths[j] for j in unsorted])


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences of shape (L_i, *) into (T, B, *) (or (B, T, *)), padding to the
    longest with ``padding_value`` on ``padding_side``."""
    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    if not isinstance(sequences, Iterable):
        raise ArgumentError(f"pad_sequence: Expected iterable for input sequences, but got arg "
                            f"of type: {type(sequences)}")
    sequences = list(sequences)
    if not sequences:
        raise GraphcValueError("pad_sequence: received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise GraphcValueError(f"Expected padding_side to be one of left or right, but got "
                               f"{padding_side}.")
    trailing = tuple(sequences[0].shape[1:])
    for s in sequences:
        if s.ndim == 0 or tuple(s.shape[1:]) != trailing:
            raise ShapeError(f"pad_sequence: every sequence must have shape (L, "
                             f"{', '.join(map(str, trailing)) or ''}), got "
                             f"{[list(x.shape) for x in sequences]}")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - s.shape[0]
        if missing:
            fill = _ops.full((missing,) + trailing, padding_value, dtype=s.dtype, device=s.device)
            s = _ops.cat([s, fill] if padding_side == "right" else [fill, s])
        padded.append(s)
    return _ops.stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False
                   ) -> list[Tensor]:
    """The inverse of ``pad_sequence``: a list of (L_i, *) tensors."""
    seqs = padded_sequences.unbind(0 if batch_first else 1)
    return [s[:n] for s, n in zip(seqs, _lengths_list(lengths))]


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of (L_i, *) tensors (longest first unless ``enforce_sorted=False``)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths,
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The inverse of ``pack_sequence``."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)


__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence",
           "pad_sequence", "unpad_sequence", "pack_sequence", "unpack_sequence"]
