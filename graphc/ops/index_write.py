"""Ops that return a copy of ``input`` with some positions overwritten: ``index_fill``,
``index_copy``, ``masked_scatter``, ``scatter_reduce``, ``diagonal_scatter``,
``select_scatter``, ``slice_scatter``, ``put``; and the copying ``diagflat`` and
``narrow_copy``.

Each gradient sends the incoming gradient to whichever value ended up at a position: the
overwritten positions of ``input`` get zero, the written values get the gradient at their
destination (read back with the matching gather: ``index_select``, ``diagonal``, a slice …).
``select_scatter``/``slice_scatter`` are ``x[index] = src`` on a copy (PyTorch's CopySlices
entry); ``put`` is ``index_put`` on the flattened tensor.
"""
from __future__ import annotations

import operator

import numpy as np

from graphc import dtypes as _dt
from graphc.autograd.grad_mode import is_grad_enabled
from graphc.errors import (
    AutogradError,
    DTypeError,
    GraphcIndexError,
    GraphcRuntimeError,
    ShapeError,
)
from graphc.ops.dispatch import apply
from graphc.ops.elementwise import where
from graphc.ops.gather_scatter import (
    GATHER,
    INDEX_SELECT,
    SCATTER_ADD,
    SCATTER_VALUE,
    _along,
    _check_index,
    _copy,
    _head,
    _pad_to,
    _vectors,
)
from graphc.ops.index import (
    COPY_SLICES,
    _basic_shape,
    check_bounds,
    index_put,
    parse_index,
)
from graphc.ops.matrix import diag
from graphc.ops.pointwise import _TORCH_NAME
from graphc.ops.registry import OpDef, register
from graphc.ops.shape import DIAGONAL, fill_out
from graphc.ops.shapes import broadcast_shapes, wrap_dim
from graphc.ops.split_join import narrow
from graphc.tensor import Tensor


def _grad_into(input: Tensor, value) -> None:
    """PyTorch refuses to record a gradient into an integer result (a float ``value`` that
    requires grad written into an integer ``input``)."""
    if isinstance(value, Tensor) and value.requires_grad and is_grad_enabled() and \
            not input.dtype.is_floating_point:
        raise AutogradError(f"Autograd not support dtype: {_TORCH_NAME[input.dtype.name]}")


def _dim_index(dim: int, idx) -> tuple:
    return (slice(None),) * dim + (idx,)


# -- index_fill / index_copy -----------------------------------------------------------------
def _index_fill_impl(xp, a, idx, *value, dim, fill=None, out=None):
    r = _copy(a, out)
    v = _vectors(r)[0]
    idx = idx.reshape(-1)
    check_bounds(xp, idx, v.shape[dim], dim, op="index_fill_")
    v[_dim_index(dim, idx)] = value[0] if value else fill
    return r


def _index_fill_vjp(g, x, index, *value, out, dim, fill=None):
    gx = apply(INDEX_FILL, g, index, dim=dim, fill=0)
    # The filled positions' gradient, each counted once however often the index repeats it.
    gv = (g - gx).sum() if value and isinstance(value[0], Tensor) else None
    return (gx, None) + ((gv,) if value else ())


INDEX_FILL = register(OpDef(
    name="index_fill", infer=lambda x, index, *v, dim, fill=None: (tuple(x.shape), x.dtype),
    impl=_index_fill_impl, vjp=_index_fill_vjp, saves=(1,)))


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """A copy of ``input`` with the slices ``index`` along ``dim`` set to ``value`` (a number
    or a 0-d tensor, whose gradient is the sum over the filled positions)."""
    d = wrap_dim("index_fill", dim, input.ndim)
    if index.dtype is not _dt.int64:
        raise GraphcIndexError("index_fill_(): Expected dtype int64 for index.")
    if index.ndim > 1:
        raise ShapeError("Index has to be a vector/scalar")
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise ShapeError(f"index_fill_ only supports a 0-dimensional value tensor, but got "
                             f"tensor with {value.ndim} dimension(s).")
        _grad_into(input, value)
        return apply(INDEX_FILL, input, index, value, dim=d)
    return apply(INDEX_FILL, input, index, dim=d, fill=value)


def _index_copy_impl(xp, a, idx, src, dim, out=None):
    r = _copy(a, out)
    v, s = _vectors(r, src)
    idx = idx.reshape(-1)
    check_bounds(xp, idx, v.shape[dim], dim, negative=False, op="index_copy_()")
    v[_dim_index(dim, idx)] = s
    return r


INDEX_COPY = register(OpDef(
    name="index_copy", infer=lambda x, index, src, dim: (tuple(x.shape), x.dtype),
    impl=_index_copy_impl, saves=(1,),
    vjp=lambda g, x, index, src, out, dim: (
        apply(INDEX_FILL, g, index, dim=dim, fill=0), None,
        apply(INDEX_SELECT, g, index, dim=dim).reshape(tuple(src.shape)))))


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` with slice ``index[i]`` along ``dim`` replaced by ``source``'s
    slice ``i``."""
    d = wrap_dim("index_copy", dim, input.ndim)
    if index.ndim > 1:
        raise GraphcIndexError("index_copy_(): Index should have dimension 1 or 0 (got "
                               f"{index.ndim})")
    if index.dtype is not _dt.int64:
        raise DTypeError(f"index_copy_(): Expected a long tensor for index, but got "
                         f"{_TORCH_NAME[index.dtype.name]}")
    if input.dtype is not source.dtype:
        raise DTypeError(f"index_copy_(): self and source expected to have the same dtype, but "
                         f"got (self) {_TORCH_NAME[input.dtype.name]} and (source) "
                         f"{_TORCH_NAME[source.dtype.name]}")
    xs, ss = tuple(input.shape), tuple(source.shape)
    if xs and ss and len(xs) != len(ss):
        raise GraphcIndexError(f"index_copy_(): When source and destination are not scalars, "
                               f"their dimensionality must match. Source dimensionality "
                               f"({len(ss)}), destination dimensionality ({len(xs)})")
    vx, vs = xs or (1,), ss or (1,)
    if vs[:d] + vs[d + 1:] != vx[:d] + vx[d + 1:] or vs[d] != index.numel():
        raise GraphcIndexError(f"index_copy_(): Number of indices ({index.numel()}) should be "
                               f"equal to source.size(dim) ({vs[d]}), and source must match "
                               f"self {list(xs)} elsewhere (source {list(ss)})")
    return apply(INDEX_COPY, input, index, source, dim=d)


# -- masked_scatter --------------------------------------------------------------------------
def _masked_scatter_impl(xp, a, mask, src, out=None):
    shape = np.broadcast_shapes(a.shape, mask.shape)
    r = xp.array(xp.broadcast_to(a, shape))
    m = xp.broadcast_to(mask, shape)
    k = int(m.sum())
    if src.size < k:
        raise GraphcRuntimeError("Number of elements of source < number of ones in mask")
    r[m] = src.reshape(-1)[:k]
    return fill_out(out, r)


def _masked_scatter_backward_impl(xp, g, mask, shape, out=None):
    """``g`` at the mask's true positions, in order, as the first elements of a zero tensor of
    ``source``'s ``shape``."""
    vals = g[xp.broadcast_to(mask, g.shape)]
    r = xp.zeros(int(np.prod(shape)), g.dtype)
    r[:vals.size] = vals
    return fill_out(out, r.reshape(shape))


MASKED_SCATTER = register(OpDef(
    name="masked_scatter",
    infer=lambda x, mask, src: (broadcast_shapes("masked_scatter", tuple(x.shape),
                                                 tuple(mask.shape)), x.dtype),
    impl=_masked_scatter_impl, saves=(1,),
    vjp=lambda g, x, mask, src, out: (
        where(mask, 0.0, g), None,
        apply(MASKED_SCATTER_BACKWARD, g, mask, shape=tuple(src.shape)))))
MASKED_SCATTER_BACKWARD = register(OpDef(
    name="masked_scatter_backward", infer=lambda g, mask, shape: (tuple(shape), g.dtype),
    impl=_masked_scatter_backward_impl, saves=(1,),
    vjp=lambda gg, g, mask, out, shape: (
        apply(MASKED_SCATTER, g.new_zeros(tuple(g.shape)), mask, gg), None)))


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` (broadcast with ``mask``) whose positions where ``mask`` is True
    take ``source``'s elements in order."""
    if not mask.dtype.is_bool:
        raise DTypeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                         f"{_TORCH_NAME[mask.dtype.name]}")
    if input.dtype is not source.dtype:
        raise DTypeError(f"masked_scatter: expected self and source to have same dtypes but got "
                         f"{_TORCH_NAME[input.dtype.name]} and {_TORCH_NAME[source.dtype.name]}")
    return apply(MASKED_SCATTER, input, mask, source)


# -- scatter_reduce --------------------------------------------------------------------------
_UFUNCS = {"sum": "add", "mean": "add", "prod": "multiply", "amax": "maximum",
           "amin": "minimum"}


def _identity(reduce: str, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    info = np.finfo(dtype) if dtype.kind == "f" else np.iinfo(dtype)
    lowest, highest = (-np.inf, np.inf) if dtype.kind == "f" else (info.min, info.max)
    return lowest if reduce == "amax" else highest


def _scatter_reduce_impl(xp, a, idx, src, dim, reduce, include_self, out=None):
    r = _copy(a, out)
    v, idx, src = _vectors(r, idx, src)
    check_bounds(xp, idx, v.shape[dim], dim, negative=False, op="scatter_reduce")
    pos = _along(xp, idx, dim)
    if not include_self:
        v[pos] = _identity(reduce, v.dtype)
    getattr(xp, _UFUNCS[reduce]).at(v, pos, _head(src, idx.shape))
    if reduce == "mean":
        count = xp.full(v.shape, 1 if include_self else 0, xp.int64)
        xp.add.at(count, pos, 1)
        count = xp.maximum(count, 1)
        if v.dtype.kind == "f":
            v /= count
        else:
            v //= count
    return r


def _scatter_reduce_vjp(g, x, index, src, out, dim, reduce, include_self):
    def scatter_reduce_(s, i, v):
        return apply(SCATTER_REDUCE, s, i, v, dim=dim, reduce=reduce, include_self=include_self)

    def gather(t):
        return apply(GATHER, t, index, dim=dim)

    src_head = src[tuple(slice(0, n) for n in index.shape)] if index.ndim else src
    if reduce == "sum":
        gx, gs = g, gather(g)
    elif reduce == "mean":
        n = g.new_ones(tuple(g.shape)) if include_self else g.new_zeros(tuple(g.shape))
        n = apply(SCATTER_ADD, n, index, g.new_ones(tuple(index.shape)), dim=dim)
        n = where(n == 0, 1.0, n)
        gx, gs = g / n, gather(g) / gather(n)
    elif reduce == "prod":
        # PyTorch's rule: products that skip the one zero a position may hold.
        masked_self = where(x == 0, 1.0, x)
        gx = g * scatter_reduce_(masked_self, index, src) / masked_self
        src_zero = src_head == 0
        zeros_at = apply(SCATTER_ADD, x.new_zeros(tuple(x.shape)), index,
                         src_zero.to(x.dtype), dim=dim)
        single_zero = src_zero & (gather(zeros_at) == 1)
        without_it = scatter_reduce_(x, index, where(single_zero, 1.0, src_head))
        gs = where(single_zero, gather(g * without_it),
                   gather(g * out) / where(src_zero, 1.0, src_head))
    else:  # amax / amin: split evenly among the values that attain the result
        value = gather(out)
        self_hit = (x == out).to(g.dtype)
        src_hit = (src_head == value).to(g.dtype)
        count = apply(SCATTER_ADD, self_hit, index, src_hit, dim=dim)
        share = g / count
        gx, gs = self_hit * share, src_hit * gather(share)
    if not include_self:
        gx = apply(SCATTER_VALUE, gx, index, 0.0, dim=dim)
    return gx, None, _pad_to(gs, tuple(src.shape))


SCATTER_REDUCE = register(OpDef(
    name="scatter_reduce",
    infer=lambda x, index, src, dim, reduce, include_self: (tuple(x.shape), x.dtype),
    impl=_scatter_reduce_impl, vjp=_scatter_reduce_vjp, saves=(0, 1, 2), saves_out=True,
    grad_name="ScatterReduceBackward0"))


def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """A copy of ``input`` where each ``src`` element is combined (``sum``, ``prod``,
    ``mean``, ``amax``, ``amin``) into the position ``index`` names along ``dim``, together
    with the value already there unless ``include_self=False``."""
    if reduce not in _UFUNCS:
        raise GraphcRuntimeError(f"reduce argument must be either sum, prod, mean, amax or "
                                 f"amin, got {reduce}")
    d = wrap_dim("scatter_reduce", dim, input.ndim)
    _check_index("scatter_reduce", input, index, d, src)
    if input.dtype is not src.dtype:
        raise DTypeError("scatter(): Expected self.dtype to be equal to src.dtype")
    return apply(SCATTER_REDUCE, input, index, src, dim=d, reduce=reduce,
                 include_self=bool(include_self))


# -- diagonal / select / slice scatter -------------------------------------------------------
def _diagonal_scatter_impl(xp, a, src, offset, dim1, dim2, out=None):
    r = _copy(a, out)
    d = xp.diagonal(r, offset, dim1, dim2)
    if not getattr(d.flags, "writeable", True):
        d.flags.writeable = True  # NumPy hands out read-only diagonals of writable arrays
    d[...] = src
    return r


DIAGONAL_SCATTER = register(OpDef(
    name="diagonal_scatter",
    infer=lambda x, src, offset, dim1, dim2: (tuple(x.shape), x.dtype),
    impl=_diagonal_scatter_impl,
    vjp=lambda g, x, src, out, offset, dim1, dim2: (
        apply(DIAGONAL_SCATTER, g, g.new_zeros(tuple(src.shape)), offset=offset, dim1=dim1,
              dim2=dim2),
        apply(DIAGONAL, g, offset=offset, dim1=dim1, dim2=dim2))))


def _same_size(input: Tensor, src: Tensor, slice_shape: tuple) -> None:
    _grad_into(input, src)
    if tuple(src.shape) != tuple(slice_shape):
        raise ShapeError(f"expected src to have a size equal to the slice of self. src size = "
                         f"{list(src.shape)}, slice size = {list(slice_shape)}")


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0,
                     dim2: int = 1) -> Tensor:
    """A copy of ``input`` with ``src`` written on its ``offset`` diagonal of dims
    ``dim1``×``dim2`` (where ``input.diagonal(offset, dim1, dim2)`` reads)."""
    n = input.ndim
    d1, d2 = wrap_dim("diagonal_scatter", dim1, n), wrap_dim("diagonal_scatter", dim2, n)
    if d1 == d2:
        raise ShapeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    attrs = {"offset": operator.index(offset), "dim1": d1, "dim2": d2}
    _same_size(input, src, DIAGONAL.infer(input, **attrs)[0])
    return apply(DIAGONAL_SCATTER, input, src, **attrs)


def _copy_into(input: Tensor, src: Tensor, index: tuple) -> Tensor:
    """``input`` with ``input[index] = src`` on a copy (basic indexing only)."""
    entries, _, _ = parse_index(input, index)
    _same_size(input, src, _basic_shape(tuple(input.shape), entries))
    return apply(COPY_SLICES, input, src, index=entries, accumulate=False)


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """A copy of ``input`` with ``src`` written where ``input.select(dim, index)`` reads."""
    d = wrap_dim("select_scatter", dim, input.ndim)
    n = (tuple(input.shape) or (1,))[d]
    i = operator.index(index)
    if not -n <= i < n:
        raise GraphcIndexError(f"select(): index {i} out of range for tensor of size "
                               f"{list(input.shape)} at dimension {d}")
    return _copy_into(input, src, (slice(None),) * d + (i,))


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start: int | None = None,
                  end: int | None = None, step: int = 1) -> Tensor:
    """A copy of ``input`` with ``src`` written where ``input[..., start:end:step, ...]``
    (along ``dim``) reads."""
    d = wrap_dim("slice_scatter", dim, input.ndim)
    return _copy_into(input, src, (slice(None),) * d + (slice(start, end, step),))


# -- put / diagflat / narrow_copy ------------------------------------------------------------
def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``source`` written (or added) at the flat positions ``index``
    (negative positions count from the end)."""
    if index.dtype is not _dt.int64:
        raise DTypeError(f"put_(): Expected a long tensor for index, but got "
                         f"{_TORCH_NAME[index.dtype.name]}")
    if input.dtype is not source.dtype:
        raise DTypeError(f"put_(): self and source expected to have the same dtype, but got "
                         f"self.dtype = {_TORCH_NAME[input.dtype.name]} and source.dtype = "
                         f"{_TORCH_NAME[source.dtype.name]}")
    if index.numel() != source.numel():
        raise GraphcIndexError(f"put_(): Expected source and index to have the same number of "
                               f"elements, but got source.numel() = {source.numel()}, "
                               f"index.numel() = {index.numel()}")
    flat = index_put(input.reshape(-1), (index.reshape(-1),), source.reshape(-1),
                     bool(accumulate))
    return flat.reshape(tuple(input.shape))


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """The flattened ``input`` on the ``offset`` diagonal of a new square matrix."""
    return diag(input.reshape(-1), offset)


def narrow_copy(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """``narrow`` as a copy rather than a view."""
    return narrow(input, dim, start, length).clone()


__all__ = ["diagflat", "diagonal_scatter", "index_copy", "index_fill", "masked_scatter",
           "narrow_copy", "put", "scatter_reduce", "select_scatter", "slice_scatter"]
