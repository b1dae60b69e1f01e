"""``torch.linalg``'s norms, condition number and products (``vector_norm``, ``matrix_norm``,
``norm``, ``cond``, ``vecdot``, ``multi_dot``, ``vander``): composites of graphc ops and of the
decompositions in ``decomp.py``, so their gradients come from those ops' rules.
"""
from __future__ import annotations

from graphc import dtypes as _dt
from graphc.errors import DTypeError, GraphcValueError, ShapeError
from graphc.ops.decomp import check_matrix, linalg_inv, linalg_svdvals
from graphc.ops.elementwise import _out
from graphc.ops.linalg import matmul
from graphc.ops.pointwise import _TORCH_NAME
from graphc.ops.products import zeros_in_graph
from graphc.ops.split_join import cat
from graphc.tensor import Tensor

def linalg_vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None,
                       out: Tensor | None = None) -> Tensor:
    """The ``ord``-norm of ``x`` over ``dim`` (all of it, flattened, when None)."""
    from graphc.ops.reduce import norm
    return norm(x, float(ord), dim, keepdim, out=out, dtype=dtype)


def _matrix_dims(op: str, A: Tensor, dim) -> tuple:
    from graphc.ops.shapes import wrap_dim
    if len(tuple(dim)) != 2:
        raise GraphcValueError(f"{op}: dim must be a 2-tuple. Got {tuple(dim)}")
    d0, d1 = (wrap_dim(op, d, A.ndim) for d in dim)
    if d0 == d1:
        raise GraphcValueError(f"{op}: dims must be different. Got ({d0}, {d1})")
    return d0, d1


def linalg_matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *,
                       dtype=None, out: Tensor | None = None) -> Tensor:
    """Frobenius ('fro'), nuclear ('nuc'), spectral (2, -2), max column sum (1, -1) or max row
    sum (inf, -inf) norm of the matrices in dims ``dim``."""
    if A.ndim < 2:
        raise ShapeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                         "dimensions.")
    if dtype is not None:
        A = A.to(_dt.as_dtype(dtype))
    d0, d1 = _matrix_dims("linalg.matrix_norm", A, dim)
    spectral = ord in ("nuc", 2, -2)
    check_matrix("linalg.matrix_norm", A, square=False, half=not spectral)
    if ord == "fro":
        r = linalg_vector_norm(A, 2, (d0, d1), keepdim)
    elif spectral:
        s = linalg_svdvals(A.movedim((d0, d1), (-2, -1)))
        r = s.sum(-1) if ord == "nuc" else s.amax(-1) if ord == 2 else s.amin(-1)
        if keepdim:
            for d in sorted((d0, d1)):
                r = r.unsqueeze(d)
    elif ord in (1, -1, float("inf"), -float("inf")):
        summed, reduced = (d0, d1) if abs(ord) == 1 else (d1, d0)
        sums = A.abs().sum(summed, keepdim=True)
        r = sums.amax(reduced, keepdim=True) if ord > 0 else sums.amin(reduced, keepdim=True)
        if not keepdim:
            r = r.squeeze((d0, d1))
    else:
        raise GraphcValueError(f"linalg.matrix_norm: Order {ord} not supported.")
    return _out(r, out)


def linalg_norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None,
                out: Tensor | None = None) -> Tensor:
    """A vector norm (``dim`` an int, or a 1-D input) or a matrix norm (``dim`` a pair, or a
    2-D input with ``ord`` given); with neither ``ord`` nor ``dim``, the 2-norm of the
    flattened input."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None and len(tuple(dim)) == 2 or dim is None and ord is not None and \
            A.ndim == 2:
        return linalg_matrix_norm(A, "fro" if ord is None else ord,
                                  (-2, -1) if dim is None else dim, keepdim, dtype=dtype,
                                  out=out)
    if dim is None and ord is not None and A.ndim != 1:
        raise ShapeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                         f"1D or 2D. Got {A.ndim}D.")
    return linalg_vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype, out=out)


def linalg_cond(A: Tensor, p=None, *, out: Tensor | None = None) -> Tensor:
    """The condition number ``norm(A) * norm(inv(A))`` (by default the ratio of the largest to
    the smallest singular value)."""
    check_matrix("linalg.cond", A, square=p not in (None, 2, -2))
    if p in (None, 2, -2):
        s = linalg_svdvals(A)
        r = s.amax(-1) / s.amin(-1) if p != -2 else s.amin(-1) / s.amax(-1)
    else:
        r = linalg_matrix_norm(A, p) * linalg_matrix_norm(linalg_inv(A), p)
    return _out(r, out)


def linalg_vecdot(x: Tensor, y: Tensor, *, dim: int = -1, out: Tensor | None = None) -> Tensor:
    """Dot products along ``dim`` of broadcast ``x`` and ``y`` (which share a dtype)."""
    if x.dtype is not y.dtype:
        raise DTypeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x "
                         f"of type {_TORCH_NAME[x.dtype.name]} and y of type "
                         f"{_TORCH_NAME[y.dtype.name]} instead")
    return _out((x * y).sum(dim), out)


def linalg_multi_dot(tensors, *, out: Tensor | None = None) -> Tensor:
    """The chained product of 2-D tensors; the first and last may be 1-D (a row and a
    column vector), as in PyTorch."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise GraphcValueError(f"multi_dot(): expected at least 2 tensors but got "
                               f"{len(tensors)}")
    first, last = tensors[0].ndim == 1, tensors[-1].ndim == 1
    mats = [t.unsqueeze(0) if i == 0 and first else t.unsqueeze(-1) if i == len(tensors) - 1
            and last else t for i, t in enumerate(tensors)]
    for i, t in enumerate(mats):
        if t.ndim != 2:
            raise ShapeError(f"multi_dot(): tensor {i} must be 2D but got {tensors[i].ndim}D")
    r = mats[0]
    for t in mats[1:]:
        r = matmul(r, t)
    if first:
        r = r.squeeze(0)
    if last:
        r = r.squeeze(-1)
    return _out(r, out)


def linalg_vander(x: Tensor, *, N: int | None = None) -> Tensor:
    """The Vandermonde matrix: columns ``x**0, x**1, …, x**(N-1)`` (increasing powers), built
    by a cumulative product so its gradient is exact at 0. A 0-d ``x`` counts as one
    element."""
    if x.dtype.is_bool or x.dtype is _dt.float16:
        raise DTypeError(f"linalg.vander supports floating point, complex, and integer tensors, "
                         f"but got {_TORCH_NAME[x.dtype.name]}")
    x = x.reshape(1) if x.ndim == 0 else x
    n = tuple(x.shape)[-1] if N is None else int(N)
    if n <= 1:
        raise GraphcValueError("N must be greater than 1.")
    from graphc.ops.order import cumprod
    ones = (zeros_in_graph(x) + 1).unsqueeze(-1)
    powers = x.unsqueeze(-1).expand(tuple(x.shape) + (n - 1,))
    return cumprod(cat([ones, powers], -1), -1)
