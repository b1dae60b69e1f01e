"""Matrix functions and decompositions: ``det``, ``slogdet``, ``inv``, ``solve``,
``solve_triangular``, ``cholesky``, ``qr``, ``svd``, ``eigh``, ``pinv``, ``matrix_exp``; and
the composites built on them (``logdet``, ``matrix_power``, ``lstsq``, ``svdvals``,
``eigvalsh``, ``matrix_rank``). Norms, ``cond`` and the products of ``torch.linalg`` are in
``matrix_norms.py``.

Every op takes batches (``(*, m, n)``) and its kernel calls ``xp.linalg`` (LAPACK through NumPy,
cuSOLVER through CuPy), except ``matrix_exp``: scaling and squaring of a degree-18 Taylor
polynomial written against ``xp``, so both backends compute the same thing. The gradients are
the standard ones PyTorch uses (Giles' for inv/det/solve, Murray's for cholesky, Walter's for
qr, Townsend's for svd, the block-matrix Fréchet derivative for matrix_exp), written with graphc
ops, so they run symbolically and differentiate again. As in PyTorch, singular and
eigenvector gradients assume distinct singular values/eigenvalues, and a singular matrix
(``inv``, ``solve``) or one that is not positive definite (``cholesky``) raises
``LinAlgError``. The public functions live in ``graphc.linalg`` (PyTorch's names) and, where
PyTorch has them, in ``graphc`` (``det``, ``inverse``, ``svd`` …).
"""
from __future__ import annotations

import math

import numpy as np

from graphc import dtypes as _dt
from graphc.errors import (
    DTypeError,
    GradNotImplemented,
    GraphcNotImplementedError,
    GraphcValueError,
    LinAlgError,
    ShapeError,
    TraceError,
)
from graphc.ops.dispatch import apply
from graphc.ops.elementwise import _out, where
from graphc.ops.linalg import matmul
from graphc.ops.matrix import diag_embed, tril, triu
from graphc.ops.pointwise import _TORCH_NAME
from graphc.ops.products import zeros_in_graph
from graphc.ops.registry import OpDef, register
from graphc.ops.return_types import return_type
from graphc.ops.shape import concrete, fill_out
from graphc.ops.shapes import broadcast_shapes
from graphc.ops.split_join import cat
from graphc.tensor import Tensor

_slogdet_result = return_type("slogdet", ("sign", "logabsdet"))
_linalg_slogdet_result = return_type("linalg_slogdet", ("sign", "logabsdet"))
_qr_result = return_type("qr", ("Q", "R"))
_linalg_qr_result = return_type("linalg_qr", ("Q", "R"))
_svd_result = return_type("svd", ("U", "S", "V"))
_linalg_svd_result = return_type("linalg_svd", ("U", "S", "Vh"))
_eigh_result = return_type("linalg_eigh", ("eigenvalues", "eigenvectors"))
_lstsq_result = return_type("linalg_lstsq", ("solution", "residuals", "rank",
                                              "singular_values"))
_inv_ex_result = return_type("linalg_inv_ex", ("inverse", "info"))
_solve_ex_result = return_type("linalg_solve_ex", ("result", "info"))
_cholesky_ex_result = return_type("linalg_cholesky_ex", ("L", "info"))


# -- argument checks -------------------------------------------------------------------------
def _x(shape) -> str:
    return " by ".join(str(s) for s in shape[-2:])


def check_matrix(op: str, A: Tensor, *, square: bool = True, half: bool = False) -> None:
    """PyTorch's refusals: fewer than 2 dims, non-square batches, non-floating dtypes, and
    float16 where its LAPACK kernels have no half version."""
    if not isinstance(A, Tensor):
        from graphc.errors import ArgumentError
        raise ArgumentError(f"{op}(): argument 'A' must be Tensor, not {type(A).__name__}")
    if A.ndim < 2:
        raise ShapeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if square and tuple(A.shape)[-1] != tuple(A.shape)[-2]:
        raise ShapeError(f"{op}: A must be batches of square matrices, but they are "
                         f"{_x(tuple(A.shape))} matrices")
    if not A.dtype.is_floating_point:
        raise DTypeError(f"{op}: Expected a floating point or complex tensor as input. Got "
                         f"{_TORCH_NAME[A.dtype.name]}")
    if A.dtype is _dt.float16 and not half:
        raise DTypeError(f"{op}: Low precision dtypes not supported. Got Half")


def _same_dtype(op: str, A: Tensor, B: Tensor) -> None:
    if A.dtype is not B.dtype:
        raise DTypeError(f"{op}: Expected A and B to have the same dtype, but found A of type "
                         f"{_TORCH_NAME[A.dtype.name]} and B of type "
                         f"{_TORCH_NAME[B.dtype.name]} instead.")


def _lapack(op: str, what: str):
    """Run a kernel, turning the backend's LinAlgError into graphc's (PyTorch's message)."""
    def wrap(fn):
        def impl(xp, *args, **kw):
            try:
                return fn(xp, *args, **kw)
            except Exception as e:
                if type(e).__name__ == "LinAlgError":
                    raise LinAlgError(f"{op}: {what}") from e
                raise
        impl.__name__ = fn.__name__
        return impl
    return wrap


def _batch(shape: tuple) -> tuple:
    return tuple(shape)[:-2]


def _mT(t: Tensor) -> Tensor:  # PyTorch's spelling (Tensor.mT)
    return t.transpose(-2, -1)


def _skew(X: Tensor) -> Tensor:
    return X - _mT(X)


def _eye_like(t: Tensor, n: int) -> Tensor:
    from graphc.ops.creation import eye
    return eye(n, dtype=t.dtype, device=t.device)


# -- det / slogdet / inv ---------------------------------------------------------------------
def _det_impl(xp, a, out=None):
    return fill_out(out, xp.asarray(xp.linalg.det(a)).astype(a.dtype, copy=False))


def _det_vjp(g, A, out):
    # d det(A) = det(A) tr(A^-1 dA): the gradient is g det(A) A^-T.
    return ((g * out).unsqueeze(-1).unsqueeze(-1) * _mT(apply(INV, A)),)


DET = register(OpDef(name="linalg_det", infer=lambda A: (_batch(A.shape), A.dtype),
                     impl=_det_impl, vjp=_det_vjp, saves=(0,), saves_out=True))


def _slogdet_impl(xp, a, out=None):
    sign, logabs = xp.linalg.slogdet(a)
    return xp.asarray(sign).astype(a.dtype), xp.asarray(logabs).astype(a.dtype)


def _slogdet_vjp(grads, A, out):
    g = grads[1]
    if g is None:
        return (None,)
    return (g.unsqueeze(-1).unsqueeze(-1) * _mT(apply(INV, A)),)


SLOGDET = register(OpDef(
    name="linalg_slogdet",
    infer=lambda A: ((_batch(A.shape), A.dtype), (_batch(A.shape), A.dtype)),
    impl=_slogdet_impl, vjp=_slogdet_vjp, n_outputs=2, saves=(0,)))


@_lapack("linalg.inv", "The inversion could not be completed because the input matrix is "
                       "singular.")
def _inv_impl(xp, a, out=None):
    return fill_out(out, xp.linalg.inv(a))


INV = register(OpDef(
    name="linalg_inv", infer=lambda A: (tuple(A.shape), A.dtype), impl=_inv_impl,
    vjp=lambda g, A, out: (-(_mT(out) @ g @ _mT(out)),), saves_out=True,
    grad_name="LinalgInvExBackward0"))


# -- solve / solve_triangular ----------------------------------------------------------------
@_lapack("linalg.solve", "The solver failed because the input matrix is singular.")
def _solve_impl(xp, a, b, out=None):
    return fill_out(out, xp.linalg.solve(a, b))


def _solve_infer(A, B):
    batch = broadcast_shapes("linalg.solve", _batch(A.shape), _batch(B.shape))
    return batch + tuple(B.shape)[-2:], A.dtype


def _solve_vjp(g, A, B, out, needs):
    gB = apply(SOLVE, _mT(A), g)
    return (-(gB @ _mT(out)) if needs[0] else None, gB if needs[1] else None)


SOLVE = register(OpDef(name="linalg_solve", infer=_solve_infer, impl=_solve_impl,
                       vjp=_solve_vjp, saves=(0,), saves_out=True, needs_mask=True))


def _triangle(xp, a, upper: bool, unit: bool):
    t = xp.triu(a) if upper else xp.tril(a)
    if unit:
        t = t.copy()
        n = t.shape[-1]
        t[..., xp.arange(n), xp.arange(n)] = 1
    return t


def _solve_triangular_impl(xp, a, b, upper, left, unitriangular, out=None):
    t = _triangle(xp, a, upper, unitriangular)
    with np.errstate(divide="ignore", invalid="ignore"):
        if left:
            r = xp.linalg.solve(t, b) if t.shape[-1] else xp.zeros(b.shape, b.dtype)
        else:  # X T = B  <=>  T^T X^T = B^T
            r = xp.swapaxes(xp.linalg.solve(xp.swapaxes(t, -1, -2), xp.swapaxes(b, -1, -2)),
                            -1, -2) if t.shape[-1] else xp.zeros(b.shape, b.dtype)
    return fill_out(out, r)


def _solve_triangular_infer(A, B, upper, left, unitriangular):
    batch = broadcast_shapes("linalg.solve_triangular", _batch(A.shape), _batch(B.shape))
    return batch + tuple(B.shape)[-2:], A.dtype


def _solve_triangular_vjp(g, A, B, out, needs, upper, left, unitriangular):
    # left:  X = T^-1 B,  gB = T^-T g,  gT = -gB X^T;  right: X = B T^-1, gB = g T^-T,
    # gT = -X^T gB; gT is then projected onto T's structure (strict when unitriangular).
    gB = apply(SOLVE_TRIANGULAR, _mT(A), g, upper=not upper, left=left,
               unitriangular=unitriangular)
    gA = None
    if needs[0]:
        gT = -(gB @ _mT(out)) if left else -(_mT(out) @ gB)
        k = 1 if unitriangular else 0
        gA = triu(gT, k) if upper else tril(gT, -k)
    return gA, gB if needs[1] else None


SOLVE_TRIANGULAR = register(OpDef(
    name="linalg_solve_triangular", infer=_solve_triangular_infer,
    impl=_solve_triangular_impl, vjp=_solve_triangular_vjp, saves=(0,), saves_out=True,
    needs_mask=True))


# -- cholesky --------------------------------------------------------------------------------
@_lapack("linalg.cholesky", "The factorization could not be completed because the input is "
                            "not positive-definite.")
def _cholesky_impl(xp, a, upper=False, out=None):
    L = xp.linalg.cholesky(a)
    return fill_out(out, xp.swapaxes(L, -1, -2) if upper else L)


def _cholesky_vjp(g, A, out, upper=False):
    # Murray's rule as PyTorch writes it: with Phi = tril(L^T gL) halved on the diagonal,
    # gA = L^-T Phi L^-1, symmetrized.
    L, gL = (_mT(out), _mT(g)) if upper else (out, g)
    phi = tril(_mT(L) @ gL)
    phi = 0.5 * (phi + _mT(tril(phi, -1)))
    gA = apply(SOLVE_TRIANGULAR, _mT(L), phi, upper=True, left=True, unitriangular=False)
    gA = apply(SOLVE_TRIANGULAR, L, gA, upper=False, left=False, unitriangular=False)
    return (gA,)


CHOLESKY = register(OpDef(name="linalg_cholesky", infer=lambda A, upper=False: (
    tuple(A.shape), A.dtype), impl=_cholesky_impl, vjp=_cholesky_vjp, saves_out=True,
    grad_name="LinalgCholeskyExBackward0"))


# -- qr --------------------------------------------------------------------------------------
def _qr_shapes(shape: tuple, mode: str) -> tuple:
    *batch, m, n = shape
    k = min(m, n)
    batch = tuple(batch)
    if mode == "r":
        return (0,), batch + (k, n)
    if mode == "complete":
        return batch + (m, m), batch + (m, n)
    return batch + (m, k), batch + (k, n)


def _qr_impl(xp, a, mode, out=None):
    if mode == "r":
        return xp.empty((0,), a.dtype), xp.linalg.qr(a, mode="r")
    q, r = xp.linalg.qr(a, mode=mode)
    return q, r


def _qr_grad_square(Q, R, gQ, gR):
    """Walter and Lehmann's rule for ``A = QR`` with R square (m >= n, reduced), as
    TensorFlow arranges it: with ``qdq = Q^T gQ`` and ``low = tril(skew(qdq) + skew(R gR^T))``,
    ``gA = Q (gR + low R^-T) + (gQ - Q qdq) R^-T``."""
    qdq = _mT(Q) @ gQ
    low = tril(_skew(qdq) + _skew(R @ _mT(gR)))
    return Q @ (gR + _right_solve(R, low)) + _right_solve(R, gQ - Q @ qdq)


def _right_solve(R: Tensor, X: Tensor) -> Tensor:
    """``X R^-T`` for upper-triangular R (a right solve with the lower triangle R^T)."""
    return apply(SOLVE_TRIANGULAR, _mT(R), X, upper=False, left=False, unitriangular=False)


def _qr_vjp(grads, A, out, mode):
    if mode == "r":
        raise GradNotImplemented("The derivative of linalg.qr depends on Q, which is not "
                                 "computed when mode='r'. Please use linalg.qr(A, "
                                 "mode='reduced') if you are going to differentiate through "
                                 "linalg.qr.")
    *_, m, n = tuple(A.shape)
    if mode == "complete" and m > n:
        raise GradNotImplemented("The QR decomposition is not differentiable when "
                                 "mode='complete' and nrows > ncols.")
    Q, R = apply(QR, A, mode=mode)
    gQ = grads[0] if grads[0] is not None else Q.new_zeros(tuple(Q.shape))
    gR = grads[1] if grads[1] is not None else R.new_zeros(tuple(R.shape))
    if m >= n:
        return (_qr_grad_square(Q, R, gQ, gR),)
    # Wide A = [X | Y]: X = Q U is a square QR and Y = Q V (TensorFlow's split).
    Y = A[..., m:]
    U, gU, gV = R[..., :m], gR[..., :m], gR[..., m:]
    gX = _qr_grad_square(Q, U, gQ + Y @ _mT(gV), gU)
    return (cat([gX, Q @ gV], -1),)


QR = register(OpDef(
    name="linalg_qr", infer=lambda A, mode: tuple((s, A.dtype) for s in _qr_shapes(
        tuple(A.shape), mode)), impl=_qr_impl, vjp=_qr_vjp, n_outputs=2, saves=(0,)))


# -- svd -------------------------------------------------------------------------------------
def _svd_shapes(shape: tuple, full: bool) -> tuple:
    *batch, m, n = shape
    k = min(m, n)
    batch = tuple(batch)
    if full:
        return batch + (m, m), batch + (k,), batch + (n, n)
    return batch + (m, k), batch + (k,), batch + (k, n)


def _svd_impl(xp, a, full_matrices, out=None):
    m, n = a.shape[-2:]
    if m == 0 or n == 0:  # LAPACK refuses empty matrices; the factors are empty or identity
        shapes = _svd_shapes(a.shape, full_matrices)
        eye = [xp.broadcast_to(xp.eye(s[-1], dtype=a.dtype), s).copy() if s[-1] == s[-2]
               else xp.zeros(s, a.dtype) for s in (shapes[0], shapes[2])]
        return eye[0], xp.zeros(shapes[1], a.dtype), eye[1]
    u, s, vh = xp.linalg.svd(a, full_matrices=full_matrices)
    return u, s.astype(a.dtype, copy=False), vh


def svd_backward(gU, gS, gVh, U, S, Vh) -> Tensor:
    """The gradient of the reduced SVD ``A = U diag(S) Vh`` (PyTorch's svd_backward, real
    case): assumes distinct, nonzero singular values where gU/gVh are given."""
    m, n = tuple(U.shape)[-2], tuple(Vh.shape)[-1]
    if gU is None and gVh is None:
        return U @ (gS.unsqueeze(-1) * Vh) if m >= n else (U * gS.unsqueeze(-2)) @ Vh
    S2 = S * S
    E = S2.unsqueeze(-2) - S2.unsqueeze(-1)
    k = tuple(S.shape)[-1]
    E = E + _eye_like(E, k)  # the diagonal is never used: avoid dividing by 0 there
    UhgU = _skew(_mT(U) @ gU) if gU is not None else None
    VhgV = _skew(Vh @ _mT(gVh)) if gVh is not None else None
    if UhgU is not None and VhgV is not None:
        gA = (UhgU * S.unsqueeze(-2) + S.unsqueeze(-1) * VhgV) / E
    elif UhgU is None:
        gA = S.unsqueeze(-1) * VhgV / E
    else:
        gA = UhgU / E * S.unsqueeze(-2)
    if gS is not None:
        gA = gA + diag_embed(gS)
    if m > n and gU is not None:
        gA = U @ gA
        gUSinv = gU / S.unsqueeze(-2)
        gA = gA + gUSinv - U @ (_mT(U) @ gUSinv)
        return gA @ Vh
    if m < n and gVh is not None:
        gA = gA @ Vh
        SinvgVh = gVh / S.unsqueeze(-1)
        gA = gA + SinvgVh - (SinvgVh @ _mT(Vh)) @ Vh
        return U @ gA
    return U @ (gA @ Vh) if m >= n else (U @ gA) @ Vh


def _svd_vjp(grads, A, out, full_matrices):
    gU, gS, gVh = grads
    U, S, Vh = apply(SVD, A, full_matrices=False)
    if full_matrices:  # only the first k singular vectors enter A: drop the rest
        k = tuple(S.shape)[-1]
        gU = gU[..., :k] if gU is not None else None
        gVh = gVh[..., :k, :] if gVh is not None else None
    return (svd_backward(gU, gS, gVh, U, S, Vh),)


SVD = register(OpDef(
    name="linalg_svd", infer=lambda A, full_matrices: tuple(
        (s, A.dtype) for s in _svd_shapes(tuple(A.shape), full_matrices)),
    impl=_svd_impl, vjp=_svd_vjp, n_outputs=3, saves=(0,)))


# -- eigh ------------------------------------------------------------------------------------
def _eigh_impl(xp, a, uplo, out=None):
    w, v = xp.linalg.eigh(a, UPLO=uplo)
    return w.astype(a.dtype, copy=False), v


def _eigh_vjp(grads, A, out, uplo):
    # gA = V (diag(gL) + skew(V^T gV) / 2 / E) V^T, E_ij = L_j - L_i (PyTorch's hermitian
    # case); symmetric by construction.
    gL, gV = grads
    L, V = apply(EIGH, A, uplo=uplo)
    if gV is None:
        return (V @ (gL.unsqueeze(-1) * _mT(V)),)
    n = tuple(L.shape)[-1]
    E = L.unsqueeze(-2) - L.unsqueeze(-1) + _eye_like(L, n)
    inner = 0.5 * _skew(_mT(V) @ gV) / E
    if gL is not None:
        inner = inner + diag_embed(gL)
    return (V @ inner @ _mT(V),)


EIGH = register(OpDef(
    name="linalg_eigh", infer=lambda A, uplo: ((_batch(A.shape) + tuple(A.shape)[-1:],
                                                 A.dtype), (tuple(A.shape), A.dtype)),
    impl=_eigh_impl, vjp=_eigh_vjp, n_outputs=2, saves=(0,)))


# -- pinv ------------------------------------------------------------------------------------
def _pinv_impl(xp, a, atol, rtol, hermitian, out=None):
    *batch, m, n = a.shape
    if m == 0 or n == 0:
        return fill_out(out, xp.zeros(tuple(batch) + (n, m), a.dtype))
    if hermitian:
        w, v = xp.linalg.eigh(a)
        s, u, vh = xp.abs(w), v * xp.sign(w)[..., None, :], xp.swapaxes(v, -1, -2)
    else:
        u, s, vh = xp.linalg.svd(a, full_matrices=False)
    smax = xp.max(s, axis=-1, keepdims=True)
    cutoff = xp.maximum(atol, rtol * smax)
    with np.errstate(divide="ignore"):
        sinv = xp.where(s > cutoff, 1.0 / xp.where(s > cutoff, s, 1), 0).astype(a.dtype)
    r = xp.matmul(xp.swapaxes(vh, -1, -2) * sinv[..., None, :], xp.swapaxes(u, -1, -2))
    return fill_out(out, r.astype(a.dtype, copy=False))


def _pinv_vjp(g, A, out, atol, rtol, hermitian):
    # Golub and Pereyra's derivative of the pseudo-inverse (PyTorch's pinv_backward), arranged
    # so the products are of the smaller dimension.
    m, n = tuple(A.shape)[-2:]
    P, Ph, gh = out, _mT(out), _mT(g)
    if m <= n:
        K = gh @ P
        KPh = K @ Ph
        return (-_mT(P @ K) + KPh - (A @ P) @ KPh + (Ph @ P) @ (gh - K @ A),)
    K = P @ gh
    PhK = Ph @ K
    return (-_mT(K @ P) + (gh - A @ K) @ P @ Ph + PhK - (PhK @ P) @ A,)


PINV = register(OpDef(
    name="linalg_pinv", infer=lambda A, atol, rtol, hermitian: (
        _batch(A.shape) + (tuple(A.shape)[-1], tuple(A.shape)[-2]), A.dtype),
    impl=_pinv_impl, vjp=_pinv_vjp, saves=(0,), saves_out=True))


# -- matrix_exp ------------------------------------------------------------------------------
_TAYLOR_DEGREE = 18


def _matrix_exp_impl(xp, a, out=None):
    """exp(A) by scaling and squaring: exp(A) = exp(A / 2^s)^(2^s), with ||A / 2^s||_1 <= 1/2
    so the Taylor polynomial of degree 18 is exact to far below float64 rounding."""
    work = a.astype(np.float32) if a.dtype == np.float16 else a
    n = work.shape[-1]
    if n == 0 or work.size == 0:
        return fill_out(out, xp.zeros(a.shape, a.dtype))
    norm = float(xp.max(xp.sum(xp.abs(work), axis=-2))) if work.size else 0.0
    s = max(0, math.ceil(math.log2(norm / 0.5))) if norm > 0.5 and math.isfinite(norm) else 0
    x = work / (2.0 ** s)
    eye = xp.eye(n, dtype=work.dtype)
    r = eye + x / _TAYLOR_DEGREE
    for k in range(_TAYLOR_DEGREE - 1, 0, -1):  # Horner: I + x/k (I + x/(k+1) (…))
        r = eye + xp.matmul(x, r) / k
    for _ in range(s):
        r = xp.matmul(r, r)
    return fill_out(out, r.astype(a.dtype, copy=False))


def _matrix_exp_vjp(g, A, out):
    # The Fréchet derivative L(A^T, G) is the upper-right block of exp([[A^T, G], [0, A^T]]).
    n = tuple(A.shape)[-1]
    At = _mT(A)
    big = cat([cat([At, g], -1), cat([g.new_zeros(tuple(At.shape)), At], -1)], -2)
    return (apply(MATRIX_EXP, big)[..., :n, n:],)


MATRIX_EXP = register(OpDef(name="linalg_matrix_exp", infer=lambda A: (tuple(A.shape), A.dtype),
                            impl=_matrix_exp_impl, vjp=_matrix_exp_vjp, saves=(0,)))


# -- public functions ------------------------------------------------------------------------
def det(A: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The determinant of each square matrix of ``A``."""
    check_matrix("linalg.det", A, half=False)
    return _out(apply(DET, A), out)


def linalg_slogdet(A: Tensor, *, out=None):
    """``(sign, log|det|)`` of each square matrix: the determinant without over/underflow."""
    check_matrix("linalg.slogdet", A)
    return _linalg_slogdet_result(*apply(SLOGDET, A))


def logdet(input: Tensor) -> Tensor:
    """``log(det(A))``: NaN where the determinant is negative, -inf where it is 0."""
    check_matrix("logdet", input)
    sign, logabs = apply(SLOGDET, input)
    return where(sign < 0, float("nan"), logabs)


def linalg_inv(A: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The inverse of each square matrix; ``LinAlgError`` if one is singular."""
    check_matrix("linalg.inv", A)
    return _out(apply(INV, A), out)


def linalg_inv_ex(A: Tensor, *, check_errors: bool = False, out=None):
    """``(inverse, info)``; graphc raises on a singular matrix instead of reporting it."""
    inverse = linalg_inv(A)
    from graphc.ops.creation import zeros
    return _inv_ex_result(inverse, zeros(_batch(A.shape), dtype=_dt.int32, device=A.device))


def _vector_rhs(A: Tensor, B: Tensor) -> bool:
    """PyTorch's rule: B is a (batch of) vector(s) if 1-D or shaped like A without its last
    dim."""
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape)[:-1])


def linalg_solve(A: Tensor, B: Tensor, *, left: bool = True,
                 out: Tensor | None = None) -> Tensor:
    """``X`` with ``A X = B`` (``X A = B`` when ``left=False``); batches broadcast, and ``B``
    may be a vector."""
    check_matrix("linalg.solve", A)
    if not isinstance(B, Tensor) or B.ndim < 1:
        raise ShapeError("linalg.solve: The input tensor B must have at least 1 dimension.")
    _same_dtype("linalg.solve", A, B)
    vector = _vector_rhs(A, B)
    Bm = B.unsqueeze(-1) if vector else B
    if not left:
        A, Bm = _mT(A), _mT(Bm)
    n = tuple(A.shape)[-1]
    if tuple(Bm.shape)[-2] != n:
        raise ShapeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                         f"{'AX = B' if left else 'XA = B'} ({n}x{n} and "
                         f"{'x'.join(str(s) for s in tuple(Bm.shape)[-2:])})")
    X = apply(SOLVE, A, Bm)
    X = X if left else _mT(X)
    return _out(X.squeeze(-1) if vector else X, out)


def linalg_solve_ex(A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False,
                    out=None):
    """``(result, info)``; graphc raises on a singular matrix instead of reporting it."""
    X = linalg_solve(A, B, left=left)
    from graphc.ops.creation import zeros
    return _solve_ex_result(X, zeros(_batch(A.shape), dtype=_dt.int32, device=A.device))


def linalg_tensorinv(A: Tensor, ind: int = 2, *, out: Tensor | None = None) -> Tensor:
    """The inverse of ``A`` seen as a linear map from its last dims to its first ``ind``:
    shape ``A.shape[ind:] + A.shape[:ind]``."""
    shape = tuple(A.shape)
    if ind <= 0:
        raise GraphcValueError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    rows, cols = math.prod(shape[:ind]), math.prod(shape[ind:])
    if rows != cols:
        raise ShapeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                         f"prod(self.shape[:ind]), but got {cols} != {rows}")
    return _out(linalg_inv(A.reshape(rows, cols)).reshape(shape[ind:] + shape[:ind]), out)


def linalg_tensorsolve(A: Tensor, B: Tensor, dims=None, *, out: Tensor | None = None) -> Tensor:
    """``X`` with ``tensordot(A, X, X.ndim) = B``; ``dims`` of A are first moved to the end."""
    if dims is not None:
        dims = [d % A.ndim for d in dims]
        A = A.movedim(tuple(dims), tuple(range(A.ndim - len(dims), A.ndim)))
    rest = tuple(A.shape)[B.ndim:]
    n = math.prod(tuple(B.shape))
    if math.prod(rest) != n or tuple(A.shape)[:B.ndim] != tuple(B.shape):
        raise ShapeError(f"Expected self to satisfy the requirement "
                         f"prod(self.shape[other.ndim:]) == prod(self.shape[:other.ndim]), but "
                         f"got {math.prod(rest)} != {n} (shapes {list(A.shape)} and "
                         f"{list(B.shape)})")
    return _out(linalg_solve(A.reshape(n, n), B.reshape(n)).reshape(rest), out)

def linalg_solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True,
                     unitriangular: bool = False, out: Tensor | None = None) -> Tensor:
    """``X`` with ``T X = B`` (or ``X T = B``) for the upper/lower triangle ``T`` of ``A``
    (its diagonal taken as ones when ``unitriangular``)."""
    check_matrix("linalg.solve_triangular", A)
    if B.ndim < 2:
        raise ShapeError("linalg.solve_triangular: The input tensor B must have at least 2 "
                         "dimensions.")
    B = B if B.dtype is A.dtype else B.to(A.dtype)  # PyTorch casts B to A's dtype here
    n = tuple(A.shape)[-1]
    if tuple(B.shape)[-2 if left else -1] != n:
        raise ShapeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the "
                         f"equation {'AX = B' if left else 'XA = B'} ({n}x{n} and "
                         f"{'x'.join(str(s) for s in tuple(B.shape)[-2:])})")
    return _out(apply(SOLVE_TRIANGULAR, A, B, upper=bool(upper), left=bool(left),
                      unitriangular=bool(unitriangular)), out)


def linalg_cholesky(A: Tensor, *, upper: bool = False, out: Tensor | None = None) -> Tensor:
    """The Cholesky factor ``L`` (``A = L L^T``) of each symmetric positive-definite matrix,
    read from its lower triangle; ``L^T`` when ``upper``."""
    check_matrix("linalg.cholesky", A)
    return _out(apply(CHOLESKY, A, upper=bool(upper)), out)


def linalg_cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False,
                       out=None):
    L = linalg_cholesky(A, upper=upper)
    from graphc.ops.creation import zeros
    return _cholesky_ex_result(L, zeros(_batch(A.shape), dtype=_dt.int32, device=A.device))


def linalg_qr(A: Tensor, mode: str = "reduced", *, out=None):
    """``(Q, R)`` with ``A = Q R``, Q orthonormal columns, R upper triangular; ``mode`` is
    'reduced', 'complete' or 'r' (Q empty, and no gradient)."""
    if mode not in ("reduced", "complete", "r"):
        raise GraphcValueError(f"qr received unrecognized mode '{mode}' but expected one of "
                               f"'reduced' (default), 'r', or 'complete'")
    check_matrix("linalg.qr", A, square=False)
    return _linalg_qr_result(*apply(QR, A, mode=mode))


def linalg_svd(A: Tensor, full_matrices: bool = True, *, driver=None, out=None):
    """``(U, S, Vh)`` with ``A = U diag(S) Vh``, S descending. As in PyTorch the singular
    vectors are unique only up to sign, so only sign-invariant functions of them have
    meaningful gradients."""
    check_matrix("linalg.svd", A, square=False)
    return _linalg_svd_result(*apply(SVD, A, full_matrices=bool(full_matrices)))


def linalg_svdvals(A: Tensor, *, driver=None, out: Tensor | None = None) -> Tensor:
    """The singular values of ``A``, descending."""
    check_matrix("linalg.svdvals", A, square=False)
    return _out(apply(SVD, A, full_matrices=False)[1], out)


def linalg_eigh(A: Tensor, UPLO: str = "L", *, out=None):
    """``(eigenvalues, eigenvectors)`` of each symmetric matrix (read from its ``UPLO``
    triangle), eigenvalues ascending."""
    check_matrix("linalg.eigh", A)
    if UPLO not in ("L", "U"):
        raise GraphcValueError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return _eigh_result(*apply(EIGH, A, uplo=UPLO))


def linalg_eigvalsh(A: Tensor, UPLO: str = "L", *, out: Tensor | None = None) -> Tensor:
    """The eigenvalues of each symmetric matrix, ascending."""
    return _out(linalg_eigh(A, UPLO)[0], out)


def _tolerances(A: Tensor, atol, rtol, rcond=None) -> tuple:
    if rcond is not None:
        rtol = rcond
    if isinstance(atol, Tensor) or isinstance(rtol, Tensor):
        raise GraphcNotImplementedError("pinv/matrix_rank: tensor tolerances are not supported "
                                        "by graphc; pass floats")
    if rtol is None:
        rtol = 0.0 if atol else float(np.finfo(A.dtype.np).eps) * max(tuple(A.shape)[-2:])
    return float(atol or 0.0), float(rtol)


def linalg_pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False,
         out: Tensor | None = None) -> Tensor:
    """The Moore-Penrose pseudo-inverse: singular values below ``max(atol, rtol * s_max)`` are
    treated as zero (default rtol: eps * max(m, n))."""
    check_matrix("linalg.pinv", A, square=bool(hermitian))
    atol, rtol = _tolerances(A, atol, rtol)
    return _out(apply(PINV, A, atol=atol, rtol=rtol, hermitian=bool(hermitian)), out)


def matrix_power(A: Tensor, n: int, *, out: Tensor | None = None) -> Tensor:
    """``A`` multiplied by itself ``n`` times (by repeated squaring); ``n = 0`` gives the
    identity, ``n < 0`` powers of the inverse."""
    if A.ndim < 2:
        raise ShapeError("linalg.matrix_power: The input tensor A must have at least 2 "
                         "dimensions.")
    if tuple(A.shape)[-1] != tuple(A.shape)[-2]:
        raise ShapeError(f"linalg.matrix_power: A must be batches of square matrices, but "
                         f"they are {_x(tuple(A.shape))} matrices")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        from graphc.errors import ArgumentError
        raise ArgumentError(f"matrix_power(): argument 'n' must be int, not {type(n).__name__}")
    if A.dtype.is_bool and abs(n) >= 2:
        raise GraphcNotImplementedError('"addmm_impl_cpu_" not implemented for \'Bool\'')
    if n == 0:
        size = tuple(A.shape)[-1]
        return _out(zeros_in_graph(A) + _eye_like(A, size), out)
    base = linalg_inv(A) if n < 0 else A
    result, power, k = None, base, abs(int(n))
    while k:
        if k & 1:
            result = power if result is None else matmul(result, power)
        k >>= 1
        if k:
            power = matmul(power, power)
    return _out(result, out)


def matrix_exp(A: Tensor) -> Tensor:
    """The matrix exponential ``sum_k A^k / k!`` of each square matrix."""
    check_matrix("linalg.matrix_exp", A, half=True)
    return apply(MATRIX_EXP, A)


def linalg_matrix_rank(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False, tol=None,
                out: Tensor | None = None) -> Tensor:
    """How many singular values exceed ``max(atol, rtol * s_max)`` (int64)."""
    check_matrix("linalg.matrix_rank", A, square=bool(hermitian))
    if tol is not None:
        atol, rtol = tol, 0.0
    atol, rtol = _tolerances(A, atol, rtol)
    with _no_grad():
        s = linalg_eigvalsh(A).abs() if hermitian else linalg_svdvals(A)
        if tuple(s.shape)[-1] == 0:
            from graphc.ops.creation import zeros
            return _out(zeros(tuple(s.shape)[:-1], dtype=_dt.int64, device=A.device), out)
        cutoff = (s.amax(-1, keepdim=True) * rtol).clamp_min(atol)
        return _out((s > cutoff).sum(-1), out)


def _no_grad():
    from graphc.autograd.grad_mode import no_grad
    return no_grad()


_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def linalg_lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *,
                 driver: str | None = None):
    """The least-squares solution of ``A X = B`` (minimum norm when rank deficient), as
    ``(solution, residuals, rank, singular_values)``. The solution is ``pinv(A) @ B``, whose
    gradient is PyTorch's; the other fields follow the driver as PyTorch's CPU kernel fills
    them (``gelsy``, the default: rank only)."""
    check_matrix("linalg.lstsq", A, square=False)
    if A.dtype is not B.dtype:
        raise DTypeError(f"linalg.lstsq: Expected input and other to have the same dtype, but "
                         f"got input's dtype {_TORCH_NAME[A.dtype.name]} and other's dtype "
                         f"{_TORCH_NAME[B.dtype.name]}")
    if not (A.ndim >= B.ndim and A.ndim - B.ndim <= 1):
        raise ShapeError(f"torch.linalg.lstsq: input.dim() must be greater or equal to "
                         f"other.dim() and (input.dim() - other.dim()) <= 1 (got shapes "
                         f"{list(A.shape)} and {list(B.shape)})")
    driver = driver or "gelsy"
    if driver not in _DRIVERS:
        raise GraphcValueError(f"parameter `driver` should be one of {_DRIVERS}")
    vector = A.ndim - 1 == B.ndim
    Bm = B.unsqueeze(-1) if vector else B
    m, n = tuple(A.shape)[-2:]
    if tuple(Bm.shape)[-2] != m:
        raise ShapeError(f"linalg.lstsq: input.size(-2) should match other.size(-2) (got "
                         f"{m} and {tuple(Bm.shape)[-2]})")
    _, rtol = _tolerances(A, None, None, rcond)
    X = matmul(linalg_pinv(A, rtol=rtol), Bm)
    empty = A.new_zeros((0,))
    rank = linalg_matrix_rank(A, rtol=rtol) if driver != "gels" else empty.to(_dt.int64)
    with _no_grad():
        sv = linalg_svdvals(A) if driver in ("gelsd", "gelss") else empty
        residuals = empty
        if m > n and driver != "gelsy" and not concrete(A):
            raise TraceError(f"linalg.lstsq: with driver={driver!r} whether residuals are "
                             f"returned depends on the data (the rank of A), so it cannot be "
                             f"traced; use the default driver")
        if m > n and driver != "gelsy" and bool((linalg_matrix_rank(A, rtol=rtol) == n).all()):
            residuals = ((matmul(A, X) - Bm) ** 2).sum(-2)  # (a vector B has one column)
    return _lstsq_result(X.squeeze(-1) if vector else X, residuals, rank, sv)


# -- PyTorch's older top-level forms (torch.inverse, torch.svd, torch.qr …) ------------------
def slogdet(input: Tensor):
    """``torch.slogdet``: ``(sign, logabsdet)``."""
    return _slogdet_result(*linalg_slogdet(input))


def inverse(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    return linalg_inv(input, out=out)


def cholesky(input: Tensor, upper: bool = False, *, out: Tensor | None = None) -> Tensor:
    """``torch.cholesky`` (deprecated in PyTorch for ``linalg.cholesky``)."""
    return linalg_cholesky(input, upper=upper, out=out)


def qr(input: Tensor, some: bool = True, *, out=None):
    """``torch.qr``: ``some=True`` is mode 'reduced', ``False`` 'complete'."""
    return _qr_result(*linalg_qr(input, "reduced" if some else "complete"))


def svd(input: Tensor, some: bool = True, compute_uv: bool = True, *, out=None):
    """``torch.svd``: ``(U, S, V)`` with ``V`` (not ``Vh``); without ``compute_uv`` U and V
    are zeros of the full shapes, as in PyTorch."""
    U, S, Vh = linalg_svd(input, full_matrices=not some)
    if not compute_uv:
        full = _svd_shapes(tuple(input.shape), True)
        return _svd_result(input.new_zeros(full[0]), S, input.new_zeros(full[2]))
    return _svd_result(U, S, _mT(Vh))


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    return linalg_pinv(input, rtol=rcond)


__all__ = ["cholesky", "det", "inverse", "logdet", "matrix_exp", "matrix_power", "pinverse",
           "qr", "slogdet", "svd"]
