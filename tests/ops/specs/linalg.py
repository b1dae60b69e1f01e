"""Conformance rows for the matrix products: every rank combination ``matmul`` dispatches on,
batch broadcasting, transposed (non-contiguous) operands, and gradients with one operand that
needs none (the ``needs`` mask path the MLP's data batch takes)."""
import numpy as np

from tests.ops.spec import OpSpec

_T = {"atol": 1e-4, "rtol": 1e-4}  # float32 GEMMs against a float64 reference


def _mm(name, fn, shapes, ref, **kw):
    return OpSpec(name, fn, shapes, ref, **{**_T, **kw})


SPECS = [
    # -- matmul by rank -------------------------------------------------------------------------
    _mm("matmul_2d_2d", lambda m, a, b: m.matmul(a, b), [(3, 4), (4, 5)], np.matmul),
    _mm("matmul_operator", lambda m, a, b: a @ b, [(5, 4), (4, 2)], np.matmul),
    _mm("matmul_1d_1d", lambda m, a, b: m.matmul(a, b), [(6,), (6,)], np.matmul),
    _mm("matmul_2d_1d", lambda m, a, b: a @ b, [(3, 4), (4,)], np.matmul),
    _mm("matmul_1d_2d", lambda m, a, b: a @ b, [(4,), (4, 3)], np.matmul),
    _mm("matmul_3d_2d_folded", lambda m, a, b: a @ b, [(2, 3, 4), (4, 5)], np.matmul),
    _mm("matmul_3d_1d", lambda m, a, b: a @ b, [(2, 3, 4), (4,)], np.matmul),
    _mm("matmul_1d_3d", lambda m, a, b: a @ b, [(4,), (2, 4, 3)], np.matmul),
    _mm("matmul_2d_3d", lambda m, a, b: a @ b, [(3, 4), (2, 4, 5)], np.matmul),
    _mm("matmul_3d_3d", lambda m, a, b: m.matmul(a, b), [(2, 3, 4), (2, 4, 5)], np.matmul),
    _mm("matmul_batch_broadcast", lambda m, a, b: a @ b, [(2, 1, 3, 4), (5, 4, 2)],
        np.matmul),
    _mm("matmul_batch_broadcast_ones", lambda m, a, b: a @ b, [(1, 3, 4), (2, 4, 2)],
        np.matmul),
    _mm("matmul_transposed_views", lambda m, a, b: a.mT @ b.mT, [(4, 3), (5, 4)],
        lambda a, b: a.T @ b.T),
    _mm("matmul_3d_transposed_2d", lambda m, a, b: a.transpose(1, 2) @ b, [(2, 4, 3), (4, 5)],
        lambda a, b: a.transpose(0, 2, 1) @ b),
    _mm("matmul_data_needs_no_grad", lambda m, x, w: x @ w, [(6, 4), (4, 3)], np.matmul,
        no_grad_inputs=(0,)),
    _mm("matmul_weight_needs_no_grad", lambda m, x, w: x @ w, [(2, 6, 4), (4, 3)], np.matmul,
        no_grad_inputs=(1,)),
    _mm("matmul_empty_inner", lambda m, a, b: a @ b, [(3, 0), (0, 2)], np.matmul, grad=False),
    # -- mm / mv / dot / bmm / outer --------------------------------------------------------------
    _mm("mm", lambda m, a, b: m.mm(a, b), [(3, 4), (4, 5)], np.matmul),
    _mm("mm_method_transposed", lambda m, a, b: a.mm(b.t()), [(3, 4), (5, 4)],
        lambda a, b: a @ b.T),
    _mm("mv", lambda m, a, v: m.mv(a, v), [(3, 4), (4,)], np.matmul),
    _mm("dot", lambda m, a, b: m.dot(a, b), [(7,), (7,)], np.dot),
    _mm("dot_method", lambda m, a, b: a.dot(b), [(3,), (3,)], np.dot),
    _mm("bmm", lambda m, a, b: m.bmm(a, b), [(2, 3, 4), (2, 4, 5)], np.matmul),
    _mm("bmm_transposed", lambda m, a, b: a.bmm(b.transpose(1, 2)), [(3, 2, 4), (3, 5, 4)],
        lambda a, b: a @ b.transpose(0, 2, 1)),
    _mm("outer", lambda m, a, b: m.outer(a, b), [(3,), (4,)], np.outer),
    # -- addmm (nn.Linear) ------------------------------------------------------------------------
    _mm("addmm_bias_1d", lambda m, b, x, w: m.addmm(b, x, w), [(5,), (3, 4), (4, 5)],
        lambda b, x, w: b + x @ w),
    _mm("addmm_bias_2d_beta_alpha", lambda m, b, x, w: m.addmm(b, x, w, beta=0.5, alpha=2.0),
        [(3, 5), (3, 4), (4, 5)], lambda b, x, w: 0.5 * b + 2.0 * (x @ w)),
    _mm("addmm_linear_layout", lambda m, b, x, w: m.addmm(b, x, w.t()), [(5,), (3, 4), (5, 4)],
        lambda b, x, w: b + x @ w.T, no_grad_inputs=(1,)),
    _mm("addmm_beta_0", lambda m, b, x, w: m.addmm(b, x, w, beta=0), [(1, 5), (3, 4), (4, 5)],
        lambda b, x, w: x @ w),
    _mm("addmm_method", lambda m, b, x, w: b.addmm(x, w), [(3, 5), (3, 4), (4, 5)],
        lambda b, x, w: b + x @ w),
    # -- einsum -----------------------------------------------------------------------------------
    _mm("einsum_mm", lambda m, a, b: m.einsum("ij,jk->ik", a, b), [(3, 4), (4, 5)],
        lambda a, b: a @ b),
    _mm("einsum_implicit", lambda m, a, b: m.einsum("ij,jk", a, b), [(3, 4), (4, 5)],
        lambda a, b: a @ b),
    _mm("einsum_batched", lambda m, a, b: m.einsum("bij,bjk->bik", a, b),
        [(2, 3, 4), (2, 4, 5)], np.matmul),
    _mm("einsum_ellipsis", lambda m, a, b: m.einsum("...ij,jk->...ik", a, b),
        [(2, 3, 4), (4, 5)], np.matmul),
    _mm("einsum_outer", lambda m, a, b: m.einsum("i,j->ij", a, b), [(3,), (4,)], np.outer),
    _mm("einsum_sum_all", lambda m, a: m.einsum("ij->", a), [(3, 4)], np.sum),
    _mm("einsum_transpose", lambda m, a: m.einsum("ij->ji", a), [(3, 4)], np.transpose),
    _mm("einsum_summed_alone", lambda m, a, b: m.einsum("ij,k->i", a, b), [(3, 4), (5,)],
        lambda a, b: a.sum(1) * b.sum()),
    _mm("einsum_three_operands", lambda m, a, b, c: m.einsum("ij,jk,kl->il", a, b, c),
        [(2, 3), (3, 4), (4, 2)], lambda a, b, c: a @ b @ c),
    _mm("einsum_diagonal_forward", lambda m, a: m.einsum("ii->i", a), [(3, 3)], np.diagonal,
        grad=False),
]
