"""Elementwise ops: arithmetic, unary math, comparisons, ``where``/``clamp``.

Each entry is one ``_ew(...)`` call holding the kernel, the gradient rule (graphc ops, so it
also runs symbolically), and the SymPy expression fusion uses. Shapes broadcast and dtypes
promote as in PyTorch (the dispatcher casts inputs before the kernel runs).
"""
from __future__ import annotations

import functools
import math

import numpy as np
import sympy as sp

from graphc import dtypes as _dt
from graphc.errors import DTypeError
from graphc.ops.dispatch import apply
from graphc.ops.dtype_checks import NOT_FLOATING, dtype_of, no_kernel_for, same_dtype
from graphc.ops.registry import NONDIFF, OpDef, register
from graphc.ops.shapes import broadcast_shapes
from graphc.tensor import Tensor

_SCALARS = (bool, int, float)


def _infer_elementwise(name: str, promote: str):
    def infer(*xs, **attrs):
        shape = broadcast_shapes(name, *[tuple(x.shape) for x in xs if not isinstance(x, _SCALARS)])
        dt = _dt.result_type(*xs)
        if promote == "float":
            dt = _dt.to_float(dt)
        elif promote == "compare":
            dt = _dt.bool_
        return shape, dt
    return infer


def _ew(name, impl, vjp, expr=None, *, promote="same", saves=(), saves_for=None,
        saves_out=False, grad_name=None) -> OpDef:
    return register(OpDef(name=name, infer=_infer_elementwise(name, promote), impl=impl, vjp=vjp,
                          expr=expr, promote=promote, saves=saves, saves_for=saves_for,
                          saves_out=saves_out, grad_name=grad_name))


def _ufunc(fname: str, quiet: bool = False):
    """A kernel that calls ``xp.<fname>`` (same name in NumPy and CuPy), honouring ``out=``.

    ``quiet``: PyTorch returns inf/nan silently (1/0, log(0)); NumPy would warn.
    """
    if quiet:
        def impl(xp, *args, out=None):
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                return getattr(xp, fname)(*args, out=out)
    else:
        def impl(xp, *args, out=None):
            return getattr(xp, fname)(*args, out=out)
        # Generated code (runtime/executor) calls the ufunc itself: same arguments, no wrapper.
        impl.bind = lambda xp: getattr(xp, fname)
    impl.__name__ = fname
    return impl


def _t(x) -> bool:
    return isinstance(x, Tensor)


_generic = np.generic
_asarray = np.asarray
_multiply = np.multiply
_subtract = np.subtract


def as_array(r):
    """``r`` as an array a kernel may write into (``out=r``, ``r *= …``).

    A NumPy ufunc returns a scalar, not a 0-d array, when every input is 0-d and no ``out=``
    is given; kernels that compute in place pass their first result through here. CuPy always
    returns arrays, which pass through unchanged. Kernels run on tiny tensors skip the call
    (~100 ns) unless the result is 0-d: ``r = r if r.ndim else as_array(r)``.
    """
    return _asarray(r) if isinstance(r, _generic) else r


def _readonly_one(dt):
    one = np.ones((), dt)
    one.flags.writeable = False
    return one


# A 0-d ``1`` per NumPy dtype: ufuncs take it about twice as fast as the Python int ``1``
# (no scalar conversion per call), which matters for tiny tensors.
_ONES = {dt: _readonly_one(dt) for dt in _dt._FROM_NP if isinstance(dt, np.dtype)}


# -- binary arithmetic -----------------------------------------------------------------------
ADD = _ew("add", _ufunc("add"), lambda g, x, y, out: (g, g), lambda a, b: a + b)
SUB = _ew("sub", _ufunc("subtract"), lambda g, x, y, out: (g, -g), lambda a, b: a - b)
MUL = _ew("mul", _ufunc("multiply"), lambda g, x, y, out: (g * y, g * x), lambda a, b: a * b,
          saves=(0, 1), saves_for={0: (1,), 1: (0,)})
DIV = _ew("div", _ufunc("true_divide", quiet=True),
          lambda g, x, y, out: (g / y, -g * x / (y * y) if _t(y) else None),
          lambda a, b: a / b, promote="float", saves=(0, 1))


def _pow_vjp(g, x, y, out):
    gx = g * y * x ** (y - 1) if _t(x) else None
    if _t(y):
        logx = log(x) if _t(x) else math.log(x) if x > 0 else float("nan")
        gy = g * out * logx
        if _t(x):  # d/dy 0**y is 0 for y > 0 (PyTorch masks the nan from log(0))
            gy = where((x == 0) & (y >= 0), 0.0, gy)
    else:
        gy = None
    return gx, gy


def _pow_impl(xp, x, y, out=None):
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if getattr(y, "dtype", np.dtype(float)).kind in "iu" and (y < 0).any():
            return _int_pow_negative(xp, x, y, out)
        return xp.power(x, y, out=out)


def _int_pow_negative(xp, x, y, out):
    """Integer powers with some negative exponents, which NumPy refuses: as in PyTorch,
    ``x ** -k`` is the integer ``1 / x ** k`` truncated, i.e. 1 for x == 1, +-1 for x == -1 (by
    the parity of k) and 0 for every other base (a zero base gives 0 rather than an error)."""
    r = xp.power(x, xp.abs(y), out=out)
    r = r if r.ndim else as_array(r)
    odd = (y % 2) != 0
    neg = xp.where(x == -1, xp.where(odd, -1, 1), xp.where(x == 1, 1, 0)).astype(r.dtype)
    r[...] = xp.where(y < 0, neg, r)
    return r


POW = _ew("pow", _pow_impl, _pow_vjp, lambda a, b: a ** b, saves=(0, 1), saves_out=True)
MAXIMUM = _ew("maximum", _ufunc("maximum"),
              lambda g, x, y, out: (g * (x >= y), g * (x < y)), sp.Max, saves=(0, 1))
MINIMUM = _ew("minimum", _ufunc("minimum"),
              lambda g, x, y, out: (g * (x <= y), g * (x > y)), sp.Min, saves=(0, 1))
FLOOR_DIVIDE = _ew("floor_divide", _ufunc("floor_divide", quiet=True),
                   lambda g, x, y, out: (None, None),
                   lambda a, b: sp.floor(a / b), grad_name="DivBackward1")
REMAINDER = _ew("remainder", _ufunc("remainder", quiet=True),
                lambda g, x, y, out: (g, -g * floor_divide(x, y) if _t(y) else None),
                lambda a, b: sp.Mod(a, b), saves=(0, 1))
FMOD = _ew("fmod", _ufunc("fmod", quiet=True), lambda g, x, y, out: (g, None), None)

# -- unary math ------------------------------------------------------------------------------
NEG = _ew("neg", _ufunc("negative"), lambda g, x, out: (-g,), lambda a: -a)
ABS = _ew("abs", _ufunc("abs"), lambda g, x, out: (g * sign(x),), sp.Abs, saves=(0,))
def _sign_impl(xp, x, out=None):
    if x.dtype.kind != "b":
        return xp.sign(x, out=out)
    if out is None:  # NumPy has no bool sign; PyTorch's is the identity
        return x.copy()
    out[...] = x
    return out


SIGN = _ew("sign", _sign_impl, lambda g, x, out: (g * 0,), sp.sign)
EXP = _ew("exp", _ufunc("exp"), lambda g, x, out: (g * out,), sp.exp, promote="float",
          saves_out=True)
EXPM1 = _ew("expm1", _ufunc("expm1"), lambda g, x, out: (g * (out + 1),),
            lambda a: sp.exp(a) - 1, promote="float", saves_out=True)
LOG = _ew("log", _ufunc("log", quiet=True), lambda g, x, out: (g / x,), sp.log, promote="float",
          saves=(0,))
LOG1P = _ew("log1p", _ufunc("log1p", quiet=True), lambda g, x, out: (g / (x + 1),),
            lambda a: sp.log(1 + a), promote="float", saves=(0,))
LOG2 = _ew("log2", _ufunc("log2", quiet=True), lambda g, x, out: (g / (x * math.log(2)),),
           lambda a: sp.log(a, 2), promote="float", saves=(0,))
LOG10 = _ew("log10", _ufunc("log10", quiet=True), lambda g, x, out: (g / (x * math.log(10)),),
            lambda a: sp.log(a, 10), promote="float", saves=(0,))
SQRT = _ew("sqrt", _ufunc("sqrt", quiet=True), lambda g, x, out: (g / (2 * out),), sp.sqrt,
           promote="float", saves_out=True)


def _rsqrt_impl(xp, x, out=None):
    with np.errstate(divide="ignore", invalid="ignore"):
        r = xp.sqrt(x, out=out)
        r = r if r.ndim else as_array(r)
        return xp.reciprocal(r, out=r)


RSQRT = _ew("rsqrt", _rsqrt_impl, lambda g, x, out: (g * -0.5 * out * out * out,),
            lambda a: 1 / sp.sqrt(a), promote="float", saves_out=True)
SQUARE = _ew("square", _ufunc("square"), lambda g, x, out: (g * 2 * x,), lambda a: a * a,
             saves=(0,), grad_name="PowBackward0")
SIN = _ew("sin", _ufunc("sin"), lambda g, x, out: (g * cos(x),), sp.sin, promote="float",
          saves=(0,))
COS = _ew("cos", _ufunc("cos"), lambda g, x, out: (-g * sin(x),), sp.cos, promote="float",
          saves=(0,))
TAN = _ew("tan", _ufunc("tan"), lambda g, x, out: (g * (1 + out * out),), sp.tan,
          promote="float", saves_out=True)


def _tanh_backward_impl(xp, g, y, out=None):
    """``g * (1 - y*y)`` in three passes over one buffer. It runs in every backward through
    tanh, so the NumPy path is tuned for tiny tensors: ufuncs bound once, ``out`` positional,
    a cached 0-d one (a Python ``1`` costs a scalar conversion per call)."""
    if xp is not np:  # CuPy: results are always arrays (and out=None must be a keyword)
        r = xp.multiply(y, y, out=out)
        xp.subtract(1, r, out=r)
        return xp.multiply(g, r, out=r)
    r = y * y if out is None else _multiply(y, y, out)
    r = r if r.ndim else as_array(r)
    _subtract(_ONES[r.dtype], r, r)
    return _multiply(g, r, r)


# One kernel for tanh's gradient g * (1 - y^2) (as PyTorch's tanh_backward): one op per
# backward step instead of three, and itself differentiable for higher-order gradients.
TANH_BACKWARD = _ew("tanh_backward", _tanh_backward_impl,
                    lambda gg, g, y, out: (gg * (1 - y * y), -2 * gg * g * y),
                    lambda g, y: g * (1 - y * y), saves=(0, 1))
TANH = _ew("tanh", _ufunc("tanh"), lambda g, x, out: (apply(TANH_BACKWARD, g, out),), sp.tanh,
           promote="float", saves_out=True)


def _sigmoid_impl(xp, x, out=None):
    # 0.5 * (1 + tanh(x / 2)) never overflows, unlike 1 / (1 + exp(-x)).
    r = xp.multiply(x, 0.5, out=out)
    r = r if r.ndim else as_array(r)
    xp.tanh(r, out=r)
    r += 1
    r *= 0.5
    return r


def _sigmoid_backward_impl(xp, g, y, out=None):
    r = xp.subtract(1, y, out=out)
    r = r if r.ndim else as_array(r)
    r *= y
    return xp.multiply(g, r, out=r)


SIGMOID_BACKWARD = _ew("sigmoid_backward", _sigmoid_backward_impl,
                       lambda gg, g, y, out: (gg * y * (1 - y), gg * g * (1 - 2 * y)),
                       lambda g, y: g * y * (1 - y), saves=(0, 1))
SIGMOID = _ew("sigmoid", _sigmoid_impl, lambda g, x, out: (apply(SIGMOID_BACKWARD, g, out),),
              lambda a: 1 / (1 + sp.exp(-a)), promote="float", saves_out=True)


def _relu_impl(xp, x, out=None):
    return xp.maximum(x, 0, out=out)


RELU = _ew("relu", _relu_impl, lambda g, x, out: (g * (out > 0),),
           lambda a: sp.Max(a, 0), saves_out=True)


def _erf_impl(xp, x, out=None):
    if xp.__name__ == "numpy":
        try:
            from scipy.special import erf as _erf
        except ImportError:
            import numpy as np
            r = np.vectorize(math.erf, otypes=[x.dtype])(x)
        else:
            r = _erf(x)
    else:
        from cupyx.scipy.special import erf as _erf
        r = _erf(x)
    if out is not None:
        out[...] = r
        return out
    return as_array(r)


ERF = _ew("erf", _erf_impl, lambda g, x, out: (g * (2 / math.sqrt(math.pi)) * exp(-x * x),),
          sp.erf, promote="float", saves=(0,))
RECIPROCAL = _ew("reciprocal", _ufunc("reciprocal", quiet=True),
                 lambda g, x, out: (-g * out * out,),
                 lambda a: 1 / a, promote="float", saves_out=True)
_zero_grad = lambda g, x, out: (g * 0,)  # noqa: E731  piecewise-constant functions
FLOOR = _ew("floor", _ufunc("floor"), _zero_grad, sp.floor)
CEIL = _ew("ceil", _ufunc("ceil"), _zero_grad, sp.ceiling)
TRUNC = _ew("trunc", _ufunc("trunc"), _zero_grad, None)


def _round_impl(xp, x, out=None, decimals=0):
    return xp.round(x, decimals, out=out)


ROUND = _ew("round", _round_impl, lambda g, x, out, decimals=0: (g * 0,), None)

# -- comparisons and logic (no gradient) -----------------------------------------------------
EQ = _ew("eq", _ufunc("equal"), NONDIFF, sp.Eq, promote="compare")
NE = _ew("ne", _ufunc("not_equal"), NONDIFF, sp.Ne, promote="compare")
LT = _ew("lt", _ufunc("less"), NONDIFF, sp.StrictLessThan, promote="compare")
LE = _ew("le", _ufunc("less_equal"), NONDIFF, sp.LessThan, promote="compare")
GT = _ew("gt", _ufunc("greater"), NONDIFF, sp.StrictGreaterThan, promote="compare")
GE = _ew("ge", _ufunc("greater_equal"), NONDIFF, sp.GreaterThan, promote="compare")
LOGICAL_NOT = _ew("logical_not", _ufunc("logical_not"), NONDIFF, sp.Not, promote="compare")
LOGICAL_AND = _ew("logical_and", _ufunc("logical_and"), NONDIFF, sp.And, promote="compare")
LOGICAL_OR = _ew("logical_or", _ufunc("logical_or"), NONDIFF, sp.Or, promote="compare")
ISNAN = _ew("isnan", _ufunc("isnan"), NONDIFF, None, promote="compare")
ISINF = _ew("isinf", _ufunc("isinf"), NONDIFF, None, promote="compare")
ISFINITE = _ew("isfinite", _ufunc("isfinite"), NONDIFF, None, promote="compare")
BITWISE_NOT = _ew("bitwise_not", _ufunc("invert"), NONDIFF, None)
BITWISE_AND = _ew("bitwise_and", _ufunc("bitwise_and"), NONDIFF, None)
BITWISE_OR = _ew("bitwise_or", _ufunc("bitwise_or"), NONDIFF, None)
BITWISE_XOR = _ew("bitwise_xor", _ufunc("bitwise_xor"), NONDIFF, None)


# -- where / clamp ---------------------------------------------------------------------------
def _where_impl(xp, c, x, y, out=None):
    r = xp.where(c, x, y)
    if out is not None:
        out[...] = r
        return out
    return r


def _where_infer(c, x, y):
    shapes = [tuple(v.shape) for v in (c, x, y) if not isinstance(v, _SCALARS)]
    return broadcast_shapes("where", *shapes), _dt.result_type(
        *[v for v in (x, y)])


WHERE = register(OpDef(
    name="where", infer=_where_infer, impl=_where_impl,
    vjp=lambda g, c, x, y, out: (None, where(c, g, 0.0), where(c, 0.0, g)),
    expr=lambda c, a, b: sp.Piecewise((a, c), (b, True)), saves=(0,), promote="same",
    promote_skip=1, grad_name="WhereBackward0"))


def _clamp_impl(xp, x, lo=None, hi=None, out=None):
    if lo is None:
        return xp.minimum(x, hi, out=out)
    if hi is None:
        return xp.maximum(x, lo, out=out)
    r = xp.maximum(x, lo, out=out)
    r = r if r.ndim else as_array(r)
    # ``hi`` may broadcast to a larger shape than x and lo (clamp(x[3], lo[3], hi[2, 3])),
    # which r cannot hold.
    fits = out is not None or np.broadcast_shapes(r.shape, np.shape(hi)) == r.shape
    return xp.minimum(r, hi, out=r if fits else None)


def _clamp_vjp(g, x, lo, hi, out):
    keep = True
    if lo is not None:
        keep = x >= lo
    if hi is not None:
        keep = (x <= hi) if keep is True else keep & (x <= hi)
    gl = gh = None
    if _t(lo):
        gl = g * (x < lo)
    if _t(hi):
        gh = g * (x > hi)
    return g * keep, gl, gh


def _clamp_expr(a, lo, hi):
    r = a if lo is None else sp.Max(a, lo)
    return r if hi is None else sp.Min(r, hi)


def _clamp_infer(x, lo, hi):
    xs = [v for v in (x, lo, hi) if v is not None]
    shapes = [tuple(v.shape) for v in xs if not isinstance(v, _SCALARS)]
    return broadcast_shapes("clamp", *shapes), \
        _dt.result_type(*xs)


CLAMP = register(OpDef(name="clamp", infer=_clamp_infer, impl=_clamp_impl, vjp=_clamp_vjp,
                       expr=_clamp_expr, promote="same", saves=(0, 1, 2)))


# -- public functions ------------------------------------------------------------------------
def _out(result: Tensor, out: Tensor | None) -> Tensor:
    if out is None:
        return result
    from graphc.ops.inplace import write_out
    return write_out(out, result)


def add(input, other, *, alpha=1, out=None):
    if alpha != 1:
        other = apply(MUL, other, alpha)
    return _out(apply(ADD, input, other), out)


def _sub_check(input, other) -> None:
    """PyTorch refuses ``-`` on bool tensors (NumPy would compute in the other operand's dtype).
    Tensor.__sub__ and __rsub__ go through ``sub`` for this."""
    if dtype_of(input) is _dt.bool_ or dtype_of(other) is _dt.bool_:
        raise DTypeError("sub: Subtraction, the `-` operator, with a bool tensor is not "
                         "supported. If you are trying to invert a mask, use the `~` or "
                         "`logical_not()` operator instead.")


def sub(input, other, *, alpha=1, out=None):
    _sub_check(input, other)
    if alpha != 1:
        other = apply(MUL, other, alpha)
    return _out(apply(SUB, input, other), out)


subtract = sub


def mul(input, other, *, out=None):
    return _out(apply(MUL, input, other), out)


multiply = mul


def div(input, other, *, rounding_mode=None, out=None):
    if rounding_mode is None:
        r = apply(DIV, input, other)
    elif rounding_mode == "floor":
        r = apply(FLOOR_DIVIDE, input, other)
    elif rounding_mode == "trunc":
        r = apply(DIV, input, other)
        r = apply(TRUNC, r) if r.dtype.is_floating_point else r
        if not _dt.result_type(input, other).is_floating_point:
            r = r.to(_dt.result_type(input, other))
    else:
        from graphc.errors import GraphcValueError
        raise GraphcValueError(f"div expected rounding_mode to be one of None, 'trunc', or "
                               f"'floor' but found '{rounding_mode}'")
    return _out(r, out)


divide = true_divide = div


def floor_divide(input, other, *, out=None):
    return _out(apply(FLOOR_DIVIDE, input, other), out)


def remainder(input, other, *, out=None):
    return _out(apply(REMAINDER, input, other), out)


def fmod(input, other, *, out=None):
    return _out(apply(FMOD, input, other), out)


def pow(input, exponent, *, out=None):
    if isinstance(exponent, (int, float)) and not isinstance(exponent, bool) and _t(input):
        if exponent == 2 and not input.dtype.is_bool:  # bool ** 2 is int64, SQUARE keeps bool
            return _out(apply(SQUARE, input), out)
    return _out(apply(POW, input, exponent), out)


def float_power(input, exponent):
    return pow(input.double() if _t(input) else input,
               exponent.double() if _t(exponent) else exponent)


def maximum(input, other, *, out=None):
    return _out(apply(MAXIMUM, input, other), out)


def minimum(input, other, *, out=None):
    return _out(apply(MINIMUM, input, other), out)


def _unary(op, check=None):
    """The public function of a unary op; ``check(name, input)`` refuses dtypes PyTorch has no
    kernel for (NumPy would compute something)."""
    def fn(input, *, out=None):
        if check is not None:
            check(op.name, input)
        return _out(apply(op, input), out)
    fn.__name__ = op.name
    fn.__doc__ = f"Elementwise ``{op.name}`` (PyTorch's ``graphc.{op.name}``)."
    return fn


neg = negative = _unary(NEG)
abs = absolute = _unary(ABS, no_kernel_for)
sign = _unary(SIGN)
exp = _unary(EXP)
expm1 = _unary(EXPM1)
log = _unary(LOG)
log1p = _unary(LOG1P)
log2 = _unary(LOG2)
log10 = _unary(LOG10)
sqrt = _unary(SQRT)
rsqrt = _unary(RSQRT)


def square(input, *, out=None):
    """``input ** 2``: an int64 result for bool input, as ``pow`` gives."""
    return pow(input, 2, out=out)


sin = _unary(SIN)
cos = _unary(COS)
tan = _unary(TAN)
tanh = _unary(TANH)
sigmoid = _unary(SIGMOID)
relu = _unary(RELU, functools.partial(no_kernel_for, error=DTypeError))
erf = _unary(ERF)
reciprocal = _unary(RECIPROCAL)
floor = _unary(FLOOR, no_kernel_for)
ceil = _unary(CEIL, no_kernel_for)
trunc = fix = _unary(TRUNC, no_kernel_for)
logical_not = _unary(LOGICAL_NOT)
isnan = _unary(ISNAN)
isinf = _unary(ISINF)
isfinite = _unary(ISFINITE)
bitwise_not = _unary(BITWISE_NOT)


def round(input, *, decimals=0, out=None):
    no_kernel_for("round", input)
    return _out(apply(ROUND, input, decimals=decimals), out)


def _binary(op):
    def fn(input, other, *, out=None):
        return _out(apply(op, input, other), out)
    fn.__name__ = op.name
    fn.__doc__ = f"Elementwise ``{op.name}`` with broadcasting."
    return fn


eq = _binary(EQ)
ne = not_equal = _binary(NE)
lt = less = _binary(LT)
le = less_equal = _binary(LE)
gt = greater = _binary(GT)
ge = greater_equal = _binary(GE)
logical_and = _binary(LOGICAL_AND)
logical_or = _binary(LOGICAL_OR)
bitwise_and = _binary(BITWISE_AND)
bitwise_or = _binary(BITWISE_OR)
bitwise_xor = _binary(BITWISE_XOR)


def where(condition, input=None, other=None):
    if input is None and other is None:
        from graphc.ops.index import nonzero
        return nonzero(condition, as_tuple=True)
    return apply(WHERE, condition, input, other)


def clamp(input, min=None, max=None, *, out=None):
    if min is None and max is None:
        from graphc.errors import GraphcValueError
        raise GraphcValueError("clamp: At least one of 'min' or 'max' must not be None")
    return _out(apply(CLAMP, input, min, max), out)


clip = clamp


def clamp_min(input, min):
    return clamp(input, min, None)


def clamp_max(input, max):
    return clamp(input, None, max)


def lerp(input, end, weight):
    same_dtype("lerp", input, end=end)
    no_kernel_for("lerp", input, NOT_FLOATING)
    return input + weight * (end - input)


def addcmul(input, tensor1, tensor2, *, value=1):
    return input + value * tensor1 * tensor2


def addcdiv(input, tensor1, tensor2, *, value=1):
    return input + value * tensor1 / tensor2


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    close = abs(input - other) <= atol + rtol * abs(other)
    close = close | (input == other)
    if equal_nan:
        close = close | (isnan(input) & isnan(other))
    return close


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


def equal(input, other) -> bool:
    return tuple(input.shape) == tuple(other.shape) and bool((input == other).all())


__all__ = [
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
    "remainder", "fmod", "pow", "float_power", "maximum", "minimum", "neg", "negative", "abs",
    "absolute", "sign", "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "rsqrt",
    "square", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "erf", "reciprocal", "floor",
    "ceil", "trunc", "fix", "round", "logical_not", "logical_and", "logical_or", "isnan",
    "isinf", "isfinite", "bitwise_not", "bitwise_and", "bitwise_or", "bitwise_xor", "eq", "ne",
    "not_equal", "lt", "less", "le", "less_equal", "gt", "greater", "ge", "greater_equal",
    "where", "clamp", "clip", "clamp_min", "clamp_max", "lerp", "addcmul", "addcdiv",
    "isclose", "allclose", "equal",
]
