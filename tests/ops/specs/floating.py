"""Conformance rows for floating-point manipulation and NaN-aware binary math
(graphc/ops/floating.py)."""
import numpy as np

from tests.ops.spec import OpSpec

S = (3, 4)


def _nonzero(*shapes):
    """Values away from 0 (copysign's gradient jumps there)."""
    def make(rng, dt):
        return [(rng.choice([-1, 1], s) * rng.uniform(0.3, 2, s)).astype(dt) for s in shapes]
    return make


def _with_nans(rng, dt):
    x, y = rng.uniform(-2, 2, S), rng.uniform(-2, 2, S)
    x[0, 0] = y[1, 1] = np.nan
    x[2, 2] = y[2, 2] = np.nan
    return [x.astype(dt), y.astype(dt)]


def _heaviside_make(rng, dt):
    x = rng.uniform(-2, 2, S)
    x[0, 1] = x[2, 0] = 0.0
    return [x.astype(dt), np.array(0.5, dt)]


def _specials(rng, dt):
    return [np.array([[-0.0, 0.0, -1.5, 2.0], [np.inf, -np.inf, np.nan, 1e-3],
                      [-2.0, 3.0, -0.25, 5.0]], dt)]


def _np_ldexp(x, y):
    return x * np.exp2(y)


SPECS = [
    OpSpec("copysign", lambda m, x, y: m.copysign(x, y), [S, S], np.copysign,
           make=_nonzero(S, S)),
    OpSpec("copysign_broadcast_method", lambda m, x, y: x.copysign(y), [S, (4,)], np.copysign,
           make=_nonzero(S, (4,))),
    OpSpec("copysign_scalar", lambda m, x: m.copysign(x, -1.0), [S],
           lambda x: np.copysign(x, -1.0), make=_nonzero(S)),
    OpSpec("copysign_signed_zeros", lambda m, x: m.copysign(x + 1, x), [], lambda x:
           np.copysign(x + 1, x), make=_specials, grad=False),
    OpSpec("nextafter", lambda m, x, y: m.nextafter(x, y), [S, S], np.nextafter),
    # PyTorch's ldexp gradient for an integer exponent is ``grad * 2 ** other`` in integer
    # arithmetic (2 ** -1 == 0), and broadcasts wrongly: the rows keep to exponents where its
    # gradient is right, and skip the sweeps that would produce the others.
    OpSpec("ldexp", lambda m, x, y: m.ldexp(x, y), [S, S], _np_ldexp, perturb=("shape",)),
    OpSpec("ldexp_int_exponent", lambda m, x, e: x.ldexp(e), [], _np_ldexp, perturb=(),
           make=lambda r, d: [r.uniform(-2, 2, S).astype(d), r.integers(0, 4, S)]),
    OpSpec("frexp", lambda m, x: m.frexp(x), [S], np.frexp, make=_nonzero(S)),
    OpSpec("frexp_method_specials", lambda m, x: x.frexp(), [], np.frexp, make=_specials,
           grad=False),
    OpSpec("signbit", lambda m, x: m.signbit(x), [], np.signbit, make=_specials, grad=False),
    OpSpec("signbit_int", lambda m, x: x.signbit(), [], np.signbit, grad=False,
           dtypes=("int64",), make=lambda r, d: [r.integers(-3, 3, S)]),
    OpSpec("fmax", lambda m, x, y: m.fmax(x, y), [S, S], np.fmax),
    OpSpec("fmin_method_broadcast", lambda m, x, y: x.fmin(y), [S, (1, 4)], np.fmin),
    OpSpec("fmax_nans", lambda m, x, y: m.fmax(x, y), [], np.fmax, make=_with_nans, grad=False),
    OpSpec("fmin_nans", lambda m, x, y: m.fmin(x, y), [], np.fmin, make=_with_nans, grad=False),
    OpSpec("heaviside", lambda m, x, v: m.heaviside(x, v), [], np.heaviside,
           make=_heaviside_make, grad=False),
    OpSpec("logaddexp2", lambda m, x, y: m.logaddexp2(x, y), [S, S], np.logaddexp2),
    OpSpec("logaddexp2_large", lambda m, x, y: x.logaddexp2(y), [S, S], np.logaddexp2,
           low=500.0, high=700.0),
    # (its gradient is zero, which PyTorch returns as a ZeroTensor numpy cannot read)
    OpSpec("sgn", lambda m, x: m.sgn(x), [S], np.sign, grad=False),
    OpSpec("isposinf_isneginf", lambda m, x: (m.isposinf(x), x.isneginf()), [],
           lambda x: (np.isposinf(x), np.isneginf(x)), make=_specials, grad=False),
    OpSpec("float_power_method", lambda m, x, y: x.float_power(y), [S, S],
           lambda x, y: np.float_power(x.astype(np.float64), y), low=0.5, high=2.0),
]
