"""Matrix-structure ops: ``tril``/``triu``, ``diag``/``diag_embed``, ``trace``, ``kron``,
``tensordot``, ``cross`` and ``cdist``.

Ops PyTorch shows in ``grad_fn`` (TrilBackward0, DiagEmbedBackward0, TraceBackward0,
LinalgCrossBackward0, CdistBackward0 …) are registry entries; ``kron`` and ``tensordot`` are
composites of reshape/permute/mul/mm, as they are in PyTorch. ``trace`` is not exported as
``graphc.trace`` (that name is the compiler's tracer); use ``Tensor.trace()``.
"""
from __future__ import annotations

import math
import operator
import warnings

from graphc import dtypes as _dt
from graphc.errors import DTypeError, GraphcRuntimeError, ShapeError
from graphc.ops.dispatch import apply
from graphc.ops.dtype_checks import no_kernel_for
from graphc.ops.elementwise import _out, sign, where
from graphc.ops.pointwise import _TORCH_NAME
from graphc.ops.registry import OpDef, register
from graphc.ops.shape import (
    DIAGONAL,
    DIAGONAL_BACKWARD,
    _diagonal_backward_impl,
    _diagonal_infer,
    expand,
    fill_out,
    permute,
    reshape,
)
from graphc.ops.shapes import broadcast_shapes, numel, wrap_dim
from graphc.tensor import Tensor

_INF = float("inf")


# -- tril / triu -----------------------------------------------------------------------------
def _tri_infer(name):
    def infer(x, diagonal=0):
        if x.ndim < 2:
            raise ShapeError(f"{name}: input tensor must have at least 2 dimensions")
        return tuple(x.shape), x.dtype
    return infer


def _tri_impl(fname):
    def impl(xp, a, diagonal=0, out=None):
        return fill_out(out, getattr(xp, fname)(a, diagonal))
    return impl


TRIL = register(OpDef(name="tril", infer=_tri_infer("tril"), impl=_tri_impl("tril"),
                      vjp=lambda g, x, out, diagonal=0: (apply(TRIL, g, diagonal=diagonal),)))
TRIU = register(OpDef(name="triu", infer=_tri_infer("triu"), impl=_tri_impl("triu"),
                      vjp=lambda g, x, out, diagonal=0: (apply(TRIU, g, diagonal=diagonal),)))


def tril(input: Tensor, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:
    """The lower triangle (on and below the ``diagonal``-th diagonal) of the last two dims."""
    TRIL.infer(input)
    return _out(apply(TRIL, input, diagonal=operator.index(diagonal)), out)


def triu(input: Tensor, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:
    """The upper triangle (on and above the ``diagonal``-th diagonal) of the last two dims."""
    TRIU.infer(input)
    return _out(apply(TRIU, input, diagonal=operator.index(diagonal)), out)


# -- diag_embed / diag / diagonal_copy -------------------------------------------------------
def _embed_shape(s: tuple, offset: int, dim1: int, dim2: int) -> tuple:
    n = (s[-1] if s else 1) + abs(offset)
    rest = iter(s[:-1])
    return tuple(n if i in (dim1, dim2) else next(rest) for i in range(len(s) + 1))


def _diag_embed_infer(x, offset=0, dim1=0, dim2=1):
    return _embed_shape(tuple(x.shape), offset, dim1, dim2), x.dtype


def _diag_embed_impl(xp, a, offset=0, dim1=0, dim2=1, out=None):
    shape = _embed_shape(a.shape, offset, dim1, dim2)
    return _diagonal_backward_impl(xp, a, shape, offset, dim1, dim2, out=out)


DIAG_EMBED = register(OpDef(
    name="diag_embed", infer=_diag_embed_infer, impl=_diag_embed_impl,
    vjp=lambda g, x, out, offset=0, dim1=0, dim2=1: (
        apply(DIAGONAL, g, offset=offset, dim1=dim1, dim2=dim2),)))


def _diagonal_copy_impl(xp, a, offset, dim1, dim2, out=None):
    return fill_out(out, xp.diagonal(a, offset, dim1, dim2).copy())


# ``diag`` of a matrix copies the diagonal (PyTorch's grad_fn: DiagonalBackward0_copy).
DIAGONAL_COPY = register(OpDef(
    name="diagonal_copy", infer=_diagonal_infer, impl=_diagonal_copy_impl,
    grad_name="DiagonalBackward0_copy",
    vjp=lambda g, x, out, offset, dim1, dim2: (apply(
        DIAGONAL_BACKWARD, g, shape=tuple(x.shape), offset=offset, dim1=dim1, dim2=dim2),)))


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Each last-dim vector of ``input`` placed on the ``offset`` diagonal of planes
    ``dim1`` x ``dim2`` of a new zero tensor with one more dim."""
    if input.ndim < 1:
        raise ShapeError("diag_embed: input must have at least 1 dimension")
    n = input.ndim + 1
    d1, d2 = wrap_dim("diag_embed", dim1, n), wrap_dim("diag_embed", dim2, n)
    if d1 == d2:
        raise ShapeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return apply(DIAG_EMBED, input, offset=operator.index(offset), dim1=d1, dim2=d2)


def diag(input: Tensor, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:
    """A vector -> the square matrix with it on the ``diagonal``-th diagonal; a matrix -> a
    copy of its ``diagonal``-th diagonal."""
    k = operator.index(diagonal)
    if input.ndim == 1:
        r = apply(DIAG_EMBED, input, offset=k, dim1=0, dim2=1)
    elif input.ndim == 2:
        r = apply(DIAGONAL_COPY, input, offset=k, dim1=0, dim2=1)
    else:
        raise ShapeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")
    return _out(r, out)


# -- trace -----------------------------------------------------------------------------------
def _trace_infer(x):
    if x.ndim != 2:
        raise ShapeError(f"trace: expected a matrix, but got tensor with dim {x.ndim}")
    no_kernel_for("trace", x)
    return (), (x.dtype if x.dtype.is_floating_point else _dt.int64)


def _trace_impl(xp, a, out=None):
    dt = None if a.dtype.kind == "f" else xp.int64
    return fill_out(out, xp.asarray(xp.trace(a, dtype=dt)))


def _trace_vjp(g, x, out):
    n, m = tuple(x.shape)
    return (apply(DIAGONAL_BACKWARD, expand(g, (min(n, m),)), shape=(n, m), offset=0, dim1=0,
                  dim2=1),)


TRACE = register(OpDef(name="trace", infer=_trace_infer, impl=_trace_impl, vjp=_trace_vjp))


def trace(input: Tensor) -> Tensor:
    """Sum of the main diagonal of a matrix (``Tensor.trace()``); ints sum in int64."""
    _trace_infer(input)
    return apply(TRACE, input)


# -- kron / tensordot ------------------------------------------------------------------------
def kron(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Kronecker product: blocks ``input[i, j] * other`` (shapes padded to the same rank)."""
    nd = max(input.ndim, other.ndim)
    sa = (1,) * (nd - input.ndim) + tuple(input.shape)
    sb = (1,) * (nd - other.ndim) + tuple(other.shape)
    a = reshape(input, tuple(v for s in sa for v in (s, 1)))
    b = reshape(other, tuple(v for s in sb for v in (1, s)))
    return _out(reshape(a * b, tuple(x * y for x, y in zip(sa, sb))), out)


def _tensordot_dims(a: Tensor, b: Tensor, dims) -> tuple[list, list, list, list]:
    """(a's contracted dims, b's, and how to name each in errors)."""
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise GraphcRuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a.ndim or dims > b.ndim:
            raise ShapeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da = list(range(a.ndim - dims, a.ndim))
        return da, list(range(dims)), [d - a.ndim for d in da], list(range(dims))
    try:
        da, db = dims
    except (TypeError, ValueError):
        raise GraphcRuntimeError(f"tensordot expects dims to be an int or a pair of lists, got "
                               f"{dims!r}") from None
    da = [da] if isinstance(da, int) else list(da)
    db = [db] if isinstance(db, int) else list(db)
    if len(da) != len(db):
        raise ShapeError(f"both dimension lists should have same length, got {len(da)} and "
                         f"{len(db)}")
    wa = [wrap_dim("tensordot", d, a.ndim) for d in da]
    wb = [wrap_dim("tensordot", d, b.ndim) for d in db]
    return wa, wb, da, db


def tensordot(a: Tensor, b: Tensor, dims=2, out: Tensor | None = None) -> Tensor:
    """Sum over the paired dims ``dims`` of ``a`` and ``b`` (one ``mm`` after permute and
    reshape); ``dims`` is an int (last of a, first of b) or two lists."""
    da, db, na, nb = _tensordot_dims(a, b, dims)
    sa, sb = tuple(a.shape), tuple(b.shape)
    for i, j, ni, nj in zip(da, db, na, nb):
        if sa[i] != sb[j]:
            raise ShapeError(f"contracted dimensions need to match, but first has size {sa[i]} "
                             f"in dim {ni} and second has size {sb[j]} in dim {nj}")
    fa = [d for d in range(a.ndim) if d not in da]
    fb = [d for d in range(b.ndim) if d not in db]
    k = numel(tuple(sa[d] for d in da))
    pa = a if fa + da == list(range(a.ndim)) else permute(a, tuple(fa + da))
    pb = b if db + fb == list(range(b.ndim)) else permute(b, tuple(db + fb))
    m = reshape(pa, (numel(tuple(sa[d] for d in fa)), k)) @ \
        reshape(pb, (k, numel(tuple(sb[d] for d in fb))))
    return _out(reshape(m, tuple(sa[d] for d in fa) + tuple(sb[d] for d in fb)), out)


# -- cross -----------------------------------------------------------------------------------
def _cross_infer(a, b, dim):
    return broadcast_shapes("linalg.cross", tuple(a.shape), tuple(b.shape)), a.dtype


def _cross_impl(xp, a, b, dim, out=None):
    a, b = xp.broadcast_arrays(a, b)
    a0, a1, a2 = (xp.take(a, i, axis=dim) for i in range(3))
    b0, b1, b2 = (xp.take(b, i, axis=dim) for i in range(3))
    r = xp.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=dim)
    return fill_out(out, r)


# d(a x b) . g = da . (b x g) + db . (g x a)
LINALG_CROSS = register(OpDef(
    name="linalg_cross", infer=_cross_infer, impl=_cross_impl, saves=(0, 1),
    saves_for={0: (1,), 1: (0,)},
    vjp=lambda g, a, b, out, dim: (apply(LINALG_CROSS, b, g, dim=dim),
                                   apply(LINALG_CROSS, g, a, dim=dim))))


def cross(input: Tensor, other: Tensor, dim: int | None = None, *,
          out: Tensor | None = None) -> Tensor:
    """The 3-vector cross product along ``dim`` (inputs broadcast). Without ``dim``, the first
    dim of size 3 (PyTorch's deprecated default, with its warning)."""
    if input.dtype is not other.dtype:
        raise DTypeError(f"linalg.cross: expected both inputs to have the same dtype, got "
                         f"{input.dtype.name} and {other.dtype.name}")
    if input.ndim != other.ndim:
        raise ShapeError(f"linalg.cross: inputs must have the same number of dimensions (got "
                         f"shapes {list(input.shape)} and {list(other.shape)})")
    shape = broadcast_shapes("linalg.cross", tuple(input.shape), tuple(other.shape))
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated. Please "
                      "either pass the dim explicitly or simply use torch.linalg.cross.",
                      UserWarning, stacklevel=2)
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise ShapeError(f"linalg.cross: no dimension of size 3 in input of shape "
                             f"{list(shape)}")
    d = wrap_dim("linalg.cross", dim, len(shape), wrap_scalar=False)
    sa, sb = tuple(input.shape), tuple(other.shape)
    if sa[d] != 3 or sb[d] != 3:
        raise ShapeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                         f"{sa[d]} and {sb[d]}")
    return _out(apply(LINALG_CROSS, input, other, dim=d), out)


# -- cdist -----------------------------------------------------------------------------------
def _cdist_infer(a, b, p=2.0):
    sa, sb = tuple(a.shape), tuple(b.shape)
    batch = broadcast_shapes("cdist", sa[:-2], sb[:-2])
    return batch + (sa[-2], sb[-2]), a.dtype


def _cdist_impl(xp, a, b, p=2.0, out=None):
    d = a[..., :, None, :] - b[..., None, :, :]
    if d.shape[-1] == 0:
        r = xp.zeros(d.shape[:-1], a.dtype)
    elif p == 2:
        r = xp.sqrt(xp.sum(d * d, axis=-1))
    elif p == 1:
        r = xp.sum(xp.abs(d), axis=-1)
    elif p == _INF:
        r = xp.amax(xp.abs(d), axis=-1)
    elif p == 0:
        r = xp.sum(d != 0, axis=-1).astype(a.dtype)
    else:
        r = xp.sum(xp.abs(d) ** p, axis=-1) ** (1.0 / p)
    return fill_out(out, r)


def _safe_div(g, d):
    """``g / d`` with 0 where ``d == 0`` (PyTorch's masked distance gradients)."""
    return g / where(d == 0, _INF, d)


def _cdist_vjp(g, a, b, out, p=2.0):
    diff = a.unsqueeze(-2) - b.unsqueeze(-3)                 # (..., P, R, M)
    gd, n = g.unsqueeze(-1), out.unsqueeze(-1)
    if p == 0:
        w = diff * 0
    elif p == 1:
        w = gd * sign(diff)
    elif p == 2:
        w = diff * _safe_div(gd, n)
    elif p == _INF:
        w = gd * sign(diff) * (diff.abs() == n)
    else:  # |diff|^(p-1) may be infinite at 0 for p < 1, where the gradient is 0
        mag = where(diff == 0, 1.0, diff.abs())
        w = where(diff == 0, 0.0, sign(diff) * mag ** (p - 1)) * _safe_div(gd, n ** (p - 1))
    return w.sum(-2), -w.sum(-3)


CDIST = register(OpDef(name="cdist", infer=_cdist_infer, impl=_cdist_impl, vjp=_cdist_vjp,
                       saves=(0, 1), saves_out=True))


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode=None) -> Tensor:
    """p-norm distances between the rows of ``x1`` (..., P, M) and ``x2`` (..., R, M), batch
    dims broadcast. Always computed directly (never via the less exact matmul expansion
    PyTorch may use for large inputs), so ``compute_mode`` has no effect."""
    for name, t in (("X1", x1), ("X2", x2)):
        if t.ndim < 2:
            raise ShapeError(f"cdist only supports at least 2D tensors, {name} got: {t.ndim}D")
        if not t.dtype.is_floating_point:
            raise DTypeError(f"cdist only supports floating-point dtypes, {name} got: "
                             f"{_TORCH_NAME.get(t.dtype.name, t.dtype.name)}")
    if tuple(x1.shape)[-1] != tuple(x2.shape)[-1]:
        raise ShapeError(f"X1 and X2 must have the same number of columns. X1: "
                         f"{tuple(x1.shape)[-1]} X2: {tuple(x2.shape)[-1]}")
    if x1.dtype is not x2.dtype:
        raise DTypeError(f"cdist: expected both inputs to have the same dtype, got "
                         f"{x1.dtype.name} and {x2.dtype.name}")
    p = float(p)
    if p < 0 or math.isnan(p):
        raise GraphcRuntimeError("cdist only supports non-negative p values")
    return apply(CDIST, x1, x2, p=p)


__all__ = ["cdist", "cross", "diag", "diag_embed", "kron", "tensordot", "tril", "triu"]
