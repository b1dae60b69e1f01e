"""``graphc.nn.functional`` against ``torch.nn.functional`` on identical float64 inputs.

Each case runs the same lambda with ``F`` = graphc's and torch's functional module and compares
the output and the gradients of a random weighting of it with respect to every floating input
(atol 1e-6, float64). Further tests pin grad_fn names, running-stat updates, double backward,
dropout's statistics and the error messages for bad shapes.
"""
from __future__ import annotations

import numpy as np
import pytest

import graphc
import graphc.nn.functional as GF
from graphc import errors

torch = pytest.importorskip("torch")
TF = torch.nn.functional
ATOL = 1e-6


# -- harness ---------------------------------------------------------------------------------
def _inputs(arrays, grad):
    """The same arrays as graphc and torch tensors; floating ones require grad when asked."""
    g_in, t_in = [], []
    for i, a in enumerate(arrays):
        a = np.asarray(a)
        g, t = graphc.tensor(a), torch.from_numpy(a.copy())
        if a.dtype.kind == "f" and (grad is True or (grad and i in grad)):
            g.requires_grad_(True)
            t.requires_grad_(True)
        g_in.append(g)
        t_in.append(t)
    return g_in, t_in


def _np(t):
    if isinstance(t, graphc.Tensor):
        return graphc.ops.to_host(t.detach())
    return t.detach().numpy()


def compare(fn, arrays, grad=True, atol=ATOL, seed=0):
    """Run ``fn(F, *inputs)`` on both libraries; compare outputs and input gradients."""
    g_in, t_in = _inputs(arrays, grad)
    g_out, t_out = fn(GF, *g_in), fn(TF, *t_in)
    g_outs = list(g_out) if isinstance(g_out, (tuple, list)) else [g_out]
    t_outs = list(t_out) if isinstance(t_out, (tuple, list)) else [t_out]
    assert len(g_outs) == len(t_outs)
    for g, t in zip(g_outs, t_outs):
        assert tuple(g.shape) == tuple(t.shape), (g.shape, t.shape)
        assert g.dtype.name == str(t.dtype).replace("torch.", "")
        np.testing.assert_allclose(_np(g), _np(t), atol=atol, rtol=1e-6)
    if not grad:
        return g_out, t_out
    rng = np.random.default_rng(seed)
    g_loss = t_loss = 0
    for g, t in zip(g_outs, t_outs):
        if t.requires_grad:
            w = rng.uniform(-1, 1, size=tuple(t.shape))
            g_loss = g_loss + (g * graphc.tensor(w)).sum()
            t_loss = t_loss + (t * torch.from_numpy(w)).sum()
    assert not isinstance(t_loss, int), "no output requires grad"
    g_loss.backward()
    t_loss.backward()
    for gi, ti in zip(g_in, t_in):
        if ti.requires_grad:
            assert gi.grad is not None
            np.testing.assert_allclose(_np(gi.grad), _np(ti.grad), atol=atol, rtol=1e-6)
    return g_out, t_out


def R(*shape, low=-2.0, high=2.0, seed=None):
    rng = np.random.default_rng(seed if seed is not None else sum(shape) + len(shape))
    return rng.uniform(low, high, size=shape)


def I(values):  # noqa: E743
    return np.asarray(values, dtype=np.int64)


def distinct(*shape, seed=0):
    """Values with no ties (max pooling picks a unique winner)."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    return rng.permutation(np.linspace(-2, 2, n)).reshape(shape)


# -- convolution -----------------------------------------------------------------------------
CONV_CASES = [
    ("plain", (2, 3, 7, 6), (4, 3, 3, 3), True, {}),
    ("stride_pad", (2, 3, 7, 6), (4, 3, 3, 2), True, dict(stride=2, padding=1)),
    ("stride_pad_tuple", (1, 2, 8, 7), (3, 2, 3, 3), False, dict(stride=(2, 1), padding=(0, 2))),
    ("same_odd", (2, 2, 5, 6), (3, 2, 3, 3), True, dict(padding="same")),
    ("same_even_dilated", (2, 2, 6, 7), (3, 2, 2, 4), True, dict(padding="same", dilation=2)),
    ("valid", (1, 2, 5, 5), (2, 2, 3, 3), True, dict(padding="valid")),
    ("dilation", (1, 2, 9, 8), (2, 2, 3, 2), False, dict(dilation=(2, 3), padding=1)),
    ("groups", (2, 4, 6, 5), (6, 2, 3, 3), True, dict(groups=2, padding=1)),
    ("depthwise", (2, 3, 5, 5), (3, 1, 3, 3), False, dict(groups=3, stride=2)),
    ("batch_inner", (16, 2, 6, 6), (3, 2, 3, 3), True, dict(padding=1, stride=1)),
    ("batch_inner_strided", (12, 3, 9, 9), (2, 3, 3, 3), True, dict(padding=2, stride=2)),
    ("1x1", (3, 4, 4, 4), (5, 4, 1, 1), True, {}),
]


@pytest.mark.parametrize("name,xs,ws,bias,kw", CONV_CASES, ids=[c[0] for c in CONV_CASES])
def test_conv2d(name, xs, ws, bias, kw):
    arrays = [R(*xs), R(*ws)] + ([R(ws[0])] if bias else [])
    out, _ = compare(lambda F, x, w, *b: F.conv2d(x, w, b[0] if b else None, **kw), arrays)
    assert out.grad_fn.name() == "ConvolutionBackward0"


def test_conv2d_unbatched_and_first_layer_skips_input_grad():
    compare(lambda F, x, w: F.conv2d(x, w, padding=1), [R(2, 5, 4), R(3, 2, 3, 3)])
    # The input (data) needs no gradient: only the weight's is computed and stored.
    compare(lambda F, x, w, b: F.conv2d(x, w, b), [R(2, 1, 6, 6), R(3, 1, 3, 3), R(3)],
            grad=(1, 2))


def test_conv_transpose2d_and_conv1d():
    compare(lambda F, x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
            [R(2, 3, 4, 3), R(3, 2, 3, 3), R(2)])
    compare(lambda F, x, w: F.conv_transpose2d(x, w, groups=2, dilation=2),
            [R(1, 4, 3, 3), R(4, 1, 2, 2)])
    compare(lambda F, x, w, b: F.conv1d(x, w, b, stride=2, padding=1),
            [R(2, 3, 9), R(4, 3, 3), R(4)])


def test_conv2d_double_backward_matches_torch():
    """d/d(x, w) of (||dL/dx||^2 + ||dL/dw||^2): runs conv's gradient ops' own vjps."""
    g_in, t_in = _inputs([R(2, 2, 5, 5), R(3, 2, 3, 3)], True)
    res = []
    for lib, F, (x, w) in ((graphc, GF, g_in), (torch, TF, t_in)):
        y = F.conv2d(x, w, stride=2, padding=1)
        gx, gw = lib.autograd.grad((y * y).sum(), (x, w), create_graph=True)
        ((gx * gx).sum() + (gw * gw).sum()).backward()
        res.append((x.grad, w.grad))
    for a, b in zip(*res):
        np.testing.assert_allclose(_np(a), _np(b), atol=1e-6, rtol=1e-6)


def test_conv2d_float32_matches_torch():
    x = R(8, 3, 10, 10).astype(np.float32)
    w = R(4, 3, 5, 5).astype(np.float32)
    g = GF.conv2d(graphc.tensor(x), graphc.tensor(w), padding=2)
    t = TF.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=2)
    assert g.dtype is graphc.float32
    np.testing.assert_allclose(_np(g), _np(t), atol=2e-5, rtol=1e-5)


# -- pooling ---------------------------------------------------------------------------------
MAXPOOL_CASES = [
    ("k2", (2, 3, 6, 6), dict(kernel_size=2)),
    ("k2_odd", (2, 2, 7, 5), dict(kernel_size=2)),
    ("k3s2p1", (1, 2, 7, 8), dict(kernel_size=3, stride=2, padding=1)),
    ("ceil", (2, 2, 7, 7), dict(kernel_size=3, stride=2, ceil_mode=True)),
    ("ceil_pad", (1, 2, 6, 5), dict(kernel_size=2, stride=2, padding=1, ceil_mode=True)),
    ("overlap_dilation", (1, 2, 8, 9), dict(kernel_size=(2, 3), stride=1, dilation=(2, 1))),
    ("unbatched", (3, 6, 6), dict(kernel_size=2, stride=(2, 1))),
    ("big_kernel", (1, 1, 20, 21), dict(kernel_size=17, stride=2)),
]


@pytest.mark.parametrize("name,shape,kw", MAXPOOL_CASES, ids=[c[0] for c in MAXPOOL_CASES])
def test_max_pool2d(name, shape, kw):
    out, _ = compare(lambda F, x: F.max_pool2d(x, **kw), [distinct(*shape)])
    assert out.grad_fn.name() == "MaxPool2DWithIndicesBackward0"
    g, t = compare(lambda F, x: F.max_pool2d(x, return_indices=True, **kw), [distinct(*shape)])
    assert g[1].dtype is graphc.int64


def test_max_pool2d_nan_and_ties():
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 1, 1] = np.nan
    compare(lambda F, x: F.max_pool2d(x, 2, return_indices=True), [x], grad=False)
    compare(lambda F, x: F.max_pool2d(x, 3, 1, return_indices=True), [np.ones((1, 2, 5, 5))])


def test_max_pool1d_avg_pool1d():
    compare(lambda F, x: F.max_pool1d(x, 3, 2, 1), [distinct(2, 3, 9)])
    compare(lambda F, x: F.avg_pool1d(x, 3, 2, 1, ceil_mode=True), [R(2, 3, 8)])
    compare(lambda F, x: F.adaptive_avg_pool1d(x, 4), [R(2, 3, 9)])


AVGPOOL_CASES = [
    ("k2", (2, 3, 6, 6), dict(kernel_size=2)),
    ("k3s2p1", (1, 2, 7, 8), dict(kernel_size=3, stride=2, padding=1)),
    ("exclude_pad", (1, 2, 7, 8), dict(kernel_size=3, stride=2, padding=1,
                                       count_include_pad=False)),
    ("ceil", (2, 2, 7, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("ceil_exclude", (2, 2, 6, 7), dict(kernel_size=(2, 3), stride=2, padding=1,
                                        ceil_mode=True, count_include_pad=False)),
    ("divisor", (2, 2, 5, 5), dict(kernel_size=2, stride=1, divisor_override=3)),
    ("unbatched", (3, 5, 6), dict(kernel_size=2)),
]


@pytest.mark.parametrize("name,shape,kw", AVGPOOL_CASES, ids=[c[0] for c in AVGPOOL_CASES])
def test_avg_pool2d(name, shape, kw):
    out, _ = compare(lambda F, x: F.avg_pool2d(x, **kw), [R(*shape)])
    assert out.grad_fn.name() == "AvgPool2DBackward0"


@pytest.mark.parametrize("shape,size", [((2, 3, 7, 6), (3, 4)), ((2, 3, 5, 9), 4),
                                        ((3, 10, 7), (4, None)), ((1, 2, 3, 3), (5, 5)),
                                        ((2, 2, 4, 4), 1)])
def test_adaptive_avg_pool2d(shape, size):
    out, t = compare(lambda F, x: F.adaptive_avg_pool2d(x, size), [R(*shape)])
    assert out.grad_fn.name() == t.grad_fn.name()


# -- activations -----------------------------------------------------------------------------
ACTS = {
    "relu": lambda F, x: F.relu(x), "relu6": lambda F, x: F.relu6(x * 4),
    "leaky_relu": lambda F, x: F.leaky_relu(x, 0.1), "elu": lambda F, x: F.elu(x, 0.8),
    "selu": lambda F, x: F.selu(x), "celu": lambda F, x: F.celu(x, 1.3),
    "gelu": lambda F, x: F.gelu(x), "gelu_tanh": lambda F, x: F.gelu(x, approximate="tanh"),
    "silu": lambda F, x: F.silu(x), "mish": lambda F, x: F.mish(x),
    "softplus": lambda F, x: F.softplus(x), "softplus_beta": lambda F, x: F.softplus(x, 3, 2),
    "softplus_big": lambda F, x: F.softplus(x * 30),
    "hardtanh": lambda F, x: F.hardtanh(x, -0.5, 1.2),
    "hardswish": lambda F, x: F.hardswish(x * 3), "hardsigmoid": lambda F, x: F.hardsigmoid(x * 3),
    "threshold": lambda F, x: F.threshold(x, 0.2, -3.0),
    "logsigmoid": lambda F, x: F.logsigmoid(x * 30), "tanh": lambda F, x: F.tanh(x),
    "sigmoid": lambda F, x: F.sigmoid(x), "softsign": lambda F, x: F.softsign(x),
    "tanhshrink": lambda F, x: F.tanhshrink(x), "softshrink": lambda F, x: F.softshrink(x, 0.3),
    "hardshrink": lambda F, x: F.hardshrink(x, 0.3), "glu": lambda F, x: F.glu(x, 1),
    "softmax": lambda F, x: F.softmax(x, 1), "log_softmax": lambda F, x: F.log_softmax(x, -1),
    "softmin": lambda F, x: F.softmin(x, 0),
    "softmax_dtype": lambda F, x: F.softmax(x.float(), 1, dtype=graphc.float64
                                            if F is GF else torch.float64),
}


@pytest.mark.parametrize("name", sorted(ACTS))
def test_activation(name):
    x = R(3, 4, seed=1)
    x = np.where(np.abs(x) < 0.05, 0.3, x)  # away from kinks
    x = np.where(np.abs(np.abs(x) - 0.3) < 0.02, 0.5, x)
    out, t = compare(ACTS[name], [x])
    if name not in ("softshrink", "hardshrink", "softmin", "softmax_dtype", "glu", "tanhshrink",
                    "softsign"):  # composites: PyTorch's grad_fn differs or is another op's
        assert out.grad_fn.name() == t.grad_fn.name(), name


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "elu", "hardtanh", "relu6", "silu",
                                  "threshold", "selu"])
def test_inplace_activation(name):
    args = {"threshold": (0.1, 2.0)}.get(name, ())

    def fn(F, x):
        y = x * 1.0
        r = getattr(F, name)(y, *args, inplace=True)
        assert r is y
        return y
    compare(fn, [R(3, 5)])


def test_prelu():
    compare(lambda F, x, w: F.prelu(x, w), [R(2, 3, 4), np.array([0.2, -0.1, 0.5])])
    compare(lambda F, x, w: F.prelu(x, w), [R(2, 3), np.array([0.25])])


# -- linear / embedding / misc ---------------------------------------------------------------
def test_linear():
    out, _ = compare(lambda F, x, w, b: F.linear(x, w, b), [R(4, 3), R(5, 3), R(5)])
    assert out.grad_fn.name() == "AddmmBackward0"
    compare(lambda F, x, w: F.linear(x, w), [R(4, 3), R(5, 3)])
    compare(lambda F, x, w, b: F.linear(x, w, b), [R(2, 4, 3), R(5, 3), R(5)])
    compare(lambda F, x, w, b: F.linear(x, w, b), [R(3), R(5, 3), R(5)])
    compare(lambda F, x, y, w, b: F.bilinear(x, y, w, b), [R(4, 3), R(4, 2), R(5, 3, 2), R(5)])


def test_embedding():
    idx = I([[0, 2, 4, 2], [1, 2, 0, 0]])
    out, _ = compare(lambda F, w, i: F.embedding(i, w), [R(5, 3), idx])
    assert out.grad_fn.name() == "EmbeddingBackward0"
    compare(lambda F, w, i: F.embedding(i, w, padding_idx=2), [R(5, 3), idx])
    compare(lambda F, w, i: F.embedding(i, w, padding_idx=-5), [R(5, 3), idx])
    w = R(6, 4, low=-3, high=3)
    gw, tw = graphc.tensor(w), torch.from_numpy(w.copy())
    GF.embedding(graphc.tensor(I([1, 3, 3])), gw, max_norm=1.0)
    TF.embedding(torch.from_numpy(I([1, 3, 3])), tw, max_norm=1.0)
    np.testing.assert_allclose(_np(gw), tw.numpy(), atol=1e-6)
    assert graphc.embedding(gw, graphc.tensor(I([0, 5]))).shape == (2, 4)


def test_one_hot_and_pad():
    g = GF.one_hot(graphc.tensor(I([0, 3, 1])))
    assert g.dtype is graphc.int64 and g.tolist() == TF.one_hot(torch.tensor([0, 3, 1])).tolist()
    assert GF.one_hot(graphc.tensor(I([[1], [0]])), 4).shape == (2, 1, 4)
    out, _ = compare(lambda F, x: F.pad(x, (1, 2, 0, 1), value=-1.5), [R(2, 3, 4)])
    assert out.grad_fn.name() == "ConstantPadNdBackward0"
    compare(lambda F, x: F.pad(x, (-1, 2, 1, -1)), [R(2, 3, 4)])
    for mode in ("reflect", "replicate", "circular"):
        compare(lambda F, x, m=mode: F.pad(x, (2, 1), mode=m), [R(2, 3, 4)])
        out, t = compare(lambda F, x, m=mode: F.pad(x, (1, 2, 2, 0), mode=m), [R(1, 2, 3, 4)])
        if mode != "circular":
            assert out.grad_fn.name() == t.grad_fn.name()
        compare(lambda F, x, m=mode: F.pad(x, (1, 1, 2, 1, 1, 0), mode=m), [R(1, 2, 3, 3, 3)])


def test_flatten_normalize_similarity_distance():
    compare(lambda F, x: F.normalize(x, dim=1), [R(3, 4)])
    compare(lambda F, x: F.normalize(x, p=1, dim=0), [R(3, 4)])
    compare(lambda F, x, y: F.cosine_similarity(x, y), [R(3, 4), R(3, 4, seed=9)])
    compare(lambda F, x, y: F.cosine_similarity(x, y, dim=-1), [R(2, 3, 4), R(2, 3, 4, seed=9)])
    compare(lambda F, x, y: F.pairwise_distance(x, y), [R(3, 4), R(3, 4, seed=9)])
    assert GF.flatten(graphc.zeros(2, 3, 4), 1).shape == (2, 12)


def test_scaled_dot_product_attention():
    q, k, v = R(2, 3, 4, seed=1), R(2, 5, 4, seed=2), R(2, 5, 3, seed=3)
    compare(lambda F, q, k, v: F.scaled_dot_product_attention(q, k, v), [q, k, v])
    compare(lambda F, q, k, v: F.scaled_dot_product_attention(q, k[:, :3], v[:, :3],
                                                              is_causal=True), [q, k, v])
    mask = np.random.default_rng(0).uniform(size=(3, 5)) > 0.3
    mask[:, 0] = True
    compare(lambda F, q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m),
            [q, k, v, mask])
    compare(lambda F, q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m, scale=.3),
            [q, k, v, R(3, 5, seed=4)], grad=(0, 1, 2))


# -- dropout ---------------------------------------------------------------------------------
def test_dropout_statistics_and_gradient():
    graphc.manual_seed(0)
    x = graphc.ones(200, 100, dtype=graphc.float64, requires_grad=True)
    y = GF.dropout(x, 0.3)
    kept = _np(y) != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(_np(y)[kept], 1 / 0.7)
    assert y.grad_fn.name() == "MulBackward0"
    y.sum().backward()
    np.testing.assert_allclose(_np(x.grad), _np(y))
    assert GF.dropout(x, 0.3, training=False) is x
    assert not _np(GF.dropout(x, 1.0)).any()
    z = GF.dropout2d(graphc.ones(4, 50, 3, 3), 0.5)
    planes = _np(z).reshape(4, 50, 9)
    assert (planes.min(-1) == planes.max(-1)).all()  # whole channels dropped or kept
    graphc.manual_seed(3)
    a = _np(GF.dropout(graphc.ones(10, 10), 0.5))
    graphc.manual_seed(3)
    np.testing.assert_array_equal(a, _np(GF.dropout(graphc.ones(10, 10), 0.5)))


def test_dropout_inplace():
    x = graphc.ones(50, 50)
    r = GF.dropout(x, 0.5, inplace=True)
    assert r is x and 0.4 < (_np(x) == 0).mean() < 0.6


# -- normalization ---------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(4, 3), (3, 2, 5), (4, 3, 2, 2)])
def test_batch_norm_training_updates_running_stats(shape):
    c = shape[1]
    rm, rv = np.zeros(c), np.ones(c)
    g_rm, g_rv = graphc.tensor(rm), graphc.tensor(rv)
    t_rm, t_rv = torch.from_numpy(rm.copy()), torch.from_numpy(rv.copy())
    x, w, b = R(*shape), R(c, seed=5), R(c, seed=6)
    for _ in range(2):
        compare(lambda F, x, w, b: F.batch_norm(
            x, g_rm if F is GF else t_rm, g_rv if F is GF else t_rv, w, b, training=True,
            momentum=0.3), [x, w, b])
    np.testing.assert_allclose(_np(g_rm), t_rm.numpy(), atol=1e-12)
    np.testing.assert_allclose(_np(g_rv), t_rv.numpy(), atol=1e-12)
    assert g_rm.grad_fn is None and not g_rv.requires_grad
    out, _ = compare(lambda F, x, w, b: F.batch_norm(
        x, g_rm if F is GF else t_rm, g_rv if F is GF else t_rv, w, b, training=False), [x, w, b])
    assert out.grad_fn.name() == "NativeBatchNormBackward0"
    np.testing.assert_allclose(_np(g_rm), t_rm.numpy(), atol=1e-12)  # eval leaves them alone


def test_batch_norm_without_running_stats_and_affine():
    compare(lambda F, x: F.batch_norm(x, None, None, training=True), [R(5, 3, 2)])
    compare(lambda F, x: F.batch_norm(x, None, None, training=True, eps=0.1), [R(6, 2)])


def test_layer_group_instance_norm():
    out, _ = compare(lambda F, x, w, b: F.layer_norm(x, (3, 4), w, b), [R(2, 3, 4), R(3, 4),
                                                                       R(3, 4, seed=3)])
    assert out.grad_fn.name() == "NativeLayerNormBackward0"
    compare(lambda F, x: F.layer_norm(x, [4]), [R(2, 3, 4)])
    compare(lambda F, x, w, b: F.group_norm(x, 2, w, b), [R(2, 4, 3, 2), R(4), R(4, seed=2)])
    compare(lambda F, x: F.instance_norm(x), [R(2, 3, 4, 3)])
    rm, rv = [graphc.zeros(3, dtype=graphc.float64), graphc.ones(3, dtype=graphc.float64)], \
        [torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)]
    compare(lambda F, x: F.instance_norm(x, *(rm if F is GF else rv), momentum=0.2),
            [R(2, 3, 5)])
    np.testing.assert_allclose(_np(rm[0]), rv[0].numpy(), atol=1e-12)
    np.testing.assert_allclose(_np(rm[1]), rv[1].numpy(), atol=1e-12)


# -- losses ----------------------------------------------------------------------------------
T4 = I([0, 3, 1, 3, 2])
W4 = np.array([0.5, 2.0, 1.0, 1.5])
CE_CASES = {
    "plain": (lambda F, x, t: F.cross_entropy(x, t), [R(5, 4), T4]),
    "sum": (lambda F, x, t: F.cross_entropy(x, t, reduction="sum"), [R(5, 4), T4]),
    "none": (lambda F, x, t: F.cross_entropy(x, t, reduction="none"), [R(5, 4), T4]),
    "weight": (lambda F, x, t, w: F.cross_entropy(x, t, w), [R(5, 4), T4, W4]),
    "ignore": (lambda F, x, t: F.cross_entropy(x, t, ignore_index=3), [R(5, 4), T4]),
    "weight_ignore": (lambda F, x, t, w: F.cross_entropy(x, t, w, ignore_index=3),
                      [R(5, 4), T4, W4]),
    "smooth": (lambda F, x, t: F.cross_entropy(x, t, label_smoothing=0.2), [R(5, 4), T4]),
    "smooth_weight_ignore": (lambda F, x, t, w: F.cross_entropy(
        x, t, w, ignore_index=1, label_smoothing=0.15), [R(5, 4), T4, W4]),
    "smooth_ignore_none": (lambda F, x, t: F.cross_entropy(
        x, t, ignore_index=3, reduction="none", label_smoothing=0.3), [R(5, 4), T4]),
    "smooth_weight_sum": (lambda F, x, t, w: F.cross_entropy(
        x, t, w, reduction="sum", label_smoothing=0.3), [R(5, 4), T4, W4]),
    "probs": (lambda F, x, p: F.cross_entropy(x, p), [R(5, 4), R(5, 4, low=0, high=1)]),
    "probs_weight_smooth": (lambda F, x, p, w: F.cross_entropy(x, p, w, label_smoothing=0.1),
                            [R(5, 4), R(5, 4, low=0, high=1), W4]),
    "probs_none": (lambda F, x, p: F.cross_entropy(x, p, reduction="none"),
                   [R(3, 4, 2), R(3, 4, 2, low=0, high=1)]),
    "nchw": (lambda F, x, t: F.cross_entropy(x, t), [R(2, 3, 2, 2), I([[[0, 2], [1, 1]],
                                                                         [[2, 2], [0, 1]]])]),
    "nchw_weight_ignore_smooth": (lambda F, x, t, w: F.cross_entropy(
        x, t, w[:3], ignore_index=0, label_smoothing=0.1), [R(2, 3, 2, 2), I(
            [[[0, 2], [1, 1]], [[2, 2], [0, 1]]]), W4]),
    "unbatched": (lambda F, x, t: F.cross_entropy(x, t), [R(4), I(2)]),
    "all_ignored": (lambda F, x, t: F.cross_entropy(x, t, ignore_index=3), [R(2, 4), I([3, 3])]),
}


@pytest.mark.parametrize("name", sorted(CE_CASES))
def test_cross_entropy(name):
    fn, arrays = CE_CASES[name]
    if name == "all_ignored":  # 0/0: both give nan (and a nan gradient)
        g, t = GF.cross_entropy(graphc.tensor(arrays[0]), graphc.tensor(arrays[1]),
                                ignore_index=3), TF.cross_entropy(
            torch.from_numpy(arrays[0]), torch.from_numpy(arrays[1]), ignore_index=3)
        assert np.isnan(g.item()) and np.isnan(t.item())
        return
    out, t = compare(fn, arrays, grad=(0,))
    if "smooth" not in name and "probs" not in name:
        assert out.grad_fn.name() == "NllLossBackward0"


LOSS_CASES = {
    "nll": (lambda F, x, t: F.nll_loss(x, t), [R(5, 4), T4]),
    "nll_weight_ignore_sum": (lambda F, x, t, w: F.nll_loss(
        x, t, w, ignore_index=0, reduction="sum"), [R(5, 4), T4, W4]),
    "nll_nd_none": (lambda F, x, t: F.nll_loss(x, t, reduction="none"),
                    [R(2, 3, 2), I([[0, 2], [1, 1]])]),
    "nll_legacy_flags": (lambda F, x, t: F.nll_loss(x, t, size_average=False), [R(5, 4), T4]),
    "mse": (lambda F, x, y: F.mse_loss(x, y), [R(3, 4), R(3, 4, seed=3)]),
    "mse_none": (lambda F, x, y: F.mse_loss(x, y, reduction="none"), [R(3, 4), R(3, 4, seed=3)]),
    "mse_sum": (lambda F, x, y: F.mse_loss(x, y, reduction="sum"), [R(3, 4), R(3, 4, seed=3)]),
    "l1": (lambda F, x, y: F.l1_loss(x, y), [R(3, 4), R(3, 4, seed=3)]),
    "l1_none": (lambda F, x, y: F.l1_loss(x, y, reduction="none"), [R(3, 4), R(3, 4, seed=3)]),
    "smooth_l1": (lambda F, x, y: F.smooth_l1_loss(x, y), [R(3, 4), R(3, 4, seed=3)]),
    "smooth_l1_beta": (lambda F, x, y: F.smooth_l1_loss(x, y, reduction="sum", beta=0.4),
                       [R(3, 4), R(3, 4, seed=3)]),
    "smooth_l1_beta0": (lambda F, x, y: F.smooth_l1_loss(x, y, beta=0.0),
                        [R(3, 4), R(3, 4, seed=3)]),
    "huber": (lambda F, x, y: F.huber_loss(x, y, delta=0.6), [R(3, 4), R(3, 4, seed=3)]),
    "huber_none": (lambda F, x, y: F.huber_loss(x, y, reduction="none"),
                   [R(3, 4), R(3, 4, seed=3)]),
    "bce": (lambda F, x, y: F.binary_cross_entropy(x, y), [R(3, 4, low=.05, high=.95),
                                                           R(3, 4, low=0, high=1, seed=3)]),
    "bce_weight_none": (lambda F, x, y, w: F.binary_cross_entropy(x, y, w, reduction="none"),
                        [R(3, 4, low=.05, high=.95), R(3, 4, low=0, high=1, seed=3), R(4, low=0)]),
    "bce_edges": (lambda F, x, y: F.binary_cross_entropy(x, y, reduction="sum"),
                  [np.array([0.0, 1.0, 0.5, 1e-50]), np.array([0.0, 1.0, 0.25, 1.0])]),
    "bce_logits": (lambda F, x, y: F.binary_cross_entropy_with_logits(x, y),
                   [R(3, 4, low=-30, high=30), R(3, 4, low=0, high=1, seed=3)]),
    "bce_logits_pos_weight": (lambda F, x, y, w, p: F.binary_cross_entropy_with_logits(
        x, y, w, reduction="none", pos_weight=p), [R(3, 4), R(3, 4, low=0, high=1, seed=3),
                                                   R(4, low=0.5), R(4, low=0.5, seed=8)]),
    "kl_div": (lambda F, x, y: F.kl_div(x, y, reduction="batchmean"),
               [R(3, 4), np.array([[0.0, .2, .3, .5]] * 3)]),
    "kl_div_log_target_sum": (lambda F, x, y: F.kl_div(x, y, reduction="sum", log_target=True),
                              [R(3, 4), R(3, 4, seed=3)]),
    "kl_div_none": (lambda F, x, y: F.kl_div(x, y, reduction="none"),
                    [R(3, 4), R(3, 4, low=0.1, high=1, seed=3)]),
    "poisson_nll": (lambda F, x, y: F.poisson_nll_loss(x, y), [R(3, 4), R(3, 4, low=0, high=3)]),
    "poisson_nll_full": (lambda F, x, y: F.poisson_nll_loss(x, y, log_input=False, full=True),
                         [R(3, 4, low=0.1), R(3, 4, low=0, high=4, seed=3)]),
    "soft_margin": (lambda F, x, y: F.soft_margin_loss(x, y), [R(3, 4), np.sign(R(3, 4, seed=2))]),
    "margin_ranking": (lambda F, a, b, y: F.margin_ranking_loss(a, b, y, margin=0.2),
                       [R(5), R(5, seed=1), np.sign(R(5, seed=2))]),
    "hinge_embedding": (lambda F, x, y: F.hinge_embedding_loss(x, y, margin=0.5),
                        [R(3, 4), np.sign(R(3, 4, seed=2))]),
}


@pytest.mark.parametrize("name", sorted(LOSS_CASES))
def test_loss(name):
    fn, arrays = LOSS_CASES[name]
    grad = True
    if name.startswith(("nll", "bce_weight", "bce_logits_pos", "margin", "hinge", "soft_margin",
                        "kl_div")):  # kl_div: torch's target gradient is nan at target == 0
        grad = (0,)
    if name == "bce_edges":
        grad = (1,)
    out, t = compare(fn, arrays, grad=grad)
    if name.split("_")[0] in ("mse", "nll", "bce", "smooth", "huber", "l1") and \
            name != "nll_nd_none":  # PyTorch views (N, d) back from a flat nll: ViewBackward0
        assert out.grad_fn.name() == t.grad_fn.name(), name


def test_loss_grad_fn_names():
    x = graphc.randn(3, 4, dtype=graphc.float64, requires_grad=True)
    assert GF.mse_loss(x, graphc.zeros(3, 4, dtype=graphc.float64)).grad_fn.name() == \
        "MseLossBackward0"
    assert GF.cross_entropy(x, graphc.tensor(I([0, 1, 2]))).grad_fn.name() == "NllLossBackward0"
    assert GF.binary_cross_entropy_with_logits(x, graphc.zeros(3, 4, dtype=graphc.float64)) \
        .grad_fn.name() == "BinaryCrossEntropyWithLogitsBackward0"


def test_nll_loss_double_backward():
    g_in, t_in = _inputs([R(4, 3)], True)
    res = []
    for lib, F, (x,) in ((graphc, GF, g_in), (torch, TF, t_in)):
        loss = F.cross_entropy(x * x, lib.tensor([0, 2, 1, 1]))
        (gx,) = lib.autograd.grad(loss, (x,), create_graph=True)
        (gx * gx).sum().backward()
        res.append(x.grad)
    np.testing.assert_allclose(_np(res[0]), _np(res[1]), atol=1e-9)


# -- gradcheck (finite differences, independent of torch) ------------------------------------
GRADCHECK = [
    ("conv2d", lambda x, w, b: GF.conv2d(x, w, b, stride=2, padding=1),
     [(1, 2, 4, 4), (2, 2, 3, 3), (2,)]),
    ("conv_transpose2d", lambda x, w: GF.conv_transpose2d(x, w, stride=2), [(1, 2, 2, 2),
                                                                          (2, 1, 2, 2)]),
    ("avg_pool2d", lambda x: GF.avg_pool2d(x, 3, 2, 1, ceil_mode=True), [(1, 1, 5, 4)]),
    ("adaptive_avg_pool2d", lambda x: GF.adaptive_avg_pool2d(x, (2, 3)), [(1, 1, 5, 4)]),
    ("layer_norm", lambda x, w, b: GF.layer_norm(x, (4,), w, b), [(2, 4), (4,), (4,)]),
    ("batch_norm", lambda x, w, b: GF.batch_norm(x, None, None, w, b, True), [(3, 2, 2), (2,),
                                                                              (2,)]),
    ("group_norm", lambda x: GF.group_norm(x, 2), [(2, 4, 2)]),
    ("gelu", lambda x: GF.gelu(x), [(5,)]),
    ("mish", lambda x: GF.mish(x), [(5,)]),
    ("linear", lambda x, w, b: GF.linear(x, w, b), [(2, 3), (2, 3), (2,)]),
    ("mse_loss", lambda x, y: GF.mse_loss(x, y), [(2, 3), (2, 3)]),
    ("smooth_l1_loss", lambda x, y: GF.smooth_l1_loss(x, y, beta=3.0), [(2, 3), (2, 3)]),
    ("bce_logits", lambda x, y: GF.binary_cross_entropy_with_logits(x, y), [(2, 3), (2, 3)]),
    ("kl_div", lambda x: GF.kl_div(x, graphc.tensor(np.full((2, 3), 0.3)), "batchmean"),
     [(2, 3)]),
    ("cross_entropy", lambda x: GF.cross_entropy(x, graphc.tensor(I([0, 2])),
                                                 label_smoothing=0.1), [(2, 3)]),
    ("cross_entropy_probs", lambda x, p: GF.cross_entropy(x, p), [(2, 3), (2, 3)]),
    ("pad_reflect", lambda x: GF.pad(x, (1, 2), mode="reflect"), [(2, 4)]),
    ("attention", lambda q, k, v: GF.scaled_dot_product_attention(q, k, v, is_causal=True),
     [(2, 3), (2, 3), (2, 2)]),
    ("normalize", lambda x: GF.normalize(x), [(2, 3)]),
]


@pytest.mark.parametrize("name,fn,shapes", GRADCHECK, ids=[g[0] for g in GRADCHECK])
def test_gradcheck(name, fn, shapes):
    rng = np.random.default_rng(0)
    xs = [graphc.tensor(rng.uniform(0.1, 1.0, size=s), requires_grad=True) for s in shapes]
    assert graphc.autograd.gradcheck(fn, xs, eps=1e-6, atol=1e-6, rtol=1e-5)


# -- errors ----------------------------------------------------------------------------------
def test_conv_errors_name_shapes():
    with pytest.raises(errors.ShapeError, match=r"Given groups=1, weight of size \[6, 1, 5, 5\], "
                       r"expected input\[1, 3, 32, 32\] to have 1 channels, but got 3 channels "
                       r"instead"):
        GF.conv2d(graphc.zeros(1, 3, 32, 32), graphc.zeros(6, 1, 5, 5))
    with pytest.raises(RuntimeError, match="Kernel size can't be greater"):
        GF.conv2d(graphc.zeros(1, 1, 3, 3), graphc.zeros(2, 1, 5, 5))
    with pytest.raises(errors.DTypeError, match="should be the same"):
        GF.conv2d(graphc.zeros(1, 1, 5, 5), graphc.zeros(2, 1, 3, 3, dtype=graphc.float64))
    with pytest.raises(errors.ShapeError, match="bias"):
        GF.conv2d(graphc.zeros(1, 1, 5, 5), graphc.zeros(2, 1, 3, 3), graphc.zeros(3))
    with pytest.raises(ValueError, match="strided"):
        GF.conv2d(graphc.zeros(1, 1, 5, 5), graphc.zeros(2, 1, 3, 3), stride=2, padding="same")
    with pytest.raises(errors.ShapeError, match="4D"):
        GF.conv2d(graphc.zeros(5, 5), graphc.zeros(2, 1, 3, 3))


def test_other_errors():
    with pytest.raises(RuntimeError, match="pad should be at most half"):
        GF.max_pool2d(graphc.zeros(1, 1, 4, 4), 3, padding=2)
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        GF.linear(graphc.zeros(4, 3), graphc.zeros(5, 2))
    with pytest.raises(IndexError, match="Target 5 is out of bounds"):
        GF.nll_loss(graphc.zeros(3, 4), graphc.tensor(I([0, 1, 5])))
    with pytest.raises(ValueError, match=r"batch_size \(3\) to match target batch_size \(2\)"):
        GF.cross_entropy(graphc.zeros(3, 4), graphc.tensor(I([0, 1])))
    with pytest.raises(RuntimeError, match="Long or Byte"):
        GF.nll_loss(graphc.zeros(3, 4), graphc.tensor(np.array([0, 1, 2], np.int32)))
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        GF.binary_cross_entropy(graphc.full((3,), 1.5), graphc.zeros(3))
    with pytest.raises(ValueError, match="different to the input size"):
        GF.binary_cross_entropy(graphc.zeros(3), graphc.zeros(3, 1))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        GF.batch_norm(graphc.zeros(1, 3), None, None, training=True)
    with pytest.raises(RuntimeError, match=r"normalized_shape=\[4\]"):
        GF.layer_norm(graphc.zeros(4, 3), (4,))
    with pytest.raises(IndexError, match="out of range"):
        GF.embedding(graphc.tensor(I([0, 7])), graphc.zeros(5, 2))
    with pytest.raises(ValueError, match="Padding size should be less"):
        GF.pad(graphc.zeros(1, 4, 3), (3, 3), mode="reflect")
    with pytest.raises(ValueError, match="divisible by 2"):
        GF.pad(graphc.zeros(2, 3), (1, 2, 1))
    with pytest.raises(ValueError, match="between 0 and 1"):
        GF.dropout(graphc.zeros(3), p=1.5)
    with pytest.raises(RuntimeError, match="non-negative"):
        GF.one_hot(graphc.tensor(I([0, -1])), 3)
    with pytest.raises(RuntimeError, match="LongTensor"):
        GF.one_hot(graphc.tensor(np.array([0, 1], np.int32)), 3)
    with pytest.raises(RuntimeError, match="not implemented for"):
        GF.gelu(graphc.tensor(I([1, 2])))
    with pytest.raises(RuntimeError, match="'weight'"):
        GF.nll_loss(graphc.zeros(2, 3), graphc.tensor(I([0, 1])),
                    weight=graphc.ones(3, requires_grad=True))
    with pytest.raises(ValueError, match="scale_grad_by_freq"):
        GF.embedding(graphc.tensor(I([0])), graphc.zeros(5, 2), scale_grad_by_freq=True)
    with pytest.raises(ValueError, match="reduction"):
        GF.mse_loss(graphc.zeros(2), graphc.zeros(2), reduction="avg")
