"""Conformance rows for the fused products (graphc/ops/products.py)."""
import numpy as np

from tests.ops.spec import OpSpec

_T = {"atol": 1e-4, "rtol": 1e-4}  # float32 GEMMs against a float64 reference


def _p(name, fn, shapes, ref, **kw):
    return OpSpec(name, fn, shapes, ref, **{**_T, **kw})


def _with_nan(*shapes):
    def make(rng, dt):
        arrays = [rng.uniform(-2, 2, s).astype(dt) for s in shapes]
        arrays[0].reshape(-1)[0] = np.nan  # beta=0 ignores the input, NaN included
        return arrays
    return make


SPECS = [
    _p("addmv", lambda m, b, a, v: m.addmv(b, a, v), [(3,), (3, 4), (4,)],
       lambda b, a, v: b + a @ v),
    _p("addmv_beta_alpha_scalar_input", lambda m, b, a, v: b.addmv(a, v, beta=0.5, alpha=2),
       [(), (3, 4), (4,)], lambda b, a, v: 0.5 * b + 2 * (a @ v)),
    _p("addmv_beta_0", lambda m, b, a, v: m.addmv(b, a, v, beta=0), [],
       lambda b, a, v: a @ v, make=_with_nan((3,), (3, 4), (4,)), grad=False),
    _p("addr", lambda m, b, x, y: m.addr(b, x, y), [(3, 4), (3,), (4,)],
       lambda b, x, y: b + np.outer(x, y)),
    _p("addr_method_broadcast", lambda m, b, x, y: b.addr(x, y, beta=2, alpha=-1),
       [(1, 4), (3,), (4,)], lambda b, x, y: 2 * b - np.outer(x, y)),
    _p("addr_bool", lambda m, b, x, y: m.addr(b > 0, x > 0, y > 0), [(3, 4), (3,), (4,)],
       lambda b, x, y: (b > 0) | np.outer(x > 0, y > 0), grad=False),
    _p("baddbmm", lambda m, b, x, y: m.baddbmm(b, x, y), [(2, 3, 4), (2, 3, 5), (2, 5, 4)],
       lambda b, x, y: b + x @ y),
    _p("baddbmm_broadcast_method", lambda m, b, x, y: b.baddbmm(x, y, beta=0.5, alpha=3),
       [(3, 4), (2, 3, 5), (2, 5, 4)], lambda b, x, y: 0.5 * b + 3 * (x @ y)),
    _p("addbmm", lambda m, b, x, y: m.addbmm(b, x, y), [(3, 4), (2, 3, 5), (2, 5, 4)],
       lambda b, x, y: b + (x @ y).sum(0)),
    _p("addbmm_method_beta_alpha", lambda m, b, x, y: b.addbmm(x, y, beta=2, alpha=0.5),
       [(4,), (3, 3, 2), (3, 2, 4)], lambda b, x, y: 2 * b + 0.5 * (x @ y).sum(0)),
    _p("inner_2d", lambda m, a, b: m.inner(a, b), [(2, 3), (4, 3)], lambda a, b: np.inner(a, b)),
    _p("inner_1d_method", lambda m, a, b: a.inner(b), [(5,), (5,)], np.inner),
    _p("inner_3d_1d", lambda m, a, b: m.inner(a, b), [(2, 3, 4), (4,)], np.inner),
    _p("inner_scalar", lambda m, a, b: m.inner(a, b), [(), (2, 3)], np.inner),
    _p("vdot", lambda m, a, b: m.vdot(a, b), [(6,), (6,)], np.vdot),
    _p("vdot_method", lambda m, a, b: a.vdot(b), [(3,), (3,)], np.vdot),
]
