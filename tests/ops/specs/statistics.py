"""Conformance rows for the statistics, scans and counting ops (graphc/ops/statistics.py)."""
import numpy as np

from tests.ops.spec import OpSpec

S = (3, 4)


def _with_nans(shape):
    def make(rng, dt):
        x = rng.uniform(-2, 2, size=shape)
        x.reshape(-1)[[1, 6]] = np.nan
        return [x.astype(dt)]
    return make


def _nanmean(x, axis=None):
    with np.errstate(invalid="ignore"):
        return np.nanmean(x, axis=axis)


def _logcumsumexp(x, axis):
    return np.logaddexp.accumulate(x, axis=axis)


def _renorm(x, p, dim, maxnorm):
    axes = tuple(i for i in range(x.ndim) if i != dim)
    n = np.sum(np.abs(x) ** p, axis=axes, keepdims=True) ** (1 / p)
    return x * np.where(n > maxnorm, maxnorm / (n + 1e-7), 1.0)


def _histc(x, bins, lo, hi):
    return np.histogram(x, bins, (lo, hi))[0].astype(x.dtype)


def _unique_consecutive(a):
    keep = np.concatenate([[True], a[1:] != a[:-1]])
    starts = np.flatnonzero(keep)
    return a[keep], np.cumsum(keep) - 1, np.diff(np.append(starts, a.size))


def _ints(low, high, *shapes):
    return lambda rng, dt: [rng.integers(low, high, size=s) for s in shapes]


_INT = {"dtypes": ("int64",), "grad": False}

SPECS = [
    OpSpec("aminmax", lambda m, x: m.aminmax(x), [S], lambda x: (x.min(), x.max())),
    OpSpec("aminmax_dim_keepdim", lambda m, x: x.aminmax(dim=1, keepdim=True), [S],
           lambda x: (x.min(1, keepdims=True), x.max(1, keepdims=True))),
    OpSpec("aminmax_ties", lambda m, x: m.aminmax(x.round(), dim=0), [S],
           lambda x: (np.round(x).min(0), np.round(x).max(0))),
    OpSpec("nansum", lambda m, x: m.nansum(x), [], np.nansum, make=_with_nans(S)),
    OpSpec("nansum_dim_method", lambda m, x: x.nansum(1, keepdim=True), [],
           lambda x: np.nansum(x, 1, keepdims=True), make=_with_nans(S)),
    OpSpec("nansum_int", lambda m, x: m.nansum(x, 0), [], lambda x: x.sum(0),
           make=_ints(-5, 5, S), **_INT),
    OpSpec("nanmean", lambda m, x: m.nanmean(x), [], _nanmean, make=_with_nans(S)),
    OpSpec("nanmean_dim", lambda m, x: x.nanmean(dim=0), [], lambda x: _nanmean(x, 0),
           make=_with_nans(S)),
    OpSpec("logcumsumexp", lambda m, x: m.logcumsumexp(x, 1), [S],
           lambda x: _logcumsumexp(x, 1)),
    OpSpec("logcumsumexp_wide_range", lambda m, x: x.logcumsumexp(0), [(4, 3)],
           lambda x: _logcumsumexp(x, 0), low=-300.0, high=300.0),
    OpSpec("cov", lambda m, x: m.cov(x), [(3, 5)], np.cov),
    OpSpec("cov_1d_correction", lambda m, x: x.cov(correction=0), [(6,)],
           lambda x: np.cov(x, ddof=0)),
    OpSpec("cov_weights", lambda m, x, f, a: m.cov(x, fweights=f, aweights=a), [],
           lambda x, f, a: np.cov(x, fweights=f, aweights=a),
           make=lambda r, d: [r.uniform(-2, 2, (2, 5)).astype(d), r.integers(1, 4, 5),
                              r.uniform(0.5, 2, 5).astype(d)]),
    OpSpec("corrcoef", lambda m, x: m.corrcoef(x), [(3, 6)], np.corrcoef),
    OpSpec("corrcoef_method_1d", lambda m, x: x.corrcoef(), [(5,)], np.corrcoef, grad=False),
    OpSpec("dist", lambda m, x, y: m.dist(x, y), [S, S], lambda x, y: np.linalg.norm(x - y)),
    OpSpec("dist_p3_broadcast", lambda m, x, y: x.dist(y, 3), [S, (4,)],
           lambda x, y: np.sum(np.abs(x - y) ** 3) ** (1 / 3)),
    OpSpec("dist_inf", lambda m, x, y: m.dist(x, y, float("inf")), [S, S],
           lambda x, y: np.abs(x - y).max()),
    OpSpec("renorm", lambda m, x: m.renorm(x, 2, 0, 1.5), [S], lambda x: _renorm(x, 2, 0, 1.5)),
    OpSpec("renorm_p1_method", lambda m, x: x.renorm(1, 1, 2.0), [(2, 3, 4)],
           lambda x: _renorm(x, 1, 1, 2.0)),
    OpSpec("histc", lambda m, x: m.histc(x, bins=5, min=-1, max=1), [(20,)],
           lambda x: _histc(x, 5, -1, 1), grad=False),
    OpSpec("histc_data_range_method", lambda m, x: x.histc(7), [(4, 5)],
           lambda x: _histc(x, 7, x.min(), x.max()), grad=False),
    OpSpec("bincount", lambda m, x: m.bincount(x), [], np.bincount, make=_ints(0, 6, (10,)),
           **_INT),
    OpSpec("bincount_weights_minlength", lambda m, x, w: x.bincount(w, minlength=9), [],
           lambda x, w: np.bincount(x, w, minlength=9), grad=False,
           make=lambda r, d: [r.integers(0, 6, 10), r.uniform(0, 1, 10).astype(d)]),
    OpSpec("unique_consecutive", lambda m, x: m.unique_consecutive(x, True, True), [],
           _unique_consecutive, make=_ints(0, 3, (12,)), **_INT),
    OpSpec("unique_consecutive_dim", lambda m, x: x.unique_consecutive(return_counts=True,
                                                                        dim=0), [],
           lambda x: (x[[0, 2, 3]], np.array([2, 1, 1])),
           make=lambda r, d: [np.array([[1, 2], [1, 2], [0, 2], [1, 2]])], **_INT),
]
