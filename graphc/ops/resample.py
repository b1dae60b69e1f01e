"""Resampling: ``interpolate`` in modes nearest, nearest-exact, (bi/tri)linear, bicubic and area.

Every mode is separable: resampling the spatial dims of an (N, C, D1, …, Dk) input is k
one-dimensional passes, one per spatial axis, innermost (W) first as PyTorch's CPU kernels nest
them. A pass is a small table giving, for each output position, ``T`` source indices and weights
(T = 1 nearest, 2 linear, 4 cubic). The tables are computed on the host in PyTorch's arithmetic
(the dtype's opmath precision, float32 index rounding, the same-size and 2x shortcuts of the
legacy nearest kernel), so values, chosen neighbours and NaN/inf propagation match PyTorch. The
forward pass gathers ``T`` slices along the axis and sums them weighted; the backward pass is
its transpose, also written as gathers: the table transposed gives, for each input position,
the outputs it contributed to, so the backward needs no scatter-add.

There is one op per PyTorch upsample op, so grad_fn names match (``UpsampleBilinear2DBackward0``),
and one backward op each. Both are linear and each is the other's adjoint, which gives double
backward and lets the compiler trace the backward. Only the loops over spatial axes and taps
run in Python.
"""
from __future__ import annotations

import warnings
from collections import namedtuple
from functools import lru_cache

import numpy as np

from graphc import dtypes as _dt
from graphc.errors import (ArgumentError, DTypeError, GraphcNotImplementedError, GraphcValueError,
                           ShapeError)
from graphc.ops.conv import checked, fill_out
from graphc.ops.dispatch import apply
from graphc.ops.registry import OpDef, register
from graphc.tensor import Tensor

_TORCH_NAME = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
_AXES = {1: ("W",), 2: ("H", "W"), 3: ("D", "H", "W")}

# One pass's table: ``idx`` (out, T) int64 and ``w`` (out, T) weights (None: nearest), and its
# transpose ``adjoint``: a tuple of slots, slot r giving for every input position with more than
# r contributions its r-th one (``src`` output index, weight ``w``) and, unless that is every
# input in order, those positions (``rows``).
_Taps = namedtuple("_Taps", "idx w adjoint")
_Slot = namedtuple("_Slot", "src w rows")


# -- PyTorch's index arithmetic (ATen/native/UpSample.h) -----------------------------------------
def _floorf(a) -> np.ndarray:
    """C's ``floorf``: the argument is rounded to float32 first (also for double opmath)."""
    return np.floor(np.asarray(a).astype(np.float32)).astype(np.int64)


def _area_scale(in_size, out_size, align_corners, scale, opm):
    if align_corners:
        return opm(in_size - 1) / opm(out_size - 1) if out_size > 1 else opm(0)
    if scale is not None and scale > 0:
        return opm(1.0 / scale)
    return opm(in_size) / opm(out_size)


def _source_index(s, out_size, align_corners, cubic, opm):
    """``area_pixel_compute_source_index`` for every output position."""
    i = np.arange(out_size).astype(opm)
    if align_corners:
        return s * i
    real = s * (i + opm(0.5)) - opm(0.5)
    return real if cubic else np.maximum(real, opm(0))


def _nearest_index(mode, nd, in_size, out_size, scale, opm):
    i = np.arange(out_size)
    if nd == 1:  # the separable kernel (HelperInterpNearest[Exact]), opmath scale
        s = _area_scale(in_size, out_size, False, scale, opm)
        if mode == "nearest":
            return _floorf(s * i.astype(opm))
        return _floorf(_source_index(s, out_size, False, False, opm).astype(np.float64) + 0.5)
    s = _area_scale(in_size, out_size, False, scale, np.float32)  # nearest_idx: float scale
    if mode == "nearest-exact":
        return _floorf((i + 0.5) * np.float64(s))
    if out_size == in_size:
        return i
    if out_size == 2 * in_size:
        return i >> 1
    return _floorf(i.astype(np.float32) * s)


def _cubic_weights(t, opm):
    a = opm(-0.75)

    def near(x):  # cubic_convolution1
        return ((a + opm(2)) * x - (a + opm(3))) * x * x + opm(1)

    def far(x):  # cubic_convolution2
        return ((a * x - opm(5) * a) * x + opm(8) * a) * x - opm(4) * a
    x2 = opm(1.0) - t
    return np.stack([far(t + opm(1.0)), near(t), near(x2), far(x2 + opm(1.0))], 1)


@lru_cache(maxsize=512)
def _taps(mode: str, nd: int, in_size: int, out_size: int, align_corners: bool, scale,
          opm_name: str) -> _Taps:
    opm = np.dtype(opm_name).type
    if mode in ("nearest", "nearest-exact"):
        idx = np.minimum(_nearest_index(mode, nd, in_size, out_size, scale, opm),
                         in_size - 1)[:, None]
        w = None
    elif mode == "linear":
        i = np.arange(out_size)
        if out_size == in_size:  # PyTorch's copy: taps (i, i) with weights (1, 0)
            i0, l1 = i, np.zeros(out_size, opm)
            i1 = i
        else:
            s = _area_scale(in_size, out_size, align_corners, scale, opm)
            real = _source_index(s, out_size, align_corners, False, opm)
            i0 = np.minimum(_floorf(real), in_size - 1)
            l1 = np.clip(real - i0.astype(opm), opm(0), opm(1)).astype(opm)
            i1 = i0 + (i0 < in_size - 1)
        idx = np.stack([i0, i1], 1)
        w = np.stack([opm(1) - l1, l1], 1).astype(opm)
    else:  # cubic
        s = _area_scale(in_size, out_size, align_corners, scale, opm)
        real = _source_index(s, out_size, align_corners, True, opm)
        i0 = _floorf(real)
        w = _cubic_weights((real - i0.astype(opm)).astype(opm), opm).astype(opm)
        idx = np.clip(i0[:, None] - 1 + np.arange(4)[None, :], 0, in_size - 1)
    return _Taps(idx.astype(np.int64), w, _adjoint(idx, w, in_size))


def _adjoint(idx, w, in_size) -> tuple:
    """The transpose of a pass as gather slots. Each input position's contributions keep
    PyTorch's accumulation order (by output, then tap), and taps of weight 0 still count (they
    carry inf * 0 = NaN, as PyTorch's backward does)."""
    out_size, n_taps = idx.shape
    dst = idx.reshape(-1)
    src = np.repeat(np.arange(out_size), n_taps)
    order = np.argsort(dst, kind="stable")
    dst, src = dst[order], src[order]
    wt = None if w is None else w.reshape(-1)[order]
    first = np.searchsorted(dst, np.arange(in_size))
    rank = np.arange(dst.size) - first[dst]  # which contribution to its input this one is
    slots = []
    for r in range(int(rank.max()) + 1 if rank.size else 0):
        pick = rank == r
        rows = dst[pick]
        full = rows.size == in_size  # then rows is arange(in_size): sorted and unique
        slots.append(_Slot(src[pick], None if wt is None else wt[pick], None if full else rows))
    return tuple(slots)


# -- kernels -------------------------------------------------------------------------------------
def _work(x):
    """float16 computes in float32 (PyTorch's opmath), as does its scale/weight arithmetic."""
    if x.dtype == np.float64:
        return x, "float64"
    if x.dtype == np.float16:
        return x.astype(np.float32), "float32"
    return x, "float32"


def _gather_pass(xp, y, axis, taps):
    if taps.w is None:
        return xp.take(y, xp.asarray(taps.idx[:, 0]), axis=axis)
    view = [1] * y.ndim
    view[axis] = -1
    acc = None
    with np.errstate(invalid="ignore", over="ignore"):  # inf * 0 -> NaN, as in PyTorch
        for t in range(taps.idx.shape[1]):
            term = xp.take(y, xp.asarray(taps.idx[:, t]), axis=axis)
            term *= xp.asarray(taps.w[:, t].astype(y.dtype)).reshape(view)
            acc = term if acc is None else xp.add(acc, term, out=acc)
    return acc


def _scatter_pass(xp, g, axis, taps, in_size):
    """The transpose of ``_gather_pass``: ``g`` summed back onto ``in_size`` positions, as
    gathers (one per slot of the adjoint table), so no scatter-add is needed."""
    view = [1] * g.ndim
    view[axis] = -1
    lead = (slice(None),) * axis
    res = None
    with np.errstate(invalid="ignore", over="ignore"):
        for slot in taps.adjoint:
            term = xp.take(g, xp.asarray(slot.src), axis=axis)
            if slot.w is not None:
                term *= xp.asarray(slot.w.astype(g.dtype)).reshape(view)
            if slot.rows is None:
                res = term if res is None else xp.add(res, term, out=res)
                continue
            if res is None:
                shape = list(g.shape)
                shape[axis] = in_size
                res = xp.zeros(tuple(shape), g.dtype)
            res[lead + (xp.asarray(slot.rows),)] += term  # rows are unique within a slot
    return res


def _upsample_kernels(mode: str, nd: int):
    def forward(xp, x, output_size, scales, align_corners=False, out=None):
        y, opm = _work(x)
        for k in reversed(range(nd)):  # innermost axis first, as PyTorch nests the passes
            axis = y.ndim - nd + k
            taps = _taps(mode, nd, y.shape[axis], output_size[k], bool(align_corners),
                         scales[k], opm)
            y = _gather_pass(xp, y, axis, taps)
        return fill_out(out, y.astype(x.dtype, copy=False))

    def backward(xp, g, input_size, output_size, scales, align_corners=False, out=None):
        y, opm = _work(g)
        for k in range(nd):
            axis = y.ndim - nd + k
            in_k = input_size[axis]
            taps = _taps(mode, nd, in_k, output_size[k], bool(align_corners), scales[k], opm)
            y = _scatter_pass(xp, y, axis, taps, in_k)
        return fill_out(out, xp.ascontiguousarray(y.astype(g.dtype, copy=False)))
    return forward, backward


# -- shape rules ---------------------------------------------------------------------------------
def _dims_text(nd, sizes) -> str:
    return ", ".join(f"{a}: {s}" for a, s in zip(_AXES[nd], sizes))


def _check_sizes(name, nd, in_spatial, output_size):
    if len(output_size) != nd:
        raise ShapeError(f"{name}: expected {nd} output sizes, got {list(output_size)}")
    if min(in_spatial) <= 0 or min(output_size) <= 0:
        raise ShapeError(f"{name}: Input and output sizes should be greater than 0, but got "
                         f"input ({_dims_text(nd, in_spatial)}) output "
                         f"({_dims_text(nd, output_size)})")


def _upsample_infer(name, mode, nd):
    def infer(x, output_size, scales, align_corners=False):
        shape = tuple(x.shape)
        if len(shape) != nd + 2:
            raise ShapeError(f"{name}: Expected {nd + 2}D input (N, C, "
                             f"{', '.join(_AXES[nd])}), but got input of shape {list(shape)}")
        ok = x.dtype.is_floating_point or (x.dtype is _dt.uint8 and mode != "linear"
                                            and mode != "cubic")
        if not ok:
            raise GraphcNotImplementedError(f'"{name}" not implemented for '
                                            f"'{_TORCH_NAME[x.dtype.name]}' (input of shape "
                                            f"{list(shape)})")
        if shape[1] == 0:
            raise ShapeError(f"{name}: Non-empty {nd + 2}D data tensor expected but got a "
                             f"tensor with sizes {list(shape)}")
        _check_sizes(name, nd, shape[2:], tuple(output_size))
        return shape[:2] + tuple(output_size), x.dtype
    return infer


def _upsample_backward_infer(name, nd):
    def infer(g, input_size, output_size, scales, align_corners=False):
        input_size, output_size = tuple(input_size), tuple(output_size)
        if len(input_size) != nd + 2 or tuple(g.shape) != input_size[:2] + output_size:
            raise ShapeError(f"{name}: expected a gradient of shape "
                             f"{list(input_size[:2] + output_size)} for input size "
                             f"{list(input_size)}, got {list(g.shape)}")
        if not g.dtype.is_floating_point:
            raise DTypeError(f"{name}: expected a floating point gradient, got {g.dtype}")
        _check_sizes(name, nd, input_size[2:], output_size)
        return input_size, g.dtype
    return infer


# -- the ops ------------------------------------------------------------------------------------
def _upsample_ops(name: str, grad_name: str, mode: str, nd: int):
    forward, backward = _upsample_kernels(mode, nd)
    fwd = register(OpDef(
        name=name, infer=_upsample_infer(name, mode, nd), impl=forward,
        vjp=lambda g, x, out, **a: (apply(bwd, g, input_size=tuple(x.shape), **a),),
        grad_name=grad_name,
        doc=f"{mode} resampling of the last {nd} dims to output_size (PyTorch's {name})."))
    bwd = register(OpDef(
        name=name + "_backward", infer=_upsample_backward_infer(name + "_backward", nd),
        impl=backward, vjp=lambda u, g, out, input_size, **a: (apply(fwd, u, **a),),
        grad_name=grad_name.replace("Backward0", "BackwardBackward0"),
        doc=f"{name}'s adjoint: each output gradient summed back onto its source pixels."))
    return fwd, bwd


UPSAMPLE_NEAREST1D, UPSAMPLE_NEAREST1D_BACKWARD = _upsample_ops(
    "upsample_nearest1d", "UpsampleNearest1DBackward0", "nearest", 1)
UPSAMPLE_NEAREST2D, UPSAMPLE_NEAREST2D_BACKWARD = _upsample_ops(
    "upsample_nearest2d", "UpsampleNearest2DBackward0", "nearest", 2)
UPSAMPLE_NEAREST3D, UPSAMPLE_NEAREST3D_BACKWARD = _upsample_ops(
    "upsample_nearest3d", "UpsampleNearest3DBackward0", "nearest", 3)
UPSAMPLE_NEAREST_EXACT1D, UPSAMPLE_NEAREST_EXACT1D_BACKWARD = _upsample_ops(
    "upsample_nearest_exact1d", "UpsampleNearestExact1DBackward0", "nearest-exact", 1)
UPSAMPLE_NEAREST_EXACT2D, UPSAMPLE_NEAREST_EXACT2D_BACKWARD = _upsample_ops(
    "upsample_nearest_exact2d", "UpsampleNearestExact2DBackward0", "nearest-exact", 2)
UPSAMPLE_NEAREST_EXACT3D, UPSAMPLE_NEAREST_EXACT3D_BACKWARD = _upsample_ops(
    "upsample_nearest_exact3d", "UpsampleNearestExact3DBackward0", "nearest-exact", 3)
UPSAMPLE_LINEAR1D, UPSAMPLE_LINEAR1D_BACKWARD = _upsample_ops(
    "upsample_linear1d", "UpsampleLinear1DBackward0", "linear", 1)
UPSAMPLE_BILINEAR2D, UPSAMPLE_BILINEAR2D_BACKWARD = _upsample_ops(
    "upsample_bilinear2d", "UpsampleBilinear2DBackward0", "linear", 2)
UPSAMPLE_TRILINEAR3D, UPSAMPLE_TRILINEAR3D_BACKWARD = _upsample_ops(
    "upsample_trilinear3d", "UpsampleTrilinear3DBackward0", "linear", 3)
UPSAMPLE_BICUBIC2D, UPSAMPLE_BICUBIC2D_BACKWARD = _upsample_ops(
    "upsample_bicubic2d", "UpsampleBicubic2DBackward0", "cubic", 2)

# (mode, number of spatial dims) -> op
_OPS = {("nearest", 1): UPSAMPLE_NEAREST1D, ("nearest", 2): UPSAMPLE_NEAREST2D,
        ("nearest", 3): UPSAMPLE_NEAREST3D, ("nearest-exact", 1): UPSAMPLE_NEAREST_EXACT1D,
        ("nearest-exact", 2): UPSAMPLE_NEAREST_EXACT2D,
        ("nearest-exact", 3): UPSAMPLE_NEAREST_EXACT3D, ("linear", 1): UPSAMPLE_LINEAR1D,
        ("bilinear", 2): UPSAMPLE_BILINEAR2D, ("trilinear", 3): UPSAMPLE_TRILINEAR3D,
        ("bicubic", 2): UPSAMPLE_BICUBIC2D}
_MODES = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"
_NEEDS = {"linear": 3, "bilinear": 4, "trilinear": 5}


# -- public functions -------------------------------------------------------------------------
def _is_int(v) -> bool:
    if isinstance(v, Tensor):
        return v.ndim == 0 and not v.dtype.is_floating_point and not v.dtype.is_bool
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _as_float(v) -> float:
    if isinstance(v, Tensor):
        v = v.item()
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise ArgumentError(f"interpolate: scale_factor must be a float or a tuple of floats, "
                            f"got {type(v).__name__}")
    return float(v)


def _resolve(input: Tensor, size, scale_factor, mode, recompute_scale_factor):
    """PyTorch's argument handling: (output_size, scales) for the upsample op."""
    dim = input.ndim - 2
    spatial = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise GraphcValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise GraphcValueError(
                    f"Input and output must have the same number of spatial dimensions, but "
                    f"got input with spatial dimensions of {spatial} and output size of {size}. "
                    f"Please provide input tensor in (N, C, d1, d2, ...,dK) format and output "
                    f"size in (o1, o2, ...,oK) format.")
            if not all(_is_int(s) for s in size):
                raise ArgumentError(
                    f"expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                    f"Tuple[int, int, int], but got size with types "
                    f"{[type(s) for s in size]}")
            output_size = [int(s) for s in size]
        else:
            if not _is_int(size):
                raise ArgumentError(f"interpolate: size must be an int or a tuple of ints, got "
                                    f"{type(size).__name__}")
            output_size = [int(size)] * dim
        scales = None
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise GraphcValueError(
                    f"Input and scale_factor must have the same number of spatial dimensions, "
                    f"but got input with spatial dimensions of {spatial} and scale_factor of "
                    f"shape {scale_factor}. Please provide input tensor in (N, C, d1, d2, "
                    f"...,dK) format and scale_factor in (s1, s2, ...,sK) format.")
            scales = [_as_float(s) for s in scale_factor]
        else:
            scales = [_as_float(scale_factor)] * dim
        output_size = None
    else:
        raise GraphcValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise GraphcValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and output_size is None:
        recompute_scale_factor = True
    if output_size is None:  # the output size from the scale (truncated, as C++ casts it)
        output_size = [int(s * f) for s, f in zip(spatial, scales)]
        if recompute_scale_factor:
            scales = None
    return tuple(output_size), tuple(scales) if scales is not None else (None,) * dim


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """PyTorch's ``F.interpolate`` on (N, C, W), (N, C, H, W) or (N, C, D, H, W) input."""
    if not isinstance(input, Tensor):
        raise ArgumentError(f"interpolate(): input must be a Tensor, got "
                            f"{type(input).__name__}")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise GraphcValueError("align_corners option can only be set with the interpolating "
                                   "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    output_size, scales = _resolve(input, size, scale_factor, mode, recompute_scale_factor)
    if antialias:
        if not (mode in ("bilinear", "bicubic", "lanczos") and input.ndim == 4):
            raise GraphcValueError("Anti-alias option is restricted to bilinear, bicubic, and "
                                   "lanczos modes and requires a 4-D tensor as input")
        raise GraphcNotImplementedError("interpolate: antialias=True is not supported by graphc")
    nd = input.ndim - 2
    op = _OPS.get((mode, nd))
    if op is not None:
        attrs = {"output_size": output_size, "scales": scales}
        if mode not in ("nearest", "nearest-exact"):
            attrs["align_corners"] = bool(align_corners)
        return checked(op, input, **attrs)
    if mode == "area" and input.ndim in (3, 4):
        from graphc.ops.pool import adaptive_avg_pool2d
        if input.ndim == 4:
            return adaptive_avg_pool2d(input, output_size)
        return adaptive_avg_pool2d(input.unsqueeze(-2), (1,) + output_size).squeeze(-2)
    if mode == "area" and input.ndim == 5:
        raise GraphcNotImplementedError("interpolate: mode='area' on 5-D input needs "
                                        "adaptive_avg_pool3d, which graphc does not have")
    if mode in _NEEDS and input.ndim in (3, 4, 5):
        raise GraphcNotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs "
                                        f"{_NEEDS[mode]}D input")
    raise GraphcNotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported "
                                    f"(got {input.ndim}D) for the modes: {_MODES} (got {mode})")


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# PyTorch exposes none of these at top level (only under ``F``).
__all__: list = []
