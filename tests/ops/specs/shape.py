"""Conformance rows for the shape family: views, reshapes, joins and splits."""
import itertools

import numpy as np

from tests.ops.spec import OpSpec


def second_order(op):
    """A row body that differentiates ``op`` with ``create_graph=True`` and returns the gradient,
    so the table also checks (and reaches) each op's backward op and its own vjp."""
    def fn(m, x, w):
        with m.enable_grad():
            x0 = x.detach().requires_grad_()
            y = op(m, x0)
            (g,) = m.autograd.grad((y * w).sum(), x0, create_graph=True)
        return g
    return fn


def _np_diag_backward(shape, offset, d1, d2):
    def ref(x, w):
        r = np.zeros(shape)
        d = np.diagonal(r, offset, d1, d2)
        d.flags.writeable = True
        d[...] = w
        return r
    return ref


S = (3, 4)
SPECS = [
    OpSpec("view", lambda m, x: x.view(4, 3), [S], lambda x: x.reshape(4, 3)),
    OpSpec("view_infer", lambda m, x: x.view(-1, 2), [(2, 3, 4)], lambda x: x.reshape(-1, 2)),
    OpSpec("view_as", lambda m, x, y: x.view_as(y), [S, (2, 6)], lambda x, y: x.reshape(2, 6),
           no_grad_inputs=(1,)),
    OpSpec("reshape", lambda m, x: m.reshape(x, (2, 6)), [S], lambda x: x.reshape(2, 6)),
    OpSpec("reshape_copy", lambda m, x: x.t().reshape(-1), [S], lambda x: x.T.reshape(-1)),
    OpSpec("flatten", lambda m, x: x.flatten(1), [(2, 3, 4)], lambda x: x.reshape(2, 12)),
    OpSpec("flatten_0d", lambda m, x: m.flatten(x), [()], lambda x: x.reshape(1)),
    OpSpec("unflatten", lambda m, x: x.unflatten(1, (2, -1)), [S], lambda x: x.reshape(3, 2, 2)),
    OpSpec("transpose", lambda m, x: x.transpose(0, 2), [(2, 3, 4)],
           lambda x: np.swapaxes(x, 0, 2)),
    OpSpec("t", lambda m, x: x.t(), [S], lambda x: x.T),
    OpSpec("t_1d", lambda m, x: m.t(x), [(4,)], lambda x: x),
    OpSpec("T_property", lambda m, x: x.T, [(2, 3, 4)], lambda x: x.T),
    OpSpec("mT_property", lambda m, x: x.mT, [(2, 3, 4)], lambda x: np.swapaxes(x, -1, -2)),
    OpSpec("permute", lambda m, x: x.permute(2, 0, 1), [(2, 3, 4)],
           lambda x: np.transpose(x, (2, 0, 1))),
    OpSpec("movedim", lambda m, x: m.movedim(x, 0, -1), [(2, 3, 4)],
           lambda x: np.moveaxis(x, 0, -1)),
    OpSpec("movedim_multi", lambda m, x: m.movedim(x, (0, 1), (2, 0)), [(2, 3, 4)],
           lambda x: np.moveaxis(x, (0, 1), (2, 0))),
    OpSpec("contiguous", lambda m, x: x.t().contiguous(), [S], lambda x: x.T),
    OpSpec("clone", lambda m, x: x.clone(), [S], lambda x: x.copy()),
    OpSpec("squeeze", lambda m, x: x.squeeze(), [(3, 1, 4, 1)], np.squeeze),
    OpSpec("squeeze_dim", lambda m, x: x.squeeze(1), [(3, 1, 4)], lambda x: x[:, 0]),
    OpSpec("squeeze_dims", lambda m, x: x.squeeze((1, 3)), [(3, 1, 4, 1)],
           lambda x: x[:, 0, :, 0]),
    OpSpec("unsqueeze", lambda m, x: x.unsqueeze(-1), [S], lambda x: x[..., None]),
    OpSpec("expand", lambda m, x: x.expand(2, 3, 4), [(3, 1)],
           lambda x: np.broadcast_to(x, (2, 3, 4))),
    OpSpec("expand_keep", lambda m, x: x.expand(-1, 4), [(3, 1)],
           lambda x: np.broadcast_to(x, (3, 4))),
    OpSpec("broadcast_to", lambda m, x: m.broadcast_to(x, (2, 3, 4)), [(4,)],
           lambda x: np.broadcast_to(x, (2, 3, 4))),
    OpSpec("repeat", lambda m, x: x.repeat(2, 1, 3), [(2, 3)], lambda x: np.tile(x, (2, 1, 3))),
    OpSpec("tile", lambda m, x: m.tile(x, (2,)), [(2, 3)], lambda x: np.tile(x, 2)),
    OpSpec("flip", lambda m, x: x.flip((0, 1)), [S], lambda x: np.flip(x, (0, 1))),
    OpSpec("roll", lambda m, x: m.roll(x, 1, 0), [S], lambda x: np.roll(x, 1, 0)),
    OpSpec("roll_flat", lambda m, x: m.roll(x, 5), [S], lambda x: np.roll(x, 5)),
    OpSpec("roll_dims", lambda m, x: m.roll(x, (1, -1), (0, 1)), [S],
           lambda x: np.roll(x, (1, -1), (0, 1))),
    OpSpec("narrow", lambda m, x: x.narrow(1, 1, 2), [S], lambda x: x[:, 1:3]),
    OpSpec("narrow_neg_start", lambda m, x: m.narrow(x, 0, -2, 2), [S], lambda x: x[1:]),
    OpSpec("diagonal", lambda m, x: x.diagonal(), [S], lambda x: np.diagonal(x)),
    OpSpec("diagonal_offset", lambda m, x: m.diagonal(x, 1, 0, 2), [(3, 2, 4)],
           lambda x: np.diagonal(x, 1, 0, 2)),
    OpSpec("diagonal_negative", lambda m, x: x.diagonal(-1), [S], lambda x: np.diagonal(x, -1)),
    OpSpec("diagonal_double_backward", second_order(lambda m, x: m.diagonal(x, 1, 0, 2)),
           make=lambda r, d: [r.uniform(-2, 2, (3, 2, 4)).astype(d),
                              r.uniform(-2, 2, (2, 3)).astype(d)],
           ref=_np_diag_backward((3, 2, 4), 1, 0, 2), no_grad_inputs=(0,)),
    OpSpec("split", lambda m, x: x.split(2, 1), [(3, 5)], lambda x: np.split(x, [2, 4], 1)),
    OpSpec("split_sizes", lambda m, x: x.split([1, 3], 1), [S], lambda x: np.split(x, [1], 1)),
    OpSpec("split_partial_use", lambda m, x: x.split(1)[1], [S], lambda x: x[1:2]),
    OpSpec("chunk", lambda m, x: x.chunk(3), [(5, 4)], lambda x: np.split(x, [2, 4])),
    OpSpec("unbind", lambda m, x: x.unbind(1), [S], lambda x: [x[:, i] for i in range(4)]),
    # Indexes the result tuple at [2]: a 2-row input fails in the lambda, on both sides.
    OpSpec("unbind_partial_use", lambda m, x: m.unbind(x)[2], [S], lambda x: x[2],
           perturb=("dtype",)),
    OpSpec("cat", lambda m, x, y: m.cat([x, y], 1), [(3, 2), S],
           lambda x, y: np.concatenate([x, y], 1)),
    OpSpec("cat_three", lambda m, x, y, z: m.cat((x, y, z)), [(1, 4), S, (2, 4)],
           lambda x, y, z: np.concatenate([x, y, z])),
    OpSpec("cat_neg_dim", lambda m, x, y: m.concat([x, y], -1), [(2, 3, 1), (2, 3, 2)],
           lambda x, y: np.concatenate([x, y], -1)),
    OpSpec("stack", lambda m, x, y: m.stack([x, y], 1), [S, S],
           lambda x, y: np.stack([x, y], 1)),
    OpSpec("stack_last", lambda m, x, y, z: m.stack([x, y, z], -1), [(4,), (4,), (4,)],
           lambda x, y, z: np.stack([x, y, z], -1)),
    OpSpec("hstack", lambda m, x, y: m.hstack([x, y]), [(3, 2), S],
           lambda x, y: np.hstack([x, y])),
    OpSpec("vstack", lambda m, x, y: m.vstack([x, y]), [(2, 3), (3,)],
           lambda x, y: np.vstack([x, y])),
    OpSpec("cartesian_prod", lambda m, x, y: m.cartesian_prod(x, y), [(2,), (3,)],
           lambda x, y: np.array(list(itertools.product(x, y)))),
    OpSpec("meshgrid_ij", lambda m, x, y: m.meshgrid(x, y, indexing="ij"), [(2,), (3,)],
           lambda x, y: np.meshgrid(x, y, indexing="ij")),
    OpSpec("meshgrid_xy", lambda m, x, y: m.meshgrid(x, y, indexing="xy"), [(2,), (3,)],
           lambda x, y: np.meshgrid(x, y, indexing="xy")),
]
