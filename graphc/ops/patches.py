"""Sliding blocks: ``unfold`` (im2col) and ``fold`` (col2im).

``unfold`` copies every kh x kw block of a (padded, dilated, strided) (N, C, H, W) input into a
column of an (N, C*kh*kw, L) array: one strided view and one copy. ``fold`` is its adjoint, a
scatter-add of the columns back onto the image; its only Python loop runs over the kh*kw kernel
offsets (each one a strided slice add). The two ops are linear and each one's vjp is the other,
so double backward works and the compiler traces both directions. Both also take unbatched
input ((C, H, W) for unfold, (C*kh*kw, L) for fold), as PyTorch does.
"""
from __future__ import annotations

import numpy as np

from graphc import dtypes as _dt
from graphc.errors import GraphcNotImplementedError, ShapeError
from graphc.ops.conv import as_strided, checked, fill_out
from graphc.ops.dispatch import apply
from graphc.ops.registry import OpDef, register
from graphc.tensor import Tensor

_TORCH_NAME = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


# -- geometry ----------------------------------------------------------------------------------
def _blocks(size: int, k: int, d: int, p: int, s: int) -> int:
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _check_geometry(op, kernel, dilation, padding, stride) -> None:
    for name, v, what in (("kernel size", kernel, "greater than zero"),
                          ("stride", stride, "greater than zero"),
                          ("dilation", dilation, "greater than zero")):
        if min(v) <= 0:
            key = name.replace(" size", "").replace(" ", "_")
            raise ShapeError(f"{op}: {name} should be {what}, but got {key}_height: {v[0]} "
                             f"{key}_width: {v[1]}")
    if min(padding) < 0:
        raise ShapeError(f"{op}: padding should be non-negative, but got pad_height: {padding[0]} "
                         f"pad_width: {padding[1]}")


def _check_dtype(op: str, x) -> None:
    if not (x.dtype.is_floating_point or x.dtype is _dt.bool_):
        raise GraphcNotImplementedError(f'"{op}_out_cpu" not implemented for '
                                        f"'{_TORCH_NAME[x.dtype.name]}' (input of shape "
                                        f"{list(x.shape)})")


# -- kernels -----------------------------------------------------------------------------------
def _im2col_impl(xp, x, kernel, dilation, padding, stride, out=None):
    x4 = x if x.ndim == 4 else x[None]
    n, c, h, w = x4.shape
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = kernel, dilation, padding, stride
    oh, ow = _blocks(h, kh, dh, ph, sh), _blocks(w, kw, dw, pw, sw)
    src = x4
    if ph or pw:
        src = xp.zeros((n, c, h + 2 * ph, w + 2 * pw), x.dtype)
        src[:, :, ph:ph + h, pw:pw + w] = x4
    src = xp.ascontiguousarray(src)
    s_n, s_c, s_h, s_w = src.strides
    view = as_strided(xp, src, (n, c, kh, kw, oh, ow),
                      (s_n, s_c, s_h * dh, s_w * dw, s_h * sh, s_w * sw))
    cols = xp.ascontiguousarray(view).reshape(n, c * kh * kw, oh * ow)
    return fill_out(out, cols if x.ndim == 4 else cols[0])


def _col2im_impl(xp, cols, output_size, kernel, dilation, padding, stride, out=None):
    c3 = cols if cols.ndim == 3 else cols[None]
    (h, w), (kh, kw), (dh, dw), (ph, pw), (sh, sw) = output_size, kernel, dilation, padding, \
        stride
    n = c3.shape[0]
    c = c3.shape[1] // (kh * kw)
    oh, ow = _blocks(h, kh, dh, ph, sh), _blocks(w, kw, dw, pw, sw)
    d6 = c3.reshape(n, c, kh, kw, oh, ow)
    acc = xp.zeros((n, c, h + 2 * ph, w + 2 * pw), cols.dtype)
    hs, ws = sh * (oh - 1) + 1, sw * (ow - 1) + 1
    for i in range(kh):
        for j in range(kw):
            acc[:, :, i * dh:i * dh + hs:sh, j * dw:j * dw + ws:sw] += d6[:, :, i, j]
    img = xp.ascontiguousarray(acc[:, :, ph:ph + h, pw:pw + w])
    return fill_out(out, img if cols.ndim == 3 else img[0])


# -- shape rules -------------------------------------------------------------------------------
def _im2col_infer(x, kernel, dilation, padding, stride):
    shape = tuple(x.shape)
    if len(shape) not in (3, 4) or 0 in shape[-3:]:
        raise ShapeError(f"unfold: Expected 3D or 4D (batch mode) tensor with possibly 0 batch "
                         f"size and other non-zero dimensions for input, but got: {list(shape)}")
    _check_dtype("im2col", x)
    _check_geometry("unfold", kernel, dilation, padding, stride)
    h, w = shape[-2:]
    oh = _blocks(h, kernel[0], dilation[0], padding[0], stride[0])
    ow = _blocks(w, kernel[1], dilation[1], padding[1], stride[1])
    if oh < 1 or ow < 1:
        raise ShapeError(f"unfold: Given input with spatial size ({h}, {w}), "
                         f"kernel_size={tuple(kernel)}, dilation={tuple(dilation)}, "
                         f"padding={tuple(padding)}, calculated shape of the array of sliding "
                         f"blocks as ({oh}, {ow}), but its components must be at least one.")
    c = shape[-3]
    return shape[:-3] + (c * kernel[0] * kernel[1], oh * ow), x.dtype


def _col2im_infer(cols, output_size, kernel, dilation, padding, stride):
    shape = tuple(cols.shape)
    if len(shape) not in (2, 3) or 0 in shape[-2:]:
        raise ShapeError(f"fold: Expected 2D or 3D (batch mode) tensor for input with possibly 0 "
                         f"batch size and non-zero dimensions for input, but got: {list(shape)}")
    _check_dtype("col2im", cols)
    _check_geometry("fold", kernel, dilation, padding, stride)
    if min(output_size) <= 0:
        raise ShapeError(f"fold: output_size should be greater than zero, but got "
                         f"output_height: {output_size[0]} output_width: {output_size[1]}")
    kk = kernel[0] * kernel[1]
    if shape[-2] % kk:
        raise ShapeError(f"fold: Expected size of input's dimension 1 to be divisible by the "
                         f"product of kernel_size, but got input.size(1)={shape[-2]} and "
                         f"kernel_size={tuple(kernel)}.")
    oh = _blocks(output_size[0], kernel[0], dilation[0], padding[0], stride[0])
    ow = _blocks(output_size[1], kernel[1], dilation[1], padding[1], stride[1])
    if oh < 1 or ow < 1 or shape[-1] != oh * ow:
        raise ShapeError(f"fold: Given output_size={tuple(output_size)}, "
                         f"kernel_size={tuple(kernel)}, dilation={tuple(dilation)}, "
                         f"padding={tuple(padding)}, stride={tuple(stride)}, expected size of "
                         f"input's dimension 2 to match the calculated number of sliding blocks "
                         f"{max(oh, 0)} * {max(ow, 0)} = {max(oh, 0) * max(ow, 0)}, but got "
                         f"input.size(2)={shape[-1]}.")
    return shape[:-2] + (shape[-2] // kk,) + tuple(output_size), cols.dtype


IM2COL = register(OpDef(
    name="im2col", infer=_im2col_infer, impl=_im2col_impl,
    vjp=lambda g, x, out, **geo: (apply(COL2IM, g, output_size=tuple(x.shape[-2:]), **geo),),
    grad_name="Im2ColBackward0",
    doc="Sliding kh x kw blocks of (N, C, H, W) as columns of (N, C*kh*kw, L) (F.unfold)."))
COL2IM = register(OpDef(
    name="col2im", infer=_col2im_infer, impl=_col2im_impl,
    vjp=lambda u, c, out, output_size, **geo: (apply(IM2COL, u, **geo),),
    grad_name="Col2ImBackward0",
    doc="im2col's adjoint: the columns summed back into an (N, C, H, W) image (F.fold)."))


# -- public functions --------------------------------------------------------------------------
def _pair(op: str, name: str, v) -> tuple:
    """PyTorch's ``_pair`` followed by im2col's length check."""
    if isinstance(v, Tensor):
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        if len(v) != 2:
            raise ShapeError(f"{op}: It is expected {name} equals to 2, but got size {len(v)}")
        vals = tuple(v)
    else:
        vals = (v, v)
    if not all(isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in vals):
        raise ShapeError(f"{op}: {name} must be an int or a pair of ints, got {v!r}")
    return tuple(int(i) for i in vals)


def _geometry(op, kernel_size, dilation, padding, stride) -> dict:
    return {"kernel": _pair(op, "kernel_size", kernel_size),
            "dilation": _pair(op, "dilation", dilation), "padding": _pair(op, "padding", padding),
            "stride": _pair(op, "stride", stride)}


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """PyTorch's ``F.unfold``: (N, C, H, W) -> (N, C*kh*kw, L) sliding blocks."""
    return checked(IM2COL, input, **_geometry("unfold", kernel_size, dilation, padding, stride))


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """PyTorch's ``F.fold``: (N, C*kh*kw, L) columns summed into an (N, C, H, W) image."""
    return checked(COL2IM, input, output_size=_pair("fold", "output_size", output_size),
                   **_geometry("fold", kernel_size, dilation, padding, stride))


# PyTorch exposes neither at top level (``torch.unfold`` does not exist; ``Tensor.unfold`` is a
# different op, the sliding-window view).
__all__: list = []
