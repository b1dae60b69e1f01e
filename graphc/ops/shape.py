"""Shape ops: views that share storage (view, transpose, permute, squeeze, expand, split …) and
the copying ones (reshape of scattered data, clone, cat, stack, repeat, flip, roll).

A view op is registered with ``view=True``: its kernel returns a NumPy/CuPy view and the
dispatcher points the result's version counter and ``_base`` at the input's, so an in-place write
through either is seen by both (and by autograd's saved-tensor checks). A view's gradient is the
inverse view (transpose <-> transpose, squeeze <-> reshape …), written with graphc ops.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

import dataclasses
import operator

from graphc.errors import DimError, GraphcValueError, ShapeError
from graphc.ops.dispatch import apply
from graphc.ops.registry import OpDef, register
from graphc.ops.shapes import infer_reshape, numel, wrap_dim
from graphc.tensor import Tensor

VIEW_ERROR = ("view size is not compatible with input tensor's size and stride (at least one "
              "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")


# -- helpers ---------------------------------------------------------------------------------
def fill_out(out, r):
    """Honour the runtime's ``out=`` (an arena buffer) by copying the result into it."""
    if out is None:
        return r
    out[...] = r
    return out


def dims_arg(args) -> tuple:
    """``(2, 3)``, ``((2, 3),)``, ``[2, 3]``, a Size or one int, as a tuple of ints."""
    if not isinstance(args, (tuple, list)):
        return (operator.index(args),)
    args = tuple(args)
    while len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    return tuple(operator.index(s) for s in args)


def concrete(t) -> bool:
    """True for a tensor holding a real array (not a tracer's symbolic value)."""
    return hasattr(t._data, "strides")


def view_strides(old_shape: tuple, old_strides: tuple, new_shape: tuple):
    """Strides (same unit as ``old_strides``) that view the memory as ``new_shape``, or None.

    PyTorch's ``computeStride``: dims may be regrouped only within runs that are contiguous in
    memory, so ``x.t().view(-1)`` is refused where NumPy would silently copy.
    """
    if not old_shape or numel(old_shape) == 0:
        st, acc = [0] * len(new_shape), 1
        for i in range(len(new_shape) - 1, -1, -1):
            st[i] = acc
            acc *= max(new_shape[i], 1)
        return tuple(st)
    new_strides = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_base = old_strides[-1]
    tensor_numel = view_numel = 1
    for d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[d]
        if d == 0 or (old_shape[d - 1] != 1 and old_strides[d - 1] != tensor_numel * chunk_base):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new_strides[view_d] = view_numel * chunk_base
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if d > 0:
                chunk_base = old_strides[d - 1]
                tensor_numel = view_numel = 1
    return tuple(new_strides) if view_d == -1 else None


def can_view(x: Tensor, shape: tuple) -> bool:
    """Whether ``x`` (concrete) can be viewed as ``shape`` without copying."""
    a = x._data
    if a.flags.c_contiguous:
        return True
    return view_strides(a.shape, a.strides, shape) is not None


def _register_variants(names: list, **common) -> list:
    """Register one op per PyTorch grad_fn name (``SqueezeBackward0/1/2``) sharing one rule."""
    return [register(OpDef(name=n, grad_name=g, **common)) for n, g in names]


def per_node_variant(op: OpDef, overrides) -> OpDef:
    """Let each grad_fn node of a variadic op see its own copy of the entry.

    ``overrides(node)`` returns a hashable tuple of ``(field, value)`` pairs (e.g. the real
    ``n_outputs`` of a split, or ``saves`` covering every index tensor of an indexing op); the
    engine reads ``node.op``, so it sizes gradient buffers and checks saved versions right.
    """
    variants: dict = {}

    def per_node(node):
        key = overrides(node)
        v = variants.get(key)
        if v is None:
            v = variants[key] = dataclasses.replace(op, **dict(key))
        return v
    base = op.node_cls
    op.node_cls = type(op.grad_name, (base,), {"__slots__": (), "op": property(per_node),
                                               "__module__": base.__module__})
    return op


# -- view / reshape --------------------------------------------------------------------------
def _view_infer(x, shape):
    return infer_reshape("view", tuple(x.shape), shape), x.dtype


def _view_impl(xp, a, shape, out=None):
    if a.flags.c_contiguous:
        return fill_out(out, a.reshape(shape))
    st = view_strides(a.shape, a.strides, shape)
    if st is None:
        raise ShapeError(f"view: {VIEW_ERROR} (shape {list(a.shape)} -> {list(shape)})")
    return fill_out(out, xp.lib.stride_tricks.as_strided(a, shape, st))


def _reshape_impl(xp, a, shape, out=None):
    if out is not None and not out.flags.c_contiguous:
        out[...] = a.reshape(shape)
        return out
    r = xp.empty(shape, a.dtype) if out is None else out
    r.reshape(a.shape)[...] = a  # one copy, into fresh C-ordered memory
    return r


def _reshape_vjp(g, x, out, shape):
    return (reshape(g, tuple(x.shape)),)


VIEW = register(OpDef(name="view", infer=_view_infer, impl=_view_impl, vjp=_reshape_vjp,
                      view=True))
# A reshape that had to copy (PyTorch clones, then ``_unsafe_view``s the copy).
RESHAPE = register(OpDef(name="reshape", infer=_view_infer, impl=_reshape_impl,
                         vjp=_reshape_vjp, grad_name="UnsafeViewBackward0"))


def view(input: Tensor, *shape) -> Tensor:
    """Same storage, new shape; refuses (like PyTorch) when the strides do not allow it."""
    shape = infer_reshape("view", tuple(input.shape), dims_arg(shape))
    return apply(VIEW, input, shape=shape)


def reshape(input: Tensor, *shape) -> Tensor:
    """A view when the memory layout allows one, else a copy."""
    shape = infer_reshape("reshape", tuple(input.shape), dims_arg(shape))
    if concrete(input) and can_view(input, shape):
        return apply(VIEW, input, shape=shape)
    return apply(RESHAPE, input, shape=shape)


def ravel(input: Tensor) -> Tensor:
    return reshape(input, (-1,))


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    shape = tuple(input.shape)
    s = wrap_dim("flatten", start_dim, len(shape))
    e = wrap_dim("flatten", end_dim, len(shape))
    if not shape:
        return reshape(input, (1,))
    if s > e:
        raise ShapeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    return reshape(input, shape[:s] + (numel(shape[s:e + 1]),) + shape[e + 1:])


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    shape = tuple(input.shape)
    d = wrap_dim("unflatten", dim, len(shape), wrap_scalar=False)
    sizes = dims_arg(sizes)
    if not sizes:
        raise ShapeError("unflatten: sizes must be non-empty")
    try:
        sizes = infer_reshape("unflatten", (shape[d],), sizes)
    except ShapeError:
        raise ShapeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size "
                         f"of dim {dim} ({shape[d]}) in the input tensor") from None
    return reshape(input, shape[:d] + sizes + shape[d + 1:])


# -- transpose / t / permute -----------------------------------------------------------------
def _transpose_infer(x, dim0, dim1):
    s = list(x.shape)
    if s:
        s[dim0], s[dim1] = s[dim1], s[dim0]
    return tuple(s), x.dtype


def _transpose_impl(xp, a, dim0, dim1, out=None):
    return fill_out(out, xp.swapaxes(a, dim0, dim1) if a.ndim else a.view())


TRANSPOSE = register(OpDef(
    name="transpose", infer=_transpose_infer, impl=_transpose_impl, view=True,
    vjp=lambda g, x, out, dim0, dim1: (apply(TRANSPOSE, g, dim0=dim0, dim1=dim1),)))
T = register(OpDef(name="t", infer=lambda x: (tuple(x.shape)[::-1], x.dtype),
                   impl=lambda xp, a, out=None: fill_out(out, a.T), view=True,
                   vjp=lambda g, x, out: (apply(T, g),), grad_name="TBackward0"))


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    n = input.ndim
    return apply(TRANSPOSE, input, dim0=wrap_dim("transpose", dim0, n),
                 dim1=wrap_dim("transpose", dim1, n))


swapaxes = swapdims = transpose


def t(input: Tensor) -> Tensor:
    """Transpose a 2-D tensor; 0-D and 1-D tensors come back as they are (as views)."""
    if input.ndim > 2:
        raise ShapeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return apply(T, input)


def _permute_infer(x, dims):
    s = tuple(x.shape)
    return tuple(s[d] for d in dims), x.dtype


def _inverse(dims: tuple) -> tuple:
    inv = [0] * len(dims)
    for i, d in enumerate(dims):
        inv[d] = i
    return tuple(inv)


PERMUTE = register(OpDef(
    name="permute", infer=_permute_infer, view=True,
    impl=lambda xp, a, dims, out=None: fill_out(out, xp.transpose(a, dims) if dims else a.view()),
    vjp=lambda g, x, out, dims: (apply(PERMUTE, g, dims=_inverse(dims)),)))


def permute(input: Tensor, *dims) -> Tensor:
    dims = dims_arg(dims)
    n = input.ndim
    if len(dims) != n:
        raise ShapeError(f"permute(sparse_coo): number of dimensions in the tensor input does not "
                         f"match the length of the desired ordering of dimensions i.e. input.dim()"
                         f" = {n} is not equal to len(dims) = {len(dims)}")
    dims = tuple(wrap_dim("permute", d, n) for d in dims)
    if len(set(dims)) != len(dims):
        raise DimError("permute(): duplicate dims are not allowed.")
    return apply(PERMUTE, input, dims=dims)


def _dim_list(op: str, dims, ndim: int) -> tuple:
    dims = dims_arg(dims)
    out = tuple(wrap_dim(op, d, ndim) for d in dims)
    if len(set(out)) != len(out):
        raise DimError(f"{op}: repeated dim in {list(dims)}")
    return out


def movedim(input: Tensor, source, destination) -> Tensor:
    """Move dims to new positions, keeping the others in order (a permute)."""
    n = input.ndim
    src = _dim_list("movedim", source, n)
    dst = _dim_list("movedim", destination, n)
    if len(src) != len(dst):
        raise GraphcValueError(f"movedim: Invalid source or destination dims: source ({list(src)}"
                               f" dims) should contain the same number of dims as destination "
                               f"({list(dst)} dims)")
    if n == 0:  # dims 0 and -1 both name a 0-d tensor's one position: nothing moves
        return permute(input, ())
    order = [d for d in range(n) if d not in src]
    for s, d in sorted(zip(dst, src)):
        order.insert(s, d)
    return permute(input, tuple(order))


moveaxis = movedim


# -- contiguous / clone ----------------------------------------------------------------------
CLONE = register(OpDef(name="clone", infer=lambda x: (tuple(x.shape), x.dtype),
                       impl=lambda xp, a, out=None: fill_out(out, a) if out is not None
                       else a.copy(), vjp=lambda g, x, out: (g,)))


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A copy with its own storage (C-ordered), differentiable (CloneBackward0)."""
    return apply(CLONE, input)


def contiguous(input: Tensor, memory_format=None) -> Tensor:
    return input if input.is_contiguous() else apply(CLONE, input)


# -- squeeze / unsqueeze ---------------------------------------------------------------------
def _squeeze_infer(x, dims):
    return tuple(s for i, s in enumerate(x.shape) if i not in dims), x.dtype


SQUEEZE, SQUEEZE_DIM, SQUEEZE_DIMS = _register_variants(
    [("squeeze", "SqueezeBackward0"), ("squeeze_dim", "SqueezeBackward1"),
     ("squeeze_dims", "SqueezeBackward2")],
    infer=_squeeze_infer, view=True,
    impl=lambda xp, a, dims, out=None: fill_out(out, xp.squeeze(a, axis=dims) if dims
                                                else a.view()),
    vjp=lambda g, x, out, dims: (reshape(g, tuple(x.shape)),))


def squeeze(input: Tensor, dim=None) -> Tensor:
    """Drop size-1 dims: all of them, or those of ``dim`` (int or tuple) that have size 1."""
    shape = tuple(input.shape)
    if dim is None:
        return apply(SQUEEZE, input, dims=tuple(i for i, s in enumerate(shape) if s == 1))
    op = SQUEEZE_DIM if isinstance(dim, int) else SQUEEZE_DIMS
    dims = _dim_list("squeeze", dim, len(shape))
    return apply(op, input, dims=tuple(sorted(d for d in dims if shape and shape[d] == 1)))


def _unsqueeze_infer(x, dim):
    s = tuple(x.shape)
    return s[:dim] + (1,) + s[dim:], x.dtype


UNSQUEEZE = register(OpDef(
    name="unsqueeze", infer=_unsqueeze_infer, view=True,
    impl=lambda xp, a, dim, out=None: fill_out(out, xp.expand_dims(a, dim)),
    vjp=lambda g, x, out, dim: (reshape(g, tuple(x.shape)),)))


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    return apply(UNSQUEEZE, input, dim=wrap_dim("unsqueeze", dim, input.ndim + 1))


# -- expand / repeat / tile ------------------------------------------------------------------
def _expand_infer(x, shape):
    return tuple(shape), x.dtype


def _expand_impl(xp, a, shape, out=None):
    # broadcast_to gives a read-only view: in-place writes into it are refused with PyTorch's
    # "more than one element ... refers to a single memory location" error (see inplace.py).
    if a.ndim == 0 and xp is np:  # the common case (a sum's gradient), without broadcast_to's
        return fill_out(out, as_strided(a, shape, (0,) * len(shape), writeable=False))
    return fill_out(out, xp.broadcast_to(a, shape))


# The engine sums a gradient back to the input's shape, which is exactly expand's vjp.
EXPAND = register(OpDef(name="expand", infer=_expand_infer, impl=_expand_impl, view=True,
                        vjp=lambda g, x, out, shape: (g,)))


def _expand_shape(shape: tuple, sizes: tuple) -> tuple:
    if len(sizes) < len(shape):
        raise ShapeError(f"expand(graphc.Tensor{{{list(shape)}}}, size={list(sizes)}): the "
                         f"number of sizes provided ({len(sizes)}) must be greater or equal to "
                         f"the number of dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    out = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise ShapeError(f"The expanded size of the tensor ({s}) isn't allowed in a "
                                 f"leading, non-existing dimension {i}")
            out.append(s)
            continue
        have = shape[i - lead]
        if s == -1:
            s = have
        elif have != s and have != 1:
            raise ShapeError(f"The expanded size of the tensor ({s}) must match the existing "
                             f"size ({have}) at non-singleton dimension {i}.  Target sizes: "
                             f"{list(sizes)}.  Tensor sizes: {list(shape)}")
        out.append(s)
    return tuple(out)


def expand(input: Tensor, *sizes) -> Tensor:
    """A broadcast view (no copy); ``-1`` keeps a dim's size."""
    return apply(EXPAND, input, shape=_expand_shape(tuple(input.shape), dims_arg(sizes)))


def broadcast_to(input: Tensor, shape) -> Tensor:
    return expand(input, shape)


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    return expand(input, tuple(other.shape))


def _repeat_infer(x, repeats):
    s = (1,) * (len(repeats) - x.ndim) + tuple(x.shape)
    return tuple(a * r for a, r in zip(s, repeats)), x.dtype


def _repeat_vjp(g, x, out, repeats):
    s = (1,) * (len(repeats) - x.ndim) + tuple(x.shape)
    inter = tuple(v for pair in zip(repeats, s) for v in pair)  # (r0, s0, r1, s1, …)
    g = reshape(g, inter)
    if repeats:
        g = g.sum(dim=tuple(range(0, 2 * len(repeats), 2)))
    return (reshape(g, tuple(x.shape)),)


REPEAT = register(OpDef(
    name="repeat", infer=_repeat_infer, vjp=_repeat_vjp,
    impl=lambda xp, a, repeats, out=None: fill_out(out, xp.tile(a, repeats))))


def repeat(input: Tensor, *sizes) -> Tensor:
    """Tile the data ``sizes[i]`` times along each dim (a copy; NumPy's ``tile``)."""
    sizes = dims_arg(sizes)
    if len(sizes) < input.ndim:
        raise ShapeError("Number of dimensions of repeat dims can not be smaller than number of "
                         "dimensions of tensor")
    if any(s < 0 for s in sizes):
        raise ShapeError(f"Trying to create tensor with negative dimension: {list(sizes)}")
    return apply(REPEAT, input, repeats=sizes)


def tile(input: Tensor, dims) -> Tensor:
    dims = dims_arg(dims)
    return repeat(input, (1,) * (input.ndim - len(dims)) + dims)


# -- flip / roll -----------------------------------------------------------------------------
FLIP = register(OpDef(
    name="flip", infer=lambda x, dims: (tuple(x.shape), x.dtype),
    impl=lambda xp, a, dims, out=None: fill_out(out, xp.flip(a, dims).copy() if dims
                                                else a.copy()),
    vjp=lambda g, x, out, dims: (apply(FLIP, g, dims=dims),)))


def flip(input: Tensor, *dims) -> Tensor:
    """Reverse the order along ``dims`` (a copy, as in PyTorch)."""
    dims = dims_arg(dims)
    n = input.ndim
    w = tuple(wrap_dim("flip", d, n) for d in dims)
    if len(set(w)) != len(w):
        raise DimError(f"dim {w[0]} appears multiple times in the list of dims")
    return apply(FLIP, input, dims=w if n else ())  # a 0-d tensor flips to itself


def fliplr(input: Tensor) -> Tensor:
    return flip(input, (1,))


def flipud(input: Tensor) -> Tensor:
    return flip(input, (0,))


def _roll_impl(xp, a, shifts, dims, out=None):
    return fill_out(out, xp.roll(a, shifts, axis=dims))


ROLL = register(OpDef(
    name="roll", infer=lambda x, shifts, dims: (tuple(x.shape), x.dtype), impl=_roll_impl,
    vjp=lambda g, x, out, shifts, dims: (
        apply(ROLL, g, shifts=tuple(-s for s in shifts), dims=dims),)))


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    shifts = dims_arg(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise ShapeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, "
                             f"dims: 0")
        return apply(ROLL, input, shifts=shifts, dims=None)
    w = tuple(wrap_dim("roll", d, input.ndim, wrap_scalar=False) for d in dims_arg(dims))
    if len(w) != len(shifts):
        raise ShapeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:"
                         f"{len(w)}")
    return apply(ROLL, input, shifts=shifts, dims=w)


# -- diagonal --------------------------------------------------------------------------------
def _diag_len(shape, offset, d1, d2) -> int:
    n1 = shape[d1] - max(0, -offset)
    n2 = shape[d2] - max(0, offset)
    return max(0, min(n1, n2))


def _diagonal_infer(x, offset, dim1, dim2):
    s = tuple(x.shape)
    rest = tuple(v for i, v in enumerate(s) if i not in (dim1, dim2))
    return rest + (_diag_len(s, offset, dim1, dim2),), x.dtype


def _diagonal_impl(xp, a, offset, dim1, dim2, out=None):
    r = xp.diagonal(a, offset, dim1, dim2)
    if not getattr(r.flags, "writeable", True) and a.flags.writeable:
        r.flags.writeable = True  # NumPy hands out read-only diagonals; PyTorch's are writable
    return fill_out(out, r)


def _diagonal_backward_impl(xp, g, shape, offset, dim1, dim2, out=None):
    r = xp.zeros(shape, g.dtype) if out is None else out
    if out is not None:
        r[...] = 0
    d = xp.diagonal(r, offset, dim1, dim2)
    if not getattr(d.flags, "writeable", True):
        d.flags.writeable = True
    d[...] = g
    return r


DIAGONAL = register(OpDef(
    name="diagonal", infer=_diagonal_infer, impl=_diagonal_impl, view=True,
    vjp=lambda g, x, out, offset, dim1, dim2: (apply(
        DIAGONAL_BACKWARD, g, shape=tuple(x.shape), offset=offset, dim1=dim1, dim2=dim2),)))
DIAGONAL_BACKWARD = register(OpDef(
    name="diagonal_backward", infer=lambda g, shape, offset, dim1, dim2: (tuple(shape), g.dtype),
    impl=_diagonal_backward_impl,
    vjp=lambda gg, g, out, shape, offset, dim1, dim2: (apply(
        DIAGONAL, gg, offset=offset, dim1=dim1, dim2=dim2),)))


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A (writable) view of the diagonal of the planes ``dim1``×``dim2``, appended as last dim."""
    n = input.ndim
    d1, d2 = wrap_dim("diagonal", dim1, n), wrap_dim("diagonal", dim2, n)
    if d1 == d2:
        raise DimError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return apply(DIAGONAL, input, offset=int(offset), dim1=d1, dim2=d2)


__all__ = [
    "broadcast_to",
    "cartesian_prod",
    "cat",
    "chunk",
    "clone",
    "concat",
    "concatenate",
    "contiguous",
    "diagonal",
    "expand",
    "expand_as",
    "flatten",
    "flip",
    "fliplr",
    "flipud",
    "hstack",
    "meshgrid",
    "moveaxis",
    "movedim",
    "narrow",
    "permute",
    "ravel",
    "repeat",
    "reshape",
    "roll",
    "split",
    "squeeze",
    "stack",
    "swapaxes",
    "swapdims",
    "t",
    "tile",
    "transpose",
    "unbind",
    "unflatten",
    "unsqueeze",
    "view",
    "vstack",
]

# Splitting and joining live in their own module; ``graphc.ops.shape`` still offers them.
from graphc.ops.split_join import (  # noqa: E402
    cartesian_prod,
    cat,
    chunk,
    concat,
    concatenate,
    hstack,
    meshgrid,
    narrow,
    split,
    stack,
    unbind,
    vstack,
)
