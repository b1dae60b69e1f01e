"""Floating-point manipulation and the remaining binary math: ``copysign``, ``nextafter``,
``ldexp``, ``frexp``, ``signbit``, ``fmax``/``fmin`` (NaN-ignoring), ``heaviside``,
``logaddexp2``, ``float_power_`` (float64 only), and the predicates/aliases ``sgn``, ``positive``,
``isposinf``, ``isneginf``, ``isreal``.

Kernels follow IEEE semantics as PyTorch's do (``copysign(x, -0.0)`` is negative,
``signbit(-0.0)`` is True); gradients are PyTorch's, including its zeros (``copysign``'s
``other``, ``nextafter``'s ``other``) and its refusal for ``heaviside``.
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from graphc import dtypes as _dt
from graphc.errors import ArgumentError, DTypeError, GradNotImplemented
from graphc.ops.dispatch import apply
from graphc.ops.elementwise import (
    EQ,
    SIGN,
    _ew,
    _out,
    _t,
    _ufunc,
    as_array,
    float_power,
    isnan,
    sigmoid,
    sign,
)
from graphc.ops.pointwise import _TORCH_NAME, _floating_only, exp2
from graphc.ops.registry import NONDIFF, OpDef, register
from graphc.ops.return_types import return_type
from graphc.ops.shape import fill_out
from graphc.tensor import Tensor

_LN2 = math.log(2.0)
_INF = float("inf")


def _zeros_for(g, y):
    """The zero gradient PyTorch gives an input the result does not depend on."""
    return g.new_zeros(tuple(y.shape)) if _t(y) else None


# -- copysign / nextafter / ldexp ------------------------------------------------------------
def _copysign_vjp(g, x, y, out):
    # PyTorch: grad * out / x, and 0 where x == 0; out / x is sign(x) * sign(out) elsewhere.
    gx = g * sign(x) * sign(out) if _t(x) else None
    return gx, _zeros_for(g, y)


COPYSIGN = _ew("copysign", _ufunc("copysign"), _copysign_vjp, None, promote="float",
               saves=(0,), saves_out=True)


def _nextafter_impl(xp, x, y, out=None):
    return xp.nextafter(x, y, out=out)


NEXTAFTER = _ew("nextafter", _nextafter_impl,
                lambda g, x, y, out: (g if _t(x) else None, _zeros_for(g, y)), None)


def _ldexp_impl(xp, x, y, out=None):
    with np.errstate(over="ignore", invalid="ignore"):
        r = xp.exp2(y)
        r = r if r.ndim else as_array(r)
        return xp.multiply(x, r, out=out)


LDEXP = _ew("ldexp", _ldexp_impl,
            lambda g, x, y, out: (g * exp2(y) if _t(x) else None,
                                  g * out * _LN2 if _t(y) else None),
            lambda a, b: a * 2 ** b, promote="float", saves=(1,), saves_out=True)


# -- frexp / signbit -------------------------------------------------------------------------
def _frexp_infer(x):
    return ((tuple(x.shape), x.dtype), (tuple(x.shape), _dt.int32))


def _frexp_impl(xp, x, out=None):
    m, e = xp.frexp(x)
    return as_array(m), as_array(e).astype(xp.int32, copy=False)


def _frexp_vjp(grads, x, out):
    # mantissa = x / 2**exponent with the exponent piecewise constant: d mantissa = dx / 2**e.
    if grads[0] is None:
        return (None,)
    _, e = apply(FREXP, x)
    return (grads[0] / exp2(e),)


FREXP = register(OpDef(name="frexp", infer=_frexp_infer, impl=_frexp_impl, vjp=_frexp_vjp,
                       n_outputs=2, saves=(0,)))


def _signbit_impl(xp, x, out=None):
    if x.dtype.kind == "b":  # no NumPy loop for bool: nothing is negative
        r = xp.zeros(x.shape, bool)
        return fill_out(out, r)
    return xp.signbit(x, out=out)


SIGNBIT = _ew("signbit", _signbit_impl, NONDIFF, None, promote="compare")


# -- fmax / fmin / heaviside / logaddexp2 ----------------------------------------------------
def _fmax_vjp(g, x, y, out):
    # PyTorch: self wins ties, and wherever other is NaN.
    to_x = (x >= y) | isnan(y)
    return g * to_x, g * ~to_x


def _fmin_vjp(g, x, y, out):
    to_x = (x <= y) | isnan(y)
    return g * to_x, g * ~to_x


FMAX = _ew("fmax", _ufunc("fmax"), _fmax_vjp, None, saves=(0, 1))
FMIN = _ew("fmin", _ufunc("fmin"), _fmin_vjp, None, saves=(0, 1))


def _heaviside_impl(xp, x, v, out=None):
    r = xp.where(x == 0, v, x > 0).astype(x.dtype, copy=False)
    if x.dtype.kind == "f":
        r = xp.where(xp.isnan(x), x, r)  # heaviside(NaN) is NaN
    return fill_out(out, r)


def _heaviside_vjp(g, x, v, out):
    raise GradNotImplemented("the derivative for 'heaviside' is not implemented")


HEAVISIDE = _ew("heaviside", _heaviside_impl, _heaviside_vjp,
                lambda a, b: sp.Piecewise((b, sp.Eq(a, 0)), (sp.Heaviside(a), True)))


def _logaddexp2_impl(xp, x, y, out=None):
    with np.errstate(invalid="ignore", over="ignore"):
        return xp.logaddexp2(x, y, out=out)


# d/dx log2(2^x + 2^y) = 2^x / (2^x + 2^y) = sigmoid((x - y) ln 2)
LOGADDEXP2 = _ew("logaddexp2", _logaddexp2_impl,
                 lambda g, x, y, out: (g * sigmoid((x - y) * _LN2) if _t(x) else None,
                                       g * sigmoid((y - x) * _LN2) if _t(y) else None),
                 lambda a, b: sp.log(2 ** a + 2 ** b, 2), saves=(0, 1))


# -- public functions ------------------------------------------------------------------------
def copysign(input, other, *, out: Tensor | None = None) -> Tensor:
    """``|input|`` with the sign (bit) of ``other``; integer inputs promote to float."""
    return _out(apply(COPYSIGN, input, other), out)


def nextafter(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The next representable value after ``input`` towards ``other``; floating inputs only."""
    _floating_only("nextafter", input, other)
    return _out(apply(NEXTAFTER, input, other), out)


def ldexp(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``input * 2 ** other``; integer inputs promote to float."""
    return _out(apply(LDEXP, input, other), out)


_frexp_result = return_type("frexp", ("mantissa", "exponent"))


def frexp(input: Tensor, *, out=None):
    """``(mantissa, exponent)`` with ``input = mantissa * 2 ** exponent``, ``|mantissa|`` in
    ``[0.5, 1)``; the exponent is int32, as in PyTorch."""
    if not input.dtype.is_floating_point:
        raise DTypeError(f"torch.frexp() only supports floating-point dtypes (got "
                         f"{input.dtype.name})")
    m, e = apply(FREXP, input)
    if out is not None:
        m, e = _out(m, out[0]), _out(e, out[1])
    return _frexp_result(m, e)


def signbit(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Whether the sign bit is set (True for -0.0 and negative NaNs)."""
    return _out(apply(SIGNBIT, input), out)


def fmax(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise maximum that ignores NaN (NaN only where both are)."""
    return _out(apply(FMAX, input, other), out)


def fmin(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Elementwise minimum that ignores NaN (NaN only where both are)."""
    return _out(apply(FMIN, input, other), out)


def heaviside(input: Tensor, values: Tensor, *, out: Tensor | None = None) -> Tensor:
    """0 where ``input < 0``, 1 where ``input > 0``, ``values`` where ``input == 0``. Both
    tensors must share a dtype (PyTorch does not promote here); it has no gradient."""
    if not isinstance(values, Tensor):
        raise ArgumentError(f"heaviside(): argument 'values' must be Tensor, not "
                            f"{type(values).__name__}")
    if input.dtype is not values.dtype:
        raise DTypeError(f"heaviside is not yet implemented for tensors with different dtypes "
                         f"({input.dtype.name} and {values.dtype.name})")
    return _out(apply(HEAVISIDE, input, values), out)


def logaddexp2(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``log2(2 ** input + 2 ** other)`` without overflow; floating inputs only."""
    _floating_only("logaddexp2", input, other)
    return _out(apply(LOGADDEXP2, input, other), out)


def float_power_(self: Tensor, exponent) -> Tensor:
    """In place: only a float64 tensor can hold ``float_power``'s result."""
    if self.dtype is not _dt.float64:
        raise DTypeError(f"the base given to float_power_ has dtype "
                         f"{_TORCH_NAME[self.dtype.name]} but the operation's result requires "
                         f"dtype Double")
    from graphc.ops.inplace import inplace
    return inplace(self, float_power, exponent)


def sgn(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``sign`` (the complex sign ``x / |x|`` needs complex dtypes graphc lacks); bool inputs
    come back unchanged, as in PyTorch."""
    if input.dtype.is_bool:
        return _out(input.clone(), out)
    return _out(apply(SIGN, input), out)


def positive(input: Tensor) -> Tensor:
    """``input`` itself (``+x``), refused for bool tensors as in PyTorch."""
    if input.dtype.is_bool:
        raise DTypeError("The `+` operator, on a bool tensor is not supported.")
    return input


def isposinf(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    return _out(apply(EQ, input, _INF), out)


def isneginf(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    return _out(apply(EQ, input, -_INF), out)


def isreal(input: Tensor) -> Tensor:
    """All True: graphc has no complex dtypes."""
    from graphc.ops.creation import ones_like
    return ones_like(input, dtype=_dt.bool_)


__all__ = ["copysign", "fmax", "fmin", "frexp", "heaviside", "isneginf",
           "isposinf", "isreal", "ldexp", "logaddexp2", "nextafter", "positive", "sgn",
           "signbit"]
