"""``graphc.linalg``: PyTorch's ``torch.linalg`` namespace.

Decompositions and solvers are in ``graphc/ops/decomp.py``, norms in ``matrix_norms.py`` (as
``linalg_<name>`` where the top-level ``graphc.<name>`` has PyTorch's older signature); products in
``graphc/ops/linalg.py`` and ``graphc/ops/matrix.py``.
"""
from __future__ import annotations

from graphc.errors import LinAlgError
from graphc.ops import decomp as _decomp, matrix_norms as _norms
from graphc.ops.decomp import det, matrix_exp, matrix_power
from graphc.ops.linalg import matmul
from graphc.ops.matrix import cross as _cross
from graphc.ops.shape import diagonal as _diagonal
from graphc.tensor import Tensor

cholesky = _decomp.linalg_cholesky
cholesky_ex = _decomp.linalg_cholesky_ex
cond = _norms.linalg_cond
eigh = _decomp.linalg_eigh
eigvalsh = _decomp.linalg_eigvalsh
inv = _decomp.linalg_inv
inv_ex = _decomp.linalg_inv_ex
lstsq = _decomp.linalg_lstsq
matrix_norm = _norms.linalg_matrix_norm
matrix_rank = _decomp.linalg_matrix_rank
multi_dot = _norms.linalg_multi_dot
norm = _norms.linalg_norm
pinv = _decomp.linalg_pinv
qr = _decomp.linalg_qr
slogdet = _decomp.linalg_slogdet
solve = _decomp.linalg_solve
solve_ex = _decomp.linalg_solve_ex
solve_triangular = _decomp.linalg_solve_triangular
svd = _decomp.linalg_svd
svdvals = _decomp.linalg_svdvals
tensorinv = _decomp.linalg_tensorinv
tensorsolve = _decomp.linalg_tensorsolve
vander = _norms.linalg_vander
vecdot = _norms.linalg_vecdot
vector_norm = _norms.linalg_vector_norm


def cross(input: Tensor, other: Tensor, *, dim: int = -1, out: Tensor | None = None) -> Tensor:
    """The cross product along ``dim`` (default the last, unlike ``graphc.cross``)."""
    return _cross(input, other, dim, out=out)


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """``A.diagonal`` over the last two dims by default."""
    return _diagonal(A, offset, dim1, dim2)


__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eigh",
           "eigvalsh", "inv", "inv_ex", "lstsq", "matmul", "matrix_exp", "matrix_norm",
           "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve",
           "solve_ex", "solve_triangular", "svd", "svdvals", "tensorinv", "tensorsolve",
           "vander", "vecdot", "vector_norm"]
