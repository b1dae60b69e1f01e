"""The wider ``torch.nn`` layer set (activations, 1-D and transposed convs, pooling/unpooling,
norms, padding, shuffles, distances, dropout variants, EmbeddingBag, the remaining losses)
against ``torch.nn``.

Each case builds the module in both libraries (float64), copies torch's weights into graphc
through ``load_state_dict``, and compares the output, the gradients of the inputs and the
parameters for one random upstream gradient, the buffers, the repr and the parameter names.
Then: in-place variants, train/eval behaviour of the random layers, ``graphc.compile`` against
eager for a sample, double backward, and the error cases. Tests that need no reference run
without PyTorch.
"""
from __future__ import annotations

import collections
import math

import numpy as np
import pytest

import graphc
import graphc.nn as nn
from tests.nn.torch_pairs import load_from_torch, pair  # noqa: F401
import graphc.nn.functional as F
from graphc import errors

try:
    import torch
except ImportError:
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed")

ATOL, RTOL = 1e-9, 1e-7  # float64
pytestmark = pytest.mark.filterwarnings(
    "ignore:reduction. 'mean' divides the total loss:UserWarning",
    "ignore:dropout2d. Received a 3D input:UserWarning",
    "ignore:Using padding=.same.:UserWarning")


# -- inputs ------------------------------------------------------------------------------------
def _randn(*shape, scale=1.0):
    return lambda rng: rng.standard_normal(shape) * scale


def _uniform(lo, hi, *shape):
    return lambda rng: rng.uniform(lo, hi, shape)


def _ints(high, *shape):
    return lambda rng: rng.integers(0, high, shape).astype(np.int64)


def _signs(*shape):
    return lambda rng: np.where(rng.uniform(size=shape) < 0.5, -1.0, 1.0)


def _log_probs(*shape):
    def make(rng):
        z = rng.standard_normal(shape)
        return z - np.log(np.exp(z).sum(-1, keepdims=True))
    return make


def _probs(*shape):
    return lambda rng: np.exp(_log_probs(*shape)(rng))


def _array(values, dtype=np.int64):
    return lambda rng: np.array(values, dtype=dtype)


def _const(value):
    """A non-tensor argument (output_size, a float var) passed to both libraries as is."""
    return lambda rng: _Const(value)


_Const = collections.namedtuple("_Const", "value")


def _lib(m):
    return graphc if m is nn else torch


def _F(m):
    return F if m is nn else torch.nn.functional


# -- the comparison ----------------------------------------------------------------------------
def _convert(a, lib, grad: bool):
    if isinstance(a, _Const):
        return a.value
    return lib.tensor(a, requires_grad=grad and a.dtype.kind == "f")


def _np(t):
    return t.detach().numpy()


def assert_close(g, t, what):
    assert g is not None, f"{what}: graphc gave no value where torch gave one"
    assert tuple(g.shape) == tuple(t.shape), f"{what}: shape {g.shape} vs {t.shape}"
    assert g.dtype.name == str(t.dtype).replace("torch.", ""), f"{what}: dtype"
    np.testing.assert_allclose(_np(g), _np(t), rtol=RTOL, atol=ATOL, err_msg=what)


def _outputs(out):
    return list(out) if isinstance(out, tuple) else [out]


def run_and_compare(gm, tm, arrays, grad_inputs, rng):
    """Outputs, input/parameter gradients and buffers of ``gm`` against ``tm``."""
    g_in = [_convert(a, graphc, i in grad_inputs) for i, a in enumerate(arrays)]
    t_in = [_convert(a, torch, i in grad_inputs) for i, a in enumerate(arrays)]
    gouts, touts = _outputs(gm(*g_in)), _outputs(tm(*t_in))
    assert len(gouts) == len(touts)
    for k, (go, to) in enumerate(zip(gouts, touts)):
        assert_close(go, to, f"output {k}")
    diff = [(go, to) for go, to in zip(gouts, touts) if to.requires_grad]
    if diff:
        gsum = tsum = 0
        for go, to in diff:
            up = rng.standard_normal(tuple(to.shape))
            gsum = gsum + (go * graphc.tensor(up)).sum()
            tsum = tsum + (to * torch.tensor(up)).sum()
        gsum.backward()
        tsum.backward()
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


# -- the cases ---------------------------------------------------------------------------------
C = collections.namedtuple("C", "id make inputs grad_inputs")
X = [_randn(3, 4)]  # one (3, 4) input: most activations

ACTIVATIONS = [
    C("celu", lambda m: m.CELU(), X, (0,)),
    C("celu_alpha", lambda m: m.CELU(alpha=0.5), X, (0,)),
    C("selu", lambda m: m.SELU(), X, (0,)),
    C("softplus", lambda m: m.Softplus(), X, (0,)),
    C("softplus_beta_threshold", lambda m: m.Softplus(beta=2.0, threshold=1.0),
      [_randn(4, 5)], (0,)),
    C("softshrink", lambda m: m.Softshrink(), X, (0,)),
    C("softshrink_lambd", lambda m: m.Softshrink(0.3), X, (0,)),
    C("hardshrink", lambda m: m.Hardshrink(), X, (0,)),
    C("hardshrink_lambd", lambda m: m.Hardshrink(1.0), X, (0,)),
    C("softsign", lambda m: m.Softsign(), X, (0,)),
    C("tanhshrink", lambda m: m.Tanhshrink(), X, (0,)),
    C("threshold", lambda m: m.Threshold(0.1, 20.0), X, (0,)),
    C("hardtanh", lambda m: m.Hardtanh(), [_randn(3, 4, scale=2)], (0,)),
    C("hardtanh_range", lambda m: m.Hardtanh(-2.0, 0.5), [_randn(3, 4, scale=2)], (0,)),
    C("relu6", lambda m: m.ReLU6(), [_randn(3, 4, scale=5)], (0,)),
    C("hardsigmoid", lambda m: m.Hardsigmoid(), [_randn(3, 4, scale=4)], (0,)),
    C("hardswish", lambda m: m.Hardswish(), [_randn(3, 4, scale=4)], (0,)),
    C("logsigmoid", lambda m: m.LogSigmoid(), X, (0,)),
    C("mish", lambda m: m.Mish(), X, (0,)),
    C("glu", lambda m: m.GLU(), [_randn(3, 6)], (0,)),
    C("glu_dim0", lambda m: m.GLU(dim=0), [_randn(4, 3)], (0,)),
    C("prelu", lambda m: m.PReLU(), [_randn(2, 3, 4)], (0,)),
    C("prelu_channels", lambda m: m.PReLU(3, init=0.1), [_randn(2, 3, 4)], (0,)),
    C("prelu_1d", lambda m: m.PReLU(), [_randn(5)], (0,)),
    C("rrelu_eval", lambda m: m.RReLU(0.1, 0.3).eval(), X, (0,)),
    C("softmin", lambda m: m.Softmin(dim=1), X, (0,)),
    C("softmin_neg", lambda m: m.Softmin(dim=-1), [_randn(2, 3, 4)], (0,)),
    C("softmax2d", lambda m: m.Softmax2d(), [_randn(2, 3, 4, 5)], (0,)),
    C("softmax2d_unbatched", lambda m: m.Softmax2d(), [_randn(3, 4, 5)], (0,)),
]

CONVS = [
    C("conv1d", lambda m: m.Conv1d(3, 4, 3), [_randn(2, 3, 7)], (0,)),
    C("conv1d_stride_pad", lambda m: m.Conv1d(3, 4, 3, stride=2, padding=1),
      [_randn(2, 3, 8)], (0,)),
    C("conv1d_groups_dil", lambda m: m.Conv1d(4, 6, 3, groups=2, dilation=2, bias=False),
      [_randn(1, 4, 9)], (0,)),
    C("conv1d_same", lambda m: m.Conv1d(2, 3, 4, padding="same"), [_randn(1, 2, 6)], (0,)),
    C("conv1d_valid", lambda m: m.Conv1d(2, 3, 3, padding="valid"), [_randn(1, 2, 5)], (0,)),
    C("conv1d_unbatched", lambda m: m.Conv1d(2, 3, 3), [_randn(2, 6)], (0,)),
    C("conv1d_reflect", lambda m: m.Conv1d(2, 2, 3, padding=1, padding_mode="reflect"),
      [_randn(2, 2, 5)], (0,)),
    C("conv1d_replicate", lambda m: m.Conv1d(2, 2, 3, padding=2, padding_mode="replicate"),
      [_randn(2, 2, 5)], (0,)),
    C("conv1d_circular", lambda m: m.Conv1d(2, 2, 3, padding=1, padding_mode="circular"),
      [_randn(2, 2, 5)], (0,)),
    C("convT1d", lambda m: m.ConvTranspose1d(3, 4, 3), [_randn(2, 3, 5)], (0,)),
    C("convT1d_stride_pad_outpad",
      lambda m: m.ConvTranspose1d(3, 4, 3, stride=2, padding=1, output_padding=1),
      [_randn(2, 3, 5)], (0,)),
    C("convT1d_groups_dil", lambda m: m.ConvTranspose1d(4, 6, 3, groups=2, dilation=2,
                                                          bias=False), [_randn(2, 4, 5)], (0,)),
    C("convT1d_dil_outpad", lambda m: m.ConvTranspose1d(2, 3, 2, stride=1, dilation=3,
                                                          output_padding=2), [_randn(1, 2, 4)],
      (0,)),
    C("convT1d_unbatched", lambda m: m.ConvTranspose1d(2, 3, 3, stride=2), [_randn(2, 4)],
      (0,)),
    C("convT1d_output_size", lambda m: m.ConvTranspose1d(2, 3, 3, stride=3),
      [_randn(2, 2, 4), _const([2, 3, 13])], (0,)),
    C("convT2d", lambda m: m.ConvTranspose2d(3, 4, 3), [_randn(2, 3, 4, 5)], (0,)),
    C("convT2d_asym", lambda m: m.ConvTranspose2d(3, 4, (3, 2), stride=(2, 1), padding=(1, 0),
                                                    output_padding=(1, 0)),
      [_randn(2, 3, 4, 5)], (0,)),
    C("convT2d_groups_dil", lambda m: m.ConvTranspose2d(4, 6, 3, groups=2, dilation=2,
                                                          bias=False), [_randn(1, 4, 3, 4)],
      (0,)),
    C("convT2d_unbatched", lambda m: m.ConvTranspose2d(2, 3, 2, stride=2),
      [_randn(2, 3, 3)], (0,)),
    C("convT2d_output_size", lambda m: m.ConvTranspose2d(2, 3, 3, stride=2, padding=1),
      [_randn(1, 2, 3, 3), _const([6, 5])], (0,)),
]

POOLS = [
    C("maxpool1d", lambda m: m.MaxPool1d(2), [_randn(2, 3, 8)], (0,)),
    C("maxpool1d_stride_pad", lambda m: m.MaxPool1d(3, stride=2, padding=1),
      [_randn(2, 3, 9)], (0,)),
    C("maxpool1d_dil_ceil", lambda m: m.MaxPool1d(2, stride=2, dilation=2, ceil_mode=True),
      [_randn(1, 2, 8)], (0,)),
    C("maxpool1d_unbatched", lambda m: m.MaxPool1d(2), [_randn(3, 6)], (0,)),
    C("maxpool1d_indices", lambda m: m.MaxPool1d(3, 2, return_indices=True),
      [_randn(2, 3, 9)], (0,)),
    C("avgpool1d", lambda m: m.AvgPool1d(2), [_randn(2, 3, 8)], (0,)),
    C("avgpool1d_pad_exclude", lambda m: m.AvgPool1d(3, 2, 1, count_include_pad=False),
      [_randn(2, 3, 9)], (0,)),
    C("avgpool1d_ceil", lambda m: m.AvgPool1d(2, ceil_mode=True), [_randn(1, 2, 7)], (0,)),
    C("adaptive_avg1d", lambda m: m.AdaptiveAvgPool1d(3), [_randn(2, 3, 8)], (0,)),
    C("adaptive_avg1d_1", lambda m: m.AdaptiveAvgPool1d(1), [_randn(2, 3, 5)], (0,)),
    C("lppool1d", lambda m: m.LPPool1d(2, 3), [_randn(2, 3, 9)], (0,)),
    C("lppool1d_p1_stride", lambda m: m.LPPool1d(1, 2, stride=1), [_uniform(0.1, 2, 2, 3, 6)],
      (0,)),
    C("lppool1d_ceil", lambda m: m.LPPool1d(3, 2, ceil_mode=True), [_uniform(0.1, 2, 1, 2, 7)],
      (0,)),
    C("lppool2d", lambda m: m.LPPool2d(2, 2), [_randn(2, 3, 4, 6)], (0,)),
    C("lppool2d_rect", lambda m: m.LPPool2d(3, (2, 3), stride=1), [_uniform(0.1, 2, 1, 2, 4, 5)],
      (0,)),
    C("lppool2d_inf", lambda m: m.LPPool2d(float("inf"), 2), [_randn(1, 2, 4, 4)], (0,)),
]

NORMS = [
    C("groupnorm", lambda m: m.GroupNorm(2, 4), [_randn(3, 4, 5)], (0,)),
    C("groupnorm_4d", lambda m: m.GroupNorm(2, 4), [_randn(3, 4, 2, 3)], (0,)),
    C("groupnorm_noaffine", lambda m: m.GroupNorm(1, 4, affine=False), [_randn(2, 4, 3)],
      (0,)),
    C("groupnorm_eps_nobias", lambda m: m.GroupNorm(4, 4, eps=1e-3, bias=False),
      [_randn(2, 4, 3)], (0,)),
    C("groupnorm_2d", lambda m: m.GroupNorm(3, 6), [_randn(4, 6)], (0,)),
    C("instancenorm1d", lambda m: m.InstanceNorm1d(3), [_randn(4, 3, 5)], (0,)),
    C("instancenorm1d_affine", lambda m: m.InstanceNorm1d(3, affine=True), [_randn(4, 3, 5)],
      (0,)),
    C("instancenorm1d_unbatched", lambda m: m.InstanceNorm1d(3, affine=True),
      [_randn(3, 5)], (0,)),
    C("instancenorm2d", lambda m: m.InstanceNorm2d(3), [_randn(2, 3, 4, 4)], (0,)),
    C("instancenorm2d_stats", lambda m: m.InstanceNorm2d(3, affine=True,
                                                         track_running_stats=True),
      [_randn(2, 3, 4, 4)], (0,)),
    C("instancenorm2d_stats_eval", lambda m: m.InstanceNorm2d(
        3, affine=True, track_running_stats=True, momentum=None).eval(),
      [_randn(2, 3, 4, 4)], (0,)),
    C("instancenorm2d_unbatched", lambda m: m.InstanceNorm2d(3), [_randn(3, 4, 4)], (0,)),
    C("lrn", lambda m: m.LocalResponseNorm(2), [_randn(2, 5, 4)], (0,)),
    C("lrn_4d", lambda m: m.LocalResponseNorm(3, alpha=0.1, beta=0.5, k=2.0),
      [_randn(2, 5, 3, 3)], (0,)),
    C("lrn_5d", lambda m: m.LocalResponseNorm(4, alpha=0.2), [_randn(1, 6, 2, 2, 3)], (0,)),
    C("rmsnorm", lambda m: m.RMSNorm(5), [_randn(3, 4, 5)], (0,)),
    C("rmsnorm_2d_eps", lambda m: m.RMSNorm([4, 5], eps=1e-3), [_randn(3, 4, 5)], (0,)),
    C("rmsnorm_noaffine", lambda m: m.RMSNorm(5, elementwise_affine=False), [_randn(2, 5)],
      (0,)),
]

PADS = [
    C("zeropad1d", lambda m: m.ZeroPad1d(2), [_randn(2, 3, 4)], (0,)),
    C("zeropad1d_asym", lambda m: m.ZeroPad1d((1, 3)), [_randn(3, 4)], (0,)),
    C("zeropad2d", lambda m: m.ZeroPad2d((1, 2, 0, 3)), [_randn(2, 3, 4, 5)], (0,)),
    C("zeropad2d_negative", lambda m: m.ZeroPad2d((-1, 2, 1, -2)), [_randn(1, 2, 4, 5)], (0,)),
    C("constpad1d", lambda m: m.ConstantPad1d(2, 3.5), [_randn(2, 3, 4)], (0,)),
    C("constpad2d", lambda m: m.ConstantPad2d((1, 0, 2, 1), -1.0), [_randn(2, 3, 4)], (0,)),
    C("reflpad1d", lambda m: m.ReflectionPad1d(2), [_randn(2, 3, 5)], (0,)),
    C("reflpad1d_unbatched", lambda m: m.ReflectionPad1d((3, 1)), [_randn(3, 5)], (0,)),
    C("reflpad2d", lambda m: m.ReflectionPad2d((1, 2, 2, 0)), [_randn(2, 3, 4, 5)], (0,)),
    C("replpad1d", lambda m: m.ReplicationPad1d((2, 1)), [_randn(2, 3, 4)], (0,)),
    C("replpad2d", lambda m: m.ReplicationPad2d(1), [_randn(2, 3, 4, 5)], (0,)),
    C("replpad2d_unbatched", lambda m: m.ReplicationPad2d((0, 3, 1, 2)), [_randn(3, 4, 5)],
      (0,)),
    C("circpad1d", lambda m: m.CircularPad1d(2), [_randn(2, 3, 4)], (0,)),
    C("circpad2d", lambda m: m.CircularPad2d((1, 2, 1, 0)), [_randn(2, 3, 4, 5)], (0,)),
    C("circpad2d_unbatched", lambda m: m.CircularPad2d(1), [_randn(3, 4, 5)], (0,)),
]

MISC = [
    C("bilinear", lambda m: m.Bilinear(3, 4, 5), [_randn(6, 3), _randn(6, 4)], (0, 1)),
    C("bilinear_nobias_3d", lambda m: m.Bilinear(3, 4, 2, bias=False),
      [_randn(2, 6, 3), _randn(2, 6, 4)], (0, 1)),
    C("pixel_shuffle", lambda m: m.PixelShuffle(2), [_randn(2, 8, 3, 3)], (0,)),
    C("pixel_shuffle_unbatched_r3", lambda m: m.PixelShuffle(3), [_randn(9, 2, 2)], (0,)),
    C("pixel_shuffle_5d", lambda m: m.PixelShuffle(2), [_randn(2, 2, 8, 3, 2)], (0,)),
    C("pixel_unshuffle", lambda m: m.PixelUnshuffle(2), [_randn(2, 2, 6, 4)], (0,)),
    C("pixel_unshuffle_unbatched", lambda m: m.PixelUnshuffle(3), [_randn(1, 6, 3)], (0,)),
    C("channel_shuffle", lambda m: m.ChannelShuffle(2), [_randn(2, 6, 3)], (0,)),
    C("channel_shuffle_4d", lambda m: m.ChannelShuffle(3), [_randn(2, 6, 2, 2)], (0,)),
    C("pairwise_distance", lambda m: m.PairwiseDistance(), [_randn(4, 5), _randn(4, 5)],
      (0, 1)),
    C("pairwise_distance_p1_keepdim", lambda m: m.PairwiseDistance(p=1.0, keepdim=True),
      [_randn(4, 5), _randn(4, 5)], (0, 1)),
    C("pairwise_distance_broadcast_eps", lambda m: m.PairwiseDistance(p=3.0, eps=1e-3),
      [_randn(1, 5), _randn(4, 5)], (0, 1)),
    C("cosine_similarity", lambda m: m.CosineSimilarity(), [_randn(4, 5), _randn(4, 5)],
      (0, 1)),
    C("cosine_similarity_dim0", lambda m: m.CosineSimilarity(dim=0, eps=1e-6),
      [_randn(4, 5), _randn(4, 5)], (0, 1)),
    C("cosine_similarity_broadcast", lambda m: m.CosineSimilarity(dim=-1),
      [_randn(3, 1, 5), _randn(4, 5)], (0, 1)),
]

EMB = 10
BAGS = [
    C("bag_2d_mean", lambda m: m.EmbeddingBag(EMB, 3), [_ints(EMB, 4, 5)], ()),
    C("bag_2d_sum", lambda m: m.EmbeddingBag(EMB, 3, mode="sum"), [_ints(EMB, 4, 5)], ()),
    C("bag_2d_max", lambda m: m.EmbeddingBag(EMB, 3, mode="max"), [_ints(EMB, 4, 5)], ()),
    C("bag_2d_psw", lambda m: m.EmbeddingBag(EMB, 3, mode="sum"),
      [_ints(EMB, 4, 5), _const(None), _randn(4, 5)], (2,)),
    C("bag_2d_padding_mean", lambda m: m.EmbeddingBag(EMB, 3, padding_idx=2),
      [_array([[2, 1, 2], [2, 2, 2], [0, 9, 2]])], ()),
    C("bag_2d_padding_max", lambda m: m.EmbeddingBag(EMB, 3, mode="max", padding_idx=2),
      [_array([[2, 1, 2], [2, 2, 2], [0, 9, 2]])], ()),
    C("bag_1d_mean", lambda m: m.EmbeddingBag(EMB, 3),
      [_array([1, 2, 4, 5, 4, 3, 2, 9]), _array([0, 4])], ()),
    C("bag_1d_sum_empty", lambda m: m.EmbeddingBag(EMB, 3, mode="sum"),
      [_array([1, 2, 4, 5, 4, 3, 2, 9]), _array([0, 2, 2, 5])], ()),
    C("bag_1d_mean_empty", lambda m: m.EmbeddingBag(EMB, 3),
      [_array([1, 2, 4, 5, 4, 3, 2, 9]), _array([0, 2, 2, 8])], ()),
    C("bag_1d_max", lambda m: m.EmbeddingBag(EMB, 3, mode="max"),
      [_array([1, 2, 4, 5, 4, 3, 2, 9]), _array([0, 3, 3, 6])], ()),
    C("bag_1d_last_offset", lambda m: m.EmbeddingBag(EMB, 3, mode="sum",
                                                     include_last_offset=True),
      [_array([1, 2, 4, 5, 4, 3, 2, 9]), _array([0, 3, 6, 7])], ()),
    C("bag_1d_last_offset_max", lambda m: m.EmbeddingBag(EMB, 3, mode="max",
                                                         include_last_offset=True),
      [_array([1, 2, 4, 5, 4, 3, 2, 9]), _array([0, 3, 8])], ()),
    C("bag_1d_psw_padding", lambda m: m.EmbeddingBag(EMB, 3, mode="sum", padding_idx=4),
      [_array([1, 2, 4, 5, 4, 3, 2, 9]), _array([0, 4]), _randn(8)], (2,)),
    C("bag_1d_padding_mean", lambda m: m.EmbeddingBag(EMB, 3, padding_idx=-1),
      [_array([9, 2, 4, 9, 9, 3, 2, 9]), _array([0, 3, 5])], ()),
    C("bag_1d_padding_max", lambda m: m.EmbeddingBag(EMB, 3, mode="max", padding_idx=9),
      [_array([9, 2, 4, 9, 9, 3, 2, 9]), _array([0, 3, 5])], ()),
    C("bag_int32", lambda m: m.EmbeddingBag(EMB, 3, mode="sum"),
      [_array([1, 2, 4, 5], np.int32), _array([0, 1], np.int32)], ()),
    C("bag_max_norm", lambda m: m.EmbeddingBag(EMB, 3, max_norm=1.0),
      [_array([1, 2, 4, 5, 4, 3]), _array([0, 2])], ()),
]

LOSSES = [
    C("smooth_l1", lambda m: m.SmoothL1Loss(), [_randn(4, 3), _randn(4, 3)], (0, 1)),
    C("smooth_l1_beta_sum", lambda m: m.SmoothL1Loss(reduction="sum", beta=0.5),
      [_randn(4, 3), _randn(4, 3)], (0, 1)),
    C("smooth_l1_none", lambda m: m.SmoothL1Loss(reduction="none"),
      [_randn(4, 3), _randn(4, 3)], (0,)),
    C("huber", lambda m: m.HuberLoss(), [_randn(4, 3, scale=2), _randn(4, 3)], (0, 1)),
    C("huber_delta_none", lambda m: m.HuberLoss(reduction="none", delta=0.5),
      [_randn(4, 3), _randn(4, 3)], (0,)),
    C("kl_div_batchmean", lambda m: m.KLDivLoss(reduction="batchmean"),
      [_log_probs(4, 5), _probs(4, 5)], (0, 1)),
    C("kl_div_mean", lambda m: m.KLDivLoss(), [_log_probs(4, 5), _probs(4, 5)], (0, 1)),
    C("kl_div_log_target_sum", lambda m: m.KLDivLoss(reduction="sum", log_target=True),
      [_log_probs(4, 5), _log_probs(4, 5)], (0, 1)),
    C("kl_div_none", lambda m: m.KLDivLoss(reduction="none"),
      [_log_probs(4, 5), _array([[0.0, 0.5, 0.5, 0.0, 0.0]] * 4, np.float64)], (0,)),
    C("poisson_nll", lambda m: m.PoissonNLLLoss(), [_randn(4, 3), _uniform(0, 3, 4, 3)],
      (0, 1)),
    C("poisson_nll_not_log_full", lambda m: m.PoissonNLLLoss(log_input=False, full=True),
      [_uniform(0.1, 3, 4, 3), _uniform(0, 4, 4, 3)], (0, 1)),
    C("poisson_nll_sum", lambda m: m.PoissonNLLLoss(reduction="sum", eps=1e-3),
      [_randn(5), _uniform(0, 3, 5)], (0,)),
    C("gaussian_nll", lambda m: m.GaussianNLLLoss(),
      [_randn(4, 3), _randn(4, 3), _uniform(0.1, 2, 4, 3)], (0, 1, 2)),
    C("gaussian_nll_var_one_less_dim", lambda m: m.GaussianNLLLoss(full=True),
      [_randn(4, 3), _randn(4, 3), _uniform(0.1, 2, 4)], (0, 1, 2)),
    C("gaussian_nll_var_broadcast_sum", lambda m: m.GaussianNLLLoss(reduction="sum"),
      [_randn(4, 3), _randn(4, 3), _uniform(0.1, 2, 4, 1)], (0, 2)),
    C("gaussian_nll_var_clamped_none", lambda m: m.GaussianNLLLoss(reduction="none", eps=0.5),
      [_randn(4, 3), _randn(4, 3), _uniform(0.01, 1, 4, 3)], (0, 2)),
    C("gaussian_nll_var_float", lambda m: m.GaussianNLLLoss(),
      [_randn(4, 3), _randn(4, 3), _const(0.7)], (0,)),
    C("margin_ranking", lambda m: m.MarginRankingLoss(margin=0.1),
      [_randn(6), _randn(6), _signs(6)], (0, 1)),
    C("margin_ranking_none", lambda m: m.MarginRankingLoss(reduction="none"),
      [_randn(6), _randn(6), _signs(6)], (0, 1)),
    C("hinge_embedding", lambda m: m.HingeEmbeddingLoss(margin=0.5),
      [_randn(4, 3), _signs(4, 3)], (0,)),
    C("hinge_embedding_sum", lambda m: m.HingeEmbeddingLoss(reduction="sum"),
      [_randn(4, 3), _signs(4, 3)], (0,)),
    C("soft_margin", lambda m: m.SoftMarginLoss(), [_randn(4, 3), _signs(4, 3)], (0,)),
    C("soft_margin_none", lambda m: m.SoftMarginLoss(reduction="none"),
      [_randn(4, 3), _signs(4, 3)], (0,)),
    C("multilabel_soft_margin", lambda m: m.MultiLabelSoftMarginLoss(),
      [_randn(4, 5), lambda rng: (rng.uniform(size=(4, 5)) < 0.4).astype(np.float64)], (0,)),
    C("multilabel_soft_margin_weight_none",
      lambda m: m.MultiLabelSoftMarginLoss(weight=_lib(m).tensor([1.0, 2.0, 0.5, 1.0, 0.1]),
                                           reduction="none"),
      [_randn(4, 5), _uniform(0, 1, 4, 5)], (0, 1)),
    C("multilabel_margin", lambda m: m.MultiLabelMarginLoss(),
      [_randn(3, 5), _array([[3, 0, -1, 1, 2], [1, 2, 3, 4, 0], [4, -1, 2, 2, 2]])], (0,)),
    C("multilabel_margin_none_dup", lambda m: m.MultiLabelMarginLoss(reduction="none"),
      [_randn(3, 4), _array([[3, 3, -1, 1], [-1, 2, 3, 0], [0, 1, 2, 3]])], (0,)),
    C("multilabel_margin_1d", lambda m: m.MultiLabelMarginLoss(reduction="none"),
      [_randn(4), _array([2, 0, -1, 1])], (0,)),
    C("multi_margin", lambda m: m.MultiMarginLoss(), [_randn(5, 4), _ints(4, 5)], (0,)),
    C("multi_margin_p2_margin_sum", lambda m: m.MultiMarginLoss(p=2, margin=0.5,
                                                                reduction="sum"),
      [_randn(5, 4), _ints(4, 5)], (0,)),
    C("multi_margin_weight_none",
      lambda m: m.MultiMarginLoss(weight=_lib(m).tensor([1.0, 2.0, 0.5, 1.5]),
                                  reduction="none"),
      [_randn(5, 4), _ints(4, 5)], (0,)),
    C("multi_margin_1d", lambda m: m.MultiMarginLoss(reduction="none"),
      [_randn(4), _array([2])], (0,)),
    C("multi_margin_1d_scalar_target", lambda m: m.MultiMarginLoss(reduction="none"),
      [_randn(4), _array(2)], (0,)),
    C("cosine_embedding", lambda m: m.CosineEmbeddingLoss(margin=0.2),
      [_randn(5, 4), _randn(5, 4), _signs(5)], (0, 1)),
    C("cosine_embedding_none", lambda m: m.CosineEmbeddingLoss(reduction="none"),
      [_randn(5, 4), _randn(5, 4), _signs(5)], (0, 1)),
    C("cosine_embedding_1d", lambda m: m.CosineEmbeddingLoss(margin=-0.5),
      [_randn(4), _randn(4), _array(-1.0, np.float64)], (0, 1)),
    C("triplet", lambda m: m.TripletMarginLoss(), [_randn(5, 4), _randn(5, 4), _randn(5, 4)],
      (0, 1, 2)),
    C("triplet_p1_swap_none", lambda m: m.TripletMarginLoss(margin=2.0, p=1.0, swap=True,
                                                            reduction="none"),
      [_randn(5, 4), _randn(5, 4), _randn(5, 4, scale=0.5)], (0, 1, 2)),
    C("triplet_1d_eps", lambda m: m.TripletMarginLoss(eps=1e-2, reduction="sum"),
      [_randn(4), _randn(4), _randn(4)], (0, 1, 2)),
    C("triplet_distance_default", lambda m: m.TripletMarginWithDistanceLoss(),
      [_randn(5, 4), _randn(5, 4), _randn(5, 4)], (0, 1, 2)),
    C("triplet_distance_cosine_swap", lambda m: m.TripletMarginWithDistanceLoss(
        distance_function=lambda a, b: 1.0 - _F(m).cosine_similarity(a, b), swap=True,
        margin=0.5, reduction="none"),
      [_randn(5, 4), _randn(5, 4), _randn(5, 4)], (0, 1, 2)),
    C("triplet_distance_module", lambda m: m.TripletMarginWithDistanceLoss(
        distance_function=m.PairwiseDistance(p=1.0), reduction="sum"),
      [_randn(5, 4), _randn(5, 4), _randn(5, 4)], (0, 1, 2)),
]

ALL = ACTIVATIONS + CONVS + POOLS + NORMS + PADS + MISC + BAGS + LOSSES


@needs_torch
@pytest.mark.parametrize("case", ALL, ids=lambda c: c.id)
def test_module_matches_torch(case):
    rng = np.random.default_rng(0)
    gm, tm = pair(case.make)
    assert repr(gm) == repr(tm)
    assert [n for n, _ in gm.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert list(gm.state_dict()) == list(tm.state_dict())
    run_and_compare(gm, tm, [mk(rng) for mk in case.inputs], case.grad_inputs, rng)


@needs_torch
@pytest.mark.parametrize("case", [c for c in NORMS if "stats" in c.id], ids=lambda c: c.id)
def test_instance_norm_running_stats_then_eval(case):
    rng = np.random.default_rng(1)
    gm, tm = pair(case.make)
    gm.train()
    tm.train()
    for _ in range(3):
        run_and_compare(gm, tm, [mk(rng) for mk in case.inputs], (0,), rng)
    gm.eval()
    tm.eval()
    run_and_compare(gm, tm, [mk(rng) for mk in case.inputs], (0,), rng)
    assert gm.num_batches_tracked.item() == 0  # instance norm never counts, as in PyTorch


@needs_torch
@pytest.mark.parametrize("make", [
    lambda m: m.ConvTranspose2d(3, 4, 3, stride=2),
    lambda m: m.Conv1d(3, 4, 3, padding="same", padding_mode="reflect"),
    lambda m: m.PReLU(4),
    lambda m: m.Bilinear(2, 3, 4),
    lambda m: m.GroupNorm(2, 6, affine=False),
    lambda m: m.InstanceNorm1d(5, affine=True, track_running_stats=True),
    lambda m: m.RMSNorm((2, 3), eps=1e-4, elementwise_affine=False),
    lambda m: m.EmbeddingBag(7, 2, max_norm=2.0, norm_type=1.0, mode="max", padding_idx=-2),
    lambda m: m.MaxUnpool2d((2, 3), stride=1, padding=(0, 1)),
    lambda m: m.MaxUnpool1d(2),
    lambda m: m.LPPool2d(1.5, (2, 2), ceil_mode=True),
    lambda m: m.AdaptiveAvgPool1d(4),
    lambda m: m.ZeroPad2d(2),
    lambda m: m.CircularPad1d((1, 2)),
    lambda m: m.Dropout1d(0.2),
    lambda m: m.Dropout2d(inplace=True),
    lambda m: m.AlphaDropout(0.3),
    lambda m: m.FeatureAlphaDropout(),
    lambda m: m.RReLU(inplace=True),
    lambda m: m.Hardtanh(-0.5, 2.0, inplace=True),
    lambda m: m.Threshold(0.5, -1.0, inplace=True),
    lambda m: m.Hardswish(inplace=True),
    lambda m: m.MultiMarginLoss(p=2, weight=_lib(m).ones(3)),
    lambda m: m.MultiLabelSoftMarginLoss(weight=_lib(m).ones(3)),
    lambda m: m.TripletMarginWithDistanceLoss(),
    lambda m: m.KLDivLoss(reduction="batchmean", log_target=True),
    lambda m: m.HuberLoss(delta=2),
    lambda m: m.GaussianNLLLoss(full=True, eps=1e-3),
], ids=lambda mk: "")
def test_repr_and_state_dict_keys_match_torch(make):
    torch.manual_seed(0)
    gm, tm = make(nn), make(torch.nn)
    assert repr(gm) == repr(tm)
    assert list(gm.state_dict()) == list(tm.state_dict())
    for (gn, gp), (tn, tp) in zip(gm.named_parameters(), tm.named_parameters()):
        assert gn == tn and tuple(gp.shape) == tuple(tp.shape)


def test_default_initialization():
    """PReLU starts at ``init``; Bilinear and the convs draw U(±bound) with PyTorch's bound."""
    graphc.manual_seed(0)
    np.testing.assert_array_equal(_np(nn.PReLU(3, init=0.1).weight), np.full(3, 0.1, np.float32))
    for m, fan_in in ((nn.Bilinear(40, 7, 30), 40), (nn.Conv1d(6, 50, 5, groups=2), 15),
                      (nn.ConvTranspose1d(6, 50, 5, groups=2), 125),
                      (nn.ConvTranspose2d(6, 50, 5), 50 * 25)):
        bound = 1 / math.sqrt(fan_in)
        for p in (m.weight, m.bias):
            a = p.detach().numpy()
            assert a.dtype == np.float32
            assert np.abs(a).max() <= bound and np.abs(a).max() > 0.8 * bound
    assert tuple(nn.ConvTranspose2d(6, 4, (2, 3), groups=2).weight.shape) == (6, 2, 2, 3)
    assert tuple(nn.Bilinear(2, 3, 4).weight.shape) == (4, 2, 3)
    for m in (nn.GroupNorm(2, 4), nn.InstanceNorm1d(4, affine=True), nn.RMSNorm(4)):
        np.testing.assert_array_equal(_np(m.weight), np.ones(4, np.float32))
    table = _np(nn.EmbeddingBag(6, 3, padding_idx=1).weight)
    assert (table[1] == 0).all() and table.std() > 0.3


# -- functions without a module ----------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("fn", [
    lambda f, x: f.pdist(x),
    lambda f, x: f.pdist(x, p=1.0),
    lambda f, x: f.pdist(x, p=float("inf")),
    lambda f, x: f.pdist(x[:1]),
    lambda f, x: f.conv_transpose1d(x.reshape(1, 2, 10), x.reshape(2, 2, 5)[:, :, :3], None,
                                    2, 1, 1, 1, 2),
    lambda f, x: f.conv_transpose2d(x.reshape(1, 2, 2, 5), x.reshape(2, 2, 5)[:, :, :4].reshape(
        2, 2, 2, 2), None, 1, 0, (1, 2), 1, (2, 3)),  # output_padding >= stride
    lambda f, x: f.max_pool1d_with_indices(x.reshape(1, 4, 5), 2, 1)[0],
    lambda f, x: f.lp_pool1d(x.reshape(2, 2, 5).abs(), 2.5, 2),
    lambda f, x: f.pixel_unshuffle(f.pixel_shuffle(x.reshape(1, 4, 5, 1), 2), 2),
    lambda f, x: f.rms_norm(x, [5], eps=1e-5),
    lambda f, x: f.local_response_norm(x.reshape(2, 2, 5), 5),
    lambda f, x: f.multilabel_soft_margin_loss(x, (x > 0).to(x.dtype)),
    lambda f, x: f.gaussian_nll_loss(x, x.flip(0), x.abs() + 0.1),
], ids=lambda fn: "")
def test_functional_matches_torch(fn):
    a = np.random.default_rng(2).standard_normal((4, 5))
    gx, tx = graphc.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    gy, ty = fn(F, gx), fn(torch.nn.functional, tx)
    assert_close(gy, ty, "output")
    up = np.random.default_rng(3).standard_normal(tuple(ty.shape))
    (gy * graphc.tensor(up)).sum().backward()
    (ty * torch.tensor(up)).sum().backward()
    assert_close(gx.grad, tx.grad, "grad")


@needs_torch
def test_max_pool1d_with_indices_matches_torch():
    a = np.random.default_rng(4).standard_normal((2, 3, 9))
    gv, gi = F.max_pool1d_with_indices(graphc.tensor(a), 3, 2, 1)
    tv, ti = torch.nn.functional.max_pool1d_with_indices(torch.tensor(a), 3, 2, 1)
    np.testing.assert_array_equal(gv.numpy(), tv.numpy())
    np.testing.assert_array_equal(gi.numpy(), ti.numpy())


@needs_torch
@pytest.mark.parametrize("n, shape, kernel, stride, padding, output_size", [
    (1, (2, 3, 8), 2, None, 0, None),
    (1, (3, 9), 3, 2, 1, None),
    (1, (2, 3, 9), 2, None, 0, [2, 3, 9]),
    (2, (2, 3, 4, 6), 2, None, 0, None),
    (2, (3, 5, 5), 3, 2, 1, None),
    (2, (1, 2, 5, 5), 2, None, 0, [5, 5]),
    (2, (1, 2, 6, 6), 3, 1, 0, None),  # overlapping windows: repeated indices
])
def test_max_unpool_matches_torch(n, shape, kernel, stride, padding, output_size):
    a = np.random.default_rng(5).standard_normal(shape)
    tf = torch.nn.functional
    pool = (tf.max_pool1d, tf.max_pool2d)[n - 1]
    tv, ti = pool(torch.tensor(a), kernel, stride, padding, return_indices=True)
    lib_mods = [(m, getattr(m, f"MaxUnpool{n}d")(kernel, stride, padding))
                for m in (nn, torch.nn)]
    outs = []
    for m, layer in lib_mods:
        v = _lib(m).tensor(tv.numpy(), requires_grad=True)
        out = layer(v, _lib(m).tensor(ti.numpy()), output_size)
        up = np.random.default_rng(6).standard_normal(tuple(out.shape))
        (out * _lib(m).tensor(up)).sum().backward()
        outs.append((out, v.grad))
    assert repr(lib_mods[0][1]) == repr(lib_mods[1][1])
    assert_close(outs[0][0], outs[1][0], "output")
    assert_close(outs[0][1], outs[1][1], "grad")


@needs_torch
@pytest.mark.parametrize("name, args", [
    ("celu_", (0.7,)), ("selu_", ()), ("threshold_", (0.2, -3.0)), ("rrelu_", (0.1, 0.4)),
    ("hardtanh_", (-0.5, 0.5)), ("elu_", ()), ("leaky_relu_", (0.2,)),
])
def test_functional_inplace_variants_match_torch(name, args):
    a = np.random.default_rng(7).standard_normal((3, 4))
    results = []
    for lib, f in ((graphc, F), (torch, torch.nn.functional)):
        leaf = lib.tensor(a, requires_grad=True)
        x = leaf * 1.0
        y = getattr(f, name)(x, *args)
        assert y is x
        y.sum().backward()
        results.append((y, leaf.grad))
    assert_close(results[0][0], results[1][0], name)
    assert_close(results[0][1], results[1][1], name + " grad")


@needs_torch
@pytest.mark.parametrize("make", [
    lambda m: m.ReLU6(inplace=True), lambda m: m.Hardtanh(inplace=True),
    lambda m: m.Threshold(0.1, 2.0, inplace=True), lambda m: m.SELU(inplace=True),
    lambda m: m.CELU(0.5, inplace=True), lambda m: m.Mish(inplace=True),
    lambda m: m.Hardsigmoid(inplace=True), lambda m: m.Hardswish(inplace=True),
    lambda m: m.RReLU(inplace=True).eval(),
], ids=lambda mk: "")
def test_inplace_modules_match_torch(make):
    a = np.random.default_rng(8).standard_normal((3, 4)) * 4
    results = []
    for m in (nn, torch.nn):
        leaf = _lib(m).tensor(a, requires_grad=True)
        x = leaf * 1.0
        y = make(m)(x)
        assert y is x
        (y * y).sum().backward()
        results.append((y, leaf.grad))
    assert_close(results[0][0], results[1][0], "output")
    assert_close(results[0][1], results[1][1], "grad")


# -- random layers: training behaviour, eval identity ------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: nn.Dropout1d(0.3), lambda: nn.Dropout2d(0.3), lambda: nn.AlphaDropout(0.3),
    lambda: nn.FeatureAlphaDropout(0.3), lambda: nn.RReLU(),
], ids=["dropout1d", "dropout2d", "alpha", "feature_alpha", "rrelu"])
def test_random_layers_are_deterministic_in_eval(make):
    m = make().eval()
    x = graphc.randn(4, 6, 5)
    y = m(x)
    if isinstance(m, nn.RReLU):
        np.testing.assert_allclose(y.numpy(), F.leaky_relu(x, (1 / 8 + 1 / 3) / 2).numpy())
    else:
        np.testing.assert_array_equal(y.numpy(), x.numpy())


def test_channel_dropout_zeroes_whole_channels():
    graphc.manual_seed(1)
    for layer, x in ((nn.Dropout1d(0.4), graphc.ones(50, 40, 6)),
                     (nn.Dropout2d(0.4), graphc.ones(50, 40, 3, 2)),
                     (nn.Dropout2d(0.4), graphc.ones(8, 6, 3))):
        y = layer(x).numpy().reshape(x.shape[0] * x.shape[1], -1) if x.ndim > 3 else \
            layer(x).numpy()
        per_channel = y.reshape(y.shape[0], -1) if x.ndim > 3 else y.reshape(-1, y.shape[-1])
        assert np.isclose(per_channel, 0).sum() + np.isclose(per_channel, 1 / 0.6).sum() == \
            per_channel.size
        assert (per_channel.min(1) == per_channel.max(1)).all()  # one draw per channel
        if x.numel() > 1000:
            assert abs((per_channel[:, 0] == 0).mean() - 0.4) < 0.06


@pytest.mark.parametrize("feature", [False, True])
def test_alpha_dropout_keeps_mean_and_variance(feature):
    graphc.manual_seed(2)
    p = 0.2
    x = graphc.randn(400, 300, 2, dtype=graphc.float64, requires_grad=True)
    y = (F.feature_alpha_dropout if feature else F.alpha_dropout)(x, p, training=True)
    a = y.detach().numpy()
    assert abs(a.mean()) < 0.03 and abs(a.std() - 1) < 0.03
    alpha = 1.7580993408473766
    scale = 1 / math.sqrt((alpha ** 2 * p + 1) * (1 - p))
    dropped = np.isclose(a, -alpha * scale * (1 - p))
    assert abs(dropped.mean() - p) < 0.02
    if feature:
        assert (dropped.all(-1) | ~dropped.any(-1)).all()  # whole channels
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.where(dropped, 0.0, scale))
    assert F.alpha_dropout(x, p) is x  # training defaults to False, as in PyTorch
    np.testing.assert_array_equal(F.alpha_dropout(x, 1.0, True).detach().numpy(), 0)


def test_rrelu_training_draws_slopes_in_range():
    graphc.manual_seed(3)
    x = graphc.randn(200, 50, dtype=graphc.float64, requires_grad=True)
    y = nn.RReLU(0.1, 0.3)(x)
    a, b = x.detach().numpy(), y.detach().numpy()
    np.testing.assert_array_equal(b[a > 0], a[a > 0])
    slope = b[a < 0] / a[a < 0]
    assert slope.min() >= 0.1 and slope.max() <= 0.3 and slope.std() > 0.04
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy()[a < 0], slope)  # the drawn slope is the gradient
    np.testing.assert_array_equal(x.grad.numpy()[a > 0], 1.0)


def test_gumbel_softmax_soft_and_hard():
    graphc.manual_seed(4)
    logits = graphc.tensor([[5.0, 0.0, -5.0]] * 2000, dtype=graphc.float64, requires_grad=True)
    soft = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.detach().numpy().sum(1), 1.0)
    hard = F.gumbel_softmax(logits, hard=True)
    h = hard.detach().numpy()
    assert set(np.unique(h)) == {0.0, 1.0} and (h.sum(1) == 1).all()
    assert 0.97 < h[:, 0].mean() < 1.0  # P(argmax = 0) = softmax(logits)[0] ~ 0.993
    (hard * graphc.tensor([1.0, 2.0, 3.0], dtype=graphc.float64)).sum().backward()
    assert logits.grad is not None and np.isfinite(logits.grad.numpy()).all()
    assert np.abs(logits.grad.numpy()).sum() > 0  # straight-through: the soft sample's grad


# -- compile and double backward ---------------------------------------------------------------
COMPILED = ["conv1d_stride_pad", "convT1d_stride_pad_outpad", "convT2d_asym", "groupnorm_4d",
            "instancenorm1d_affine", "lrn_4d", "rmsnorm", "prelu_channels", "glu", "softmin",
            "pixel_shuffle", "pixel_unshuffle", "channel_shuffle_4d", "lppool2d",
            "maxpool1d_stride_pad", "avgpool1d_pad_exclude", "adaptive_avg1d", "reflpad2d",
            "circpad1d", "bilinear", "cosine_similarity", "bag_2d_max", "bag_1d_mean_empty",
            "bag_1d_psw_padding", "multi_margin_weight_none", "multilabel_margin",
            "cosine_embedding", "triplet_p1_swap_none", "gaussian_nll_var_clamped_none",
            "kl_div_batchmean", "hinge_embedding_sum", "multilabel_soft_margin",
            "poisson_nll_not_log_full"]


def _graphc_module(case):
    graphc.manual_seed(0)
    return case.make(nn).double()


@pytest.mark.parametrize("case", [c for c in ALL if c.id in COMPILED], ids=lambda c: c.id)
def test_compiled_forward_backward_equals_eager(case):
    assert len([c for c in ALL if c.id in COMPILED]) == len(COMPILED)
    m = _graphc_module(case)
    cm = graphc.compile(m)
    results = []
    for fwd in (cm, m):
        rng = np.random.default_rng(9)
        args = [_convert(mk(rng), graphc, i in case.grad_inputs)
                for i, mk in enumerate(case.inputs)]
        m.zero_grad()
        out = fwd(*args)
        up = graphc.tensor(rng.standard_normal(tuple(out.shape)))
        (out * up).sum().backward()
        grads = [a.grad for a in args if isinstance(a, graphc.Tensor) and a.requires_grad]
        grads += [p.grad for p in m.parameters()]
        results.append((out, grads))
    (cout, cgrads), (eout, egrads) = results
    np.testing.assert_allclose(_np(cout), _np(eout), rtol=1e-10, atol=1e-12)
    assert len(cgrads) == len(egrads)
    for cg, eg in zip(cgrads, egrads):
        np.testing.assert_allclose(_np(cg), _np(eg), rtol=1e-10, atol=1e-12)


def test_compiled_network_of_new_layers_trains_like_eager():
    def make():
        graphc.manual_seed(0)
        return nn.Sequential(nn.Conv1d(2, 8, 3, padding=1), nn.GroupNorm(2, 8), nn.PReLU(8),
                             nn.MaxPool1d(2), nn.ConvTranspose1d(8, 4, 2, stride=2),
                             nn.ReflectionPad1d(1), nn.Conv1d(4, 4, 3), nn.Hardswish(),
                             nn.AdaptiveAvgPool1d(2), nn.Flatten(), nn.Linear(8, 3))
    x, y = graphc.randn(5, 2, 8), graphc.randint(0, 3, (5,))
    models = [make(), make()]
    cm = graphc.compile(models[0])
    opts = [graphc.optim.SGD(m.parameters(), lr=0.1) for m in models]
    for _ in range(3):
        for fwd, opt in ((cm, opts[0]), (models[1], opts[1])):
            opt.zero_grad()
            nn.MultiMarginLoss()(fwd(x), y).backward()
            opt.step()
    for p, q in zip(models[0].parameters(), models[1].parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert cm.cache_info().misses == 1


def test_embedding_bag_max_with_offsets_refuses_to_trace():
    bag = nn.EmbeddingBag(5, 2, mode="max")
    f = graphc.compile(lambda i, o: bag(i, o))
    with pytest.raises(errors.TraceError, match="embedding_bag.*max"):
        f(graphc.tensor([0, 1, 2]), graphc.tensor([0, 1]))


@pytest.mark.parametrize("fn, shapes", [
    (lambda x: F.pixel_shuffle(x, 2).sin(), [(1, 4, 2, 2)]),
    (lambda x, w: F.rms_norm(x, [3], w), [(2, 3), (3,)]),
    (lambda x: F.local_response_norm(x, 2), [(1, 3, 2)]),
    (lambda x, w: F.conv_transpose1d(x, w, stride=2), [(1, 2, 3), (2, 1, 2)]),
    (lambda x: F.lp_pool1d(x, 2, 2), [(1, 2, 4)]),
    (lambda x: F.pdist(x), [(3, 2)]),
    (lambda x: F.multi_margin_loss(x, graphc.tensor([0, 2]), p=2), [(2, 3)]),
    (lambda a, p, n: F.triplet_margin_loss(a, p, n), [(2, 3)] * 3),
    (lambda x, v: F.gaussian_nll_loss(x, x * 0.5, v), [(2, 3), (2, 3)]),
], ids=lambda v: "" if callable(v) else None)
def test_double_backward(fn, shapes):
    rng = np.random.default_rng(10)
    xs = [graphc.tensor(rng.uniform(0.5, 1.5, s), requires_grad=True) for s in shapes]
    assert graphc.autograd.gradcheck(fn, xs, eps=1e-6, atol=1e-5)
    assert graphc.autograd.gradgradcheck(fn, xs, eps=1e-6, atol=1e-5)


# -- errors ------------------------------------------------------------------------------------
ERRORS = [
    (lambda: nn.PixelShuffle(2)(graphc.ones(2, 3, 4, 4)), errors.ShapeError,
     "pixel_shuffle.*divisible by 4"),
    (lambda: nn.PixelShuffle(2)(graphc.ones(4, 4)), errors.ShapeError, "at least 3 dim"),
    (lambda: nn.PixelUnshuffle(2)(graphc.ones(1, 3, 3)), errors.ShapeError,
     "height to be divisible"),
    (lambda: nn.PixelShuffle(0)(graphc.ones(1, 4, 2, 2)), ValueError, "positive"),
    (lambda: nn.ChannelShuffle(4)(graphc.ones(1, 6, 2)), errors.ShapeError,
     "6 channels and 4 groups"),
    (lambda: nn.ChannelShuffle(2)(graphc.ones(2, 6)), errors.ShapeError, "> 2 dims"),
    (lambda: nn.GroupNorm(3, 4), ValueError, "divisible by num_groups"),
    (lambda: nn.GroupNorm(2, 4)(graphc.ones(2, 6, 3)), errors.ShapeError, "group_norm"),
    (lambda: nn.Hardtanh(1.0, 0.0), AssertionError, "max_val"),
    (lambda: nn.MultiMarginLoss(p=3), ValueError, "p == 1 and p == 2"),
    (lambda: nn.TripletMarginLoss(margin=0), ValueError, "TripletMarginLoss.*margin"),
    (lambda: nn.TripletMarginWithDistanceLoss(margin=-1), ValueError, "margin"),
    (lambda: nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect"), ValueError, "zeros"),
    (lambda: nn.ConvTranspose2d(2, 2, 3, stride=2)(graphc.ones(1, 2, 3, 3), [9, 9]),
     ValueError, "valid sizes range from \\[7, 7\\] to \\[8, 8\\]"),
    (lambda: nn.ConvTranspose1d(2, 2, 3)(graphc.ones(1, 2, 3), [1, 2, 3, 4]), ValueError,
     "output_size must have 1 or 3 elements"),
    (lambda: nn.ConvTranspose1d(2, 2, 3)(graphc.ones(2, 2, 2, 3)), errors.ShapeError,
     "conv_transpose1d"),
    (lambda: nn.Conv1d(4, 2, 3, groups=3), ValueError, "divisible by groups"),
    (lambda: nn.EmbeddingBag(5, 2)(graphc.tensor([[0, 1]]), graphc.tensor([0])), ValueError,
     "offsets has to be None"),
    (lambda: nn.EmbeddingBag(5, 2)(graphc.tensor([0, 1])), ValueError, "offsets has to be"),
    (lambda: nn.EmbeddingBag(5, 2)(graphc.tensor([0, 1]), graphc.tensor([1])), ValueError,
     "offsets\\[0\\] has to be 0"),
    (lambda: nn.EmbeddingBag(5, 2)(graphc.tensor([0, 1]), graphc.tensor([0]),
                                   graphc.ones(2)), NotImplementedError, "mode='sum'"),
    (lambda: nn.EmbeddingBag(5, 2, mode="min")(graphc.tensor([[0, 1]])), ValueError,
     "sum, mean or max"),
    (lambda: nn.EmbeddingBag(5, 2)(graphc.tensor([[0.0, 1.0]])), errors.DTypeError, "indices"),
    (lambda: nn.EmbeddingBag(5, 2, padding_idx=7), ValueError, "padding_idx"),
    (lambda: nn.MaxUnpool2d(2)(graphc.ones(1, 1, 2, 2), graphc.zeros(1, 1, 2, 2)),
     errors.DTypeError, "max_unpool2d.*int64"),
    (lambda: nn.MaxUnpool2d(2)(graphc.ones(1, 1, 2, 2), graphc.zeros(1, 1, 2, dtype=graphc.int64)),
     errors.ShapeError, "max_unpool2d.*same as that of the input"),
    (lambda: nn.MaxUnpool1d(2)(graphc.ones(1, 1, 2), graphc.zeros(1, 1, 2, dtype=graphc.int64),
                               [9]), ValueError, "invalid output_size"),
    (lambda: nn.RMSNorm(4)(graphc.ones(2, 3)), errors.ShapeError, "rms_norm.*\\[\\*, 4\\]"),
    (lambda: nn.LocalResponseNorm(2)(graphc.ones(2, 3)), ValueError, "3D or higher"),
    (lambda: nn.Softmax2d()(graphc.ones(2, 3)), ValueError, "3D or 4D"),
    (lambda: nn.CircularPad2d(1)(graphc.ones(2, 3)), ValueError, "CircularPad2d.*3D or 4D"),
    (lambda: nn.ReflectionPad1d(3)(graphc.ones(1, 2, 3)), ValueError, "Padding size"),
    (lambda: nn.InstanceNorm1d(3)(graphc.ones(2, 3, 4, 5)), ValueError,
     "InstanceNorm1d: expected 2D or 3D"),
    (lambda: nn.InstanceNorm1d(3, affine=True)(graphc.ones(2, 4, 5)), ValueError,
     "num_features \\(3\\)"),
    (lambda: nn.Bilinear(0, 2, 3), ValueError, "in1_features"),
    (lambda: nn.AlphaDropout(1.5), ValueError, "between 0 and 1"),
    (lambda: F.feature_alpha_dropout(graphc.ones(3), 0.5, True), errors.ShapeError,
     "at least 2 dimensions"),
    (lambda: F.rrelu(graphc.ones(3), 0.5, 0.1, True), ValueError, "Lower bound"),
    (lambda: F.pdist(graphc.ones(2, 3, 4)), errors.ShapeError, "pdist.*3D"),
    (lambda: F.multilabel_margin_loss(graphc.ones(2, 3), graphc.zeros(2, 2, dtype=graphc.int64)),
     errors.ShapeError, "inconsistent target size"),
    (lambda: F.multi_margin_loss(graphc.ones(2, 3), graphc.zeros(3, dtype=graphc.int64)),
     errors.ShapeError, "multi_margin_loss: inconsistent target size, expected 2"),
    (lambda: F.multi_margin_loss(graphc.ones(2, 3), graphc.zeros(2)), errors.DTypeError,
     "integer"),
    (lambda: F.cosine_embedding_loss(graphc.ones(2, 3), graphc.ones(2, 3), graphc.ones(2, 1)),
     errors.ShapeError, "0D or 1D target"),
    (lambda: F.cosine_embedding_loss(graphc.ones(3), graphc.ones(3), graphc.ones(3)),
     errors.ShapeError, "1D target tensor expects 2D input"),
    (lambda: F.gaussian_nll_loss(graphc.ones(2, 3), graphc.ones(2, 3), -graphc.ones(2, 3)),
     ValueError, "negative"),
    (lambda: F.gaussian_nll_loss(graphc.ones(2, 3), graphc.ones(2, 3), graphc.ones(3, 2)),
     ValueError, "incorrect size"),
    (lambda: F.triplet_margin_loss(graphc.ones(2, 3), graphc.ones(2, 3), graphc.ones(3)),
     errors.ShapeError, "same number of dimensions"),
    (lambda: nn.KLDivLoss(reduction="batchsum"), ValueError, "batchsum"),
    (lambda: nn.HuberLoss(delta="1"), TypeError, "delta"),
]


@pytest.mark.parametrize("fn, exc, match", ERRORS, ids=[m for _, _, m in ERRORS])
def test_errors(fn, exc, match):
    with pytest.raises(exc, match=match) as info:
        fn()
    assert isinstance(info.value, errors.GraphcError)
