"""graphc.utils.data: batching, shuffling, collation, splitting, samplers."""
from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

import graphc
from graphc.errors import GraphcError, GraphcValueError, ShapeError
from graphc.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset, IterableDataset,
                               RandomSampler, SequentialSampler, Subset, SubsetRandomSampler,
                               TensorDataset, WeightedRandomSampler, default_collate,
                               random_split)


def _xy(n=10):
    x = graphc.arange(n * 3, dtype=graphc.float32).reshape(n, 3)
    y = graphc.arange(n)
    return x, y


class Squares(Dataset):
    """A plain map-style dataset returning (ndarray, int, float, str) samples."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return np.full(2, i, dtype=np.float32), i, i * 0.5, f"s{i}"


def test_tensor_dataset_indexing_and_size_mismatch():
    x, y = _xy()
    ds = TensorDataset(x, y)
    assert len(ds) == 10
    xi, yi = ds[3]
    assert xi.tolist() == [9.0, 10.0, 11.0] and yi.item() == 3
    with pytest.raises(AssertionError, match=r"Size mismatch between tensors.*\[10, 3\].*\[9\]"):
        TensorDataset(x, graphc.arange(9))


def test_batching_in_order():
    x, y = _xy()
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and len(batches) == 3
    assert [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    xb, yb = batches[0]
    assert isinstance(batches[0], list)  # tuples of samples collate to a list, as in PyTorch
    assert tuple(xb.shape) == (4, 3) and xb.dtype == graphc.float32 and yb.dtype == graphc.int64
    np.testing.assert_array_equal(xb.numpy(), x.numpy()[:4])


def test_drop_last_and_len():
    x, y = _xy(10)
    loader = DataLoader(TensorDataset(x, y), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert [b[1].tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(DataLoader(TensorDataset(x, y), batch_size=5)) == 2
    assert len(DataLoader(TensorDataset(x, y))) == 10
    it = iter(DataLoader(TensorDataset(x, y), batch_size=3))
    assert len(it) == 4


def test_shuffle_is_a_permutation_and_reproducible_with_seed():
    x, y = _xy(20)
    loader = DataLoader(TensorDataset(x, y), batch_size=6, shuffle=True)
    graphc.manual_seed(123)
    epoch1 = [b[1].tolist() for b in loader]
    epoch2 = [b[1].tolist() for b in loader]
    graphc.manual_seed(123)
    again1 = [b[1].tolist() for b in loader]
    again2 = [b[1].tolist() for b in loader]
    assert epoch1 == again1 and epoch2 == again2
    assert epoch1 != epoch2  # a new order every epoch
    flat = sum(epoch1, [])
    assert sorted(flat) == list(range(20)) and flat != list(range(20))
    assert [len(b) for b in epoch1] == [6, 6, 6, 2]
    # Features stay paired with their labels.
    for xb, yb in loader:
        np.testing.assert_array_equal(xb.numpy(), x.numpy()[yb.numpy()])


def test_shuffle_with_explicit_generator():
    x, y = _xy(16)

    def order(seed):
        g = graphc.Generator().manual_seed(seed)
        loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True, generator=g)
        return next(iter(loader))[1].tolist()
    graphc.manual_seed(0)
    a = order(7)
    graphc.manual_seed(99)  # the default generator does not matter when one is given
    assert order(7) == a and order(8) != a


def test_generic_dataset_default_collate():
    loader = DataLoader(Squares(5), batch_size=2)
    arrays, ints, floats, strs = next(iter(loader))
    assert isinstance(arrays, graphc.Tensor) and tuple(arrays.shape) == (2, 2)
    assert arrays.dtype == graphc.float32
    assert ints.dtype == graphc.int64 and ints.tolist() == [0, 1]
    assert floats.dtype == graphc.float64 and floats.tolist() == [0.0, 0.5]
    assert strs == ["s0", "s1"]
    assert [b[1].tolist() for b in loader] == [[0, 1], [2, 3], [4]]


def test_default_collate_nested_structures():
    Point = namedtuple("Point", "x y")
    batch = [{"a": graphc.tensor([1.0, 2.0]), "b": (1, [True, 2.5]), "p": Point(1, 2.0)},
             {"a": graphc.tensor([3.0, 4.0]), "b": (2, [False, 3.5]), "p": Point(3, 4.0)}]
    out = default_collate(batch)
    assert set(out) == {"a", "b", "p"}
    assert out["a"].tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert out["b"][0].tolist() == [1, 2]
    assert out["b"][1][0].dtype == graphc.bool and out["b"][1][0].tolist() == [True, False]
    assert out["b"][1][1].tolist() == [2.5, 3.5]
    assert isinstance(out["p"], Point) and out["p"].x.tolist() == [1, 3]
    with pytest.raises(ShapeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        default_collate([object(), object()])


def test_default_collate_matches_torch():
    pytest.importorskip("torch")
    from torch.utils.data import default_collate as t_collate
    samples = [(np.arange(3, dtype=np.float64) + i, i, i / 4) for i in range(4)]
    g = default_collate(samples)
    t = t_collate(samples)
    assert len(g) == len(t) == 3
    for a, b in zip(g, t):
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_custom_collate_fn():
    x, y = _xy(6)

    def collate(samples):
        xs, ys = zip(*samples)
        return graphc.stack(xs).sum().item(), [int(v) for v in ys]
    out = list(DataLoader(TensorDataset(x, y), batch_size=4, collate_fn=collate))
    assert out[0] == (float(x.numpy()[:4].sum()), [0, 1, 2, 3])
    assert out[1][1] == [4, 5]


def test_batch_size_none_converts_samples():
    loader = DataLoader(Squares(3), batch_size=None)
    first = next(iter(loader))
    assert isinstance(first, list) and isinstance(first[0], graphc.Tensor)
    assert len(loader) == 3


def test_random_split_lengths_and_fractions():
    x, y = _xy(10)
    ds = TensorDataset(x, y)
    a, b = random_split(ds, [7, 3], generator=graphc.Generator().manual_seed(0))
    assert isinstance(a, Subset) and len(a) == 7 and len(b) == 3
    got = sorted([a[i][1].item() for i in range(7)] + [b[i][1].item() for i in range(3)])
    assert got == list(range(10))
    parts = random_split(ds, [0.5, 0.3, 0.2])
    assert [len(p) for p in parts] == [5, 3, 2]
    parts = random_split(TensorDataset(*_xy(11)), [0.5, 0.5])
    assert [len(p) for p in parts] == [6, 5]  # the remainder goes round-robin from the front
    with pytest.raises(GraphcValueError, match="Sum of input lengths"):
        random_split(ds, [5, 4])
    with pytest.raises(GraphcValueError, match="Fraction at index 0"):
        random_split(ds, [1.5, -0.5])
    g1 = [s.indices for s in random_split(ds, [5, 5], generator=graphc.Generator().manual_seed(3))]
    g2 = [s.indices for s in random_split(ds, [5, 5], generator=graphc.Generator().manual_seed(3))]
    assert g1 == g2


def test_loader_over_subset_uses_subset_order():
    x, y = _xy(10)
    sub = Subset(Subset(TensorDataset(x, y), [9, 7, 5, 3, 1, 0]), [1, 2, 4])
    out = list(DataLoader(sub, batch_size=2))
    assert [b[1].tolist() for b in out] == [[7, 5], [1]]
    np.testing.assert_array_equal(out[0][0].numpy(), x.numpy()[[7, 5]])


def test_fast_path_equals_per_sample_collation():
    x, y = _xy(9)
    ds = TensorDataset(x, y)
    fast = list(DataLoader(ds, batch_size=4))
    slow = list(DataLoader(ds, batch_size=4, collate_fn=lambda b: default_collate(b)))
    for f, s in zip(fast, slow):
        for a, b in zip(f, s):
            assert a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_samplers():
    data = list(range(7))
    assert list(SequentialSampler(data)) == data
    graphc.manual_seed(1)
    r = list(RandomSampler(data))
    assert sorted(r) == data and len(RandomSampler(data)) == 7
    rr = list(RandomSampler(data, replacement=True, num_samples=40))
    assert len(rr) == 40 and set(rr) <= set(data)
    assert sorted(SubsetRandomSampler([2, 4, 6])) == [2, 4, 6]
    w = list(WeightedRandomSampler([0.0, 0.0, 1.0], 5))
    assert w == [2] * 5
    assert list(BatchSampler(SequentialSampler(data), 3, False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(BatchSampler(SequentialSampler(data), 3, True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(BatchSampler(SequentialSampler(data), 3, False)) == 3
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        BatchSampler(data, 0, False)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler([], num_samples=0)


def test_loader_with_sampler_and_batch_sampler():
    x, y = _xy(6)
    ds = TensorDataset(x, y)
    out = [b[1].tolist() for b in DataLoader(ds, batch_size=2, sampler=[5, 4, 3, 2, 1, 0])]
    assert out == [[5, 4], [3, 2], [1, 0]]
    out = [b[1].tolist() for b in DataLoader(ds, batch_sampler=[[0, 5], [1]])]
    assert out == [[0, 5], [1]]


def test_iterable_dataset():
    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(7))

    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3)] == [[0, 1, 2], [3, 4, 5],
                                                                         [6]]
    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3, drop_last=True)] == \
        [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(ValueError, match="expected unspecified shuffle"):
        DataLoader(Stream(), shuffle=True)


def test_concat_dataset():
    a, b = TensorDataset(*_xy(3)), TensorDataset(*_xy(4))
    c = a + b
    assert isinstance(c, ConcatDataset) and len(c) == 7
    assert c[3][1].item() == 0 and c[-1][1].item() == 3
    assert [t[1].tolist() for t in DataLoader(c, batch_size=4)] == [[0, 1, 2, 0], [1, 2, 3]]


def test_invalid_loader_arguments():
    ds = TensorDataset(*_xy(4))
    with pytest.raises(GraphcValueError, match="mutually exclusive with shuffle"):
        DataLoader(ds, shuffle=True, sampler=[0, 1])
    with pytest.raises(GraphcValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_size=2, batch_sampler=[[0]])
    with pytest.raises(GraphcValueError, match="num_workers"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(GraphcValueError, match="drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(GraphcError):
        list(DataLoader(ds, sampler=[0, 9], batch_size=2))


def test_num_workers_gives_same_batches():
    x, y = _xy(8)
    a = [b[1].tolist() for b in DataLoader(TensorDataset(x, y), batch_size=3, num_workers=2)]
    assert a == [[0, 1, 2], [3, 4, 5], [6, 7]]


def test_loader_batches_on_device(device):
    x, y = _xy(6)
    ds = TensorDataset(x.to(device), y.to(device))
    xb, yb = next(iter(DataLoader(ds, batch_size=4, shuffle=True)))
    assert str(xb.device).startswith(device) and str(yb.device).startswith(device)
    np.testing.assert_array_equal(xb.cpu().numpy(), x.numpy()[yb.cpu().numpy()])
