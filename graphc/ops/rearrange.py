"""Rearranging data: ``rot90``, ``repeat_interleave``, ``take``, ``diff``,
``broadcast_tensors``/``broadcast_shapes`` and ``atleast_1d/2d/3d``.

``rot90`` and ``take`` are registry entries (PyTorch shows Rot90Backward0 / TakeBackward0);
the others are composites of expand/reshape/narrow/index_select, exactly as PyTorch builds
them, so their grad_fn is the composite's last op (``diff`` -> SubBackward0).
"""
from __future__ import annotations

import operator

import numpy as np

from graphc import dtypes as _dt
from graphc.errors import DTypeError, GraphcIndexError, GraphcRuntimeError, ShapeError, TraceError
from graphc.ops.dispatch import apply
from graphc.ops.elementwise import ne, where
from graphc.ops.gather_scatter import INDEX_ADD, index_select
from graphc.ops.pointwise import _TORCH_NAME
from graphc.ops.registry import NONDIFF, OpDef, register
from graphc.ops.shape import clone, concrete, dims_arg, expand, fill_out, reshape, unsqueeze
from graphc.ops.shapes import broadcast_shapes as _broadcast
from graphc.ops.shapes import numel, wrap_dim
from graphc.ops.split_join import cat, narrow
from graphc.tensor import Tensor


# -- rot90 -----------------------------------------------------------------------------------
def _rot90_infer(x, k, dims):
    s = list(x.shape)
    if k % 2:
        s[dims[0]], s[dims[1]] = s[dims[1]], s[dims[0]]
    return tuple(s), x.dtype


def _rot90_impl(xp, a, k, dims, out=None):
    return fill_out(out, xp.ascontiguousarray(xp.rot90(a, k, axes=dims)))


ROT90 = register(OpDef(name="rot90", infer=_rot90_infer, impl=_rot90_impl,
                       vjp=lambda g, x, out, k, dims: (apply(ROT90, g, k=(-k) % 4, dims=dims),)))


def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotate by 90 degrees ``k`` times in the plane ``dims``, from the first dim towards the
    second (a copy)."""
    dims = tuple(dims)
    if len(dims) != 2:
        raise ShapeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise ShapeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    d0, d1 = (wrap_dim("rot90", d, input.ndim) for d in dims)
    if d0 == d1:
        raise ShapeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} and "
                         f"dim1 = {dims[1]}")
    k = operator.index(k) % 4
    if k == 0:
        return clone(input)
    return apply(ROT90, input, k=k, dims=(d0, d1))


# -- repeat_interleave -----------------------------------------------------------------------
def _repeats_infer(r):
    if not concrete(r):
        raise TraceError("repeat_interleave with a tensor of repeats has an output shape that "
                         "depends on the data, so it cannot be traced; pass an int instead")
    return (int(r._data.sum()),), _dt.int64


def _repeats_impl(xp, r, out=None):
    counts = r.astype(xp.int64) if xp is np else r.tolist()  # CuPy takes int/list repeats
    return fill_out(out, xp.repeat(xp.arange(r.shape[0], dtype=xp.int64), counts))


# ``repeat_interleave(repeats)``: each index i repeated repeats[i] times (an index tensor).
REPEAT_INTERLEAVE = register(OpDef(name="repeat_interleave", infer=_repeats_infer,
                                   impl=_repeats_impl, vjp=NONDIFF))


def _check_repeats(repeats: Tensor) -> None:
    if repeats.ndim > 1:
        raise ShapeError("repeat_interleave: repeats must be 0-dim or 1-dim tensor")
    if repeats.dtype.is_floating_point or repeats.dtype.is_bool:
        raise DTypeError(f"repeat_interleave: repeats has to be Long or Int tensor, got "
                         f"{repeats.dtype.name}")
    if concrete(repeats) and repeats.numel() and int(repeats._data.min()) < 0:
        raise GraphcRuntimeError("repeat_interleave: repeats can not be negative")


def repeat_interleave(input: Tensor, repeats=None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Repeat each element (each slice along ``dim``) ``repeats`` times, in place order:
    ``[a, b] -> [a, a, b, b]``. ``repeat_interleave(r)`` alone gives ``arange(len(r))``
    repeated by ``r``."""
    if repeats is None:  # the one-argument form: input holds the repeats
        _check_repeats(input)
        if input.ndim != 1:
            raise ShapeError(f"repeat_interleave only accept 1D vector as repeat (got shape "
                             f"{list(input.shape)})")
        return apply(REPEAT_INTERLEAVE, input)
    if dim is None:
        input, d = reshape(input, (-1,)), 0
    else:
        d = wrap_dim("repeat_interleave", dim, input.ndim, wrap_scalar=False)
    n = tuple(input.shape)[d]
    if isinstance(repeats, Tensor):
        _check_repeats(repeats)
        if repeats.numel() != 1 or not concrete(repeats):
            if repeats.numel() == 1:  # traced: broadcast it, the output size is data-dependent
                repeats = expand(reshape(repeats, (1,)), (n,))
            elif repeats.numel() != n:
                raise ShapeError(f"repeats must have the same size as input along dim, but got "
                                 f"repeats.size(0) = {repeats.numel()} and input.size({d}) = {n}")
            return index_select(input, d, apply(REPEAT_INTERLEAVE, repeats.reshape(-1)))
        repeats = int(repeats.item())
    r = operator.index(repeats)
    if r < 0:
        raise GraphcRuntimeError("Repeats must be non-negative")
    s = tuple(input.shape)
    wide = expand(unsqueeze(input, d + 1), s[:d + 1] + (r,) + s[d + 1:])
    return clone(wide).view(s[:d] + (n * r,) + s[d + 1:])


# -- take ------------------------------------------------------------------------------------
def _take_infer(x, index):
    return tuple(index.shape), x.dtype


def _take_impl(xp, a, idx, out=None):
    n = a.size
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if hi >= n or lo < -n:
            bad = hi if hi >= n else lo
            raise GraphcIndexError(f"out of range: tried to access index {bad} on a tensor of "
                                   f"{n} elements.")
    return fill_out(out, xp.take(a.reshape(-1), idx))


def _take_vjp(g, x, index, out):
    n = numel(tuple(x.shape))
    flat = reshape(index, (-1,))
    flat = where(flat < 0, flat + n, flat)
    shape = tuple(x.shape)
    summed = apply(INDEX_ADD, g.new_zeros((n,)), flat, reshape(g, (-1,)), dim=0, alpha=1)
    return reshape(summed, shape), None


TAKE = register(OpDef(name="take", infer=_take_infer, impl=_take_impl, vjp=_take_vjp,
                      saves=(1,)))


def take(input: Tensor, index: Tensor) -> Tensor:
    """Elements of the flattened ``input`` at ``index`` (int64), shaped like ``index``."""
    if index.dtype is not _dt.int64:
        raise DTypeError(f"take(): Expected a long tensor for index, but got "
                         f"{_TORCH_NAME.get(index.dtype.name, index.dtype.name)}")
    return apply(TAKE, input, index)


# -- diff ------------------------------------------------------------------------------------
def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """The ``n``-th forward difference along ``dim`` (``x[1:] - x[:-1]``, ``!=`` for bool),
    after joining ``prepend``/``append`` to ``input``."""
    if input.ndim == 0:
        raise ShapeError("diff expects input to be at least one-dimensional")
    n = operator.index(n)
    if n < 0:
        raise GraphcRuntimeError(f"order must be non-negative but got {n}")
    d = wrap_dim("diff", dim, input.ndim)
    for extra in (prepend, append):
        if extra is not None and (not isinstance(extra, Tensor) or extra.ndim != input.ndim):
            raise ShapeError("diff expects prepend or append to be the same dimension as input")
    parts = [t for t in (prepend, input, append) if t is not None]
    x = cat(parts, d) if len(parts) > 1 else input
    for _ in range(n):
        length = tuple(x.shape)[d]
        if length == 0:
            break
        hi, lo = narrow(x, d, 1, length - 1), narrow(x, d, 0, length - 1)
        x = ne(hi, lo) if x.dtype.is_bool else hi - lo
    return x


# -- broadcast_tensors / atleast_nd ----------------------------------------------------------
def broadcast_shapes(*shapes) -> tuple:
    """The shape that ``shapes`` broadcast to (a ``graphc.Size``), or a ShapeError."""
    from graphc.size import Size
    return Size(_broadcast("broadcast_shapes", *[
        (operator.index(s),) if not isinstance(s, (tuple, list)) else tuple(s)
        for s in shapes]))


def broadcast_tensors(*tensors) -> tuple:
    """The tensors expanded (as views) to their common broadcast shape."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = _broadcast("broadcast_tensors", *[tuple(t.shape) for t in tensors])
    return tuple(t if tuple(t.shape) == shape else expand(t, shape) for t in tensors)


def _atleast(fn, tensors):
    if len(tensors) == 1 and not isinstance(tensors[0], (list, tuple)):
        return fn(tensors[0])
    if len(tensors) == 1:
        tensors = tensors[0]
    return tuple(fn(t) for t in tensors)


def _as_1d(t: Tensor) -> Tensor:
    return reshape(t, (1,)) if t.ndim == 0 else t


def _as_2d(t: Tensor) -> Tensor:
    if t.ndim == 0:
        return reshape(t, (1, 1))
    return unsqueeze(t, 0) if t.ndim == 1 else t


def _as_3d(t: Tensor) -> Tensor:
    if t.ndim == 0:
        return reshape(t, (1, 1, 1))
    if t.ndim == 1:
        return unsqueeze(unsqueeze(t, 0), -1)
    return unsqueeze(t, -1) if t.ndim == 2 else t


def atleast_1d(*tensors):
    """Each tensor with at least one dim (0-d -> shape (1,)); one tensor in, one out."""
    return _atleast(_as_1d, tensors)


def atleast_2d(*tensors):
    """Each tensor with at least two dims: (n,) -> (1, n)."""
    return _atleast(_as_2d, tensors)


def atleast_3d(*tensors):
    """Each tensor with at least three dims: (n,) -> (1, n, 1), (m, n) -> (m, n, 1)."""
    return _atleast(_as_3d, tensors)


# -- sum_to_size (a method only) -------------------------------------------------------------
def sum_to_size(input: Tensor, *size) -> Tensor:
    """Sum ``input`` down to ``size``, which must expand to input's shape (the inverse of a
    broadcast): leading dims are summed away, size-1 dims summed with keepdim."""
    size = dims_arg(size)
    shape = tuple(input.shape)
    lead = len(shape) - len(size)
    if lead < 0 or any(s not in (1, shape[lead + i]) for i, s in enumerate(size)):
        raise ShapeError(f"size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.")
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size)
                                      if s == 1 and shape[lead + i] != 1)
    if not dims:
        return input
    r = input.sum(dims, keepdim=True)
    return r.view(size) if lead else r


__all__ = ["atleast_1d", "atleast_2d", "atleast_3d", "broadcast_shapes", "broadcast_tensors",
           "diff", "repeat_interleave", "rot90", "take"]
