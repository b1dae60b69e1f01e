"""Activation functions beyond elementwise.py's relu/tanh/sigmoid, each one registry entry.

They are elementwise ops like those in elementwise.py (kernel, vjp in graphc ops, SymPy
expression for fusion), kept here because they belong to ``nn.functional`` and carry PyTorch's
grad_fn names (``GeluBackward0``, ``LeakyReluBackward0`` …). Their parameters (slope, alpha,
beta …) are static attrs, so a traced graph fuses them like any elementwise op.
"""
from __future__ import annotations

import math

import sympy as sp

from graphc.errors import DTypeError, GraphcValueError
from graphc.ops.conv import fill_out
from graphc.ops.dispatch import apply
from graphc.ops.elementwise import _erf_impl, as_array, exp, sigmoid, tanh, where
from graphc.ops.registry import OpDef, register
from graphc.tensor import Tensor

_SQRT2 = math.sqrt(2.0)
_SQRT_2_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _refuse(name: str, np_dtype, kinds: str, shape) -> None:
    if np_dtype.kind not in kinds:
        raise DTypeError(f"{name}: not implemented for '{np_dtype.name}' (shape {list(shape)}); "
                         f"it needs a floating point{'' if kinds == 'f' else ' or integer'} "
                         f"input")


def _act(name, impl, vjp, expr, grad_name=None, saves_out=False, integers=False) -> OpDef:
    """An activation op. ``integers``: PyTorch also takes integer input (hardtanh,
    threshold: the result keeps the integer dtype); otherwise only floating input, where NumPy
    would quietly compute in float64. Results keep the input's dtype (SciPy computes float16 in
    a wider type)."""
    kinds = "fiu" if integers else "f"

    def kernel(xp, x, out=None, **attrs):
        _refuse(name, x.dtype, kinds, x.shape)
        r = impl(xp, x, **attrs)
        return fill_out(out, r if r.dtype == x.dtype else r.astype(x.dtype))

    def infer(x, **attrs):
        _refuse(name, x.dtype.np, kinds, x.shape)
        return tuple(x.shape), x.dtype
    kernel.__name__ = name
    return register(OpDef(name=name, infer=infer, impl=kernel, vjp=vjp, expr=expr,
                          saves=() if saves_out else (0,), saves_out=saves_out,
                          grad_name=grad_name))


def _sigmoid_np(xp, x):
    return 0.5 * (1.0 + xp.tanh(0.5 * x))


# -- gelu ------------------------------------------------------------------------------------
_A = 0.044715


def _gelu_impl(xp, x, approximate="none"):
    if approximate == "tanh":  # 0.5 x (1 + tanh(c (x + a x^3))), computed in place
        r = as_array(xp.multiply(x, x))
        r *= _A
        r += 1
        r *= x
        r *= _SQRT_2_PI
        xp.tanh(r, out=r)
    else:  # 0.5 x (1 + erf(x / sqrt 2))
        r = _erf_impl(xp, x / _SQRT2)
    r += 1
    r *= x
    r *= 0.5
    return r


def _gelu_derivative(xp, x, approximate):
    """d gelu / dx as one array, with few temporaries (the kernel of gelu_backward)."""
    if approximate == "tanh":
        x2 = xp.multiply(x, x)
        t = as_array(xp.multiply(x2, _A))
        t += 1
        t *= x
        t *= _SQRT_2_PI
        xp.tanh(t, out=t)                       # t = tanh(c (x + a x^3))
        x2 *= 3 * _A
        x2 += 1
        x2 *= x
        x2 *= 0.5 * _SQRT_2_PI                  # 0.5 c x (1 + 3 a x^2)
        d = as_array(xp.multiply(t, t))
        xp.subtract(1, d, out=d)
        d *= x2                                 # 0.5 c x (1 + 3 a x^2) (1 - t^2)
        t += 1
        t *= 0.5
        d += t                                  # + 0.5 (1 + t)
        return d
    pdf = as_array(xp.multiply(x, x))
    pdf *= -0.5
    xp.exp(pdf, out=pdf)
    pdf *= _INV_SQRT_2PI * 1.0
    pdf *= x                                    # x pdf(x)
    cdf = _erf_impl(xp, x / _SQRT2)
    cdf += 1
    cdf *= 0.5
    cdf += pdf
    return cdf


def _gelu_backward_impl(xp, g, x, approximate="none", out=None):
    d = _gelu_derivative(xp, x, approximate)
    return xp.multiply(d, g, out=out if out is not None else d)


def _gelu_second(x, approximate):
    """d^2 gelu / dx^2 in graphc ops (only double backward needs it)."""
    if approximate == "tanh":
        u = _SQRT_2_PI * (x + _A * x * x * x)
        du = _SQRT_2_PI * (1 + 3 * _A * x * x)
        t = tanh(u)
        s = 1 - t * t
        return s * du + 0.5 * x * (-2 * t * s * du * du + s * _SQRT_2_PI * 6 * _A * x)
    pdf = _INV_SQRT_2PI * exp(-0.5 * x * x)
    return pdf * (2 - x * x)


def _gelu_backward_vjp(gg, g, x, out, approximate="none"):
    return (apply(GELU_BACKWARD, gg, x, approximate=approximate),
            gg * g * _gelu_second(x, approximate))


def _gelu_backward_infer(g, x, approximate="none"):
    return tuple(x.shape), x.dtype


# One kernel for gelu's gradient (as PyTorch's GeluBackward): 2-3 passes over memory instead
# of the ~15 separate ops the formula would take, and differentiable for double backward.
GELU_BACKWARD = register(OpDef(
    name="gelu_backward", infer=_gelu_backward_infer, impl=_gelu_backward_impl,
    vjp=_gelu_backward_vjp, saves=(0, 1), grad_name="GeluBackwardBackward0",
    expr=lambda g, a, approximate="none": g * sp.diff(_gelu_expr(sp.Symbol("x"), approximate),
                                                      sp.Symbol("x")).subs(sp.Symbol("x"), a)))


def _gelu_vjp(g, x, out, approximate="none"):
    return (apply(GELU_BACKWARD, g, x, approximate=approximate),)


def _gelu_expr(a, approximate="none"):
    if approximate == "tanh":
        return 0.5 * a * (1 + sp.tanh(_SQRT_2_PI * (a + _A * a ** 3)))
    return 0.5 * a * (1 + sp.erf(a / sp.sqrt(2)))


GELU = _act("gelu", _gelu_impl, _gelu_vjp, _gelu_expr)


# -- relu family -----------------------------------------------------------------------------
def _leaky_impl(xp, x, negative_slope=0.01):
    return xp.where(x > 0, x, x * negative_slope)


LEAKY_RELU = _act(
    "leaky_relu", _leaky_impl,
    lambda g, x, out, negative_slope=0.01: (where(x > 0, g, g * negative_slope),),
    lambda a, negative_slope=0.01: sp.Piecewise((a, a > 0), (negative_slope * a, True)))


def _elu_impl(xp, x, alpha=1.0, scale=1.0, input_scale=1.0):
    neg = xp.expm1(xp.minimum(x, 0) * input_scale) * (alpha * scale)
    return xp.where(x > 0, x * scale, neg)


def _elu_vjp(g, x, out, alpha=1.0, scale=1.0, input_scale=1.0):
    neg = exp(x.clamp(max=0) * input_scale) * (alpha * scale * input_scale)
    return (g * where(x > 0, scale, neg),)


def _elu_expr(a, alpha=1.0, scale=1.0, input_scale=1.0):
    return sp.Piecewise((scale * a, a > 0), (alpha * scale * (sp.exp(a * input_scale) - 1), True))


ELU = _act("elu", _elu_impl, _elu_vjp, _elu_expr)
CELU = _act("celu", _elu_impl, _elu_vjp, _elu_expr)  # elu with input_scale = 1/alpha


def _hardtanh_impl(xp, x, min_val=-1.0, max_val=1.0):
    return xp.clip(x, min_val, max_val)


HARDTANH = _act(
    "hardtanh", _hardtanh_impl,
    lambda g, x, out, min_val=-1.0, max_val=1.0: (g * ((x > min_val) & (x < max_val)),),
    lambda a, min_val=-1.0, max_val=1.0: sp.Min(sp.Max(a, min_val), max_val), integers=True)


def _threshold_impl(xp, x, threshold=0.0, value=0.0):
    if x.dtype.kind != "f":  # PyTorch casts the threshold to the input's dtype, as value
        threshold = x.dtype.type(threshold)
    return xp.where(x > threshold, x, xp.asarray(value, dtype=x.dtype))


THRESHOLD = _act(
    "threshold", _threshold_impl,
    lambda g, x, out, threshold=0.0, value=0.0: (g * (x > threshold),),
    lambda a, threshold=0.0, value=0.0: sp.Piecewise((a, a > threshold), (value, True)),
    integers=True)


# -- smooth gates ----------------------------------------------------------------------------
def _silu_vjp(g, x, out):
    s = sigmoid(x)
    return (g * (s * (1 + x * (1 - s))),)


SILU = _act("silu", lambda xp, x: x * _sigmoid_np(xp, x), _silu_vjp,
            lambda a: a / (1 + sp.exp(-a)))


def _softplus_np(xp, z):
    """log(1 + exp(z)) without overflow."""
    return xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))


def _softplus_impl(xp, x, beta=1.0, threshold=20.0):
    z = x * beta
    return xp.where(z > threshold, x, _softplus_np(xp, z) / beta)


def _softplus_vjp(g, x, out, beta=1.0, threshold=20.0):
    z = x * beta
    return (g * where(z > threshold, 1.0, sigmoid(z)),)


def _softplus_expr(a, beta=1.0, threshold=20.0):
    z = a * beta
    return sp.Piecewise((a, z > threshold),
                        ((sp.Max(z, 0) + sp.log(1 + sp.exp(-sp.Abs(z)))) / beta, True))


SOFTPLUS = _act("softplus", _softplus_impl, _softplus_vjp, _softplus_expr)


def softplus_tensor(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return apply(SOFTPLUS, x, beta=float(beta), threshold=float(threshold))


LOGSIGMOID = _act(
    "logsigmoid", lambda xp, x: xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x))),
    lambda g, x, out: (g * sigmoid(-x),),
    lambda a: sp.Min(a, 0) - sp.log(1 + sp.exp(-sp.Abs(a))), grad_name="LogSigmoidBackward0")


def _mish_vjp(g, x, out):
    t = tanh(softplus_tensor(x))
    return (g * (t + x * (1 - t * t) * sigmoid(x)),)


MISH = _act("mish", lambda xp, x: x * xp.tanh(_softplus_np(xp, x)), _mish_vjp,
            lambda a: a * sp.tanh(sp.Max(a, 0) + sp.log(1 + sp.exp(-sp.Abs(a)))))


def _hardswish_vjp(g, x, out):
    mid = x / 3 + 0.5
    return (g * where(x < -3, 0.0, where(x <= 3, mid, 1.0)),)


HARDSWISH = _act("hardswish", lambda xp, x: x * xp.clip(x + 3, 0, 6) / 6, _hardswish_vjp,
                 lambda a: a * sp.Min(sp.Max(a + 3, 0), 6) / 6)
HARDSIGMOID = _act("hardsigmoid", lambda xp, x: xp.clip(x + 3, 0, 6) / 6,
                   lambda g, x, out: (g * ((x > -3) & (x < 3)) / 6,),
                   lambda a: sp.Min(sp.Max(a + 3, 0), 6) / 6)


# -- public functions ------------------------------------------------------------------------
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    if approximate not in ("none", "tanh"):
        raise GraphcValueError(f"gelu: approximate argument must be either none or tanh, got "
                               f"{approximate!r}")
    return apply(GELU, input, approximate=approximate)


def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return apply(LEAKY_RELU, input, negative_slope=float(negative_slope))


def elu(input: Tensor, alpha: float = 1.0) -> Tensor:
    return apply(ELU, input, alpha=float(alpha), scale=1.0, input_scale=1.0)


def selu(input: Tensor) -> Tensor:
    return apply(ELU, input, alpha=_SELU_ALPHA, scale=_SELU_SCALE, input_scale=1.0)


def celu(input: Tensor, alpha: float = 1.0) -> Tensor:
    if alpha == 0:
        raise GraphcValueError("celu: ZeroDivisionError (alpha must not be 0)")
    return apply(CELU, input, alpha=float(alpha), scale=1.0, input_scale=1.0 / float(alpha))


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    if min_val > max_val:
        raise GraphcValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val "
                               f"({max_val})")
    return apply(HARDTANH, input, min_val=float(min_val), max_val=float(max_val))


def relu6(input: Tensor) -> Tensor:
    return hardtanh(input, 0.0, 6.0)


def threshold(input: Tensor, threshold: float, value: float) -> Tensor:
    return apply(THRESHOLD, input, threshold=float(threshold), value=float(value))


def silu(input: Tensor) -> Tensor:
    return apply(SILU, input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return softplus_tensor(input, beta, threshold)


def logsigmoid(input: Tensor) -> Tensor:
    return apply(LOGSIGMOID, input)


def mish(input: Tensor) -> Tensor:
    return apply(MISH, input)


def hardswish(input: Tensor) -> Tensor:
    return apply(HARDSWISH, input)


def hardsigmoid(input: Tensor) -> Tensor:
    return apply(HARDSIGMOID, input)


__all__ = ["gelu", "leaky_relu", "elu", "selu", "celu", "hardtanh", "relu6", "threshold",
           "silu", "softplus", "logsigmoid", "mish", "hardswish", "hardsigmoid"]
