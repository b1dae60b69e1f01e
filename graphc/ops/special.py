"""Special functions: ``erfc``, ``erfinv``, ``lgamma``, ``digamma``, ``polygamma``, ``i0`` (and
``special.i1``, which ``i0``'s gradient needs), ``logit``.

The kernels call SciPy's special functions (``cupyx.scipy.special`` on the GPU): they agree
with PyTorch's to rounding, including at the poles (``digamma(0) = -inf``, ``lgamma(-1) = inf``).
SciPy computes half precision in float32 or float64, so each result is cast back to the input's
dtype, as PyTorch's kernels round theirs. Every gradient is another entry of this module
(``lgamma -> digamma -> polygamma(1) -> polygamma(2) …``, ``i0 -> i1 -> i0``), so gradients of
any order stay graphc ops.
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from graphc.errors import GraphcRuntimeError
from graphc.ops.dispatch import apply
from graphc.ops.elementwise import _ew, _out, _unary, as_array, exp, where
from graphc.tensor import Tensor


def _special_module(xp):
    if xp is np:
        import scipy.special as mod
    else:
        import cupyx.scipy.special as mod
    return mod


def _finish(r, x, out):
    """The result in ``x``'s dtype (SciPy has no float16 loops) and in ``out`` when given."""
    r = as_array(r)
    if r.dtype != x.dtype:
        r = r.astype(x.dtype)
    if out is None:
        return r
    out[...] = r
    return out


def _scipy(fname: str):
    """A kernel calling ``scipy.special.<fname>`` (or CuPy's) quietly: poles give +-inf and
    points outside the domain NaN, as in PyTorch."""
    def impl(xp, x, out=None):
        with np.errstate(all="ignore"):
            return _finish(getattr(_special_module(xp), fname)(x), x, out)
    impl.__name__ = fname
    return impl


def _unary_special(name, fname, vjp, expr, **kw):
    kw.setdefault("saves", (0,))
    return _ew(name, _scipy(fname), vjp, expr, promote="float", **kw)


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

ERFC = _unary_special("erfc", "erfc", lambda g, x, out: (-_TWO_OVER_SQRT_PI * g * exp(-x * x),),
                      sp.erfc)
# d/dx erfinv(x) = sqrt(pi)/2 * exp(erfinv(x)^2): read from the output.
ERFINV = _unary_special("erfinv", "erfinv", lambda g, x, out: (g / _TWO_OVER_SQRT_PI *
                                                               exp(out * out),),
                        sp.erfinv, saves=(), saves_out=True)


def _polygamma_impl(xp, x, n, out=None):
    with np.errstate(all="ignore"):
        mod = _special_module(xp)
        r = mod.psi(x) if n == 0 else mod.polygamma(n, x)
    return _finish(r, x, out)


# polygamma(n, x): n is an attr, x the one input (PyTorch's signature puts n first).
POLYGAMMA = _ew("polygamma", _polygamma_impl,
                lambda g, x, out, n: (g * apply(POLYGAMMA, x, n=n + 1),),
                lambda a, n: sp.polygamma(n, a), promote="float", saves=(0,))
DIGAMMA = _unary_special("digamma", "psi", lambda g, x, out: (g * apply(POLYGAMMA, x, n=1),),
                         sp.digamma)
LGAMMA = _unary_special("lgamma", "gammaln", lambda g, x, out: (g * apply(DIGAMMA, x),),
                        sp.loggamma)


def _i1_vjp(g, x, out):
    # I1'(x) = I0(x) - I1(x) / x, whose limit at 0 is 1/2.
    safe = where(x == 0, 1.0, x)
    return (g * where(x == 0, 0.5, apply(I0, x) - apply(I1, safe) / safe),)


I1 = _unary_special("i1", "i1", _i1_vjp, lambda a: sp.besseli(1, a),
                    grad_name="SpecialI1Backward0")
I0 = _unary_special("i0", "i0", lambda g, x, out: (g * apply(I1, x),), lambda a: sp.besseli(0, a))


def _logit_impl(xp, x, eps=None, out=None):
    if eps is not None:
        x = xp.clip(x, eps, 1.0 - eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = xp.log(x / (1.0 - x))
    return _finish(r, x, out)


def _logit_vjp(g, x, out, eps=None):
    # PyTorch's logit_backward: g / (x (1 - x)), and 0 where eps clamped x (NaN outside [0, 1]
    # without eps).
    d = g / (x * (1 - x))
    if eps is None:
        return (d,)
    return (where((x < eps) | (x > 1 - eps), 0.0, d),)


def _logit_expr(a, eps=None):
    c = a if eps is None else sp.Min(sp.Max(a, eps), 1 - eps)
    return sp.log(c / (1 - c))


LOGIT = _ew("logit", _logit_impl, _logit_vjp, _logit_expr, promote="float", saves=(0,))

# -- public functions ------------------------------------------------------------------------
erfc = _unary(ERFC)
erfinv = _unary(ERFINV)
lgamma = _unary(LGAMMA)
digamma = _unary(DIGAMMA)
i0 = _unary(I0)
i1 = _unary(I1)


def polygamma(n: int, input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The ``n``-th derivative of the digamma function (``n = 0`` is ``digamma``)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        from graphc.errors import ArgumentError
        raise ArgumentError(f"polygamma(): argument 'n' must be int, not {type(n).__name__}")
    if n < 0:
        raise GraphcRuntimeError("polygamma(n, x) does not support negative n.")
    return _out(apply(POLYGAMMA, input, n=int(n)), out)


def logit(input: Tensor, eps: float | None = None, *, out: Tensor | None = None) -> Tensor:
    """``log(p / (1 - p))``; with ``eps``, ``p`` is first clamped to ``[eps, 1 - eps]`` (and
    the gradient is 0 where it was)."""
    return _out(apply(LOGIT, input, eps=None if eps is None else float(eps)), out)


__all__ = ["digamma", "erfc", "erfinv", "i0", "lgamma", "logit", "polygamma"]
