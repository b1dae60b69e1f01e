"""``DataLoader``: batches of samples from a dataset, optionally shuffled, collated to tensors.

Loading runs in the calling process: ``num_workers > 0`` is accepted for compatibility and gives
the same batches in the same order (NumPy/CuPy kernels already use the machine's cores).

Collation follows ``torch.utils.data.default_collate``: tensors are stacked, numbers become
tensors (floats as float64), NumPy arrays become tensors, strings are kept as lists, and
tuples/lists/dicts/namedtuples are collated field by field. A ``TensorDataset`` (or a ``Subset``
of one) with the default collate is batched by indexing each tensor once with the batch's
indices instead of stacking per-sample views: the same result, without a Python loop per sample.
"""
from __future__ import annotations

import collections.abc as cabc
from typing import Any, Callable, Iterator

import numpy as np

from graphc.errors import ArgumentError, GraphcIndexError, GraphcValueError, ShapeError
from graphc.tensor import Tensor
from graphc.utils.data.dataset import IterableDataset, Subset, TensorDataset
from graphc.utils.data.sampler import BatchSampler, RandomSampler, SequentialSampler

_COLLATE_ERR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
                "lists; found {}")


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(x, "_fields")


def default_convert(data: Any) -> Any:
    """Without batching: NumPy arrays and scalars inside ``data`` become tensors."""
    from graphc.ops.creation import as_tensor, tensor
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        return data if data.dtype.kind in "OSUV" else as_tensor(data)
    if isinstance(data, np.generic):
        return tensor(data)
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, cabc.Mapping):
        return _same_mapping(data, {k: default_convert(v) for k, v in data.items()})
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, cabc.Sequence):
        return _same_sequence(data, [default_convert(d) for d in data])
    return data


def _same_mapping(like: cabc.Mapping, items: dict):
    """A collated mapping of the sample's own type when it can be built from a dict."""
    try:
        if isinstance(like, cabc.MutableMapping):
            import copy
            out = copy.copy(like)
            out.update(items)
            return out
        return type(like)(items)
    except TypeError:
        return items


def _same_sequence(like, items: list):
    try:
        return type(like)(items)
    except TypeError:
        return items


def default_collate(batch: list) -> Any:
    """Merge a list of samples into a batch (see the module docstring for the rules)."""
    from graphc import dtypes
    from graphc.ops.creation import as_tensor, tensor
    elem = batch[0]
    if isinstance(elem, Tensor):
        from graphc import stack
        return stack(list(batch), 0)
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "OSUV":
            raise ArgumentError(_COLLATE_ERR.format(elem.dtype))
        return default_collate([as_tensor(b) for b in batch])
    if isinstance(elem, np.generic):
        return tensor(np.array(batch))
    if isinstance(elem, int):  # bools too: a bool batch becomes a bool tensor
        return tensor(batch)
    if isinstance(elem, float):
        return tensor(batch, dtype=dtypes.float64)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, cabc.Mapping):
        try:
            items = {k: default_collate([d[k] for d in batch]) for k in elem}
        except KeyError as e:
            raise GraphcValueError(f"default_collate: a sample in the batch lacks the key "
                                   f"{e.args[0]!r} present in the first sample") from None
        return _same_mapping(elem, items)
    if _is_namedtuple(elem):
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, cabc.Sequence):
        n = len(elem)
        if any(len(b) != n for b in batch):
            raise ShapeError("each element in list of batch should be of equal size "
                             f"(got sizes {sorted({len(b) for b in batch})})")
        fields = [default_collate(list(s)) for s in zip(*batch)]
        return fields if isinstance(elem, tuple) else _same_sequence(elem, fields)
    raise ArgumentError(_COLLATE_ERR.format(type(elem)))


def get_worker_info():
    """Always None: graphc loads data in the calling process."""
    return None


def _tensor_source(dataset):
    """(TensorDataset, index map or None) when ``dataset`` is one, maybe under Subsets."""
    index_map = None
    while type(dataset) is Subset:
        idx = np.asarray(dataset.indices, dtype=np.int64)
        index_map = idx if index_map is None else idx[index_map]
        dataset = dataset.dataset
    if type(dataset) is TensorDataset and not any(t.requires_grad for t in dataset.tensors):
        return dataset, index_map
    return None, None


class DataLoader:
    """Iterate over ``dataset`` in batches: ``for x, y in DataLoader(ds, batch_size=64)``."""

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler=None, batch_sampler=None, num_workers: int = 0,
                 collate_fn: Callable | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None,
                 persistent_workers: bool = False, pin_memory_device: str = "",
                 in_order: bool = True) -> None:
        if num_workers < 0:
            raise GraphcValueError("num_workers option should be non-negative; use "
                                   "num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise GraphcValueError("timeout option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise GraphcValueError("persistent_workers option needs num_workers > 0")
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            if shuffle not in (False, None):
                raise GraphcValueError(f"DataLoader with IterableDataset: expected unspecified "
                                       f"shuffle option, but got shuffle={shuffle}")
            if sampler is not None or batch_sampler is not None:
                raise GraphcValueError("DataLoader with IterableDataset: expected unspecified "
                                       "sampler and batch_sampler options")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise GraphcValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise GraphcValueError("batch_sampler option is mutually exclusive with "
                                       "batch_size, shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise GraphcValueError("batch_size=None option disables auto-batching and is "
                                   "mutually exclusive with drop_last")
        if sampler is None and not iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle \
                else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.generator = generator
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self._iterable = iterable
        self._auto_collation = batch_sampler is not None or (iterable and batch_size is not None)
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn

    def __iter__(self) -> "_LoaderIter":
        return _LoaderIter(self)

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else -(-n // self.batch_size)
            return n
        return len(self.batch_sampler if self._auto_collation else self.sampler)

    # -- producing batches -------------------------------------------------------------------
    def _batches(self) -> Iterator:
        collate, ds = self.collate_fn, self.dataset
        if self._iterable:
            yield from self._iterable_batches()
            return
        if not self._auto_collation:
            for idx in self.sampler:
                yield collate(ds[idx])
            return
        fast_ds, index_map = (_tensor_source(ds) if collate is default_collate
                              else (None, None))
        getitems = getattr(ds, "__getitems__", None)
        for indices in self.batch_sampler:
            if fast_ds is not None:
                yield _index_tensors(fast_ds, index_map, indices)
            elif callable(getitems):
                yield collate(getitems(list(indices)))
            else:
                yield collate([ds[i] for i in indices])

    def _iterable_batches(self) -> Iterator:
        collate = self.collate_fn
        if not self._auto_collation:
            for sample in self.dataset:
                yield collate(sample)
            return
        batch = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield collate(batch)
                batch = []
        if batch and not self.drop_last:
            yield collate(batch)


def _index_tensors(ds: TensorDataset, index_map, indices) -> list:
    """One batch of a TensorDataset: each tensor gathered once at the batch's indices."""
    idx = np.asarray(indices, dtype=np.int64)
    n = len(ds) if index_map is None else len(index_map)
    if idx.size and (idx.max() >= n or idx.min() < -n):
        raise GraphcIndexError(f"index {int(idx.max() if idx.max() >= n else idx.min())} is "
                               f"out of range for a dataset of {n} samples")
    if index_map is not None:
        idx = index_map[idx]
    out = []
    for t in ds.tensors:
        dev = t._device
        where = idx if dev.type == "cpu" else dev.xp.asarray(idx)
        try:
            out.append(Tensor._wrap(t._data[where], dev))
        except IndexError as e:
            raise GraphcIndexError(f"DataLoader: a Subset index is out of range for its "
                                   f"dataset of {len(ds)} samples: {e}") from None
    return out


class _LoaderIter:
    """One pass over a DataLoader; ``len()`` gives the number of batches."""

    def __init__(self, loader: DataLoader) -> None:
        self._loader = loader
        self._gen = loader._batches()
        self._num_yielded = 0

    def __iter__(self) -> "_LoaderIter":
        return self

    def __next__(self):
        batch = next(self._gen)
        self._num_yielded += 1
        return batch

    def __len__(self) -> int:
        return len(self._loader)


__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]
