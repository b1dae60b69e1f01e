"""Conformance rows for the matrix functions and decompositions (graphc/ops/decomp.py) and
the ``graphc.linalg`` namespace.

Inputs are well conditioned (a random matrix plus a multiple of the identity, or symmetric
positive definite ones built inside the row), so finite differences in float64 are accurate.
Singular and eigenvectors are unique only up to sign, and LAPACK builds differ in the sign they
pick, so rows compare sign-invariant functions of them (``U @ Vh``, ``Q * Q``); decompositions
that read one triangle (cholesky, eigh) get a symmetric input built inside the row, so their
gradients (symmetric, as PyTorch's) match finite differences.
"""
import numpy as np
import scipy.linalg as sl

from tests.ops.spec import OpSpec

_T = {"atol": 1e-4, "rtol": 1e-4}  # float32 LAPACK against a float64 reference


def _r(name, fn, ref, make, **kw):
    return OpSpec(name, fn, [], ref, make=make, **{**_T, **kw})


def _well(*shapes, shift=3.0):
    """Random matrices plus ``shift`` times the identity (when square), and other inputs."""
    def make(rng, dt):
        out = []
        for s in shapes:
            a = rng.uniform(-1, 1, s)
            if len(s) >= 2 and s[-1] == s[-2]:
                a = a + shift * np.eye(s[-1])
            out.append(a.astype(dt))
        return out
    return make


def _spd(m, x):
    """A symmetric positive-definite matrix from any square ``x`` (graphc or torch). Rows
    built on it (and on ``_sym``) read the matrix size, so they skip the 0-d rerun."""
    n = x.shape[-1]
    return x @ x.mT + n * m.eye(n, dtype=x.dtype)


def _np_spd(x):
    n = x.shape[-1]
    return x @ np.swapaxes(x, -1, -2) + n * np.eye(n)


def _sym(m, x):
    """A symmetric matrix with well-separated eigenvalues (eigh's gradient needs them)."""
    n = x.shape[-1]
    return x + x.mT + m.diag(m.arange(n) * 4.0)


def _np_sym(x):
    n = x.shape[-1]
    return x + np.swapaxes(x, -1, -2) + np.diag(np.arange(n) * 4.0)


def _np_slogdet(a):
    return tuple(np.linalg.slogdet(a))


def _np_power(a, n):
    return np.linalg.matrix_power(a, n)


def _svd_invariant(out):
    U, S, Vh = out
    k = S.shape[-1]
    return S, U[..., :k] @ Vh[..., :k, :]


def _np_svd_invariant(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return s, u @ vh


def _eigh_invariant(out):
    return out[0], out[1] * out[1]


def _np_eigh_invariant(a):
    w, v = np.linalg.eigh(a)
    return w, v * v


def _np_pinv(a):
    return np.linalg.pinv(a)


def _np_lstsq(a, b):
    x = np.linalg.lstsq(a, b, rcond=None)[0]
    return x, np.array(np.linalg.matrix_rank(a))


def _vander(x, n):
    return np.vander(x, n, increasing=True)


def _negdet(rng, dt):
    a = rng.uniform(-1, 1, (3, 3)) + np.diag([-3.0, 3.0, 3.0])
    return [a.astype(dt)]


SPECS = [
    # -- determinants and inverses ---------------------------------------------------------
    _r("linalg_det", lambda m, a: m.linalg.det(a), np.linalg.det, _well((3, 3))),
    _r("det_batched_method", lambda m, a: a.det(), np.linalg.det, _well((2, 4, 4))),
    _r("linalg_slogdet_negative", lambda m, a: m.linalg.slogdet(a), _np_slogdet, _negdet),
    _r("slogdet_method", lambda m, a: a.slogdet(), _np_slogdet, _well((2, 3, 3))),
    _r("logdet", lambda m, a: m.logdet(_spd(m, a)), lambda a: np.linalg.slogdet(_np_spd(a))[1],
       _well((3, 3)), zero_dim=False),
    _r("linalg_inv", lambda m, a: m.linalg.inv(a), np.linalg.inv, _well((3, 3))),
    _r("inverse_batched_method", lambda m, a: a.inverse(), np.linalg.inv, _well((2, 3, 3))),
    # -- solvers ---------------------------------------------------------------------------
    _r("linalg_solve", lambda m, a, b: m.linalg.solve(a, b), np.linalg.solve,
       _well((3, 3), (3, 2))),
    _r("linalg_solve_vector_broadcast", lambda m, a, b: m.linalg.solve(a, b),
       lambda a, b: np.linalg.solve(a, b[..., None])[..., 0], _well((2, 3, 3), (3,))),
    _r("linalg_solve_right", lambda m, a, b: m.linalg.solve(a, b, left=False),
       lambda a, b: np.linalg.solve(a.T, b.T).T, _well((3, 3), (2, 3))),
    _r("solve_triangular_upper", lambda m, a, b: m.linalg.solve_triangular(a, b, upper=True),
       lambda a, b: sl.solve_triangular(np.triu(a), b), _well((3, 3), (3, 2))),
    _r("solve_triangular_lower_right_unit",
       lambda m, a, b: m.linalg.solve_triangular(a, b, upper=False, left=False,
                                                 unitriangular=True),
       lambda a, b: np.linalg.solve((np.tril(a, -1) + np.eye(3)).T, b.T).T,
       _well((3, 3), (2, 3), shift=0.0)),
    _r("linalg_solve_ex", lambda m, a, b: m.linalg.solve_ex(a, b),
       lambda a, b: (np.linalg.solve(a, b), np.array(0, np.int32)), _well((3, 3), (3, 2))),
    _r("linalg_tensorinv", lambda m, a: m.linalg.tensorinv(a.reshape(2, 3, 6), ind=2),
       lambda a: np.linalg.tensorinv(a.reshape(2, 3, 6), ind=2), _well((6, 6))),
    _r("linalg_tensorsolve", lambda m, a, b: m.linalg.tensorsolve(a.reshape(2, 3, 6), b),
       lambda a, b: np.linalg.tensorsolve(a.reshape(2, 3, 6), b), _well((6, 6), (2, 3))),
    # -- cholesky / qr ---------------------------------------------------------------------
    _r("linalg_cholesky", lambda m, a: m.linalg.cholesky(_spd(m, a)),
       lambda a: np.linalg.cholesky(_np_spd(a)), _well((3, 3)), zero_dim=False),
    _r("linalg_cholesky_upper_batched", lambda m, a: m.linalg.cholesky(_spd(m, a), upper=True),
       lambda a: np.swapaxes(np.linalg.cholesky(_np_spd(a)), -1, -2), _well((2, 3, 3)),
       zero_dim=False),
    _r("cholesky_method", lambda m, a: _spd(m, a).cholesky(),
       lambda a: np.linalg.cholesky(_np_spd(a)), _well((3, 3)), zero_dim=False),
    _r("linalg_qr_tall", lambda m, a: m.linalg.qr(a), np.linalg.qr, _well((4, 3))),
    _r("linalg_qr_wide", lambda m, a: m.linalg.qr(a), np.linalg.qr, _well((3, 5))),
    _r("linalg_qr_complete_wide_batched", lambda m, a: m.linalg.qr(a, mode="complete"),
       lambda a: np.linalg.qr(a, mode="complete"), _well((2, 2, 3))),
    _r("linalg_qr_r", lambda m, a: m.linalg.qr(a, mode="r")[1],
       lambda a: np.linalg.qr(a, mode="r"), _well((4, 3)), grad=False),
    _r("qr_method", lambda m, a: a.qr(), np.linalg.qr, _well((3, 3))),
    # -- svd / eigh / pinv -----------------------------------------------------------------
    _r("linalg_svd", lambda m, a: m.linalg.svd(a, full_matrices=False), _np_svd_invariant,
       _well((4, 3)), reduce_out=_svd_invariant),
    _r("linalg_svd_full_wide", lambda m, a: m.linalg.svd(a), _np_svd_invariant,
       _well((2, 3, 5)), reduce_out=_svd_invariant),
    _r("svd_method", lambda m, a: a.svd(), _np_svd_invariant, _well((3, 4)),
       reduce_out=lambda o: _svd_invariant((o[0], o[1], o[2].mT))),
    _r("linalg_svdvals", lambda m, a: m.linalg.svdvals(a), lambda a: np.linalg.svd(a)[1],
       _well((5, 3))),
    _r("linalg_eigh", lambda m, a: m.linalg.eigh(_sym(m, a)),
       lambda a: _np_eigh_invariant(_np_sym(a)), _well((4, 4), shift=0.0),
       reduce_out=_eigh_invariant, zero_dim=False),
    _r("linalg_eigh_upper_batched", lambda m, a: m.linalg.eigh(_sym(m, a), UPLO="U"),
       lambda a: _np_eigh_invariant(_np_sym(a)), _well((2, 3, 3), shift=0.0),
       reduce_out=_eigh_invariant, zero_dim=False),
    _r("linalg_eigvalsh", lambda m, a: m.linalg.eigvalsh(_sym(m, a)),
       lambda a: np.linalg.eigvalsh(_np_sym(a)), _well((3, 3), shift=0.0), zero_dim=False),
    _r("linalg_pinv_wide", lambda m, a: m.linalg.pinv(a), _np_pinv, _well((3, 4))),
    _r("linalg_pinv_tall_batched", lambda m, a: m.linalg.pinv(a), _np_pinv, _well((2, 4, 3))),
    _r("linalg_pinv_hermitian", lambda m, a: m.linalg.pinv(_sym(m, a), hermitian=True),
       lambda a: np.linalg.pinv(_np_sym(a)), _well((3, 3), shift=0.0), zero_dim=False),
    _r("pinverse_method", lambda m, a: a.pinverse(), _np_pinv, _well((4, 2))),
    # -- powers, exponential, least squares ------------------------------------------------
    _r("linalg_matrix_power", lambda m, a: m.linalg.matrix_power(a, 3),
       lambda a: _np_power(a, 3), _well((3, 3), shift=0.5)),
    _r("matrix_power_negative_method", lambda m, a: a.matrix_power(-2),
       lambda a: _np_power(a, -2), _well((2, 3, 3))),
    _r("matrix_power_zero", lambda m, a: m.matrix_power(a, 0), lambda a: _np_power(a, 0),
       _well((3, 3))),
    # (PyTorch's float16 matrix_exp overflows to inf where graphc's, computed in float32, is
    # right: the rows skip the dtype sweep)
    _r("linalg_matrix_exp", lambda m, a: m.linalg.matrix_exp(a), sl.expm, _well((3, 3), shift=0),
       perturb=("shape",)),
    _r("matrix_exp_scaled_batched_method", lambda m, a: (a * 3).matrix_exp(),
       lambda a: np.stack([sl.expm(3 * x) for x in a]), _well((2, 3, 3), shift=0.0),
       rtol=1e-3, perturb=("shape",)),
    _r("linalg_lstsq", lambda m, a, b: m.linalg.lstsq(a, b), _np_lstsq, _well((5, 3), (5, 2)),
       reduce_out=lambda o: (o.solution, o.rank)),
    _r("linalg_lstsq_vector_gelsd", lambda m, a, b: m.linalg.lstsq(a, b, driver="gelsd"),
       lambda a, b: (*np.linalg.lstsq(a, b, rcond=None)[:2],
                     np.array(np.linalg.matrix_rank(a)), np.linalg.svd(a)[1]),
       _well((4, 2), (4,)), grad=False),
    # -- norms and products ----------------------------------------------------------------
    _r("linalg_matrix_norm_fro", lambda m, a: m.linalg.matrix_norm(a), np.linalg.norm,
       _well((3, 4))),
    _r("linalg_matrix_norm_nuc", lambda m, a: m.linalg.matrix_norm(a, "nuc"),
       lambda a: np.linalg.norm(a, "nuc"), _well((3, 4))),
    _r("linalg_matrix_norm_2_keepdim", lambda m, a: m.linalg.matrix_norm(a, 2, keepdim=True),
       lambda a: np.linalg.norm(a, 2, axis=(-2, -1), keepdims=True), _well((2, 4, 3))),
    _r("linalg_matrix_norm_1_dims", lambda m, a: m.linalg.matrix_norm(a, -1, dim=(0, 2)),
       lambda a: np.stack([np.linalg.norm(a[:, i], -1) for i in range(a.shape[1])]),
       _well((3, 2, 4))),
    _r("linalg_matrix_norm_inf", lambda m, a: m.linalg.matrix_norm(a, float("inf")),
       lambda a: np.linalg.norm(a, np.inf), _well((3, 4))),
    _r("linalg_vector_norm", lambda m, a: m.linalg.vector_norm(a, 3, dim=-1),
       lambda a: np.linalg.norm(a, 3, axis=-1), _well((3, 4))),
    _r("linalg_norm_default", lambda m, a: m.linalg.norm(a), lambda a: np.linalg.norm(a),
       _well((2, 3, 4))),
    _r("linalg_norm_matrix_ord", lambda m, a: m.linalg.norm(a, -2), lambda a: np.linalg.norm(
        a, -2), _well((3, 4))),
    _r("linalg_cond", lambda m, a: m.linalg.cond(a), np.linalg.cond, _well((3, 3))),
    _r("linalg_cond_fro", lambda m, a: m.linalg.cond(a, "fro"),
       lambda a: np.linalg.cond(a, "fro"), _well((3, 3))),
    _r("linalg_matrix_rank", lambda m, a: m.linalg.matrix_rank(a),
       lambda a: np.array(np.linalg.matrix_rank(a)), _well((4, 3)), grad=False),
    _r("linalg_vecdot", lambda m, a, b: m.linalg.vecdot(a, b), lambda a, b: (a * b).sum(-1),
       _well((3, 4), (4,))),
    _r("linalg_multi_dot", lambda m, a, b, c: m.linalg.multi_dot([a, b, c]),
       lambda a, b, c: a @ b @ c, _well((3,), (3, 4), (4,))),
    _r("linalg_vander", lambda m, x: m.linalg.vander(x), lambda x: _vander(x, 4), _well((4,))),
    _r("linalg_vander_with_zero", lambda m, x: m.linalg.vander(x * 0, N=3),
       lambda x: _vander(x * 0, 3), _well((3,))),
    _r("linalg_cross", lambda m, a, b: m.linalg.cross(a, b), lambda a, b: np.cross(a, b),
       _well((2, 3), (2, 3))),
    _r("linalg_diagonal", lambda m, a: m.linalg.diagonal(a, offset=1),
       lambda a: np.diagonal(a, 1, -2, -1), _well((2, 3, 4))),
]
