"""Gather/scatter along a dim: ``gather``, ``scatter``, ``scatter_add``, ``index_select``,
``index_add``, ``take_along_dim``.

Each pair is the other's gradient (gather <-> scatter_add, index_select <-> index_add), so double
backward works. Index tensors are op inputs; repeated indices accumulate through ``add_at``
(``np.add.at`` / ``cupyx.scatter_add``), and out-of-range indices raise PyTorch's message on both
backends instead of wrapping on the GPU.
"""
from __future__ import annotations

from graphc import dtypes as _dt
from graphc.errors import DTypeError, GraphcIndexError, ShapeError
from graphc.ops.dispatch import apply
from graphc.ops.dtype_checks import same_dtype
from graphc.ops.index import SLICE_BACKWARD, add_at, check_bounds
from graphc.ops.registry import OpDef, register
from graphc.ops.shape import expand, fill_out, reshape
from graphc.ops.shapes import broadcast_shapes, wrap_dim
from graphc.tensor import Tensor

_INDEX_DTYPES = ("int64", "int32")


def _along(xp, idx, dim: int) -> tuple:
    """The NumPy index that addresses, for each position of ``idx``, element ``idx`` along
    ``dim`` and the position's own coordinate along every other dim."""
    nd = idx.ndim
    out = []
    for d in range(nd):
        if d == dim:
            out.append(idx)
        else:
            shape = [1] * nd
            shape[d] = idx.shape[d]
            out.append(xp.arange(idx.shape[d]).reshape(shape))
    return tuple(out)


def _head(a, shape):
    """The leading ``shape`` block of ``a`` (scatter reads only the index-shaped part of src)."""
    return a[tuple(slice(0, n) for n in shape)] if a.shape != tuple(shape) else a


def _copy(a, out):
    return a.copy() if out is None else fill_out(out, a)


def _pad_to(t: Tensor, shape: tuple) -> Tensor:
    """Zero-pad a gradient computed for a leading block back to the full ``shape``."""
    if tuple(t.shape) == tuple(shape):
        return t
    index = tuple(("slice", 0, n, 1) for n in t.shape)
    return apply(SLICE_BACKWARD, t, shape=tuple(shape), index=index)


def _vector_shape(shape: tuple) -> tuple:
    """As PyTorch, a 0-d tensor counts as a vector of one element for gather and scatter."""
    return shape or (1,)


def _check_index(op: str, x, index, dim: int, src=None) -> None:
    """PyTorch's shape/dtype rules for gather/scatter index tensors."""
    if index.dtype is not _dt.int64:
        raise DTypeError(f"{op}(): Expected dtype int64 for index")
    xs, ixs = _vector_shape(tuple(x.shape)), _vector_shape(tuple(index.shape))
    if len(ixs) != len(xs):
        raise ShapeError(f"{op}(): Index tensor must have the same number of dimensions as "
                         f"input tensor (index {list(index.shape)}, input {list(x.shape)})")
    for d, (a, b) in enumerate(zip(ixs, xs)):
        if d != dim and a > b:
            raise ShapeError(f"Size does not match at dimension {d} expected index {list(ixs)} "
                             f"to be no larger than self {list(xs)} apart from dimension {dim}")
    if src is not None and isinstance(src, Tensor):
        ss = _vector_shape(tuple(src.shape))
        if len(ss) != len(ixs) or any(a > b for a, b in zip(ixs, ss)):
            raise ShapeError(f"{op}(): Expected index {list(index.shape)} to be no larger than "
                             f"src {list(src.shape)}")
        same_dtype(op, x, src=src)  # NumPy would cast src into x's dtype


def _vectors(*arrays) -> tuple:
    """0-d arrays as 1-element views (scalars pass through): the kernels' form of
    ``_vector_shape``."""
    return tuple(a.reshape(1) if getattr(a, "ndim", 1) == 0 else a for a in arrays)


def _check_along(op: str, xp, idx, a, dim: int) -> None:
    """Indices must lie in ``[0, size)`` along ``dim``; NumPy would wrap negative ones."""
    check_bounds(xp, idx, a.shape[dim], dim, negative=False, op=op)


# -- gather (and sort/topk, which are gathers PyTorch names differently) ----------------------
def _gather_infer(x, index, dim):
    return tuple(index.shape), x.dtype


def _gather_impl(xp, a, idx, dim, out=None):
    v, i = _vectors(a, idx)
    _check_along("gather", xp, i, v, dim)
    r = v[_along(xp, i, dim)]
    return fill_out(out, r if i is idx else r.reshape(()))


def _gather_vjp(g, x, index, out, dim):
    return apply(SCATTER_ADD, g.new_zeros(tuple(x.shape)), index, g, dim=dim), None


def gather_op(name: str, grad_name: str | None = None) -> OpDef:
    return register(OpDef(name=name, infer=_gather_infer, impl=_gather_impl, vjp=_gather_vjp,
                          grad_name=grad_name, saves=(1,)))


GATHER = gather_op("gather")


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """``out[i][j] = input[index[i][j]][j]`` (for dim=0), any rank."""
    d = wrap_dim("gather", dim, input.ndim)
    _check_index("gather", input, index, d)
    return apply(GATHER, input, index, dim=d)


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """``gather`` after broadcasting input and indices over every dim but ``dim``."""
    if dim is None:
        return gather(reshape(input, (-1,)), 0, reshape(indices, (-1,)))
    d = wrap_dim("take_along_dim", dim, input.ndim)
    if input.ndim != indices.ndim:
        raise ShapeError("torch.take_along_dim(): input and indices should have the same number "
                         "of dimensions")
    xs, ixs = list(input.shape), list(indices.shape)
    b = list(broadcast_shapes("take_along_dim", tuple(xs[:d] + [1] + xs[d + 1:]),
                              tuple(ixs[:d] + [1] + ixs[d + 1:])))
    xb, ib = tuple(b[:d] + [xs[d]] + b[d + 1:]), tuple(b[:d] + [ixs[d]] + b[d + 1:])
    x = input if tuple(xs) == xb else expand(input, xb)
    i = indices if tuple(ixs) == ib else expand(indices, ib)
    return gather(x, d, i)


# -- scatter / scatter_add -------------------------------------------------------------------
def _scatter_add_impl(xp, a, idx, src, dim, out=None):
    r = _copy(a, out)
    v, idx, src = _vectors(r, idx, src)  # v: a view of r
    _check_along("scatter_add", xp, idx, v, dim)
    add_at(xp, v, _along(xp, idx, dim), _head(src, idx.shape))
    return r


def _scatter_impl(xp, a, idx, src, dim, out=None):
    r = _copy(a, out)
    v, idx, src = _vectors(r, idx, src)
    _check_along("scatter", xp, idx, v, dim)
    v[_along(xp, idx, dim)] = _head(src, idx.shape) if hasattr(src, "shape") else src
    return r


def _same_as_input(x, index, src, dim):
    return tuple(x.shape), x.dtype


SCATTER_ADD = register(OpDef(
    name="scatter_add", infer=_same_as_input, impl=_scatter_add_impl, saves=(1,),
    vjp=lambda g, x, index, src, out, dim: (
        g, None, _pad_to(apply(GATHER, g, index, dim=dim), tuple(src.shape)))))


def _scatter_vjp(g, x, index, src, out, dim):
    gx = apply(SCATTER_VALUE, g, index, 0.0, dim=dim)
    gs = _pad_to(apply(GATHER, g, index, dim=dim), tuple(src.shape)) \
        if isinstance(src, Tensor) else None
    return gx, None, gs


SCATTER = register(OpDef(name="scatter", infer=_same_as_input, impl=_scatter_impl,
                         vjp=_scatter_vjp, saves=(1,)))
SCATTER_VALUE = register(OpDef(name="scatter_value", infer=_same_as_input, impl=_scatter_impl,
                               vjp=_scatter_vjp, grad_name="ScatterBackward1", saves=(1,)))


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim`` (repeats accumulate)."""
    d = wrap_dim("scatter_add", dim, input.ndim)
    _check_index("scatter_add", input, index, d, src)
    return apply(SCATTER_ADD, input, index, src, dim=d)


def scatter(input: Tensor, dim: int, index: Tensor, src=None, value=None, *,
            reduce: str | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` (a tensor or a number) written at ``index``."""
    if src is None:
        src = value
    if src is None:
        raise ShapeError("scatter(): expected a src tensor or a value")
    d = wrap_dim("scatter", dim, input.ndim)
    if reduce is not None:
        if reduce != "add":
            raise ShapeError(f"scatter(): reduce={reduce!r} is not supported by graphc")
        if not isinstance(src, Tensor):
            src = expand(input.new_full((), src), tuple(index.shape))
        return scatter_add(input, dim, index, src)
    _check_index("scatter", input, index, d, src)
    if isinstance(src, Tensor):
        return apply(SCATTER, input, index, src, dim=d)
    return apply(SCATTER_VALUE, input, index, src, dim=d)


# -- index_select / index_add ----------------------------------------------------------------
def _index_select_infer(x, index, dim):
    s = tuple(x.shape)
    if not s:  # a 0-d input stays 0-d (its one index was checked by index_select)
        return (), x.dtype
    return s[:dim] + (index.numel(),) + s[dim + 1:], x.dtype


def _index_select_impl(xp, a, idx, dim, out=None):
    idx = idx.reshape(-1)
    _check_along("index_select", xp, idx, _vectors(a)[0], dim)
    if a.ndim == 0:
        return _copy(a, out)
    return fill_out(out, xp.take(a, idx, axis=dim))


def _index_add_impl(xp, a, idx, src, dim, alpha, out=None):
    r = _copy(a, out)
    v, src = _vectors(r, src)
    idx = idx.reshape(-1)
    _check_along("index_add", xp, idx, v, dim)
    add_at(xp, v, (slice(None),) * dim + (idx,), src if alpha == 1 else src * alpha)
    return r


INDEX_SELECT = register(OpDef(
    name="index_select", infer=_index_select_infer, impl=_index_select_impl, saves=(1,),
    vjp=lambda g, x, index, out, dim: (apply(
        INDEX_ADD, g.new_zeros(tuple(x.shape)), index, g, dim=dim, alpha=1), None)))
INDEX_ADD = register(OpDef(
    name="index_add", infer=lambda x, index, src, dim, alpha: (tuple(x.shape), x.dtype),
    impl=_index_add_impl, saves=(1,),
    vjp=lambda g, x, index, src, out, dim, alpha: (
        g, None, _scaled(apply(INDEX_SELECT, g, index, dim=dim), alpha))))


def _scaled(t: Tensor, alpha):
    return t if alpha == 1 else t * alpha


def _check_vector_index(op: str, index: Tensor) -> None:
    if index.ndim > 1:
        raise GraphcIndexError(f"{op}(): Index is supposed to be a vector")
    if index.dtype.name not in _INDEX_DTYPES:
        raise DTypeError(f"{op}(): Expected dtype int32/int64 for index")


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices ``index`` along ``dim``, in that order (a copy)."""
    d = wrap_dim("index_select", dim, input.ndim)
    _check_vector_index("index_select", index)
    if input.ndim == 0 and index.numel() != 1:
        raise ShapeError(f"index_select(): Index to scalar can have only 1 value, got "
                         f"{index.numel()} value(s) (input [], index {list(index.shape)})")
    return apply(INDEX_SELECT, input, index, dim=d)


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """A copy of ``input`` with ``alpha * source[i]`` added to slice ``index[i]`` along ``dim``."""
    d = wrap_dim("index_add", dim, input.ndim)
    _check_vector_index("index_add_", index)
    xs, ss = tuple(input.shape), tuple(source.shape)
    if len(ss) != len(xs) or ss[:d] + ss[d + 1:] != xs[:d] + xs[d + 1:]:
        raise ShapeError(f"index_add_(): source tensor shape must match self tensor shape, "
                         f"excluding the specified dimension. Got self.shape = {list(xs)} "
                         f"source.shape = {list(ss)}")
    if _vector_shape(ss)[d] != index.numel():
        raise ShapeError(f"index_add_(): Number of indices ({index.numel()}) should be equal to "
                         f"source.size(dim) ({_vector_shape(ss)[d]}) (source {list(ss)})")
    same_dtype("index_add_", input, source=source)  # NumPy would cast source into input's
    return apply(INDEX_ADD, input, index, source, dim=d, alpha=alpha)


__all__ = ["gather", "index_add", "index_select", "scatter", "scatter_add", "take_along_dim"]
