"""Reductions: sum/mean/prod, var/std/norm, logsumexp, cumsum, max/min, arg*, all/any, softmax.

Each op is one registry entry holding its shape rule, its kernel (NumPy API, so CuPy runs it too)
and its gradient written with graphc ops. A reduction's ``dim`` attr is normalized once by the
public function to a sorted tuple of non-negative dims (``None`` = every dim), so the IR, the
kernels and the gradients all see one spelling. Where PyTorch names the grad_fn of the full and
the per-dim form differently (``SumBackward0``/``SumBackward1``) there are two entries sharing
one kernel and one gradient rule.
"""
from __future__ import annotations

import builtins as _b
import math
import warnings
from collections import namedtuple
from contextlib import nullcontext

from graphc import dtypes as _dt
from graphc.errors import DTypeError, GraphcValueError, ShapeError
from graphc.ops.dispatch import apply
from graphc.ops.dtype_checks import no_kernel_for
from graphc.ops.elementwise import _out, exp, isnan, maximum, minimum, sign, where
from graphc.ops import shape as _shape_ops
from graphc.ops.registry import NONDIFF, OpDef, register
from graphc.ops.shapes import reduced_shape, wrap_dim, wrap_dims
from graphc.tensor import Tensor

_INF = float("inf")
# PyTorch's capitalized scalar-type names, used in its error messages.
_TORCH_NAME = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


# -- helpers shared by the entries -------------------------------------------------------------
def _dims(op: str, dim, ndim: int) -> tuple | None:
    """A public ``dim`` argument as the op's attr: None (and ``()``, as in PyTorch) = all dims."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return None
    return wrap_dims(op, dim, ndim)


def _axis(dim, x):
    """The NumPy axis for a kernel: a 0-d array only takes ``axis=None``."""
    return dim if x.ndim else None


def _count(shape, dim) -> int:
    """How many elements each output of a reduction over ``dim`` combines (a 0-d input's one
    wrappable dim holds its one element)."""
    if dim is None or not shape:
        return math.prod(shape)
    return math.prod(shape[d] for d in dim)


def _keep(t, shape, dim, keepdim):
    """A reduction result (or its gradient) reshaped so it broadcasts against the input."""
    if keepdim or dim is None:  # a 0-d result already broadcasts against anything
        return t
    ks = reduced_shape(tuple(shape), dim, True)
    return t if tuple(t.shape) == ks else t.reshape(ks)


def _unreduce(g, shape, dim, keepdim):
    """The gradient of a sum-like reduction: the output gradient spread over the reduced dims."""
    g = _keep(g, shape, dim, keepdim)
    shape = tuple(shape)
    return g if tuple(g.shape) == shape else apply(_shape_ops.EXPAND, g, shape=shape)


def _quiet(xp):
    """Silence NumPy's floating-point warnings where inf/nan is the intended result."""
    errstate = getattr(xp, "errstate", None)
    return errstate(divide="ignore", invalid="ignore") if errstate else nullcontext()


def _safe_div(g, d):
    """``g / d`` with 0 where ``d == 0`` (PyTorch's masked norm/std gradients): g / inf is 0."""
    return g / where(d == 0, _INF, d)


def _floating_only(x, msg: str) -> None:
    if not x.dtype.is_floating_point:
        raise DTypeError(msg)


def _infer(dtype_rule):
    """A reduction's shape rule: ``reduced_shape`` plus the dtype ``dtype_rule(x, attrs)``."""
    def infer(x, dim=None, keepdim=False, **attrs):
        return reduced_shape(tuple(x.shape), dim, keepdim), dtype_rule(x, attrs)
    return infer


def _same_dtype(x, attrs):
    return x.dtype


def _int_to_long(x, attrs):
    d = attrs.get("dtype")
    if d is not None:
        return d
    return _dt.int64 if not x.dtype.is_floating_point else x.dtype


def _np_dtype(x, dtype):
    """Integer and bool sums/products accumulate in int64, as in PyTorch."""
    if dtype is not None:
        return dtype.np
    return None if x.dtype.kind == "f" else _dt.int64.np


def _reduction(name, impl, vjp, dtype_rule=_same_dtype, grad_name=None, saves=(),
               saves_out=False, n_outputs=1, infer=None):
    return register(OpDef(name=name, infer=infer or _infer(dtype_rule), impl=impl, vjp=vjp,
                          grad_name=grad_name, saves=saves, saves_out=saves_out,
                          n_outputs=n_outputs))


# -- sum / mean / prod ---------------------------------------------------------------------------
def _sum_impl(xp, x, dim=None, keepdim=False, dtype=None, out=None):
    if x.dtype.itemsize == 2 and x.dtype.kind == "f" and dtype is None:
        # float16 accumulates in float32, as PyTorch does: a float16 running sum stalls at 2048.
        r = xp.sum(x, axis=_axis(dim, x), keepdims=keepdim, dtype=xp.float32).astype(x.dtype)
        if out is None:
            return r
        out[...] = r
        return out
    # The array method (same on NumPy and CuPy) skips np.sum's Python-level dispatch.
    return x.sum(axis=_axis(dim, x), keepdims=keepdim, dtype=_np_dtype(x, dtype), out=out)


def _sum_vjp(g, x, out, dim=None, keepdim=False, dtype=None):
    return (_unreduce(g, x.shape, dim, keepdim),)


SUM = _reduction("sum", _sum_impl, _sum_vjp, _int_to_long, grad_name="SumBackward0")
SUM_DIM = _reduction("sum_dim", _sum_impl, _sum_vjp, _int_to_long, grad_name="SumBackward1")


def _mean_impl(xp, x, dim=None, keepdim=False, dtype=None, out=None):
    return x.mean(axis=_axis(dim, x), keepdims=keepdim,
                   dtype=None if dtype is None else dtype.np, out=out)


def _mean_vjp(g, x, out, dim=None, keepdim=False, dtype=None):
    return (_unreduce(g / _b.max(_count(tuple(x.shape), dim), 1), x.shape, dim, keepdim),)


def _mean_dtype(x, attrs):
    d = attrs.get("dtype") or x.dtype
    if not d.is_floating_point:
        raise DTypeError(f"mean(): could not infer output dtype. Input dtype must be either a "
                         f"floating point or complex dtype. Got: {_TORCH_NAME[d.name]}")
    return d


MEAN = _reduction("mean", _mean_impl, _mean_vjp, _mean_dtype, grad_name="MeanBackward0")
MEAN_DIM = _reduction("mean_dim", _mean_impl, _mean_vjp, _mean_dtype, grad_name="MeanBackward1")


def _prod_impl(xp, x, dim=None, keepdim=False, dtype=None, out=None):
    return x.prod(axis=_axis(dim, x), keepdims=keepdim, dtype=_np_dtype(x, dtype), out=out)


def _prod_vjp(g, x, out, dim=None, keepdim=False, dtype=None):
    # d prod / d x_i is the product of the others. Without zeros that is prod / x_i; with one
    # zero only the zero's slot gets the product of the rest; with two or more everything is 0.
    g = _keep(g, x.shape, dim, keepdim)
    zero = x == 0
    safe = where(zero, 1.0, x)
    p = apply(PROD_DIM, safe, dim=dim, keepdim=True)
    n_zero = apply(SUM_DIM, zero, dim=dim, keepdim=True)
    return (g * where(zero, p * (n_zero == 1), p * (n_zero == 0) / safe),)


PROD = _reduction("prod", _prod_impl, _prod_vjp, _int_to_long, grad_name="ProdBackward0",
                  saves=(0,))
PROD_DIM = _reduction("prod_dim", _prod_impl, _prod_vjp, _int_to_long,
                      grad_name="ProdBackward1", saves=(0,))


# -- var / std / norm ----------------------------------------------------------------------------
def _var_impl(xp, x, dim=None, keepdim=False, correction=1, out=None):
    ax = _axis(dim, x)
    if _count(x.shape, dim) > correction:
        return xp.var(x, axis=ax, ddof=correction, keepdims=keepdim, out=out)
    with warnings.catch_warnings():  # too few samples: inf/nan as in PyTorch, without noise
        warnings.simplefilter("ignore")
        return xp.var(x, axis=ax, ddof=correction, keepdims=keepdim, out=out)


def _centered(x, dim, correction):
    """``(x - mean) / (N - correction)``, the shared factor of the var and std gradients."""
    n = _count(tuple(x.shape), dim)
    return (x - apply(MEAN_DIM, x, dim=dim, keepdim=True)) / (n - correction)


def _var_vjp(g, x, out, dim=None, keepdim=False, correction=1):
    return (_keep(g, x.shape, dim, keepdim) * 2 * _centered(x, dim, correction),)


def _std_impl(xp, x, dim=None, keepdim=False, correction=1, out=None):
    r = _var_impl(xp, x, dim, keepdim, correction, out=out)
    return xp.sqrt(r, out=out)  # a full reduction's var is a NumPy scalar: no in-place then


def _std_vjp(g, x, out, dim=None, keepdim=False, correction=1):
    s = _safe_div(_keep(g, x.shape, dim, keepdim), _keep(out, x.shape, dim, keepdim))
    return (s * _centered(x, dim, correction),)


VAR = _reduction("var", _var_impl, _var_vjp, saves=(0,))
STD = _reduction("std", _std_impl, _std_vjp, saves=(0,), saves_out=True)


def _norm_impl(xp, x, p=2.0, dim=None, keepdim=False, out=None):
    ax = _axis(dim, x)
    if p == 2:
        return xp.sqrt(xp.sum(xp.square(x), axis=ax, keepdims=keepdim), out=out)
    if p == 1:
        return xp.sum(xp.abs(x), axis=ax, keepdims=keepdim, out=out)
    if p == _INF:
        return xp.amax(xp.abs(x), axis=ax, keepdims=keepdim, out=out)
    if p == -_INF:
        return xp.amin(xp.abs(x), axis=ax, keepdims=keepdim, out=out)
    if p == 0:
        return xp.sum(x != 0, axis=ax, keepdims=keepdim, dtype=x.dtype, out=out)
    r = xp.sum(xp.abs(x) ** p, axis=ax, keepdims=keepdim)
    return xp.power(r, 1.0 / p, out=out)


def _norm_vjp(g, x, out, p=2.0, dim=None, keepdim=False):
    g = _keep(g, x.shape, dim, keepdim)
    if p == 0:
        return (_unreduce(g * 0, x.shape, dim, True),)
    if p == 1:
        return (g * sign(x),)
    n = _keep(out, x.shape, dim, keepdim)
    if p == 2:
        return (x * _safe_div(g, n),)
    if math.isinf(p):  # like amax: split evenly among the elements that attain the norm
        hit = (x.abs() == n) | isnan(x)
        return (sign(x) * hit * (g / apply(SUM_DIM, hit, dim=dim, keepdim=True)),)
    if p < 1:  # |x|^(p-1) is infinite at 0, where PyTorch's gradient is 0
        ax = where(x == 0, 1.0, x.abs())
        return (where(x == 0, 0.0, sign(x) * ax ** (p - 1) * g * n ** (1 - p)),)
    return (sign(x) * x.abs() ** (p - 1) * _safe_div(g, n ** (p - 1)),)


NORM = _reduction("norm", _norm_impl, _norm_vjp, grad_name="LinalgVectorNormBackward0",
                  saves=(0,), saves_out=True)


# -- logsumexp / cumsum --------------------------------------------------------------------------
def _logsumexp_impl(xp, x, dim=None, keepdim=False, out=None):
    if x.dtype.kind != "f":
        x = x.astype(_dt.get_default_dtype().np)
    ax = _axis(dim, x)
    if x.size == 0:
        m = 0
        s = xp.sum(xp.exp(x), axis=ax, keepdims=keepdim)
    else:
        m = xp.amax(x, axis=ax, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)  # rows of -inf (or +inf) stay unshifted
        s = xp.sum(xp.exp(x - m), axis=ax, keepdims=keepdim)
        m = m.reshape(s.shape)  # (a NumPy scalar has .shape too)
    with _quiet(xp):  # log(0) = -inf for empty or all -inf rows is the right answer
        r = xp.log(s, out=out)
    return xp.add(r, m, out=out) if out is not None else r + m


def _logsumexp_vjp(g, x, out, dim=None, keepdim=False):
    return (_keep(g, x.shape, dim, keepdim) * exp(x - _keep(out, x.shape, dim, keepdim)),)


LOGSUMEXP = _reduction("logsumexp", _logsumexp_impl, _logsumexp_vjp,
                       lambda x, a: _dt.to_float(x.dtype), saves=(0,), saves_out=True)


def _cumsum_impl(xp, x, dim=0, dtype=None, out=None):
    if x.ndim == 0:
        return xp.cumsum(x.reshape(1), dtype=_np_dtype(x, dtype)).reshape(())
    return xp.cumsum(x, axis=dim, dtype=_np_dtype(x, dtype), out=out)


def _cumsum_vjp(g, x, out, dim=0, dtype=None):
    if g.ndim == 0:
        return (g,)
    return (g.flip((dim,)).cumsum(dim).flip((dim,)),)  # a reversed cumulative sum


def _cumsum_infer(x, dim=0, dtype=None):
    return tuple(x.shape), _int_to_long(x, {"dtype": dtype})


CUMSUM = register(OpDef(name="cumsum", infer=_cumsum_infer, impl=_cumsum_impl, vjp=_cumsum_vjp))


# -- max / min / amax / amin / argmax / argmin ---------------------------------------------------
def _extreme_vjp(g, x, out, dim=None, keepdim=False):
    # PyTorch's amax/amin (and full max/min) gradient: split evenly among ties.
    hit = x == _keep(out, x.shape, dim, keepdim)
    g = _keep(g, x.shape, dim, keepdim)
    return (hit * (g / apply(SUM_DIM, hit, dim=dim, keepdim=True)),)


def _amax_impl(xp, x, dim=None, keepdim=False, out=None):
    return xp.amax(x, axis=_axis(dim, x), keepdims=keepdim, out=out)


def _amin_impl(xp, x, dim=None, keepdim=False, out=None):
    return xp.amin(x, axis=_axis(dim, x), keepdims=keepdim, out=out)


def _nonempty(name: str, shape, dim) -> None:
    """max/min-like reductions have no identity: every reduced dim needs an element."""
    for d in range(len(shape)) if dim is None else dim:
        if shape and shape[d] == 0:
            raise ShapeError(f"{name}(): Expected reduction dim {d} to have non-zero size "
                             f"(input shape {list(shape)})")


def _extreme_infer(name):
    def infer(x, dim=None, keepdim=False):
        _nonempty(name, tuple(x.shape), dim)
        return reduced_shape(tuple(x.shape), dim, keepdim), x.dtype
    return infer


AMAX = _reduction("amax", _amax_impl, _extreme_vjp, saves=(0,), saves_out=True,
                  infer=_extreme_infer("amax"))
AMIN = _reduction("amin", _amin_impl, _extreme_vjp, saves=(0,), saves_out=True,
                  infer=_extreme_infer("amin"))
MAX = _reduction("max", _amax_impl, _extreme_vjp, grad_name="MaxBackward1", saves=(0,),
                 saves_out=True, infer=_extreme_infer("max"))
MIN = _reduction("min", _amin_impl, _extreme_vjp, grad_name="MinBackward1", saves=(0,),
                 saves_out=True, infer=_extreme_infer("min"))


def _select_impl(arg):
    """``max(dim)``/``min(dim)``: values and int64 indices of the first extreme (NaN wins)."""
    def impl(xp, x, dim=0, keepdim=False, out=None):
        if x.ndim == 0:
            return x.copy(), xp.zeros((), dtype=_dt.int64.np)
        idx = getattr(xp, arg)(x, axis=dim, keepdims=True)
        values = xp.take_along_axis(x, idx, axis=dim)
        if not keepdim:
            idx, values = idx.squeeze(dim), values.squeeze(dim)
        return values, idx.astype(_dt.int64.np, copy=False)
    return impl


def _select_vjp(grads, x, out, dim=0, keepdim=False):
    # Only the selected element gets the gradient: the first one equal to the value (or NaN),
    # the one the kernel's argmax/argmin picked, found again without saving the indices.
    g = grads[0]
    if g is None:
        return (None,)
    hit = (x == _keep(out, x.shape, (dim,), keepdim)) | isnan(x)
    first = hit & (cumsum(hit, dim) == 1)
    return (_keep(g, x.shape, (dim,), keepdim) * first,)


def _select_infer(name):
    def infer(x, dim=0, keepdim=False):
        _nonempty(name, tuple(x.shape), (dim,))
        out = reduced_shape(tuple(x.shape), (dim,), keepdim)
        return (out, x.dtype), (out, _dt.int64)
    return infer


MAX_DIM = _reduction("max_dim", _select_impl("argmax"), _select_vjp, grad_name="MaxBackward0",
                     saves=(0,), saves_out=True, n_outputs=2, infer=_select_infer("max"))
MIN_DIM = _reduction("min_dim", _select_impl("argmin"), _select_vjp, grad_name="MinBackward0",
                     saves=(0,), saves_out=True, n_outputs=2, infer=_select_infer("min"))


def _arg_impl(fname):
    def impl(xp, x, dim=None, keepdim=False, out=None):
        r = getattr(xp, fname)(x, axis=_axis(dim, x), keepdims=keepdim)
        return r.astype(_dt.int64.np, copy=False)
    return impl


def _arg_infer(name):
    def infer(x, dim=None, keepdim=False):
        dims = None if dim is None else (dim,)
        _nonempty(name, tuple(x.shape), dims)
        return reduced_shape(tuple(x.shape), dims, keepdim), _dt.int64
    return infer


ARGMAX = _reduction("argmax", _arg_impl("argmax"), NONDIFF, infer=_arg_infer("argmax"))
ARGMIN = _reduction("argmin", _arg_impl("argmin"), NONDIFF, infer=_arg_infer("argmin"))


# -- all / any -----------------------------------------------------------------------------------
def _logic_impl(fname):
    def impl(xp, x, dim=None, keepdim=False, out=None):
        r = getattr(xp, fname)(x, axis=_axis(dim, x), keepdims=keepdim)
        r = xp.asarray(r, dtype=x.dtype) if x.dtype == _dt.uint8.np else xp.asarray(r)
        if out is not None:
            out[...] = r
            return out
        return r
    return impl


def _logic_dtype(x, attrs):
    return _dt.uint8 if x.dtype is _dt.uint8 else _dt.bool_  # uint8 stays uint8, as in PyTorch


ALL = _reduction("all", _logic_impl("all"), NONDIFF, _logic_dtype)
ANY = _reduction("any", _logic_impl("any"), NONDIFF, _logic_dtype)


# -- softmax / log_softmax -----------------------------------------------------------------------
def _scalar_softmax(xp, x, value, out):
    """A 0-d input is its own (only) element: softmax 1, log_softmax 0 (NaN stays NaN)."""
    r = x * 0 + value
    if out is not None:
        out[...] = r
        return out
    return xp.asarray(r)


def _max_shifted(xp, x, dim, out, scalar_value):
    """``x - max(x, dim)``, the overflow-safe start of softmax and log_softmax, with its axis;
    for empty and 0-d inputs the finished result instead (and axis None)."""
    if x.size == 0:
        return (xp.empty_like(x) if out is None else out), None
    if x.ndim == 0:
        return _scalar_softmax(xp, x, scalar_value, out), None
    ax = _axis((dim,), x)
    return xp.subtract(x, xp.amax(x, axis=ax, keepdims=True), out=out), ax


def _softmax_impl(xp, x, dim=0, out=None):
    r, ax = _max_shifted(xp, x, dim, out, 1)
    if ax is not None:
        xp.exp(r, out=r)
        r /= xp.sum(r, axis=ax, keepdims=True)
    return r


def _log_softmax_impl(xp, x, dim=0, out=None):
    r, ax = _max_shifted(xp, x, dim, out, 0)
    if ax is not None:
        r -= xp.log(xp.sum(xp.exp(r), axis=ax, keepdims=True))
    return r


def _softmax_vjp(g, x, out, dim=0):
    go = g * out
    return (go - out * go.sum(dim, keepdim=True),)


def _log_softmax_vjp(g, x, out, dim=0):
    return (g - exp(out) * g.sum(dim, keepdim=True),)


def _softmax_infer(x, dim=0):
    return tuple(x.shape), x.dtype


SOFTMAX = register(OpDef(name="softmax", infer=_softmax_infer, impl=_softmax_impl,
                         vjp=_softmax_vjp, saves_out=True))
LOG_SOFTMAX = register(OpDef(name="log_softmax", infer=_softmax_infer, impl=_log_softmax_impl,
                             vjp=_log_softmax_vjp, saves_out=True))


# -- public functions ----------------------------------------------------------------------------
def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum over ``dim`` (every dim when None or ``()``); bool/int inputs sum in int64."""
    attrs = {} if dtype is None else {"dtype": _dt.as_dtype(dtype)}
    if dim is None and not keepdim:
        return _out(apply(SUM, input, **attrs), out)
    return _out(apply(SUM_DIM, input, dim=_dims("sum", dim, input.ndim), keepdim=keepdim,
                      **attrs), out)


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Mean over ``dim``; integer inputs need an explicit floating ``dtype``, as in PyTorch."""
    attrs = {} if dtype is None else {"dtype": _dt.as_dtype(dtype)}
    _mean_dtype(input, attrs)
    if dim is None and not keepdim:
        return _out(apply(MEAN, input, **attrs), out)
    return _out(apply(MEAN_DIM, input, dim=_dims("mean", dim, input.ndim), keepdim=keepdim,
                      **attrs), out)


def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Product over ``dim`` (an int) or everything; its gradient is exact with zeros present."""
    attrs = {} if dtype is None else {"dtype": _dt.as_dtype(dtype)}
    if dim is None:
        return _out(apply(PROD, input, **attrs), out)
    return _out(apply(PROD_DIM, input, dim=(wrap_dim("prod", dim, input.ndim),),
                      keepdim=keepdim, **attrs), out)


def _correction(op, dim, unbiased, correction):
    if isinstance(dim, bool):  # var(x, True): the legacy positional ``unbiased``
        dim, unbiased = None, dim
    if correction is not None and unbiased is not None:
        raise GraphcValueError(f"{op}: Cannot specify both unbiased and correction")
    if correction is None:
        correction = 0 if unbiased is False else 1
    return dim, correction


def _var_std(op, input, dim, unbiased, keepdim, correction):
    dim, correction = _correction(op.name, dim, unbiased, correction)
    _floating_only(input, "std and var only support floating point and complex dtypes")
    return apply(op, input, dim=_dims(op.name, dim, input.ndim), keepdim=keepdim,
                 correction=correction)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Variance with Bessel's correction by default (``correction=1``), PyTorch 2's signature."""
    return _out(_var_std(VAR, input, dim, unbiased, keepdim, correction), out)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Standard deviation; its gradient is 0 where the std is 0 (PyTorch's convention)."""
    return _out(_var_std(STD, input, dim, unbiased, keepdim, correction), out)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return var(input, dim, unbiased, keepdim, correction=correction), \
        mean(input, None if isinstance(dim, bool) else dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return std(input, dim, unbiased, keepdim, correction=correction), \
        mean(input, None if isinstance(dim, bool) else dim, keepdim)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """Vector p-norm over ``dim`` ('fro' = 2, inf, -inf, 0, 1, any float); grad at 0 is 0."""
    if dtype is not None:
        input = input.to(_dt.as_dtype(dtype))
    if p is None or p == "fro":
        p = 2.0
    elif isinstance(p, str):
        raise GraphcValueError(f"norm: p={p!r} (a matrix norm) is not supported; use p='fro', "
                               f"a number, or inf")
    _floating_only(input, f"linalg.vector_norm: Expected a floating point or complex tensor as "
                   f"input. Got {_TORCH_NAME[input.dtype.name]}")
    return _out(apply(NORM, input, p=float(p), dim=_dims("norm", dim, input.ndim),
                      keepdim=keepdim), out)


def logsumexp(input, dim, keepdim=False, *, out=None):
    """``log(sum(exp(x)))`` over ``dim``, shifted by the max so it never overflows."""
    return _out(apply(LOGSUMEXP, input, dim=_dims("logsumexp", dim, input.ndim),
                      keepdim=keepdim), out)


def cumsum(input, dim, *, dtype=None, out=None):
    """Running sum along ``dim``; bool/int inputs accumulate in int64."""
    attrs = {} if dtype is None else {"dtype": _dt.as_dtype(dtype)}
    return _out(apply(CUMSUM, input, dim=wrap_dim("cumsum", dim, input.ndim), **attrs), out)


class _ReturnType(tuple):
    """Base of the named (values, indices) results, printed as PyTorch prints them."""

    __slots__ = ()

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"graphc.return_types.{name}(\nvalues={self[0]!r},\nindices={self[1]!r})"


def _return_type(name: str) -> type:
    cls = type(name, (_ReturnType, namedtuple(name, ["values", "indices"])), {"__slots__": ()})
    cls.__module__ = "graphc.return_types"
    cls.__repr__ = _ReturnType.__repr__
    return cls


return_max = _return_type("max")
return_min = _return_type("min")


def _numel(t) -> int:
    return math.prod(tuple(t.shape))


def _max_min(name, full, by_dim, pairwise, rtype, input, dim, keepdim, out):
    if isinstance(dim, Tensor):  # max(a, b): the elementwise maximum
        return pairwise(input, dim, out=out)
    if dim is None:
        if _numel(input) == 0:
            raise ShapeError(f"{name}(): Expected reduction dim to be specified for "
                             f"input.numel() == 0. Specify the reduction dim with the 'dim' "
                             f"argument.")
        return _out(apply(full, input), out)
    values, indices = apply(by_dim, input, dim=wrap_dim(name, dim, input.ndim), keepdim=keepdim)
    if out is not None:
        values, indices = _out(values, out[0]), _out(indices, out[1])
    return rtype(values, indices)


def max(input, dim=None, keepdim=False, *, out=None):
    """``max(x)``: the largest element; ``max(x, dim)``: (values, indices); ``max(a, b)``."""
    return _max_min("max", MAX, MAX_DIM, maximum, return_max, input, dim, keepdim, out)


def min(input, dim=None, keepdim=False, *, out=None):
    """``min(x)``: the smallest element; ``min(x, dim)``: (values, indices); ``min(a, b)``."""
    return _max_min("min", MIN, MIN_DIM, minimum, return_min, input, dim, keepdim, out)


def _extreme(name, op, input, dim, keepdim):
    dims = _dims(name, dim, input.ndim)
    if dims is None and _numel(input) == 0:
        raise ShapeError(f"{name}(): Expected reduction dim to be specified for input.numel() "
                         f"== 0. Specify the reduction dim with the 'dim' argument.")
    return apply(op, input, dim=dims, keepdim=keepdim)


def amax(input, dim=(), keepdim=False, *, out=None):
    """Largest values over ``dim``; the gradient is split evenly among ties."""
    return _out(_extreme("amax", AMAX, input, dim, keepdim), out)


def amin(input, dim=(), keepdim=False, *, out=None):
    """Smallest values over ``dim``; the gradient is split evenly among ties."""
    return _out(_extreme("amin", AMIN, input, dim, keepdim), out)


def _arg(name, op, input, dim, keepdim):
    no_kernel_for(name, input, error=DTypeError)
    if dim is not None:
        dim = wrap_dim(name, dim, input.ndim)
        if not input.ndim:
            dim = None
    return apply(op, input, dim=dim, keepdim=keepdim)


def argmax(input, dim=None, keepdim=False):
    """Index of the (first) largest element, of the flattened input when ``dim`` is None."""
    return _arg("argmax", ARGMAX, input, dim, keepdim)


def argmin(input, dim=None, keepdim=False):
    """Index of the (first) smallest element, of the flattened input when ``dim`` is None."""
    return _arg("argmin", ARGMIN, input, dim, keepdim)


def all(input, dim=None, keepdim=False, *, out=None):
    """Whether every element (over ``dim``) is true/nonzero."""
    return _out(apply(ALL, input, dim=_dims("all", dim, input.ndim), keepdim=keepdim), out)


def any(input, dim=None, keepdim=False, *, out=None):
    """Whether some element (over ``dim``) is true/nonzero."""
    return _out(apply(ANY, input, dim=_dims("any", dim, input.ndim), keepdim=keepdim), out)


def _softmax_dim(name, input, dim):
    if dim is None:  # PyTorch's legacy implicit dim
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the "
                      f"call to include dim=X as an argument.", UserWarning, stacklevel=3)
        dim = 0 if input.ndim in (0, 1, 3) else 1
    return wrap_dim(name, dim, input.ndim)


def _softmax_like(name, op, input, dim, dtype):
    if dtype is not None:
        input = input.to(_dt.as_dtype(dtype))
    if not input.dtype.is_floating_point:
        raise DTypeError(f"{name}: not implemented for '{_TORCH_NAME[input.dtype.name]}' (it "
                         f"needs a floating point input; pass dtype=...)")
    return apply(op, input, dim=_softmax_dim(name, input, dim))


def softmax(input, dim=None, dtype=None):
    """``exp(x) / sum(exp(x))`` along ``dim``, computed shifted by the max so it never overflows."""
    return _softmax_like("softmax", SOFTMAX, input, dim, dtype)


def log_softmax(input, dim=None, dtype=None):
    """``x - logsumexp(x)`` along ``dim``, stable for large and very negative inputs."""
    return _softmax_like("log_softmax", LOG_SOFTMAX, input, dim, dtype)


__all__ = [
    "all", "amax", "amin", "any", "argmax", "argmin", "cumsum", "log_softmax", "logsumexp",
    "max", "mean", "min", "norm", "prod", "softmax", "std", "std_mean", "sum", "var", "var_mean",
]
