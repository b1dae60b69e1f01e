"""Loss ops that PyTorch users see in ``grad_fn`` (``NllLossBackward0``, ``MseLossBackward0`` …).

Each takes its ``reduction`` ('none' | 'mean' | 'sum') as a static attr and reduces inside the
kernel, as PyTorch's fused losses do, so the grad_fn of ``mse_loss(x, y)`` is the loss itself
rather than a ``MeanBackward0``. ``nll_loss`` has a backward op of its own; the pair is adjoint
(the backward's vjp is ``nll_loss`` again), which keeps double backward and the compiler's
traced backward working. Composite losses (cross_entropy, l1, kl_div …) live in
``graphc.nn.functional`` on top of these.
"""
from __future__ import annotations

import numpy as np

from graphc import dtypes as _dt
from graphc.errors import (AutogradError, DTypeError, GraphcIndexError, GraphcValueError,
                           ShapeError)
from graphc.ops.activation import softplus_tensor
from graphc.errors import GraphcRuntimeError
from graphc.ops.conv import checked, fill_out
from graphc.ops.dispatch import apply
from graphc.ops.dtype_checks import NOT_FLOATING, no_kernel_for, same_dtype
from graphc.ops.elementwise import log, log1p, sigmoid, sign, where
from graphc.ops.registry import OpDef, register
from graphc.ops.shapes import broadcast_shapes, numel
from graphc.tensor import Tensor

REDUCTIONS = ("none", "mean", "sum")


def reduction_arg(op: str, reduction: str, size_average=None, reduce=None) -> str:
    """The reduction string, honouring PyTorch's deprecated size_average/reduce flags."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        return "mean" if size_average and reduce else "sum" if reduce else "none"
    if reduction not in REDUCTIONS:
        raise GraphcValueError(f"{op}: {reduction} is not a valid value for reduction")
    return reduction


def _reduce(xp, v, reduction):
    if reduction == "none":
        return v
    r = v.sum() if reduction == "sum" else v.mean()
    return xp.asarray(r, dtype=v.dtype)


def _scale(g, n: int, reduction: str):
    return g / n if reduction == "mean" else g


def _float_loss_infer(name: str, same_shape: bool):
    def infer(x, t, *rest, reduction, **attrs):
        xs, ts = tuple(x.shape), tuple(t.shape)
        if same_shape and xs != ts:
            raise GraphcValueError(f"{name}: Using a target size ({list(ts)}) that is different "
                                   f"to the input size ({list(xs)}) is deprecated. Please "
                                   f"ensure they have the same size.")
        shape = broadcast_shapes(name, xs, ts, *[tuple(r.shape) for r in rest if r is not None])
        dt = _dt.result_type(x, t)
        if not dt.is_floating_point:
            raise DTypeError(f"{name}: expected floating point input and target, got {x.dtype} "
                             f"and {t.dtype}")
        return (shape if reduction == "none" else ()), dt
    return infer


def _pointwise_loss(name, elem, deriv, grad_name=None) -> OpDef:
    """A loss of d = input - target applied elementwise then reduced (mse, smooth_l1, huber)."""
    def impl(xp, x, t, reduction, out=None, **attrs):
        return fill_out(out, _reduce(xp, elem(xp, x - t, **attrs), reduction))

    def vjp(g, x, t, out, reduction, **attrs):
        n = numel(broadcast_shapes(name, tuple(x.shape), tuple(t.shape)))
        dt = _dt.result_type(x, t)  # as the kernel saw them: ``-`` refuses a bool operand
        gx = deriv(x.to(dt) - t.to(dt), **attrs) * _scale(g, n, reduction)
        return gx, -gx
    return register(OpDef(name=name, infer=_float_loss_infer(name, False), impl=impl, vjp=vjp,
                          promote="same", saves=(0, 1), grad_name=grad_name))


MSE_LOSS = _pointwise_loss("mse_loss", lambda xp, d: d * d, lambda d: 2 * d)


def _smooth_l1_elem(xp, d, beta=1.0):
    a = xp.abs(d)
    if beta == 0:
        return a
    return xp.where(a < beta, 0.5 * d * d / beta, a - 0.5 * beta)


SMOOTH_L1_LOSS = _pointwise_loss(
    "smooth_l1_loss", _smooth_l1_elem,
    lambda d, beta=1.0: sign(d) if beta == 0 else where(d.abs() < beta, d / beta, sign(d)))


def _huber_elem(xp, d, delta=1.0):
    a = xp.abs(d)
    return xp.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))


HUBER_LOSS = _pointwise_loss("huber_loss", _huber_elem,
                             lambda d, delta=1.0: where(d.abs() < delta, d, delta * sign(d)))


# -- binary cross entropy --------------------------------------------------------------------
def _bce_impl(xp, x, t, w, reduction, out=None):
    if bool(((x < 0) | (x > 1)).any()):
        raise GraphcRuntimeError("binary_cross_entropy: all elements of input should be between 0 "
                             "and 1")
    if bool(((t < 0) | (t > 1)).any()):
        raise GraphcRuntimeError("binary_cross_entropy: all elements of target should be between 0 "
                             "and 1")
    with np.errstate(divide="ignore"):
        lx = xp.maximum(xp.log(x), -100)
        l1x = xp.maximum(xp.log1p(-x), -100)
    v = (t - 1) * l1x - t * lx
    if w is not None:
        v = v * w
    return fill_out(out, _reduce(xp, v, reduction))


def _bce_vjp(g, x, t, w, out, reduction):
    g = _scale(g, numel(tuple(x.shape)), reduction)
    if w is not None:
        g = g * w
    gx = g * (x - t) / (x * (1 - x)).clamp(min=1e-12)
    gt = g * (log1p(-x) - log(x))
    return gx, gt, None


BINARY_CROSS_ENTROPY = register(OpDef(
    name="binary_cross_entropy", infer=_float_loss_infer("binary_cross_entropy", True),
    impl=_bce_impl, vjp=_bce_vjp, promote="same", saves=(0, 1, 2),
    doc="-w (t log x + (1 - t) log(1 - x)), logs clamped to >= -100 like PyTorch."))


def _bce_logits_impl(xp, x, t, w, pw, reduction, out=None):
    sp_neg = xp.maximum(-x, 0) + xp.log1p(xp.exp(-xp.abs(x)))  # -log(sigmoid(x))
    if pw is not None:
        v = (1 - t) * x + (1 + (pw - 1) * t) * sp_neg
    else:
        v = (1 - t) * x + sp_neg
    if w is not None:
        v = v * w
    return fill_out(out, _reduce(xp, v, reduction))


def _bce_logits_vjp(g, x, t, w, pw, out, reduction):
    shape = broadcast_shapes("binary_cross_entropy_with_logits", tuple(x.shape), tuple(t.shape),
                             *[tuple(r.shape) for r in (w, pw) if r is not None])
    g = _scale(g, numel(shape), reduction)
    if w is not None:
        g = g * w
    s = sigmoid(x)
    if pw is None:
        return g * (s - t), -g * x, None, None
    sp_neg = softplus_tensor(-x)
    gx = g * ((pw * t + 1 - t) * s - pw * t)
    gt = g * ((pw - 1) * sp_neg - x)
    return gx, gt, None, None  # PyTorch refuses gradients for weight and pos_weight


BINARY_CROSS_ENTROPY_WITH_LOGITS = register(OpDef(
    name="binary_cross_entropy_with_logits",
    infer=_float_loss_infer("binary_cross_entropy_with_logits", True), impl=_bce_logits_impl,
    vjp=_bce_logits_vjp, promote="same", saves=(0, 1, 2, 3),
    doc="Sigmoid + binary cross entropy in one numerically stable formula."))


# -- negative log likelihood -----------------------------------------------------------------
def _nll_parts(xp, x, t, w, ignore_index):
    """(safe targets, per-element weights with ignored ones zeroed) for (N, C, ...) input."""
    c = x.shape[1]
    valid = t != ignore_index
    tc = xp.where(valid, t, 0)
    if tc.size:
        lo, hi = int(tc.min()), int(tc.max())
        if lo < 0 or hi >= c:
            raise GraphcIndexError(f"nll_loss: Target {lo if lo < 0 else hi} is out of bounds.")
    wt = valid.astype(x.dtype) if w is None else w[tc] * valid
    return tc, wt


def _nll_impl(xp, x, t, w, ignore_index, reduction, out=None):
    tc, wt = _nll_parts(xp, x, t, w, ignore_index)
    picked = xp.take_along_axis(x, xp.expand_dims(tc, 1), axis=1).squeeze(1)
    v = -picked * wt
    if reduction == "none":
        r = v
    elif reduction == "sum":
        r = xp.asarray(v.sum(), dtype=x.dtype)
    else:
        with np.errstate(invalid="ignore", divide="ignore"):  # all ignored: nan, as PyTorch
            r = xp.asarray(v.sum() / wt.sum(), dtype=x.dtype)
    return fill_out(out, r)


def _nll_backward_impl(xp, g, t, w, input_shape, ignore_index, reduction, out=None):
    c = input_shape[1]
    dummy = xp.empty((1, c), g.dtype)
    tc, wt = _nll_parts(xp, dummy, t, w, ignore_index)
    coef = -wt * g if reduction == "none" else -wt * (g / wt.sum() if reduction == "mean" else g)
    classes = xp.arange(c).reshape((1, c) + (1,) * (len(input_shape) - 2))
    onehot = xp.expand_dims(tc, 1) == classes
    return fill_out(out, (onehot * xp.expand_dims(coef, 1)).astype(g.dtype, copy=False))


def _nll_check(op, x_shape, t, w, x_dtype):
    if len(x_shape) < 2:
        raise ShapeError(f"{op}: input must have at least 2 dimensions (N, C), got "
                         f"{list(x_shape)}")
    if t.dtype not in (_dt.int64, _dt.uint8):
        raise DTypeError(f"{op}: expected target dtype to be Long or Byte, but got {t.dtype}")
    want = (x_shape[0],) + tuple(x_shape[2:])
    if tuple(t.shape) != want:
        if len(x_shape) == 2 and t.ndim == 1:
            raise GraphcValueError(f"{op}: Expected input batch_size ({x_shape[0]}) to match "
                                   f"target batch_size ({t.shape[0]}).")
        raise ShapeError(f"{op}: expected target of shape {list(want)} for input of shape "
                         f"{list(x_shape)}, got {list(t.shape)}")
    if w is not None:
        if tuple(w.shape) != (x_shape[1],):
            raise ShapeError(f"{op}: weight tensor should be defined either for all "
                             f"{x_shape[1]} classes or no classes but got weight tensor of "
                             f"shape: {list(w.shape)}")
        if w.dtype is not x_dtype:
            raise DTypeError(f"{op}: expected weight of dtype {x_dtype}, got {w.dtype}")


def _nll_infer(x, t, w, ignore_index, reduction):
    if not x.dtype.is_floating_point:
        raise DTypeError(f"nll_loss: expected a floating point input, got {x.dtype}")
    _nll_check("nll_loss", tuple(x.shape), t, w, x.dtype)
    return ((tuple(t.shape) if reduction == "none" else ()), x.dtype)


def _nll_backward_infer(g, t, w, input_shape, ignore_index, reduction):
    _nll_check("nll_loss_backward", tuple(input_shape), t, w, g.dtype)
    return tuple(input_shape), g.dtype


def _nll_vjp(g, x, t, w, out, needs, ignore_index, reduction):
    if w is not None and needs[2]:
        raise AutogradError("the derivative for 'weight' of nll_loss is not implemented")
    gx = apply(NLL_LOSS_BACKWARD, g, t, w, input_shape=tuple(x.shape),
               ignore_index=ignore_index, reduction=reduction) if needs[0] else None
    return gx, None, None


def _nll_backward_vjp(u, g, t, w, out, needs, input_shape, ignore_index, reduction):
    # The backward is linear in g: its adjoint picks u at the targets, weighted, i.e. nll_loss.
    gg = apply(NLL_LOSS, u, t, w, ignore_index=ignore_index, reduction=reduction) \
        if needs[0] else None
    return gg, None, None


NLL_LOSS = register(OpDef(
    name="nll_loss", infer=_nll_infer, impl=_nll_impl, vjp=_nll_vjp, saves=(1, 2),
    needs_mask=True, doc="-w[t] x[n, t[n]]; 'mean' divides by the summed weights of the "
                         "targets that are not ignore_index, as PyTorch."))
NLL_LOSS_BACKWARD = register(OpDef(
    name="nll_loss_backward", infer=_nll_backward_infer, impl=_nll_backward_impl,
    vjp=_nll_backward_vjp, saves=(1, 2), needs_mask=True,
    doc="nll_loss's input gradient: -w[t]/denominator * g at each target class."))


# -- public functions ------------------------------------------------------------------------
def _loss_dtype_of(op: str, ref: Tensor, name: str, *operands) -> _dt.dtype:
    """The dtype of a loss PyTorch writes into a tensor of ``ref``'s dtype (huber_loss: the
    input's; binary_cross_entropy_with_logits: the target's, an in-place ``(1 - target)``),
    where NumPy would promote. An integer or bool ``ref`` cannot hold the float loss."""
    if not ref.dtype.is_floating_point:
        raise DTypeError(f"{op}: result type {_dt.result_type(*operands)} can't be cast to the "
                         f"desired output type {ref.dtype} (the {name}'s dtype; {name} of shape "
                         f"{list(ref.shape)})")
    return ref.dtype


def _as_dtype(loss: Tensor, dtype) -> Tensor:
    return loss if loss.dtype is dtype else loss.to(dtype)


def _no_weight_grad(op: str, w, name: str = "weight") -> None:
    from graphc.autograd.grad_mode import is_grad_enabled
    if isinstance(w, Tensor) and w.requires_grad and is_grad_enabled():
        raise AutogradError(f"The function '{op}' is not differentiable with respect to argument "
                            f"'{name}'. This input cannot have requires_grad True.")


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log likelihood of class-index targets for (N, C), (N, C, d1, …) or (C,) input."""
    reduction = reduction_arg("nll_loss", reduction, size_average, reduce)
    _no_weight_grad("nll_loss", weight)
    if input.ndim == 1:  # unbatched (C,) with a 0-d target
        out = checked(NLL_LOSS, input.unsqueeze(0), target.reshape(1), weight,
                    ignore_index=int(ignore_index), reduction=reduction)
        return out.squeeze(0) if reduction == "none" else out
    return checked(NLL_LOSS, input, target, weight, ignore_index=int(ignore_index),
                 reduction=reduction)


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
             reduction: str = "mean") -> Tensor:
    return checked(MSE_LOSS, input, target,
                 reduction=reduction_arg("mse_loss", reduction, size_average, reduce))


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    if beta < 0:
        raise GraphcValueError("smooth_l1_loss does not support negative values for beta.")
    reduction = reduction_arg("smooth_l1_loss", reduction, size_average, reduce)
    if beta == 0.0:  # PyTorch falls back to l1_loss (grad_fn MeanBackward0)
        loss = (input - target).abs()
        return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()
    return checked(SMOOTH_L1_LOSS, input, target, beta=float(beta), reduction=reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean",
               delta: float = 1.0) -> Tensor:
    if delta <= 0:
        raise GraphcValueError("huber_loss does not support non-positive values for delta.")
    dtype = _loss_dtype_of("huber_loss", input, "input", input, target)
    return _as_dtype(checked(HUBER_LOSS, input, target, delta=float(delta),
                             reduction=reduction_arg("huber_loss", reduction)), dtype)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    _no_weight_grad("binary_cross_entropy", weight)
    same_dtype("binary_cross_entropy", input, target=target)  # no promotion in PyTorch
    if tuple(weight.shape if weight is not None else ()) and weight is not None:
        broadcast_shapes("binary_cross_entropy", tuple(weight.shape), tuple(input.shape))
    return checked(BINARY_CROSS_ENTROPY, input, target, weight,
                 reduction=reduction_arg("binary_cross_entropy", reduction, size_average, reduce))


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None, size_average=None,
                                     reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    _no_weight_grad("binary_cross_entropy_with_logits", weight)
    _no_weight_grad("binary_cross_entropy_with_logits", pos_weight, "pos_weight")
    op = "binary_cross_entropy_with_logits"
    no_kernel_for(op, input, NOT_FLOATING)  # PyTorch starts with log_sigmoid(input)
    if pos_weight is not None and pos_weight.dtype.is_bool:  # it computes pos_weight - 1
        raise DTypeError(f"{op}: Subtraction, the `-` operator, with a bool tensor is not "
                         f"supported (pos_weight of shape {list(pos_weight.shape)} is bool)")
    dtype = _loss_dtype_of(op, target, "target", input, target)
    return _as_dtype(checked(BINARY_CROSS_ENTROPY_WITH_LOGITS, input, target, weight, pos_weight,
                             reduction=reduction_arg(op, reduction, size_average, reduce)),
                     dtype)


__all__ = ["binary_cross_entropy_with_logits"]
