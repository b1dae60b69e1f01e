"""``graphc.nn.functional``: PyTorch's ``F.*`` with PyTorch's signatures, defaults and numbers.

Built only on graphc ops (never NumPy directly), so every function here runs eagerly, traces
into a graph under ``graphc.trace``/``graphc.compile`` and runs on CuPy unchanged. The ops with
their own kernels and gradients live in ``graphc.ops`` (conv, pool, activation, norm, loss, nn);
this module adds argument handling, ``inplace=`` variants and the composite functions
(cross_entropy, l1_loss, kl_div, normalize …), each composed the way PyTorch composes it so the
grad_fn names match.
"""
from __future__ import annotations

import math

from graphc import ops as _ops
from graphc.autograd.grad_mode import no_grad
from graphc.errors import DTypeError, GraphcValueError, ShapeError
from graphc.ops.activation import (elu as _elu, gelu, hardtanh as _hardtanh,  # noqa: F401
                                   leaky_relu as _leaky_relu, logsigmoid, selu as _selu,
                                   silu as _silu, softplus, threshold as _threshold)
from graphc.ops.conv import checked, conv2d, conv_transpose2d, ntuple  # noqa: F401
from graphc.ops.inplace import inplace as _inplace
from graphc.ops.loss import (binary_cross_entropy, binary_cross_entropy_with_logits,  # noqa: F401
                             huber_loss, mse_loss, nll_loss, reduction_arg, smooth_l1_loss)
from graphc.ops.nn import (DROPOUT_MASK, EMBEDDING, ONE_HOT, embedding_padding_idx,  # noqa: F401
                           pad)
from graphc.ops.norm import batch_norm, layer_norm  # noqa: F401
from graphc.ops.pool import (adaptive_avg_pool2d, avg_pool2d, max_pool2d,  # noqa: F401
                             max_pool2d_with_indices)
from graphc.ops.shape import flatten  # noqa: F401
from graphc.ops.adaptive_pool import (adaptive_max_pool1d,  # noqa: F401
                                      adaptive_max_pool1d_with_indices, adaptive_max_pool2d,
                                      adaptive_max_pool2d_with_indices)
from graphc.ops.patches import fold, unfold  # noqa: F401
from graphc.ops.resample import (interpolate, upsample, upsample_bilinear,  # noqa: F401
                                 upsample_nearest)
from graphc.ops.shapes import require_dims, wrap_dim
from graphc.tensor import Tensor


# -- activations -----------------------------------------------------------------------------
def _maybe_inplace(input: Tensor, inplace: bool, fn, name: str) -> Tensor:
    if not inplace:
        return fn(input)
    fn.__name__ = name
    return _inplace(input, fn)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    return input.relu_() if inplace else _ops.relu(input)


def relu_(input: Tensor) -> Tensor:
    return input.relu_()


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    return _maybe_inplace(input, inplace, lambda x: _leaky_relu(x, negative_slope), "leaky_relu")


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, True)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    return _maybe_inplace(input, inplace, lambda x: _elu(x, alpha), "elu")


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    return _maybe_inplace(input, inplace, _selu, "selu")


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    return _maybe_inplace(input, inplace, _silu, "silu")


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    return _maybe_inplace(input, inplace, lambda x: _hardtanh(x, min_val, max_val), "hardtanh")


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, True)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    return _maybe_inplace(input, inplace, lambda x: _threshold(x, threshold, value), "threshold")


def tanh(input: Tensor) -> Tensor:
    return _ops.tanh(input)


def sigmoid(input: Tensor) -> Tensor:
    return _ops.sigmoid(input)


def softsign(input: Tensor) -> Tensor:
    return input / (input.abs() + 1)


def tanhshrink(input: Tensor) -> Tensor:
    return input - input.tanh()


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    return _ops.where(input > lambd, input - lambd,
                      _ops.where(input < -lambd, input + lambd, input * 0))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    return _ops.where((input > lambd) | (input < -lambd), input, input * 0)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    d = wrap_dim("glu", dim, input.ndim, wrap_scalar=False)
    if input.shape[d] % 2:
        raise ShapeError(f"glu: Halving dimension must be even, but dimension {dim} is size "
                         f"{input.shape[d]}")
    a, b = input.chunk(2, d)
    return a * b.sigmoid()


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """max(0, x) + weight * min(0, x); weight has 1 or C (= input.shape[1]) elements."""
    w = weight
    if weight.numel() != 1:
        if input.ndim < 2 or input.shape[1] != weight.numel():
            raise ShapeError(f"prelu: Mismatch of parameter numbers and input channel size. "
                             f"Found parameter numbers = {weight.numel()} and channel size = "
                             f"{input.shape[1] if input.ndim > 1 else 1}.")
        w = weight.reshape((1, -1) + (1,) * (input.ndim - 2))
    return _ops.where(input > 0, input, input * w)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype=None) -> Tensor:
    if dtype is not None:
        input = input.to(dtype)
    return _ops.softmax(input, _softmax_dim(input, dim))


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype=None) -> Tensor:
    if dtype is not None:
        input = input.to(dtype)
    return _ops.log_softmax(input, _softmax_dim(input, dim))


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype=None) -> Tensor:
    if dtype is not None:
        input = input.to(dtype)
    return _ops.softmax(-input, _softmax_dim(input, dim))


def _softmax_dim(input: Tensor, dim):
    """PyTorch's implicit-dim rule (deprecated there, kept for old tutorials)."""
    if dim is not None:
        return dim
    return 0 if input.ndim in (0, 1, 3) else 1


# -- linear / embedding / dropout / one_hot --------------------------------------------------
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weight.T + bias; 2-D input with bias is one addmm (``AddmmBackward0``)."""
    if input.ndim == 2:
        if bias is not None:
            return _ops.addmm(bias, input, weight.t())
        return _ops.matmul(input, weight.t())
    if input.ndim > 2:
        lead = tuple(input.shape[:-1])
        flat = input.reshape(-1, input.shape[-1])
        out = _ops.addmm(bias, flat, weight.t()) if bias is not None else \
            _ops.matmul(flat, weight.t())
        return out.view(lead + (weight.shape[0],))
    out = _ops.matmul(input, weight.t())
    return out + bias if bias is not None else out


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor,
             bias: Tensor | None = None) -> Tensor:
    out = _ops.einsum("...i,oij,...j->...o", input1, weight, input2)
    return out + bias if bias is not None else out


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` at ``input``; ``max_norm`` renormalizes the used rows in place."""
    if not isinstance(input, Tensor) or input.dtype.is_floating_point:
        raise DTypeError(f"embedding: Expected tensor for argument #1 'indices' to have one of "
                         f"the following scalar types: Long, Int; but got "
                         f"{getattr(input, 'dtype', type(input).__name__)} instead")
    if scale_grad_by_freq or sparse:
        raise GraphcValueError("embedding: scale_grad_by_freq=True and sparse=True are not "
                               "supported by graphc (gradients are dense and unscaled)")
    pidx = embedding_padding_idx(padding_idx, weight)
    if max_norm is not None:
        _embedding_renorm_(weight, input, float(max_norm), float(norm_type))
    return checked(EMBEDDING, weight, input, padding_idx=pidx)


def _embedding_renorm_(weight: Tensor, input: Tensor, max_norm: float, norm_type: float):
    """PyTorch's ``embedding_renorm_``: rows used by ``input`` with norm > max_norm scaled down."""
    with no_grad():
        used = _ops.zeros(weight.shape[0], dtype=weight.dtype, device=weight.device)
        used[input.reshape(-1)] = 1.0
        norms = weight.norm(p=norm_type, dim=1)
        scale = _ops.where((used > 0) & (norms > max_norm), max_norm / (norms + 1e-7), 1.0)
        weight.mul_(scale.unsqueeze(1))


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise GraphcValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout(input: Tensor, p: float, training: bool, inplace: bool, mask_shape) -> Tensor:
    _check_p(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input.mul_(0.0) if inplace else input * 0.0
    mask = checked(DROPOUT_MASK, input, p=float(p), shape=tuple(mask_shape))
    return input.mul_(mask) if inplace else input * mask


def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            inplace: bool = False) -> Tensor:
    """Zero each element with probability p and scale the rest by 1/(1-p) (training only)."""
    return _dropout(input, p, training, inplace, tuple(input.shape))


def _feature_dropout(name: str, input: Tensor, p, training, inplace, spatial: int) -> Tensor:
    if input.ndim not in (spatial + 1, spatial + 2):
        raise ShapeError(f"{name}: Expected {spatial + 1}D or {spatial + 2}D input, but got "
                         f"input of size {list(input.shape)}")
    keep = input.ndim - spatial  # (C,) or (N, C): one draw per channel
    shape = tuple(input.shape[:keep]) + (1,) * spatial
    return _dropout(input, p, training, inplace, shape)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    return _feature_dropout("dropout1d", input, p, training, inplace, 1)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    if input.ndim == 3:  # PyTorch reads 3-D input as (N, C, L) here, with a warning
        import warnings
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
                      "1D dropout behavior is desired - input is interpreted as shape (N, C, L), "
                      "where C is the channel dim. To maintain the 1D channel-wise dropout "
                      "behavior, please switch to using dropout1d instead.", stacklevel=2)
        return _dropout(input, p, training, inplace, tuple(input.shape[:2]) + (1,))
    return _feature_dropout("dropout2d", input, p, training, inplace, 2)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    return _feature_dropout("dropout3d", input, p, training, inplace, 3)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot rows; num_classes=-1 uses max(tensor) + 1 (needs a concrete tensor)."""
    if num_classes == -1:
        num_classes = int(tensor.max().item()) + 1 if tensor.numel() else 0
    return checked(ONE_HOT, tensor, num_classes=int(num_classes))


# -- pooling on 1-D signals (through the 2-D ops) --------------------------------------------
def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    if weight.ndim != 3:
        raise ShapeError(f"conv1d: weight should have 3 dimensions, got {list(weight.shape)}")
    pad = padding if isinstance(padding, str) else (0, ntuple("conv1d", "padding", padding, 1)[0])
    out = conv2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias,
                 (1, ntuple("conv1d", "stride", stride, 1)[0]), pad,
                 (1, ntuple("conv1d", "dilation", dilation, 1)[0]), groups)
    return out.squeeze(-2)


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    one = lambda v: (1, ntuple("max_pool1d", "argument", v, 1)[0])  # noqa: E731
    out = max_pool2d(input.unsqueeze(-2), one(kernel_size),
                     None if stride is None else one(stride), (0, one(padding)[1]),
                     one(dilation), ceil_mode, return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    one = lambda v: (1, ntuple("avg_pool1d", "argument", v, 1)[0])  # noqa: E731
    return avg_pool2d(input.unsqueeze(-2), one(kernel_size),
                      None if stride is None else one(stride), (0, one(padding)[1]), ceil_mode,
                      count_include_pad).squeeze(-2)


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    size = ntuple("adaptive_avg_pool1d", "output_size", output_size, 1)[0]
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, size)).squeeze(-2)


# -- normalization ---------------------------------------------------------------------------
def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    require_dims("group_norm", tuple(input.shape), 2)
    n, c = input.shape[0], input.shape[1]
    if c % num_groups:
        raise ShapeError(f"group_norm: Expected number of channels in input to be divisible by "
                         f"num_groups, but got input of shape {list(input.shape)} and "
                         f"num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise ShapeError(f"group_norm: Expected {name} to be a vector of size equal to the "
                             f"number of channels in input, but got {name} of shape "
                             f"{list(t.shape)} and input of shape {list(input.shape)}")
    x = input.reshape(n, num_groups, -1)
    mean = x.mean(dim=2, keepdim=True)
    var = x.var(dim=2, unbiased=False, keepdim=True)
    y = ((x - mean) * _ops.rsqrt(var + eps)).reshape(tuple(input.shape))
    bshape = (1, c) + (1,) * (input.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(bshape)
    if bias is not None:
        y = y + bias.reshape(bshape)
    return y


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch norm over each (sample, channel) plane, as PyTorch implements it."""
    require_dims("instance_norm", tuple(input.shape), 2)
    n, c = input.shape[0], input.shape[1]
    x = input.reshape((1, n * c) + tuple(input.shape[2:]))
    rep = lambda t: None if t is None else t.repeat(n)  # noqa: E731
    rm, rv = rep(running_mean), rep(running_var)
    y = batch_norm(x, rm, rv, rep(weight), rep(bias), use_input_stats, momentum, eps)
    if use_input_stats and running_mean is not None:
        with no_grad():
            running_mean.copy_(rm.reshape(n, c).mean(dim=0))
            running_var.copy_(rv.reshape(n, c).mean(dim=0))
    return y.reshape(tuple(input.shape))


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out: Tensor | None = None) -> Tensor:
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    r = input / denom
    if out is not None:
        from graphc.ops.inplace import write_out
        return write_out(out, r)
    return r


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    n1 = (x1 * x1).sum(dim)
    n2 = (x2 * x2).sum(dim)
    return (x1 * x2).sum(dim) / ((n1 * n2).clamp_min(eps * eps)).sqrt()


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    return (x1 - x2 + eps).norm(p, -1, keepdim=keepdim)


# -- losses ----------------------------------------------------------------------------------
def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _class_shape(input: Tensor, class_dim: int) -> tuple:
    """Shape that broadcasts a (C,) class weight against ``input`` along ``class_dim``."""
    shape = [1] * input.ndim
    shape[class_dim] = input.shape[class_dim]
    return tuple(shape)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  size_average=None, ignore_index: int = -100, reduce=None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """log_softmax over the class dim + nll_loss, with PyTorch's label smoothing and
    class-probability targets."""
    reduction = reduction_arg("cross_entropy", reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise GraphcValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0. "
                               f"Got: {label_smoothing}")
    class_dim = wrap_dim("cross_entropy", 0 if input.ndim == 1 else 1, input.ndim,
                         wrap_scalar=False)
    n_classes = input.shape[class_dim]
    logp = _ops.log_softmax(input, class_dim)
    if target.dtype.is_floating_point:
        if tuple(target.shape) != tuple(input.shape):
            raise ShapeError(f"cross_entropy: Expected target size {list(input.shape)}, got "
                             f"{list(target.shape)}")
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / n_classes
        prod = logp * target
        if weight is not None:
            prod = prod * weight.reshape(_class_shape(input, class_dim))
        if reduction == "none":
            return -prod.sum(class_dim)
        if reduction == "sum":
            return -prod.sum()
        return -prod.sum() / (input.numel() // n_classes)
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing == 0.0:
        return nll
    ignored = target == ignore_index
    if weight is not None:
        smooth = -(logp * weight.reshape(_class_shape(input, class_dim))).sum(class_dim)
    else:
        smooth = -logp.sum(class_dim)
    smooth = _ops.where(ignored, 0.0, smooth)
    if reduction == "sum":
        ret = smooth.sum()
    elif reduction == "none":
        ret = smooth
    elif weight is not None:
        safe = _ops.where(ignored, 0, target)
        ret = smooth.sum() / _ops.where(ignored, 0.0, weight[safe]).sum()
    else:
        ret = smooth.sum() / ignored.logical_not().sum()
    return (1 - label_smoothing) * nll + ret * (label_smoothing / n_classes)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
            reduction: str = "mean") -> Tensor:
    reduction = reduction_arg("l1_loss", reduction, size_average, reduce)
    return _reduce((input - target).abs(), reduction)


def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL(target || exp(input)) pointwise; 'batchmean' divides the sum by the batch size."""
    if reduction != "batchmean":
        reduction = reduction_arg("kl_div", reduction, size_average, reduce)
    if log_target:
        loss = target.exp() * (target - input)
    else:  # xlogy(t, t) - t * input, with 0 log 0 = 0 and a finite gradient there
        safe = _ops.where(target == 0, 1.0, target)
        loss = target * safe.log() - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.ndim else loss.sum()
    return _reduce(loss, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True,
                     full: bool = False, size_average=None, eps: float = 1e-8, reduce=None,
                     reduction: str = "mean") -> Tensor:
    reduction = reduction_arg("poisson_nll_loss", reduction, size_average, reduce)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        safe = _ops.where(target <= 1, 2.0, target)
        stirling = safe * safe.log() - safe + 0.5 * (2 * math.pi * safe).log()
        loss = loss + _ops.where(target <= 1, 0.0, stirling)
    return _reduce(loss, reduction)


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    reduction = reduction_arg("soft_margin_loss", reduction, size_average, reduce)
    return _reduce(softplus(-target * input), reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    reduction = reduction_arg("margin_ranking_loss", reduction, size_average, reduce)
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,
                         size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    reduction = reduction_arg("hinge_embedding_loss", reduction, size_average, reduce)
    zero = input * 0  # ATen's masks: anything but 1 takes the margin term, but -1 the input
    loss = _ops.where(target != -1, input, zero) + \
        _ops.where(target != 1, (margin - input).clamp_min(0), zero)
    return _reduce(loss, reduction)


__all__ = [
    "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "elu", "elu_", "selu", "celu", "gelu",
    "silu", "mish", "softplus", "hardtanh", "hardtanh_", "hardswish", "hardsigmoid", "threshold",
    "logsigmoid", "tanh", "sigmoid", "softsign", "tanhshrink", "softshrink", "hardshrink", "glu",
    "prelu", "softmax", "log_softmax", "softmin", "linear", "bilinear", "embedding", "dropout",
    "dropout1d", "dropout2d", "dropout3d", "one_hot", "pad", "flatten", "conv1d", "conv2d",
    "conv_transpose2d", "max_pool1d", "max_pool2d", "max_pool2d_with_indices", "avg_pool1d",
    "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "batch_norm", "layer_norm",
    "group_norm", "instance_norm", "normalize", "cosine_similarity", "pairwise_distance",
    "scaled_dot_product_attention", "cross_entropy", "nll_loss", "mse_loss", "l1_loss",
    "smooth_l1_loss", "huber_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "kl_div", "poisson_nll_loss", "soft_margin_loss", "margin_ranking_loss",
    "hinge_embedding_loss",
    # resampling, sliding blocks, adaptive max pooling (graphc.ops.resample/patches/adaptive_pool)
    "interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "unfold", "fold",
    "adaptive_max_pool1d", "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d",
    "adaptive_max_pool2d_with_indices",
    # attention (graphc.nn._attention)
    "multi_head_attention_forward",
]

# Attention (graphc.nn._attention) uses linear/dropout/pad above, hence the import at the end.
from graphc.nn._attention import (_canonical_mask, _none_or_dtype,  # noqa: E402,F401
                                  multi_head_attention_forward, scaled_dot_product_attention)

# The wider layer set builds on the functions above, hence these imports at the end too.
from graphc.nn._functional_layers import *  # noqa: E402,F401,F403
from graphc.nn._functional_layers import __all__ as _layers_all  # noqa: E402
from graphc.nn._functional_losses import *  # noqa: E402,F401,F403
from graphc.nn._functional_losses import __all__ as _losses_all  # noqa: E402

__all__ += [name for name in _layers_all + _losses_all if name not in __all__]
