"""2-D convolution as im2col + one GEMM, with its two gradients as ops of their own.

NumPy has no convolution kernel, but a strided view of the padded input turns every receptive
field into a column, and one matrix product then does all the arithmetic in BLAS. The gradients
are the same GEMM transposed (dW) and the transposed GEMM followed by a col2im scatter-add (dX).
Both are registry ops so the compiler can trace the backward, and the three ops' vjps are written
in terms of each other (all three are bilinear), so double backward through conv works.

Column layout. ``cols`` is a ``(C*kh*kw, M)`` matrix whose M axis runs over (n, oh, ow). Whether
n or (oh, ow) varies fastest decides how long the contiguous runs of the copies are, and NumPy's
cost per run dominates on small maps: with LeNet's 10x10 maps the batch goes innermost
("n-inner"); with large maps the plain order ("n-outer") avoids transposing the activations.
"""
from __future__ import annotations

import numpy as np

from graphc.errors import ArgumentError, DTypeError, GraphcValueError, ShapeError
from graphc.ops.dispatch import apply
from graphc.ops.registry import OpDef, register
from graphc.tensor import Tensor


# -- argument helpers (shared by the nn family) -----------------------------------------------
def ntuple(op: str, name: str, v, n: int = 2) -> tuple:
    """An int or a length-n sequence of ints as an n-tuple (PyTorch's ``_pair``)."""
    if isinstance(v, Tensor):
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        if len(v) == 1:
            v = tuple(v) * n
        if len(v) != n:
            raise ArgumentError(f"{op}: {name} must be an int or a tuple of {n} ints, got {v!r}")
        return tuple(int(i) for i in v)
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise ArgumentError(f"{op}: {name} must be an int or a tuple of ints, got "
                            f"{type(v).__name__}")
    return (int(v),) * n


def fill_out(out, r):
    """Honour the runtime's ``out=`` buffer."""
    if out is None:
        return r
    out[...] = r
    return out


def checked(op, *args, **attrs):
    """``apply`` after the op's shape rule: eager kernels skip ``infer``, and NumPy would
    quietly broadcast or promote where PyTorch raises (dtype mismatch, wrong target shape)."""
    op.infer(*args, **attrs)
    return apply(op, *args, **attrs)


def as_strided(xp, a, shape, strides):
    return xp.lib.stride_tricks.as_strided(a, shape=shape, strides=strides)


def check_float(op: str, *xs) -> None:
    for x in xs:
        if x is not None and not x.dtype.is_floating_point:
            raise DTypeError(f"{op}: expected a floating point tensor, got {x.dtype} "
                             f"(shape {list(x.shape)})")


# -- geometry --------------------------------------------------------------------------------
def _out_len(size: int, k: int, s: int, p0: int, p1: int, d: int) -> int:
    return (size + p0 + p1 - d * (k - 1) - 1) // s + 1


def _geometry(x_shape, w_shape, stride, padding, dilation):
    """Output (OH, OW) and whether the batch goes innermost in the column matrix."""
    n, _, h, w = x_shape
    _, _, kh, kw = w_shape
    pt, pb, pl, pr = padding
    oh = _out_len(h, kh, stride[0], pt, pb, dilation[0])
    ow = _out_len(w, kw, stride[1], pl, pr, dilation[1])
    return oh, ow, n >= 8 and ow < 16


def _im2col(xp, x, kh, kw, stride, padding, dilation, oh, ow, n_inner):
    """``(C*kh*kw, M)`` receptive fields of ``x``; M ordered (oh, ow, n) or (n, oh, ow)."""
    n, c, h, w = x.shape
    pt, pb, pl, pr = padding
    (sh, sw), (dh, dw) = stride, dilation
    if n_inner:
        src = xp.empty((c, h + pt + pb, w + pl + pr, n), x.dtype)
        if pt or pb or pl or pr:
            src.fill(0)
        src[:, pt:pt + h, pl:pl + w, :] = x.transpose(1, 2, 3, 0)
        s_c, s_h, s_w, s_n = src.strides
        view = as_strided(xp, src, (c, kh, kw, oh, ow, n),
                          (s_c, s_h * dh, s_w * dw, s_h * sh, s_w * sw, s_n))
    else:
        src = x
        if pt or pb or pl or pr:
            src = xp.zeros((n, c, h + pt + pb, w + pl + pr), x.dtype)
            src[:, :, pt:pt + h, pl:pl + w] = x
        s_n, s_c, s_h, s_w = src.strides
        view = as_strided(xp, src, (c, kh, kw, n, oh, ow),
                          (s_c, s_h * dh, s_w * dw, s_n, s_h * sh, s_w * sw))
    return xp.ascontiguousarray(view).reshape(c * kh * kw, -1)


def _gmat(xp, g, n_inner):
    """The output gradient as an ``(O, M)`` matrix in the column order."""
    o = g.shape[1]
    perm = (1, 2, 3, 0) if n_inner else (1, 0, 2, 3)
    return xp.ascontiguousarray(g.transpose(perm)).reshape(o, -1)


def _gemm(xp, a, b, groups, trans_a=False, trans_b=False):
    """``a @ b`` per group: a is (G*ra, ca) [or its transpose], b is (G*rb, M) [or (M, ...)]."""
    if groups == 1:
        return (a.T if trans_a else a) @ (b.T if trans_b else b)
    ga = a.reshape(groups, -1, a.shape[-1])
    gb = b.reshape(groups, -1, b.shape[-1])
    return xp.matmul(ga.transpose(0, 2, 1) if trans_a else ga,
                     gb.transpose(0, 2, 1) if trans_b else gb)


def _to_nchw(xp, y, n, oh, ow, n_inner, bias=None):
    """Reorder an ``(O, M)`` result to a contiguous (N, O, OH, OW) array, adding the bias."""
    o = y.shape[0]
    if n_inner:
        v = y.reshape(o, oh, ow, n).transpose(3, 0, 1, 2)
    else:
        v = y.reshape(o, n, oh, ow).transpose(1, 0, 2, 3)
    res = xp.empty((n, o, oh, ow), y.dtype)
    if bias is None:
        res[...] = v
    else:
        xp.add(v, bias.reshape(1, o, 1, 1), out=res)
    return res


# -- kernels ---------------------------------------------------------------------------------
def _conv_impl(xp, x, w, b, stride, padding, dilation, groups, out=None):
    oh, ow, n_inner = _geometry(x.shape, w.shape, stride, padding, dilation)
    kh, kw = w.shape[2:]
    cols = _im2col(xp, x, kh, kw, stride, padding, dilation, oh, ow, n_inner)
    y = _gemm(xp, w.reshape(w.shape[0], -1), cols, groups).reshape(w.shape[0], -1)
    return fill_out(out, _to_nchw(xp, y, x.shape[0], oh, ow, n_inner, b))


def _conv_weight_grad_impl(xp, g, x, weight_shape, stride, padding, dilation, groups, out=None):
    oh, ow, n_inner = _geometry(x.shape, weight_shape, stride, padding, dilation)
    kh, kw = weight_shape[2:]
    cols = _im2col(xp, x, kh, kw, stride, padding, dilation, oh, ow, n_inner)
    dw = _gemm(xp, _gmat(xp, g, n_inner), cols, groups, trans_b=True)
    return fill_out(out, dw.reshape(weight_shape))


def _conv_input_grad_impl(xp, g, w, input_shape, stride, padding, dilation, groups, out=None):
    n, c, h, wd = input_shape
    o, _, kh, kw = w.shape
    oh, ow, n_inner = _geometry(input_shape, w.shape, stride, padding, dilation)
    dcols = _gemm(xp, w.reshape(o, -1), _gmat(xp, g, n_inner), groups, trans_a=True)
    pt, pb, pl, pr = padding
    (sh, sw), (dh, dw) = stride, dilation
    hs, ws = sh * (oh - 1) + 1, sw * (ow - 1) + 1
    if n_inner:
        d6 = dcols.reshape(c, kh, kw, oh, ow, n)
        acc = xp.zeros((c, h + pt + pb, wd + pl + pr, n), g.dtype)
        for i in range(kh):
            for j in range(kw):
                acc[:, i * dh:i * dh + hs:sh, j * dw:j * dw + ws:sw, :] += d6[:, i, j]
        dx = acc[:, pt:pt + h, pl:pl + wd, :].transpose(3, 0, 1, 2)
    else:
        d6 = dcols.reshape(c, kh, kw, n, oh, ow)
        acc = xp.zeros((c, n, h + pt + pb, wd + pl + pr), g.dtype)
        for i in range(kh):
            for j in range(kw):
                acc[:, :, i * dh:i * dh + hs:sh, j * dw:j * dw + ws:sw] += d6[:, i, j]
        dx = acc[:, :, pt:pt + h, pl:pl + wd].transpose(1, 0, 2, 3)
    return fill_out(out, xp.ascontiguousarray(dx))


# -- shape rules -----------------------------------------------------------------------------
def _sz(s) -> str:
    return "[" + ", ".join(str(int(d)) for d in s) + "]"


def _check_conv(op, x_shape, w_shape, stride, padding, dilation, groups):
    if len(x_shape) != 4:
        raise ShapeError(f"{op}: Expected 3D (unbatched) or 4D (batched) input to conv2d, but "
                         f"got input of size: {_sz(x_shape)}")
    if len(w_shape) != 4:
        raise ShapeError(f"{op}: weight should have 4 dimensions (out_channels, "
                         f"in_channels/groups, kH, kW), got weight of size {_sz(w_shape)}")
    if groups < 1:
        raise GraphcValueError(f"{op}: non-positive groups is not supported (got {groups})")
    if min(stride) < 1 or min(dilation) < 1 or min(padding) < 0:
        raise GraphcValueError(f"{op}: stride and dilation must be positive and padding "
                               f"non-negative, got stride={stride}, padding={padding}, "
                               f"dilation={dilation}")
    o, cg, kh, kw = w_shape
    if x_shape[1] != cg * groups:
        raise ShapeError(f"{op}: Given groups={groups}, weight of size {_sz(w_shape)}, expected "
                         f"input{_sz(x_shape)} to have {cg * groups} channels, but got "
                         f"{x_shape[1]} channels instead")
    if o % groups:
        raise ShapeError(f"{op}: Given groups={groups}, expected weight to be divisible by "
                         f"{groups} at dimension 0, but got weight of size {_sz(w_shape)} "
                         f"instead")
    ph = x_shape[2] + padding[0] + padding[1]
    pw = x_shape[3] + padding[2] + padding[3]
    if ph < dilation[0] * (kh - 1) + 1 or pw < dilation[1] * (kw - 1) + 1:
        raise ShapeError(f"{op}: Calculated padded input size per channel: ({ph} x {pw}). "
                         f"Kernel size: ({dilation[0] * (kh - 1) + 1} x "
                         f"{dilation[1] * (kw - 1) + 1}). Kernel size can't be greater than "
                         f"actual input size (input {_sz(x_shape)}, weight {_sz(w_shape)})")


def _same_dtype(op, *ts):
    dts = [t.dtype for t in ts if t is not None]
    if any(d is not dts[0] for d in dts):
        names = ", ".join(f"{d}" for d in dts)
        raise DTypeError(f"{op}: Input type and weight type should be the same (got {names})")
    check_float(op, ts[0])


def _conv_infer(x, w, b, stride, padding, dilation, groups):
    xs, ws = tuple(x.shape), tuple(w.shape)
    _check_conv("conv2d", xs, ws, stride, padding, dilation, groups)
    _same_dtype("conv2d", x, w, b)
    if b is not None and tuple(b.shape) != (ws[0],):
        raise ShapeError(f"conv2d: Given weight of size {_sz(ws)}, expected bias to be "
                         f"1-dimensional with {ws[0]} elements, but got bias of size "
                         f"{_sz(b.shape)} instead")
    oh, ow, _ = _geometry(xs, ws, stride, padding, dilation)
    return (xs[0], ws[0], oh, ow), x.dtype


def _weight_grad_infer(g, x, weight_shape, stride, padding, dilation, groups):
    _check_conv("conv2d_weight_grad", tuple(x.shape), weight_shape, stride, padding, dilation,
                groups)
    _check_grad_shape("conv2d_weight_grad", g, tuple(x.shape), weight_shape, stride, padding,
                      dilation)
    _same_dtype("conv2d_weight_grad", g, x)
    return tuple(weight_shape), x.dtype


def _input_grad_infer(g, w, input_shape, stride, padding, dilation, groups):
    _check_conv("conv2d_input_grad", input_shape, tuple(w.shape), stride, padding, dilation,
                groups)
    _check_grad_shape("conv2d_input_grad", g, input_shape, tuple(w.shape), stride, padding,
                      dilation)
    _same_dtype("conv2d_input_grad", g, w)
    return tuple(input_shape), w.dtype


def _check_grad_shape(op, g, x_shape, w_shape, stride, padding, dilation):
    oh, ow, _ = _geometry(x_shape, w_shape, stride, padding, dilation)
    want = (x_shape[0], w_shape[0], oh, ow)
    if tuple(g.shape) != want:
        raise ShapeError(f"{op}: expected a gradient of shape {_sz(want)} for input "
                         f"{_sz(x_shape)} and weight {_sz(w_shape)}, got {_sz(g.shape)}")


# -- gradient rules (each op's vjp is made of the other two) ---------------------------------
def _conv_vjp(g, x, w, b, out, needs, **geo):
    gx = apply(CONV2D_INPUT_GRAD, g, w, input_shape=tuple(x.shape), **geo) if needs[0] else None
    gw = apply(CONV2D_WEIGHT_GRAD, g, x, weight_shape=tuple(w.shape), **geo) if needs[1] \
        else None
    gb = g.sum(dim=(0, 2, 3)) if b is not None and needs[2] else None
    return gx, gw, gb


def _input_grad_vjp(u, g, w, out, needs, input_shape, **geo):
    # dX = A_w^T g is bilinear in (g, w): <u, dX> = <conv(u, w), g>.
    dg = apply(CONV2D, u, w, None, **geo) if needs[0] else None
    dw = apply(CONV2D_WEIGHT_GRAD, g, u, weight_shape=tuple(w.shape), **geo) if needs[1] \
        else None
    return dg, dw


def _weight_grad_vjp(v, g, x, out, needs, weight_shape, **geo):
    # <v, dW(g, x)> = <conv(x, v), g>.
    dg = apply(CONV2D, x, v, None, **geo) if needs[0] else None
    dx = apply(CONV2D_INPUT_GRAD, g, v, input_shape=tuple(x.shape), **geo) if needs[1] \
        else None
    return dg, dx


# All three ops are bilinear: each input is read only for the other one's gradient, so it is
# saved (and version-checked) only when the other needs a gradient, as in PyTorch.
_CROSS = {0: (1,), 1: (0,)}
CONV2D = register(OpDef(
    name="conv2d", infer=_conv_infer, impl=_conv_impl, vjp=_conv_vjp,
    grad_name="ConvolutionBackward0", saves=(0, 1), saves_for=_CROSS, needs_mask=True,
    doc="2-D cross-correlation (N, C, H, W) x (O, C/groups, kh, kw) [+ bias (O,)]."))
CONV2D_WEIGHT_GRAD = register(OpDef(
    name="conv2d_weight_grad", infer=_weight_grad_infer, impl=_conv_weight_grad_impl,
    vjp=_weight_grad_vjp, grad_name="ConvolutionBackwardBackward0", saves=(0, 1),
    saves_for=_CROSS, needs_mask=True, doc="conv2d's weight gradient from (grad_output, input)."))
CONV2D_INPUT_GRAD = register(OpDef(
    name="conv2d_input_grad", infer=_input_grad_infer, impl=_conv_input_grad_impl,
    vjp=_input_grad_vjp, grad_name="ConvolutionBackwardBackward1", saves=(0, 1),
    saves_for=_CROSS, needs_mask=True,
    doc="conv2d's input gradient (a transposed conv) from (grad_output, weight)."))


# -- public functions ------------------------------------------------------------------------
def conv_padding(op: str, padding, kernel, dilation, stride) -> tuple:
    """(top, bottom, left, right) from an int, a pair, 'valid' or 'same' (PyTorch's split)."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding != "same":
            raise GraphcValueError(f"{op}: Invalid padding string '{padding}', should be one of "
                                   f"'valid' or 'same'")
        if any(s != 1 for s in stride):
            raise GraphcValueError(f"{op}: padding='same' is not supported for strided "
                                   f"convolutions")
        out = []
        for k, d in zip(kernel, dilation):
            total = d * (k - 1)
            out += [total // 2, total - total // 2]
        return tuple(out)
    ph, pw = ntuple(op, "padding", padding)
    return (ph, ph, pw, pw)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """PyTorch's ``conv2d`` on (N, C, H, W) or unbatched (C, H, W) input."""
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise ArgumentError("conv2d(): input and weight must be Tensors")
    stride = ntuple("conv2d", "stride", stride)
    dilation = ntuple("conv2d", "dilation", dilation)
    kernel = tuple(weight.shape[2:]) if weight.ndim == 4 else (1, 1)
    pad = conv_padding("conv2d", padding, kernel, dilation, stride)
    unbatched = input.ndim == 3
    if unbatched:
        input = input.unsqueeze(0)
    out = checked(CONV2D, input, weight, bias, stride=stride, padding=pad, dilation=dilation,
                groups=int(groups))
    return out.squeeze(0) if unbatched else out


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """Transposed convolution: conv2d's input gradient with ``input`` as the output gradient."""
    stride = ntuple("conv_transpose2d", "stride", stride)
    dilation = ntuple("conv_transpose2d", "dilation", dilation)
    ph, pw = ntuple("conv_transpose2d", "padding", padding)
    oph, opw = ntuple("conv_transpose2d", "output_padding", output_padding)
    if oph >= max(stride[0], dilation[0]) or opw >= max(stride[1], dilation[1]):
        raise GraphcValueError("conv_transpose2d: output padding must be smaller than either "
                               "stride or dilation")
    unbatched = input.ndim == 3
    if unbatched:
        input = input.unsqueeze(0)
    if input.ndim != 4 or weight.ndim != 4:
        raise ShapeError(f"conv_transpose2d: expected 4-D input and weight, got input "
                         f"{_sz(input.shape)} and weight {_sz(weight.shape)}")
    n, c_in, h, w = input.shape
    if weight.shape[0] != c_in:
        raise ShapeError(f"conv_transpose2d: Given transposed=1, weight of size "
                         f"{_sz(weight.shape)}, expected input{_sz(input.shape)} to have "
                         f"{weight.shape[0]} channels, but got {c_in} channels instead")
    # Per dim: the uncropped result spans (h-1)*s + d*(k-1) + 1; the output starts p into it
    # and is ``size`` long. Rows past the uncropped end (output_padding >= stride, allowed
    # when dilation > stride) get no contribution, so the kernel computes the rest and zero
    # padding adds them.
    sizes, pads, extra = [], [], []
    for length, k, s, d, p, op in zip((h, w), weight.shape[2:], stride, dilation, (ph, pw),
                                      (oph, opw)):
        full = (length - 1) * s + d * (k - 1) + 1
        size = full - 2 * p + op
        inside = min(size, full - p)
        sizes.append(inside)
        pads += [p, full - p - inside]
        extra.append(size - inside)
    shape = (n, weight.shape[1] * groups, *sizes)
    out = checked(CONV2D_INPUT_GRAD, input, weight, input_shape=shape, stride=stride,
                  padding=tuple(pads), dilation=dilation, groups=int(groups))
    if any(extra):
        from graphc.ops.nn import constant_pad_nd
        out = constant_pad_nd(out, (0, extra[1], 0, extra[0]))
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1)
    return out.squeeze(0) if unbatched else out


__all__ = ["conv2d", "conv_transpose2d"]
