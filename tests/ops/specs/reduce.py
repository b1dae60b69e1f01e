"""Conformance rows for the reduction family (sum … softmax).

Gradient rows avoid points where the op is not differentiable, except 2-way ties for amax/amin
(and full max/min): there the central difference is exactly the even split PyTorch uses. Ties for
``max(dim)`` (which picks one index) are checked forward only, and against torch in
``tests/test_reduce_linalg.py``.
"""
import numpy as np

from tests.ops.spec import OpSpec

S = (3, 4)
B = (2, 3, 4)


def _ints(shape, dtype=np.int32, low=-3, high=4):
    return lambda rng, dt: [rng.integers(low, high, size=shape).astype(dtype)]


def _bools(shape):
    return lambda rng, dt: [rng.uniform(size=shape) > 0.4]


def _with_zeros(shape, cells):
    """Random values with exact zeros at ``cells`` (prod's gradient special cases)."""
    def make(rng, dt):
        x = rng.uniform(0.5, 1.5, size=shape) * rng.choice([-1, 1], size=shape)
        for c in cells:
            x[c] = 0.0
        return [x.astype(dt)]
    return make


def _ties_last(shape, high=True):
    """Rows whose top (or bottom) value along the last dim occurs exactly twice."""
    def make(rng, dt):
        x = rng.uniform(-2, 2, size=shape)
        edge = x.max(-1, keepdims=True) + 0.5 if high else x.min(-1, keepdims=True) - 0.5
        x[..., 0:1] = edge
        x[..., -1:] = edge
        return [x.astype(dt)]
    return make


def _ties_all(shape):
    """Exactly two elements share the largest value (and the largest magnitude)."""
    def make(rng, dt):
        x = rng.uniform(-2, 2, size=shape)
        x.reshape(-1)[[1, -2]] = np.abs(x).max() + 0.5
        return [x.astype(dt)]
    return make


def _spread(shape, low=-2, high=2, gap=0.05):
    """Values at least ``gap`` apart, so max/argmax/norm-inf have one clear winner."""
    def make(rng, dt):
        n = int(np.prod(shape))
        vals = np.linspace(low, high, n) + rng.uniform(0, gap / 4, n)
        return [rng.permutation(vals).reshape(shape).astype(dt)]
    return make


def _zero_row(shape):
    def make(rng, dt):
        x = rng.uniform(-2, 2, size=shape)
        x[0] = 0.0
        return [x.astype(dt)]
    return make


def _away_from_zero(shape, gap=0.2):
    def make(rng, dt):
        x = rng.uniform(-2, 2, size=shape)
        return [np.where(np.abs(x) < gap, np.sign(x + 1e-12) * gap, x).astype(dt)]
    return make


def _lse(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    r = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return r if keepdims else np.squeeze(r, axis=axis) if axis is not None else r.reshape(())


def _softmax(x, axis):
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def _log_softmax(x, axis):
    return x - _lse(x, axis, keepdims=True)


def _vnorm(x, p, axis=None, keepdims=False):
    a = np.abs(x)
    if p == np.inf:
        return a.max(axis=axis, keepdims=keepdims)
    if p == -np.inf:
        return a.min(axis=axis, keepdims=keepdims)
    if p == 0:
        return (a != 0).sum(axis=axis, keepdims=keepdims).astype(x.dtype)
    return (a ** p).sum(axis=axis, keepdims=keepdims) ** (1.0 / p)


def _max_dim(x, axis, keepdims=False):
    i = np.argmax(x, axis=axis, keepdims=True)
    v = np.take_along_axis(x, i, axis)
    return (v, i) if keepdims else (v.squeeze(axis), i.squeeze(axis))


def _min_dim(x, axis, keepdims=False):
    return _max_dim(-x, axis, keepdims)[0] * -1, _max_dim(-x, axis, keepdims)[1]


SPECS = [
    # -- sum ----------------------------------------------------------------------------------
    OpSpec("sum_all", lambda m, x: x.sum(), [B], lambda x: x.sum()),
    OpSpec("sum_dim", lambda m, x: m.sum(x, 1), [B], lambda x: x.sum(1)),
    OpSpec("sum_neg_dim_keepdim", lambda m, x: x.sum(-1, keepdim=True), [B],
           lambda x: x.sum(-1, keepdims=True)),
    OpSpec("sum_dims_tuple", lambda m, x: x.sum((0, 2)), [B], lambda x: x.sum((0, 2))),
    OpSpec("sum_dims_list_neg", lambda m, x: m.sum(x, [-1, 0], keepdim=True), [B],
           lambda x: x.sum((0, 2), keepdims=True)),
    OpSpec("sum_empty_dims_is_all", lambda m, x: x.sum(()), [S], lambda x: x.sum()),
    OpSpec("sum_none_keepdim", lambda m, x: x.sum(None, keepdim=True), [S],
           lambda x: x.sum(keepdims=True)),
    OpSpec("sum_0d", lambda m, x: x.sum(0), [()], lambda x: x),
    OpSpec("sum_dtype_f64", lambda m, x: x.sum(1, dtype=m.float64), [S],
           lambda x: x.sum(1)),
    OpSpec("sum_int32_to_int64", lambda m, x: x.sum(), [], lambda x: x.sum(dtype=np.int64),
           make=_ints(S), grad=False),
    OpSpec("sum_bool_dim", lambda m, x: x.sum(0), [], lambda x: x.sum(0, dtype=np.int64),
           make=_bools(S), grad=False),
    # -- mean ---------------------------------------------------------------------------------
    OpSpec("mean_all", lambda m, x: x.mean(), [B], lambda x: x.mean()),
    OpSpec("mean_dim", lambda m, x: m.mean(x, 1), [B], lambda x: x.mean(1)),
    OpSpec("mean_dims_keepdim", lambda m, x: x.mean((-1, 0), keepdim=True), [B],
           lambda x: x.mean((0, 2), keepdims=True)),
    OpSpec("mean_int_with_dtype", lambda m, x: x.mean(dtype=m.float64), [],
           lambda x: x.mean(), make=_ints(S, np.int64), grad=False),
    # -- prod ---------------------------------------------------------------------------------
    OpSpec("prod_all", lambda m, x: x.prod(), [S], lambda x: x.prod(), low=0.5, high=1.5),
    OpSpec("prod_dim", lambda m, x: m.prod(x, 1), [B], lambda x: x.prod(1), low=-1.5,
           high=1.5),
    OpSpec("prod_dim_keepdim_neg", lambda m, x: x.prod(-1, keepdim=True), [S],
           lambda x: x.prod(-1, keepdims=True)),
    OpSpec("prod_one_zero", lambda m, x: x.prod(1), [], lambda x: x.prod(1),
           make=_with_zeros(S, [(0, 1), (2, 3)])),
    OpSpec("prod_two_zeros", lambda m, x: x.prod(1), [], lambda x: x.prod(1),
           make=_with_zeros(S, [(0, 1), (0, 2), (1, 0)])),
    OpSpec("prod_all_one_zero", lambda m, x: x.prod(), [], lambda x: x.prod(),
           make=_with_zeros(S, [(1, 2)])),
    OpSpec("prod_int_to_int64", lambda m, x: x.prod(0), [], lambda x: x.prod(0),
           make=_ints(S, np.int32, 1, 4), grad=False),
    # -- var / std ----------------------------------------------------------------------------
    OpSpec("var_all", lambda m, x: x.var(), [B], lambda x: x.var(ddof=1)),
    OpSpec("var_dim", lambda m, x: m.var(x, 1), [B], lambda x: x.var(1, ddof=1)),
    OpSpec("var_unbiased_false", lambda m, x: m.var(x, -1, unbiased=False, keepdim=True),
           [S], lambda x: x.var(-1, ddof=0, keepdims=True)),
    OpSpec("var_correction_0_dims", lambda m, x: m.var(x, (0, 2), correction=0), [B],
           lambda x: x.var((0, 2), ddof=0)),
    OpSpec("var_legacy_bool", lambda m, x: m.var(x, False), [S], lambda x: x.var()),
    OpSpec("std_all", lambda m, x: x.std(), [B], lambda x: x.std(ddof=1)),
    OpSpec("std_dim_keepdim", lambda m, x: m.std(x, 0, keepdim=True), [S],
           lambda x: x.std(0, ddof=1, keepdims=True)),
    OpSpec("std_correction_2", lambda m, x: m.std(x, 1, correction=2), [S],
           lambda x: x.std(1, ddof=2)),
    # -- norm ---------------------------------------------------------------------------------
    OpSpec("norm_fro", lambda m, x: x.norm(), [B], lambda x: np.sqrt((x * x).sum())),
    OpSpec("norm_2_dim", lambda m, x: m.norm(x, 2, 1), [B], lambda x: _vnorm(x, 2, 1)),
    OpSpec("norm_2_zero_row", lambda m, x: m.norm(x, dim=1), [], lambda x: _vnorm(x, 2, 1),
           make=_zero_row(S)),
    OpSpec("norm_1", lambda m, x: m.norm(x, 1, dim=-1, keepdim=True), [],
           lambda x: _vnorm(x, 1, -1, True), make=_away_from_zero(S)),
    OpSpec("norm_inf", lambda m, x: m.norm(x, float("inf"), dim=1), [],
           lambda x: _vnorm(x, np.inf, 1), make=_spread(S, 0.2, 2)),
    OpSpec("norm_inf_ties", lambda m, x: m.norm(x, float("inf")), [],
           lambda x: _vnorm(x, np.inf), make=_ties_all(S)),
    OpSpec("norm_neg_inf", lambda m, x: m.norm(x, -float("inf"), dim=0), [],
           lambda x: _vnorm(x, -np.inf, 0), make=_spread(S, 0.2, 2)),
    OpSpec("norm_3_dims", lambda m, x: m.norm(x, 3, dim=(0, 2)), [B],
           lambda x: _vnorm(x, 3, (0, 2))),
    OpSpec("norm_1_5", lambda m, x: m.norm(x, 1.5), [], lambda x: _vnorm(x, 1.5),
           make=_away_from_zero(S)),
    OpSpec("norm_0_5", lambda m, x: m.norm(x, 0.5, dim=1), [], lambda x: _vnorm(x, 0.5, 1),
           make=_away_from_zero(S), rtol=1e-4),
    OpSpec("norm_0", lambda m, x: m.norm(x, 0, dim=1), [], lambda x: _vnorm(x, 0, 1),
           make=_zero_row(S)),
    OpSpec("norm_fro_dims", lambda m, x: m.norm(x, "fro", dim=(1, 2), keepdim=True), [B],
           lambda x: _vnorm(x, 2, (1, 2), True)),
    # -- logsumexp / cumsum -------------------------------------------------------------------
    OpSpec("logsumexp_dim", lambda m, x: m.logsumexp(x, 1), [B], lambda x: _lse(x, 1)),
    OpSpec("logsumexp_dims_keepdim", lambda m, x: x.logsumexp((0, -1), keepdim=True), [B],
           lambda x: _lse(x, (0, 2), True)),
    OpSpec("logsumexp_large", lambda m, x: m.logsumexp(x, -1), [S], lambda x: _lse(x, -1),
           low=500.0, high=1000.0, atol=1e-3),
    OpSpec("logsumexp_very_negative", lambda m, x: m.logsumexp(x, 0), [S],
           lambda x: _lse(x, 0), low=-1000.0, high=-900.0, atol=1e-3),
    OpSpec("cumsum_dim0", lambda m, x: m.cumsum(x, 0), [B], lambda x: np.cumsum(x, 0)),
    OpSpec("cumsum_neg_dim", lambda m, x: x.cumsum(-1), [B], lambda x: np.cumsum(x, -1)),
    OpSpec("cumsum_1d", lambda m, x: x.cumsum(0), [(7,)], lambda x: np.cumsum(x)),
    OpSpec("cumsum_int_to_int64", lambda m, x: x.cumsum(1), [],
           lambda x: np.cumsum(x, 1, dtype=np.int64), make=_ints(S), grad=False),
    # -- max / min ----------------------------------------------------------------------------
    OpSpec("max_all", lambda m, x: x.max(), [], lambda x: x.max(), make=_spread(B)),
    OpSpec("min_all", lambda m, x: m.min(x), [], lambda x: x.min(), make=_spread(B)),
    OpSpec("max_all_ties", lambda m, x: x.max(), [], lambda x: x.max(), make=_ties_all(S)),
    OpSpec("max_dim", lambda m, x: m.max(x, 1), [], lambda x: _max_dim(x, 1),
           make=_spread(B)),
    OpSpec("max_dim_keepdim_neg", lambda m, x: x.max(-1, keepdim=True), [],
           lambda x: _max_dim(x, -1, True), make=_spread(B)),
    OpSpec("max_dim_values_field", lambda m, x: m.max(x, dim=0).values, [],
           lambda x: x.max(0), make=_spread(S)),
    OpSpec("max_dim_ties_first_index", lambda m, x: m.max(x, 1), [],
           lambda x: _max_dim(x, 1), make=_ties_last(S), grad=False),
    OpSpec("min_dim", lambda m, x: m.min(x, 0), [], lambda x: _min_dim(x, 0),
           make=_spread(B)),
    OpSpec("min_dim_ties_first_index", lambda m, x: x.min(1), [], lambda x: _min_dim(x, 1),
           make=_ties_last(S, high=False), grad=False),
    OpSpec("max_binary", lambda m, x, y: m.max(x, y), [S, S], lambda x, y: np.maximum(x, y),
           make=lambda r, d: [np.linspace(-2, 2, 12).reshape(S).astype(d),
                              np.linspace(2, -2, 12).reshape(S).astype(d) + 0.05]),
    OpSpec("max_int", lambda m, x: x.max(), [], lambda x: x.max(), make=_ints(S, np.int64),
           grad=False),
    OpSpec("amax_dim", lambda m, x: m.amax(x, 1), [], lambda x: x.max(1), make=_spread(B)),
    OpSpec("amax_dims_keepdim", lambda m, x: x.amax((0, -1), keepdim=True), [],
           lambda x: x.max((0, 2), keepdims=True), make=_spread(B)),
    OpSpec("amax_all", lambda m, x: m.amax(x), [], lambda x: x.max(), make=_spread(S)),
    OpSpec("amax_ties_split", lambda m, x: m.amax(x, -1), [], lambda x: x.max(-1),
           make=_ties_last(S)),
    OpSpec("amin_ties_split", lambda m, x: x.amin(1), [], lambda x: x.min(1),
           make=_ties_last(S, high=False)),
    OpSpec("amin_all_dims", lambda m, x: m.amin(x, (0, 1)), [], lambda x: x.min(),
           make=_spread(S)),
    # -- argmax / argmin / all / any ----------------------------------------------------------
    OpSpec("argmax_flat", lambda m, x: x.argmax(), [B], lambda x: np.argmax(x), grad=False),
    OpSpec("argmax_dim", lambda m, x: m.argmax(x, 1), [B], lambda x: np.argmax(x, 1),
           grad=False),
    OpSpec("argmax_keepdim_ties", lambda m, x: m.argmax(x, -1, keepdim=True), [],
           lambda x: np.argmax(x, -1, keepdims=True), make=_ties_last(S), grad=False),
    OpSpec("argmax_none_keepdim", lambda m, x: m.argmax(x, keepdim=True), [S],
           lambda x: np.argmax(x, keepdims=True), grad=False),
    OpSpec("argmin_dim", lambda m, x: x.argmin(0), [B], lambda x: np.argmin(x, 0),
           grad=False),
    OpSpec("argmin_flat", lambda m, x: m.argmin(x), [S], lambda x: np.argmin(x), grad=False),
    OpSpec("all_full", lambda m, x: (x > -1.5).all(), [S], lambda x: (x > -1.5).all(),
           grad=False),
    OpSpec("all_dim_bool", lambda m, x: m.all(x, 1), [], lambda x: x.all(1),
           make=_bools(S), grad=False),
    OpSpec("any_dims_keepdim", lambda m, x: x.any((0, 1), keepdim=True), [],
           lambda x: x.any((0, 1), keepdims=True), make=_bools(B), grad=False),
    OpSpec("any_float_input", lambda m, x: m.any(x, 0), [],
           lambda x: x.any(0), make=_with_zeros((2, 3), [(0, 0), (1, 0), (0, 2)]),
           grad=False),
    OpSpec("all_uint8_stays_uint8", lambda m, x: x.all(), [], lambda x: np.uint8(x.all()),
           make=_ints(S, np.uint8, 0, 3), grad=False),
    # -- softmax / log_softmax ----------------------------------------------------------------
    OpSpec("softmax_dim1", lambda m, x: m.softmax(x, 1), [B], lambda x: _softmax(x, 1)),
    OpSpec("softmax_last", lambda m, x: x.softmax(-1), [S], lambda x: _softmax(x, -1)),
    OpSpec("softmax_large", lambda m, x: m.softmax(x, 0), [S], lambda x: _softmax(x, 0),
           low=800.0, high=1000.0),
    OpSpec("softmax_dtype_f64", lambda m, x: m.softmax(x, 1, dtype=m.float64), [S],
           lambda x: _softmax(x, 1), dtypes=("float32",)),
    OpSpec("softmax_0d", lambda m, x: m.softmax(x, 0), [()], lambda x: np.ones(())),
    OpSpec("log_softmax_dim1", lambda m, x: m.log_softmax(x, 1), [B],
           lambda x: _log_softmax(x, 1)),
    OpSpec("log_softmax_last", lambda m, x: x.log_softmax(-1), [S],
           lambda x: _log_softmax(x, -1)),
    OpSpec("log_softmax_large", lambda m, x: m.log_softmax(x, -1), [S],
           lambda x: _log_softmax(x, -1), low=-1000.0, high=1000.0, atol=1e-3),
]
