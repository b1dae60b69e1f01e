"""Conformance rows for the ops that write into a copy (graphc/ops/index_write.py)."""
import numpy as np

from tests.ops.spec import OpSpec
from tests.ops.specs.shape import second_order

S = (3, 4)


def _index_fill(x, dim, idx, v):
    r = x.copy()
    r[(slice(None),) * dim + (idx,)] = v
    return r


def _masked_scatter(x, mask, src):
    r = np.broadcast_to(x, np.broadcast_shapes(x.shape, mask.shape)).copy()
    m = np.broadcast_to(mask, r.shape)
    r[m] = src.reshape(-1)[:m.sum()]
    return r


def _scatter_reduce(x, dim, idx, src, reduce, include_self=True):
    r = x.copy()
    cnt = np.full(x.shape, 1 if include_self else 0)
    touched = np.zeros(x.shape, bool)
    for pos in np.ndindex(*idx.shape):
        tgt = list(pos)
        tgt[dim] = idx[pos]
        tgt = tuple(tgt)
        if not include_self and not touched[tgt]:
            r[tgt] = {"sum": 0, "mean": 0, "prod": 1, "amax": -np.inf, "amin": np.inf}[reduce]
        touched[tgt] = True
        v = src[pos]
        r[tgt] = {"sum": r[tgt] + v, "mean": r[tgt] + v, "prod": r[tgt] * v,
                  "amax": max(r[tgt], v), "amin": min(r[tgt], v)}[reduce]
        cnt[tgt] += 1
    if reduce == "mean":
        r = r / np.maximum(cnt, 1)
    return r


def _put(x, idx, src, accumulate=False):
    r = x.copy().reshape(-1)
    if accumulate:
        np.add.at(r, idx.reshape(-1), src.reshape(-1))
    else:
        r[idx.reshape(-1)] = src.reshape(-1)
    return r.reshape(x.shape)


def _with(index, *arrays):
    """A make() returning float inputs of the given shapes around a fixed index array."""
    def make(rng, dt):
        out = []
        for a in arrays:
            out.append(np.asarray(index) if a is None else rng.uniform(-2, 2, a).astype(dt))
        return out
    return make


def _scatter_rows(reduce, include_self, low=-2.0):
    def make(rng, dt):
        idx = np.array([[0, 1, 0], [2, 2, 3], [1, 0, 1]])
        return [rng.uniform(low, 2, S).astype(dt), idx, rng.uniform(low, 2, (3, 3)).astype(dt)]
    return make


SPECS = [
    OpSpec("index_fill", lambda m, x, i: m.index_fill(x, 1, i, -1.5), [],
           lambda x, i: _index_fill(x, 1, i, -1.5), make=_with([0, -2], S, None)),
    OpSpec("index_fill_tensor_value_dup", lambda m, x, i, v: x.index_fill(0, i, v), [],
           lambda x, i, v: _index_fill(x, 0, i, v), make=_with([2, 0, 2], S, None, ())),
    OpSpec("index_copy", lambda m, x, i, s: m.index_copy(x, 1, i, s), [],
           lambda x, i, s: _index_fill(x, 1, i, s), make=_with([3, 0], S, None, (3, 2))),
    OpSpec("index_copy_method_dim0", lambda m, x, i, s: x.index_copy(0, i, s), [],
           lambda x, i, s: _index_fill(x, 0, i, s), make=_with([1], S, None, (1, 4))),
    OpSpec("masked_scatter", lambda m, x, mk, s: m.masked_scatter(x, mk, s), [],
           _masked_scatter, make=lambda r, d: [r.uniform(-2, 2, S).astype(d),
                                                r.uniform(size=S) > 0.5,
                                                r.uniform(-2, 2, (14,)).astype(d)]),
    OpSpec("masked_scatter_broadcast_method", lambda m, x, mk, s: x.masked_scatter(mk, s), [],
           _masked_scatter, make=lambda r, d: [r.uniform(-2, 2, (4,)).astype(d),
                                                np.array([[True, False, True, True],
                                                          [False, True, False, False],
                                                          [True, True, False, True]]),
                                                r.uniform(-2, 2, (3, 3)).astype(d)]),
    OpSpec("scatter_reduce_sum", lambda m, x, i, s: m.scatter_reduce(x, 1, i, s, "sum"), [],
           lambda x, i, s: _scatter_reduce(x, 1, i, s, "sum"),
           make=_scatter_rows("sum", True)),
    OpSpec("scatter_reduce_mean_exclude_self",
           lambda m, x, i, s: x.scatter_reduce(1, i, s, "mean", include_self=False), [],
           lambda x, i, s: _scatter_reduce(x, 1, i, s, "mean", False),
           make=_scatter_rows("mean", False)),
    OpSpec("scatter_reduce_prod", lambda m, x, i, s: m.scatter_reduce(x, 1, i, s, "prod"), [],
           lambda x, i, s: _scatter_reduce(x, 1, i, s, "prod"),
           make=_scatter_rows("prod", True, low=0.5)),
    OpSpec("scatter_reduce_amax", lambda m, x, i, s: m.scatter_reduce(x, 1, i, s, "amax"), [],
           lambda x, i, s: _scatter_reduce(x, 1, i, s, "amax"),
           make=_scatter_rows("amax", True)),
    OpSpec("scatter_reduce_amin_exclude_self",
           lambda m, x, i, s: m.scatter_reduce(x, 1, i, s, "amin", include_self=False), [],
           lambda x, i, s: _scatter_reduce(x, 1, i, s, "amin", False),
           make=_scatter_rows("amin", False)),
    OpSpec("diagflat", lambda m, x: m.diagflat(x), [(2, 2)], lambda x: np.diagflat(x)),
    OpSpec("diagflat_offset_method", lambda m, x: x.diagflat(-1), [(3,)],
           lambda x: np.diagflat(x, -1)),
    OpSpec("diagonal_scatter", lambda m, x, s: m.diagonal_scatter(x, s), [S, (3,)],
           lambda x, s: _diag_set(x, s, 0)),
    OpSpec("diagonal_scatter_offset_method", lambda m, x, s: x.diagonal_scatter(s, 1), [S, (3,)],
           lambda x, s: _diag_set(x, s, 1)),
    OpSpec("select_scatter", lambda m, x, s: m.select_scatter(x, s, 0, 1), [S, (4,)],
           lambda x, s: _index_fill(x, 0, 1, s)),
    OpSpec("select_scatter_method_negative", lambda m, x, s: x.select_scatter(s, -1, -1),
           [S, (3,)], lambda x, s: _index_fill(x, 1, 3, s)),
    OpSpec("slice_scatter", lambda m, x, s: m.slice_scatter(x, s, 1, 1, 3), [S, (3, 2)],
           lambda x, s: _index_fill(x, 1, slice(1, 3), s)),
    OpSpec("slice_scatter_step_method", lambda m, x, s: x.slice_scatter(s, 1, 0, None, 2),
           [S, (3, 2)], lambda x, s: _index_fill(x, 1, slice(0, None, 2), s)),
    OpSpec("put", lambda m, x, i, s: m.put(x, i, s), [], _put,
           make=_with([0, -1, 5], S, None, (3,))),
    OpSpec("put_accumulate_method", lambda m, x, i, s: x.put(i, s, accumulate=True), [],
           lambda x, i, s: _put(x, i, s, True), make=_with([[0, 4], [4, 11]], S, None, (2, 2))),
    OpSpec("narrow_copy", lambda m, x: m.narrow_copy(x, 1, 1, 2), [S], lambda x: x[:, 1:3]),
    # masked_scatter's source gradient op, and its own gradient (double backward)
    OpSpec("masked_scatter_double_backward",
           second_order(lambda m, s: m.zeros(2, 3, dtype=s.dtype).masked_scatter(
               m.tensor([[True, False, True], [False, True, True]]), s)), [],
           lambda s, w: np.array([w[0, 0], w[0, 2], w[1, 1], w[1, 2], 0]),
           make=lambda r, d: [r.uniform(-2, 2, 5).astype(d), r.uniform(-2, 2, (2, 3)).astype(d)],
           no_grad_inputs=(0,)),
]


def _diag_set(x, s, offset):
    r = x.copy()
    rows = np.arange(len(s)) + max(0, -offset)
    r[rows, rows + max(0, offset)] = s
    return r
