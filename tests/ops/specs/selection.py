"""Conformance rows for ``kthvalue`` and ``nanmedian`` (graphc/ops/order.py).

Gradient rows use inputs without ties (the selected element is a kink otherwise). Ties and NaNs
are checked forward against PyTorch, which pins the positions its CPU kernels pick among equal
values (quickselect for kthvalue; for nanmedian, the stable lower median of the non-NaN values
and libstdc++'s choice in an all-NaN slice).
"""
import numpy as np

from tests.ops.spec import OpSpec


def _spread(shape, nan_cells=()):
    """Distinct values (at least ~0.05 apart) in random order, NaN at ``nan_cells``."""
    def make(rng, dt):
        n = int(np.prod(shape))
        x = rng.permutation(np.linspace(-2, 2, n) + rng.uniform(0, 0.01, n)).reshape(shape)
        for c in nan_cells:
            x[c] = np.nan
        return [x.astype(dt)]
    return make


def _ties(shape, high=3, nan_frac=0.0, dtype=None):
    def make(rng, dt):
        x = rng.integers(0, high, size=shape).astype(np.float64)
        if nan_frac:
            x[rng.random(shape) < nan_frac] = np.nan
        return [x.astype(dtype or dt)]
    return make


def _kth_ref(k, axis=-1, keepdims=False):
    def ref(x):
        order = np.argsort(x, axis=axis, kind="stable")
        idx = np.take(order, [k - 1], axis=axis)
        val = np.take_along_axis(x, idx, axis)
        return (val, idx) if keepdims else (val.squeeze(axis), idx.squeeze(axis))
    return ref


def _nanmedian_ref(x):
    v = np.sort(x[~np.isnan(x)])
    return v[(v.size - 1) // 2] if v.size else np.nan


def _nanmedian_dim_ref(axis):
    def ref(x):
        xm = np.moveaxis(x, axis, -1)
        order = np.argsort(xm, axis=-1, kind="stable")
        k = np.maximum((~np.isnan(xm)).sum(-1, keepdims=True) - 1, 0) // 2
        idx = np.take_along_axis(order, k, -1)
        return np.take_along_axis(xm, idx, -1)[..., 0], idx[..., 0]
    return ref


KTH = [
    OpSpec("kthvalue", lambda m, x: m.kthvalue(x, 2), [], _kth_ref(2), make=_spread((3, 5))),
    OpSpec("kthvalue_dim0_keepdim", lambda m, x: x.kthvalue(4, 0, keepdim=True), [],
           _kth_ref(4, 0, True), make=_spread((4, 3))),
    OpSpec("kthvalue_last", lambda m, x: m.kthvalue(x, 6, dim=1), [], _kth_ref(6, 1),
           make=_spread((2, 6, 2))),
    OpSpec("kthvalue_1d", lambda m, x: m.kthvalue(x, 3), [], _kth_ref(3), make=_spread((7,))),
    OpSpec("kthvalue_nan", lambda m, x: m.kthvalue(x, 4), [], None,
           make=_spread((3, 5), [(0, 1), (1, 0), (1, 3), (2, 4)]), grad=False),
    OpSpec("kthvalue_ties", lambda m, x: m.kthvalue(x, 3, -1), [], None,
           make=_ties((6, 9)), grad=False),
    OpSpec("kthvalue_ties_nan", lambda m, x: m.kthvalue(x, 5, 0), [], None,
           make=_ties((11, 6), 3, 0.3), grad=False),
    OpSpec("kthvalue_int", lambda m, x: m.kthvalue(x, 2), [], None,
           make=_ties((4, 5), 4, dtype=np.int64), grad=False, dtypes=("int64",)),
]

NANMEDIAN = [
    OpSpec("nanmedian_all", lambda m, x: m.nanmedian(x), [], _nanmedian_ref,
           make=_spread((3, 4))),
    OpSpec("nanmedian_all_with_nan", lambda m, x: x.nanmedian(), [], _nanmedian_ref,
           make=_spread((3, 5), [(0, 0), (2, 3)])),
    OpSpec("nanmedian_all_nan", lambda m, x: m.nanmedian(x), [], lambda x: np.float64("nan"),
           make=lambda r, d: [np.full((2, 2), np.nan, d)], grad=False),
    OpSpec("nanmedian_all_ties", lambda m, x: m.nanmedian(x), [], _nanmedian_ref,
           make=_ties((4, 5), 3, 0.2), grad=False),
    OpSpec("nanmedian_dim", lambda m, x: m.nanmedian(x, 1), [], _nanmedian_dim_ref(1),
           make=_spread((3, 6), [(0, 2), (2, 0), (2, 5)])),
    OpSpec("nanmedian_dim_keepdim", lambda m, x: x.nanmedian(0, keepdim=True), [],
           lambda x: tuple(np.expand_dims(a, 0) for a in _nanmedian_dim_ref(0)(x)),
           make=_spread((5, 3))),
    OpSpec("nanmedian_dim_ties_all_nan", lambda m, x: m.nanmedian(x, -1), [], None,
           make=_ties((8, 13), 3, 0.5), grad=False),
    OpSpec("nanmedian_all_nan_rows", lambda m, x: m.nanmedian(x, 1), [], None,
           make=lambda r, d: [np.full((3, 23), np.nan, d)], grad=False),
    OpSpec("nanmedian_all_nan_cols", lambda m, x: m.nanmedian(x, 0, True), [], None,
           make=lambda r, d: [np.full((6, 2), np.nan, d)], grad=False),
    OpSpec("nanmedian_int", lambda m, x: m.nanmedian(x, 0), [], None,
           make=_ties((5, 4), 4, dtype=np.int64), grad=False, dtypes=("int64",)),
]

SPECS = KTH + NANMEDIAN
