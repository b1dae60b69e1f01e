"""The nn op family: embedding, dropout, one_hot and padding here; the rest in sibling modules.

The family is split by topic so each module stays readable: ``conv`` (conv2d and its two
gradients), ``pool`` (max/avg/adaptive pooling), ``activation`` (gelu, leaky_relu, elu …),
``norm`` (batch_norm, layer_norm) and ``loss`` (nll, mse, bce …). Importing this module registers
all of them. ``__all__`` lists only what PyTorch also exposes at top level (``torch.conv2d``);
``graphc.nn.functional`` exposes everything under PyTorch's ``F.*`` names.
"""
from __future__ import annotations

import numpy as np

from graphc import dtypes as _dt
from graphc.errors import DTypeError, GraphcIndexError, GraphcValueError, ShapeError
from graphc.ops import activation as _activation, conv as _conv, loss as _loss  # noqa: F401
from graphc.ops import norm as _norm, pool as _pool  # noqa: F401
from graphc.ops.activation import celu, selu, threshold
from graphc.errors import GraphcRuntimeError
from graphc.ops.conv import checked, conv2d, conv_transpose2d, fill_out
from graphc.ops.dispatch import apply
from graphc.ops.dtype_checks import no_kernel_for
from graphc.ops.norm import layer_norm
from graphc.ops.pool import max_pool2d
from graphc.ops.registry import NONDIFF, OpDef, register
from graphc.tensor import Tensor


# -- embedding -------------------------------------------------------------------------------
def _check_indices(xp, idx, num: int) -> None:
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= num):
        bad = int(idx.min()) if int(idx.min()) < 0 else int(idx.max())
        raise GraphcIndexError(f"embedding: index {bad} is out of range for a weight with "
                               f"{num} rows (index out of range in self)")


def _emb_impl(xp, w, idx, padding_idx, out=None):
    _check_indices(xp, idx, w.shape[0])
    return fill_out(out, xp.take(w, idx, axis=0))


def _emb_backward_impl(xp, g, idx, num_weights, padding_idx, out=None):
    from graphc.ops.index import add_at
    d = g.shape[-1]
    dw = xp.zeros((num_weights, d), g.dtype)
    add_at(xp, dw, idx.reshape(-1), g.reshape(-1, d))
    if padding_idx is not None:
        dw[padding_idx] = 0
    return fill_out(out, dw)


def _check_weight(w) -> None:
    if w.ndim != 2:
        raise ShapeError(f"embedding: 'weight' must be 2-D, got weight of shape {list(w.shape)}")


def _emb_infer(w, idx, padding_idx):
    _check_weight(w)
    if idx.dtype not in (_dt.int64, _dt.int32):
        raise DTypeError(f"embedding: Expected tensor for argument #1 'indices' to have one of "
                         f"the following scalar types: Long, Int; but got {idx.dtype} instead")
    return tuple(idx.shape) + (w.shape[1],), w.dtype


def _emb_backward_infer(g, idx, num_weights, padding_idx):
    if g.ndim != idx.ndim + 1 or tuple(g.shape[:-1]) != tuple(idx.shape):
        raise ShapeError(f"embedding_backward: gradient of shape {list(g.shape)} does not match "
                         f"indices of shape {list(idx.shape)}")
    return (num_weights, g.shape[-1]), g.dtype


def _emb_backward_vjp(u, g, idx, out, num_weights, padding_idx):
    picked = apply(EMBEDDING, u, idx, padding_idx=padding_idx)
    if padding_idx is not None:
        picked = picked * (idx != padding_idx).unsqueeze(-1)
    return picked, None


EMBEDDING = register(OpDef(
    name="embedding", infer=_emb_infer, impl=_emb_impl, saves=(1,),
    vjp=lambda g, w, idx, out, padding_idx: (
        apply(EMBEDDING_BACKWARD, g, idx, num_weights=w.shape[0], padding_idx=padding_idx),
        None),
    doc="Rows of weight picked by integer indices; the padding_idx row gets no gradient."))
EMBEDDING_BACKWARD = register(OpDef(
    name="embedding_backward", infer=_emb_backward_infer, impl=_emb_backward_impl, saves=(1,),
    vjp=_emb_backward_vjp, doc="Scatter-add of the output gradient into the picked rows."))


def embedding_padding_idx(padding_idx, weight: Tensor):
    """``padding_idx`` as a row of ``weight`` (None for none), checking both as PyTorch does."""
    _check_weight(weight)
    if padding_idx is None:
        return None
    num = weight.shape[0]
    padding_idx = int(padding_idx)
    if not -num <= padding_idx < num:
        raise GraphcValueError(f"embedding: Padding_idx must be within num_embeddings "
                               f"(got {padding_idx} for {num} embeddings)")
    return padding_idx + num if padding_idx < 0 else padding_idx


# -- dropout ---------------------------------------------------------------------------------
def _mask_impl(xp, x, p, shape, out=None):
    from graphc.ops.creation import default_generator
    keep = default_generator._rng.random(shape) >= p
    mask = keep.astype(x.dtype) * np.asarray(1.0 / (1.0 - p), x.dtype)
    return fill_out(out, xp.asarray(mask))


def _mask_infer(x, p, shape):
    if not x.dtype.is_floating_point:
        raise DTypeError(f"dropout: expected a floating point input, got {x.dtype}")
    return tuple(shape), x.dtype


DROPOUT_MASK = register(OpDef(
    name="dropout_mask", infer=_mask_infer, impl=_mask_impl, vjp=NONDIFF, random=True,
    doc="Random keep-mask scaled by 1/(1-p), drawn from graphc's seeded generator. Not pure: "
        "every run draws anew."))


def dropout_mask(input: Tensor, p: float, shape: tuple) -> Tensor:
    return checked(DROPOUT_MASK, input, p=float(p), shape=tuple(shape))


# -- one_hot ---------------------------------------------------------------------------------
def _one_hot_impl(xp, t, num_classes, out=None):
    if t.size:
        if int(t.min()) < 0:
            raise GraphcRuntimeError("one_hot: Class values must be non-negative.")
        if int(t.max()) >= num_classes:
            raise GraphcRuntimeError("one_hot: Class values must be smaller than num_classes.")
    r = (xp.expand_dims(t, -1) == xp.arange(num_classes)).astype(np.int64)
    return fill_out(out, r)


def _one_hot_infer(t, num_classes):
    if t.dtype is not _dt.int64:
        raise DTypeError(f"one_hot is only applicable to index tensor of type LongTensor "
                         f"(got {t.dtype})")
    return tuple(t.shape) + (num_classes,), _dt.int64


ONE_HOT = register(OpDef(name="one_hot", infer=_one_hot_infer, impl=_one_hot_impl, vjp=NONDIFF,
                         doc="int64 one-hot encoding along a new last dim."))


# -- padding ---------------------------------------------------------------------------------
def _padded_shape(op: str, shape: tuple, pad: tuple) -> tuple:
    if len(pad) % 2:
        raise GraphcValueError(f"{op}: Padding length must be divisible by 2")
    if len(pad) // 2 > len(shape):
        raise GraphcValueError(f"{op}: Padding length should be less than or equal to two times "
                               f"the input dimension but got padding length {len(pad)} and "
                               f"input of dimension {len(shape)}")
    out = list(shape)
    for k in range(len(pad) // 2):
        d = len(shape) - 1 - k
        out[d] = shape[d] + pad[2 * k] + pad[2 * k + 1]
        if out[d] < 0:
            raise ShapeError(f"{op}: The input size {shape[d]}, plus negative padding "
                             f"{pad[2 * k]} and {pad[2 * k + 1]} resulted in a negative output "
                             f"size, which is invalid. Check dimension {d} of your input "
                             f"{list(shape)}.")
    return tuple(out)


def _cpad_impl(xp, x, pad, value, out=None):
    shape = _padded_shape("constant_pad_nd", x.shape, pad)
    src, dst = [slice(None)] * x.ndim, [slice(None)] * x.ndim
    for k in range(len(pad) // 2):
        d = x.ndim - 1 - k
        lo, hi = pad[2 * k], pad[2 * k + 1]
        a, b = max(0, -lo), x.shape[d] - max(0, -hi)
        src[d] = slice(a, max(a, b))
        dst[d] = slice(max(0, lo), max(0, lo) + max(0, b - a))
    r = xp.full(shape, value, x.dtype)
    r[tuple(dst)] = x[tuple(src)]
    return fill_out(out, r)


CONSTANT_PAD_ND = register(OpDef(
    name="constant_pad_nd",
    infer=lambda x, pad, value: (_padded_shape("constant_pad_nd", tuple(x.shape), pad), x.dtype),
    impl=_cpad_impl,
    vjp=lambda g, x, out, pad, value: (apply(CONSTANT_PAD_ND, g, pad=tuple(-p for p in pad),
                                             value=0),),
    doc="Pad the last len(pad)//2 dims with a constant (negative amounts crop)."))


def _pad_index(size: int, lo: int, hi: int, mode: str) -> np.ndarray:
    """For each output position along one dim, the input position it copies."""
    pos = np.arange(-lo, size + hi)
    if mode == "reflect":
        period = 2 * (size - 1) if size > 1 else 1
        pos = np.abs(pos) % period
        return np.where(pos >= size, period - pos, pos)
    if mode == "replicate":
        return np.clip(pos, 0, size - 1)
    return pos % size  # circular


def _gather_pad_impl(mode):
    def impl(xp, x, pad, out=None):
        for k in range(len(pad) // 2):
            d = x.ndim - 1 - k
            idx = _pad_index(x.shape[d], pad[2 * k], pad[2 * k + 1], mode)
            x = xp.take(x, xp.asarray(idx), axis=d)
        return fill_out(out, xp.ascontiguousarray(x))
    return impl


def _pad_backward_impl(xp, g, input_shape, pad, mode, out=None):
    for k in range(len(pad) // 2):
        d = g.ndim - 1 - k
        idx = _pad_index(input_shape[d], pad[2 * k], pad[2 * k + 1], mode)
        onehot = xp.asarray((idx[:, None] == np.arange(input_shape[d])).astype(g.dtype))
        g = xp.moveaxis(xp.tensordot(g, onehot, axes=([d], [0])), -1, d)
    return fill_out(out, xp.ascontiguousarray(g))


_PAD_OPS: dict = {}


def _gather_pad_infer(mode):
    def infer(x, pad):
        shape = tuple(x.shape)
        for k in range(len(pad) // 2):
            d = len(shape) - 1 - k
            lo, hi = pad[2 * k], pad[2 * k + 1]
            if mode == "reflect" and (lo >= shape[d] or hi >= shape[d]):
                raise GraphcValueError(
                    f"pad: Argument #4: Padding size should be less than the corresponding "
                    f"input dimension, but got: padding ({lo}, {hi}) at dimension {d} of input "
                    f"{list(shape)}")
            if mode == "circular" and (lo > shape[d] or hi > shape[d]):
                raise GraphcValueError(f"pad: Padding value causes wrapping around more than "
                                       f"once (padding ({lo}, {hi}) at dimension {d} of input "
                                       f"{list(shape)})")
            if shape[d] == 0:
                raise ShapeError(f"pad: cannot pad an empty dimension {d} of input "
                                 f"{list(shape)} in {mode} mode")
        return _padded_shape("pad", shape, pad), x.dtype
    return infer


PAD_BACKWARD = register(OpDef(
    name="pad_backward",
    infer=lambda g, input_shape, pad, mode: (tuple(input_shape), g.dtype),
    impl=_pad_backward_impl,
    vjp=lambda u, g, out, input_shape, pad, mode: (apply(_PAD_OPS[mode, len(pad) // 2], u,
                                                         pad=pad),),
    grad_name="PadBackwardBackward0",
    doc="Adjoint of reflect/replicate/circular padding: sums each output back to its source."))

for _mode, _stem in (("reflect", "reflection"), ("replicate", "replication"),
                     ("circular", "circular")):
    for _n in (1, 2, 3):
        _PAD_OPS[_mode, _n] = register(OpDef(
            name=f"{_stem}_pad{_n}d", infer=_gather_pad_infer(_mode),
            impl=_gather_pad_impl(_mode), grad_name=f"{_stem.capitalize()}Pad{_n}DBackward0",
            vjp=lambda g, x, out, pad, _m=_mode: (
                apply(PAD_BACKWARD, g, input_shape=tuple(x.shape), pad=pad, mode=_m),),
            doc=f"{_mode} padding of the last {_n} dim(s)."))


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """PyTorch's ``F.pad``: ``pad`` lists (left, right) amounts from the last dim backwards."""
    pad = tuple(int(p) for p in pad)
    if mode == "constant":
        return checked(CONSTANT_PAD_ND, input, pad=pad, value=0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise GraphcValueError(f"pad: Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise GraphcValueError(f"pad: Padding mode \"{mode}\" doesn't take in value argument")
    n = len(pad) // 2
    if len(pad) % 2 or n not in (1, 2, 3) or input.ndim not in (n + 1, n + 2):
        raise GraphcValueError(
            f"pad: Padding size {len(pad)} is not supported for {input.ndim}D input tensor. "
            f"Supported combinations for non-constant padding: 2D or 3D input with padding size "
            f"2, 3D or 4D input with size 4, 4D or 5D input with size 6")
    if mode != "circular":  # PyTorch's reflection/replication kernels have no bool version
        no_kernel_for(f"pad (mode '{mode}')", input)
    return checked(_PAD_OPS[mode, n], input, pad=pad)


def constant_pad_nd(input: Tensor, pad, value: float = 0) -> Tensor:
    return checked(CONSTANT_PAD_ND, input, pad=tuple(int(p) for p in pad), value=value)


# -- torch.* spellings (argument orders differ from F.*) -------------------------------------
def embedding(weight: Tensor, indices: Tensor, padding_idx: int = -1,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """``torch.embedding(weight, indices)``; padding_idx=-1 means none, as in PyTorch's ATen op."""
    if scale_grad_by_freq or sparse:
        raise GraphcValueError("embedding: scale_grad_by_freq=True and sparse=True are not "
                               "supported by graphc (gradients are dense and unscaled)")
    pidx = None if padding_idx is None or padding_idx < 0 else int(padding_idx)
    return checked(EMBEDDING, weight, indices, padding_idx=pidx)


def dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """``torch.dropout(input, p, train)``."""
    from graphc.nn.functional import dropout as _f_dropout
    return _f_dropout(input, p, train)


def batch_norm(input: Tensor, weight, bias, running_mean, running_var, training: bool,
               momentum: float, eps: float, cudnn_enabled: bool = True) -> Tensor:
    """``torch.batch_norm`` (weight and bias come before the running statistics here)."""
    from graphc.ops.norm import batch_norm as _bn
    return _bn(input, running_mean, running_var, weight, bias, training, momentum, eps)


__all__ = ["conv2d", "conv_transpose2d", "max_pool2d", "layer_norm", "batch_norm", "embedding",
           "dropout", "constant_pad_nd", "selu", "celu", "threshold"]
