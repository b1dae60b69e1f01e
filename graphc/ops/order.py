"""Order statistics and scans: ``median``, ``nanmedian``, ``kthvalue``, ``mode``, ``cumprod``,
``cummax``/``cummin`` and ``count_nonzero``.

Ops that select elements (median/mode along a dim, cummax/cummin) are split as ``sort`` is: a
non-differentiable op finds the indices, and a differentiable selection op, registered under
PyTorch's grad_fn name, takes the input *and the indices* -- so the gradient (a scatter of the
incoming gradient to the chosen positions) reads the indices as a saved input.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from graphc import dtypes as _dt
from graphc.autograd.grad_mode import is_grad_enabled
from graphc.errors import DimError, GraphcNotImplementedError, ShapeError
from graphc.ops import creation as _creation
from graphc.ops.dispatch import apply
from graphc.ops.dtype_checks import no_kernel_for
from graphc.ops.elementwise import _out, isnan, where
from graphc.ops.gather_scatter import SCATTER_ADD, gather_op
from graphc.ops.reduce import SUM, _cumsum_infer, _np_dtype, _return_type, cumsum
from graphc.ops.reduce import sum as _sum
from graphc.ops.registry import NONDIFF, OpDef, register
from graphc.ops.shape import concrete, fill_out, movedim, unsqueeze
from graphc.ops.shapes import reduced_shape, wrap_dim
from graphc.tensor import Tensor

return_median = _return_type("median")
return_mode = _return_type("mode")
return_cummax = _return_type("cummax")
return_cummin = _return_type("cummin")


def _accumulate(xp, fname: str, a, axis: int):
    """``xp.<fname>.accumulate`` along ``axis``; a slice-by-slice loop where the array module
    has no ufunc accumulate."""
    ufunc = getattr(xp, fname)
    try:
        return ufunc.accumulate(a, axis=axis)
    except (AttributeError, NotImplementedError, TypeError):
        r = a.copy()
        for i in range(1, a.shape[axis]):
            cur = (slice(None),) * axis + (i,)
            prev = (slice(None),) * axis + (i - 1,)
            r[cur] = ufunc(r[prev], a[cur])
        return r


def _positions(xp, shape, axis: int):
    """``arange(shape[axis])`` shaped to broadcast along ``axis``."""
    view = [1] * len(shape)
    view[axis] = shape[axis]
    return xp.arange(shape[axis], dtype=xp.int64).reshape(view)


def _argsort_stable(xp, a, axis: int):
    return np.argsort(a, axis=axis, kind="stable") if xp is np else xp.argsort(a, axis=axis)


# -- cumprod ---------------------------------------------------------------------------------
def _cumprod_impl(xp, x, dim=0, dtype=None, out=None):
    if x.ndim == 0:
        return fill_out(out, xp.cumprod(x.reshape(1), dtype=_np_dtype(x, dtype)).reshape(()))
    return xp.cumprod(x, axis=dim, dtype=_np_dtype(x, dtype), out=out)


def _rev_cumsum(t, dim):
    return t.flip((dim,)).cumsum(dim).flip((dim,))


def _cumprod_vjp(g, x, out, dim=0, dtype=None):
    # grad_i = sum_{j>=i} g_j prod_{k<=j, k!=i} x_k. Before the first zero of a slice that is
    # revcumsum(g * out)_i / x_i; at the first zero it is revcumsum(g * cumprod(x with that
    # zero set to 1)); after it, 0 (every product holds the first zero). Exact with zeros, but
    # its own derivative is not the second derivative at zeros: for create_graph with zeros
    # present, the O(n^2) product formula is used instead (PyTorch makes the same choice).
    if x.ndim == 0:
        return (g,)
    zero = x == 0
    if is_grad_enabled() and concrete(x) and bool(zero.any()):
        return (_cumprod_vjp_smooth(g, x, dim),)
    n_zero = cumsum(zero, dim)
    before = n_zero == 0
    first = zero & (n_zero == 1)
    g_before = where(before, _rev_cumsum(g * out, dim) / where(before, x, 1.0), 0.0)
    skip_zero = apply(CUMPROD, where(first, 1.0, x), dim=dim)
    return (g_before + where(first, _rev_cumsum(g * skip_zero, dim), 0.0),)


def _cumprod_vjp_smooth(g, x, dim):
    """The gradient as a polynomial in x (no division, no masks on x's values)."""
    xl, gl = movedim(x, dim, -1), movedim(g, dim, -1)
    n = tuple(xl.shape)[-1]
    eye = _creation.eye(n, dtype=_dt.bool_, device=x.device)
    rows = where(eye, 1.0, unsqueeze(xl, -2))          # row i: x with x_i replaced by 1
    prods = apply(CUMPROD, rows, dim=rows.ndim - 1)     # [i, j] = prod_{k<=j, k!=i} x_k
    upper = _creation.ones(n, n, dtype=_dt.bool_, device=x.device).triu()
    return movedim((where(upper, prods, 0.0) * unsqueeze(gl, -2)).sum(-1), -1, dim)


CUMPROD = register(OpDef(name="cumprod", infer=_cumsum_infer, impl=_cumprod_impl,
                         vjp=_cumprod_vjp, saves=(0,), saves_out=True))


def cumprod(input: Tensor, dim: int, *, dtype=None, out: Tensor | None = None) -> Tensor:
    """Running product along ``dim``; bool/int inputs accumulate in int64. The gradient is
    exact when the input holds zeros."""
    attrs = {} if dtype is None else {"dtype": _dt.as_dtype(dtype)}
    return _out(apply(CUMPROD, input, dim=wrap_dim("cumprod", dim, input.ndim), **attrs), out)


# -- selecting ops: values at given indices along a dim ----------------------------------------
def _select_infer(x, index, dim=0, keepdim=False):
    return tuple(index.shape), x.dtype


def _select_impl(xp, a, idx, dim=0, keepdim=False, out=None):
    if a.ndim == 0:
        return fill_out(out, a.copy())
    i = idx if keepdim else xp.expand_dims(idx, dim)
    v = xp.take_along_axis(a, i, axis=dim)
    return fill_out(out, v if keepdim else v.squeeze(dim))


def _select_vjp(g, x, index, out, dim=0, keepdim=False):
    if x.ndim == 0:
        return g, None
    if not keepdim:
        g, index = unsqueeze(g, dim), unsqueeze(index, dim)
    return apply(SCATTER_ADD, g.new_zeros(tuple(x.shape)), index, g, dim=dim), None


def _selecting_op(name: str, grad_name: str) -> OpDef:
    return register(OpDef(name=name, infer=_select_infer, impl=_select_impl, vjp=_select_vjp,
                          grad_name=grad_name, saves=(1,)))


MEDIAN_DIM = _selecting_op("median_dim", "MedianBackward1")
MODE = _selecting_op("mode", "ModeBackward0")
CUMMAX = gather_op("cummax", "CummaxBackward0")
CUMMIN = gather_op("cummin", "CumminBackward0")


def _index_infer(x, dim=0, keepdim=False):
    return reduced_shape(tuple(x.shape), (dim,) if x.ndim else None, keepdim), _dt.int64


def _median_index_impl(xp, a, dim=0, keepdim=False, out=None):
    """The lower median's position per slice (the stably sorted middle), or the first NaN."""
    if a.ndim == 0:
        return fill_out(out, xp.zeros((), xp.int64))
    order = _argsort_stable(xp, a, dim)
    k = (a.shape[dim] - 1) // 2
    idx = order[(slice(None),) * dim + (slice(k, k + 1),)]
    if a.dtype.kind == "f":
        nan = xp.isnan(a)
        first_nan = xp.argmax(nan, axis=dim, keepdims=True)
        idx = xp.where(xp.any(nan, axis=dim, keepdims=True), first_nan, idx)
    idx = idx.astype(xp.int64, copy=False)
    return fill_out(out, idx if keepdim else idx.squeeze(dim))


def _mode_index_impl(xp, a, dim=0, keepdim=False, out=None):
    """Per slice, the last position of the smallest most frequent value (PyTorch's choice)."""
    if a.ndim == 0:
        return fill_out(out, xp.zeros((), xp.int64))
    order = _argsort_stable(xp, a, dim)
    s = xp.take_along_axis(a, order, axis=dim)
    pos = _positions(xp, s.shape, dim)
    lead = (slice(None),) * dim
    new_run = xp.ones(s.shape, dtype=bool)
    new_run[lead + (slice(1, None),)] = s[lead + (slice(1, None),)] != s[lead + (slice(0, -1),)]
    start = _accumulate(xp, "maximum", xp.where(new_run, pos, 0), dim)
    run = pos - start + 1                         # length of the run so far, in sorted order
    best = xp.argmax(run == run.max(axis=dim, keepdims=True), axis=dim, keepdims=True)
    idx = xp.take_along_axis(order, best, axis=dim).astype(xp.int64, copy=False)
    return fill_out(out, idx if keepdim else idx.squeeze(dim))


MEDIAN_INDICES = register(OpDef(name="median_indices", infer=_index_infer,
                                impl=_median_index_impl, vjp=NONDIFF))
MODE_INDICES = register(OpDef(name="mode_indices", infer=_index_infer, impl=_mode_index_impl,
                              vjp=NONDIFF))


def _cum_index_impl(ufunc: str):
    def impl(xp, a, dim=0, out=None):
        """Where the running extreme was last attained (a NaN, once seen, wins)."""
        if a.ndim == 0:
            return fill_out(out, xp.zeros((), xp.int64))
        acc = _accumulate(xp, ufunc, a, dim)
        hit = a == acc
        if a.dtype.kind == "f":
            hit |= xp.isnan(a)
        pos = xp.where(hit, _positions(xp, a.shape, dim), 0)
        return fill_out(out, _accumulate(xp, "maximum", pos, dim).astype(xp.int64, copy=False))
    return impl


def _cum_index_infer(x, dim=0):
    return tuple(x.shape), _dt.int64


CUMMAX_INDICES = register(OpDef(name="cummax_indices", infer=_cum_index_infer,
                                impl=_cum_index_impl("maximum"), vjp=NONDIFF))
CUMMIN_INDICES = register(OpDef(name="cummin_indices", infer=_cum_index_infer,
                                impl=_cum_index_impl("minimum"), vjp=NONDIFF))


# -- median (full) ---------------------------------------------------------------------------
def _median_impl(xp, a, out=None):
    flat = a.reshape(-1)
    if flat.size == 0:
        return fill_out(out, xp.asarray(xp.nan if a.dtype.kind == "f" else 0, dtype=a.dtype))
    if a.dtype.kind == "f" and bool(xp.isnan(flat).any()):
        return fill_out(out, xp.asarray(xp.nan, dtype=a.dtype))
    return fill_out(out, xp.sort(flat)[(flat.size - 1) // 2].copy())


def _median_vjp(g, x, out):
    # PyTorch's evenly_distribute_backward: split among the elements equal to the median.
    hit = (x == out) | (isnan(x) & isnan(out))
    return (hit * (g / apply(SUM, hit)),)


MEDIAN = register(OpDef(name="median", infer=lambda x: ((), x.dtype), impl=_median_impl,
                        vjp=_median_vjp, saves=(0,), saves_out=True))


# -- public functions ------------------------------------------------------------------------
def _by_dim(name, index_op, value_op, rtype, input, dim, keepdim):
    d = wrap_dim(name, dim, input.ndim)
    if input.ndim and tuple(input.shape)[d] == 0:
        raise DimError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    idx = apply(index_op, input, dim=d, keepdim=keepdim)
    return rtype(apply(value_op, input, idx, dim=d, keepdim=keepdim), idx)


def median(input: Tensor, dim: int | None = None, keepdim: bool = False):
    """``median(x)``: the lower median of all elements (NaN if any is NaN); ``median(x, dim)``:
    ``(values, indices)`` per slice along ``dim``."""
    no_kernel_for("median", input)
    if dim is None:
        return apply(MEDIAN, input)
    return _by_dim("median", MEDIAN_INDICES, MEDIAN_DIM, return_median, input, dim, keepdim)


def mode(input: Tensor, dim: int = -1, keepdim: bool = False):
    """``(values, indices)``: the most frequent value along ``dim`` (the smallest on ties) and
    the last position where it occurs."""
    return _by_dim("mode", MODE_INDICES, MODE, return_mode, input, dim, keepdim)


def _cum_extreme(name, index_op, value_op, rtype, input, dim):
    d = wrap_dim(name, dim, input.ndim)
    idx = apply(index_op, input, dim=d)
    return rtype(apply(value_op, input, idx, dim=d), idx)


def cummax(input: Tensor, dim: int):
    """``(values, indices)`` of the running maximum along ``dim`` (ties: the latest index)."""
    return _cum_extreme("cummax", CUMMAX_INDICES, CUMMAX, return_cummax, input, dim)


def cummin(input: Tensor, dim: int):
    """``(values, indices)`` of the running minimum along ``dim`` (ties: the latest index)."""
    return _cum_extreme("cummin", CUMMIN_INDICES, CUMMIN, return_cummin, input, dim)


def count_nonzero(input: Tensor, dim=None) -> Tensor:
    """How many elements (over ``dim``: an int, a tuple or None = all) are non-zero (int64)."""
    if isinstance(dim, (list, tuple)) and len(set(dim)) != len(dim):
        raise DimError(f"count_nonzero: dim {tuple(dim)} appears multiple times in the list")
    return _sum(input != 0, dim)


# -- kthvalue and nanmedian ---------------------------------------------------------------------
return_kthvalue = _return_type("kthvalue")
return_nanmedian = _return_type("nanmedian")


def _gt_or_nan(x, y) -> bool:
    return (math.isnan(x) and not math.isnan(y)) or x > y


def _torch_quickselect(vals: list, k: int) -> int:
    """Where PyTorch's CPU ``quick_select_template`` (median-of-three Hoare partitioning, NaN
    largest) finds the k-th (0-based) smallest of one slice. Only asked for slices whose k-th
    value is tied, where the position depends on the algorithm."""
    arr, pos = list(vals), list(range(len(vals)))

    def swap(a, b):
        arr[a], arr[b] = arr[b], arr[a]
        pos[a], pos[b] = pos[b], pos[a]
    lo, hi = 0, len(arr) - 1
    while hi > lo:
        if hi == lo + 1:
            if _gt_or_nan(arr[lo], arr[hi]):
                swap(lo, hi)
            break
        swap(lo + (hi - lo) // 2, lo + 1)
        if _gt_or_nan(arr[lo + 1], arr[hi]):
            swap(lo + 1, hi)
        if _gt_or_nan(arr[lo], arr[hi]):
            swap(lo, hi)
        if _gt_or_nan(arr[lo + 1], arr[lo]):
            swap(lo + 1, lo)
        i, j, piv = lo + 1, hi, arr[lo]
        while True:
            i += 1
            while _gt_or_nan(piv, arr[i]):
                i += 1
            j -= 1
            while _gt_or_nan(arr[j], piv):
                j -= 1
            if j < i:
                break
            swap(i, j)
        swap(lo, j)
        if j <= k:
            lo = i
        if j >= k:
            hi = j - 1
    return pos[k]


def _same(xp, u, v):
    eq = u == v
    return eq | (xp.isnan(u) & xp.isnan(v)) if u.dtype.kind == "f" else eq


def _to_host(a):
    return a if isinstance(a, np.ndarray) else a.get()


def _kth_index_impl(xp, a, k, dim=0, keepdim=False, out=None):
    """The k-th smallest's position per slice (NaN largest): the stably sorted k-th, except
    where that value is tied, where PyTorch's quickselect decides (replayed on the host)."""
    if a.ndim == 0:
        return fill_out(out, xp.zeros((), xp.int64))
    am = xp.moveaxis(a, dim, -1)
    order = _argsort_stable(xp, am, -1)
    idx = order[..., k - 1].astype(xp.int64)
    s = xp.take_along_axis(am, order, axis=-1)
    tied = xp.zeros(idx.shape, dtype=bool)
    if k > 1:
        tied |= _same(xp, s[..., k - 2], s[..., k - 1])
    if k < am.shape[-1]:
        tied |= _same(xp, s[..., k], s[..., k - 1])
    if bool(tied.any()):
        picks = [_torch_quickselect(row.tolist(), k - 1) for row in _to_host(am[tied])]
        idx[tied] = xp.asarray(picks, dtype=xp.int64)
    return fill_out(out, xp.expand_dims(idx, dim) if keepdim else idx)


@lru_cache(maxsize=256)
def _all_nan_pick(n: int) -> int:
    """The position libstdc++'s ``nth_element`` leaves first when all n elements compare equal:
    what PyTorch's nanmedian reports for an all-NaN slice (its introselect halves the range,
    moving the middle element to the front and swapping pairs from both ends)."""
    pos, first, last = list(range(n)), 0, n
    while last - first > 3:
        mid = first + (last - first) // 2
        pos[first], pos[mid] = pos[mid], pos[first]
        lo, hi = first + 1, last
        while True:
            hi -= 1
            if lo >= hi:
                break
            pos[lo], pos[hi] = pos[hi], pos[lo]
            lo += 1
        last = lo
    return pos[first]


def _nanmedian_index_impl(xp, a, dim=0, keepdim=False, out=None):
    """The lower median of each slice's non-NaN values (stable among ties, as PyTorch's
    comparator orders equal values by position)."""
    if a.ndim == 0:
        return fill_out(out, xp.zeros((), xp.int64))
    order = _argsort_stable(xp, a, dim)  # NaN last
    n = a.shape[dim]
    if a.dtype.kind == "f":
        valid = (~xp.isnan(a)).sum(axis=dim, keepdims=True)
    else:
        valid = xp.full(order.shape[:dim] + (1,) + order.shape[dim + 1:], n, dtype=xp.int64)
    k = (xp.maximum(valid, 1) - 1) // 2
    idx = xp.take_along_axis(order, k.astype(xp.int64), axis=dim)
    idx = xp.where(valid == 0, _all_nan_pick(n), idx).astype(xp.int64, copy=False)
    return fill_out(out, idx if keepdim else idx.squeeze(dim))


def _nanmedian_impl(xp, a, out=None):
    flat = a.reshape(-1)
    if a.dtype.kind == "f":
        flat = flat[~xp.isnan(flat)]
    if flat.size == 0:
        return fill_out(out, xp.asarray(xp.nan if a.dtype.kind == "f" else 0, dtype=a.dtype))
    return fill_out(out, xp.sort(flat)[(flat.size - 1) // 2].copy())


KTHVALUE_INDICES = register(OpDef(
    name="kthvalue_indices", impl=_kth_index_impl, vjp=NONDIFF,
    infer=lambda x, k, dim=0, keepdim=False: _index_infer(x, dim, keepdim)))
KTHVALUE = _selecting_op("kthvalue", "KthvalueBackward0")
NANMEDIAN_INDICES = register(OpDef(name="nanmedian_indices", infer=_index_infer,
                                   impl=_nanmedian_index_impl, vjp=NONDIFF))
NANMEDIAN_DIM = _selecting_op("nanmedian_dim", "NanmedianBackward1")
NANMEDIAN = register(OpDef(name="nanmedian", infer=lambda x: ((), x.dtype),
                           impl=_nanmedian_impl, vjp=_median_vjp, saves=(0,), saves_out=True))


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False):
    """``(values, indices)``: the k-th smallest element along ``dim`` (NaN counts as the
    largest) and its position; among equal values the position PyTorch's CPU kernel picks."""
    d = wrap_dim("kthvalue", dim, input.ndim)
    if input.dtype.is_bool:
        raise GraphcNotImplementedError("\"kthvalue_cpu\" not implemented for 'Bool'")
    n = tuple(input.shape)[d] if input.ndim else 1
    if n == 0:
        raise DimError(f"kthvalue(): Expected reduction dim {d} to have non-zero size.")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
        raise ShapeError(f"kthvalue(): selected number k out of range for dimension {d} (k={k}, "
                         f"input of shape {list(input.shape)})")
    idx = apply(KTHVALUE_INDICES, input, k=int(k), dim=d, keepdim=bool(keepdim))
    return return_kthvalue(apply(KTHVALUE, input, idx, dim=d, keepdim=bool(keepdim)), idx)


def nanmedian(input: Tensor, dim: int | None = None, keepdim: bool = False):
    """``median`` ignoring NaNs: the lower median of the non-NaN values (NaN where there are
    none); with ``dim``, ``(values, indices)`` per slice."""
    no_kernel_for("nanmedian", input)
    if dim is None:
        return apply(NANMEDIAN, input)
    return _by_dim("nanmedian", NANMEDIAN_INDICES, NANMEDIAN_DIM, return_nanmedian, input, dim,
                   bool(keepdim))


__all__ = ["count_nonzero", "cummax", "cummin", "cumprod", "kthvalue", "median", "mode",
           "nanmedian"]
