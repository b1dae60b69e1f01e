"""Conformance rows for indexing, gather/scatter and sorting."""
import numpy as np

from tests.ops.spec import OpSpec
from tests.ops.specs.shape import second_order

S = (3, 4)


def _x_and(*extra):
    """A float input of shape S (or extra[0] when it is a shape tuple) plus integer/bool arrays."""
    def make(rng, dt):
        shape, rest = (extra[0], extra[1:]) if isinstance(extra[0], tuple) else (S, extra)
        extras = [np.asarray(f(rng)) for f in rest]
        return [rng.uniform(-2, 2, shape).astype(dt)] + [
            a.astype(dt) if a.dtype.kind == "f" else a for a in extras]
    return make


def _ints(high, shape):
    return lambda rng: rng.integers(0, high, shape).astype(np.int64)


def _mask(shape):
    return lambda rng: rng.uniform(size=shape) > 0.4


def _floats(shape):
    return lambda rng: rng.uniform(-2, 2, shape)


def _rows_of_perms(rows, n, k):
    """Index rows without repeats (scatter with repeats is nondeterministic in PyTorch)."""
    return lambda rng: np.stack([rng.permutation(n)[:k] for _ in range(rows)]).astype(np.int64)


def _set(index, value_is_input=True):
    """``y = x.clone(); y[index] = v; return y`` with index possibly built from inputs."""
    def fn(m, x, v, *idx):
        y = x.clone()
        y[index(*idx)] = v if value_is_input else 2.5
        return y
    return fn


def _np_set(index):
    def ref(x, v, *idx):
        y = x.copy()
        y[index(*idx)] = v
        return y
    return ref


def _np_index_backward(index, shape):
    def ref(x, w, *idx):
        r = np.zeros(shape)
        np.add.at(r, index(*idx), w)
        return r
    return ref


def _np_slice_backward(index, shape):
    def ref(x, w):
        r = np.zeros(shape)
        r[index] = w
        return r
    return ref


def _np_gather(dim):
    return lambda x, i: np.take_along_axis(x, i, dim)


def _np_scatter_add(x, i, s):
    r = x.copy()
    np.add.at(r, (np.arange(3)[:, None], i), s)
    return r


def _np_scatter(x, i, s):
    r = x.copy()
    r[np.arange(3)[:, None], i] = s
    return r


def _np_sort(x, dim, descending=False):
    i = np.argsort(-x if descending else x, axis=dim, kind="stable")
    return [np.take_along_axis(x, i, dim), i]


SPECS = [
    # -- basic indexing (views) --------------------------------------------------------------
    OpSpec("getitem_int", lambda m, x: x[1], [S], lambda x: x[1]),
    OpSpec("getitem_int_int", lambda m, x: x[1, 2], [S], lambda x: x[1, 2]),
    OpSpec("getitem_negative_ints", lambda m, x: x[-1, -2], [S], lambda x: x[-1, -2]),
    OpSpec("getitem_slice_steps", lambda m, x: x[::2, 1:5:2], [(5, 6)],
           lambda x: x[::2, 1:5:2]),
    OpSpec("getitem_slice_clamped", lambda m, x: x[1:100, -100:2], [S],
           lambda x: x[1:100, -100:2]),
    OpSpec("getitem_none_ellipsis", lambda m, x: x[None, ..., 1], [(2, 3, 4)],
           lambda x: x[None, ..., 1]),
    OpSpec("getitem_ellipsis_slice", lambda m, x: x[..., 1:], [(2, 3, 4)], lambda x: x[..., 1:]),
    OpSpec("getitem_empty_slice", lambda m, x: x[2:1], [S], lambda x: x[2:1]),
    OpSpec("select", lambda m, x: m.select(x, 1, -1), [S], lambda x: x[:, -1]),
    OpSpec("getitem_double_backward", second_order(lambda m, x: x[1:, ::2]),
           make=_x_and(_floats((2, 2))), no_grad_inputs=(0,),
           ref=_np_slice_backward((slice(1, None), slice(None, None, 2)), S)),
    # -- advanced indexing (copies) ----------------------------------------------------------
    OpSpec("getitem_list", lambda m, x: x[[0, 2, 2]], [S], lambda x: x[[0, 2, 2]]),
    OpSpec("getitem_tensor", lambda m, x, i: x[i], make=_x_and(_ints(3, (2, 2))),
           ref=lambda x, i: x[i]),
    OpSpec("getitem_two_tensors", lambda m, x, i, j: x[i, j],
           make=_x_and(_ints(3, (5,)), _ints(4, (5,))), ref=lambda x, i, j: x[i, j]),
    OpSpec("getitem_int_slice_tensor", lambda m, x, j: x[1, :, j],
           make=_x_and((2, 3, 4), _ints(4, (5,))), ref=lambda x, j: x[1][:, j]),
    OpSpec("getitem_tensors_apart", lambda m, x, i, j: x[i, :, j],
           make=_x_and((2, 3, 4), _ints(2, (5,)), _ints(4, (5,))),
           ref=lambda x, i, j: x[i, :, j]),
    OpSpec("getitem_tensor_broadcast", lambda m, x, i, j: x[i, j],
           make=_x_and(_ints(3, (2, 1)), _ints(4, (3,))), ref=lambda x, i, j: x[i, j]),
    OpSpec("getitem_slice_then_tensor", lambda m, x, j: x[1:, j],
           make=_x_and(_ints(4, (3,))), ref=lambda x, j: x[1:, j]),
    OpSpec("getitem_mask", lambda m, x, k: x[k], make=_x_and(_mask(S)), ref=lambda x, k: x[k]),
    OpSpec("getitem_mask_rows", lambda m, x, k: x[k], make=_x_and(_mask((3,))),
           ref=lambda x, k: x[k]),
    OpSpec("getitem_slice_mask", lambda m, x, k: x[:, k], make=_x_and(_mask((4,))),
           ref=lambda x, k: x[:, k]),
    # A 0-d mask is an advanced index over a new size-1 dim: [0] (True) or [] (False).
    OpSpec("getitem_0d_mask_false", lambda m, x, k: x[k],
           make=_x_and(lambda rng: np.array(False)), ref=lambda x, k: x[k]),
    OpSpec("getitem_0d_mask_and_tensor", lambda m, x, i, k: x[i, k],
           make=_x_and(_ints(3, (2,)), lambda rng: np.array(True)), ref=lambda x, i, k: x[i, k]),
    OpSpec("getitem_advanced_double_backward",
           second_order(lambda m, x: x[[0, 2, 2]]), no_grad_inputs=(0,),
           make=_x_and(_floats((3, 4))),
           ref=_np_index_backward(lambda: ([0, 2, 2],), S)),
    # -- index assignment --------------------------------------------------------------------
    OpSpec("setitem_slice", _set(lambda: (slice(1, None), slice(None, 2))),
           make=_x_and(_floats((2, 2))),
           ref=_np_set(lambda: (slice(1, None), slice(None, 2)))),
    OpSpec("setitem_int_scalar", _set(lambda: 0, value_is_input=False),
           make=_x_and(_floats(())), no_grad_inputs=(1,),
           ref=lambda x, v: np.concatenate([np.full((1, 4), 2.5), x[1:]])),
    OpSpec("setitem_broadcast_value", _set(lambda: (slice(None), 1)),
           make=_x_and(_floats((1, 3))), ref=_np_set(lambda: (slice(None), 1))),
    OpSpec("setitem_mask_0d_value", _set(lambda k: k), make=_x_and(_floats(()), _mask(S)),
           ref=_np_set(lambda k: k)),
    OpSpec("setitem_0d_mask", _set(lambda k: k),
           make=_x_and(_floats((4,)), lambda rng: np.array(True)), ref=_np_set(lambda k: k)),
    OpSpec("setitem_tensor_index", _set(lambda i: i),
           make=_x_and(_floats((2, 4)), lambda rng: rng.permutation(3)[:2].astype(np.int64)),
           ref=_np_set(lambda i: i)),
    OpSpec("setitem_tensor_pairs", _set(lambda i, j: (i, j)),
           make=_x_and(_floats((2,)), lambda rng: np.array([0, 2]), lambda rng: np.array([3, 1])),
           ref=_np_set(lambda i, j: (i, j))),
    OpSpec("index_put_accumulate",
           lambda m, x, v, i: m.index_put(x, (i,), v, accumulate=True),
           make=_x_and(_floats((5, 4)), _ints(3, (5,))),
           ref=lambda x, v, i: _np_index_backward(lambda: (i,), S)(x, v) + x),
    OpSpec("index_put_", lambda m, x, v, i: m.index_put_(x.clone(), (i,), v),
           make=_x_and(_floats((2, 4)), lambda rng: np.array([2, 0])),
           ref=lambda x, v, i: _np_set(lambda: i)(x, v)),
    # -- masks -------------------------------------------------------------------------------
    OpSpec("masked_fill", lambda m, x, k: x.masked_fill(k, 1.5), make=_x_and(_mask(S)),
           ref=lambda x, k: np.where(k, 1.5, x)),
    OpSpec("masked_fill_tensor_value", lambda m, x, v, k: m.masked_fill(x, k, v),
           make=_x_and(_floats(()), _mask((4,))),
           ref=lambda x, v, k: np.where(k, v, x)),
    OpSpec("masked_select", lambda m, x, k: x.masked_select(k), make=_x_and(_mask(S)),
           ref=lambda x, k: x[k]),
    OpSpec("masked_select_broadcast", lambda m, x, k: m.masked_select(x, k),
           make=_x_and(_mask((4,))), ref=lambda x, k: x[np.broadcast_to(k, S)]),
    OpSpec("nonzero", lambda m, x: m.nonzero(x), grad=False,
           make=lambda r, d: [(r.uniform(size=S) > 0.5).astype(d)], ref=np.argwhere),
    OpSpec("nonzero_as_tuple", lambda m, x: m.nonzero(x, as_tuple=True), grad=False,
           make=lambda r, d: [(r.uniform(size=S) > 0.5).astype(d)], ref=np.nonzero),
    OpSpec("argwhere", lambda m, x: m.argwhere(x > 0), grad=False, shapes=[S],
           ref=lambda x: np.argwhere(x > 0)),
    OpSpec("where_condition_only", lambda m, x: m.where(x > 0), grad=False, shapes=[S],
           ref=lambda x: np.nonzero(x > 0)),
    # -- gather / scatter --------------------------------------------------------------------
    OpSpec("gather", lambda m, x, i: x.gather(1, i), make=_x_and(_ints(4, (3, 2))),
           ref=_np_gather(1)),
    OpSpec("gather_dim0_repeats", lambda m, x, i: m.gather(x, 0, i),
           make=_x_and(_ints(3, (5, 4))), ref=_np_gather(0)),
    OpSpec("gather_smaller_index", lambda m, x, i: m.gather(x, 0, i),
           make=_x_and(_ints(3, (2, 2))), ref=lambda x, i: np.take_along_axis(x[:, :2], i, 0)),
    OpSpec("gather_double_backward",
           second_order(lambda m, x: x.gather(1, m.tensor([[0, 0], [1, 3], [2, 2]]))),
           make=_x_and(_floats((3, 2))), no_grad_inputs=(0,),
           ref=lambda x, w: _np_scatter_add(np.zeros(S), np.array([[0, 0], [1, 3], [2, 2]]), w)),
    OpSpec("take_along_dim", lambda m, x, i: m.take_along_dim(x, i, 1),
           make=_x_and(_ints(4, (1, 2))), ref=lambda x, i: np.take_along_axis(x, i, 1)),
    OpSpec("take_along_dim_flat", lambda m, x, i: m.take_along_dim(x, i),
           make=_x_and(_ints(12, (5,))), ref=lambda x, i: x.reshape(-1)[i]),
    OpSpec("scatter_add", lambda m, x, i, s: x.scatter_add(1, i, s),
           make=_x_and(_ints(4, (3, 3)), _floats((3, 3))),
           ref=_np_scatter_add),
    OpSpec("scatter_src", lambda m, x, i, s: m.scatter(x, 1, i, s),
           make=_x_and(_rows_of_perms(3, 4, 2), _floats((3, 2))),
           ref=_np_scatter),
    OpSpec("scatter_value", lambda m, x, i: x.scatter(1, i, value=2.5),
           make=_x_and(_ints(4, (3, 2))), ref=lambda x, i: _np_scatter(x, i, 2.5)),
    OpSpec("index_select", lambda m, x, i: x.index_select(0, i),
           make=_x_and(_ints(3, (5,))), ref=lambda x, i: x[i]),
    OpSpec("index_select_dim1", lambda m, x, i: m.index_select(x, -1, i),
           make=_x_and(_ints(4, (2,))), ref=lambda x, i: x[:, i]),
    OpSpec("index_add", lambda m, x, i, s: m.index_add(x, 0, i, s),
           make=_x_and(_ints(3, (5,)), _floats((5, 4))),
           ref=lambda x, i, s: _np_index_backward(lambda: (i,), S)(x, s) + x),
    OpSpec("index_add_alpha", lambda m, x, i, s: m.index_add(x, 1, i, s, alpha=2.0),
           make=_x_and(_ints(4, (2,)), _floats((3, 2))),
           ref=lambda x, i, s: _np_index_backward(
               lambda: (slice(None), i), S)(x, 2 * s) + x),
    # A 0-d input or index counts as a vector of one element (PyTorch's rule).
    OpSpec("gather_0d_input", lambda m, x, i: m.gather(x, 0, i),
           make=_x_and((), _ints(1, (3,))), ref=lambda x, i: x.reshape(1)[i]),
    OpSpec("gather_0d_index", lambda m, x, i: m.gather(x, 0, i),
           make=_x_and((5,), _ints(5, ())), ref=lambda x, i: x[i]),
    OpSpec("scatter_add_0d_input", lambda m, x, i, s: x.scatter_add(0, i, s),
           make=_x_and((), _ints(1, (3,)), _floats((3,))), ref=lambda x, i, s: x + s.sum()),
    OpSpec("index_add_0d", lambda m, x, i, s: m.index_add(x, 0, i, s),
           make=_x_and((), _ints(1, (1,)), _floats(())), ref=lambda x, i, s: x + s),
    # -- sorting -----------------------------------------------------------------------------
    OpSpec("sort", lambda m, x: m.sort(x, 1), [S], lambda x: _np_sort(x, 1)),
    OpSpec("sort_descending_dim0", lambda m, x: x.sort(0, descending=True), [S],
           lambda x: _np_sort(x, 0, True)),
    OpSpec("argsort", lambda m, x: m.argsort(x, 0, descending=True), [S],
           lambda x: np.argsort(-x, 0, kind="stable"), grad=False),
    OpSpec("msort", lambda m, x: m.msort(x), [S], lambda x: np.sort(x, 0)),
    # Not recast: the int64 cast ties values, and which tied element topk returns is
    # unspecified (PyTorch's partial sort); topk_smallest_dim0 covers the dtypes.
    OpSpec("topk", lambda m, x: m.topk(x, 2), [S], lambda x: [
        np.take_along_axis(x, np.argsort(-x, 1)[:, :2], 1), np.argsort(-x, 1)[:, :2]],
        perturb=("shape",)),
    OpSpec("topk_smallest_dim0", lambda m, x: x.topk(2, 0, largest=False), [S], lambda x: [
        np.sort(x, 0)[:2], np.argsort(x, 0)[:2]]),
]
