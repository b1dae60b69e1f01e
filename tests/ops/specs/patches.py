"""Conformance rows for sliding blocks (``unfold``/``fold``, graphc/ops/patches.py) and
adaptive max pooling (graphc/ops/adaptive_pool.py).

The references loop over blocks and bins (reference only). Max pooling rows use inputs without
ties (a tie is a kink for finite differences); the backward op's row calls it directly with
PyTorch's scatter_add as ``torch_fn``.
"""
import numpy as np

from tests.ops.spec import OpSpec


def _F(m):
    return m.nn.functional


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def _blocks(h, w, k, d, p, s):
    return ((h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1,
            (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1)


def _unfold_ref(k, d=1, p=0, s=1):
    k, d, p, s = map(_pair, (k, d, p, s))

    def ref(x):
        x4 = x if x.ndim == 4 else x[None]
        n, c, h, w = x4.shape
        oh, ow = _blocks(h, w, k, d, p, s)
        xp = np.pad(x4, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
        out = np.zeros((n, c, k[0], k[1], oh, ow), x.dtype)
        for i in range(oh):
            for j in range(ow):
                for a in range(k[0]):
                    for b in range(k[1]):
                        out[:, :, a, b, i, j] = xp[:, :, i * s[0] + a * d[0], j * s[1] + b * d[1]]
        out = out.reshape(n, c * k[0] * k[1], oh * ow)
        return out if x.ndim == 4 else out[0]
    return ref


def _fold_ref(size, k, d=1, p=0, s=1):
    size, k, d, p, s = map(_pair, (size, k, d, p, s))

    def ref(cols):
        c3 = cols if cols.ndim == 3 else cols[None]
        n = c3.shape[0]
        c = c3.shape[1] // (k[0] * k[1])
        oh, ow = _blocks(size[0], size[1], k, d, p, s)
        blocks = c3.reshape(n, c, k[0], k[1], oh, ow)
        img = np.zeros((n, c, size[0] + 2 * p[0], size[1] + 2 * p[1]), cols.dtype)
        for i in range(oh):
            for j in range(ow):
                for a in range(k[0]):
                    for b in range(k[1]):
                        img[:, :, i * s[0] + a * d[0], j * s[1] + b * d[1]] += \
                            blocks[:, :, a, b, i, j]
        img = img[:, :, p[0]:p[0] + size[0], p[1]:p[1] + size[1]]
        return img if cols.ndim == 3 else img[0]
    return ref


def _spread(*shapes):
    """Distinct values (no ties within 0.01), so each bin has one clear maximum."""
    def make(rng, dt):
        out = []
        for s in shapes:
            n = int(np.prod(s))
            vals = np.linspace(-2, 2, n) + rng.uniform(0, 0.01, n)
            out.append(rng.permutation(vals).reshape(s).astype(dt))
        return out
    return make


def _adaptive_max_ref(size, indices=False):
    def ref(x):
        *lead, h, w = x.shape
        oh, ow = size
        vals = np.zeros(tuple(lead) + (oh, ow))
        idx = np.zeros(tuple(lead) + (oh, ow), np.int64)
        for i in range(oh):
            h0, h1 = (i * h) // oh, -((-(i + 1) * h) // oh)
            for j in range(ow):
                w0, w1 = (j * w) // ow, -((-(j + 1) * w) // ow)
                win = x[..., h0:h1, w0:w1].reshape(tuple(lead) + (-1,))
                a = win.argmax(-1)
                vals[..., i, j] = win.max(-1)
                idx[..., i, j] = (h0 + a // (w1 - w0)) * w + w0 + a % (w1 - w0)
        return (vals, idx) if indices else vals
    return ref


def _op(name, **attrs):
    def fn(m, *xs):
        from graphc.ops.dispatch import apply
        from graphc.ops.registry import get
        return apply(get(name), *xs, **attrs)
    return fn


def _grad_and_index(rng, dt):
    return [rng.uniform(-2, 2, size=(1, 2, 3, 2)).astype(dt),
            rng.integers(0, 20, size=(1, 2, 3, 2)).astype(np.int64)]


FOLD = [
    OpSpec("unfold", lambda m, x: _F(m).unfold(x, 2), [(2, 3, 4, 5)], _unfold_ref(2)),
    OpSpec("unfold_dilation_padding_stride",
           lambda m, x: _F(m).unfold(x, (2, 3), dilation=(2, 1), padding=1, stride=(2, 1)),
           [(1, 2, 5, 6)], _unfold_ref((2, 3), (2, 1), 1, (2, 1))),
    OpSpec("unfold_unbatched", lambda m, x: _F(m).unfold(x, 3, padding=1), [(2, 4, 4)],
           _unfold_ref(3, p=1)),
    OpSpec("unfold_module", lambda m, x: m.nn.Unfold((1, 2), stride=(1, 2))(x), [(1, 2, 3, 4)],
           _unfold_ref((1, 2), s=(1, 2))),
    OpSpec("unfold_bool", lambda m, x: _F(m).unfold(x, 2), [], _unfold_ref(2), grad=False,
           dtypes=("bool",), make=lambda r, d: [r.integers(0, 2, (1, 2, 3, 3)).astype(bool)]),
    OpSpec("fold", lambda m, x: _F(m).fold(x, (4, 5), 2), [(2, 12, 12)], _fold_ref((4, 5), 2)),
    OpSpec("fold_dilation_padding_stride",
           lambda m, x: _F(m).fold(x, (5, 6), (2, 3), dilation=(2, 1), padding=1, stride=(2, 1)),
           [(1, 12, 18)], _fold_ref((5, 6), (2, 3), (2, 1), 1, (2, 1))),
    OpSpec("fold_unbatched", lambda m, x: _F(m).fold(x, 3, 2), [(8, 4)], _fold_ref(3, 2)),
    OpSpec("fold_module", lambda m, x: m.nn.Fold((3, 4), (2, 2), stride=2, padding=(1, 0))(x),
           [(2, 4, 4)], _fold_ref((3, 4), 2, 1, (1, 0), 2)),
    OpSpec("fold_of_unfold", lambda m, x: _F(m).fold(_F(m).unfold(x, 2, padding=1), (3, 4), 2,
                                                     padding=1), [(1, 2, 3, 4)]),
]

ADAPTIVE_MAX = [
    OpSpec("adaptive_max_pool2d", lambda m, x: _F(m).adaptive_max_pool2d(x, (3, 4)),
           make=_spread((2, 2, 5, 7)), ref=_adaptive_max_ref((3, 4))),
    OpSpec("adaptive_max_pool2d_indices",
           lambda m, x: _F(m).adaptive_max_pool2d(x, (2, 3), return_indices=True),
           make=_spread((1, 2, 5, 7)), ref=_adaptive_max_ref((2, 3), True)),
    OpSpec("adaptive_max_pool2d_upsample", lambda m, x: _F(m).adaptive_max_pool2d(x, (5, 3)),
           make=_spread((1, 2, 3, 2)), ref=_adaptive_max_ref((5, 3))),
    OpSpec("adaptive_max_pool2d_unbatched_none",
           lambda m, x: _F(m).adaptive_max_pool2d(x, (None, 2)), make=_spread((2, 3, 5)),
           ref=_adaptive_max_ref((3, 2))),
    OpSpec("adaptive_max_pool2d_module",
           lambda m, x: m.nn.AdaptiveMaxPool2d(2, return_indices=True)(x)[0],
           make=_spread((1, 3, 4, 4)), ref=_adaptive_max_ref((2, 2))),
    OpSpec("adaptive_max_pool1d",
           lambda m, x: _F(m).adaptive_max_pool1d(x, 3, return_indices=True),
           make=_spread((2, 3, 7)),
           ref=lambda x: tuple(np.squeeze(a, -2) for a in _adaptive_max_ref((1, 3), True)(
               x[..., None, :]))),
    OpSpec("adaptive_max_pool1d_module", lambda m, x: m.nn.AdaptiveMaxPool1d(4)(x),
           make=_spread((2, 6))),
    OpSpec("adaptive_max_pool2d_backward",
           _op("adaptive_max_pool2d_backward", input_hw=(4, 5), overlap=True),
           make=_grad_and_index, zero_dim=False, perturb=(),  # attrs/torch_fn fix shapes
           torch_fn=lambda m, g, i: g.new_zeros(1, 2, 20).scatter_add(
               2, i.flatten(2), g.flatten(2)).view(1, 2, 4, 5)),
]

SPECS = FOLD + ADAPTIVE_MAX
