"""The margin, embedding and likelihood losses PyTorch computes in ATen (multi_margin,
multilabel_margin, cosine_embedding, triplet_margin) or in Python (gaussian_nll,
multilabel_soft_margin, triplet_margin_with_distance), composed of graphc ops.

The ATen ones loop over classes per sample; here each becomes a masked tensor expression with
the same arithmetic, so values and gradients match PyTorch's and autograd, double backward and
``graphc.compile`` need no rules of their own. Re-exported by ``graphc.nn.functional``.
"""
from __future__ import annotations

import math

from graphc import dtypes as _dt
from graphc import ops as _ops
from graphc.errors import DTypeError, GraphcValueError, ShapeError
from graphc.nn.functional import _reduce, logsigmoid, pairwise_distance
from graphc.ops.dispatch import active_tracer
from graphc.ops.loss import REDUCTIONS, reduction_arg
from graphc.tensor import Tensor

_COSINE_EPS = 1e-12  # ATen's EPSILON in cosine_embedding_loss


def _check_reduction(op: str, reduction: str) -> str:
    if reduction not in REDUCTIONS:
        raise GraphcValueError(f"{op}: {reduction} is not a valid value for reduction")
    return reduction


def _int_target(op: str, target: Tensor) -> None:
    if target.dtype.is_floating_point or target.dtype.is_bool:
        raise DTypeError(f"{op}: expected an integer (int64) target, got {target.dtype} (shape "
                         f"{list(target.shape)})")


def gaussian_nll_loss(input: Tensor, target: Tensor, var, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """0.5 (log var + (input - target)^2 / var) [+ 0.5 log 2 pi]; var may omit the last dim or
    have one broadcast dim. var is clamped to eps for the value only: its gradient passes
    unchanged, as PyTorch's no_grad clamp of a clone does."""
    op = "gaussian_nll_loss"
    if isinstance(var, (int, float)):
        if var < 0:
            raise GraphcValueError(f"{op}: var has negative entry/entries")
        var = _ops.ones_like(input) * float(var)
    elif active_tracer.get() is None and bool((var < 0).any()):
        raise GraphcValueError(f"{op}: var has negative entry/entries")
    in_shape, var_shape = tuple(input.shape), tuple(var.shape)
    if var_shape != in_shape:
        if in_shape[:-1] == var_shape:
            var = var.unsqueeze(-1)
        elif not (len(in_shape) == len(var_shape) and
                  sum(v for i, v in zip(in_shape, var_shape) if i != v) == 1):
            raise GraphcValueError(f"{op}: var is of incorrect size (var {list(var_shape)}, "
                                   f"input {list(in_shape)})")
    _check_reduction(op, reduction)
    floor = var.detach().clamp(min=eps)
    var = floor + (var - var.detach())  # exactly the clamped value; gradient of var itself
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                size_average=None, reduce=None,
                                reduction: str = "mean") -> Tensor:
    """Per-class logistic loss averaged over the classes (last dim)."""
    reduction = reduction_arg("multilabel_soft_margin_loss", reduction, size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.ndim - 1
    loss = loss.sum(dim=class_dim) / input.shape[class_dim]
    return _reduce(loss, reduction)


def _frames(op: str, input: Tensor) -> tuple:
    """(nframe, dim) of a 0-, 1- or 2-D score input, as ATen's margin losses see it."""
    if input.ndim > 2 or input.numel() == 0:
        raise ShapeError(f"{op}: Expected non-empty vector or matrix with optional 0-dim batch "
                         f"size, but got: {list(input.shape)}")
    if input.ndim <= 1:
        return 1, (input.shape[0] if input.ndim else 1)
    return input.shape[0], input.shape[1]


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, size_average=None, reduce=None,
                      reduction: str = "mean") -> Tensor:
    """sum over i != y of max(0, margin - x[y] + x[i])^p * weight[y], divided by the number of
    classes, per sample."""
    op = "multi_margin_loss"
    reduction = reduction_arg(op, reduction, size_average, reduce)
    if p not in (1, 2):
        raise GraphcValueError(f"{op}: only p == 1 and p == 2 supported (got p={p})")
    if weight is not None and weight.ndim != 1:
        raise GraphcValueError(f"{op}: weight must be one-dimensional (got size "
                               f"{list(weight.shape)})")
    _int_target(op, target)
    n, c = _frames(op, input)
    if target.ndim > 1 or target.numel() != n:
        raise ShapeError(f"{op}: inconsistent target size, expected {n} but got "
                         f"{list(target.shape)} (input of size {list(input.shape)})")
    if weight is not None and weight.numel() != c:
        raise ShapeError(f"{op}: inconsistent weight size, expected {c} but got "
                         f"{list(weight.shape)}")
    x, t = input.reshape(n, c), target.reshape(n, 1)
    h = _ops.relu(margin - x.gather(1, t) + x)
    if p == 2:
        h = h * h
    if weight is not None:
        h = h * weight[t]
    others = _ops.arange(c, device=input.device).unsqueeze(0) != t
    loss = h.masked_fill(others.logical_not(), 0.0).sum(1) / c
    if reduction == "none":
        return loss.reshape(tuple(target.shape) if target.ndim else ())
    return _reduce(loss, reduction)


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    """sum over targets j and non-targets i of max(0, 1 - (x[j] - x[i])), divided by the number
    of classes. ``target`` lists class indices and ends at its first negative entry."""
    op = "multilabel_margin_loss"
    reduction = reduction_arg(op, reduction, size_average, reduce)
    _int_target(op, target)
    n, c = _frames(op, input)
    want = (n, c) if input.ndim == 2 else None
    if (want is not None and tuple(target.shape) != want) or \
            (want is None and (target.ndim > 1 or target.numel() != c)):
        raise ShapeError(f"{op}: inconsistent target size: {list(target.shape)} for input of "
                         f"size: {list(input.shape)}")
    x, t = input.reshape(n, c), target.reshape(n, c)
    listed = (t < 0).long().cumsum(1) == 0              # entries before the first negative
    tc = t.masked_fill(listed.logical_not(), 0)
    hits = _ops.zeros((n, c), dtype=_dt.int64, device=input.device)
    is_target = hits.scatter_add(1, tc, listed.long()) > 0
    z = 1 - x.gather(1, tc).unsqueeze(2) + x.unsqueeze(1)  # (sample, target j, class i)
    pair = listed.unsqueeze(2) & is_target.logical_not().unsqueeze(1)
    loss = _ops.relu(z).masked_fill(pair.logical_not(), 0.0).sum((1, 2)) / c
    if reduction == "none":
        return loss if input.ndim == 2 else loss.reshape(())
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                          size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where target is 1, max(0, cos(x1, x2) - margin) where it is -1."""
    op = "cosine_embedding_loss"
    reduction = reduction_arg(op, reduction, size_average, reduce)
    if target.ndim not in (0, 1):
        raise ShapeError(f"{op}: 0D or 1D target tensor expected, multi-target not supported "
                         f"(got target of size {list(target.shape)})")
    want = 2 if target.ndim == 1 else 1
    if input1.ndim != want or input2.ndim != want:
        raise ShapeError(f"{op}: {target.ndim}D target tensor expects {want}D input tensors, but "
                         f"found inputs with sizes {list(input1.shape)} and "
                         f"{list(input2.shape)}.")
    d = target.ndim
    prod = (input1 * input2).sum(d)
    mag1 = (input1 * input1).sum(d) + _COSINE_EPS
    mag2 = (input2 * input2).sum(d) + _COSINE_EPS
    cos = prod / (mag1 * mag2).sqrt()
    zeros = _ops.zeros_like(cos)
    loss = _ops.where(target == 1, 1 - cos, zeros) + \
        _ops.where(target == -1, (cos - margin).clamp_min(0), zeros)
    return _reduce(loss, reduction)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function=None, margin: float = 1.0,
                                      swap: bool = False, reduction: str = "mean") -> Tensor:
    """max(0, margin + d(anchor, positive) - d(anchor, negative)); ``swap`` uses
    min(d(a, n), d(p, n)) as the negative distance."""
    op = "triplet_margin_with_distance_loss"
    _check_reduction(op, reduction)
    if margin <= 0:
        raise GraphcValueError(f"{op}: margin must be greater than 0, got {margin}")
    dims = (anchor.ndim, positive.ndim, negative.ndim)
    if len(set(dims)) != 1:
        raise ShapeError(f"{op}: The anchor, positive, and negative tensors are expected to have "
                         f"the same number of dimensions, but got: anchor {dims[0]}D, positive "
                         f"{dims[1]}D, and negative {dims[2]}D inputs")
    dist = distance_function if distance_function is not None else pairwise_distance
    dist_pos = dist(anchor, positive)
    dist_neg = dist(anchor, negative)
    if swap:
        dist_neg = _ops.minimum(dist_neg, dist(positive, negative))
    return _reduce((margin + dist_pos - dist_neg).clamp_min(0), reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor,
                        margin: float = 1.0, p: float = 2, eps: float = 1e-6,
                        swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """The triplet loss with the p-norm pairwise distance (eps added to the difference)."""
    reduction = reduction_arg("triplet_margin_loss", reduction, size_average, reduce)
    if margin <= 0:
        raise GraphcValueError(f"triplet_margin_loss: margin must be greater than 0, got "
                               f"{margin}")
    return triplet_margin_with_distance_loss(
        anchor, positive, negative, margin=margin, swap=swap, reduction=reduction,
        distance_function=lambda a, b: pairwise_distance(a, b, p, eps))


__all__ = ["gaussian_nll_loss", "multilabel_soft_margin_loss", "multi_margin_loss",
           "multilabel_margin_loss", "cosine_embedding_loss", "triplet_margin_loss",
           "triplet_margin_with_distance_loss"]
