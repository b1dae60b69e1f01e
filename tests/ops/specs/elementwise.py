"""Conformance rows for the elementwise family."""
import numpy as np

from tests.ops.spec import OpSpec


def _pos(*shapes, low=0.5, high=2.0):
    def make(rng, dt):
        return [rng.uniform(low, high, size=s).astype(dt) for s in shapes]
    return make


def _away_from(value, *shapes, gap=0.1):
    """Inputs kept away from a kink (abs at 0, relu at 0) so finite differences are valid."""
    def make(rng, dt):
        out = []
        for s in shapes:
            x = rng.uniform(-2, 2, size=s)
            x = np.where(np.abs(x - value) < gap, x + 2 * gap, x)
            out.append(x.astype(dt))
        return out
    return make


def _distinct(*shapes):
    """Two inputs that never tie (max/min/comparisons are not differentiable at ties)."""
    def make(rng, dt):
        a = rng.uniform(-2, 2, size=shapes[0])
        b = rng.uniform(-2, 2, size=shapes[1])
        b = np.where(np.abs(a - b) < 0.1, b + 0.3, b)
        return [a.astype(dt), b.astype(dt)]
    return make


S = (3, 4)
SPECS = [
    OpSpec("add", lambda m, x, y: m.add(x, y), [S, S], lambda x, y: x + y),
    OpSpec("add_broadcast", lambda m, x, y: x + y, [(2, 3, 4), (3, 1)], lambda x, y: x + y),
    OpSpec("add_alpha", lambda m, x, y: m.add(x, y, alpha=2.5), [S, (4,)],
           lambda x, y: x + 2.5 * y),
    OpSpec("add_scalar", lambda m, x: x + 3, [S], lambda x: x + 3),
    OpSpec("radd_scalar", lambda m, x: 1.5 + x, [S], lambda x: 1.5 + x),
    OpSpec("sub", lambda m, x, y: m.sub(x, y), [S, (1, 4)], lambda x, y: x - y),
    OpSpec("rsub_scalar", lambda m, x: 2 - x, [S], lambda x: 2 - x),
    OpSpec("mul", lambda m, x, y: x * y, [S, S], lambda x, y: x * y),
    OpSpec("mul_broadcast_0d", lambda m, x, y: x * y, [S, ()], lambda x, y: x * y),
    OpSpec("div", lambda m, x, y: x / y, [S, S], lambda x, y: x / y, make=lambda r, d: [
        r.uniform(-2, 2, S).astype(d), r.uniform(0.5, 2, S).astype(d)]),
    OpSpec("rdiv_scalar", lambda m, x: 1 / x, [S], lambda x: 1 / x, make=_pos(S)),
    OpSpec("div_floor", lambda m, x, y: m.div(x, y, rounding_mode="floor"), [S, S],
           lambda x, y: np.floor_divide(x, y), grad=False, make=_pos(S, S)),
    OpSpec("div_trunc", lambda m, x, y: m.div(x, y, rounding_mode="trunc"), [S, S],
           lambda x, y: np.trunc(x / y), grad=False),
    OpSpec("floor_divide", lambda m, x, y: x // y, [S, S], lambda x, y: np.floor_divide(x, y),
           grad=False, make=_pos(S, S)),
    OpSpec("remainder", lambda m, x, y: x % y, [S, S], lambda x, y: np.remainder(x, y),
           make=lambda r, d: [r.uniform(0.1, 0.9, S).astype(d) + r.integers(-3, 3, S).astype(d),
                              np.full(S, 1.0, d)]),
    OpSpec("fmod", lambda m, x: m.fmod(x, 1.5), [S], lambda x: np.fmod(x, 1.5),
           make=lambda r, d: [(r.uniform(0.1, 1.4, S) + 1.5 * r.integers(-2, 2, S)).astype(d)]),
    OpSpec("pow_tensor", lambda m, x, y: m.pow(x, y), [S, S], lambda x, y: x ** y,
           make=_pos(S, S)),
    OpSpec("pow_scalar", lambda m, x: x ** 3, [S], lambda x: x ** 3),
    OpSpec("pow_square", lambda m, x: x ** 2, [S], lambda x: x ** 2),
    OpSpec("rpow", lambda m, x: 2 ** x, [S], lambda x: 2.0 ** x),
    OpSpec("maximum", lambda m, x, y: m.maximum(x, y), [S, S], np.maximum, make=_distinct(S, S)),
    OpSpec("minimum", lambda m, x, y: m.minimum(x, y), [S, S], np.minimum, make=_distinct(S, S)),
    OpSpec("neg", lambda m, x: -x, [S], lambda x: -x),
    OpSpec("abs", lambda m, x: m.abs(x), [S], np.abs, make=_away_from(0, S)),
    OpSpec("sign", lambda m, x: m.sign(x), [S], np.sign, make=_away_from(0, S)),
    OpSpec("exp", lambda m, x: m.exp(x), [S], np.exp),
    OpSpec("expm1", lambda m, x: m.expm1(x), [S], np.expm1),
    OpSpec("log", lambda m, x: m.log(x), [S], np.log, make=_pos(S)),
    OpSpec("log1p", lambda m, x: m.log1p(x), [S], np.log1p, make=_pos(S)),
    OpSpec("log2", lambda m, x: m.log2(x), [S], np.log2, make=_pos(S)),
    OpSpec("log10", lambda m, x: m.log10(x), [S], np.log10, make=_pos(S)),
    OpSpec("sqrt", lambda m, x: m.sqrt(x), [S], np.sqrt, make=_pos(S)),
    OpSpec("rsqrt", lambda m, x: m.rsqrt(x), [S], lambda x: 1 / np.sqrt(x), make=_pos(S)),
    OpSpec("square", lambda m, x: m.square(x), [S], np.square),
    OpSpec("sin", lambda m, x: m.sin(x), [S], np.sin),
    OpSpec("cos", lambda m, x: m.cos(x), [S], np.cos),
    OpSpec("tan", lambda m, x: m.tan(x), [S], np.tan, low=-1.2, high=1.2),
    OpSpec("tanh", lambda m, x: m.tanh(x), [S], np.tanh),
    OpSpec("sigmoid", lambda m, x: m.sigmoid(x), [S], lambda x: 1 / (1 + np.exp(-x))),
    OpSpec("relu", lambda m, x: m.relu(x), [S], lambda x: np.maximum(x, 0),
           make=_away_from(0, S)),
    OpSpec("erf", lambda m, x: m.erf(x), [S], None),
    OpSpec("reciprocal", lambda m, x: m.reciprocal(x), [S], np.reciprocal, make=_pos(S)),
    OpSpec("floor", lambda m, x: m.floor(x), [S], np.floor, make=_away_from(0, S)),
    OpSpec("ceil", lambda m, x: m.ceil(x), [S], np.ceil, make=_away_from(0, S)),
    OpSpec("trunc", lambda m, x: m.trunc(x), [S], np.trunc, make=_away_from(0, S)),
    OpSpec("round", lambda m, x: m.round(x), [S], np.round, make=_away_from(0.5, S)),
    OpSpec("clamp", lambda m, x: m.clamp(x, -0.5, 0.7), [S], lambda x: np.clip(x, -0.5, 0.7),
           make=_away_from(0.7, S)),
    OpSpec("clamp_min", lambda m, x: x.clamp(min=0.2), [S], lambda x: np.maximum(x, 0.2),
           make=_away_from(0.2, S)),
    OpSpec("clamp_tensor_bounds", lambda m, x, lo, hi: m.clamp(x, lo, hi), [S, S, S],
           lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi), make=lambda r, d: [
               r.uniform(-2, 2, S).astype(d), np.full(S, -1.0, d), np.full(S, 1.05, d)]),
    OpSpec("where", lambda m, x, y: m.where(x > 0, x, y), [S, S],
           lambda x, y: np.where(x > 0, x, y), make=_away_from(0, S, S)),
    OpSpec("where_scalar", lambda m, x: m.where(x > 0, x, 0.0), [S],
           lambda x: np.where(x > 0, x, 0.0), make=_away_from(0, S)),
    OpSpec("lerp", lambda m, x, y: m.lerp(x, y, 0.3), [S, S], lambda x, y: x + 0.3 * (y - x)),
    OpSpec("addcmul", lambda m, x, y, z: m.addcmul(x, y, z, value=0.5), [S, S, S],
           lambda x, y, z: x + 0.5 * y * z),
    OpSpec("addcdiv", lambda m, x, y, z: m.addcdiv(x, y, z, value=0.5), [S, S, S],
           lambda x, y, z: x + 0.5 * y / z, make=_pos(S, S, S)),
]

_cmp = [("eq", np.equal), ("ne", np.not_equal), ("lt", np.less), ("le", np.less_equal),
        ("gt", np.greater), ("ge", np.greater_equal)]
for _name, _np in _cmp:
    SPECS.append(OpSpec(_name, (lambda n: lambda m, x, y: getattr(m, n)(x, y))(_name), [S, S],
                        _np, grad=False, make=lambda r, d: [
                            r.integers(-2, 2, S).astype(d), r.integers(-2, 2, S).astype(d)]))
SPECS += [
    OpSpec("logical_ops", lambda m, x, y: m.logical_or(m.logical_and(x > 0, y > 0),
                                                        m.logical_not(x > 1)), [S, S],
           lambda x, y: ((x > 0) & (y > 0)) | ~(x > 1), grad=False),
    OpSpec("bitwise_ops", lambda m, x, y: ((x > 0) & (y > 0)) | ((x > 1) ^ ~(y > 1)), [S, S],
           lambda x, y: ((x > 0) & (y > 0)) | ((x > 1) ^ ~(y > 1)), grad=False),
    OpSpec("isnan_isinf", lambda m, x: m.isnan(x / x) | m.isinf(1 / x) | ~m.isfinite(x), [S],
           None, grad=False, make=lambda r, d: [np.array([[0, 1, -1, 2]] * 3, dtype=d)]),
    OpSpec("int_true_divide", lambda m, x, y: x / y, [], lambda x, y: (x / y).astype(np.float32),
           grad=False, dtypes=("int64",), make=lambda r, d: [
               r.integers(-5, 5, S).astype(d), r.integers(1, 5, S).astype(d)]),
    OpSpec("int_float_promotion", lambda m, x, y: x * y + 0.5, [],
           lambda x, y: (x.astype(np.float32) * y + 0.5).astype(np.float32), grad=False,
           dtypes=("int32",), make=lambda r, d: [
               r.integers(-5, 5, S).astype(d), r.uniform(-1, 1, S).astype(np.float32)]),
]


def _grad_of(op):
    """A row computing d(sum(op(x) * w))/dx with create_graph=True, so the table reaches the
    backward ops (tanh_backward …) and checks their own gradients (second derivatives)."""
    def fn(m, x, w):
        with m.enable_grad():
            xr = x if x.requires_grad else x.detach().requires_grad_()
            (g,) = m.autograd.grad((op(m, xr) * w).sum(), xr, create_graph=True)
        return g
    return fn


SPECS += [
    OpSpec("tanh_grad", _grad_of(lambda m, x: m.tanh(x)), [S, S],
           lambda x, w: w * (1 - np.tanh(x) ** 2)),
    OpSpec("sigmoid_grad", _grad_of(lambda m, x: m.sigmoid(x)), [S, S],
           lambda x, w: w * (1 / (1 + np.exp(-x))) * (1 - 1 / (1 + np.exp(-x)))),
]

SPECS += [
    # Both branches Python scalars: the default float dtype (not NumPy's float64).
    OpSpec("where_scalar_branches", lambda m, x: m.where(x > 0, 0.0, 1.5), [S],
           lambda x: np.where(x > 0, 0.0, 1.5).astype(np.float32), grad=False,
           dtypes=("float32",)),
    # An integer branch and a float scalar promote to the default float, as in PyTorch.
    OpSpec("where_int_tensor_float_scalar", lambda m, x: m.where(x > 0, x, 1.5), [],
           lambda x: np.where(x > 0, x, 1.5).astype(np.float32), grad=False,
           dtypes=("int64",), make=lambda r, d: [r.integers(-3, 3, S).astype(d)]),
]
