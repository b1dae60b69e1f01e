"""Conformance rows for matrix-structure and rearranging ops (graphc/ops/matrix.py,
graphc/ops/rearrange.py)."""
import numpy as np

from tests.ops.spec import OpSpec

S = (3, 4)


def _x_and(shape, *extra):
    """A float input of ``shape`` plus fixed integer/bool arrays."""
    def make(rng, dt):
        return [rng.uniform(-2, 2, shape).astype(dt)] + [np.asarray(e) for e in extra]
    return make


def _ints(shape, low=-3, high=4, dtype=np.int64):
    return lambda rng, dt: [rng.integers(low, high, size=shape).astype(dtype)]


def _diag_embed(x, offset):
    n = x.shape[-1] + abs(offset)
    out = np.zeros(x.shape[:-1] + (n, n), x.dtype)
    for i in range(x.shape[-1]):
        r, c = (i, i + offset) if offset >= 0 else (i - offset, i)
        out[..., r, c] = x[..., i]
    return out


def _cdist(a, b, p):
    d = np.abs(a[..., :, None, :] - b[..., None, :, :])
    if p == np.inf:
        return d.max(-1)
    if p == 0:
        return (d != 0).sum(-1).astype(a.dtype)
    return (d ** p).sum(-1) ** (1.0 / p)


def _repeat_np(x, r, axis):
    return np.repeat(x, r, axis=axis)


def _diff_np(x, n, axis, prepend=None, append=None):
    parts = [p for p in (prepend, x, append) if p is not None]
    return np.diff(np.concatenate(parts, axis), n=n, axis=axis)


SPECS = [
    # -- tril / triu / diag / trace ----------------------------------------------------------
    OpSpec("tril", lambda m, x: m.tril(x), [S], np.tril),
    OpSpec("tril_neg_diag_batched", lambda m, x: x.tril(-1), [(2, 3, 4)],
           lambda x: np.tril(x, -1)),
    OpSpec("triu", lambda m, x: m.triu(x, 1), [S], lambda x: np.triu(x, 1)),
    OpSpec("triu_batched", lambda m, x: x.triu(), [(2, 4, 3)], np.triu),
    OpSpec("triu_int", lambda m, x: m.triu(x, -1), [], lambda x: np.triu(x, -1),
           make=_ints(S), grad=False, dtypes=("int32",)),
    OpSpec("diag_vector", lambda m, v: m.diag(v), [(4,)], np.diag),
    OpSpec("diag_vector_offset", lambda m, v: v.diag(-2), [(3,)], lambda v: np.diag(v, -2)),
    OpSpec("diag_matrix", lambda m, x: m.diag(x), [S], lambda x: np.diag(x).copy()),
    OpSpec("diag_matrix_offset", lambda m, x: x.diag(1), [S], lambda x: np.diag(x, 1).copy()),
    OpSpec("diag_embed", lambda m, x: m.diag_embed(x, 1), [(2, 3)],
           lambda x: _diag_embed(x, 1)),
    OpSpec("diag_embed_dims", lambda m, x: m.diag_embed(x, -1, 0, 2), [(2, 3)],
           lambda x: np.moveaxis(_diag_embed(x, -1), (-2, -1), (0, 2))),
    OpSpec("trace", lambda m, x: x.trace(), [S], np.trace),
    OpSpec("trace_int", lambda m, x: x.trace(), [], lambda x: np.trace(x, dtype=np.int64),
           make=_ints(S, dtype=np.int32), grad=False, dtypes=("int32",)),
    # -- kron / tensordot / cross / cdist ----------------------------------------------------
    OpSpec("kron", lambda m, a, b: m.kron(a, b), [(2, 3), (3, 2)], np.kron),
    OpSpec("kron_ranks", lambda m, a, b: a.kron(b), [(2, 3), (2,)], np.kron),
    OpSpec("tensordot_int", lambda m, a, b: m.tensordot(a, b, 2), [(2, 3, 4), (3, 4, 5)],
           lambda a, b: np.tensordot(a, b, 2)),
    OpSpec("tensordot_lists", lambda m, a, b: m.tensordot(a, b, dims=([0, 1], [2, 0])),
           [(3, 4, 2), (4, 5, 3)], lambda a, b: np.tensordot(a, b, axes=([0, 1], [2, 0]))),
    OpSpec("tensordot_outer", lambda m, a, b: m.tensordot(a, b, 0), [(2,), (3,)],
           lambda a, b: np.tensordot(a, b, 0)),
    OpSpec("cross", lambda m, a, b: m.cross(a, b, dim=1), [(4, 3), (4, 3)],
           lambda a, b: np.cross(a, b, axis=1)),
    OpSpec("cross_broadcast", lambda m, a, b: a.cross(b, -1), [(2, 1, 3), (1, 4, 3)],
           lambda a, b: np.cross(a, b)),
    OpSpec("cross_dim0", lambda m, a, b: m.cross(a, b, 0), [(3, 2), (3, 2)],
           lambda a, b: np.cross(a, b, axis=0)),
    OpSpec("cdist", lambda m, a, b: m.cdist(a, b), [(5, 3), (4, 3)],
           lambda a, b: _cdist(a, b, 2)),
    OpSpec("cdist_p1", lambda m, a, b: m.cdist(a, b, p=1), [(5, 3), (4, 3)],
           lambda a, b: _cdist(a, b, 1)),
    OpSpec("cdist_p3_batched", lambda m, a, b: m.cdist(a, b, p=3), [(2, 5, 3), (4, 3)],
           lambda a, b: _cdist(a, b, 3)),
    OpSpec("cdist_p_half", lambda m, a, b: m.cdist(a, b, p=0.5), [(3, 2), (4, 2)],
           lambda a, b: _cdist(a, b, 0.5)),
    OpSpec("cdist_inf", lambda m, a, b: m.cdist(a, b, p=float("inf")), [(5, 3), (4, 3)],
           lambda a, b: _cdist(a, b, np.inf)),
    OpSpec("cdist_p0", lambda m, a, b: m.cdist(a, b, p=0), [(5, 3), (4, 3)],
           lambda a, b: _cdist(a, b, 0)),
    # -- rot90 / repeat_interleave / take / diff ---------------------------------------------
    OpSpec("rot90", lambda m, x: m.rot90(x), [S], np.rot90),
    OpSpec("rot90_k3_dims", lambda m, x: x.rot90(3, [1, 0]), [S],
           lambda x: np.rot90(x, 3, axes=(1, 0))),
    OpSpec("rot90_k2_3d", lambda m, x: m.rot90(x, -2, (0, 2)), [(2, 3, 4)],
           lambda x: np.rot90(x, -2, axes=(0, 2))),
    OpSpec("rot90_k4_is_copy", lambda m, x: m.rot90(x, 4), [S], lambda x: x),
    OpSpec("repeat_interleave_int", lambda m, x: m.repeat_interleave(x, 2, dim=1), [S],
           lambda x: _repeat_np(x, 2, 1)),
    OpSpec("repeat_interleave_flat", lambda m, x: x.repeat_interleave(3), [(2, 2)],
           lambda x: _repeat_np(x.reshape(-1), 3, 0)),
    OpSpec("repeat_interleave_tensor", lambda m, x, r: m.repeat_interleave(x, r, dim=0), [],
           lambda x, r: _repeat_np(x, r, 0), make=_x_and(S, np.array([1, 0, 2]))),
    OpSpec("repeat_interleave_one_repeat", lambda m, x, r: x.repeat_interleave(r, dim=-1),
           [], lambda x, r: _repeat_np(x, 2, 1), make=_x_and(S, np.array([2]))),
    OpSpec("repeat_interleave_indices", lambda m, r: m.repeat_interleave(r), [],
           lambda r: np.repeat(np.arange(r.size), r), make=lambda rng, dt: [
               np.array([2, 0, 3, 1])], grad=False, dtypes=("int64",)),
    OpSpec("take", lambda m, x, i: m.take(x, i), [], lambda x, i: np.take(x.reshape(-1), i),
           make=_x_and(S, np.array([[0, 5, -1], [11, 5, 5]]))),
    OpSpec("diff", lambda m, x: m.diff(x), [(3, 5)], lambda x: np.diff(x)),
    OpSpec("diff_n2_dim0_prepend_append",
           lambda m, x, p, a: m.diff(x, 2, 0, prepend=p, append=a), [(3, 4), (1, 4), (2, 4)],
           lambda x, p, a: _diff_np(x, 2, 0, p, a)),
    OpSpec("diff_method_n_too_large", lambda m, x: x.diff(n=4), [(2, 3)],
           lambda x: np.diff(x, n=4)),
    OpSpec("diff_bool", lambda m, x: m.diff(x > 0), [S], lambda x: np.diff(x > 0), grad=False),
    # -- broadcasting / atleast --------------------------------------------------------------
    OpSpec("broadcast_tensors", lambda m, a, b, c: m.broadcast_tensors(a, b, c),
           [(3, 1), (4,), (2, 1, 1)], lambda a, b, c: np.broadcast_arrays(a, b, c)),
    OpSpec("atleast_1d", lambda m, a, b: m.atleast_1d(a, b), [(), (2, 3)],
           lambda a, b: (np.atleast_1d(a), b)),
    OpSpec("atleast_2d", lambda m, a, b, c: m.atleast_2d([a, b, c]), [(), (3,), (2, 3)],
           lambda a, b, c: (np.atleast_2d(a), np.atleast_2d(b), c)),
    OpSpec("atleast_3d", lambda m, a, b, c: m.atleast_3d(a, b, c), [(), (3,), (2, 3)],
           lambda a, b, c: (np.atleast_3d(a), np.atleast_3d(b), np.atleast_3d(c))),
    OpSpec("atleast_3d_single", lambda m, a: m.atleast_3d(a), [(2, 3, 4, 1)], lambda a: a),
]
