"""Conformance rows for order statistics, scans and unique (graphc/ops/order.py, sorting.py).

Gradient rows use inputs without ties (median/mode/cummax select one element, so a tie is a
kink). Ties, NaNs and mode (whose value jumps when any input moves) are checked forward and
against torch here, and their gradients against torch in ``tests/test_more_ops.py``.
"""
import numpy as np

from tests.ops.spec import OpSpec

S = (3, 4)


def _spread(shape, low=-2.0, high=2.0):
    """Distinct values (at least ~0.05 apart) in random order."""
    def make(rng, dt):
        n = int(np.prod(shape))
        vals = np.linspace(low, high, n) + rng.uniform(0, 0.01, n)
        return [rng.permutation(vals).reshape(shape).astype(dt)]
    return make


def _with_zeros(shape, cells):
    def make(rng, dt):
        x = rng.uniform(0.5, 1.5, size=shape) * rng.choice([-1, 1], size=shape)
        for c in cells:
            x[c] = 0.0
        return [x.astype(dt)]
    return make


def _small_ints(shape, high=3, as_float=True):
    def make(rng, dt):
        x = rng.integers(0, high, size=shape)
        return [x.astype(dt if as_float else np.int64)]
    return make


def _with_nan(rng, dt):
    x = rng.uniform(-2, 2, size=(3, 5))
    x[0, 1] = x[2, 2] = x[2, 4] = np.nan
    return [x.astype(dt)]


def _lower_median(x, axis=None, keepdims=False):
    if axis is None:
        return np.sort(x.reshape(-1))[(x.size - 1) // 2]
    order = np.argsort(x, axis=axis, kind="stable")
    k = (x.shape[axis] - 1) // 2
    idx = np.take(order, [k], axis=axis)
    val = np.take_along_axis(x, idx, axis)
    return (val, idx) if keepdims else (val.squeeze(axis), idx.squeeze(axis))


def _cum(fn, axis):
    def ref(x):
        v = fn.accumulate(x, axis=axis)
        pos = np.where(x == v, np.arange(x.shape[axis]).reshape(
            [-1 if d == axis else 1 for d in range(x.ndim)]), 0)
        return v, np.maximum.accumulate(pos, axis=axis)
    return ref


def _unique_np(x, axis=None):
    v, inv, cnt = np.unique(x if axis is not None else x.reshape(-1), axis=axis,
                            return_inverse=True, return_counts=True)
    return v, inv.reshape(x.shape if axis is None else -1), cnt


SPECS = [
    # -- cumprod -----------------------------------------------------------------------------
    OpSpec("cumprod", lambda m, x: m.cumprod(x, 1), [S], lambda x: np.cumprod(x, 1)),
    OpSpec("cumprod_dim0_method", lambda m, x: x.cumprod(0), [(4, 3)],
           lambda x: np.cumprod(x, 0)),
    OpSpec("cumprod_zeros", lambda m, x: m.cumprod(x, -1), [], lambda x: np.cumprod(x, -1),
           make=_with_zeros((3, 5), [(0, 2), (1, 0), (1, 3), (2, 4)])),
    OpSpec("cumprod_0d", lambda m, x: m.cumprod(x, 0), [()], lambda x: x),
    OpSpec("cumprod_int", lambda m, x: m.cumprod(x, 1), [],
           lambda x: np.cumprod(x, 1, dtype=np.int64), grad=False, dtypes=("int32",),
           make=lambda r, d: [r.integers(-3, 4, S).astype(np.int32)]),
    OpSpec("cumprod_dtype", lambda m, x: m.cumprod(x, 1, dtype=m.float64), [S],
           lambda x: np.cumprod(x.astype(np.float64), 1), dtypes=("float32",)),
    # -- median / mode -----------------------------------------------------------------------
    OpSpec("median_all", lambda m, x: m.median(x), [], _lower_median, make=_spread((3, 4))),
    OpSpec("median_all_ties", lambda m, x: x.median(), [], _lower_median,
           make=_small_ints((3, 4)), grad=False),
    OpSpec("median_all_nan", lambda m, x: m.median(x), [], lambda x: np.float64("nan"),
           make=_with_nan, grad=False),
    OpSpec("median_dim", lambda m, x: m.median(x, 1), [], lambda x: _lower_median(x, 1),
           make=_spread((3, 5))),
    OpSpec("median_dim_keepdim", lambda m, x: x.median(0, keepdim=True), [],
           lambda x: _lower_median(x, 0, True), make=_spread((4, 3))),
    OpSpec("median_dim_ties", lambda m, x: m.median(x, -1), [], lambda x: _lower_median(x, -1),
           make=_small_ints((4, 6)), grad=False),
    OpSpec("median_dim_nan", lambda m, x: m.median(x, 1), [], None, make=_with_nan,
           grad=False),
    OpSpec("mode", lambda m, x: m.mode(x), [], None, make=_small_ints((4, 7)), grad=False),
    OpSpec("mode_dim0_keepdim", lambda m, x: x.mode(0, keepdim=True), [], None,
           make=_small_ints((6, 3), 4), grad=False),
    OpSpec("mode_int", lambda m, x: m.mode(x, 1), [], None,
           make=_small_ints((3, 5), 3, as_float=False), grad=False, dtypes=("int64",)),
    # -- cummax / cummin ---------------------------------------------------------------------
    OpSpec("cummax", lambda m, x: m.cummax(x, 1), [], _cum(np.maximum, 1),
           make=_spread((3, 5))),
    OpSpec("cummin", lambda m, x: x.cummin(0), [], _cum(np.minimum, 0), make=_spread((4, 3))),
    OpSpec("cummax_ties", lambda m, x: m.cummax(x, -1), [], _cum(np.maximum, 1),
           make=_small_ints((4, 6)), grad=False),
    OpSpec("cummin_nan", lambda m, x: m.cummin(x, 1), [], None, make=_with_nan, grad=False),
    # -- count_nonzero -----------------------------------------------------------------------
    OpSpec("count_nonzero", lambda m, x: m.count_nonzero(x), [],
           lambda x: np.count_nonzero(x), make=_small_ints((3, 4)), grad=False),
    OpSpec("count_nonzero_dims", lambda m, x: x.count_nonzero((0, 2)), [],
           lambda x: np.count_nonzero(x, axis=(0, 2)), make=_small_ints((2, 3, 4)), grad=False),
    # -- unique ------------------------------------------------------------------------------
    OpSpec("unique", lambda m, x: m.unique(x), [], lambda x: np.unique(x),
           make=_small_ints((3, 5), 4, as_float=False), grad=False, dtypes=("int64",)),
    OpSpec("unique_inverse_counts",
           lambda m, x: m.unique(x, return_inverse=True, return_counts=True), [], _unique_np,
           make=_small_ints((3, 5), 4), grad=False),
    OpSpec("unique_counts_method", lambda m, x: x.unique(sorted=False, return_counts=True),
           [], lambda x: _unique_np(x)[::2], make=_small_ints((6,), 3), grad=False),
    OpSpec("unique_dim", lambda m, x: m.unique(x, dim=0, return_inverse=True,
                                              return_counts=True), [],
           lambda x: _unique_np(x, 0), grad=False, dtypes=("int64",),
           make=lambda r, d: [np.array([[1, 2], [0, 1], [1, 2], [0, 0]])]),
    OpSpec("unique_dim1", lambda m, x: m.unique(x, dim=1, return_inverse=True), [],
           lambda x: _unique_np(x, 1)[:2], grad=False,
           make=lambda r, d: [np.array([[1.0, 0.0, 1.0], [2.0, 1.0, 2.0]]).astype(d)]),
]
