"""Adaptive max pooling (``adaptive_max_pool2d``/``1d``) with PyTorch's indices.

Split as ``max_pool2d`` is (see ``pool.py``): ``adaptive_max_pool2d_indices`` finds the flat
(H*W) index of each bin's maximum (no gradient), ``adaptive_max_pool2d`` gathers the input at
those indices, and its backward op scatters the gradient back; the two are each other's adjoint.
The bins are PyTorch's, [floor(i*H/OH), ceil((i+1)*H/OH)); they may overlap, so the scatter
accumulates. The index kernel is vectorized over all windows at once: each bin's rows (and
columns) are padded to the largest bin by repeating its last row (column), which changes
neither the first maximum nor the last NaN, the element PyTorch's scan picks.
"""
from __future__ import annotations

import numpy as np

from graphc import dtypes as _dt
from graphc.errors import GraphcNotImplementedError, ShapeError
from graphc.ops.conv import checked, fill_out
from graphc.ops.dispatch import apply
from graphc.ops.registry import NONDIFF, OpDef, register
from graphc.tensor import Tensor

_TORCH_NAME = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _bin_candidates(in_size: int, out_size: int) -> np.ndarray:
    """(out_size, K) input positions of each bin, the last one repeated up to K."""
    i = np.arange(out_size)
    start = (i * in_size) // out_size
    end = -((-(i + 1) * in_size) // out_size)
    k = int((end - start).max()) if out_size else 1
    return np.minimum(start[:, None] + np.arange(k)[None, :], end[:, None] - 1)


def _overlapping(in_size: int, out_size: int) -> bool:
    i = np.arange(1, out_size)
    return bool(np.any(-((-i * in_size) // out_size) > (i * in_size) // out_size))


# -- kernels -----------------------------------------------------------------------------------
def _indices_impl(xp, x, output_size, out=None):
    *lead, h, w = x.shape
    oh, ow = output_size
    ch, cw = _bin_candidates(h, oh), _bin_candidates(w, ow)
    kh, kw = ch.shape[1], cw.shape[1]
    x3 = x.reshape(-1, h, w)
    b = x3.shape[0]
    win = x3[:, xp.asarray(ch)[:, :, None, None], xp.asarray(cw)[None, None, :, :]]
    win = win.transpose(0, 1, 3, 2, 4).reshape(b, oh, ow, kh * kw)  # (B, OH, OW, K)
    arg = xp.argmax(win, axis=-1) if win.size else xp.zeros((b, oh, ow), np.int64)
    if win.size and x.dtype.kind == "f":
        nan = xp.isnan(win)
        if bool(nan.any()):  # PyTorch's scan keeps the last NaN it meets
            last = kh * kw - 1 - xp.argmax(nan[..., ::-1], axis=-1)
            arg = xp.where(nan.any(axis=-1), last, arg)
    rows = xp.asarray(ch)[xp.arange(oh)[:, None], arg // kw]
    cols = xp.asarray(cw)[xp.arange(ow)[None, :], arg % kw]
    idx = (rows * w + cols).astype(np.int64)
    return fill_out(out, idx.reshape(*lead, oh, ow))


def _gather_impl(xp, x, idx, out=None):
    h, w = x.shape[-2:]
    xf = xp.ascontiguousarray(x).reshape(-1, h * w)
    v = xp.take_along_axis(xf, idx.reshape(xf.shape[0], idx.shape[-2] * idx.shape[-1]), axis=1)
    return fill_out(out, v.reshape(idx.shape))


def _scatter_impl(xp, g, idx, input_hw, overlap, out=None):
    h, w = input_hw
    lead = g.shape[:-2]
    b = int(np.prod(lead)) if lead else 1
    dx = xp.zeros((b * h * w,), g.dtype)
    rows = xp.arange(b, dtype=np.int64).reshape(b, 1) * (h * w)
    flat = (idx.reshape(b, idx.shape[-2] * idx.shape[-1]) + rows).reshape(-1)
    if overlap:  # bins share elements: repeated indices must accumulate
        from graphc.ops.index import add_at
        add_at(xp, dx, flat, g.reshape(-1))
    else:
        dx[flat] = g.reshape(-1)
    return fill_out(out, dx.reshape(*lead, h, w))


# -- shape rules -------------------------------------------------------------------------------
def _check_ndim(shape: tuple) -> None:
    if len(shape) not in (3, 4):
        raise ShapeError(f"adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: "
                         f"{list(shape)}")


def _indices_infer(x, output_size):
    shape = tuple(x.shape)
    _check_ndim(shape)
    for d in range(len(shape) - 3, len(shape)):
        if shape[d] == 0:
            raise ShapeError(f"adaptive_max_pool2d(): Expected input to have non-zero size for "
                             f"non-batch dimensions, but input has sizes {list(shape)} with "
                             f"dimension {d} being empty")
    if not x.dtype.is_floating_point:
        raise GraphcNotImplementedError(f'"adaptive_max_pool2d" not implemented for '
                                        f"'{_TORCH_NAME[x.dtype.name]}' (input of shape "
                                        f"{list(shape)})")
    if len(output_size) != 2 or min(output_size) < 0:
        raise ShapeError(f"adaptive_max_pool2d(): output_size must be 2 non-negative sizes, got "
                         f"{list(output_size)} (input {list(shape)})")
    return shape[:-2] + tuple(output_size), _dt.int64


def _gather_infer(x, idx):
    if x.ndim < 2 or tuple(x.shape[:-2]) != tuple(idx.shape[:-2]) or idx.dtype is not _dt.int64:
        raise ShapeError(f"adaptive_max_pool2d: indices of shape {list(idx.shape)} "
                         f"({idx.dtype}) do not match input of shape {list(x.shape)}")
    return tuple(idx.shape), x.dtype


def _scatter_infer(g, idx, input_hw, overlap):
    if g.ndim < 2 or tuple(g.shape) != tuple(idx.shape):
        raise ShapeError(f"adaptive_max_pool2d_backward: gradient of shape {list(g.shape)} does "
                         f"not match indices of shape {list(idx.shape)}")
    return tuple(g.shape[:-2]) + tuple(input_hw), g.dtype


ADAPTIVE_MAX_POOL2D_INDICES = register(OpDef(
    name="adaptive_max_pool2d_indices", infer=_indices_infer, impl=_indices_impl, vjp=NONDIFF,
    doc="Flat (H*W) index of each adaptive bin's maximum, as PyTorch returns."))
def _gather_vjp(g, x, idx, out):
    (h, w), (oh, ow) = tuple(x.shape[-2:]), tuple(idx.shape[-2:])
    overlap = _overlapping(h, oh) or _overlapping(w, ow)
    return apply(ADAPTIVE_MAX_POOL2D_BACKWARD, g, idx, input_hw=(h, w), overlap=overlap), None


ADAPTIVE_MAX_POOL2D = register(OpDef(
    name="adaptive_max_pool2d", infer=_gather_infer, impl=_gather_impl, saves=(1,),
    vjp=_gather_vjp, grad_name="AdaptiveMaxPool2DBackward0",
    doc="Adaptive max pooling values: the input gathered at adaptive_max_pool2d_indices."))
ADAPTIVE_MAX_POOL2D_BACKWARD = register(OpDef(
    name="adaptive_max_pool2d_backward", infer=_scatter_infer, impl=_scatter_impl, saves=(1,),
    vjp=lambda u, g, idx, out, input_hw, overlap: (apply(ADAPTIVE_MAX_POOL2D, u, idx), None),
    grad_name="AdaptiveMaxPool2DBackwardBackward0",
    doc="Scatter(-add) of the output gradient to the argmax positions."))


# -- public functions --------------------------------------------------------------------------
def _output_size(input: Tensor, output_size) -> tuple:
    _check_ndim(tuple(input.shape))
    if isinstance(output_size, (list, tuple)):
        if len(output_size) != 2:
            raise ShapeError(f"adaptive_max_pool2d(): internal error: output_size.size() must "
                             f"be 2, got {list(output_size)}")
        return tuple(int(input.shape[-2 + i]) if s is None else int(s)
                     for i, s in enumerate(output_size))
    if isinstance(output_size, bool) or not isinstance(output_size, (int, np.integer)):
        raise ShapeError(f"adaptive_max_pool2d(): output_size must be an int or a pair, got "
                         f"{output_size!r}")
    return (int(output_size),) * 2


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Max over PyTorch's adaptive bins; with ``return_indices`` also the flat (H*W) argmax."""
    idx = checked(ADAPTIVE_MAX_POOL2D_INDICES, input,
                  output_size=_output_size(input, output_size))
    out = apply(ADAPTIVE_MAX_POOL2D, input, idx)
    return (out, idx) if return_indices else out


def adaptive_max_pool2d_with_indices(input: Tensor, output_size, return_indices: bool = True):
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """Adaptive max pooling over the last dim of (N, C, L) or (C, L), through the 2-D op."""
    if input.ndim not in (2, 3):
        raise ShapeError(f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional tensor "
                         f"for argument #1 'self' (while checking arguments for "
                         f"adaptive_max_pool1d)")
    size = output_size
    if isinstance(size, (list, tuple)):
        if len(size) != 1:
            raise ShapeError(f"adaptive_max_pool1d() argument 'output_size' should contain one "
                             f"int (got {len(size)})")
        size = size[0]
    out, idx = adaptive_max_pool2d(input.unsqueeze(-2), (1, size), True)
    out, idx = out.squeeze(-2), idx.squeeze(-2)
    return (out, idx) if return_indices else out


def adaptive_max_pool1d_with_indices(input: Tensor, output_size, return_indices: bool = True):
    return adaptive_max_pool1d(input, output_size, True)


__all__: list = []
