"""Indexing: ``x[i]`` and ``x[i] = v`` (basic views, advanced copies, boolean masks), plus
``index_put``, ``masked_fill``, ``masked_select`` and ``nonzero``.

An index is first parsed into canonical, hashable entries: ``('int', i)``, ``('slice', start,
stop, step)``, ``('none',)``, ``('tensor', k)`` and ``('newdim', k)``, the last two naming the
k-th index tensor (``newdim``: a 0-d mask, i.e. a new size-1 dim that tensor k indexes). Basic
indexing (no tensors) is a view op whose attrs hold the entries. Advanced indexing copies and its
index tensors are op *inputs*, so a traced graph sees where they come from; boolean masks become
integer indices (``nonzero``) first, so every op here has a static output shape.

As in PyTorch (and unlike NumPy when an int sits apart from the tensors), ints and slices apply
first as a view and the tensors then index the dims that remain.
"""
from __future__ import annotations

import operator

import numpy as np

from graphc import dtypes as _dt
from graphc.autograd.grad_mode import is_grad_enabled
from graphc.errors import (
    ArgumentError,
    AutogradError,
    DeviceError,
    DTypeError,
    GraphcIndexError,
    GraphcValueError,
    ShapeError,
    TraceError,
)
from graphc.ops.dispatch import active_tracer, apply
from graphc.ops.dtype_checks import TORCH_NAME
from graphc.ops.registry import NONDIFF, OpDef, register
from graphc.ops.shape import concrete, expand, fill_out, per_node_variant
from graphc.ops.shapes import broadcast_shapes
from graphc.ops.split_join import unbind
from graphc.tensor import Tensor

_NONE = ("none",)
_SCALARS = (bool, int, float)


def add_at(xp, a, index, values) -> None:
    """``a[index] += values`` where repeated indices accumulate (``np.add.at``/cupyx)."""
    if xp is np:
        np.add.at(a, index, values)
    else:
        import cupyx
        cupyx.scatter_add(a, index, values)


def check_bounds(xp, idx, size: int, dim: int, negative: bool = True, op: str = "") -> None:
    """PyTorch's out-of-bounds message (CuPy would silently wrap). ``negative=False``: indices
    must lie in ``[0, size)``, as gather/scatter/index_select require."""
    if idx.size == 0:
        return
    lo, hi = int(idx.min()), int(idx.max())
    if hi >= size or lo < (-size if negative else 0):
        bad = hi if hi >= size else lo
        raise GraphcIndexError(f"{op + ': ' if op else ''}index {bad} is out of bounds for "
                               f"dimension {dim} with size {size}")


# -- parsing ---------------------------------------------------------------------------------
def _classify(x: Tensor, item):
    """One raw index item -> (kind, value)."""
    if item is None:
        return _NONE
    if item is Ellipsis:
        return ("ellipsis",)
    if isinstance(item, bool):
        return ("mask0", item)
    if isinstance(item, slice):
        vals = [None if v is None else operator.index(v) for v in (item.start, item.stop,
                                                                   item.step)]
        if vals[2] is not None and vals[2] <= 0:
            raise GraphcValueError("step must be greater than zero")
        return ("slice", slice(*vals))
    if isinstance(item, Tensor):
        return _classify_tensor(x, item)
    if isinstance(item, (list, tuple, range, np.ndarray)):  # x[range(n), y]: the nll tutorial
        from graphc.ops.creation import tensor
        t = tensor(item, device=x.device)
        if t.numel() == 0 and t.dtype.is_floating_point:
            t = t.to(_dt.int64)
        return _classify_tensor(x, t)
    try:
        return ("int", operator.index(item))
    except TypeError:
        raise GraphcIndexError(
            f"only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
            f"valid indices (got {type(item).__name__})") from None


def _classify_tensor(x: Tensor, t: Tensor):
    kind = t.dtype
    if kind.is_floating_point:
        raise GraphcIndexError("tensors used as indices must be long, int, byte or bool tensors")
    if t.device != x.device:
        if t.device.type != "cpu" and x.device.type == "cpu":
            raise DeviceError(f"indices should be either on cpu or on the same device as the "
                              f"indexed tensor ({x.device})")
        t = t.to(x.device)
    if kind.is_bool or kind is _dt.uint8:
        return ("mask0" if t.ndim == 0 else "mask", t if kind.is_bool else t.bool())
    return ("long", t)


def _consumes(it) -> int:
    k = it[0]
    if k in ("int", "slice", "long"):
        return 1
    if k == "mask":
        return it[1].ndim
    return 0


def parse_index(x: Tensor, index):
    """``(entries, tensors, is_select)`` for ``x[index]``; raises PyTorch's indexing errors."""
    items = [_classify(x, it) for it in (index if isinstance(index, tuple) else (index,))]
    shape = tuple(x.shape)
    used = sum(_consumes(it) for it in items)
    n_ell = sum(1 for it in items if it[0] == "ellipsis")
    if n_ell > 1:
        raise GraphcIndexError("an index can only have a single ellipsis ('...')")
    if used > len(shape):
        raise GraphcIndexError(f"too many indices for tensor of dimension {len(shape)}")
    entries, tensors = [], []
    d, select = 0, False
    for it in items:
        k = it[0]
        if k == "none":
            entries.append(_NONE)
            select = False
        elif k == "ellipsis":
            for _ in range(len(shape) - used):
                entries.append(("slice", 0, shape[d], 1))
                d += 1
        elif k == "int":
            n, i = shape[d], it[1]
            if not -n <= i < n:
                raise GraphcIndexError(f"index {i} is out of bounds for dimension {d} with "
                                       f"size {n}")
            entries.append(("int", i + n if i < 0 else i))
            d, select = d + 1, True
        elif k == "slice":
            start, stop, step = it[1].indices(shape[d])
            entries.append(("slice", start, max(stop, start), step))
            if (start, stop, step) != (0, shape[d], 1):
                select = False
            d += 1
        elif k == "long":
            entries.append(("tensor", len(tensors)))
            tensors.append(it[1])
            d += 1
        elif k == "mask0":  # as in PyTorch: a new size-1 dim, indexed by [0] (True) or [] (False)
            from graphc.ops.creation import zeros
            m = it[1]  # a Python bool is static; a tensor is data, like any mask
            entries.append(("newdim", len(tensors)))
            tensors.append(zeros(int(m), dtype=_dt.int64, device=x.device) if isinstance(m, bool)
                           else nonzero(m.reshape(1), as_tuple=True)[0])
            select = False
        else:  # a boolean mask over mask.ndim dims: its nonzero coordinates, one per dim
            m = it[1]
            if tuple(m.shape) != shape[d:d + m.ndim]:
                for j, (a, b) in enumerate(zip(m.shape, shape[d:])):
                    if a != b:
                        raise GraphcIndexError(
                            f"The shape of the mask {list(m.shape)} at index {j} does not match "
                            f"the shape of the indexed tensor {list(shape)} at index {d + j}")
            for col in nonzero(m, as_tuple=True):
                entries.append(("tensor", len(tensors)))
                tensors.append(col)
                d += 1
    return tuple(entries), tensors, select


def _split_index(entries: tuple, arrays) -> tuple:
    """NumPy index tuples: ``basic`` (ints, slices, None; tensors kept as full slices), applied
    first as a view, then ``adv`` (tensors over the remaining dims), or None without tensors."""
    basic, adv, has_tensor = [], [], False
    for e in entries:
        k = e[0]
        if k == "int":
            basic.append(e[1])
        elif k == "slice":
            basic.append(slice(e[1], e[2], e[3]))
            adv.append(slice(None))
        elif k == "none":
            basic.append(None)
            adv.append(slice(None))
        elif k == "newdim":
            basic.append(None)
            adv.append(arrays[e[1]])
            has_tensor = True
        else:
            basic.append(slice(None))
            adv.append(arrays[e[1]])
            has_tensor = True
    basic.append(Ellipsis)
    return tuple(basic), (tuple(adv) if has_tensor else None)


def _basic_shape(shape: tuple, entries: tuple) -> tuple:
    out, d = [], 0
    for e in entries:
        k = e[0]
        if k in ("none", "newdim"):
            out.append(1)
        elif k == "int":
            d += 1
        elif k == "slice":
            out.append(len(range(e[1], e[2], e[3])))
            d += 1
        else:
            out.append(shape[d])
            d += 1
    return tuple(out) + tuple(shape[d:])


def index_shape(shape: tuple, entries: tuple, idx_shapes: list) -> tuple:
    """The result shape of ``x[entries]`` given the index tensors' shapes."""
    out = _basic_shape(shape, entries)
    if not idx_shapes:
        return out
    try:
        b = broadcast_shapes("index", *idx_shapes)
    except ShapeError:
        raise GraphcIndexError("shape mismatch: indexing tensors could not be broadcast together "
                               "with shapes " + ", ".join(str(list(s)) for s in idx_shapes)) \
            from None
    kept = [e for e in entries if e[0] != "int"]
    pos = [i for i, e in enumerate(kept) if e[0] in ("tensor", "newdim")]
    if pos[-1] - pos[0] + 1 == len(pos):  # adjacent tensors: their dims replace them in place
        return out[:pos[0]] + b + out[pos[-1] + 1:]
    return b + tuple(s for i, s in enumerate(out) if i not in pos)


def _check_all(xp, shape, entries, arrays) -> None:
    """Bounds of every index tensor against the input dim it addresses ("newdim" indices come
    from a 0-d mask and are in range by construction)."""
    d = 0
    for e in entries:
        if e[0] == "tensor":
            check_bounds(xp, arrays[e[1]], shape[d], d)
        if e[0] not in ("none", "newdim"):
            d += 1


# -- basic indexing (views) ------------------------------------------------------------------
def _basic_impl(xp, a, index, out=None):
    return fill_out(out, a[_split_index(index, ())[0]])


def _slice_backward_impl(xp, g, shape, index, out=None):
    r = xp.zeros(shape, g.dtype) if out is None else out
    if out is not None:
        r[...] = 0
    r[_split_index(index, ())[0]] = g
    return r


def _basic_vjp(g, x, out, index):
    return (apply(SLICE_BACKWARD, g, shape=tuple(x.shape), index=index),)


_basic_common = {"infer": lambda x, index: (_basic_shape(tuple(x.shape), index), x.dtype),
                 "impl": _basic_impl, "vjp": _basic_vjp, "view": True}
SELECT = register(OpDef(name="select", **_basic_common))
SLICE = register(OpDef(name="slice", **_basic_common))
SLICE_BACKWARD = register(OpDef(
    name="slice_backward", infer=lambda g, shape, index: (tuple(shape), g.dtype),
    impl=_slice_backward_impl, vjp=lambda gg, g, out, shape, index: (
        apply(SLICE, gg, index=index),)))


def slice_view(x: Tensor, dim: int, start: int, stop: int) -> Tensor:
    """``x`` restricted to ``start:stop`` along ``dim`` (a view; narrow, topk use it)."""
    s = tuple(x.shape)
    entries = tuple(("slice", 0, s[d], 1) for d in range(dim)) + (("slice", start, stop, 1),)
    return apply(SLICE, x, index=entries)


def select(input: Tensor, dim: int, index: int) -> Tensor:
    from graphc.ops.shapes import wrap_dim
    d = wrap_dim("select", dim, input.ndim)
    return getitem(input, (slice(None),) * d + (operator.index(index),))


# -- advanced indexing (copies) --------------------------------------------------------------
def _index_infer(x, *idx, index):
    return index_shape(tuple(x.shape), index, [tuple(i.shape) for i in idx]), x.dtype


def _index_impl(xp, a, *idx, index, out=None):
    _check_all(xp, a.shape, index, idx)
    basic, adv = _split_index(index, idx)
    return fill_out(out, a[basic][adv])


def _index_backward_impl(xp, g, *idx, shape, index, out=None):
    r = xp.zeros(shape, g.dtype) if out is None else out
    if out is not None:
        r[...] = 0
    basic, adv = _split_index(index, idx)
    add_at(xp, r[basic], adv, g)
    return r


def _index_vjp(g, x, *idx, out, index):
    return (apply(INDEX_BACKWARD, g, *idx, shape=tuple(x.shape), index=index),) + \
        (None,) * len(idx)


def _saves_from(first: int):
    """Index tensors are variadic inputs: each node saves (version-checks) all of them, so
    editing an index in place before backward raises instead of giving a wrong gradient."""
    return lambda node: (("saves", tuple(range(first, len(node.inputs)))),)


INDEX = per_node_variant(register(OpDef(
    name="index", infer=_index_infer, impl=_index_impl, vjp=_index_vjp)), _saves_from(1))
MASKED_SELECT = register(OpDef(name="masked_select", infer=_index_infer, impl=_index_impl,
                               vjp=_index_vjp))
INDEX_BACKWARD = per_node_variant(register(OpDef(
    name="index_backward", infer=lambda g, *idx, shape, index: (tuple(shape), g.dtype),
    impl=_index_backward_impl, vjp=lambda gg, g, *idx, out, shape, index: (
        apply(INDEX, gg, *idx, index=index),) + (None,) * len(idx))), _saves_from(1))


def _take(x: Tensor, entries: tuple, tensors: list, select: bool = False) -> Tensor:
    if tensors:
        return apply(INDEX, x, *tensors, index=entries)
    return apply(SELECT if select else SLICE, x, index=entries)


def getitem(x: Tensor, index) -> Tensor:
    """``x[index]``: a view for ints/slices/None/..., a copy when tensors or lists take part."""
    entries, tensors, sel = parse_index(x, index)
    return _take(x, entries, tensors, sel)


# -- index assignment ------------------------------------------------------------------------
def _fit_value(v, ndim: int):
    """Drop leading size-1 dims a value has beyond the target's (PyTorch accepts them)."""
    shape = getattr(v, "shape", ())
    while len(shape) > ndim and shape[0] == 1:
        shape = shape[1:]
    return v.reshape(shape) if len(shape) != len(getattr(v, "shape", ())) else v


def _target_ndim(shape, entries, arrays) -> int:
    return len(index_shape(tuple(shape), entries, [tuple(a.shape) for a in arrays]))


def _check_value(x_shape, entries, idx_shapes, value) -> tuple:
    target = index_shape(x_shape, entries, idx_shapes)
    vs = tuple(getattr(value, "shape", ()))
    while len(vs) > len(target) and vs[0] == 1:
        vs = vs[1:]
    try:
        if broadcast_shapes("index_put", vs, target) != target:
            raise ShapeError("")
    except ShapeError:
        raise ShapeError(f"shape mismatch: value tensor of shape {list(value.shape)} cannot be "
                         f"broadcast to indexing result of shape {list(target)}") from None
    return target


def _put_infer(x, value, *idx, index, accumulate):
    _check_value(tuple(x.shape), index, [tuple(i.shape) for i in idx], value)
    return tuple(x.shape), x.dtype


def _write_indexed(xp, target, index, idx, v, accumulate: bool) -> None:
    """``target[index] = v`` (or ``+= v``) in place: the one writer behind index_put's kernel
    and the in-place fast path of setitem."""
    _check_all(xp, target.shape, index, idx)
    basic, adv = _split_index(index, idx)
    view = target[basic]
    v = _fit_value(v, _target_ndim(target.shape, index, idx))
    if adv is None:
        if accumulate:
            view += v
        else:
            view[...] = v
    elif accumulate:
        add_at(xp, view, adv, v)
    else:
        view[adv] = v


def _put_impl(xp, a, v, *idx, index, accumulate, out=None):
    r = a.copy() if out is None else fill_out(out, a)
    _write_indexed(xp, r, index, idx, v, accumulate)
    return r


def _put_vjp(g, x, value, *idx, out, index, accumulate):
    op = INDEX_PUT if idx else COPY_SLICES
    gx = g if accumulate else apply(op, g, 0.0, *idx, index=index, accumulate=False)
    gv = None
    if isinstance(value, Tensor):
        gv = _take(g, index, list(idx))
        if value.ndim > gv.ndim:
            gv = gv.reshape((1,) * (value.ndim - gv.ndim) + tuple(gv.shape))
    return (gx, gv) + (None,) * len(idx)


_put_common = {"infer": _put_infer, "impl": _put_impl, "vjp": _put_vjp}
INDEX_PUT = per_node_variant(register(OpDef(name="index_put", **_put_common)), _saves_from(2))
COPY_SLICES = register(OpDef(name="copy_slices", grad_name="CopySlices", **_put_common))


def check_writable(x: Tensor) -> None:
    """Refuse writes into broadcast (expanded) or read-only memory with a clear error."""
    a = x._data
    if not concrete(x):
        return
    if any(st == 0 and n > 1 for st, n in zip(a.strides, a.shape)):
        raise ShapeError("unsupported operation: more than one element of the written-to tensor "
                         "refers to a single memory location (it is an expand()ed view). Please "
                         "clone() the tensor before performing the operation.")
    if not getattr(a.flags, "writeable", True):
        raise ShapeError("cannot write into this tensor: its memory is read-only (it shares "
                         "memory with a read-only NumPy array); clone() it first")


def _as_value(x: Tensor, value):
    if isinstance(value, Tensor):
        if value.device != x.device:
            if value.ndim == 0:
                return value.item() if not value._requires_grad else value.to(x.device)
            raise DeviceError(f"index_put: value is on {value.device} but the tensor is on "
                              f"{x.device}")
        return value
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, (list, tuple, np.ndarray, np.generic)):
        from graphc.ops.creation import tensor
        return tensor(value, dtype=x.dtype, device=x.device)
    raise ArgumentError(f"can't assign a {type(value).__name__} to a Tensor")


def _assign(x: Tensor, entries: tuple, tensors: list, value, accumulate: bool) -> Tensor:
    """Write ``value`` into ``x[entries]`` in place (the shared path of setitem/index_put_)."""
    value = _as_value(x, value)
    _check_value(tuple(x.shape), entries, [tuple(t.shape) for t in tensors], value)
    check_writable(x)
    tracer = active_tracer.get()
    record = is_grad_enabled() and (x._requires_grad or (
        isinstance(value, Tensor) and value._requires_grad))
    if tracer is None and not record:
        v = value._data if isinstance(value, Tensor) else value
        _write_indexed(x._device.xp, x._data, entries, [t._data for t in tensors], v,
                       accumulate)
        x._vbox[0] += 1
        return x
    from graphc.ops.inplace import inplace
    op = INDEX_PUT if tensors else COPY_SLICES

    def index_put(s, v, *idx):
        return apply(op, s, v, *idx, index=entries, accumulate=accumulate)
    inplace(x, index_put, value, *tensors)
    return x


def _check_put_dtype(x: Tensor, index, tensors, value, accumulate: bool) -> None:
    """PyTorch's index_put (any tensor index) takes a tensor value only of x's dtype, where
    NumPy would cast it. Basic indexing copies (and casts) instead, and a one-element value
    under a single bool mask is a masked_fill, which casts too."""
    if not tensors or not isinstance(value, Tensor) or value.dtype is x.dtype:
        return
    items = index if isinstance(index, tuple) else (index,)
    if (not accumulate and len(items) == 1 and isinstance(items[0], Tensor)
            and items[0].dtype.is_bool and value.numel() == 1):
        return
    raise DTypeError(f"index_put: Index put requires the source and destination dtypes match, "
                     f"got {TORCH_NAME[x.dtype.name]} for the destination and "
                     f"{TORCH_NAME[value.dtype.name]} for the source (destination of shape "
                     f"{list(x.shape)}, source of shape {list(value.shape)})")


def setitem(x: Tensor, index, value) -> None:
    """``x[index] = value``: writes into x's storage and bumps its version counter.

    With grad mode on and x or value requiring grad, the history is recorded functionally
    (CopySlices / IndexPutBackward0) and becomes x's new grad_fn.
    """
    entries, tensors, _ = parse_index(x, index)
    _check_put_dtype(x, index, tensors, value, False)
    _assign(x, entries, tensors, value, accumulate=False)


def _index_tuple(indices) -> tuple:
    out = []
    for t in indices:
        out.append(slice(None) if t is None else t)
    return tuple(out)


def index_put(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """Out of place: a copy of ``input`` with ``values`` put (or added) at ``indices``."""
    entries, tensors, _ = parse_index(input, _index_tuple(indices))
    _check_put_dtype(input, _index_tuple(indices), tensors, values, accumulate)
    values = _as_value(input, values)
    op = INDEX_PUT if tensors else COPY_SLICES
    return apply(op, input, values, *tensors, index=entries, accumulate=bool(accumulate))


def index_put_(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    entries, tensors, _ = parse_index(input, _index_tuple(indices))
    _check_put_dtype(input, _index_tuple(indices), tensors, values, accumulate)
    return _assign(input, entries, tensors, values, bool(accumulate))


# -- masks -----------------------------------------------------------------------------------
def _masked_fill_infer(x, mask, value):
    return broadcast_shapes("masked_fill", tuple(x.shape), tuple(mask.shape)), x.dtype


def _masked_fill_impl(xp, a, mask, value, out=None):
    r = xp.where(mask, value, a)
    return fill_out(out, r if r.dtype == a.dtype else r.astype(a.dtype))


def _masked_fill_vjp(g, x, mask, value, out):
    from graphc.ops.elementwise import where
    gv = where(mask, g, 0.0) if isinstance(value, Tensor) else None
    return where(mask, 0.0, g), None, gv


MASKED_FILL = register(OpDef(name="masked_fill", infer=_masked_fill_infer,
                             impl=_masked_fill_impl, vjp=_masked_fill_vjp, saves=(1,)))


def _check_mask(op: str, mask) -> None:
    if not isinstance(mask, Tensor) or not mask.dtype.is_bool:
        dt = mask.dtype.name if isinstance(mask, Tensor) else type(mask).__name__
        raise DTypeError(f"{op} only supports boolean masks, but got mask with dtype {dt}")


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """``value`` where ``mask`` (broadcast) is True, ``input`` elsewhere."""
    _check_mask("masked_fill_", mask)
    if isinstance(value, Tensor) and value.ndim != 0:
        raise ShapeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got "
                         f"tensor with {value.ndim} dimension(s).")
    if (isinstance(value, Tensor) and value.requires_grad and is_grad_enabled()
            and not input.dtype.is_floating_point):  # the result (input's dtype) can't carry it
        raise AutogradError(f"masked_fill: Autograd not support dtype: "
                            f"{TORCH_NAME[input.dtype.name]} (the value requires grad, but the "
                            f"result takes the input's dtype; input of shape "
                            f"{list(input.shape)})")
    return apply(MASKED_FILL, input, mask, value)


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements where ``mask`` (broadcast with input) is True, as a 1-D copy."""
    _check_mask("masked_select:", mask)
    shape = broadcast_shapes("masked_select", tuple(input.shape), tuple(mask.shape))
    x = input if tuple(input.shape) == shape else expand(input, shape)
    m = mask if tuple(mask.shape) == shape else expand(mask, shape)
    if not shape:
        x, m = x.reshape(1), m.reshape(1)
    cols = nonzero(m, as_tuple=True)
    entries = tuple(("tensor", k) for k in range(len(cols)))
    return apply(MASKED_SELECT, x, *cols, index=entries)


# -- nonzero ---------------------------------------------------------------------------------
def _nonzero_infer(x):
    if not concrete(x):
        raise TraceError("nonzero (and boolean-mask indexing) has an output shape that depends "
                         "on the data, so it cannot be traced; use where()/masked_fill instead")
    return (int((x._data != 0).sum()), x.ndim), _dt.int64


def _nonzero_impl(xp, a, out=None):
    return fill_out(out, xp.argwhere(a).astype(xp.int64, copy=False))


NONZERO = register(OpDef(name="nonzero", infer=_nonzero_infer, impl=_nonzero_impl, vjp=NONDIFF))


def nonzero(input: Tensor, *, as_tuple: bool = False):
    """Coordinates of the non-zero elements: an (n, ndim) tensor, or one 1-D tensor per dim."""
    if not as_tuple:
        return apply(NONZERO, input)
    if input.ndim == 0:
        input = input.reshape(1)
    return unbind(apply(NONZERO, input), 1)


def argwhere(input: Tensor) -> Tensor:
    return nonzero(input)


__all__ = [
    "argsort",
    "argwhere",
    "gather",
    "getitem",
    "index_add",
    "index_put",
    "index_put_",
    "index_select",
    "masked_fill",
    "masked_select",
    "msort",
    "nonzero",
    "scatter",
    "scatter_add",
    "select",
    "setitem",
    "sort",
    "take_along_dim",
    "topk",
    "unique",
]

# gather/scatter and sort/topk live in their own modules; ``graphc.ops`` reaches them from here.
from graphc.ops.gather_scatter import (  # noqa: E402
    gather,
    index_add,
    index_select,
    scatter,
    scatter_add,
    take_along_dim,
)
from graphc.ops.sorting import argsort, msort, sort, topk, unique  # noqa: E402
