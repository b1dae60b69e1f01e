"""Conformance rows for the strided views and splits (graphc/ops/strided.py)."""
import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from tests.ops.spec import OpSpec
from tests.ops.specs.shape import second_order

S = (3, 4)


def _unfold(x, dim, size, step):
    w = sliding_window_view(x, size, axis=dim)
    return w[(slice(None),) * dim + (slice(None, None, step),)]


def _np_unfold_backward(shape, dim, size, step):
    def ref(x, w):
        r = np.zeros(shape)
        for k in range(w.shape[dim]):
            window = (slice(None),) * dim + (slice(k * step, k * step + size),)
            r[window] += np.moveaxis(w.take(k, axis=dim), -1, dim)
        return r
    return ref


def _weights(x_shape, w_shape):
    return lambda r, d: [r.uniform(-2, 2, x_shape).astype(d), r.uniform(-2, 2, w_shape).astype(d)]


def _np_as_strided(x, size, stride, offset=0):
    flat = np.ascontiguousarray(x).reshape(-1)[offset:]
    return as_strided(flat, size, tuple(s * x.itemsize for s in stride)).copy()


SPECS = [
    OpSpec("tensor_unfold", lambda m, x: x.unfold(1, 2, 1), [S], lambda x: _unfold(x, 1, 2, 1)),
    OpSpec("unfold_step_overlap", lambda m, x: x.unfold(0, 3, 2), [(7, 2)],
           lambda x: _unfold(x, 0, 3, 2)),
    OpSpec("unfold_scalar", lambda m, x: x.unfold(0, 1, 1), [()], lambda x: x.reshape(1)),
    # (contiguous first: as_strided addresses storage, which a strided input does not start)
    OpSpec("as_strided", lambda m, x: x.contiguous().as_strided((2, 2), (1, 2)), [S],
           lambda x: _np_as_strided(x, (2, 2), (1, 2))),
    OpSpec("as_strided_overlapping_offset",
           lambda m, x: m.as_strided(x.contiguous(), (3, 3), (2, 1), 1), [(12,)],
           lambda x: _np_as_strided(x, (3, 3), (2, 1), 1)),
    OpSpec("as_strided_inplace", lambda m, x: (x * 1).contiguous().as_strided_((4, 2), (1, 4)),
           [(2, 4)],
           lambda x: _np_as_strided(x, (4, 2), (1, 4))),
    OpSpec("tensor_split_sections", lambda m, x: m.tensor_split(x, 3, dim=1), [(2, 7)],
           lambda x: np.array_split(x, 3, axis=1)),
    OpSpec("tensor_split_indices_method", lambda m, x: x.tensor_split([1, 4, 3, 9]), [(6, 2)],
           lambda x: np.split(x, [1, 4, 3, 9])),
    OpSpec("hsplit", lambda m, x: m.hsplit(x, 2), [(3, 4)], lambda x: np.hsplit(x, 2)),
    OpSpec("hsplit_1d_indices", lambda m, x: x.hsplit([2, 3]), [(5,)],
           lambda x: np.hsplit(x, [2, 3])),
    OpSpec("vsplit", lambda m, x: m.vsplit(x, [1]), [(3, 2)], lambda x: np.vsplit(x, [1])),
    OpSpec("dsplit", lambda m, x: x.dsplit(2), [(2, 1, 4)], lambda x: np.dsplit(x, 2)),
    # The backward ops' own gradients (double backward), reached through create_graph.
    OpSpec("unfold_double_backward", second_order(lambda m, x: x.unfold(1, 3, 2)), [],
           _np_unfold_backward((2, 7), 1, 3, 2), make=_weights((2, 7), (2, 3, 3)),
           no_grad_inputs=(0,)),
    OpSpec("as_strided_double_backward",
           second_order(lambda m, x: x.contiguous().as_strided((3, 2), (1, 1))), [],
           lambda x, w: np.array([w[0, 0], w[0, 1] + w[1, 0], w[1, 1] + w[2, 0], w[2, 1], 0, 0]),
           make=_weights((6,), (3, 2)), no_grad_inputs=(0,)),
]
