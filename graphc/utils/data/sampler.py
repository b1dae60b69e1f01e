"""Samplers: which dataset indices a ``DataLoader`` visits, and in which order and batches.

Randomness comes from a ``graphc.Generator``; without one, each epoch seeds a fresh generator
from the default one (as PyTorch does), so ``graphc.manual_seed(s)`` makes every epoch's order
reproducible while drawing the same amount from the default stream whatever the dataset size.
"""
from __future__ import annotations

from typing import Iterable, Iterator, Sequence

from graphc.errors import ArgumentError, GraphcValueError, ShapeError


class Sampler:
    """Base class: an iterable of indices (or of index lists, for batch samplers)."""

    def __init__(self, data_source=None) -> None:
        pass

    def __iter__(self) -> Iterator:
        raise NotImplementedError


def _epoch_generator(generator):
    """The generator for one epoch: the given one, or one seeded from the default stream."""
    from graphc.ops.creation import Generator
    from graphc.ops.sampling import randint
    if generator is not None:
        return generator
    return Generator().manual_seed(randint(0, 2 ** 63 - 1, (1,)).item())


class SequentialSampler(Sampler):
    """``0, 1, …, len(data_source) - 1``."""

    def __init__(self, data_source) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation each epoch (or ``num_samples`` draws with replacement)."""

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None,
                 generator=None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise ArgumentError(f"replacement should be a boolean value, but got "
                                f"replacement={replacement}")
        n = self.num_samples
        if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
            raise GraphcValueError(f"num_samples should be a positive integer value, but got "
                                   f"num_samples={n}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        from graphc.ops.sampling import randint, randperm
        n = len(self.data_source)
        gen = _epoch_generator(self.generator)
        if self.replacement:
            for _ in range(self.num_samples // 32):
                yield from randint(0, n, (32,), generator=gen).tolist()
            yield from randint(0, n, (self.num_samples % 32,), generator=gen).tolist()
            return
        for _ in range(self.num_samples // n):
            yield from randperm(n, generator=gen).tolist()
        yield from randperm(n, generator=gen).tolist()[:self.num_samples % n]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order each epoch."""

    def __init__(self, indices: Sequence[int], generator=None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        from graphc.ops.sampling import randperm
        perm = randperm(len(self.indices), generator=_epoch_generator(self.generator))
        for i in perm.tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights``."""

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator=None) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or \
                num_samples <= 0:
            raise GraphcValueError(f"num_samples should be a positive integer value, but got "
                                   f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise GraphcValueError(f"replacement should be a boolean value, but got "
                                   f"replacement={replacement}")
        from graphc.ops.creation import as_tensor
        from graphc import dtypes
        w = as_tensor(weights, dtype=dtypes.float64)
        if w.ndim != 1:
            raise ShapeError(f"weights should be a 1d sequence but given weights have shape "
                             f"{tuple(w.shape)}")
        self.weights = w
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        from graphc.ops.creation import multinomial
        gen = self.generator
        yield from multinomial(self.weights, self.num_samples, self.replacement,
                               generator=gen).tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Group another sampler's indices into lists of ``batch_size`` (the last may be short)."""

    def __init__(self, sampler: Sampler | Iterable[int], batch_size: int,
                 drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise GraphcValueError(f"batch_size should be a positive integer value, but got "
                                   f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise GraphcValueError(f"drop_last should be a boolean value, but got "
                                   f"drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch = []
        size = self.batch_size
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler"]
