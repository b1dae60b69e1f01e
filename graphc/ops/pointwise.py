"""More elementwise math: inverse trig and hyperbolic functions, ``exp2``/``frac``/``sinc``,
``atan2``/``hypot``/``logaddexp``/``xlogy``, ``nan_to_num`` and degree/radian conversion.

Split from ``elementwise.py`` to keep modules small; the entries use the same ``_ew`` helper,
so each holds its kernel, its gradient (graphc ops) and its SymPy expression in one place.
Integer inputs promote to the default float where PyTorch's op does; ``frac``, ``hypot`` and
``logaddexp`` refuse integers as PyTorch does.
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from graphc import dtypes as _dt
from graphc.errors import GraphcNotImplementedError
from graphc.ops.dispatch import apply
from graphc.ops.elementwise import (
    _ew,
    _out,
    _t,
    _ufunc,
    _unary,
    cos,
    isfinite,
    rsqrt,
    sigmoid,
    sin,
    where,
)
from graphc.tensor import Tensor

_LN2 = math.log(2.0)
_D2R = math.pi / 180.0
_R2D = 180.0 / math.pi
# PyTorch's capitalized scalar-type names, used in its "not implemented for" messages.
_TORCH_NAME = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


# -- inverse trigonometric and hyperbolic ----------------------------------------------------
def _unary_float(name, fname, vjp, expr, **kw):
    kw.setdefault("saves", (0,))
    return _ew(name, _ufunc(fname, quiet=True), vjp, expr, promote="float", **kw)


ASIN = _unary_float("asin", "arcsin", lambda g, x, out: (g * rsqrt(1 - x * x),), sp.asin)
ACOS = _unary_float("acos", "arccos", lambda g, x, out: (-g * rsqrt(1 - x * x),), sp.acos)
ATAN = _unary_float("atan", "arctan", lambda g, x, out: (g / (1 + x * x),), sp.atan)
SINH = _unary_float("sinh", "sinh", lambda g, x, out: (g * cosh(x),), sp.sinh)
COSH = _unary_float("cosh", "cosh", lambda g, x, out: (g * sinh(x),), sp.cosh)
ASINH = _unary_float("asinh", "arcsinh", lambda g, x, out: (g * rsqrt(x * x + 1),), sp.asinh)
ACOSH = _unary_float("acosh", "arccosh", lambda g, x, out: (g * rsqrt(x * x - 1),), sp.acosh)
ATANH = _unary_float("atanh", "arctanh", lambda g, x, out: (g / (1 - x * x),), sp.atanh)

# -- exp2 / frac / sinc / degrees ------------------------------------------------------------
EXP2 = _unary_float("exp2", "exp2", lambda g, x, out: (g * out * _LN2,), lambda a: 2 ** a,
                    saves=(), saves_out=True)


def _frac_impl(xp, x, out=None):
    return xp.subtract(x, xp.trunc(x), out=out)


# x - trunc(x); trunc(a) = sign(a) * floor(|a|) in SymPy's vocabulary.
FRAC = _ew("frac", _frac_impl, lambda g, x, out: (g,),
           lambda a: a - sp.sign(a) * sp.floor(sp.Abs(a)))


def _sinc_impl(xp, x, out=None):
    r = xp.sinc(x)
    if out is None:
        return r
    out[...] = r
    return out


def _sinc_vjp(g, x, out):
    # d/dx sin(pi x) / (pi x) = (pi x cos(pi x) - sin(pi x)) / (pi x^2). At x = 0 the value is
    # 0 and the slope -pi^2/3: the branch -pi^2/3 * x has both, so second derivatives are
    # exact there too.
    safe = where(x == 0, 1.0, x)
    px = safe * math.pi
    return (g * where(x == 0, x * (-math.pi ** 2 / 3), (px * cos(px) - sin(px)) / (px * safe)),)


SINC = _ew("sinc", _sinc_impl, _sinc_vjp,
           lambda a: sp.Piecewise((1, sp.Eq(a, 0)), (sp.sin(sp.pi * a) / (sp.pi * a), True)),
           promote="float", saves=(0,))


def _scale_impl(factor):
    def impl(xp, x, out=None):
        return xp.multiply(x, factor, out=out)
    return impl


DEG2RAD = _ew("deg2rad", _scale_impl(_D2R), lambda g, x, out: (g * _D2R,),
              lambda a: a * sp.pi / 180, promote="float", grad_name="Deg2RadBackward0")
RAD2DEG = _ew("rad2deg", _scale_impl(_R2D), lambda g, x, out: (g * _R2D,),
              lambda a: a * 180 / sp.pi, promote="float", grad_name="Rad2DegBackward0")


# -- binary ----------------------------------------------------------------------------------
def _atan2_vjp(g, y, x, out):
    d = y * y + x * x
    return (g * x / d if _t(y) else None, -g * y / d if _t(x) else None)


ATAN2 = _ew("atan2", _ufunc("arctan2"), _atan2_vjp, sp.atan2, promote="float", saves=(0, 1))
HYPOT = _ew("hypot", _ufunc("hypot"),
            lambda g, x, y, out: (g * x / out if _t(x) else None, g * y / out if _t(y) else None),
            lambda a, b: sp.sqrt(a * a + b * b), saves=(0, 1), saves_out=True)


def _logaddexp_impl(xp, x, y, out=None):
    with np.errstate(invalid="ignore", over="ignore"):
        return xp.logaddexp(x, y, out=out)


LOGADDEXP = _ew("logaddexp", _logaddexp_impl,
                lambda g, x, y, out: (g * sigmoid(x - y) if _t(x) else None,
                                      g * sigmoid(y - x) if _t(y) else None),
                lambda a, b: sp.Max(a, b) + sp.log(1 + sp.exp(-sp.Abs(a - b))), saves=(0, 1))


def _xlogy_impl(xp, x, y, out=None):
    with np.errstate(divide="ignore", invalid="ignore"):
        r = xp.multiply(x, xp.log(y))
    # 0 * log(0) and 0 * log(inf) are 0, but NaN in y stays NaN (PyTorch / SciPy convention).
    r = xp.where((x == 0) & ~xp.isnan(y), 0, r)
    if out is None:
        return r
    out[...] = r
    return out


def _xlogy_vjp(g, x, y, out):
    # PyTorch: d/dx = xlogy(g, y), but 0 where x == 0 and y <= 0; d/dy = g * x / y.
    gx = gy = None
    if _t(x):
        gx = apply(XLOGY, g, y)
        if _t(y):
            gx = where((x == 0) & (y <= 0), 0.0, gx)
        elif y <= 0:
            gx = where(x == 0, 0.0, gx)
    if _t(y):
        gy = g * x / y
    return gx, gy


XLOGY = _ew("xlogy", _xlogy_impl, _xlogy_vjp,
            lambda a, b: sp.Piecewise((0, sp.Eq(a, 0)), (a * sp.log(b), True)),
            promote="float", saves=(0, 1))


# -- nan_to_num ------------------------------------------------------------------------------
def _nan_to_num_impl(xp, x, nan=0.0, posinf=None, neginf=None, out=None):
    if x.dtype.kind != "f":
        r = x.copy()
    else:
        r = xp.nan_to_num(x, copy=True, nan=nan, posinf=posinf, neginf=neginf)
    if out is None:
        return r
    out[...] = r
    return out


# SymPy has no NaN test, so the fuser leaves this op unfused (expr=None).
NAN_TO_NUM = _ew("nan_to_num", _nan_to_num_impl,
                 lambda g, x, out, nan=0.0, posinf=None, neginf=None: (g * isfinite(x),), None,
                 saves=(0,), grad_name="NanToNumBackward0")


# -- public functions ------------------------------------------------------------------------
def _floating_only(name: str, *xs) -> None:
    dt = _dt.result_type(*xs)
    if not dt.is_floating_point:
        raise GraphcNotImplementedError(f'"{name}_cpu" not implemented for '
                                        f"'{_TORCH_NAME[dt.name]}' (it needs floating point "
                                        f"inputs)")


asin = arcsin = _unary(ASIN)
acos = arccos = _unary(ACOS)
atan = arctan = _unary(ATAN)
sinh = _unary(SINH)
cosh = _unary(COSH)
asinh = arcsinh = _unary(ASINH)
acosh = arccosh = _unary(ACOSH)
atanh = arctanh = _unary(ATANH)
exp2 = _unary(EXP2)
sinc = _unary(SINC)
deg2rad = _unary(DEG2RAD)
rad2deg = _unary(RAD2DEG)


def frac(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``input - trunc(input)`` (keeps the sign); floating inputs only, as in PyTorch."""
    _floating_only("frac", input)
    return _out(apply(FRAC, input), out)


def atan2(input, other, *, out: Tensor | None = None) -> Tensor:
    """The angle of the point ``(other, input)``, elementwise, in ``(-pi, pi]``."""
    return _out(apply(ATAN2, input, other), out)


arctan2 = atan2


def hypot(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``sqrt(input**2 + other**2)`` without intermediate overflow; floating inputs only."""
    _floating_only("hypot", input, other)
    return _out(apply(HYPOT, input, other), out)


def logaddexp(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``log(exp(input) + exp(other))`` computed without overflow; floating inputs only."""
    _floating_only("logaddexp", input, other)
    return _out(apply(LOGADDEXP, input, other), out)


def xlogy(input, other, *, out: Tensor | None = None) -> Tensor:
    """``input * log(other)``, defined as 0 where ``input == 0`` (unless ``other`` is NaN)."""
    return _out(apply(XLOGY, input, other), out)


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None, *, out: Tensor | None = None) -> Tensor:
    """Replace NaN by ``nan`` and +/-inf by ``posinf``/``neginf`` (default: the dtype's
    largest/lowest finite value); integer tensors come back as copies."""
    attrs = {"nan": float(nan)}
    if input.dtype.is_floating_point:
        fi = np.finfo(input.dtype.np)
        attrs["posinf"] = float(fi.max if posinf is None else posinf)
        attrs["neginf"] = float(fi.min if neginf is None else neginf)
    return _out(apply(NAN_TO_NUM, input, **attrs), out)


__all__ = [
    "acos", "acosh", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh",
    "asin", "asinh", "atan", "atan2", "atanh", "cosh", "deg2rad", "exp2", "frac", "hypot",
    "logaddexp", "nan_to_num", "rad2deg", "sinc", "sinh", "xlogy",
]
