"""Statistics and the remaining reductions and scans: ``aminmax``, ``nansum``, ``nanmean``,
``logcumsumexp``, ``cov``, ``corrcoef``, ``dist``, ``renorm``, and the counting ops ``histc``,
``bincount`` and ``unique_consecutive``.

Most are composites of existing reductions, as they are in PyTorch (so are their gradients:
``aminmax`` splits ties evenly like ``amin``/``amax``, ``nansum`` passes nothing to NaNs).
``logcumsumexp`` is an entry of its own (a stable scan kernel and PyTorch's log-domain gradient);
the counting ops have no gradient, and ``bincount``/``unique_consecutive`` have data-dependent
output shapes, so they cannot be traced.
"""
from __future__ import annotations

import numpy as np

from graphc import dtypes as _dt
from graphc.errors import (
    ArgumentError,
    DTypeError,
    GraphcNotImplementedError,
    GraphcRuntimeError,
    GraphcValueError,
    ShapeError,
    TraceError,
)
from graphc.ops.dispatch import apply
from graphc.ops.elementwise import _out, clamp, exp, isnan, log, sqrt, where
from graphc.ops.linalg import mm
from graphc.ops.pointwise import _TORCH_NAME
from graphc.ops.reduce import amax, amin, norm, sum
from graphc.ops.registry import NONDIFF, OpDef, register
from graphc.ops.return_types import return_type
from graphc.ops.shape import concrete, fill_out
from graphc.ops.shapes import wrap_dim
from graphc.tensor import Tensor

_aminmax_result = return_type("aminmax", ("min", "max"))


def _floating_input(op: str, x: Tensor, kernel: str | None = None) -> None:
    if not x.dtype.is_floating_point:
        if kernel:
            raise GraphcNotImplementedError(f'"{kernel}" not implemented for '
                                            f"'{_TORCH_NAME[x.dtype.name]}'")
        raise DTypeError(f"{op}(): expected input to have floating point or complex dtype but "
                         f"got {_TORCH_NAME[x.dtype.name]}")


# -- aminmax / nansum / nanmean --------------------------------------------------------------
def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False):
    """``(min, max)`` over ``dim`` (or everything) in one call."""
    if dim is not None and not isinstance(dim, int) or isinstance(dim, bool):
        raise ArgumentError(f"aminmax(): argument 'dim' must be int, not {type(dim).__name__}")
    n = tuple(input.shape)[wrap_dim("aminmax", dim, input.ndim)] if dim is not None and \
        input.ndim else input.numel()
    if n == 0:
        raise ShapeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                         "operation has no identity.")
    d = () if dim is None else dim
    return _aminmax_result(amin(input, d, keepdim), amax(input, d, keepdim))


def _without_nans(input: Tensor) -> Tensor:
    return where(isnan(input), 0, input) if input.dtype.is_floating_point else input


def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None,
           out: Tensor | None = None) -> Tensor:
    """``sum`` treating NaN as zero (which also gets no gradient)."""
    return _out(sum(_without_nans(input), dim, keepdim, dtype=dtype), out)


def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None,
            out: Tensor | None = None) -> Tensor:
    """The mean of the non-NaN elements (NaN where there are none)."""
    _floating_input("nanmean", input)
    count = sum(~isnan(input), dim, keepdim)
    return _out(nansum(input, dim, keepdim, dtype=dtype) / count, out)


# -- logcumsumexp ----------------------------------------------------------------------------
def _logcumsumexp_impl(xp, x, dim=0, out=None):
    a = x.reshape(1) if x.ndim == 0 else x
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if xp is np:  # exact in every regime: log(exp(a) + exp(b)), pairwise
            r = np.logaddexp.accumulate(a, axis=dim)
        else:  # shifted by the running max's final value, then a plain cumulative sum
            m = xp.amax(a, axis=dim, keepdims=True)
            m = xp.where(xp.isfinite(m), m, 0)
            r = xp.log(xp.cumsum(xp.exp(a - m), axis=dim)) + m
    return fill_out(out, r.reshape(x.shape))


def _reverse_logcumsumexp(t: Tensor, dim: int) -> Tensor:
    return apply(LOGCUMSUMEXP, t.flip((dim,)), dim=dim).flip((dim,))


def _logcumsumexp_vjp(g, x, out, dim=0):
    # d out_i / d x_j = exp(x_j - out_i) for i >= j. Summed in the log domain, split by the
    # sign of g (PyTorch's formula, from TensorFlow's), so large inputs neither overflow nor
    # underflow.
    if g.ndim == 0:
        return (g,)
    lowest = float(np.finfo(g.dtype.np).min)
    log_abs = log(g.abs())
    pos = exp(_reverse_logcumsumexp(where(g > 0, log_abs, lowest) - out, dim) + x)
    neg = exp(_reverse_logcumsumexp(where(g < 0, log_abs, lowest) - out, dim) + x)
    return (pos - neg,)


LOGCUMSUMEXP = register(OpDef(name="logcumsumexp",
                              infer=lambda x, dim=0: (tuple(x.shape), x.dtype),
                              impl=_logcumsumexp_impl, vjp=_logcumsumexp_vjp, saves=(0,),
                              saves_out=True))


def logcumsumexp(input: Tensor, dim: int, *, out: Tensor | None = None) -> Tensor:
    """``log(cumsum(exp(input)))`` along ``dim``, computed without overflow."""
    _floating_input("logcumsumexp", input, kernel="logcumsumexp_out_cpu")
    return _out(apply(LOGCUMSUMEXP, input, dim=wrap_dim("logcumsumexp", dim, input.ndim)),
                out)


# -- cov / corrcoef / dist / renorm ----------------------------------------------------------
def _check_weights(name: str, w: Tensor, n: int, integral: bool) -> None:
    if w.ndim > 1:
        raise ShapeError(f"cov(): expected {name} to have one or fewer dimensions but got "
                         f"{name} with {w.ndim} dimensions")
    if w.numel() != n:
        raise ShapeError(f"cov(): expected {name} to have the same numel as there are "
                         f"observations in the input but got {w.numel()} != {n}")
    if integral and (w.dtype.is_floating_point or w.dtype.is_bool):
        raise DTypeError(f"cov(): expected {name} to have integral dtype but got {name} with "
                         f"{_TORCH_NAME[w.dtype.name]} dtype")
    if not integral and not w.dtype.is_floating_point:
        raise DTypeError(f"cov(): expected {name} to have floating point dtype but got {name} "
                         f"with {_TORCH_NAME[w.dtype.name]} dtype")
    if concrete(w) and bool((w < 0).any()):
        raise GraphcRuntimeError(f"cov(): {name} cannot be negative")


def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    """Covariance of the rows (variables) of ``input`` over its columns (observations),
    optionally weighted by frequency and importance weights (PyTorch's, numpy.cov's rules)."""
    if input.ndim > 2:
        raise ShapeError(f"cov(): expected input to have two or fewer dimensions but got an "
                         f"input with {input.ndim} dimensions")
    x = input.reshape(1, -1) if input.ndim < 2 else input
    n = tuple(x.shape)[1]
    w = None
    if fweights is not None:
        _check_weights("fweights", fweights, n, integral=True)
        w = fweights
    if aweights is not None:
        _check_weights("aweights", aweights, n, integral=False)
        w = aweights if w is None else w * aweights
    w_sum = n if w is None else w.sum()
    avg = (x if w is None else x * w).sum(1) / w_sum
    if w is not None and aweights is not None and correction != 0:
        norm_factor = w_sum - correction * (w * aweights).sum() / w_sum
    else:
        norm_factor = w_sum - correction
    centered = x - avg.unsqueeze(1)
    c = mm(centered, (centered if w is None else centered * w).t())
    if isinstance(norm_factor, Tensor):
        norm_factor = clamp(norm_factor, 0, None)  # PyTorch zeroes a negative dof (with a warning)
    else:
        norm_factor = max(norm_factor, 0)
    return (c / norm_factor).squeeze()


def corrcoef(input: Tensor) -> Tensor:
    """Pearson correlation coefficients of the rows of ``input``, clipped to [-1, 1]."""
    if input.ndim > 2:
        raise ShapeError(f"corrcoef(): expected input to have two or fewer dimensions but got "
                         f"an input with {input.ndim} dimensions")
    c = cov(input)
    if c.ndim == 0:  # one variable: 1, or NaN where its variance is 0, inf or NaN
        return c / c
    std = sqrt(c.diagonal())
    return clamp(c / std.reshape(-1, 1) / std.reshape(1, -1), -1, 1)


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """The ``p``-norm of ``input - other`` (broadcast)."""
    dt = _dt.result_type(input, other)
    if not dt.is_floating_point:
        raise DTypeError(f"norm(): input dtype should be either floating point or complex. "
                         f"Got {_TORCH_NAME[dt.name]} instead.")
    return norm(input - other, p)


def renorm(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """Each slice along ``dim`` rescaled so its ``p``-norm is at most ``maxnorm`` (slices
    already within it are unchanged), PyTorch's ``maxnorm / (norm + 1e-7)`` factor."""
    if input.ndim < 2:
        raise ShapeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} "
                         f"dimensions")
    if not p > 0:
        raise GraphcRuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise GraphcRuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if not input.dtype.is_floating_point:
        raise DTypeError(f"linalg.vector_norm: Expected a floating point or complex tensor as "
                         f"input. Got {_TORCH_NAME[input.dtype.name]}")
    d = wrap_dim("renorm", dim, input.ndim)
    norms = norm(input, p, tuple(i for i in range(input.ndim) if i != d), keepdim=True)
    factor = where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0)
    return input * factor


# -- histc / bincount / unique_consecutive ---------------------------------------------------
def _histc_impl(xp, x, bins, lo, hi, out=None):
    v = x.reshape(-1)
    if lo == hi and v.size:
        lo, hi = float(v.min()), float(v.max())
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise GraphcRuntimeError(f"torch.histc: range of [{lo}, {hi}] is not finite")
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    keep = v[(v >= lo) & (v <= hi)]
    pos = ((keep - lo) / (hi - lo) * bins).astype(xp.int64)
    pos = xp.minimum(pos, bins - 1)  # the right edge belongs to the last bin
    r = xp.bincount(pos, minlength=bins).astype(x.dtype)
    return fill_out(out, r)


HISTC = register(OpDef(name="histc", infer=lambda x, bins, lo, hi: ((bins,), x.dtype),
                       impl=_histc_impl, vjp=NONDIFF))


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0, *,
          out: Tensor | None = None) -> Tensor:
    """Counts of ``input``'s elements in ``bins`` equal bins over ``[min, max]`` (the data's
    range when both are 0); elements outside are ignored. Floating inputs only."""
    _floating_input("histc", input, kernel="histogram_cpu")
    if bins <= 0:
        raise GraphcRuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for "
                                 f"dimension 0")
    if min > max:
        raise GraphcRuntimeError("torch.histc: max must be larger than min")
    return _out(apply(HISTC, input, bins=int(bins), lo=float(min), hi=float(max)), out)


def _data_dependent(op: str, x: Tensor) -> None:
    if not concrete(x):
        raise TraceError(f"{op} has an output shape that depends on the data, so it cannot be "
                         f"traced")


def _bincount_impl(xp, x, *w, minlength=0, out=None):
    if x.size and int(x.min()) < 0:
        raise GraphcRuntimeError("bincount only supports 1-d non-negative integral inputs.")
    weights = w[0] if w else None
    r = xp.bincount(x, weights=weights, minlength=minlength)
    if weights is not None:
        r = r.astype(weights.dtype if weights.dtype in (np.float32, np.float64) else
                     np.float64, copy=False)
    return fill_out(out, r.astype(xp.int64, copy=False) if weights is None else r)


def _bincount_infer(x, *w, minlength=0):
    _data_dependent("bincount", x)
    n = int(x._data.max()) + 1 if x.numel() else 0
    dt = _dt.int64 if not w else w[0].dtype if w[0].dtype in (_dt.float32, _dt.float64) \
        else _dt.float64
    return (max(n, minlength),), dt


BINCOUNT = register(OpDef(name="bincount", infer=_bincount_infer, impl=_bincount_impl,
                          vjp=NONDIFF))


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each value ``0 … max(input)`` occurs in a 1-D non-negative integer tensor
    (summing ``weights`` instead of counting ones, when given)."""
    if input.dtype.is_floating_point or input.dtype.is_bool:
        raise GraphcNotImplementedError(f'"bincount_cpu" not implemented for '
                                        f"'{_TORCH_NAME[input.dtype.name]}'")
    if input.ndim != 1:
        raise GraphcRuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None and (weights.ndim != 1 or weights.numel() != input.numel()):
        raise GraphcRuntimeError("weights should be 1-d and have the same length as input")
    if minlength < 0:
        raise GraphcValueError("minlength should be >= 0")
    ws = () if weights is None else (weights,)
    return apply(BINCOUNT, input, *ws, minlength=int(minlength))


def _unique_consecutive_impl(xp, a, dim=None, out=None):
    """Values (or slices along ``dim``) that differ from their predecessor, the index of each
    element's run, and the length of each run."""
    if dim is None:
        rows = a.reshape(-1, 1)
    else:
        rows = xp.moveaxis(a, dim, 0)
        rows = rows.reshape(rows.shape[0], -1)
    starts = xp.ones(rows.shape[0], bool)
    if rows.shape[0] > 1:
        starts[1:] = xp.any(rows[1:] != rows[:-1], axis=1)
    first = xp.nonzero(starts)[0]
    values = a.reshape(-1)[first] if dim is None else xp.take(a, first, axis=dim)
    inverse = xp.cumsum(starts) - 1
    inverse = inverse.reshape(a.shape) if dim is None else inverse
    counts = xp.diff(xp.append(first, rows.shape[0]))
    return values, inverse.astype(xp.int64), counts.astype(xp.int64)


def _unique_consecutive_infer(x, dim=None):
    _data_dependent("unique_consecutive", x)
    values, inverse, counts = _unique_consecutive_impl(x.device.xp, x._data, dim)
    return ((tuple(values.shape), x.dtype), (tuple(inverse.shape), _dt.int64),
            (tuple(counts.shape), _dt.int64))


UNIQUE_CONSECUTIVE = register(OpDef(name="unique_consecutive", infer=_unique_consecutive_infer,
                                    impl=_unique_consecutive_impl, vjp=NONDIFF, n_outputs=3))


def unique_consecutive(input: Tensor, return_inverse: bool = False, return_counts: bool = False,
                       dim: int | None = None):
    """Collapse each run of equal consecutive elements (or slices along ``dim``) to one; with
    the run index of every element and the run lengths on request."""
    d = None if dim is None else wrap_dim("unique_consecutive", dim, input.ndim,
                                          wrap_scalar=False)
    values, inverse, counts = apply(UNIQUE_CONSECUTIVE, input, dim=d)
    if not return_inverse and not return_counts:
        return values
    return (values,) + ((inverse,) if return_inverse else ()) + \
        ((counts,) if return_counts else ())


__all__ = ["aminmax", "bincount", "corrcoef", "cov", "dist", "histc", "logcumsumexp",
           "nanmean", "nansum", "renorm", "unique_consecutive"]
