"""Conformance rows for the extra elementwise math (graphc/ops/pointwise.py)."""
import numpy as np

from tests.ops.spec import OpSpec

S = (3, 4)


def _uniform(low, high, *shapes):
    def make(rng, dt):
        return [rng.uniform(low, high, size=s).astype(dt) for s in shapes]
    return make


def _off_integers(*shapes):
    """Values k + u with u in [0.1, 0.9]: frac is smooth there (it jumps at integers)."""
    def make(rng, dt):
        return [(rng.integers(-3, 3, s) + rng.uniform(0.1, 0.9, s)).astype(dt) for s in shapes]
    return make


def _with_zero(*shapes):
    """Random values with an exact 0 (sinc's removable singularity)."""
    def make(rng, dt):
        x = rng.uniform(-2, 2, size=shapes[0])
        x.reshape(-1)[[0, 5]] = 0.0
        return [x.astype(dt)]
    return make


def _non_finite(rng, dt):
    x = rng.uniform(-2, 2, size=S)
    x[0, 1], x[1, 2], x[2, 3] = np.nan, np.inf, -np.inf
    return [x.astype(dt)]


def _np_nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


def _xlogy(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        r = x * np.log(y)
    return np.where((x == 0) & ~np.isnan(y), 0.0, r)


def _xlogy_edges(rng, dt):
    x = np.array([[0.0, 0.0, 1.5, -2.0], [0.0, 2.0, 0.5, 0.0], [1.0, -1.0, 0.0, 3.0]])
    y = np.array([[0.0, 2.0, 0.0, 1.5], [np.nan, np.nan, 3.0, np.inf], [1.0, 2.0, -1.0, 0.5]])
    return [x.astype(dt), y.astype(dt)]


def _ints(shape, low=-5, high=6, dtype=np.int64):
    return lambda rng, dt: [rng.integers(low, high, size=shape).astype(dtype)]


SPECS = [
    OpSpec("asin", lambda m, x: m.asin(x), [S], np.arcsin, make=_uniform(-0.9, 0.9, S)),
    OpSpec("arcsin_method", lambda m, x: x.arcsin(), [S], np.arcsin,
           make=_uniform(-0.9, 0.9, S)),
    OpSpec("acos", lambda m, x: m.acos(x), [S], np.arccos, make=_uniform(-0.9, 0.9, S)),
    OpSpec("atan", lambda m, x: m.atan(x), [S], np.arctan),
    OpSpec("sinh", lambda m, x: m.sinh(x), [S], np.sinh),
    OpSpec("cosh", lambda m, x: x.cosh(), [S], np.cosh),
    OpSpec("asinh", lambda m, x: m.asinh(x), [S], np.arcsinh),
    OpSpec("acosh", lambda m, x: m.acosh(x), [S], np.arccosh, make=_uniform(1.2, 3.0, S)),
    OpSpec("atanh", lambda m, x: m.atanh(x), [S], np.arctanh, make=_uniform(-0.9, 0.9, S)),
    OpSpec("asin_int_promotes", lambda m, x: m.asin(x), [],
           lambda x: np.arcsin(x).astype(np.float32), make=_ints(S, -1, 2), grad=False,
           dtypes=("int64",)),
    OpSpec("exp2", lambda m, x: m.exp2(x), [S], np.exp2),
    OpSpec("frac", lambda m, x: m.frac(x), [S], lambda x: x - np.trunc(x),
           make=_off_integers(S)),
    OpSpec("sinc", lambda m, x: m.sinc(x), [S], np.sinc, make=_with_zero(S)),
    OpSpec("deg2rad", lambda m, x: m.deg2rad(x * 90), [S], lambda x: np.deg2rad(x * 90)),
    OpSpec("rad2deg", lambda m, x: x.rad2deg(), [S], np.rad2deg),
    OpSpec("deg2rad_int", lambda m, x: m.deg2rad(x), [],
           lambda x: np.deg2rad(x).astype(np.float32), make=_ints(S, -180, 180),
           grad=False, dtypes=("int64",)),
    OpSpec("atan2", lambda m, y, x: m.atan2(y, x), [S, S], np.arctan2),
    OpSpec("arctan2_broadcast", lambda m, y, x: m.arctan2(y, x), [(2, 3, 4), (4,)],
           np.arctan2),
    OpSpec("hypot", lambda m, x, y: m.hypot(x, y), [S, (1, 4)], np.hypot),
    OpSpec("hypot_mixed_float", lambda m, x, y: m.hypot(x, y.double()), [S, S],
           np.hypot, dtypes=("float32",)),
    OpSpec("logaddexp", lambda m, x, y: m.logaddexp(x, y), [S, S], np.logaddexp),
    OpSpec("logaddexp_large", lambda m, x, y: x.logaddexp(y), [S, S], np.logaddexp,
           make=_uniform(500.0, 700.0, S, S)),
    OpSpec("xlogy", lambda m, x, y: m.xlogy(x, y), [S, S], _xlogy,
           make=lambda r, d: [r.uniform(-2, 2, S).astype(d), r.uniform(0.5, 2, S).astype(d)]),
    OpSpec("xlogy_scalar_other", lambda m, x: m.xlogy(x, 3.0), [S], lambda x: x * np.log(3.0)),
    OpSpec("xlogy_zeros_nan_inf", lambda m, x, y: m.xlogy(x, y), [], _xlogy,
           make=_xlogy_edges, grad=False),
    OpSpec("nan_to_num", lambda m, x: m.nan_to_num(x), [], _np_nan_to_num, make=_non_finite),
    OpSpec("nan_to_num_args", lambda m, x: x.nan_to_num(1.5, posinf=9.0, neginf=-9.0), [],
           lambda x: _np_nan_to_num(x, 1.5, 9.0, -9.0), make=_non_finite),
    OpSpec("nan_to_num_int", lambda m, x: m.nan_to_num(x), [], lambda x: x, make=_ints(S),
           grad=False, dtypes=("int64",)),
]
