"""Views with their own strides: ``Tensor.unfold`` (sliding windows), ``as_strided`` (and
``as_strided_``), and the splits ``tensor_split``/``hsplit``/``vsplit``/``dsplit``.

``unfold`` and ``as_strided`` are view ops (``view=True``: they share the input's storage and
version counter). Their kernels build the view with ``as_strided`` from NumPy/CuPy, and their
gradients scatter-add the incoming gradient back onto the positions each output element reads
(overlapping windows accumulate), each through an entry whose own gradient is the view again,
so double backward works.

``as_strided`` addresses memory as PyTorch does: ``storage_offset`` counts from the start of
the tensor's storage. The op's ``offset`` attr is relative to the input's first element (the
public function converts), so a compiled graph, whose intermediates live wherever the runtime
put them, reads the same elements as eager mode.
"""
from __future__ import annotations

import operator
from itertools import pairwise

import numpy as np

from graphc.errors import DTypeError, GraphcRuntimeError, ShapeError
from graphc.ops.dispatch import apply
from graphc.ops.index import add_at, slice_view
from graphc.ops.inplace_extra import _reshape_inplace, _variant
from graphc.ops.registry import OpDef, register
from graphc.ops.shape import concrete, fill_out
from graphc.ops.shapes import numel, wrap_dim
from graphc.tensor import Tensor


# -- unfold ----------------------------------------------------------------------------------
def _windows(n: int, size: int, step: int) -> int:
    return (n - size) // step + 1


def _unfold_infer(x, dim, size, step):
    s = tuple(x.shape)
    if not s:  # a 0-d tensor has one window of its one element (or none): shape (size,)
        return (size,), x.dtype
    return s[:dim] + (_windows(s[dim], size, step),) + s[dim + 1:] + (size,), x.dtype


def _unfold_impl(xp, a, dim, size, step, out=None):
    if a.ndim == 0:
        return fill_out(out, a.reshape(1)[:size])
    v = a
    shape = v.shape[:dim] + (_windows(v.shape[dim], size, step),) + v.shape[dim + 1:] + (size,)
    strides = v.strides[:dim] + (v.strides[dim] * step,) + v.strides[dim + 1:] + \
        (v.strides[dim],)
    r = xp.lib.stride_tricks.as_strided(v, shape, strides)
    return fill_out(out, r)


def _unfold_backward_impl(xp, g, shape, dim, size, step, out=None):
    """The sum, at every input position, of the gradients of the window elements reading it."""
    if not shape:
        return fill_out(out, g.sum().reshape(()).astype(g.dtype))
    r = xp.zeros(tuple(shape), g.dtype)
    nw = g.shape[dim]
    pos = xp.arange(nw)[:, None] * step + xp.arange(size)[None, :]   # (windows, size)
    add_at(xp, r, (slice(None),) * dim + (pos,), xp.moveaxis(g, -1, dim + 1))
    return fill_out(out, r)


UNFOLD = register(OpDef(
    name="unfold", infer=_unfold_infer, impl=_unfold_impl, view=True,
    vjp=lambda g, x, out, dim, size, step: (apply(
        UNFOLD_BACKWARD, g, shape=tuple(x.shape), dim=dim, size=size, step=step),)))
UNFOLD_BACKWARD = register(OpDef(
    name="unfold_backward",
    infer=lambda g, shape, dim, size, step: (tuple(shape), g.dtype),
    impl=_unfold_backward_impl,
    vjp=lambda gg, g, out, shape, dim, size, step: (apply(
        UNFOLD, gg, dim=dim, size=size, step=step),)))


def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """``Tensor.unfold``: every window of ``size`` elements along ``dimension``, ``step``
    apart, as a new last dim; a view."""
    d = wrap_dim("unfold", dimension, input.ndim)
    n = (tuple(input.shape) or (1,))[d]
    size, step = operator.index(size), operator.index(step)
    if size > n:
        raise ShapeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if size < 0:
        raise ShapeError(f"size is {size} but must be >= 0")
    if step <= 0:
        raise ShapeError(f"step is {step} but must be > 0")
    return apply(UNFOLD, input, dim=d, size=size, step=step)


# -- as_strided ------------------------------------------------------------------------------
def _positions(xp, size, stride, offset):
    """The element offset read by every position of a (size, stride, offset) view."""
    pos = xp.full(tuple(size), offset, xp.int64)
    for d, (n, st) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[d] = n
        pos = pos + (xp.arange(n, dtype=xp.int64) * st).reshape(shape)
    return pos


def _root(a):
    """The array owning ``a``'s memory (views chain through ``.base``)."""
    while getattr(a, "base", None) is not None and hasattr(a.base, "dtype"):
        a = a.base
    return a


def _address(xp, a) -> int:
    return a.__array_interface__["data"][0] if xp is np else a.data.ptr


def _as_strided_impl(xp, a, size, stride, offset, out=None):
    item = a.dtype.itemsize
    root = _root(a)
    start = (_address(xp, a) - _address(xp, root)) // item + offset
    if size and min(size) == 0:
        return fill_out(out, xp.empty(size, a.dtype))
    lo = start + sum(min(0, (n - 1) * st) for n, st in zip(size, stride))
    hi = start + sum(max(0, (n - 1) * st) for n, st in zip(size, stride))
    if lo < 0 or hi >= root.size:
        raise GraphcRuntimeError(f"as_strided: sizes {list(size)}, strides {list(stride)} and "
                                 f"offset {offset} reach outside the input's memory")
    flat = root.ravel(order="K")[start:]  # memory order: a view for C- and F-ordered owners
    r = xp.lib.stride_tricks.as_strided(flat, tuple(size), tuple(st * item for st in stride))
    return fill_out(out, r)


def _restride_impl(xp, g, src, dst, out=None):
    """Gradient transport between two views of one memory: add ``g`` (laid out as view
    ``src``) into a zero buffer, read it back as view ``dst`` (each a (size, stride, offset))."""
    p_src, p_dst = _positions(xp, *src), _positions(xp, *dst)
    both = [p for p in (p_src, p_dst) if p.size]
    lo = min(int(p.min()) for p in both) if both else 0
    hi = max(int(p.max()) for p in both) if both else 0
    buf = xp.zeros(hi - lo + 1, g.dtype)
    add_at(xp, buf, (p_src - lo).reshape(-1), g.reshape(-1))
    return fill_out(out, buf[(p_dst - lo)].reshape(tuple(dst[0])))


RESTRIDE = register(OpDef(
    name="as_strided_backward", infer=lambda g, src, dst: (tuple(dst[0]), g.dtype),
    impl=_restride_impl,
    vjp=lambda gg, g, out, src, dst: (apply(RESTRIDE, gg, src=dst, dst=src),)))


def _as_strided_vjp(g, x, out, size, stride, offset, geometry):
    return (apply(RESTRIDE, g, src=(size, stride, offset), dst=geometry),)


# ``geometry``: the input's own (size, stride, 0), which the gradient is read back as.
AS_STRIDED = register(OpDef(
    name="as_strided", infer=lambda x, size, stride, offset, geometry: (tuple(size), x.dtype),
    impl=lambda xp, a, size, stride, offset, geometry, out=None: _as_strided_impl(
        xp, a, size, stride, offset, out=out),
    vjp=_as_strided_vjp, view=True))


AS_STRIDED_ = _variant(AS_STRIDED, "as_strided_", "AsStridedBackward1")


def _contiguous_strides(shape: tuple) -> tuple:
    st, acc = [], 1
    for n in reversed(shape):
        st.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(st))


def storage_offset(input: Tensor) -> int:
    """Where ``input``'s first element sits in its storage, in elements."""
    if not concrete(input):
        return 0
    a = input._data
    xp = input._device.xp
    return (_address(xp, a) - _address(xp, _root(a))) // a.dtype.itemsize


def _geometry(input: Tensor) -> tuple:
    """(size, stride, 0) of ``input`` in elements; a traced value counts as contiguous."""
    shape = tuple(input.shape)
    if concrete(input):
        return shape, tuple(s // input._data.itemsize for s in input._data.strides), 0
    return shape, _contiguous_strides(shape), 0


def _as_strided_attrs(input: Tensor, size, stride, storage_offset_) -> dict:
    size = tuple(operator.index(s) for s in size)
    stride = tuple(operator.index(s) for s in stride)
    if len(size) != len(stride):
        raise ShapeError(f"mismatch in length of strides and shape (sizes {list(size)}, "
                         f"strides {list(stride)})")
    if any(s < 0 for s in size):
        raise ShapeError(f"as_strided: negative size in {list(size)}")
    if any(s < 0 for s in stride):
        raise ShapeError(f"as_strided: Negative strides are not supported at the moment, got "
                         f"strides: {list(stride)}")
    own = storage_offset(input)
    absolute = own if storage_offset_ is None else operator.index(storage_offset_)
    if absolute < 0:
        raise ShapeError(f"Tensor: invalid storage offset {absolute}")
    if concrete(input) and numel(size):
        need = absolute + sum((n - 1) * st for n, st in zip(size, stride)) + 1
        have = _root(input._data).size
        if need > have:
            raise ShapeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                             f"offset {absolute}, and itemsize {input.dtype.itemsize} requiring "
                             f"a storage size of {need * input.dtype.itemsize} are out of "
                             f"bounds for storage of size {have * input.dtype.itemsize}")
    return {"size": size, "stride": stride, "offset": absolute - own,
            "geometry": _geometry(input)}


def as_strided(input: Tensor, size, stride, storage_offset=None) -> Tensor:
    """A view of ``input``'s storage with the given sizes and strides (in elements), starting
    at ``storage_offset`` (default: where ``input`` starts). Writes through overlapping views
    and reads outside ``input``'s own elements behave as in PyTorch."""
    return apply(AS_STRIDED, input, **_as_strided_attrs(input, size, stride, storage_offset))


def as_strided_(input: Tensor, size, stride, storage_offset=None) -> Tensor:
    """In place: ``input`` itself becomes the ``as_strided`` view of its storage."""
    return _reshape_inplace(input, AS_STRIDED_, **_as_strided_attrs(input, size, stride,
                                                                     storage_offset))


# -- tensor_split and friends ----------------------------------------------------------------
def _bounds(n: int, indices_or_sections) -> list:
    """(start, stop) of each piece: ``k`` near-equal sections (the first ``n % k`` one longer)
    or the pieces between split indices (clamped to [0, n], as Python slicing does)."""
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        if k <= 0:
            raise GraphcRuntimeError(f"number of sections must be larger than 0, got {k}")
        small, extra = divmod(n, k)
        out, start = [], 0
        for i in range(k):
            stop = start + small + (1 if i < extra else 0)
            out.append((start, stop))
            start = stop
        return out
    cuts = [0] + [operator.index(i) for i in indices_or_sections] + [n]
    clamp = [min(max(c + n if c < 0 else c, 0), n) for c in cuts]
    return [(a, max(a, b)) for a, b in pairwise(clamp)]


def _split_arg(arg):
    """An int, a sequence of ints, or a (0-d or 1-d) int64 tensor of either."""
    if isinstance(arg, Tensor):
        if arg.dtype.name != "int64":
            raise DTypeError(f"tensor_split expected tensor_indices_or_sections to have dtype "
                             f"of long, but got {arg.dtype.name}")
        if arg.ndim > 1:
            raise ShapeError(f"tensor_split expected tensor_indices_or_sections to be a "
                             f"zero-dimensional or one-dimensional tensor, but got a tensor "
                             f"with {arg.ndim} dims")
        return int(arg.item()) if arg.ndim == 0 else [int(v) for v in arg.tolist()]
    if isinstance(arg, (list, tuple)):
        return list(arg)
    return operator.index(arg)


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0) -> tuple:
    """Views of ``input`` split along ``dim`` into ``k`` near-equal pieces or at the given
    indices (pieces may be empty)."""
    if input.ndim == 0:
        raise ShapeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                         "tensor with 0 dims")
    d = wrap_dim("tensor_split", dim, input.ndim)
    bounds = _bounds(tuple(input.shape)[d], _split_arg(indices_or_sections))
    return tuple(slice_view(input, d, a, b) for a, b in bounds)


def _directional_split(name: str, min_dims: int, dim_of, input: Tensor, arg) -> tuple:
    if input.ndim < min_dims:
        raise ShapeError(f"torch.{name} requires a tensor with at least {min_dims} dimension, "
                         f"but got a tensor with {input.ndim} dimensions!")
    d = dim_of(input.ndim)
    arg = _split_arg(arg)
    if isinstance(arg, int):
        n = tuple(input.shape)[d]
        if arg == 0 or n % arg:
            raise ShapeError(f"torch.{name} attempted to split along dimension {d}, but the "
                             f"size of the dimension {n} is not divisible by the split_size "
                             f"{arg}!")
    return tensor_split(input, arg, d)


def hsplit(input: Tensor, indices_or_sections) -> tuple:
    """Split along dim 1 (dim 0 for 1-D tensors) into equal sections or at indices."""
    return _directional_split("hsplit", 1, lambda n: 1 if n > 1 else 0, input,
                              indices_or_sections)


def vsplit(input: Tensor, indices_or_sections) -> tuple:
    """Split along dim 0 of a tensor with at least 2 dims."""
    return _directional_split("vsplit", 2, lambda n: 0, input, indices_or_sections)


def dsplit(input: Tensor, indices_or_sections) -> tuple:
    """Split along dim 2 of a tensor with at least 3 dims."""
    return _directional_split("dsplit", 3, lambda n: 2, input, indices_or_sections)


__all__ = ["as_strided", "as_strided_", "dsplit", "hsplit", "tensor_split", "vsplit"]
