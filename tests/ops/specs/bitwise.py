"""Conformance rows for the integer and logical ops (graphc/ops/bitwise.py)."""
import numpy as np

from tests.ops.spec import OpSpec

S = (3, 4)


def _ints(*specs):
    """Integer inputs: one (low, high, shape[, dtype]) per input."""
    def make(rng, dt):
        return [rng.integers(lo, hi, size=s).astype(d[0] if d else np.int64)
                for lo, hi, s, *d in specs]
    return make


def _np_shift(left):
    def ref(a, b):
        bits = 8 * np.result_type(a, b).itemsize
        bad = (b < 0) | (b >= bits)
        if left:
            return np.where(bad, 0, np.left_shift(a, np.where(bad, 0, b)))
        return np.where(bad, np.where(a < 0, -1, 0), np.right_shift(a, np.where(bad, 0, b)))
    return ref


_INT = {"dtypes": ("int64",), "grad": False}

SPECS = [
    OpSpec("bitwise_left_shift", lambda m, a, b: m.bitwise_left_shift(a, b), [], _np_shift(True),
           make=_ints((-50, 50, S), (-2, 70, S)), **_INT),
    OpSpec("bitwise_right_shift", lambda m, a, b: m.bitwise_right_shift(a, b), [],
           _np_shift(False), make=_ints((-50, 50, S), (-2, 70, S)), **_INT),
    OpSpec("lshift_operator_int8", lambda m, a, b: a << b, [], _np_shift(True),
           make=_ints((-50, 50, S, np.int8), (0, 10, S, np.int8)), **_INT),
    OpSpec("rshift_operator_scalar", lambda m, a: a >> 2, [], lambda a: a >> 2,
           make=_ints((-50, 50, S)), **_INT),
    OpSpec("rlshift_operator", lambda m, a: 3 << a, [], lambda a: _np_shift(True)(3, a),
           make=_ints((-2, 66, S)), **_INT),
    OpSpec("logical_xor", lambda m, x, y: m.logical_xor(x > 0, y), [S, S],
           lambda x, y: np.logical_xor(x > 0, y), grad=False),
    OpSpec("logical_xor_method", lambda m, x, y: x.logical_xor(y), [S, S], np.logical_xor,
           make=lambda r, d: [r.integers(-1, 2, S).astype(d), r.integers(-1, 2, S).astype(d)],
           grad=False),
    OpSpec("gcd", lambda m, a, b: m.gcd(a, b), [], np.gcd,
           make=_ints((-30, 30, S), (-30, 30, S)), **_INT),
    OpSpec("lcm_method", lambda m, a, b: a.lcm(b), [], np.lcm,
           make=_ints((-12, 12, S), (-12, 12, (4,))), **_INT),
]
