"""Conformance rows for ``F.interpolate`` (graphc/ops/resample.py): every upsample op and its
backward op.

References are written independently of the kernels: nearest modes index with the documented
formulas, linear modes use ``np.interp`` along each axis, bicubic evaluates the Keys kernel
(a = -0.75) on clamped neighbours. Rows for the backward ops call the registry op directly and
give PyTorch's double backward (autograd.grad with create_graph on the forward, which is linear)
as ``torch_fn``; gradcheck then checks each backward op's own vjp. Scales avoid the cases where
PyTorch's forward and backward kernels disagree with each other (a scale_factor that leaves the
size unchanged).
"""
import numpy as np

from tests.ops.spec import OpSpec


def _F(m):
    return m.nn.functional


def _op(name, **attrs):
    """A row function applying the registry op ``name`` directly (graphc side only)."""
    def fn(m, *xs):
        from graphc.ops.dispatch import apply
        from graphc.ops.registry import get
        return apply(get(name), *xs, **attrs)
    return fn


def _tgrad(x_shape, **kw):
    """PyTorch's input gradient of ``F.interpolate(x, **kw)`` as a function of grad_output
    (create_graph, so the row also compares double backward)."""
    def fn(m, g):
        import torch
        x = torch.zeros(x_shape, dtype=g.dtype, requires_grad=True)
        y = torch.nn.functional.interpolate(x, **kw)
        return torch.autograd.grad(y, x, g, create_graph=True)[0]
    return fn


# -- references --------------------------------------------------------------------------------
def _along(x, axis, fn):
    return np.apply_along_axis(fn, axis, x)


def _nearest_ref(out_sizes, scales=None, exact=False):
    def ref(x):
        nd = len(out_sizes)
        for k in range(nd):
            axis = x.ndim - nd + k
            n_in, n_out = x.shape[axis], out_sizes[k]
            s = 1 / scales[k] if scales else n_in / n_out
            i = np.arange(n_out)
            src = np.floor((i + 0.5) * s) if exact else np.floor(i * s)
            x = np.take(x, np.minimum(src.astype(int), n_in - 1), axis=axis)
        return x
    return ref


def _linear_ref(out_sizes, align_corners, scales=None):
    def ref(x):
        nd = len(out_sizes)
        for k in range(nd):
            axis = x.ndim - nd + k
            n_in, n_out = x.shape[axis], out_sizes[k]
            i = np.arange(n_out)
            if n_in == n_out:
                src = i.astype(float)
            elif align_corners:
                src = i * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
            else:
                s = 1 / scales[k] if scales else n_in / n_out
                src = np.maximum((i + 0.5) * s - 0.5, 0)
            x = _along(x, axis, lambda row, src=src, n=n_in: np.interp(src, np.arange(n), row))
        return x
    return ref


def _keys(t, a=-0.75):
    t = np.abs(t)
    return np.where(t <= 1, (a + 2) * t ** 3 - (a + 3) * t ** 2 + 1,
                    np.where(t < 2, a * t ** 3 - 5 * a * t ** 2 + 8 * a * t - 4 * a, 0.0))


def _cubic_ref(out_sizes, align_corners, scales=None):
    def ref(x):
        for k in range(2):
            axis = x.ndim - 2 + k
            n_in, n_out = x.shape[axis], out_sizes[k]
            i = np.arange(n_out)
            if align_corners:
                src = i * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
            else:
                s = 1 / scales[k] if scales else n_in / n_out
                src = (i + 0.5) * s - 0.5
            base = np.floor(src).astype(int)
            m = np.zeros((n_out, n_in))
            for j in range(-1, 3):
                np.add.at(m, (i, np.clip(base + j, 0, n_in - 1)), _keys(src - (base + j)))
            x = np.moveaxis(np.tensordot(x, m, axes=([axis], [1])), -1, axis)
        return x
    return ref


def _uint8(shape):
    return lambda rng, dt: [rng.integers(0, 256, size=shape).astype(np.uint8)]


# -- rows --------------------------------------------------------------------------------------
def _interp(**kw):
    return lambda m, x: _F(m).interpolate(x, **kw)


NEAREST = [
    OpSpec("interpolate_nearest_1d", _interp(size=8), [(2, 2, 5)], _nearest_ref((8,))),
    OpSpec("interpolate_nearest_2d_x2", _interp(scale_factor=2), [(1, 2, 3, 4)],
           lambda x: x.repeat(2, axis=2).repeat(2, axis=3)),
    OpSpec("interpolate_nearest_2d_down", _interp(size=(3, 4)), [(1, 2, 5, 7)],
           _nearest_ref((3, 4))),
    OpSpec("interpolate_nearest_2d_scales", _interp(scale_factor=(1.5, 0.75)), [(2, 1, 4, 4)],
           _nearest_ref((6, 3), (1.5, 0.75))),
    OpSpec("interpolate_nearest_3d", _interp(scale_factor=(2, 1.5, 0.5)), [(1, 2, 2, 2, 4)],
           _nearest_ref((4, 3, 2), (2, 1.5, 0.5))),
    OpSpec("interpolate_nearest_uint8", _interp(scale_factor=1.5), [],
           _nearest_ref((4, 6), (1.5, 1.5)), make=_uint8((1, 2, 3, 4)), grad=False,
           dtypes=("uint8",)),
    OpSpec("interpolate_nearest_exact_1d", _interp(size=7, mode="nearest-exact"), [(2, 1, 4)],
           _nearest_ref((7,), exact=True)),
    OpSpec("interpolate_nearest_exact_2d", _interp(scale_factor=(0.6, 1.5), mode="nearest-exact"),
           [(1, 2, 5, 4)], _nearest_ref((3, 6), (0.6, 1.5), exact=True)),
    OpSpec("interpolate_nearest_exact_3d", _interp(size=(3, 2, 5), mode="nearest-exact"),
           [(1, 1, 2, 3, 3)], _nearest_ref((3, 2, 5), exact=True)),
]

LINEAR = [
    OpSpec("interpolate_linear", _interp(size=7, mode="linear"), [(2, 2, 4)],
           _linear_ref((7,), False)),
    OpSpec("interpolate_linear_align_corners",
           _interp(scale_factor=2.5, mode="linear", align_corners=True), [(1, 3, 3)],
           _linear_ref((7,), True)),
    OpSpec("interpolate_linear_down", _interp(size=3, mode="linear"), [(1, 2, 8)],
           _linear_ref((3,), False)),
    OpSpec("interpolate_bilinear", _interp(scale_factor=2, mode="bilinear"), [(1, 2, 3, 4)],
           _linear_ref((6, 8), False)),
    OpSpec("interpolate_bilinear_align_corners",
           _interp(size=(5, 3), mode="bilinear", align_corners=True), [(2, 1, 3, 4)],
           _linear_ref((5, 3), True)),
    OpSpec("interpolate_bilinear_scales",
           _interp(scale_factor=(1.7, 0.6), mode="bilinear"), [(1, 2, 3, 5)],
           _linear_ref((5, 3), False, (1.7, 0.6))),
    OpSpec("interpolate_bilinear_recompute",
           _interp(scale_factor=1.7, mode="bilinear", recompute_scale_factor=True),
           [(1, 1, 3, 4)], _linear_ref((5, 6), False)),
    OpSpec("interpolate_bilinear_same_height", _interp(size=(3, 6), mode="bilinear"),
           [(1, 2, 3, 4)], _linear_ref((3, 6), False)),
    OpSpec("interpolate_trilinear", _interp(size=(3, 4, 2), mode="trilinear"),
           [(1, 2, 2, 3, 3)], _linear_ref((3, 4, 2), False)),
    OpSpec("interpolate_trilinear_align_corners",
           _interp(scale_factor=(1.5, 2, 0.5), mode="trilinear", align_corners=True),
           [(1, 1, 2, 2, 4)], _linear_ref((3, 4, 2), True)),
    OpSpec("interpolate_bicubic", _interp(scale_factor=2, mode="bicubic"), [(1, 2, 3, 4)],
           _cubic_ref((6, 8), False, (2, 2))),
    OpSpec("interpolate_bicubic_align_corners",
           _interp(size=(5, 3), mode="bicubic", align_corners=True), [(1, 1, 4, 4)],
           _cubic_ref((5, 3), True)),
    OpSpec("interpolate_bicubic_down", _interp(size=(2, 3), mode="bicubic"), [(2, 1, 5, 6)],
           _cubic_ref((2, 3), False)),
    OpSpec("interpolate_area", _interp(size=(2, 3), mode="area"), [(1, 2, 4, 6)],
           lambda x: x.reshape(1, 2, 2, 2, 3, 2).mean(axis=(3, 5))),
    OpSpec("upsample_module_style", lambda m, x: m.nn.Upsample(scale_factor=(2, 1.5),
                                                               mode="bilinear")(x),
           [(1, 1, 2, 4)], _linear_ref((4, 6), False, (2, 1.5))),
]


def _backward_row(name, in_shape, out_size, scales=None, align_corners=None, **kw):
    nd = len(out_size)
    attrs = {"input_size": in_shape, "output_size": out_size, "scales": scales or (None,) * nd}
    if align_corners is not None:
        attrs["align_corners"] = align_corners
        kw["align_corners"] = align_corners
    torch_kw = dict(kw, scale_factor=scales) if scales else dict(kw, size=out_size)
    return OpSpec(f"{name}_backward", _op(f"{name}_backward", **attrs),
                  [in_shape[:2] + out_size], torch_fn=_tgrad(in_shape, **torch_kw),
                  zero_dim=False, perturb=())  # attrs and torch_fn fix shapes and dtypes


BACKWARD = [
    _backward_row("upsample_nearest1d", (1, 2, 4), (7,)),
    _backward_row("upsample_nearest2d", (1, 2, 3, 4), (5, 3), mode="nearest"),
    _backward_row("upsample_nearest3d", (1, 1, 2, 3, 2), (4, 3, 3), (2.0, 1.0, 1.5),
                  mode="nearest"),
    _backward_row("upsample_nearest_exact1d", (2, 1, 5), (3,), mode="nearest-exact"),
    _backward_row("upsample_nearest_exact2d", (1, 2, 3, 4), (6, 6), (2.0, 1.5),
                  mode="nearest-exact"),
    _backward_row("upsample_nearest_exact3d", (1, 1, 3, 2, 2), (2, 3, 4), mode="nearest-exact"),
    _backward_row("upsample_linear1d", (1, 2, 4), (7,), align_corners=False, mode="linear"),
    _backward_row("upsample_bilinear2d", (1, 2, 3, 4), (5, 7), align_corners=True,
                  mode="bilinear"),
    _backward_row("upsample_trilinear3d", (1, 1, 2, 3, 2), (3, 2, 4), align_corners=False,
                  mode="trilinear"),
    _backward_row("upsample_bicubic2d", (1, 1, 3, 4), (6, 8), (2.0, 2.0), align_corners=False,
                  mode="bicubic"),
]

SPECS = NEAREST + LINEAR + BACKWARD
