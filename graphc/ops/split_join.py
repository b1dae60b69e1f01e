"""Splitting and joining: ``split``/``chunk``/``unbind``/``narrow`` (views of consecutive
pieces) and ``cat``/``stack`` (copies), plus the composites built on them.

``split`` and ``unbind`` return a variable number of outputs from one op, so that their backward
is one ``cat``/``stack`` of the pieces' gradients (PyTorch's SplitBackward0/UnbindBackward0),
not one full-size gradient per piece.
"""
from __future__ import annotations

import operator

from graphc import dtypes as _dt
from graphc.errors import GraphcIndexError, GraphcValueError, ShapeError
from graphc.ops.dispatch import apply
from graphc.ops.dtype_checks import same_dtype
from graphc.ops.registry import OpDef, register
from graphc.ops.shape import concrete, expand, per_node_variant, reshape
from graphc.ops.shapes import require_dims, wrap_dim
from graphc.tensor import Tensor


def _multi_output_view(name: str, grad_name: str, count, **kw) -> OpDef:
    """A view op with a variable number of outputs (split, unbind): the entry says
    ``n_outputs=2`` (meaning "a tuple"); each node reports the real count (at least 2)."""
    op = register(OpDef(name=name, grad_name=grad_name, view=True, n_outputs=2, **kw))
    return per_node_variant(op, lambda node: (("n_outputs", max(count(node), 2)),))


def _share_storage(results: tuple, src: Tensor) -> tuple:
    """Multi-output views: the dispatcher links single outputs only; link each piece here."""
    for r in results:
        if isinstance(r, Tensor) and concrete(r):
            r._mark_view(src)
    return results


def _zeros_for(g_ref, shape):
    return g_ref.new_zeros(tuple(shape))


# -- split / chunk / unbind / narrow ---------------------------------------------------------
def _split_infer(x, dim, sizes):
    s = tuple(x.shape)
    return tuple((s[:dim] + (n,) + s[dim + 1:], x.dtype) for n in sizes)


def _split_impl(xp, a, dim, sizes, out=None):
    lead = (slice(None),) * dim
    pieces, o = [], 0
    for n in sizes:
        pieces.append(a[lead + (slice(o, o + n), Ellipsis)])
        o += n
    return tuple(pieces)


def _split_vjp(grads, x, out, dim, sizes):
    ref = next(g for g in grads if g is not None)
    s = tuple(x.shape)
    parts = [grads[i] if grads[i] is not None else
             _zeros_for(ref, s[:dim] + (n,) + s[dim + 1:]) for i, n in enumerate(sizes)]
    return (cat(parts, dim),)


_split_common = {"infer": _split_infer, "impl": _split_impl, "vjp": _split_vjp,
                 "count": lambda node: len(node.attrs["sizes"])}
SPLIT = _multi_output_view("split", "SplitBackward0", **_split_common)
SPLIT_WITH_SIZES = _multi_output_view("split_with_sizes", "SplitWithSizesBackward0",
                                      **_split_common)


def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Views of consecutive pieces: equal ``int`` pieces (the last may be smaller) or sizes."""
    require_dims("split", tuple(tensor.shape))
    d = wrap_dim("split", dim, tensor.ndim)
    n = tuple(tensor.shape)[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = tuple(operator.index(s) for s in split_size_or_sections)
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise ShapeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                             f"tensor's size at dimension {d}), but got split_sizes={list(sizes)}")
        op = SPLIT_WITH_SIZES
    else:
        step = operator.index(split_size_or_sections)
        if step < 0 or (step == 0 and n != 0):
            raise ShapeError(f"split_size can only be 0 if dimension size is 0, but got dimension"
                             f" size of {n}")
        sizes = (0,) if n == 0 else (step,) * (n // step) + ((n % step,) if n % step else ())
        op = SPLIT
    return _share_storage(apply(op, tensor, dim=d, sizes=sizes), tensor)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    if chunks <= 0:
        raise ShapeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    require_dims("chunk", tuple(input.shape))
    d = wrap_dim("chunk", dim, input.ndim)
    n = tuple(input.shape)[d]
    step = -(-n // chunks)
    if n == 0:
        sizes = (0,) * chunks
        return _share_storage(apply(SPLIT, input, dim=d, sizes=sizes), input)
    return split(input, step, d)


def _unbind_infer(x, dim):
    s = tuple(x.shape)
    return tuple((s[:dim] + s[dim + 1:], x.dtype) for _ in range(s[dim]))


def _unbind_impl(xp, a, dim, out=None):
    lead = (slice(None),) * dim
    return tuple(a[lead + (i, Ellipsis)] for i in range(a.shape[dim]))


def _unbind_vjp(grads, x, out, dim):
    s = tuple(x.shape)
    ref = next(g for g in grads if g is not None)
    rest = s[:dim] + s[dim + 1:]
    return (stack([grads[i] if grads[i] is not None else _zeros_for(ref, rest)
                   for i in range(s[dim])], dim),)


UNBIND = _multi_output_view("unbind", "UnbindBackward0", infer=_unbind_infer, impl=_unbind_impl,
                            vjp=_unbind_vjp,
                            count=lambda node: node.inputs[0].shape[node.attrs["dim"]])


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """All slices along ``dim``, as views (``tuple(x)`` iterates this way)."""
    d = wrap_dim("unbind", dim, input.ndim, wrap_scalar=False)
    if tuple(input.shape)[d] == 0:
        return ()
    return _share_storage(apply(UNBIND, input, dim=d), input)


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The view ``input[..., start:start + length, ...]`` along ``dim`` (SliceBackward0)."""
    from graphc.ops.index import slice_view
    require_dims("narrow", tuple(input.shape))
    d = wrap_dim("narrow", dim, input.ndim)
    n = tuple(input.shape)[d]
    start = operator.index(start)
    if start < -n or start > n:
        raise GraphcIndexError(f"start out of range (expected to be in range of [{-n}, {n}], "
                               f"but got {start})")
    start = start + n if start < 0 else start
    if length < 0 or start + length > n:
        raise ShapeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return slice_view(input, d, start, start + length)


# -- cat / stack -----------------------------------------------------------------------------
def _cat_infer(*xs, dim):
    first = tuple(xs[0].shape)
    total = 0
    for i, x in enumerate(xs):
        s = tuple(x.shape)
        if len(s) != len(first):
            raise ShapeError(f"cat: Tensors must have same number of dimensions: got "
                             f"{len(first)} and {len(s)}")
        for d, (a, b) in enumerate(zip(first, s)):
            if d != dim and a != b:
                raise ShapeError(f"cat: Sizes of tensors must match except in dimension {dim}. "
                                 f"Expected size {a} but got size {b} for tensor number {i} in "
                                 f"the list.")
        total += s[dim]
    return first[:dim] + (total,) + first[dim + 1:], _dt.result_type(*xs)


def _cat_impl(xp, *arrays, dim, out=None):
    return xp.concatenate(arrays, axis=dim, out=out)


def _cat_vjp(g, *xs, out, dim):
    sizes = [tuple(x.shape)[dim] for x in xs]
    return split(g, sizes, dim) if len(xs) > 1 else (g,)


CAT = register(OpDef(name="cat", infer=_cat_infer, impl=_cat_impl, vjp=_cat_vjp,
                     promote="same"))


def _tensor_list(op: str, tensors) -> list:
    if isinstance(tensors, Tensor):
        raise ShapeError(f"{op}(): argument 'tensors' must be a sequence of Tensors, not Tensor")
    tensors = list(tensors)
    if not tensors:
        raise GraphcValueError(f"{op}(): expected a non-empty list of Tensors")
    return tensors


def cat(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Join tensors along an existing dim; dtypes promote as in PyTorch."""
    tensors = _tensor_list("torch.cat", tensors)
    for i, x in enumerate(tensors):
        if x.ndim == 0:
            raise ShapeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    # PyTorch's legacy rule: 1-D empty tensors are skipped whatever the others' shapes.
    kept = [x for x in tensors if tuple(x.shape) != (0,)] or tensors[:1]
    d = wrap_dim("cat", dim, kept[0].ndim)
    r = apply(CAT, *kept, dim=d)
    if out is not None:
        from graphc.ops.inplace import write_out
        return write_out(out, r)
    return r


concat = concatenate = cat


def _stack_infer(*xs, dim):
    first = tuple(xs[0].shape)
    for i, x in enumerate(xs):
        if tuple(x.shape) != first:
            raise ShapeError(f"stack expects each tensor to be equal size, but got "
                             f"{list(first)} at entry 0 and {list(x.shape)} at entry {i}")
    return first[:dim] + (len(xs),) + first[dim:], _dt.result_type(*xs)


STACK = register(OpDef(
    name="stack", infer=_stack_infer, promote="same",
    impl=lambda xp, *arrays, dim, out=None: xp.stack(arrays, axis=dim, out=out),
    vjp=lambda g, *xs, out, dim: unbind(g, dim)))


def stack(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Join equal-shaped tensors along a new dim."""
    tensors = _tensor_list("stack", tensors)
    r = apply(STACK, *tensors, dim=wrap_dim("stack", dim, tensors[0].ndim + 1))
    if out is not None:
        from graphc.ops.inplace import write_out
        return write_out(out, r)
    return r


def hstack(tensors) -> Tensor:
    tensors = [x if x.ndim else reshape(x, (1,)) for x in _tensor_list("hstack", tensors)]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors) -> Tensor:
    tensors = [x if x.ndim >= 2 else reshape(x, (1, -1)) for x in _tensor_list("vstack", tensors)]
    return cat(tensors, 0)


def _grid_inputs(op: str, tensors, ndims: tuple) -> None:
    """meshgrid/cartesian_prod take vectors (meshgrid also 0-d tensors) of one dtype, where
    reshape and expand would flatten anything and promotion would mix dtypes."""
    for x in tensors:
        if x.ndim not in ndims:
            raise ShapeError(f"{op}: Expected {' or '.join(f'{n}D' for n in ndims)} tensors, "
                             f"but got one of shape {list(x.shape)}")
    if tensors:
        same_dtype(op, tensors[0], expected_name="tensors[0]",
                   **{f"tensors[{i}]": x for i, x in enumerate(tensors[1:], 1)})


def cartesian_prod(*tensors) -> Tensor:
    """All combinations of the 1-D inputs' elements, one per row (meshgrid + stack)."""
    _grid_inputs("cartesian_prod", tensors, (1,))
    if len(tensors) == 1:
        return tensors[0]
    sizes = tuple(x.shape[0] for x in tensors)
    cols = []
    for i, x in enumerate(tensors):
        shape = tuple(-1 if j == i else 1 for j in range(len(tensors)))
        cols.append(reshape(expand(reshape(x, shape), sizes), (-1,)))
    return stack(cols, 1)


def meshgrid(*tensors, indexing: str = "ij") -> tuple:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise GraphcValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    _grid_inputs("meshgrid", tensors, (0, 1))
    ts = list(tensors)
    if indexing == "xy" and len(ts) >= 2:
        ts[0], ts[1] = ts[1], ts[0]
    sizes = tuple(x.numel() for x in ts)
    grids = [expand(reshape(x, tuple(-1 if j == i else 1 for j in range(len(ts)))), sizes)
             for i, x in enumerate(ts)]
    if indexing == "xy" and len(ts) >= 2:  # ij grids of (y, x, …), handed back as (x, y, …)
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


__all__ = [
    "cartesian_prod",
    "cat",
    "chunk",
    "concat",
    "concatenate",
    "hstack",
    "meshgrid",
    "narrow",
    "split",
    "stack",
    "unbind",
    "vstack",
]
