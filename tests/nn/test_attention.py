"""The attention stack against PyTorch: ``F.scaled_dot_product_attention``,
``nn.MultiheadAttention``, the Transformer encoder/decoder layers and stacks, ``nn.Transformer``.

Modules are built in both libraries in float64 with torch's weights copied into graphc through
``load_state_dict``; the same inputs (and masks) go through both and outputs, input gradients
and every parameter gradient of a random weighting of the outputs must agree to ~1e-10. Further
tests: eval vs train, state dicts both ways, Adam steps, ``graphc.compile``, double backward,
dropout in the weights, and the errors (those run without torch).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import graphc
import graphc.nn as nn
from tests.nn.torch_pairs import load_from_torch, pair  # noqa: F401
import graphc.nn.functional as GF
from graphc import errors

try:
    import torch
except ImportError:  # the torch-free tests below still run
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="needs PyTorch")
pytestmark = [  # torch's notes on its nested-tensor fast path, and both libraries' deprecation
    pytest.mark.filterwarnings("ignore:enable_nested_tensor is True:UserWarning"),
    pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors:UserWarning"),
    pytest.mark.filterwarnings("ignore:Support for mismatched:UserWarning"),
]
ATOL, RTOL = 1e-10, 1e-9
NEG = -np.inf


# -- inputs ------------------------------------------------------------------------------------
def R(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def padding(n: int, s: int, lengths) -> np.ndarray:
    """(n, s) bool key-padding mask: True past each sequence's length."""
    return np.arange(s)[None, :] >= np.asarray(lengths)[:, None]


def causal(lq: int, lk: int | None = None) -> np.ndarray:
    """PyTorch's float causal mask (generate_square_subsequent_mask): -inf above the diagonal."""
    return np.triu(np.full((lq, lk or lq), NEG), 1)


def as_float(mask: np.ndarray) -> np.ndarray:
    return np.where(mask, NEG, 0.0)


def _inputs(lib, arrays: dict, grad) -> dict:
    out = {}
    for name, a in arrays.items():
        t = lib.tensor(np.asarray(a))
        if name in grad and np.asarray(a).dtype.kind == "f":
            t.requires_grad_(True)
        out[name] = t
    return out


def _masks(t: dict) -> dict:
    return {k: v for k, v in t.items() if k.endswith("mask")}


def _np(t):
    return t.detach().numpy()


def _close(g, t, what):
    assert g is not None, f"{what}: graphc gave None where torch gave a value"
    assert tuple(g.shape) == tuple(t.shape), (what, g.shape, t.shape)
    np.testing.assert_allclose(_np(g), _np(t), atol=ATOL, rtol=RTOL, err_msg=what)


def compare(g_call, t_call, arrays, grad=(), modules=None, seed=0):
    """Run both calls on the same inputs; compare outputs, then the gradients of a random
    weighting of the outputs w.r.t. the inputs named in ``grad`` and every parameter."""
    g_in, t_in = _inputs(graphc, arrays, grad), _inputs(torch, arrays, grad)
    g_out, t_out = g_call(g_in), t_call(t_in)
    g_outs = list(g_out) if isinstance(g_out, tuple) else [g_out]
    t_outs = list(t_out) if isinstance(t_out, tuple) else [t_out]
    assert len(g_outs) == len(t_outs)
    rng = np.random.default_rng(seed)
    g_loss = t_loss = 0
    for i, (g, t) in enumerate(zip(g_outs, t_outs)):
        if t is None:
            assert g is None, f"output {i}: torch gave None, graphc a tensor"
            continue
        _close(g, t, f"output {i}")
        w = rng.uniform(-1, 1, tuple(t.shape))
        if t.requires_grad:
            g_loss = g_loss + (g * graphc.tensor(w)).sum()
            t_loss = t_loss + (t * torch.tensor(w)).sum()
    if not grad and modules is None:
        return g_outs, t_outs
    g_loss.backward()
    t_loss.backward()
    for name in grad:
        if t_in[name].grad is not None:
            _close(g_in[name].grad, t_in[name].grad, f"grad of {name}")
    if modules is not None:
        gparams = dict(modules[0].named_parameters())
        for name, tp in modules[1].named_parameters():
            if tp.grad is not None:
                _close(gparams[name].grad, tp.grad, f"grad of {name}")
    return g_outs, t_outs


def compare_module(make, call, arrays, grad, train=True):
    gm, tm = pair(make)
    gm.train(train)
    tm.train(train)
    return compare(lambda t: call(gm, t), lambda t: call(tm, t), arrays, grad, (gm, tm))


# -- scaled_dot_product_attention ----------------------------------------------------------------
QKV = ("query", "key", "value")


def _qkv(q, k, v):
    return {"query": R(*q, seed=1), "key": R(*k, seed=2), "value": R(*v, seed=3)}


_bool_mask = np.random.default_rng(5).uniform(size=(2, 1, 3, 5)) > 0.4
_bool_mask[..., 0] = True
_float_mask = np.where(np.random.default_rng(6).uniform(size=(3, 5)) > 0.7, NEG,
                       R(3, 5, seed=7))
_float_mask[:, 1] = 0.5

SDPA = [
    ("plain_3d", _qkv((2, 3, 4), (2, 5, 4), (2, 5, 6)), {}),
    ("heads_4d", _qkv((2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 2)), {}),
    ("unbatched_2d", _qkv((3, 4), (5, 4), (5, 2)), {}),
    ("bool_mask_2d", {**_qkv((2, 3, 4), (2, 5, 4), (2, 5, 3)), "attn_mask": _bool_mask[0, 0]},
     {}),
    ("bool_mask_broadcast_4d", {**_qkv((2, 4, 3, 4), (2, 4, 5, 4), (2, 4, 5, 3)),
                                "attn_mask": _bool_mask}, {}),
    ("float_mask_with_inf", {**_qkv((2, 3, 4), (2, 5, 4), (2, 5, 3)),
                             "attn_mask": _float_mask}, {}),
    ("causal_square", _qkv((2, 2, 5, 4), (2, 2, 5, 4), (2, 2, 5, 3)), {"is_causal": True}),
    ("causal_more_queries", _qkv((2, 6, 4), (2, 3, 4), (2, 3, 3)), {"is_causal": True}),
    ("causal_more_keys", _qkv((2, 3, 4), (2, 6, 4), (2, 6, 3)), {"is_causal": True}),
    ("scale", {**_qkv((2, 3, 4), (2, 5, 4), (2, 5, 3)), "attn_mask": _float_mask},
     {"scale": 0.3}),
    ("batch_broadcast", _qkv((2, 3, 4, 4), (1, 3, 5, 4), (3, 5, 2)), {}),
    ("gqa", _qkv((2, 6, 3, 4), (2, 2, 5, 4), (2, 3, 5, 2)), {"enable_gqa": True}),
]


@needs_torch
@pytest.mark.parametrize("arrays,kw", [c[1:] for c in SDPA], ids=[c[0] for c in SDPA])
def test_sdpa_matches_torch(arrays, kw):
    def call(F):
        return lambda t: F.scaled_dot_product_attention(**t, **kw)
    compare(call(GF), call(torch.nn.functional), arrays, QKV)


@needs_torch
def test_sdpa_gradient_of_float_mask():
    arrays = {**_qkv((2, 3, 4), (2, 5, 4), (2, 5, 3)), "attn_mask": R(2, 3, 5, seed=9)}
    compare(lambda t: GF.scaled_dot_product_attention(**t),
            lambda t: torch.nn.functional.scaled_dot_product_attention(**t), arrays,
            QKV + ("attn_mask",))


@needs_torch
@pytest.mark.parametrize("kind", ["bool", "float"])
def test_sdpa_fully_masked_rows_give_zero_and_zero_grads(kind):
    mask = np.ones((3, 5), bool)
    mask[1] = False                      # query 1 sees no key
    mask = mask if kind == "bool" else np.where(mask, 0.0, NEG)
    arrays = {**_qkv((2, 3, 4), (2, 5, 4), (2, 5, 3)), "attn_mask": mask}
    g_out, _ = compare(lambda t: GF.scaled_dot_product_attention(**t),
                       lambda t: torch.nn.functional.scaled_dot_product_attention(**t),
                       arrays, QKV)
    assert np.all(_np(g_out[0])[:, 1] == 0)


def test_sdpa_fully_masked_rows_and_empty_keys_without_torch():
    q = graphc.tensor(R(2, 3, 4), requires_grad=True)
    k, v = graphc.tensor(R(2, 5, 4, seed=1)), graphc.tensor(R(2, 5, 3, seed=2))
    out = GF.scaled_dot_product_attention(q, k, v, attn_mask=graphc.zeros(3, 5, dtype=graphc.bool))
    out.sum().backward()
    assert np.all(_np(out) == 0) and np.all(q.grad.numpy() == 0)
    empty = GF.scaled_dot_product_attention(q, k[:, :0], v[:, :0])
    assert empty.shape == (2, 3, 3) and np.all(_np(empty) == 0)


def test_sdpa_dropout_drops_weights_and_scales_survivors():
    """With value = identity the output is the weight matrix itself: each entry is either 0
    or 1/(1-p) times the undropped weight, and about p of them are 0."""
    graphc.manual_seed(0)
    q, k = graphc.tensor(R(4, 50, 8)), graphc.tensor(R(4, 60, 8, seed=1))
    eye = graphc.tensor(np.broadcast_to(np.eye(60), (4, 60, 60)).copy())
    ref = _np(GF.scaled_dot_product_attention(q, k, eye))
    got = _np(GF.scaled_dot_product_attention(q, k, eye, dropout_p=0.25))
    kept = got != 0
    assert abs(1 - kept.mean() - 0.25) < 0.02
    np.testing.assert_allclose(got[kept], ref[kept] / 0.75, rtol=1e-6)
    zero = GF.scaled_dot_product_attention(q, k, eye, dropout_p=1.0)
    assert np.all(_np(zero) == 0)


def test_sdpa_double_backward():
    rng = np.random.default_rng(0)
    mask = graphc.tensor(rng.uniform(size=(3, 4)) > 0.3) | graphc.eye(3, 4, dtype=graphc.bool)
    fmask = graphc.tensor(rng.standard_normal((3, 4)))
    xs = [graphc.tensor(rng.standard_normal(s), requires_grad=True)
          for s in [(2, 3, 2), (2, 4, 2), (2, 4, 3)]]
    for m in (mask, fmask):
        def f(q, k, v, m=m):
            return GF.scaled_dot_product_attention(q, k, v, attn_mask=m, scale=0.7)
        assert graphc.autograd.gradcheck(f, xs, eps=1e-6, atol=1e-6)
        assert graphc.autograd.gradgradcheck(f, xs, eps=1e-6, atol=1e-5)


# -- MultiheadAttention --------------------------------------------------------------------------
def _self(m, t, **kw):
    return m(t["x"], t["x"], t["x"], **_masks(t), **kw)


def _cross(m, t, **kw):
    return m(t["x"], t["k"], t["v"], **_masks(t), **kw)


def _enc_dec(m, t, **kw):  # key is value: PyTorch's packed k/v projection
    return m(t["x"], t["k"], t["k"], **_masks(t), **kw)


_kpm = padding(2, 5, [5, 3])
_kpm6 = padding(2, 6, [6, 3])
_attn2 = np.random.default_rng(8).uniform(size=(4, 5)) > 0.7
_attn2[:, 0] = False
MHA = [
    ("basic", lambda m: m.MultiheadAttention(8, 2), _self, {"x": R(4, 2, 8)}, {}),
    ("batch_first", lambda m: m.MultiheadAttention(8, 2, batch_first=True), _self,
     {"x": R(2, 4, 8)}, {}),
    ("batch_first_cross", lambda m: m.MultiheadAttention(8, 4, batch_first=True), _cross,
     {"x": R(2, 4, 8), "k": R(2, 5, 8, seed=1), "v": R(2, 5, 8, seed=2)}, {}),
    ("enc_dec_kv_same", lambda m: m.MultiheadAttention(8, 2), _enc_dec,
     {"x": R(4, 2, 8), "k": R(5, 2, 8, seed=1), "key_padding_mask": _kpm}, {}),
    ("kdim_vdim", lambda m: m.MultiheadAttention(8, 2, kdim=3, vdim=5), _cross,
     {"x": R(4, 2, 8), "k": R(5, 2, 3, seed=1), "v": R(5, 2, 5, seed=2)}, {}),
    ("kdim_vdim_batch_first_masks",
     lambda m: m.MultiheadAttention(8, 2, kdim=3, vdim=5, batch_first=True), _cross,
     {"x": R(2, 4, 8), "k": R(2, 5, 3, seed=1), "v": R(2, 5, 5, seed=2),
      "key_padding_mask": _kpm, "attn_mask": _attn2}, {"average_attn_weights": False}),
    ("bias_kv", lambda m: m.MultiheadAttention(8, 2, add_bias_kv=True), _self,
     {"x": R(5, 2, 8)}, {}),
    ("zero_attn", lambda m: m.MultiheadAttention(8, 2, add_zero_attn=True), _self,
     {"x": R(5, 2, 8)}, {}),
    ("bias_kv_zero_attn_masks",
     lambda m: m.MultiheadAttention(8, 2, add_bias_kv=True, add_zero_attn=True), _self,
     {"x": R(5, 2, 8), "key_padding_mask": _kpm, "attn_mask": causal(5)}, {}),
    ("bias_kv_zero_attn_no_weights",
     lambda m: m.MultiheadAttention(8, 2, add_bias_kv=True, add_zero_attn=True), _self,
     {"x": R(5, 2, 8), "key_padding_mask": _kpm, "attn_mask": causal(5)},
     {"need_weights": False}),
    ("kpm_bool", lambda m: m.MultiheadAttention(8, 2), _self,
     {"x": R(5, 2, 8), "key_padding_mask": _kpm}, {}),
    ("kpm_float", lambda m: m.MultiheadAttention(8, 2), _self,
     {"x": R(5, 2, 8), "key_padding_mask": as_float(_kpm)}, {}),
    ("kpm_float_finite", lambda m: m.MultiheadAttention(8, 2), _self,
     {"x": R(5, 2, 8), "key_padding_mask": R(2, 5, seed=4)}, {}),
    ("attn_mask_2d_bool", lambda m: m.MultiheadAttention(8, 2), _cross,
     {"x": R(4, 2, 8), "k": R(5, 2, 8, seed=1), "v": R(5, 2, 8, seed=2),
      "attn_mask": _attn2}, {}),
    ("attn_mask_3d_float", lambda m: m.MultiheadAttention(8, 2), _self,
     {"x": R(5, 2, 8), "attn_mask": R(4, 5, 5, seed=4)}, {}),
    ("attn_mask_3d_bool_kpm_no_weights", lambda m: m.MultiheadAttention(8, 2), _self,
     {"x": R(5, 2, 8), "attn_mask": np.broadcast_to(np.triu(np.ones((5, 5), bool), 1),
                                                    (4, 5, 5)).copy(),
      "key_padding_mask": _kpm}, {"need_weights": False}),
    ("per_head_weights", lambda m: m.MultiheadAttention(8, 4), _self,
     {"x": R(5, 2, 8), "key_padding_mask": _kpm}, {"average_attn_weights": False}),
    ("no_weights", lambda m: m.MultiheadAttention(8, 2), _self,
     {"x": R(5, 2, 8), "attn_mask": causal(5)}, {"need_weights": False}),
    ("causal_hint_no_weights", lambda m: m.MultiheadAttention(8, 2, batch_first=True), _self,
     {"x": R(2, 5, 8), "attn_mask": causal(5)}, {"need_weights": False, "is_causal": True}),
    ("causal_hint_with_weights", lambda m: m.MultiheadAttention(8, 2), _self,
     {"x": R(5, 2, 8), "attn_mask": causal(5), "key_padding_mask": as_float(_kpm)},
     {"is_causal": True}),
    ("no_bias", lambda m: m.MultiheadAttention(8, 2, bias=False), _self,
     {"x": R(5, 2, 8)}, {}),
    ("unbatched", lambda m: m.MultiheadAttention(8, 2), _self,
     {"x": R(5, 8), "key_padding_mask": _kpm[1], "attn_mask": R(2, 5, 5, seed=3)}, {}),
    ("unbatched_batch_first_no_weights",
     lambda m: m.MultiheadAttention(8, 2, batch_first=True), _cross,
     {"x": R(4, 8), "k": R(6, 8, seed=1), "v": R(6, 8, seed=2),
      "key_padding_mask": _kpm6[1]}, {"need_weights": False}),
    ("unbatched_kdim", lambda m: m.MultiheadAttention(8, 2, kdim=3, vdim=3), _enc_dec,
     {"x": R(4, 8), "k": R(6, 3, seed=1)}, {"average_attn_weights": False}),
]


@needs_torch
@pytest.mark.parametrize("make,call,arrays,kw", [c[1:] for c in MHA], ids=[c[0] for c in MHA])
def test_multihead_attention_matches_torch(make, call, arrays, kw):
    grad = [n for n in ("x", "k", "v") if n in arrays]
    compare_module(make, lambda m, t: call(m, t, **kw), arrays, grad)


@needs_torch
def test_multihead_attention_eval_with_dropout_matches_torch():
    arrays = {"x": R(2, 5, 8), "key_padding_mask": _kpm}
    compare_module(lambda m: m.MultiheadAttention(8, 2, dropout=0.4, batch_first=True),
                   _self, arrays, ("x",), train=False)


@needs_torch
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # NaN expected
def test_multihead_attention_fully_masked_batch():
    """A batch element whose every key is padded: NaN with need_weights (PyTorch's plain
    softmax), the output projection's bias without (scaled_dot_product_attention gives 0)."""
    kpm = padding(2, 5, [5, 0])
    gm, tm = pair(lambda m: m.MultiheadAttention(8, 2))
    for need in (True, False):
        g_in, t_in = _inputs(graphc, {"x": R(5, 2, 8), "key_padding_mask": kpm}, ()), \
            _inputs(torch, {"x": R(5, 2, 8), "key_padding_mask": kpm}, ())
        g, t = _self(gm, g_in, need_weights=need), _self(tm, t_in, need_weights=need)
        np.testing.assert_allclose(_np(g[0]), _np(t[0]), atol=ATOL)
        assert np.isnan(_np(g[0])[:, 1]).all() == need


def test_multihead_attention_double_backward():
    graphc.manual_seed(0)
    m = nn.MultiheadAttention(4, 2, add_bias_kv=True).double()
    mask = graphc.tensor(padding(2, 3, [3, 2]))
    xs = [graphc.tensor(R(3, 2, 4), requires_grad=True), m.in_proj_weight]

    def f(x, w):
        return GF.multi_head_attention_forward(
            x, x, x, 4, 2, w, m.in_proj_bias, m.bias_k, m.bias_v, False, 0.0,
            m.out_proj.weight, m.out_proj.bias, key_padding_mask=mask)[0]
    assert graphc.autograd.gradcheck(f, xs, eps=1e-6, atol=1e-6)
    assert graphc.autograd.gradgradcheck(f, xs, eps=1e-6, atol=1e-5)


# -- Transformer layers and stacks ---------------------------------------------------------------
def _enc_call(m, t):
    return m(t["src"], **_masks(t))


def _dec_call(m, t):
    return m(t["tgt"], t["memory"], **_masks(t))


def _layer(kind: str, act=None, **kw):
    """An encoder/decoder layer maker; ``act(m)`` gives an activation of the library ``m``."""
    def make(m):
        cls = m.TransformerEncoderLayer if kind == "enc" else m.TransformerDecoderLayer
        extra = {} if act is None else {"activation": act(m)}
        return cls(8, 2, 16, dropout=0.0, **kw, **extra)
    return make


_src = {"src": R(5, 2, 8)}
_src_bf = {"src": R(2, 5, 8)}
_dec = {"tgt": R(4, 2, 8), "memory": R(5, 2, 8, seed=1)}
_dec_bf = {"tgt": R(2, 4, 8), "memory": R(2, 5, 8, seed=1)}
LAYERS = [
    ("enc_post_norm", _layer("enc"), _enc_call, _src),
    ("enc_norm_first_gelu", _layer("enc", norm_first=True, activation="gelu"), _enc_call,
     {**_src, "src_mask": causal(5), "src_key_padding_mask": _kpm}),
    ("enc_batch_first_masks", _layer("enc", batch_first=True), _enc_call,
     {**_src_bf, "src_mask": causal(5) > -1, "src_key_padding_mask": _kpm}),
    ("enc_callable_activation", _layer("enc", act=lambda m: m.functional.silu), _enc_call,
     {**_src, "src_key_padding_mask": as_float(_kpm)}),
    ("enc_module_activation",
     _layer("enc", act=lambda m: m.GELU(approximate="tanh"), norm_first=True), _enc_call, _src),
    ("enc_no_bias", _layer("enc", bias=False, layer_norm_eps=1e-3), _enc_call,
     {**_src, "src_mask": causal(5)}),
    ("enc_unbatched", _layer("enc"), _enc_call,
     {"src": R(5, 8), "src_key_padding_mask": _kpm[1]}),
    ("dec_post_norm", _layer("dec"), _dec_call, _dec),
    ("dec_norm_first_masks", _layer("dec", norm_first=True, activation="gelu"), _dec_call,
     {**_dec, "tgt_mask": causal(4), "memory_mask": R(4, 5, seed=5),
      "tgt_key_padding_mask": padding(2, 4, [4, 2]), "memory_key_padding_mask": _kpm}),
    ("dec_batch_first_masks", _layer("dec", batch_first=True), _dec_call,
     {**_dec_bf, "tgt_mask": causal(4), "memory_key_padding_mask": _kpm}),
    ("dec_unbatched", _layer("dec", norm_first=True), _dec_call,
     {"tgt": R(4, 8), "memory": R(5, 8, seed=1), "tgt_mask": causal(4)}),
    ("encoder_stack", lambda m: m.TransformerEncoder(_layer("enc")(m), 2, m.LayerNorm(8)),
     lambda m, t: m(t["src"], mask=t["mask"], src_key_padding_mask=t["kpm_mask"]),
     {**_src, "mask": causal(5), "kpm_mask": _kpm}),
    ("encoder_stack_no_norm_bf",
     lambda m: m.TransformerEncoder(_layer("enc", batch_first=True, norm_first=True)(m), 3),
     lambda m, t: m(t["src"], src_key_padding_mask=t["kpm_mask"]),
     {**_src_bf, "kpm_mask": _kpm}),
    ("decoder_stack", lambda m: m.TransformerDecoder(_layer("dec")(m), 2, m.LayerNorm(8)),
     _dec_call, {**_dec, "tgt_mask": causal(4), "memory_key_padding_mask": _kpm}),
]


@needs_torch
@pytest.mark.parametrize("make,call,arrays", [c[1:] for c in LAYERS], ids=[c[0] for c in LAYERS])
def test_transformer_layers_match_torch(make, call, arrays):
    grad = [n for n in ("src", "tgt", "memory") if n in arrays]
    compare_module(make, call, arrays, grad)


_full = {"src": R(6, 2, 8), "tgt": R(4, 2, 8, seed=1), "src_mask": R(6, 6, seed=2),
         "tgt_mask": causal(4), "memory_mask": causal(4, 6) > -1,
         "src_key_padding_mask": padding(2, 6, [6, 4]),
         "tgt_key_padding_mask": padding(2, 4, [4, 3]),
         "memory_key_padding_mask": padding(2, 6, [6, 4])}
TRANSFORMERS = [
    ("default_layout", {}, _full),
    ("batch_first_norm_first_gelu", {"batch_first": True, "norm_first": True,
                                     "activation": "gelu"},
     {**_full, "src": R(2, 6, 8), "tgt": R(2, 4, 8, seed=1)}),
    ("no_bias_no_masks", {"bias": False}, {"src": R(6, 2, 8), "tgt": R(4, 2, 8, seed=1)}),
    ("unbatched", {}, {"src": R(6, 8), "tgt": R(4, 8, seed=1), "tgt_mask": causal(4)}),
]


@needs_torch
@pytest.mark.parametrize("kw,arrays", [c[1:] for c in TRANSFORMERS],
                         ids=[c[0] for c in TRANSFORMERS])
def test_transformer_matches_torch(kw, arrays):
    def make(m):
        return m.Transformer(8, 2, 2, 2, 16, dropout=0.0, **kw)
    compare_module(make, lambda m, t: m(t["src"], t["tgt"], **_masks(t)), arrays,
                   ("src", "tgt"))


@needs_torch
def test_transformer_eval_with_dropout_matches_torch():
    compare_module(lambda m: m.Transformer(8, 2, 1, 2, 16, dropout=0.3),
                   lambda m, t: m(t["src"], t["tgt"], **_masks(t)), _full, ("src", "tgt"),
                   train=False)


@pytest.mark.parametrize("p", [0.0, 0.5])
def test_train_equals_eval_exactly_when_dropout_is_zero(p):
    graphc.manual_seed(0)
    model = nn.Transformer(8, 2, 1, 1, 16, dropout=p).double()
    t = _inputs(graphc, _full, ())
    train_out = _np(model(t["src"], t["tgt"], **_masks(t)))
    model.eval()
    eval_out = _np(model(t["src"], t["tgt"], **_masks(t)))
    assert np.array_equal(train_out, eval_out) == (p == 0.0)


@needs_torch
def test_eval_matches_torch_fast_path_except_padded_positions():
    """In eval under no_grad PyTorch takes its fused fast path (batch_first, even heads);
    numbers agree. With a padding mask its TransformerEncoder runs on nested tensors and gives 0
    (then the final norm) at padded positions; graphc computes those positions as in training,
    so only the unpadded positions are compared there."""
    kpm = padding(2, 5, [5, 3])
    src = R(2, 5, 8)
    for make, nested in [(lambda m: m.MultiheadAttention(8, 2, batch_first=True), False),
                         (_layer("enc", batch_first=True), False),
                         (lambda m: m.TransformerEncoder(_layer("enc", batch_first=True)(m), 2,
                                                         m.LayerNorm(8)), True)]:
        gm, tm = pair(make)
        gm.eval()
        tm.eval()
        g_in, t_in = _inputs(graphc, {"x": src}, ()), _inputs(torch, {"x": src}, ())
        with torch.no_grad():
            if isinstance(gm, nn.MultiheadAttention):
                g = gm(g_in["x"], g_in["x"], g_in["x"], key_padding_mask=graphc.tensor(kpm))[0]
                t = tm(t_in["x"], t_in["x"], t_in["x"], key_padding_mask=torch.tensor(kpm))[0]
            else:
                g = gm(g_in["x"], src_key_padding_mask=graphc.tensor(kpm))
                t = tm(t_in["x"], src_key_padding_mask=torch.tensor(kpm))
        keep = ~kpm if nested else np.ones_like(kpm)
        np.testing.assert_allclose(_np(g)[keep], _np(t)[keep], atol=ATOL, rtol=RTOL)


# -- parameters, state dicts, init -------------------------------------------------------------
CONFIGS = [
    lambda m: m.MultiheadAttention(8, 2),
    lambda m: m.MultiheadAttention(8, 2, bias=False, add_bias_kv=True, kdim=3, vdim=5),
    lambda m: m.TransformerEncoderLayer(8, 2, 16, bias=False),
    lambda m: m.TransformerDecoderLayer(8, 2, 16, norm_first=True),
    lambda m: m.Transformer(8, 2, 2, 1, 16),
]


@needs_torch
@pytest.mark.parametrize("make", CONFIGS, ids=["mha", "mha_separate_bias_kv", "encoder_layer",
                                              "decoder_layer", "transformer"])
def test_parameter_names_shapes_and_state_dicts_both_ways(make):
    gm, tm = pair(make)  # torch -> graphc, strict
    assert [(n, tuple(p.shape)) for n, p in gm.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in tm.named_parameters()]
    assert list(gm.state_dict()) == list(tm.state_dict())
    fresh = make(torch.nn).double()
    fresh.load_state_dict({k: torch.tensor(v.numpy()) for k, v in gm.state_dict().items()})
    for (n, a), b in zip(fresh.state_dict().items(), tm.state_dict().values()):
        assert torch.equal(a, b), n
    assert type(gm.out_proj if hasattr(gm, "out_proj") else gm).__name__ == \
        type(tm.out_proj if hasattr(tm, "out_proj") else tm).__name__


def test_initialization_follows_pytorch():
    graphc.manual_seed(0)
    m = nn.MultiheadAttention(16, 4, add_bias_kv=True)
    assert m.in_proj_weight.shape == (48, 16) and m.q_proj_weight is None
    assert np.abs(m.in_proj_weight.detach().numpy()).max() <= math.sqrt(6 / (16 + 48))
    assert np.all(m.in_proj_bias.detach().numpy() == 0)
    assert np.all(m.out_proj.bias.detach().numpy() == 0)
    assert m.bias_k.shape == (1, 1, 16) and np.any(m.bias_k.detach().numpy() != 0)
    sep = nn.MultiheadAttention(16, 4, kdim=5, vdim=7, bias=False)
    assert sep.in_proj_weight is None and sep.in_proj_bias is None and sep.bias_k is None
    assert (sep.k_proj_weight.shape, sep.v_proj_weight.shape) == ((16, 5), (16, 7))
    assert [n for n, _ in sep.named_parameters()] == ["q_proj_weight", "k_proj_weight",
                                                      "v_proj_weight", "out_proj.weight"]
    t = nn.Transformer(8, 2, 1, 1, 16)
    for name, p in t.named_parameters():
        a = p.detach().numpy()
        if p.dim() > 1:
            assert np.abs(a).max() <= math.sqrt(6 / sum(p.shape)), name
        elif "norm" in name:
            assert np.all(a == (1 if name.endswith("weight") else 0)), name
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 3)
    w = [layer.linear1.weight.detach().numpy() for layer in enc.layers]
    assert all(np.array_equal(w[0], x) for x in w[1:])  # deep copies, as in PyTorch
    assert enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight


@needs_torch
def test_generate_square_subsequent_mask():
    g = nn.Transformer.generate_square_subsequent_mask(4)
    t = torch.nn.Transformer.generate_square_subsequent_mask(4)
    assert g.dtype == graphc.float32
    np.testing.assert_array_equal(g.numpy(), t.numpy())
    assert nn.Transformer.generate_square_subsequent_mask(3, dtype=graphc.float64).dtype == \
        graphc.float64


# -- training and compile ------------------------------------------------------------------------
@needs_torch
def test_adam_steps_on_a_toy_task_match_torch():
    """A sequence-sum regression with a 2-layer encoder: five Adam steps, same losses."""
    def make(m):
        return m.Sequential(m.TransformerEncoder(
            m.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True), 2),
            m.Flatten(), m.Linear(40, 1))
    gm, tm = pair(make)
    x = R(6, 5, 8)
    y = x.sum(axis=(1, 2))[:, None] / 10
    gopt = graphc.optim.Adam(gm.parameters(), lr=1e-2)
    topt = torch.optim.Adam(tm.parameters(), lr=1e-2)
    g_losses, t_losses = [], []
    for _ in range(5):
        for model, opt, lib, losses in ((gm, gopt, graphc, g_losses), (tm, topt, torch,
                                                                        t_losses)):
            opt.zero_grad()
            loss = ((model(lib.tensor(x)) - lib.tensor(y)) ** 2).mean()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    np.testing.assert_allclose(g_losses, t_losses, atol=ATOL, rtol=RTOL)
    assert g_losses[-1] < g_losses[0]
    for (n, p), q in zip(gm.named_parameters(), tm.parameters()):
        np.testing.assert_allclose(_np(p), _np(q), atol=1e-9, err_msg=n)


def _compiled_equals_eager(model, call, arrays, grad):
    cm = graphc.compile(model)
    outs = []
    for fwd in (cm, model):
        model.zero_grad()
        t = _inputs(graphc, arrays, grad)
        out = call(fwd, t)
        first = out[0] if isinstance(out, tuple) else out
        (first * graphc.tensor(R(*first.shape, seed=11))).sum().backward()
        outs.append((out, {n: t[n].grad for n in grad},
                     {n: p.grad.clone() for n, p in model.named_parameters()}))
    (c_out, c_in, c_par), (e_out, e_in, e_par) = outs
    c_out = c_out if isinstance(c_out, tuple) else (c_out,)
    e_out = e_out if isinstance(e_out, tuple) else (e_out,)
    for a, b in zip(c_out, e_out):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(_np(a), _np(b), atol=1e-12)
    for n in grad:
        np.testing.assert_allclose(c_in[n].numpy(), e_in[n].numpy(), atol=1e-12, err_msg=n)
    assert set(c_par) == set(e_par)
    for n in c_par:
        np.testing.assert_allclose(c_par[n].numpy(), e_par[n].numpy(), atol=1e-12, err_msg=n)
    return cm


def test_compiled_transformer_equals_eager():
    graphc.manual_seed(0)
    model = nn.Transformer(8, 2, 1, 1, 16, dropout=0.0, batch_first=True).double()
    arrays = {**_full, "src": R(2, 6, 8), "tgt": R(2, 4, 8, seed=1)}
    cm = _compiled_equals_eager(model, lambda m, t: m(t["src"], t["tgt"], **_masks(t)),
                                arrays, ("src", "tgt"))
    assert cm.cache_info().misses == 1


def test_compiled_multihead_attention_equals_eager():
    graphc.manual_seed(0)
    for need in (True, False):
        model = nn.MultiheadAttention(8, 2, add_bias_kv=True, add_zero_attn=True,
                                      kdim=3, vdim=5).double()
        arrays = {"x": R(4, 2, 8), "k": R(5, 2, 3, seed=1), "v": R(5, 2, 5, seed=2),
                  "key_padding_mask": _kpm, "attn_mask": R(4, 5, seed=3)}
        _compiled_equals_eager(model, lambda m, t, need=need: _cross(m, t, need_weights=need),
                               arrays, ("x", "k", "v"))


def test_compiled_transformer_eval_equals_eager_with_dropout_module():
    graphc.manual_seed(0)
    model = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5), 2).double()
    model.eval()
    t = _inputs(graphc, {"src": R(5, 2, 8), "m": causal(5)}, ())
    np.testing.assert_allclose(_np(graphc.compile(model)(t["src"], t["m"])),
                               _np(model(t["src"], t["m"])), atol=1e-12)


def test_mismatched_mask_types_warn_as_in_pytorch():
    x = graphc.zeros(3, 2, 4)
    m = nn.MultiheadAttention(4, 2)
    with pytest.warns(UserWarning, match="Support for mismatched key_padding_mask and "
                                         "attn_mask is deprecated"):
        m(x, x, x, key_padding_mask=graphc.zeros(2, 3, dtype=graphc.bool),
          attn_mask=graphc.zeros(3, 3))


# -- errors ----------------------------------------------------------------------------------------
def _mha(lib, *a, **kw):
    return lib.nn.MultiheadAttention(*a, **kw)


def _z(lib, *shape, dtype=None):
    return lib.zeros(*shape, dtype=dtype)


def _sdpa(lib, *a, **kw):
    return lib.nn.functional.scaled_dot_product_attention(*a, **kw)


ERRORS = [
    ("embed_dim_heads", lambda L: _mha(L, 10, 3), errors.GraphcAssertionError,
     r"MultiheadAttention: embed_dim must be divisible by num_heads \(got embed_dim=10, "
     r"num_heads=3\)"),
    ("embed_dim_zero", lambda L: _mha(L, 0, 1), errors.GraphcValueError, "greater than 0"),
    ("query_4d", lambda L: _mha(L, 4, 2)(_z(L, 1, 2, 3, 4), _z(L, 1, 2, 3, 4), _z(L, 1, 2, 3, 4)),
     errors.ShapeError, r"received 4-D query tensor of shape \[1, 2, 3, 4\]"),
    ("key_rank", lambda L: _mha(L, 4, 2)(_z(L, 3, 2, 4), _z(L, 3, 4), _z(L, 3, 4)),
     errors.ShapeError, "expected `key` and `value` to be 3-D"),
    ("embed_mismatch", lambda L: _mha(L, 4, 2)(_z(L, 3, 2, 6), _z(L, 3, 2, 6), _z(L, 3, 2, 6)),
     errors.ShapeError, r"expecting embedding dimension of 4, but got 6"),
    ("kpm_shape", lambda L: _mha(L, 4, 2)(_z(L, 3, 2, 4), _z(L, 5, 2, 4), _z(L, 5, 2, 4),
                                          key_padding_mask=_z(L, 2, 3, dtype=L.bool)),
     errors.ShapeError, r"key_padding_mask of shape \[2, 5\].*got \[2, 3\]"),
    ("kpm_rank", lambda L: _mha(L, 4, 2)(_z(L, 3, 2, 4), _z(L, 3, 2, 4), _z(L, 3, 2, 4),
                                         key_padding_mask=_z(L, 3, dtype=L.bool)),
     errors.ShapeError, "expected `key_padding_mask` to be `None` or 2-D"),
    ("attn_mask_2d_shape", lambda L: _mha(L, 4, 2)(_z(L, 3, 2, 4), _z(L, 5, 2, 4),
                                                   _z(L, 5, 2, 4), attn_mask=_z(L, 3, 3)),
     errors.ShapeError, r"The shape of the 2D attn_mask is \[3, 3\], but should be \[3, 5\]"),
    ("attn_mask_3d_shape", lambda L: _mha(L, 4, 2)(_z(L, 3, 2, 4), _z(L, 3, 2, 4),
                                                   _z(L, 3, 2, 4), attn_mask=_z(L, 2, 3, 3)),
     errors.ShapeError, r"3D attn_mask is \[2, 3, 3\], but should be \[4, 3, 3\]"),
    ("attn_mask_unbatched", lambda L: _mha(L, 4, 2)(_z(L, 3, 4), _z(L, 3, 4), _z(L, 3, 4),
                                                    attn_mask=_z(L, 4, 3, 3)),
     errors.ShapeError, r"Expected `attn_mask` shape to be \[2, 3, 3\]"),
    ("attn_mask_dtype", lambda L: _mha(L, 4, 2)(_z(L, 3, 2, 4), _z(L, 3, 2, 4), _z(L, 3, 2, 4),
                                                attn_mask=_z(L, 3, 3, dtype=L.int64)),
     errors.DTypeError, "only bool and floating types of attn_mask are supported"),
    ("kpm_dtype", lambda L: _mha(L, 4, 2)(_z(L, 3, 2, 4), _z(L, 3, 2, 4), _z(L, 3, 2, 4),
                                          key_padding_mask=_z(L, 2, 3, dtype=L.int32)),
     errors.DTypeError, "only bool and floating types of key_padding_mask"),
    ("causal_without_mask", lambda L: _mha(L, 4, 2)(_z(L, 3, 2, 4), _z(L, 3, 2, 4),
                                                    _z(L, 3, 2, 4), is_causal=True),
     RuntimeError, "Need attn_mask if specifying the is_causal hint"),
    ("sdpa_1d", lambda L: _sdpa(L, _z(L, 4), _z(L, 4), _z(L, 4)), errors.ShapeError,
     "at least 2 dimensional"),
    ("sdpa_dtypes", lambda L: _sdpa(L, _z(L, 3, 4), _z(L, 5, 4, dtype=L.float64), _z(L, 5, 4)),
     errors.DTypeError, "same dtype"),
    ("sdpa_embed", lambda L: _sdpa(L, _z(L, 3, 4), _z(L, 5, 3), _z(L, 5, 2)), errors.ShapeError,
     r"query \[3, 4\], key \[5, 3\] and value \[5, 2\]"),
    ("sdpa_kv_len", lambda L: _sdpa(L, _z(L, 3, 4), _z(L, 5, 4), _z(L, 4, 2)), errors.ShapeError,
     "sequence length"),
    ("sdpa_batch", lambda L: _sdpa(L, _z(L, 2, 3, 4), _z(L, 3, 5, 4), _z(L, 3, 5, 2)),
     errors.ShapeError, "batch dims"),
    ("sdpa_mask_dtype", lambda L: _sdpa(L, _z(L, 3, 4), _z(L, 5, 4), _z(L, 5, 2),
                                        attn_mask=_z(L, 3, 5, dtype=L.int64)),
     errors.DTypeError, "Expected attn_mask dtype to be bool or float"),
    ("sdpa_mask_shape", lambda L: _sdpa(L, _z(L, 2, 3, 4), _z(L, 2, 5, 4), _z(L, 2, 5, 2),
                                        attn_mask=_z(L, 3, 4, dtype=L.bool)),
     errors.ShapeError, r"attn_mask of shape \[3, 4\] does not broadcast to .*\[2, 3, 5\]"),
    ("sdpa_mask_rank", lambda L: _sdpa(L, _z(L, 2, 3, 4), _z(L, 2, 5, 4), _z(L, 2, 5, 2),
                                       attn_mask=_z(L, 4, 2, 3, 5)),
     errors.ShapeError, "does not broadcast"),
    ("sdpa_causal_and_mask", lambda L: _sdpa(L, _z(L, 3, 4), _z(L, 5, 4), _z(L, 5, 2),
                                             attn_mask=_z(L, 3, 5), is_causal=True),
     RuntimeError, "Explicit attn_mask should not be set when is_causal=True"),
    ("sdpa_gqa", lambda L: _sdpa(L, _z(L, 1, 6, 3, 4), _z(L, 1, 4, 5, 4), _z(L, 1, 4, 5, 2),
                                 enable_gqa=True),
     errors.ShapeError, "Number of heads in key and value must divide"),
    ("sdpa_dropout", lambda L: _sdpa(L, _z(L, 3, 4), _z(L, 5, 4), _z(L, 5, 2), dropout_p=1.5),
     errors.GraphcValueError, "between 0 and 1"),
    ("activation", lambda L: L.nn.TransformerEncoderLayer(4, 2, activation="tanh"),
     RuntimeError, "activation should be relu/gelu, not tanh"),
    ("transformer_batch", lambda L: L.nn.Transformer(4, 2, 1, 1, 8)(_z(L, 3, 2, 4),
                                                                    _z(L, 3, 5, 4)),
     errors.ShapeError, "the batch number of src and tgt must be equal"),
    ("transformer_features", lambda L: L.nn.Transformer(4, 2, 1, 1, 8)(_z(L, 3, 2, 4),
                                                                       _z(L, 3, 2, 5)),
     errors.ShapeError, "the feature number of src and tgt must be equal to d_model=4"),
]


@pytest.mark.parametrize("fn,exc,match", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors_name_the_layer_and_shapes(fn, exc, match):
    with pytest.raises(exc, match=match) as info:
        fn(graphc)
    assert isinstance(info.value, errors.GraphcError)


@needs_torch
@pytest.mark.parametrize("fn", [e[1] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_torch_rejects_the_same_inputs(fn):
    with pytest.raises(Exception):  # PyTorch's classes vary (AssertionError, RuntimeError …)
        fn(torch)
