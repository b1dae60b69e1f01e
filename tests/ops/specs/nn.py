"""Conformance rows for the nn family: conv, pooling, activations, normalization, embedding,
padding, losses, and the backward ops each of them registers.

Shapes are tiny because gradcheck is O(numel^2). Rows for backward ops call the graphc op
directly (``_op``) and give PyTorch's equivalent (an autograd.grad with create_graph, or an
aten backward) as ``torch_fn``; gradcheck then checks the backward op's own vjp, i.e. double
backward of the forward op. Their attrs and ``torch_fn`` fix the forward's shapes and dtypes, so
they skip the reshaped/recast-input sweeps (``perturb=_FIXED``): an input changed there means
something else on each side. Inputs avoid kinks (relu-like ops) and ties (max pooling), where
finite differences are not meaningful.
"""
import math

import numpy as np

from tests.ops.spec import OpSpec

try:
    from scipy.special import erf as _erf
except ImportError:  # the gelu reference falls back to math.erf
    _erf = np.vectorize(math.erf)


def _op(name, **attrs):
    """A row function that applies the registry op ``name`` directly (graphc side only)."""
    def fn(m, *xs):
        from graphc.ops.dispatch import apply
        from graphc.ops.registry import get
        return apply(get(name), *xs, **attrs)
    return fn


def _tgrad(forward, x_shape):
    """PyTorch's gradient of ``forward(m, x, *rest)`` w.r.t. x, as a function of
    (grad_output, *rest): the torch counterpart of a backward-op row. Only for ops linear in x
    (the backward then does not depend on x's values, so x is zeros)."""
    def fn(m, g, *rest):
        import torch
        x = torch.zeros(x_shape, dtype=g.dtype, requires_grad=True)
        return torch.autograd.grad(forward(m, x, *rest), x, g, create_graph=True)[0]
    return fn


def _spread(*shapes, low=-2.0, high=2.0):
    """Distinct values (no ties within 0.01), so max pooling has one clear winner."""
    def make(rng, dt):
        out = []
        for s in shapes:
            n = int(np.prod(s))
            vals = np.linspace(low, high, n) + rng.uniform(0, 0.01, n)
            out.append(rng.permutation(vals).reshape(s).astype(dt))
        return out
    return make


def _away(*shapes, kinks=(0.0,), gap=0.05, low=-2.0, high=2.0):
    """Uniform values kept ``gap`` away from the kinks of piecewise ops."""
    def make(rng, dt):
        out = []
        for s in shapes:
            x = rng.uniform(low, high, size=s)
            for k in kinks:
                x = np.where(np.abs(x - k) < gap, x + 2 * gap, x)
            out.append(x.astype(dt))
        return out
    return make


def _floats_and(shapes, extra):
    """Random floats for ``shapes`` followed by fixed extra arrays (targets, indices)."""
    def make(rng, dt):
        return [rng.uniform(-2, 2, size=s).astype(dt) for s in shapes] + \
            [e(rng, dt) for e in extra]
    return make


def _ints(shape, high, low=0):
    return lambda rng, dt: rng.integers(low, high, size=shape).astype(np.int64)


def _uniform(shape, low, high):
    return lambda rng, dt: rng.uniform(low, high, size=shape).astype(dt)


def _F(m):
    return m.nn.functional


_FIXED = ()  # perturb=: attrs/torch_fn fix the input shapes and dtypes (see the docstring)


# -- references ------------------------------------------------------------------------------
def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softplus(x):
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _conv_ref(x, w, b=None, stride=1, pad=0):
    """Direct 2-D cross-correlation, loops over output pixels (reference only)."""
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
    out = np.zeros((n, o, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[:, :, i, j] = np.einsum("nckl,ockl->no", patch, w)
    return out + (0 if b is None else b.reshape(1, -1, 1, 1))


def _bn_ref(x, w, b, eps=1e-5):
    mean = x.mean(axis=(0, 2, 3), keepdims=True)
    var = x.var(axis=(0, 2, 3), keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w.reshape(1, -1, 1, 1) + b.reshape(1, -1, 1, 1)


def _ln_ref(x, w, b, eps=1e-5):
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def _nll_ref(x, t, w=None, ignore=-100):
    valid = t != ignore
    tc = np.where(valid, t, 0)
    wt = (np.ones(x.shape[1]) if w is None else w)[tc] * valid
    picked = np.take_along_axis(x, tc[:, None], axis=1)[:, 0]
    return -(picked * wt).sum() / wt.sum()


# -- rows ------------------------------------------------------------------------------------
X4 = (1, 2, 5, 5)
W4 = (3, 2, 3, 3)
G4 = (1, 3, 3, 3)  # conv2d(X4, W4) output
_conv_geo = dict(stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1), groups=1)

CONV = [
    OpSpec("conv2d", lambda m, x, w, b: m.conv2d(x, w, b), [X4, W4, (3,)],
           lambda x, w, b: _conv_ref(x, w, b)),
    OpSpec("conv2d_stride_pad_nobias", lambda m, x, w: _F(m).conv2d(x, w, None, 2, 1),
           [(2, 2, 5, 4), W4], lambda x, w: _conv_ref(x, w, stride=2, pad=1)),
    OpSpec("conv2d_groups_dilation_same",
           lambda m, x, w: _F(m).conv2d(x, w, padding="same", dilation=(1, 2), groups=2),
           [(1, 4, 4, 5), (2, 2, 2, 2)]),
    OpSpec("conv2d_unbatched", lambda m, x, w: _F(m).conv2d(x, w, padding=1), [(2, 4, 4), W4]),
    OpSpec("conv2d_weight_grad", _op("conv2d_weight_grad", weight_shape=W4, **_conv_geo),
           [G4, X4], torch_fn=lambda m, g, x: m.nn.grad.conv2d_weight(x, W4, g),
           perturb=_FIXED),
    OpSpec("conv2d_input_grad", _op("conv2d_input_grad", input_shape=X4, **_conv_geo),
           [G4, W4], torch_fn=lambda m, g, w: m.nn.grad.conv2d_input(X4, w, g),
           perturb=_FIXED),
    OpSpec("conv_transpose2d", lambda m, x, w, b: _F(m).conv_transpose2d(
        x, w, b, stride=2, padding=1, output_padding=1), [(1, 3, 3, 3), (3, 2, 3, 3), (2,)]),
]


def _idx_make(rng, dt):
    g = rng.uniform(-2, 2, size=(1, 2, 2, 3)).astype(dt)
    return [g, rng.integers(0, 20, size=(1, 2, 2, 3)).astype(np.int64)]


def _gather_make(rng, dt):
    x = rng.uniform(-2, 2, size=(1, 2, 4, 5)).astype(dt)
    return [x, rng.integers(0, 20, size=(1, 2, 2, 3)).astype(np.int64)]


POOL = [
    OpSpec("max_pool2d", lambda m, x: _F(m).max_pool2d(x, 2), make=_spread((2, 2, 5, 4)),
           ref=lambda x: x[:, :, :4, :4].reshape(2, 2, 2, 2, 2, 2).max(axis=(3, 5))),
    OpSpec("max_pool2d_pad_ceil_dilation",
           lambda m, x: _F(m).max_pool2d(x, (3, 2), (2, 1), 1, (1, 2), ceil_mode=True),
           make=_spread((1, 2, 6, 7))),
    OpSpec("max_pool2d_indices",
           lambda m, x: _F(m).max_pool2d(x, 3, 2, 1, ceil_mode=True, return_indices=True)[1],
           make=_spread((2, 1, 6, 5)), grad=False),
    OpSpec("max_pool2d_gather", _op("max_pool2d", overlap=True), make=_gather_make,
           torch_fn=lambda m, x, i: x.flatten(2).gather(2, i.flatten(2)).view(i.shape)),
    OpSpec("max_pool2d_backward", _op("max_pool2d_backward", input_hw=(4, 5), overlap=True),
           make=_idx_make, torch_fn=lambda m, g, i: g.new_zeros(1, 2, 20).scatter_add(
               2, i.flatten(2), g.flatten(2)).view(1, 2, 4, 5), perturb=_FIXED),
    OpSpec("avg_pool2d", lambda m, x: _F(m).avg_pool2d(x, 2), [(2, 2, 4, 4)],
           lambda x: x.reshape(2, 2, 2, 2, 2, 2).mean(axis=(3, 5))),
    OpSpec("avg_pool2d_pad_ceil_exclude",
           lambda m, x: _F(m).avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
           [(1, 2, 6, 5)]),
    OpSpec("avg_pool2d_divisor", lambda m, x: _F(m).avg_pool2d(x, (2, 3), 1, divisor_override=4),
           [(3, 4, 5)]),
    OpSpec("avg_pool2d_backward",
           _op("avg_pool2d_backward", input_hw=(5, 4), kernel=(3, 3), stride=(2, 2),
               padding=(1, 1), ceil_mode=True, count_include_pad=True, divisor_override=None),
           [(1, 2, 3, 3)], torch_fn=lambda m, g: m.ops.aten.avg_pool2d_backward(
               g, g.new_empty(1, 2, 5, 4), [3, 3], [2, 2], [1, 1], True, True, None),
           perturb=_FIXED),
    OpSpec("adaptive_avg_pool2d", lambda m, x: _F(m).adaptive_avg_pool2d(x, (3, 2)),
           [(2, 2, 7, 5)]),
    OpSpec("adaptive_avg_pool2d_1x1", lambda m, x: _F(m).adaptive_avg_pool2d(x, 1), [(2, 3, 4, 4)],
           lambda x: x.mean(axis=(2, 3), keepdims=True)),
    OpSpec("adaptive_avg_pool2d_backward", _op("adaptive_avg_pool2d_backward", input_hw=(7, 5)),
           [(2, 2, 3, 2)], torch_fn=lambda m, g: m.ops.aten.
           _adaptive_avg_pool2d_backward(g, g.new_empty(2, 2, 7, 5)), perturb=_FIXED),
]

S = (3, 4)
ACT = [
    OpSpec("gelu", lambda m, x: _F(m).gelu(x), [S],
           lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2)))),
    OpSpec("gelu_tanh", lambda m, x: _F(m).gelu(x, approximate="tanh"), [S],
           lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))),
    OpSpec("leaky_relu", lambda m, x: _F(m).leaky_relu(x, 0.2), make=_away(S),
           ref=lambda x: np.where(x > 0, x, 0.2 * x)),
    OpSpec("elu", lambda m, x: _F(m).elu(x, 1.5), make=_away(S),
           ref=lambda x: np.where(x > 0, x, 1.5 * np.expm1(x))),
    OpSpec("selu", lambda m, x: _F(m).selu(x), make=_away(S)),
    OpSpec("celu", lambda m, x: _F(m).celu(x, 0.7), make=_away(S),
           ref=lambda x: np.where(x > 0, x, 0.7 * np.expm1(x / 0.7))),
    OpSpec("hardtanh", lambda m, x: _F(m).hardtanh(x, -1.0, 0.5), make=_away(S, kinks=(-1, .5)),
           ref=lambda x: np.clip(x, -1.0, 0.5)),
    OpSpec("relu6", lambda m, x: _F(m).relu6(x * 4), make=_away(S, kinks=(0, 1.5))),
    OpSpec("threshold", lambda m, x: _F(m).threshold(x, 0.3, -1.0), make=_away(S, kinks=(0.3,)),
           ref=lambda x: np.where(x > 0.3, x, -1.0)),
    OpSpec("silu", lambda m, x: _F(m).silu(x), [S], lambda x: x * _sigmoid(x)),
    OpSpec("softplus", lambda m, x: _F(m).softplus(x, 2.0, 3.0), make=_away(S, kinks=(1.5,)),
           ref=lambda x: np.where(2 * x > 3, x, _softplus(2 * x) / 2)),
    OpSpec("logsigmoid", lambda m, x: _F(m).logsigmoid(x * 20), [S],
           lambda x: -_softplus(-x * 20)),
    OpSpec("mish", lambda m, x: _F(m).mish(x), [S], lambda x: x * np.tanh(_softplus(x))),
    OpSpec("hardswish", lambda m, x: _F(m).hardswish(x * 2), make=_away(S, kinks=(-1.5, 1.5)),
           ref=lambda x: 2 * x * np.clip(2 * x + 3, 0, 6) / 6),
    OpSpec("hardsigmoid", lambda m, x: _F(m).hardsigmoid(x * 2), make=_away(S, kinks=(-1.5, 1.5)),
           ref=lambda x: np.clip(2 * x + 3, 0, 6) / 6),
]

NORM = [
    OpSpec("batch_norm_train", lambda m, x, w, b: _F(m).batch_norm(x, None, None, w, b, True),
           [(3, 2, 2, 2), (2,), (2,)], _bn_ref),
    OpSpec("batch_norm_eval",
           lambda m, x, rm, rv, w, b: _F(m).batch_norm(x, rm, rv, w, b, False, eps=1e-3),
           make=_floats_and([(2, 3, 2)], [_uniform((3,), -1, 1), _uniform((3,), 0.5, 2),
                                          _uniform((3,), -1, 1), _uniform((3,), -1, 1)]),
           no_grad_inputs=(1, 2)),
    OpSpec("batch_norm_stats", lambda m, x: _op("batch_norm", training=True, eps=1e-5)(
        m, x, None, None, None, None), [(4, 2, 3)],
           torch_fn=lambda m, x: (
               m.nn.functional.batch_norm(x, None, None, training=True),
               x.mean((0, 2)), x.var((0, 2), unbiased=False)),
           perturb=("dtype",)),  # torch_fn's reduced dims (0, 2) fit 3-d inputs only
    OpSpec("layer_norm", lambda m, x, w, b: _F(m).layer_norm(x, (4,), w, b),
           [(2, 3, 4), (4,), (4,)], _ln_ref),
    OpSpec("layer_norm_2d_noaffine", lambda m, x: _F(m).layer_norm(x, (3, 4), eps=1e-3),
           [(2, 3, 4)]),
]


def _emb_make(rng, dt):
    return [rng.uniform(-2, 2, (5, 3)).astype(dt), np.array([[0, 2, 4], [2, 2, 1]], np.int64)]


def _emb_bw_make(rng, dt):
    return [rng.uniform(-2, 2, (2, 3, 3)).astype(dt), np.array([[0, 2, 4], [2, 2, 1]], np.int64)]


MISC = [
    OpSpec("embedding", lambda m, w, i: _F(m).embedding(i, w), make=_emb_make,
           ref=lambda w, i: w[i]),
    # padding_idx's row gets no gradient by definition (not the finite difference): forward only
    # here, gradients against torch in tests/nn/test_functional.py.
    OpSpec("embedding_padding_idx", lambda m, w, i: _F(m).embedding(i, w, padding_idx=2),
           make=_emb_make, grad=False),
    OpSpec("embedding_backward", _op("embedding_backward", num_weights=5, padding_idx=2),
           make=_emb_bw_make, torch_fn=lambda m, g, i: g.new_zeros(5, 3).index_add(
               0, i.flatten(), g.reshape(-1, 3)) * (m.arange(5) != 2)[:, None],
           perturb=_FIXED),
    # The mask's shape is the row's attr, not x's: a 0-d x cannot make it match torch_fn.
    OpSpec("dropout_mask_p0", _op("dropout_mask", p=0.0, shape=(2, 3)), [(2, 3)],
           torch_fn=lambda m, x: m.ones_like(x), grad=False, zero_dim=False, perturb=_FIXED),
    OpSpec("one_hot", lambda m, t: _F(m).one_hot(t, 5), make=lambda r, d: [
        r.integers(0, 5, (2, 3)).astype(np.int64)], ref=lambda t: np.eye(5, dtype=np.int64)[t],
        grad=False),
    OpSpec("pad_constant", lambda m, x: _F(m).pad(x, (1, 2, -1, 1), value=0.5), [(2, 3, 4)]),
]
for _mode in ("reflect", "replicate", "circular"):
    MISC += [
        OpSpec(f"pad_{_mode}_1d", lambda m, x, _m=_mode: _F(m).pad(x, (2, 1), mode=_m),
               [(2, 3, 4)]),
        OpSpec(f"pad_{_mode}_2d", lambda m, x, _m=_mode: _F(m).pad(x, (1, 2, 2, 1), mode=_m),
               [(1, 2, 3, 4)]),
        OpSpec(f"pad_{_mode}_3d", lambda m, x, _m=_mode: _F(m).pad(
            x, (1, 1, 0, 2, 1, 0), mode=_m), [(1, 3, 3, 2)]),
    ]
MISC.append(OpSpec(
    "pad_backward", _op("pad_backward", input_shape=(1, 2, 3, 4), pad=(1, 2, 2, 1),
                        mode="reflect"), [(1, 2, 6, 7)],
    torch_fn=_tgrad(lambda m, x: m.nn.functional.pad(x, (1, 2, 2, 1), mode="reflect"),
                    (1, 2, 3, 4)), perturb=_FIXED))


def _probs(*shapes):
    return lambda r, d: [r.uniform(0.05, 0.95, s).astype(d) for s in shapes]


def _nll_make(rng, dt):
    return [rng.uniform(-2, 2, (3, 4)).astype(dt), np.array([0, 3, 1], np.int64)]


def _nll_w_make(rng, dt):
    return [rng.uniform(-2, 2, (4, 4)).astype(dt), np.array([0, 3, 1, 3], np.int64),
            rng.uniform(0.5, 2, (4,)).astype(dt)]


def _nll_bw_make(rng, dt):
    return [np.array(rng.uniform(-2, 2), dt), np.array([0, 3, 1, 3], np.int64),
            rng.uniform(0.5, 2, (4,)).astype(dt)]


LOSS = [
    OpSpec("mse_loss", lambda m, x, y: _F(m).mse_loss(x, y), [S, S],
           lambda x, y: ((x - y) ** 2).mean()),
    OpSpec("mse_loss_none", lambda m, x, y: _F(m).mse_loss(x, y, reduction="none"), [S, S],
           lambda x, y: (x - y) ** 2),
    OpSpec("mse_loss_sum", lambda m, x, y: _F(m).mse_loss(x, y, reduction="sum"), [S, S],
           lambda x, y: ((x - y) ** 2).sum()),
    OpSpec("smooth_l1_loss", lambda m, x, y: _F(m).smooth_l1_loss(x, y, beta=0.5),
           make=lambda r, d: [r.uniform(-2, 2, S).astype(d), np.zeros(S, d) + 0.01],
           no_grad_inputs=(1,)),
    OpSpec("huber_loss", lambda m, x, y: _F(m).huber_loss(x, y, reduction="sum", delta=0.7),
           make=lambda r, d: [r.uniform(-2, 2, S).astype(d), np.zeros(S, d) + 0.01],
           no_grad_inputs=(1,)),
    OpSpec("binary_cross_entropy", lambda m, x, y: _F(m).binary_cross_entropy(x, y),
           make=_probs(S, S), ref=lambda x, y: -(y * np.log(x) + (1 - y) * np.log(1 - x)).mean()),
    OpSpec("binary_cross_entropy_weight_none",
           lambda m, x, y, w: _F(m).binary_cross_entropy(x, y, w, reduction="none"),
           make=_probs(S, S, (4,)), no_grad_inputs=(2,)),
    OpSpec("bce_with_logits", lambda m, x, y: _F(m).binary_cross_entropy_with_logits(x, y),
           make=lambda r, d: [r.uniform(-3, 3, S).astype(d), r.uniform(0, 1, S).astype(d)],
           ref=lambda x, y: (-(y * np.log(_sigmoid(x)) + (1 - y) * np.log(1 - _sigmoid(x))))
           .mean()),
    OpSpec("bce_with_logits_pos_weight",
           lambda m, x, y, w, pw: _F(m).binary_cross_entropy_with_logits(
               x, y, w, reduction="sum", pos_weight=pw),
           make=lambda r, d: [r.uniform(-3, 3, S).astype(d), r.uniform(0, 1, S).astype(d),
                              r.uniform(0.5, 2, (4,)).astype(d), r.uniform(0.5, 2, (4,)).astype(d)],
           no_grad_inputs=(2, 3)),
    OpSpec("nll_loss", lambda m, x, t: _F(m).nll_loss(x, t), make=_nll_make, ref=_nll_ref),
    OpSpec("nll_loss_weight_ignore",
           lambda m, x, t, w: _F(m).nll_loss(x, t, w, ignore_index=1), make=_nll_w_make,
           ref=lambda x, t, w: _nll_ref(x, t, w, ignore=1), no_grad_inputs=(2,)),
    OpSpec("nll_loss_nd_none", lambda m, x, t: _F(m).nll_loss(x, t, reduction="none"),
           make=lambda r, d: [r.uniform(-2, 2, (2, 3, 2)).astype(d),
                              np.array([[0, 2], [1, 1]], np.int64)]),
    OpSpec("nll_loss_backward",
           _op("nll_loss_backward", input_shape=(4, 4), ignore_index=1, reduction="mean"),
           make=_nll_bw_make, no_grad_inputs=(2,), torch_fn=_tgrad(
               lambda m, x, t, w: m.nn.functional.nll_loss(x, t, w, ignore_index=1), (4, 4)),
           perturb=_FIXED),
    OpSpec("cross_entropy", lambda m, x, t: _F(m).cross_entropy(x, t), make=_nll_make),
]

SPECS = CONV + POOL + ACT + NORM + MISC + LOSS


def _gelu_grad(approximate):
    """d(sum(gelu(x) * w))/dx with create_graph: reaches gelu_backward and its own vjp."""
    def fn(m, x, w):
        with m.enable_grad():
            xr = x if x.requires_grad else x.detach().requires_grad_()
            y = m.nn.functional.gelu(xr, approximate=approximate)
            (g,) = m.autograd.grad((y * w).sum(), xr, create_graph=True)
        return g
    return fn


SPECS += [
    OpSpec("gelu_tanh_grad", _gelu_grad("tanh"), [(3, 4), (3, 4)], None),
    OpSpec("gelu_erf_grad", _gelu_grad("none"), [(3, 4), (3, 4)], None),
]
