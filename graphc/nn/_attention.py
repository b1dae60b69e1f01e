"""Attention functionals: ``scaled_dot_product_attention`` and ``multi_head_attention_forward``.

Composed only of graphc ops (matmul, softmax, masked_fill, dropout, linear), so autograd, double
backward and ``graphc.compile`` need no rules of their own. The numbers follow PyTorch's math
path step by step, including its two behaviours for a query that every key is masked from:
``scaled_dot_product_attention`` gives 0 there (PyTorch's ``_safe_softmax``), while
``multi_head_attention_forward`` with ``need_weights=True`` uses a plain softmax and gives NaN.
Re-exported by ``graphc.nn.functional``.
"""
from __future__ import annotations

import math
import warnings

from graphc import dtypes as _dt
from graphc import ops as _ops
from graphc.errors import DTypeError, GraphcRuntimeError, ShapeError
from graphc.nn.functional import dropout, linear, pad
from graphc.ops.shapes import _broadcast2
from graphc.tensor import Tensor

_SDPA = "scaled_dot_product_attention"
_MHA = "multi_head_attention_forward"


def _shape(t: Tensor) -> list:
    return list(t.shape)


# -- masks -------------------------------------------------------------------------------------
def _none_or_dtype(input: Tensor | None):
    return None if input is None else input.dtype


def _canonical_mask(mask: Tensor | None, mask_name: str, other_type, other_name: str,
                    target_type, check_other: bool = True) -> Tensor | None:
    """A bool mask (True = masked out) as an additive float mask of ``target_type`` (-inf where
    True); float masks pass unchanged. PyTorch's helper of the same name, used by every layer."""
    if mask is None:
        return None
    if not (mask.dtype.is_bool or mask.dtype.is_floating_point):
        raise DTypeError(f"only bool and floating types of {mask_name} are supported (got "
                         f"{mask.dtype})")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. "
                      f"Use same type for both instead.", stacklevel=3)
    if mask.dtype.is_floating_point:
        return mask
    zeros = _ops.zeros(tuple(mask.shape), dtype=target_type, device=mask.device)
    return zeros.masked_fill(mask, float("-inf"))


def _safe_softmax(scores: Tensor) -> Tensor:
    """Softmax over the last dim, 0 on rows where every score is -inf (instead of NaN), with
    finite gradients: those rows are softmaxed as zeros and then replaced."""
    dead = (scores == float("-inf")).all(-1, keepdim=True)
    return _ops.softmax(scores.masked_fill(dead, 0.0), -1).masked_fill(dead, 0.0)


# -- scaled dot product attention --------------------------------------------------------------
def _check_qkv(query: Tensor, key: Tensor, value: Tensor) -> None:
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise ShapeError(f"{_SDPA}: Expected query, key, and value to all be at least 2 "
                         f"dimensional, but got query.dim: {query.ndim} key.dim: {key.ndim} "
                         f"and value.dim: {value.ndim} instead.")
    if not query.dtype == key.dtype == value.dtype:
        raise DTypeError(f"{_SDPA}: Expected query, key, and value to have the same dtype, but "
                         f"got query.dtype: {query.dtype} key.dtype: {key.dtype} and "
                         f"value.dtype: {value.dtype} instead.")
    if not query.dtype.is_floating_point:
        raise DTypeError(f"{_SDPA}: expected floating point query, key and value, but got "
                         f"{query.dtype}")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ShapeError(f"{_SDPA}: query {_shape(query)}, key {_shape(key)} and value "
                         f"{_shape(value)} must share the embedding size (query and key, last "
                         f"dim) and the sequence length (key and value, dim -2)")


def _repeat_heads(query: Tensor, kv: Tensor, name: str) -> Tensor:
    """``enable_gqa``: each key/value head (dim -3) serves a group of query heads."""
    if query.ndim < 3 or kv.ndim < 3 or kv.shape[-3] == query.shape[-3]:
        return kv
    if query.shape[-3] % kv.shape[-3]:
        raise ShapeError(f"{_SDPA}: Number of heads in key and value must divide the number of "
                         f"heads in query (query {_shape(query)}, {name} {_shape(kv)})")
    return kv.repeat_interleave(query.shape[-3] // kv.shape[-3], dim=-3)


def _check_mask(query, key, value, attn_mask, is_causal) -> None:
    batch = _broadcast2(tuple(query.shape[:-2]), tuple(key.shape[:-2]))
    batch = None if batch is None else _broadcast2(batch, tuple(value.shape[:-2]))
    if batch is None:
        raise ShapeError(f"{_SDPA}: the batch dims of query {_shape(query)}, key {_shape(key)} "
                         f"and value {_shape(value)} do not broadcast")
    if attn_mask is None:
        return
    if is_causal:
        raise GraphcRuntimeError(f"{_SDPA}: Explicit attn_mask should not be set when "
                                 f"is_causal=True")
    if not (attn_mask.dtype.is_bool or attn_mask.dtype.is_floating_point):
        raise DTypeError(f"{_SDPA}: Expected attn_mask dtype to be bool or float or to match "
                         f"query dtype, but got attn_mask.dtype: {attn_mask.dtype} and "
                         f"query.dtype: {query.dtype} instead.")
    scores = batch + (query.shape[-2], key.shape[-2])
    if _broadcast2(scores, tuple(attn_mask.shape)) != scores:
        raise ShapeError(f"{_SDPA}: attn_mask of shape {_shape(attn_mask)} does not broadcast "
                         f"to the attention scores' shape {list(scores)} (query "
                         f"{_shape(query)}, key {_shape(key)})")


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(q kᵀ · scale + mask) v over the last two dims; batch dims broadcast.

    A bool ``attn_mask`` marks the keys that take part (True) and a float one is added to the
    scores; ``is_causal`` lets query i see keys 0..i (top-left aligned, as PyTorch). Queries
    that see no key give 0. ``enable_gqa`` repeats key/value heads (dim -3) to the query's.
    Dropout on the weights applies whenever ``dropout_p > 0``; callers pass 0 in eval.
    """
    _check_qkv(query, key, value)
    if enable_gqa:
        key, value = _repeat_heads(query, key, "key"), _repeat_heads(query, value, "value")
    _check_mask(query, key, value, attn_mask, is_causal)
    lq, lk = query.shape[-2], key.shape[-2]
    s = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = _ops.matmul(query, key.transpose(-2, -1)) * s
    keep = None
    if is_causal:
        keep = _ops.ones((lq, lk), dtype=_dt.bool_, device=query.device).tril()
    elif attn_mask is not None and attn_mask.dtype.is_bool:
        keep = attn_mask
    elif attn_mask is not None:
        scores = scores + attn_mask
    if keep is not None:
        scores = scores.masked_fill(keep.logical_not(), float("-inf"))
    attn = _safe_softmax(scores) if attn_mask is not None or is_causal or lk == 0 else \
        _ops.softmax(scores, -1)
    if dropout_p > 0.0:
        attn = dropout(attn, dropout_p, True)
    return _ops.matmul(attn, value)


# -- multi-head attention ----------------------------------------------------------------------
def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads) -> bool:
    """Whether the input is batched (3-D) or not (2-D); raises on inconsistent ranks."""
    if query.ndim not in (2, 3):
        raise ShapeError(f"{_MHA}: query should be unbatched 2D or batched 3D tensor but "
                         f"received {query.ndim}-D query tensor of shape {_shape(query)}")
    batched = query.ndim == 3
    kind = "batched (3-D)" if batched else "unbatched (2-D)"
    if key.ndim != query.ndim or value.ndim != query.ndim:
        raise ShapeError(f"{_MHA}: For {kind} `query`, expected `key` and `value` to be "
                         f"{query.ndim}-D but found {key.ndim}-D and {value.ndim}-D tensors "
                         f"respectively")
    if key_padding_mask is not None and key_padding_mask.ndim != query.ndim - 1:
        raise ShapeError(f"{_MHA}: For {kind} `query`, expected `key_padding_mask` to be `None` "
                         f"or {query.ndim - 1}-D but found {key_padding_mask.ndim}-D tensor "
                         f"instead")
    if attn_mask is not None:
        if attn_mask.ndim not in (2, 3):
            raise ShapeError(f"{_MHA}: For {kind} `query`, expected `attn_mask` to be `None`, "
                             f"2-D or 3-D but found {attn_mask.ndim}-D tensor instead")
        want = (num_heads, query.shape[0], key.shape[0])
        if not batched and attn_mask.ndim == 3 and tuple(attn_mask.shape) != want:
            raise ShapeError(f"{_MHA}: Expected `attn_mask` shape to be {list(want)} but got "
                             f"{_shape(attn_mask)}")
    return batched


def _in_projection(query, key, value, in_proj_weight, in_proj_bias, separate):
    """q, k, v projections: from the packed (3E, E) weight (one matmul for self-attention and
    one for k and v when key is value, as PyTorch) or from separate q/k/v weights, the packed
    bias split in three."""
    e = query.shape[-1]
    if separate is None and in_proj_weight is None:
        raise GraphcRuntimeError(f"{_MHA}: use_separate_proj_weight is False but "
                                 f"in_proj_weight is None")
    if separate is None and query is key and key is value:
        return linear(query, in_proj_weight, in_proj_bias).chunk(3, -1)
    b = (None,) * 3 if in_proj_bias is None else in_proj_bias.chunk(3)
    if separate is None and key is value:
        kv_b = None if in_proj_bias is None else in_proj_bias[e:]
        k, v = linear(key, in_proj_weight[e:], kv_b).chunk(2, -1)
        return linear(query, in_proj_weight[:e], b[0]), k, v
    if separate is not None:
        for name, w, x in zip("qkv", separate, (query, key, value)):
            if tuple(w.shape) != (e, x.shape[-1]):
                raise ShapeError(f"{_MHA}: expecting {name}_proj_weight of shape "
                                 f"{[e, x.shape[-1]]}, but got {_shape(w)}")
    w = separate if separate is not None else in_proj_weight.chunk(3)
    return tuple(linear(x, ww, bb) for x, ww, bb in zip((query, key, value), w, b))


def _check_attn_mask(attn_mask: Tensor, want2: tuple, want3: tuple) -> Tensor:
    """A 2-D (L, S) or 3-D (N*num_heads, L, S) mask as 3-D."""
    want = want2 if attn_mask.ndim == 2 else want3
    if tuple(attn_mask.shape) != want:
        raise ShapeError(f"{_MHA}: The shape of the {attn_mask.ndim}D attn_mask is "
                         f"{_shape(attn_mask)}, but should be {list(want)}.")
    return attn_mask.unsqueeze(0) if attn_mask.ndim == 2 else attn_mask


def _static_kv(static: Tensor, name: str, bh: int, head_dim: int) -> Tensor:
    if static.ndim != 3 or static.shape[0] != bh or static.shape[2] != head_dim:
        raise ShapeError(f"{_MHA}: expecting {name} of shape [{bh}, S, {head_dim}], but got "
                         f"{_shape(static)}")
    return static


def multi_head_attention_forward(
        query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
        bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float, out_proj_weight: Tensor,
        out_proj_bias: Tensor | None, training: bool = True,
        key_padding_mask: Tensor | None = None, need_weights: bool = True,
        attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
        q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
        v_proj_weight: Tensor | None = None, static_k: Tensor | None = None,
        static_v: Tensor | None = None, average_attn_weights: bool = True,
        is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
    """PyTorch's multi-head attention on sequence-first (L, N, E) or unbatched (L, E) input.

    Returns the output and, with ``need_weights``, the attention weights (N, L, S) averaged over
    heads or (N, num_heads, L, S) per head; without, attention runs through
    ``scaled_dot_product_attention`` and the weights are None.
    """
    batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                       _none_or_dtype(attn_mask), "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise GraphcRuntimeError("Need attn_mask if specifying the is_causal hint. You may use "
                                 "the Transformer module method `generate_square_subsequent_mask`"
                                 " to create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # SDPA applies the causal mask itself
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype, False)
        is_causal = is_causal and key_padding_mask is None
    if embed_dim != embed_dim_to_check:
        raise ShapeError(f"{_MHA}: was expecting embedding dimension of {embed_dim_to_check}, "
                         f"but got {embed_dim} (query of shape {_shape(query)})")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise ShapeError(f"{_MHA}: embed_dim {embed_dim} not divisible by num_heads "
                         f"{num_heads}")
    same = key.shape[:2] == value.shape[:2] if use_separate_proj_weight else \
        key.shape == value.shape
    if not same or key.shape[1] != bsz:
        raise ShapeError(f"{_MHA}: key of shape {_shape(key)} does not match value of shape "
                         f"{_shape(value)} and query of shape {_shape(query)}")
    separate = (q_proj_weight, k_proj_weight, v_proj_weight) if use_separate_proj_weight \
        else None
    if separate is not None and any(w is None for w in separate):
        raise GraphcRuntimeError(f"{_MHA}: use_separate_proj_weight is True but one of "
                                 f"q_proj_weight, k_proj_weight, v_proj_weight is None")
    q, k, v = _in_projection(query, key, value, in_proj_weight, in_proj_bias, separate)
    src_len = key.shape[0]
    if attn_mask is not None:
        attn_mask = _check_attn_mask(attn_mask, (tgt_len, src_len),
                                     (bsz * num_heads, tgt_len, src_len))
    if (bias_k is None) != (bias_v is None):
        raise GraphcRuntimeError(f"{_MHA}: bias_k and bias_v must both be set or both be None")
    if bias_k is not None:
        if static_k is not None or static_v is not None:
            raise GraphcRuntimeError(f"{_MHA}: bias cannot be added to static key or value.")
        k = _ops.cat([k, bias_k.repeat(1, bsz, 1)])
        v = _ops.cat([v, bias_v.repeat(1, bsz, 1)])
        attn_mask, key_padding_mask = _pad_masks(attn_mask, key_padding_mask)
    # (L, N, E) -> (N * heads, L, head_dim)
    bh = bsz * num_heads
    q = q.reshape(tgt_len, bh, head_dim).transpose(0, 1)
    k = _static_kv(static_k, "static_k", bh, head_dim) if static_k is not None else \
        k.reshape(k.shape[0], bh, head_dim).transpose(0, 1)
    v = _static_kv(static_v, "static_v", bh, head_dim) if static_v is not None else \
        v.reshape(v.shape[0], bh, head_dim).transpose(0, 1)
    if add_zero_attn:
        k = _ops.cat([k, _ops.zeros((bh, 1, head_dim), dtype=k.dtype, device=k.device)], dim=1)
        v = _ops.cat([v, _ops.zeros((bh, 1, head_dim), dtype=v.dtype, device=v.device)], dim=1)
        attn_mask, key_padding_mask = _pad_masks(attn_mask, key_padding_mask)
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise ShapeError(f"{_MHA}: Expected key_padding_mask of shape {[bsz, src_len]} "
                             f"(batch, source length), but got {_shape(key_padding_mask)}")
        kpm = key_padding_mask.view(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1) \
            .reshape(bh, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    if not training:
        dropout_p = 0.0

    if need_weights:
        scores = _ops.matmul(q * math.sqrt(1.0 / head_dim), k.transpose(-2, -1))
        if attn_mask is not None:
            scores = scores + attn_mask
        weights = _ops.softmax(scores, -1)
        if dropout_p > 0.0:
            weights = dropout(weights, dropout_p)
        out = _ops.matmul(weights, v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        weights = weights.view(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
    else:
        if attn_mask is not None:
            attn_mask = attn_mask.unsqueeze(0) if attn_mask.shape[0] == 1 else \
                attn_mask.view(bsz, num_heads, -1, src_len)
        out = scaled_dot_product_attention(
            q.reshape(bsz, num_heads, tgt_len, head_dim),
            k.reshape(bsz, num_heads, src_len, head_dim),
            v.reshape(bsz, num_heads, src_len, head_dim), attn_mask, dropout_p, is_causal)
        out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
        weights = None
    out = linear(out, out_proj_weight, out_proj_bias).view(tgt_len, bsz, -1)
    if not batched:
        out = out.squeeze(1)
        weights = None if weights is None else weights.squeeze(0)
    return out, weights


def _pad_masks(attn_mask, key_padding_mask):
    """One more key (bias_k or the zero key) that every query may attend to."""
    return tuple(None if m is None else pad(m, (0, 1)) for m in (attn_mask, key_padding_mask))
