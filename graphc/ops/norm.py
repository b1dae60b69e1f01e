"""Normalization ops: batch_norm and layer_norm, one fused entry each.

One entry per op (instead of a chain of mean/var/sub/div) gives PyTorch's grad_fn names
(``NativeBatchNormBackward0``, ``NativeLayerNormBackward0``), one pass of arithmetic forward, and
the closed-form backward. The vjps recompute the statistics from the saved input with graphc ops,
so they run symbolically and give higher-order gradients.

batch_norm also returns the batch mean and (biased) variance it used, so ``F.batch_norm`` can
update the running statistics in place, under ``no_grad``, without a second pass over the input.
"""
from __future__ import annotations

import numpy as np

from graphc import dtypes as _dt
from graphc.autograd.grad_mode import no_grad
from graphc.errors import ArgumentError, DTypeError, GraphcValueError, ShapeError
from graphc.ops.conv import checked, fill_out
from graphc.ops.elementwise import rsqrt
from graphc.ops.registry import OpDef, register
from graphc.ops.shapes import numel
from graphc.tensor import Tensor


def _bn_axes(ndim: int) -> tuple:
    return (0,) + tuple(range(2, ndim))


def _bshape(ndim: int, c: int) -> tuple:
    return (1, c) + (1,) * (ndim - 2)


def _floating_input(op: str, dtype) -> None:
    if not dtype.is_floating_point:
        raise DTypeError(f"{op}: expected a floating point input, got {dtype}")


def _param_dtypes(op: str, x, **params) -> None:
    """PyTorch's CPU norms take weight, bias and running stats of the input's dtype or, for a
    float16 input, float32 (its mixed-precision path, the result staying float16). NumPy would
    instead promote the result to the parameters' dtype."""
    ok = (x.dtype, _dt.float32) if x.dtype is _dt.float16 else (x.dtype,)
    for name, t in params.items():
        if t is not None and t.dtype not in ok:
            raise DTypeError(f"{op}: expected {name} to have dtype "
                             f"{' or '.join(str(d) for d in ok)} like the input, but got "
                             f"{t.dtype} (input of size {list(x.shape)}, {name} of size "
                             f"{list(t.shape)})")


# -- batch norm ------------------------------------------------------------------------------
def _bn_impl(xp, x, w, b, rm, rv, training, eps, out=None):
    _floating_input("batch_norm", _dt.from_numpy(x.dtype))  # also when applied directly
    axes = _bn_axes(x.ndim)
    bs = _bshape(x.ndim, x.shape[1])
    if training:
        mean = x.mean(axis=axes)
        var = x.var(axis=axes)
    else:
        mean, var = rm.astype(x.dtype, copy=True), rv.astype(x.dtype, copy=True)
    scale = 1.0 / xp.sqrt(var + eps)
    if w is not None:
        scale = scale * w
    shift = -mean * scale
    if b is not None:
        shift = shift + b
    y = (x * scale.reshape(bs)).astype(x.dtype, copy=False)  # float16 x, float32 w: float16
    y += shift.reshape(bs)
    if out is not None:
        for o, r in zip(out, (y, mean, var)):
            o[...] = r
        return out
    return y, mean.astype(x.dtype, copy=False), var.astype(x.dtype, copy=False)


def _bn_infer(x, w, b, rm, rv, training, eps):
    if x.ndim < 2:
        raise ShapeError(f"batch_norm: expected 2D or more input (N, C, ...), got input of "
                         f"size {list(x.shape)}")
    _floating_input("batch_norm", x.dtype)
    _param_dtypes("batch_norm", x, weight=w, bias=b, running_mean=rm, running_var=rv)
    c = x.shape[1]
    for name, t in (("weight", w), ("bias", b), ("running_mean", rm), ("running_var", rv)):
        if t is not None and tuple(t.shape) != (c,):
            raise ShapeError(f"batch_norm: {name} should contain {c} elements not "
                             f"{numel(tuple(t.shape))} (input of size {list(x.shape)})")
    if not training and (rm is None or rv is None):
        raise GraphcValueError("batch_norm: running_mean and running_var must be defined in "
                               "evaluation mode")
    return (tuple(x.shape), x.dtype), ((c,), x.dtype), ((c,), x.dtype)


def _bn_vjp(grads, x, w, b, rm, rv, out, needs, training, eps):
    g, g_mean, g_var = grads
    axes = _bn_axes(x.ndim)
    bs = _bshape(x.ndim, x.shape[1])
    m = numel(tuple(x.shape)) // x.shape[1]
    if training:
        mean = x.mean(dim=axes, keepdim=True)
        xc = x - mean
        var = (xc * xc).mean(dim=axes, keepdim=True)
    else:
        mean, var = rm.reshape(bs), rv.reshape(bs)
        xc = x - mean
    invstd = rsqrt(var + eps)
    xhat = xc * invstd
    gx = gw = gb = None
    if g is not None:
        gsum = g.sum(dim=axes, keepdim=True)
        gxhat = (g * xhat).sum(dim=axes, keepdim=True)
        if needs[0]:
            scale = invstd if w is None else invstd * w.reshape(bs)
            gx = scale * (g - gsum / m - xhat * (gxhat / m)) if training else g * scale
        gw = gxhat.reshape(-1) if w is not None and needs[1] else None
        gb = gsum.reshape(-1) if b is not None and needs[2] else None
    if training and needs[0]:  # the returned batch statistics are differentiable too
        if g_mean is not None:
            gx = _add(gx, (g_mean.reshape(bs) / m).expand(tuple(x.shape)))
        if g_var is not None:
            gx = _add(gx, g_var.reshape(bs) * xc * (2.0 / m))
    return gx, gw, gb, None, None


def _add(a, b):
    return b if a is None else a + b


BATCH_NORM = register(OpDef(
    name="batch_norm", infer=_bn_infer, impl=_bn_impl, vjp=_bn_vjp, n_outputs=3,
    saves=(0, 1), saves_for={1: (0,)}, needs_mask=True, grad_name="NativeBatchNormBackward0",
    doc="(x - mean) / sqrt(var + eps) * w + b over dims (0, 2, ...); returns y, mean, var."))


# -- layer norm ------------------------------------------------------------------------------
def _ln_axes(ndim: int, k: int) -> tuple:
    return tuple(range(ndim - k, ndim))


def _ln_impl(xp, x, w, b, normalized_shape, eps, out=None):
    axes = _ln_axes(x.ndim, len(normalized_shape))
    mean = x.mean(axis=axes, keepdims=True)
    xc = x - mean
    var = (xc * xc).mean(axis=axes, keepdims=True)
    xc *= 1.0 / xp.sqrt(var + eps)
    if w is not None:
        xc *= w
    if b is not None:
        xc += b
    return fill_out(out, xc)


def _ln_infer(x, w, b, normalized_shape, eps):
    k = len(normalized_shape)
    if not k:
        raise ShapeError(f"layer_norm: Expected normalized_shape to be at least 1-dimensional, "
                         f"i.e., containing at least one element, but got normalized_shape = [] "
                         f"(input of size {list(x.shape)})")
    if tuple(x.shape[x.ndim - k:]) != tuple(normalized_shape) or x.ndim < k:
        raise ShapeError(f"layer_norm: Given normalized_shape={list(normalized_shape)}, expected "
                         f"input with shape [*, {', '.join(map(str, normalized_shape))}], but "
                         f"got input of size{list(x.shape)}")
    for name, t in (("weight", w), ("bias", b)):
        if t is not None and tuple(t.shape) != tuple(normalized_shape):
            raise ShapeError(f"layer_norm: Expected {name} to be of same shape as "
                             f"normalized_shape, but got {name} of shape {list(t.shape)} and "
                             f"normalized_shape = {list(normalized_shape)}")
    _floating_input("layer_norm", x.dtype)
    _param_dtypes("layer_norm", x, weight=w, bias=b)
    return tuple(x.shape), x.dtype


def _ln_vjp(g, x, w, b, out, needs, normalized_shape, eps):
    axes = _ln_axes(x.ndim, len(normalized_shape))
    lead = tuple(range(x.ndim - len(normalized_shape)))
    mean = x.mean(dim=axes, keepdim=True)
    xc = x - mean
    invstd = rsqrt((xc * xc).mean(dim=axes, keepdim=True) + eps)
    xhat = xc * invstd
    gx = gw = gb = None
    if needs[0]:
        gy = g if w is None else g * w
        gx = invstd * (gy - gy.mean(dim=axes, keepdim=True)
                       - xhat * (gy * xhat).mean(dim=axes, keepdim=True))
    if w is not None and needs[1]:
        gw = (g * xhat).sum(dim=lead) if lead else g * xhat
    if b is not None and needs[2]:
        gb = g.sum(dim=lead) if lead else g
    return gx, gw, gb


LAYER_NORM = register(OpDef(
    name="layer_norm", infer=_ln_infer, impl=_ln_impl, vjp=_ln_vjp, saves=(0, 1),
    saves_for={1: (0,)},
    needs_mask=True, grad_name="NativeLayerNormBackward0",
    doc="Normalize over the trailing normalized_shape dims, then scale and shift."))


# -- public functions ------------------------------------------------------------------------
def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Tensor:
    """Batch normalization; in training, also updates the running statistics in place."""
    use_batch = bool(training)
    if momentum is None or isinstance(momentum, bool):
        raise ArgumentError(f"batch_norm: momentum must be a float, got {momentum!r}")
    if use_batch:
        size = tuple(input.shape)
        if len(size) >= 2 and numel(size) // size[1] <= 1:
            raise GraphcValueError(f"Expected more than 1 value per channel when training, got "
                                   f"input size {list(size)}")
    y, mean, var = checked(BATCH_NORM, input, weight, bias, running_mean, running_var,
                         training=use_batch, eps=float(eps))
    if use_batch and running_mean is not None and running_var is not None:
        m = numel(tuple(input.shape)) // input.shape[1]
        mom = float(momentum)
        with no_grad():
            running_mean.mul_(1 - mom).add_(mean.detach().to(running_mean.dtype), alpha=mom)
            unbiased = var.detach().to(running_var.dtype) * (m / (m - 1))
            running_var.mul_(1 - mom).add_(unbiased, alpha=mom)
    return y


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    if isinstance(normalized_shape, (int, np.integer)):
        normalized_shape = (int(normalized_shape),)
    return checked(LAYER_NORM, input, weight, bias,
                 normalized_shape=tuple(int(s) for s in normalized_shape), eps=float(eps))


__all__ = ["batch_norm", "layer_norm"]
