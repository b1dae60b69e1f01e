"""The layer functionals behind the wider ``torch.nn`` set: ``inplace=`` activation variants,
rrelu, alpha dropout, conv_transpose1d, max unpooling, power-average pooling, pixel/channel
shuffles, local response and RMS norms, pdist, embedding_bag and gumbel_softmax.

Each is composed of graphc ops the way PyTorch composes it (or its ATen kernel computes it), so
autograd, double backward, ``graphc.compile`` and CuPy need no rules of their own: none of these
is slow or wrong enough as a composition to deserve a registry op. Re-exported by
``graphc.nn.functional``.
"""
from __future__ import annotations

import math

from graphc import dtypes as _dt
from graphc import ops as _ops
from graphc.errors import (DTypeError, GraphcNotImplementedError, GraphcValueError, ShapeError,
                           TraceError)
from graphc.nn.functional import (_check_p, _embedding_renorm_, _maybe_inplace, avg_pool1d,
                                  avg_pool2d, leaky_relu, max_pool1d, max_pool2d, pad, selu)
from graphc.nn.functional import threshold as _threshold
from graphc.ops.activation import celu as _celu, hardsigmoid as _hardsigmoid
from graphc.ops.activation import hardswish as _hardswish, mish as _mish
from graphc.ops.conv import checked, conv_transpose2d, ntuple
from graphc.ops.dispatch import active_tracer
from graphc.ops.nn import EMBEDDING, dropout_mask, embedding_padding_idx
from graphc.tensor import Tensor


# -- activations with PyTorch's inplace= argument ----------------------------------------------
def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    return _maybe_inplace(input, inplace, lambda x: _celu(x, alpha), "celu")


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return celu(input, alpha, True)


def selu_(input: Tensor) -> Tensor:
    return selu(input, True)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return _threshold(input, threshold, value, True)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    return _maybe_inplace(input, inplace, _hardsigmoid, "hardsigmoid")


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    return _maybe_inplace(input, inplace, _hardswish, "hardswish")


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    return _maybe_inplace(input, inplace, _mish, "mish")


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
          training: bool = False, inplace: bool = False) -> Tensor:
    """Leaky ReLU whose negative slope is drawn from U(lower, upper) per element in training,
    and fixed at (lower + upper) / 2 in eval."""
    if lower > upper:
        raise GraphcValueError(f"rrelu: Lower bound should be less than or equal to the upper "
                               f"bound (got lower={lower}, upper={upper})")
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)

    def draw(x: Tensor) -> Tensor:
        if not x.dtype.is_floating_point:
            raise DTypeError(f"rrelu: expected a floating point input, got {x.dtype}")
        slope = _ops.rand_like(x) * (upper - lower) + lower
        return _ops.where(x > 0, x, x * slope)  # the slope is the gradient at 0 too, as in ATen
    return _maybe_inplace(input, inplace, draw, "rrelu")


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
           training: bool = False) -> Tensor:
    return rrelu(input, lower, upper, training, True)


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """softmax((logits + Gumbel noise) / tau); ``hard`` returns one-hot samples whose gradient
    is the soft sample's (straight-through)."""
    if eps != 1e-10:
        import warnings
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    # -log(E) with E ~ Exp(1) = -log1p(-U), U ~ U[0, 1): PyTorch's exponential_().log()
    gumbels = -(-(-_ops.rand_like(logits)).log1p()).log()
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = _ops.zeros_like(logits).scatter(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


# -- alpha dropout -----------------------------------------------------------------------------
_SELU_ALPHA_PRIME = 1.7580993408473766  # -selu's negative saturation value, SELU scale * alpha


def _feature_noise_shape(name: str, input: Tensor) -> tuple:
    """One draw per (sample, channel): (N, C, 1, …), as ATen's feature dropouts."""
    if input.ndim < 2:
        raise ShapeError(f"{name}: Feature dropout requires at least 2 dimensions in the input "
                         f"(got input of size {list(input.shape)})")
    return tuple(input.shape[:2]) + (1,) * (input.ndim - 2)


def _alpha_dropout(input: Tensor, p: float, training: bool, inplace: bool, shape) -> Tensor:
    """Dropped units are set to SELU's saturation value, then an affine map restores the mean
    and variance (ATen's ``_dropout_impl`` with alpha)."""
    _check_p(p)
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if p == 1.0:
        return input.mul_(0.0) if inplace else input * 0.0
    keep = (dropout_mask(input, p, shape) != 0).to(input.dtype)
    a = 1.0 / math.sqrt((_SELU_ALPHA_PRIME ** 2 * p + 1) * (1 - p))
    b = (keep - 1) * (_SELU_ALPHA_PRIME * a) + _SELU_ALPHA_PRIME * a * p
    noise = keep * a
    return input.mul_(noise).add_(b) if inplace else input * noise + b


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Tensor:
    return _alpha_dropout(input, p, training, inplace, tuple(input.shape))


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    _check_p(p)
    shape = _feature_noise_shape("feature_alpha_dropout", input) if training else None
    return _alpha_dropout(input, p, training, inplace, shape)


# -- 1-D transposed convolution, max pooling with indices --------------------------------------
def _single(op: str, name: str, v) -> int:
    return ntuple(op, name, v, 1)[0]


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """conv_transpose2d over a height-1 image: (N, C, L) -> (N, C, 1, L) and back."""
    op = "conv_transpose1d"
    if input.ndim not in (2, 3) or weight.ndim != 3:
        raise ShapeError(f"{op}: Expected 2D (unbatched) or 3D (batched) input and a 3D weight, "
                         f"but got input of size {list(input.shape)} and weight of size "
                         f"{list(weight.shape)}")
    out = conv_transpose2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias,
                           (1, _single(op, "stride", stride)), (0, _single(op, "padding", padding)),
                           (0, _single(op, "output_padding", output_padding)), groups,
                           (1, _single(op, "dilation", dilation)))
    return out.squeeze(-2)


def max_pool1d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = False):
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


# -- max unpooling -----------------------------------------------------------------------------
def _unpool_output_size(op: str, input: Tensor, kernel, stride, padding, output_size) -> tuple:
    """PyTorch's ``_unpool_output_size``: the inverse of the pooling size, or ``output_size``
    when it is one of the sizes that pool down to the input's."""
    n = len(kernel)
    default = tuple((input.shape[input.ndim - n + d] - 1) * stride[d] + kernel[d] - 2 * padding[d]
                    for d in range(n))
    if output_size is None:
        size = default
    else:
        size = tuple(int(s) for s in output_size)
        if len(size) == n + 2:
            size = size[2:]
        if len(size) != n:
            raise GraphcValueError(f"{op}: output_size should be a sequence containing {n} or "
                                   f"{n + 2} elements, but it has a length of '{len(size)}'")
        for d in range(n):
            lo, hi = default[d] - stride[d], default[d] + stride[d]
            if not lo < size[d] < hi:
                raise GraphcValueError(f"{op}: invalid output_size \"{list(size)}\" (dim {d} "
                                       f"must be between {lo} and {hi})")
    if min(size) < 0:
        raise GraphcValueError(f"{op}: output_size must contain non-negative spatial dimensions, "
                               f"but got {list(size)} for input of size {list(input.shape)}")
    return size


def _max_unpool(op: str, n: int, input: Tensor, indices: Tensor, kernel_size, stride, padding,
                output_size) -> Tensor:
    """Scatter each value to the flat position (within its plane) its index names; the rest
    is zero. The gradient is the gather at the same indices (scatter's own vjp)."""
    kernel = ntuple(op, "kernel_size", kernel_size, n)
    stride = kernel if stride is None else ntuple(op, "stride", stride, n)
    padding = ntuple(op, "padding", padding, n)
    if input.ndim not in (n + 1, n + 2):
        raise ShapeError(f"{op}: Expected {n + 1}D or {n + 2}D (batch mode) tensor for input, "
                         f"but got input of size {list(input.shape)}")
    if indices.dtype is not _dt.int64:
        raise DTypeError(f"{op}: elements in indices should be type int64 but got: "
                         f"{indices.dtype}")
    if tuple(indices.shape) != tuple(input.shape):
        raise ShapeError(f"{op}: Expected shape of indices to be same as that of the input "
                         f"tensor ({list(input.shape)}) but got indices tensor with shape: "
                         f"{list(indices.shape)}")
    size = _unpool_output_size(op, input, kernel, stride, padding, output_size)
    lead = tuple(input.shape[:-n])
    plane = math.prod(size)
    out = _ops.zeros(lead + (plane,), dtype=input.dtype, device=input.device)
    flat = lambda t: t.reshape(lead + (-1,))  # noqa: E731
    return out.scatter(-1, flat(indices), flat(input)).reshape(lead + size)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    return _max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding,
                       output_size)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    return _max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding,
                       output_size)


# -- power-average pooling ---------------------------------------------------------------------
def _lp_pool(op: str, n: int, input: Tensor, norm_type, kernel_size, stride,
             ceil_mode: bool) -> Tensor:
    """(sum over the window of x^p)^(1/p), as PyTorch: avg pool of x^p times the window size;
    p = ±inf is the max (min) of |x|."""
    max_pool, avg_pool = (max_pool1d, avg_pool1d) if n == 1 else (max_pool2d, avg_pool2d)
    kernel = ntuple(op, "kernel_size", kernel_size, n)
    if norm_type == math.inf:
        return max_pool(input.abs(), kernel, stride, 0, 1, ceil_mode)
    if norm_type == -math.inf:
        return -max_pool(-input.abs(), kernel, stride, 0, 1, ceil_mode)
    out = avg_pool(input.pow(norm_type), kernel, stride, 0, ceil_mode)
    return (out.sign() * _ops.relu(out.abs())).mul(math.prod(kernel)).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size, stride=None,
              ceil_mode: bool = False) -> Tensor:
    return _lp_pool("lp_pool1d", 1, input, norm_type, kernel_size, stride, ceil_mode)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size, stride=None,
              ceil_mode: bool = False) -> Tensor:
    return _lp_pool("lp_pool2d", 2, input, norm_type, kernel_size, stride, ceil_mode)


# -- pixel and channel shuffles ----------------------------------------------------------------
def _check_factor(op: str, what: str, factor) -> int:
    factor = int(factor)
    if factor <= 0:
        raise GraphcValueError(f"{op} expects a positive {what}, but got {factor}")
    return factor


def _need_3d(op: str, input: Tensor) -> None:
    if input.ndim < 3:
        raise ShapeError(f"{op} expects input to have at least 3 dimensions, but got input with "
                         f"{input.ndim} dimension(s) (size {list(input.shape)})")


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C r^2, H, W) -> (*, C, H r, W r): each group of r^2 channels tiles an r x r block."""
    op = "pixel_shuffle"
    _need_3d(op, input)
    r = _check_factor(op, "upscale_factor", upscale_factor)
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise ShapeError(f"{op} expects its input's 'channel' dimension to be divisible by the "
                         f"square of upscale_factor, but input.size(-3)={c} is not divisible by "
                         f"{r * r}")
    k = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    x = x.permute(*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """pixel_shuffle's inverse: (*, C, H r, W r) -> (*, C r^2, H, W)."""
    op = "pixel_unshuffle"
    _need_3d(op, input)
    r = _check_factor(op, "downscale_factor", downscale_factor)
    *lead, c, h, w = input.shape
    for name, size, d in (("height", h, -2), ("width", w, -1)):
        if size % r:
            raise ShapeError(f"{op} expects {name} to be divisible by downscale_factor, but "
                             f"input.size({d})={size} is not divisible by {r}")
    k = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.permute(*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """(N, g * k, *) -> (N, k * g, *): channel i of group j moves to position i * g + j."""
    if input.ndim <= 2:
        raise ShapeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes "
                         f"{list(input.shape)}")
    g = int(groups)
    if g <= 0:
        raise GraphcValueError(f"Number of groups to divide channels in must be positive. Value "
                               f"of groups:{g}")
    n, c, *rest = input.shape
    if c % g:
        raise ShapeError(f"Number of channels must be divisible by groups. Got {c} channels and "
                         f"{g} groups.")
    return input.reshape(n, g, c // g, *rest).transpose(1, 2).reshape(n, c, *rest)


# -- normalization -----------------------------------------------------------------------------
def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """x / (k + alpha * mean of x^2 over ``size`` neighbouring channels)^beta.

    PyTorch averages over a zero-padded channel window with avg_pool2d (3-D input) or
    avg_pool3d; flattening the spatial dims makes both one avg_pool2d here.
    """
    if input.ndim < 3:
        raise GraphcValueError(f"local_response_norm: Expected 3D or higher dimensionality input "
                               f"(got {input.ndim} dimensions)")
    if input.numel() == 0:
        return input
    n, c = input.shape[0], input.shape[1]
    div = (input * input).reshape(n, 1, c, -1)
    div = pad(div, (0, 0, size // 2, (size - 1) // 2))
    div = avg_pool2d(div, (size, 1), stride=1).reshape(tuple(input.shape))
    return input / div.mul(alpha).add(k).pow(beta)


def _normalized_dims(op: str, input: Tensor, normalized_shape) -> tuple:
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    shape = tuple(int(s) for s in normalized_shape)
    if not shape:
        raise ShapeError(f"{op}: Expected normalized_shape to be at least 1-dimensional, i.e., "
                         f"containing at least one element, but got normalized_shape = [] "
                         f"(input of size {list(input.shape)})")
    if input.ndim < len(shape) or tuple(input.shape[input.ndim - len(shape):]) != shape:
        raise ShapeError(f"{op}: Given normalized_shape={list(shape)}, expected input with shape "
                         f"[*, {', '.join(map(str, shape))}], but got input of size"
                         f"{list(input.shape)}")
    return shape


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """x / sqrt(mean(x^2) + eps) over the trailing ``normalized_shape`` dims, times weight;
    ``eps=None`` is the input dtype's machine epsilon, as in PyTorch."""
    shape = _normalized_dims("rms_norm", input, normalized_shape)
    if weight is not None and tuple(weight.shape) != shape:
        raise ShapeError(f"rms_norm: Expected weight to be of same shape as normalized_shape, "
                         f"but got weight of shape {list(weight.shape)} and normalized_shape = "
                         f"{list(shape)}")
    if eps is None:
        eps = _dt.finfo(input.dtype).eps
    dims = tuple(range(-len(shape), 0))
    y = input * _ops.rsqrt((input * input).mean(dims, keepdim=True) + eps)
    return y * weight if weight is not None else y


# -- distances ---------------------------------------------------------------------------------
def pdist(input: Tensor, p: float = 2.0) -> Tensor:
    """p-norm distances between the rows of an (N, M) input, for each pair i < j in row-major
    order: the upper triangle of cdist(x, x), flattened."""
    if input.ndim != 2:
        raise ShapeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if p < 0:
        raise GraphcValueError(f"pdist only supports non-negative p values (got p={p})")
    n = input.shape[0]
    rows = _ops.arange(n, device=input.device)
    first = rows.repeat_interleave(_ops.arange(n - 1, -1, -1, device=input.device)) if n else \
        rows
    # second[k] runs i+1 .. n-1 within row i's block: k minus the block start, plus i + 1
    start = (_ops.arange(n, device=input.device) * (2 * n - 1 - _ops.arange(
        n, device=input.device))) // 2
    second = _ops.arange(first.shape[0], device=input.device) - start[first] + first + 1
    return (input[first] - input[second]).norm(p, dim=1)


# -- embedding bags ----------------------------------------------------------------------------
_BAG_MODES = ("sum", "mean", "max")


def _is_tracing() -> bool:
    return active_tracer.get() is not None


def _bag_reduce(vals: Tensor, keep: Tensor | None, mode: str, dim: int) -> Tensor:
    """Reduce fixed-length bags (2-D input) over ``dim``; entries where ``keep`` is False
    (padding_idx) are left out, and a bag with none left gives 0, as in PyTorch."""
    if mode == "max":
        if keep is None:
            return vals.max(dim)[0]
        best = vals.masked_fill(keep.logical_not().unsqueeze(-1), float("-inf")).max(dim)[0]
        return best.masked_fill(keep.any(dim).logical_not().unsqueeze(-1), 0.0)
    if keep is not None:
        vals = vals.masked_fill(keep.logical_not().unsqueeze(-1), 0.0)
    total = vals.sum(dim)
    if mode == "sum":
        return total
    count = keep.sum(dim) if keep is not None else vals.shape[dim]
    if keep is None:
        return total / count
    return total / count.clamp_min(1).unsqueeze(-1).to(total.dtype)


def _offsets_bags(op: str, input: Tensor, offsets: Tensor) -> tuple:
    """(bag of each index, number of bags) for 1-D input cut at ``offsets``; the bag ids come
    from a cumulative count of bag starts, so they need no concrete offsets (compile works)."""
    if offsets.dtype not in (_dt.int64, _dt.int32):
        raise DTypeError(f"{op}: offsets must be an int64 or int32 tensor, got {offsets.dtype}")
    if not _is_tracing() and offsets.numel() and int(offsets[0]) != 0:
        raise GraphcValueError(f"{op}: offsets[0] has to be 0, i.e., the first sequence in the "
                               f"mini-batch has to start from position 0. However, got "
                               f"{int(offsets[0])}")
    n, m = input.shape[0], offsets.shape[0]
    starts = _ops.zeros(n + 1, dtype=_dt.int64, device=input.device)
    starts = starts.index_add(0, offsets.long(), _ops.ones(m, dtype=_dt.int64,
                                                           device=input.device))
    ids = starts.cumsum(0)[:n] - 1
    return ids, m


def _offsets_max(op: str, input: Tensor, vals: Tensor, keep, offsets: Tensor, m: int) -> Tensor:
    """Max over each bag of 1-D input: bags padded to the longest one (needs concrete offsets)."""
    if _is_tracing():
        raise TraceError(f"{op}: mode='max' with 1-D input and offsets needs the offsets' values "
                         f"while tracing; pass 2-D input (fixed-length bags) to compile it")
    n = input.shape[0]
    bounds = [int(o) for o in offsets.tolist()] + [n]
    length = max((bounds[i + 1] - bounds[i] for i in range(m)), default=0)
    pos, ok = [], []
    for i in range(m):
        size = max(bounds[i + 1] - bounds[i], 0)
        pos += [bounds[i] + j if j < size else 0 for j in range(length)]
        ok += [j < size for j in range(length)]
    pos_t = _ops.tensor(pos, dtype=_dt.int64, device=input.device).reshape(m, length)
    ok_t = _ops.tensor(ok, dtype=_dt.bool_, device=input.device).reshape(m, length)
    if keep is not None and n:
        ok_t = ok_t & keep[pos_t]
    if length == 0:
        return _ops.zeros((m, vals.shape[-1]), dtype=vals.dtype, device=vals.device)
    return _bag_reduce(vals[pos_t], ok_t, "max", 1)


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None,
                  max_norm: float | None = None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """Sum, mean or max of the embedding rows in each bag, without building the (bags, length,
    dim) lookups for 1-D input: rows are accumulated into their bag with index_add."""
    op = "embedding_bag"
    if per_sample_weights is not None and \
            tuple(input.shape) != tuple(per_sample_weights.shape):
        raise GraphcValueError(f"{op}: If per_sample_weights ({list(per_sample_weights.shape)}) "
                               f"is not None, then it must have the same shape as the input "
                               f"({list(input.shape)})")
    if weight.ndim != 2:
        raise GraphcValueError(f"{op}: weight has to be a 2D Tensor, but got Tensor of dimension "
                               f"{weight.ndim}")
    if input.ndim == 2:
        if offsets is not None:
            raise GraphcValueError(f"{op}: if input is 2D, then offsets has to be None, as input "
                                   f"is treated is a mini-batch of fixed length sequences. "
                                   f"However, found offsets of type {type(offsets).__name__}")
    elif input.ndim == 1:
        if offsets is None:
            raise GraphcValueError(f"{op}: offsets has to be a 1D Tensor but got None")
        if offsets.ndim != 1:
            raise GraphcValueError(f"{op}: offsets has to be a 1D Tensor (got size "
                                   f"{list(offsets.shape)})")
    else:
        raise GraphcValueError(f"{op}: input has to be 1D or 2D Tensor, but got Tensor of "
                               f"dimension {input.ndim}")
    if mode not in _BAG_MODES:
        raise GraphcValueError(f"{op}: mode has to be one of sum, mean or max (got {mode!r})")
    if scale_grad_by_freq or sparse:
        raise GraphcValueError(f"{op}: scale_grad_by_freq=True and sparse=True are not supported "
                               f"by graphc (gradients are dense and unscaled)")
    if per_sample_weights is not None and mode != "sum":
        raise GraphcNotImplementedError(f"{op}: per_sample_weights was not None. "
                                        f"per_sample_weights is only supported for mode='sum' "
                                        f"(got mode='{mode}')")
    pidx = embedding_padding_idx(padding_idx, weight)
    if max_norm is not None:
        _embedding_renorm_(weight, input, float(max_norm), float(norm_type))
    vals = checked(EMBEDDING, weight, input, padding_idx=pidx)
    if per_sample_weights is not None:
        vals = vals * per_sample_weights.unsqueeze(-1)
    keep = None if pidx is None else input != pidx
    if input.ndim == 2:
        return _bag_reduce(vals, keep, mode, 1)
    if include_last_offset:  # the last bag runs to the end of input anyway, as in PyTorch
        offsets = offsets[:-1]
    ids, m = _offsets_bags(op, input, offsets)
    if mode == "max":
        return _offsets_max(op, input, vals, keep, offsets, m)
    if keep is not None:
        vals = vals.masked_fill(keep.logical_not().unsqueeze(-1), 0.0)
    zeros = _ops.zeros((m, weight.shape[1]), dtype=vals.dtype, device=vals.device)
    total = zeros.index_add(0, ids, vals)
    if mode == "mean":
        ones = _ops.ones(input.shape[0], dtype=vals.dtype, device=vals.device)
        if keep is not None:
            ones = ones.masked_fill(keep.logical_not(), 0.0)
        count = _ops.zeros(m, dtype=vals.dtype, device=vals.device).index_add(0, ids, ones)
        total = total / count.clamp_min(1).unsqueeze(-1)
    return total


__all__ = ["celu", "celu_", "selu_", "threshold_", "hardsigmoid", "hardswish", "mish", "rrelu",
           "rrelu_", "gumbel_softmax", "alpha_dropout", "feature_alpha_dropout",
           "conv_transpose1d", "max_pool1d_with_indices", "max_unpool1d", "max_unpool2d",
           "lp_pool1d", "lp_pool2d", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle",
           "local_response_norm", "rms_norm", "pdist", "embedding_bag"]
