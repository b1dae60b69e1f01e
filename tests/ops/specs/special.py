"""Conformance rows for the special functions (graphc/ops/special.py)."""
import numpy as np
import scipy.special as sc

from tests.ops.spec import OpSpec

S = (3, 4)


def _uniform(low, high, *shapes):
    def make(rng, dt):
        return [rng.uniform(low, high, size=s).astype(dt) for s in shapes]
    return make


def _logit(x, eps=None):
    if eps is not None:
        x = np.clip(x, eps, 1 - eps)
    return np.log(x / (1 - x))


def _i0_with_zero(rng, dt):
    x = rng.uniform(-2, 2, size=S)
    x[1, 1] = 0.0  # i1's gradient takes its limit branch there
    return [x.astype(dt)]


SPECS = [
    OpSpec("erfc", lambda m, x: m.erfc(x), [S], sc.erfc),
    OpSpec("erfc_method", lambda m, x: x.erfc(), [S], sc.erfc),
    OpSpec("erfinv", lambda m, x: m.erfinv(x), [S], sc.erfinv, make=_uniform(-0.9, 0.9, S)),
    OpSpec("lgamma", lambda m, x: m.lgamma(x), [S], sc.gammaln, make=_uniform(0.3, 4.0, S)),
    OpSpec("lgamma_negative", lambda m, x: x.lgamma(), [S], sc.gammaln,
           make=lambda r, d: [(r.integers(-4, 0, S) + r.uniform(0.2, 0.8, S)).astype(d)]),
    OpSpec("digamma", lambda m, x: m.digamma(x), [S], sc.psi, make=_uniform(0.3, 4.0, S)),
    OpSpec("polygamma_1", lambda m, x: m.polygamma(1, x), [S], lambda x: sc.polygamma(1, x),
           make=_uniform(0.5, 4.0, S), rtol=1e-4),
    OpSpec("polygamma_3_method", lambda m, x: x.polygamma(3), [S],
           lambda x: sc.polygamma(3, x), make=_uniform(0.5, 4.0, S), rtol=1e-4),
    OpSpec("polygamma_0", lambda m, x: m.polygamma(0, x), [S], sc.psi,
           make=_uniform(0.5, 4.0, S)),
    OpSpec("i0", lambda m, x: m.i0(x), [S], sc.i0, make=_i0_with_zero),
    OpSpec("special_i1", lambda m, x: m.special.i1(x), [S], sc.i1, make=_i0_with_zero),
    OpSpec("special_gammaln", lambda m, x: m.special.gammaln(x), [S], sc.gammaln,
           make=_uniform(0.3, 4.0, S)),
    OpSpec("logit", lambda m, x: m.logit(x), [S], _logit, make=_uniform(0.05, 0.95, S)),
    OpSpec("logit_eps", lambda m, x: x.logit(eps=0.2), [S], lambda x: _logit(x, 0.2),
           make=lambda r, d: [np.array([[0.05, 0.1, 0.3, 0.5], [0.6, 0.7, 0.9, 0.95],
                                        [0.25, 0.45, 0.75, 0.15]], d)]),
    OpSpec("erfinv_int_promotes", lambda m, x: m.erfinv(x), [],
           lambda x: sc.erfinv(x).astype(np.float32), grad=False, dtypes=("int64",),
           make=lambda r, d: [r.integers(-1, 2, S)]),
]
