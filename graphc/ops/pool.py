"""2-D pooling: max (with PyTorch's indices), average, adaptive average.

Each pooling op comes with a backward op, and each pair is adjoint: the backward's vjp is the
forward again (max pooling given indices is a gather and its backward the matching scatter;
average pooling is linear). So the compiler traces the backward and double backward works.

Max pooling is split in two: ``max_pool2d_indices`` finds PyTorch's flat argmax indices (no
gradient), and ``max_pool2d`` gathers the values at them. The gradient therefore reads the
indices as an ordinary saved input, in eager mode and in a traced graph alike. All kernels take
any number of leading dims (N, C or just C) and vectorize over windows: the only Python loops
run over the kh*kw kernel offsets.
"""
from __future__ import annotations


import numpy as np

from graphc import dtypes as _dt
from graphc.errors import GraphcValueError, ShapeError
from graphc.ops.conv import check_float, checked, fill_out, ntuple
from graphc.ops.dispatch import apply
from graphc.ops.dtype_checks import no_kernel_for
from graphc.ops.registry import NONDIFF, OpDef, register
from graphc.tensor import Tensor


# -- geometry --------------------------------------------------------------------------------
def _pool_len(op, size, k, s, p, d, ceil_mode) -> int:
    """PyTorch's pooling output size (ceil_mode drops a last window starting in the padding)."""
    span = size + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    if out < 1:
        raise ShapeError(f"{op}: Given input size per channel {size}, kernel {k}, stride {s}, "
                         f"padding {p}, dilation {d}: calculated output size {out} is too small")
    return out


def _pool_shape(op, shape, kernel, stride, padding, dilation, ceil_mode) -> tuple:
    if len(shape) not in (3, 4):
        raise ShapeError(f"{op}: Expected 3D or 4D (batch mode) tensor for input, got input of "
                         f"shape {list(shape)}")
    if min(kernel) < 1 or min(stride) < 1 or min(dilation) < 1 or min(padding) < 0:
        raise GraphcValueError(f"{op}: kernel size, stride and dilation must be greater than "
                               f"zero and padding non-negative, got kernel_size={kernel}, "
                               f"stride={stride}, padding={padding}, dilation={dilation}")
    for p, k in zip(padding, kernel):
        if p > k // 2:
            raise ShapeError(f"{op}: pad should be at most half of effective kernel size, "
                             f"but got pad={p}, kernel_size={k} (input {list(shape)})")
    oh = _pool_len(op, shape[-2], kernel[0], stride[0], padding[0], dilation[0], ceil_mode)
    ow = _pool_len(op, shape[-1], kernel[1], stride[1], padding[1], dilation[1], ceil_mode)
    return oh, ow


def _padded(xp, x3, kernel, stride, padding, dilation, oh, ow, fill):
    """``x3`` (B, H, W) padded so every window lies inside (ceil_mode overhangs too)."""
    b, h, w = x3.shape
    hn = (oh - 1) * stride[0] + dilation[0] * (kernel[0] - 1) + 1
    wn = (ow - 1) * stride[1] + dilation[1] * (kernel[1] - 1) + 1
    ph, pw = padding
    if ph == 0 and pw == 0 and hn <= h and wn <= w:
        return x3
    src = xp.full((b, max(hn, h + ph), max(wn, w + pw)), fill, x3.dtype)
    src[:, ph:ph + h, pw:pw + w] = x3
    return src


def _offsets(kernel, stride, dilation, oh, ow):
    """(i, j, slice_h, slice_w) of every kernel offset, over the padded input."""
    hs, ws = stride[0] * (oh - 1) + 1, stride[1] * (ow - 1) + 1
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            a, c = i * dilation[0], j * dilation[1]
            yield i, j, slice(a, a + hs, stride[0]), slice(c, c + ws, stride[1])


# -- max pooling -----------------------------------------------------------------------------
def _maxpool_indices_impl(xp, x, kernel, stride, padding, dilation, ceil_mode, out=None):
    *lead, h, w = x.shape
    oh, ow = _pool_shape("max_pool2d", x.shape, kernel, stride, padding, dilation, ceil_mode)
    low = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min  # integers: no -inf
    src = _padded(xp, x.reshape(-1, h, w), kernel, stride, padding, dilation, oh, ow, low)
    offs = list(_offsets(kernel, stride, dilation, oh, ow))
    planes = xp.stack([src[:, sh, sw] for _, _, sh, sw in offs])  # (kh*kw, B, OH, OW)
    best = planes.max(axis=0)  # propagates NaN, like PyTorch
    has_nan = bool(xp.isnan(best).any())
    # The first offset in PyTorch's row-major scan that holds the maximum: count, per window,
    # the offsets passed before meeting it.
    arg = xp.zeros(best.shape, np.uint8 if len(offs) <= 256 else np.int32)
    pending = None
    for k in range(len(offs) - 1):
        miss = planes[k] != best
        if has_nan:  # a NaN is its window's maximum
            miss &= ~xp.isnan(planes[k])
        pending = miss if pending is None else xp.logical_and(pending, miss, out=pending)
        arg += pending
    table = np.array([i * dilation[0] * w + j * dilation[1] for i, j, _, _ in offs], np.int64)
    base = ((np.arange(oh) * stride[0] - padding[0])[:, None] * w
            + (np.arange(ow) * stride[1] - padding[1])[None, :])
    idx = xp.asarray(table).take(arg)
    idx += xp.asarray(base)
    return fill_out(out, idx.reshape(*lead, oh, ow))


def _gather_planes(xp, x, idx):
    """``x[..., idx]`` over each flattened (H, W) plane."""
    h, w = x.shape[-2:]
    b = idx.size // max(idx.shape[-1] * idx.shape[-2], 1) if idx.ndim >= 2 else 1
    xf = x.reshape(b, h * w)
    rows = xp.arange(b, dtype=np.int64).reshape(b, 1) * (h * w)
    flat = idx.reshape(b, -1) + rows
    return xp.ascontiguousarray(xf).reshape(-1).take(flat.reshape(-1)).reshape(idx.shape)


def _maxpool_impl(xp, x, idx, overlap, out=None):
    return fill_out(out, _gather_planes(xp, x, idx))


def _maxpool_backward_impl(xp, g, idx, input_hw, overlap, out=None):
    h, w = input_hw
    *lead, _, _ = g.shape  # fails below 2-D: the shape rule then names the problem
    b = int(np.prod(lead)) if lead else 1
    dx = xp.zeros((b * h * w,), g.dtype)
    flat = idx.reshape(b, -1) + xp.arange(b, dtype=np.int64).reshape(b, 1) * (h * w)
    if overlap:  # windows share elements: repeated indices must accumulate
        from graphc.ops.index import add_at
        add_at(xp, dx, flat.reshape(-1), g.reshape(-1))
    else:
        dx[flat.reshape(-1)] = g.reshape(-1)
    return fill_out(out, dx.reshape(*lead, h, w))


def _maxpool_indices_infer(x, kernel, stride, padding, dilation, ceil_mode):
    no_kernel_for("max_pool2d", x)  # integers pool too, as in PyTorch
    oh, ow = _pool_shape("max_pool2d", tuple(x.shape), kernel, stride, padding, dilation,
                         ceil_mode)
    return tuple(x.shape[:-2]) + (oh, ow), _dt.int64


def _maxpool_infer(x, idx, overlap):
    if tuple(x.shape[:-2]) != tuple(idx.shape[:-2]) or idx.dtype is not _dt.int64:
        raise ShapeError(f"max_pool2d: indices of shape {list(idx.shape)} ({idx.dtype}) do not "
                         f"match input of shape {list(x.shape)}")
    return tuple(idx.shape), x.dtype


def _maxpool_backward_infer(g, idx, input_hw, overlap):
    if g.ndim not in (3, 4):
        raise ShapeError(f"max_pool2d_backward: expected a 3D or 4D gradient, got shape "
                         f"{list(g.shape)}")
    if tuple(g.shape) != tuple(idx.shape):
        raise ShapeError(f"max_pool2d_backward: gradient of shape {list(g.shape)} does not "
                         f"match indices of shape {list(idx.shape)}")
    return tuple(g.shape[:-2]) + tuple(input_hw), g.dtype


MAX_POOL2D_INDICES = register(OpDef(
    name="max_pool2d_indices", infer=_maxpool_indices_infer, impl=_maxpool_indices_impl,
    vjp=NONDIFF, doc="Flat (H*W) index of each window's first maximum, as PyTorch returns."))
MAX_POOL2D = register(OpDef(
    name="max_pool2d", infer=_maxpool_infer, impl=_maxpool_impl, saves=(1,),
    vjp=lambda g, x, idx, out, overlap: (apply(MAX_POOL2D_BACKWARD, g, idx, overlap=overlap,
                                               input_hw=tuple(x.shape[-2:])), None),
    grad_name="MaxPool2DWithIndicesBackward0",
    doc="Max pooling values: the input gathered at max_pool2d_indices."))
MAX_POOL2D_BACKWARD = register(OpDef(
    name="max_pool2d_backward", infer=_maxpool_backward_infer, impl=_maxpool_backward_impl,
    saves=(1,), vjp=lambda u, g, idx, out, input_hw, overlap: (
        apply(MAX_POOL2D, u, idx, overlap=overlap), None),
    grad_name="MaxPool2DWithIndicesBackwardBackward0",
    doc="Scatter of the output gradient to the argmax positions."))


# -- average pooling -------------------------------------------------------------------------
def _divisor(xp, size, k, s, p, n_out, count_include_pad):
    """Per-output window sizes along one dim (PyTorch's avg_pool2d bounds), as a float array."""
    start = np.arange(n_out) * s - p
    end = np.minimum(start + k, size + p)
    full = end - start
    inside = np.minimum(end, size) - np.maximum(start, 0)
    return full if count_include_pad else inside


def _avg_divisor(xp, shape, kernel, stride, padding, oh, ow, count_include_pad,
                 divisor_override, dtype):
    if divisor_override:
        return float(divisor_override)
    dh = _divisor(xp, shape[-2], kernel[0], stride[0], padding[0], oh, count_include_pad)
    dw = _divisor(xp, shape[-1], kernel[1], stride[1], padding[1], ow, count_include_pad)
    return xp.asarray(np.outer(dh, dw).astype(dtype))


def _avgpool_impl(xp, x, kernel, stride, padding, ceil_mode, count_include_pad,
                  divisor_override, out=None):
    *lead, h, w = x.shape
    oh, ow = _pool_shape("avg_pool2d", x.shape, kernel, stride, padding, (1, 1), ceil_mode)
    src = _padded(xp, x.reshape(-1, h, w), kernel, stride, padding, (1, 1), oh, ow, 0)
    acc = None
    for _, _, sh, sw in _offsets(kernel, stride, (1, 1), oh, ow):
        acc = src[:, sh, sw].copy() if acc is None else xp.add(acc, src[:, sh, sw], out=acc)
    div = _avg_divisor(xp, x.shape, kernel, stride, padding, oh, ow, count_include_pad,
                       divisor_override, x.dtype)
    if x.dtype.kind == "f":
        acc /= div
    else:  # integer averages truncate toward zero, as PyTorch's
        acc = (acc / div).astype(x.dtype)
    return fill_out(out, acc.reshape(*lead, oh, ow))


def _avgpool_backward_impl(xp, g, input_hw, kernel, stride, padding, ceil_mode,
                           count_include_pad, divisor_override, out=None):
    *lead, oh, ow = g.shape
    h, w = input_hw
    gd = g.reshape(-1, oh, ow) / _avg_divisor(xp, input_hw, kernel, stride, padding, oh, ow,
                                              count_include_pad, divisor_override, g.dtype)
    ph, pw = padding
    hn = max((oh - 1) * stride[0] + kernel[0], h + ph)
    wn = max((ow - 1) * stride[1] + kernel[1], w + pw)
    acc = xp.zeros((gd.shape[0], hn, wn), g.dtype)
    for _, _, sh, sw in _offsets(kernel, stride, (1, 1), oh, ow):
        acc[:, sh, sw] += gd
    return fill_out(out, xp.ascontiguousarray(acc[:, ph:ph + h, pw:pw + w]).reshape(*lead, h, w))


def _avgpool_infer(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
    no_kernel_for("avg_pool2d", x)  # integers pool too, as in PyTorch
    oh, ow = _pool_shape("avg_pool2d", tuple(x.shape), kernel, stride, padding, (1, 1),
                         ceil_mode)
    return tuple(x.shape[:-2]) + (oh, ow), x.dtype


def _avgpool_backward_infer(g, input_hw, kernel, stride, padding, ceil_mode, count_include_pad,
                            divisor_override):
    want = _pool_shape("avg_pool2d_backward", tuple(g.shape[:-2]) + tuple(input_hw), kernel,
                       stride, padding, (1, 1), ceil_mode)
    if tuple(g.shape[-2:]) != want:
        raise ShapeError(f"avg_pool2d_backward: gradient of shape {list(g.shape)} does not match "
                         f"the pooled size {list(want)} of input {list(input_hw)}")
    return tuple(g.shape[:-2]) + tuple(input_hw), g.dtype


AVG_POOL2D = register(OpDef(
    name="avg_pool2d", infer=_avgpool_infer, impl=_avgpool_impl,
    vjp=lambda g, x, out, **a: (apply(AVG_POOL2D_BACKWARD, g, input_hw=tuple(x.shape[-2:]),
                                      **a),),
    grad_name="AvgPool2DBackward0", doc="Average over kh x kw windows."))
AVG_POOL2D_BACKWARD = register(OpDef(
    name="avg_pool2d_backward", infer=_avgpool_backward_infer, impl=_avgpool_backward_impl,
    vjp=lambda u, g, out, input_hw, **a: (apply(AVG_POOL2D, u, **a),),
    grad_name="AvgPool2DBackwardBackward0",
    doc="avg_pool2d's adjoint: each output gradient spread evenly over its window."))


# -- adaptive average pooling ----------------------------------------------------------------
def _bins(size: int, n_out: int, dtype):
    """(n_out, size) averaging matrix with PyTorch's bins [floor(i*s/n), ceil((i+1)*s/n))."""
    m = np.zeros((n_out, size), dtype)
    for i in range(n_out):
        a, b = (i * size) // n_out, -((-(i + 1) * size) // n_out)
        m[i, a:b] = 1.0 / (b - a)
    return m


def _adaptive_impl(xp, x, output_size, out=None):
    ph = xp.asarray(_bins(x.shape[-2], output_size[0], x.dtype))
    pw = xp.asarray(_bins(x.shape[-1], output_size[1], x.dtype))
    return fill_out(out, xp.matmul(xp.matmul(ph, x), pw.T))


def _adaptive_backward_impl(xp, g, input_hw, out=None):
    ph = xp.asarray(_bins(input_hw[0], g.shape[-2], g.dtype))
    pw = xp.asarray(_bins(input_hw[1], g.shape[-1], g.dtype))
    return fill_out(out, xp.matmul(xp.matmul(ph.T, g), pw))


def _adaptive_infer(x, output_size):
    check_float("adaptive_avg_pool2d", x)
    if x.ndim not in (3, 4) or 0 in tuple(x.shape[-2:]):
        raise ShapeError(f"adaptive_avg_pool2d: Expected 3D or 4D tensor with non-zero spatial "
                         f"dims, but got input of shape {list(x.shape)}")
    if min(output_size) < 1:
        raise GraphcValueError(f"adaptive_avg_pool2d: output_size must be positive, got "
                               f"{list(output_size)}")
    return tuple(x.shape[:-2]) + tuple(output_size), x.dtype


ADAPTIVE_AVG_POOL2D = register(OpDef(
    name="adaptive_avg_pool2d", infer=_adaptive_infer, impl=_adaptive_impl,
    vjp=lambda g, x, out, output_size: (
        apply(ADAPTIVE_AVG_POOL2D_BACKWARD, g, input_hw=tuple(x.shape[-2:])),),
    grad_name="AdaptiveAvgPool2DBackward0",
    doc="Average pooling to a fixed output size (bins as PyTorch's)."))
ADAPTIVE_AVG_POOL2D_BACKWARD = register(OpDef(
    name="adaptive_avg_pool2d_backward",
    infer=lambda g, input_hw: (tuple(g.shape[:-2]) + tuple(input_hw), g.dtype),
    impl=_adaptive_backward_impl,
    vjp=lambda u, g, out, input_hw: (
        apply(ADAPTIVE_AVG_POOL2D, u, output_size=tuple(g.shape[-2:])),),
    grad_name="AdaptiveAvgPool2DBackwardBackward0",
    doc="adaptive_avg_pool2d's adjoint."))


# -- public functions ------------------------------------------------------------------------
def _pool_args(op, kernel_size, stride, padding, dilation=1):
    kernel = ntuple(op, "kernel_size", kernel_size)
    stride = kernel if stride is None or (isinstance(stride, (list, tuple)) and not stride) \
        else ntuple(op, "stride", stride)
    return kernel, stride, ntuple(op, "padding", padding), ntuple(op, "dilation", dilation)


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """Max over windows; with ``return_indices`` also the flat (H*W) argmax of each window."""
    kernel, stride, padding, dilation = _pool_args("max_pool2d", kernel_size, stride, padding,
                                                   dilation)
    idx = checked(MAX_POOL2D_INDICES, input, kernel=kernel, stride=stride, padding=padding,
                dilation=dilation, ceil_mode=bool(ceil_mode))
    overlap = any(s < (k - 1) * d + 1 for k, s, d in zip(kernel, stride, dilation))
    out = apply(MAX_POOL2D, input, idx, overlap=overlap)
    return (out, idx) if return_indices else out


def max_pool2d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = True):
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    kernel, stride, padding, _ = _pool_args("avg_pool2d", kernel_size, stride, padding)
    if divisor_override is not None and int(divisor_override) == 0:
        raise GraphcValueError("avg_pool2d: divisor must be not zero")
    return checked(AVG_POOL2D, input, kernel=kernel, stride=stride, padding=padding,
                 ceil_mode=bool(ceil_mode), count_include_pad=bool(count_include_pad),
                 divisor_override=None if divisor_override is None else int(divisor_override))


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Average pooling to ``output_size`` (None keeps that input dim), as PyTorch bins it."""
    if isinstance(output_size, (list, tuple)):
        size = tuple(input.shape[-2 + i] if s is None else int(s)
                     for i, s in enumerate(output_size))
    else:
        size = ntuple("adaptive_avg_pool2d", "output_size", output_size)
    if len(size) != 2:
        raise GraphcValueError(f"adaptive_avg_pool2d: output_size must be 2, got {size}")
    if size == (1, 1) and input.ndim >= 2:  # PyTorch's MeanBackward1, for any leading dims
        return input.mean(dim=(-2, -1), keepdim=True)
    return checked(ADAPTIVE_AVG_POOL2D, input, output_size=size)


__all__ = ["max_pool2d", "max_pool2d_with_indices", "avg_pool2d", "adaptive_avg_pool2d"]
