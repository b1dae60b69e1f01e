"""Every layer and loss module against ``torch.nn`` with identical weights and inputs.

Each case builds the module twice (``make(graphc.nn)``, ``make(torch.nn)``) in float64, copies
torch's weights into graphc through ``load_state_dict`` (via NumPy), runs the same inputs and
compares outputs, buffers, and the gradients of inputs and parameters for one random upstream
gradient.
"""
from __future__ import annotations

import collections

import numpy as np
import pytest

import graphc
import graphc.nn as nn
from tests.nn.torch_pairs import load_from_torch, pair  # noqa: F401

torch = pytest.importorskip("torch")

ATOL, RTOL = 1e-9, 1e-7  # float64
# torch notes that 'same' padding with an even kernel copies the input; not our concern here.
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")


def _randn(*shape):
    return lambda rng: rng.standard_normal(shape)


def _uniform(lo, hi, *shape):
    return lambda rng: rng.uniform(lo, hi, shape)


def _ints(high, *shape):
    return lambda rng: rng.integers(0, high, shape).astype(np.int64)


def _probs(*shape):
    def make(rng):
        e = np.exp(rng.standard_normal(shape))
        return e / e.sum(axis=1, keepdims=True)
    return make


def _to_graphc(a, grad):
    return graphc.tensor(a, requires_grad=grad and a.dtype.kind == "f")


def _to_torch(a, grad):
    return torch.tensor(a, requires_grad=grad and a.dtype.kind == "f")


def assert_close(g, t, what):
    assert g is not None, f"{what}: graphc gave no value where torch gave one"
    g = g.detach().numpy() if isinstance(g, graphc.Tensor) else g
    np.testing.assert_allclose(g, t.detach().numpy(), rtol=RTOL, atol=ATOL, err_msg=what)


def run_and_compare(gm, tm, arrays, grad_inputs, rng):
    g_in = [_to_graphc(a, i in grad_inputs) for i, a in enumerate(arrays)]
    t_in = [_to_torch(a, i in grad_inputs) for i, a in enumerate(arrays)]
    gout, tout = gm(*g_in), tm(*t_in)
    assert tuple(gout.shape) == tuple(tout.shape)
    assert gout.dtype.name == str(tout.dtype).replace("torch.", "")
    assert_close(gout, tout, "output")
    if tout.requires_grad:
        up = np.asarray(rng.standard_normal(tuple(tout.shape)))
        (gout * graphc.tensor(up)).sum().backward()
        (tout * torch.tensor(up)).sum().backward()
        for i in grad_inputs:
            if t_in[i].grad is not None:
                assert_close(g_in[i].grad, t_in[i].grad, f"grad of input {i}")
        gparams = dict(gm.named_parameters())
        for name, tp in tm.named_parameters():
            if tp.grad is not None:
                assert_close(gparams[name].grad, tp.grad, f"grad of {name}")
    gbufs = dict(gm.named_buffers())
    for name, tb in tm.named_buffers():
        assert_close(gbufs[name], tb, f"buffer {name}")
    return gout, tout


L = collections.namedtuple("L", "id make inputs grad_inputs")
LAYERS = [
    L("linear", lambda m: m.Linear(5, 3), [_randn(4, 5)], (0,)),
    L("linear_3d_nobias", lambda m: m.Linear(5, 3, bias=False), [_randn(2, 4, 5)], (0,)),
    L("conv2d", lambda m: m.Conv2d(3, 4, 3), [_randn(2, 3, 7, 6)], (0,)),
    L("conv2d_stride_pad", lambda m: m.Conv2d(3, 4, (3, 2), stride=2, padding=1),
      [_randn(2, 3, 7, 6)], (0,)),
    L("conv2d_groups_dil", lambda m: m.Conv2d(4, 6, 3, groups=2, dilation=2, bias=False),
      [_randn(1, 4, 8, 8)], (0,)),
    L("conv2d_same", lambda m: m.Conv2d(2, 3, 4, padding="same"), [_randn(1, 2, 6, 5)], (0,)),
    L("conv2d_valid", lambda m: m.Conv2d(2, 3, 3, padding="valid"), [_randn(1, 2, 5, 5)], (0,)),
    L("conv2d_unbatched", lambda m: m.Conv2d(2, 3, 3), [_randn(2, 5, 5)], (0,)),
    L("conv2d_reflect", lambda m: m.Conv2d(2, 2, 3, padding=1, padding_mode="reflect"),
      [_randn(1, 2, 5, 5)], (0,)),
    L("conv2d_circular", lambda m: m.Conv2d(2, 2, 3, padding=(1, 2), padding_mode="circular"),
      [_randn(1, 2, 5, 5)], (0,)),
    L("maxpool", lambda m: m.MaxPool2d(2), [_randn(2, 3, 6, 6)], (0,)),
    L("maxpool_stride_pad", lambda m: m.MaxPool2d(3, stride=2, padding=1),
      [_randn(1, 2, 7, 7)], (0,)),
    L("maxpool_ceil", lambda m: m.MaxPool2d(2, ceil_mode=True), [_randn(1, 2, 5, 5)], (0,)),
    L("avgpool", lambda m: m.AvgPool2d(2), [_randn(2, 3, 6, 6)], (0,)),
    L("avgpool_pad_exclude", lambda m: m.AvgPool2d(3, 2, 1, count_include_pad=False),
      [_randn(1, 2, 7, 7)], (0,)),
    L("adaptive_avg", lambda m: m.AdaptiveAvgPool2d((2, 3)), [_randn(2, 3, 7, 8)], (0,)),
    L("adaptive_avg_1", lambda m: m.AdaptiveAvgPool2d(1), [_randn(2, 3, 5, 5)], (0,)),
    L("batchnorm1d", lambda m: m.BatchNorm1d(4), [_randn(6, 4)], (0,)),
    L("batchnorm1d_3d", lambda m: m.BatchNorm1d(4), [_randn(3, 4, 5)], (0,)),
    L("batchnorm2d", lambda m: m.BatchNorm2d(3), [_randn(4, 3, 5, 5)], (0,)),
    L("batchnorm2d_noaffine", lambda m: m.BatchNorm2d(3, affine=False, momentum=None),
      [_randn(4, 3, 2, 2)], (0,)),
    L("batchnorm_nostats", lambda m: m.BatchNorm1d(4, track_running_stats=False),
      [_randn(6, 4)], (0,)),
    L("layernorm", lambda m: m.LayerNorm(5), [_randn(3, 4, 5)], (0,)),
    L("layernorm_2d", lambda m: m.LayerNorm([4, 5], eps=1e-3), [_randn(3, 4, 5)], (0,)),
    L("layernorm_noaffine", lambda m: m.LayerNorm(5, elementwise_affine=False),
      [_randn(2, 5)], (0,)),
    L("embedding", lambda m: m.Embedding(10, 4), [_ints(10, 3, 5)], ()),
    L("embedding_pad", lambda m: m.Embedding(10, 4, padding_idx=2),
      [lambda rng: np.array([[2, 1, 2], [0, 9, 2]])], ()),
    L("flatten", lambda m: m.Flatten(), [_randn(2, 3, 4)], (0,)),
    L("flatten_range", lambda m: m.Flatten(0, 1), [_randn(2, 3, 4)], (0,)),
    L("unflatten", lambda m: m.Unflatten(1, (2, 3)), [_randn(2, 6, 4)], (0,)),
    L("identity", lambda m: m.Identity(), [_randn(3)], (0,)),
    L("relu", lambda m: m.ReLU(), [_randn(3, 4)], (0,)),
    L("gelu", lambda m: m.GELU(), [_randn(3, 4)], (0,)),
    L("gelu_tanh", lambda m: m.GELU(approximate="tanh"), [_randn(3, 4)], (0,)),
    L("tanh", lambda m: m.Tanh(), [_randn(3, 4)], (0,)),
    L("sigmoid", lambda m: m.Sigmoid(), [_randn(3, 4)], (0,)),
    L("softmax", lambda m: m.Softmax(dim=1), [_randn(3, 4)], (0,)),
    L("softmax_neg", lambda m: m.Softmax(dim=-1), [_randn(2, 3, 4)], (0,)),
    L("log_softmax", lambda m: m.LogSoftmax(dim=1), [_randn(3, 4)], (0,)),
    L("leaky_relu", lambda m: m.LeakyReLU(0.2), [_randn(3, 4)], (0,)),
    L("elu", lambda m: m.ELU(alpha=0.7), [_randn(3, 4)], (0,)),
    L("silu", lambda m: m.SiLU(), [_randn(3, 4)], (0,)),
    L("sequential_mlp", lambda m: m.Sequential(m.Linear(4, 8), m.ReLU(), m.Linear(8, 2)),
      [_randn(5, 4)], (0,)),
]

LOSSES = [
    L("mse", lambda m: m.MSELoss(), [_randn(4, 3), _randn(4, 3)], (0, 1)),
    L("mse_sum", lambda m: m.MSELoss(reduction="sum"), [_randn(4, 3), _randn(4, 3)], (0,)),
    L("mse_none", lambda m: m.MSELoss(reduction="none"), [_randn(4, 3), _randn(4, 3)], (0,)),
    L("l1", lambda m: m.L1Loss(), [_randn(4, 3), _randn(4, 3)], (0, 1)),
    L("l1_sum", lambda m: m.L1Loss(reduction="sum"), [_randn(4, 3), _randn(4, 3)], (0,)),
    L("cross_entropy", lambda m: m.CrossEntropyLoss(), [_randn(5, 4), _ints(4, 5)], (0,)),
    L("cross_entropy_weight_ignore",
      lambda m: m.CrossEntropyLoss(weight=_class_weight(m), ignore_index=1),
      [_randn(6, 4), lambda rng: np.array([0, 1, 2, 3, 1, 2])], (0,)),
    L("cross_entropy_smoothing", lambda m: m.CrossEntropyLoss(label_smoothing=0.2),
      [_randn(5, 4), _ints(4, 5)], (0,)),
    L("cross_entropy_sum_spatial", lambda m: m.CrossEntropyLoss(reduction="sum"),
      [_randn(2, 4, 3, 3), _ints(4, 2, 3, 3)], (0,)),
    L("cross_entropy_probs", lambda m: m.CrossEntropyLoss(), [_randn(5, 4), _probs(5, 4)],
      (0,)),
    L("nll", lambda m: m.NLLLoss(), [_randn(5, 4), _ints(4, 5)], (0,)),
    L("nll_weight_ignore_none",
      lambda m: m.NLLLoss(weight=_class_weight(m), ignore_index=2, reduction="none"),
      [_randn(6, 4), lambda rng: np.array([0, 1, 2, 3, 1, 2])], (0,)),
    L("bce", lambda m: m.BCELoss(), [_uniform(0.05, 0.95, 4, 3), _uniform(0, 1, 4, 3)], (0,)),
    L("bce_weight_sum", lambda m: m.BCELoss(weight=_lib(m).tensor([0.5, 1.0, 2.0]),
                                            reduction="sum"),
      [_uniform(0.05, 0.95, 4, 3), _uniform(0, 1, 4, 3)], (0,)),
    L("bce_logits", lambda m: m.BCEWithLogitsLoss(), [_randn(4, 3), _uniform(0, 1, 4, 3)],
      (0, 1)),
    L("bce_logits_pos_weight",
      lambda m: m.BCEWithLogitsLoss(pos_weight=_lib(m).tensor([1.0, 2.0, 0.5]),
                                    weight=_lib(m).tensor([2.0, 1.0, 1.0])),
      [_randn(4, 3), _uniform(0, 1, 4, 3)], (0,)),
]


def _lib(m):
    return graphc if m is nn else torch


def _class_weight(m):
    return _lib(m).tensor([1.0, 2.0, 0.5, 1.5])


@pytest.mark.parametrize("case", LAYERS + LOSSES, ids=lambda c: c.id)
def test_module_matches_torch(case):
    rng = np.random.default_rng(0)
    gm, tm = pair(case.make)
    arrays = [mk(rng) for mk in case.inputs]
    run_and_compare(gm, tm, arrays, case.grad_inputs, rng)


@pytest.mark.parametrize("case", [c for c in LAYERS if "batchnorm" in c.id], ids=lambda c: c.id)
def test_batchnorm_running_stats_then_eval(case):
    rng = np.random.default_rng(1)
    gm, tm = pair(case.make)
    for _ in range(3):  # training steps update running stats and num_batches_tracked
        run_and_compare(gm, tm, [mk(rng) for mk in case.inputs], (0,), rng)
    gm.eval()
    tm.eval()
    run_and_compare(gm, tm, [mk(rng) for mk in case.inputs], (0,), rng)
    if tm.track_running_stats:
        assert gm.num_batches_tracked.item() == 3
    assert gm.training is False


def test_batchnorm_train_eval_differ_and_check_dims():
    bn = nn.BatchNorm1d(3).double()
    x = graphc.tensor(np.random.default_rng(2).standard_normal((8, 3)) * 3 + 1)
    y_train = bn(x)
    np.testing.assert_allclose(y_train.detach().numpy().mean(0), 0, atol=1e-9)
    bn.eval()
    np.testing.assert_allclose(bn(x).detach().numpy(), (x.numpy() - bn.running_mean.numpy())
                               / np.sqrt(bn.running_var.numpy() + bn.eps), atol=1e-9)
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        bn(graphc.ones(2, 3, 4, 5))
    with pytest.raises(ValueError, match="expected 4D input"):
        nn.BatchNorm2d(3)(graphc.ones(2, 3))


def test_dropout_train_and_eval():
    p = 0.3
    drop = nn.Dropout(p)
    x = graphc.ones(200, 100, requires_grad=True)
    y = drop(x)
    arr = y.detach().numpy()
    zero_frac = float((arr == 0).mean())
    assert abs(zero_frac - p) < 0.02
    np.testing.assert_allclose(arr[arr != 0], 1 / (1 - p), rtol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), arr, rtol=1e-6)  # grad = mask / (1 - p)
    drop.eval()
    z = drop(x)
    np.testing.assert_array_equal(z.detach().numpy(), x.detach().numpy())
    assert nn.Dropout(0.0)(x).detach().numpy().min() == 1.0


def test_max_pool_return_indices_matches_torch():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((1, 2, 4, 4))
    gout, gidx = nn.MaxPool2d(2, return_indices=True)(graphc.tensor(a))
    tout, tidx = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(a))
    np.testing.assert_array_equal(gout.numpy(), tout.numpy())
    np.testing.assert_array_equal(gidx.numpy(), tidx.numpy())


def test_embedding_padding_idx_gets_no_gradient():
    emb = nn.Embedding(5, 3, padding_idx=0).double()
    emb(graphc.tensor([[0, 1, 0, 4]])).sum().backward()
    g = emb.weight.grad.numpy()
    assert (g[0] == 0).all() and (g[1] == 1).all() and (g[4] == 1).all()


def _chain_names(fn):
    """Node names along the longest path from ``fn`` to a leaf: the network's data path."""
    depth: dict = {}

    def d(node):
        if node is None:
            return 0
        key = id(node)
        if key not in depth:
            depth[key] = 1 + max((d(c) for c, _ in node.next_functions), default=0)
        return depth[key]
    names = []
    while fn is not None:
        names.append(fn.name())
        children = [c for c, _ in fn.next_functions if c is not None]
        fn = max(children, key=d) if children else None
    return names


def _all_names(fn) -> collections.Counter:
    """How many nodes of each name the whole backward graph holds."""
    seen, count, stack = set(), collections.Counter(), [fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        count[node.name()] += 1
        stack.extend(c for c, _ in node.next_functions)
    return count


def _make_lenet(m):
    from tests.nn.test_module_api import make_net
    return make_net(_lib(m))


def test_lenet_forward_backward_matches_torch_and_grad_fn_chain():
    gnet, tnet = pair(_make_lenet)
    rng = np.random.default_rng(4)
    x, target = rng.standard_normal((2, 1, 32, 32)), rng.standard_normal((2, 10))
    gx, tx = graphc.tensor(x), torch.tensor(x)
    gloss = nn.MSELoss()(gnet(gx), graphc.tensor(target))
    tloss = torch.nn.MSELoss()(tnet(tx), torch.tensor(target))
    assert_close(gloss, tloss, "loss")
    assert gloss.grad_fn.name() == "MseLossBackward0"
    gnames, tnames = _chain_names(gloss.grad_fn), _chain_names(tloss.grad_fn)
    assert gnames == tnames
    assert tnames[:3] == ["MseLossBackward0", "AddmmBackward0", "ReluBackward0"]
    assert "MaxPool2DWithIndicesBackward0" in gnames and "ConvolutionBackward0" in gnames
    assert _all_names(gloss.grad_fn) == _all_names(tloss.grad_fn)  # side branches too (TBackward0)
    gnet.zero_grad()
    gloss.backward()
    tloss.backward()
    gparams = dict(gnet.named_parameters())
    for name, tp in tnet.named_parameters():
        assert_close(gparams[name].grad, tp.grad, f"grad of {name}")


def test_lenet_float32_default_forward():
    net = _make_lenet(nn)
    out = net(graphc.randn(1, 1, 32, 32))
    assert tuple(out.shape) == (1, 10) and out.dtype == graphc.float32
    assert out.grad_fn is not None
