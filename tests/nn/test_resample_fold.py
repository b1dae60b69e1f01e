"""Upsampling, fold/unfold and adaptive max pooling layers against ``torch.nn``, and the ops
behind them against PyTorch over grids of sizes, scales and dtypes (including ties, NaN and inf,
where the positions PyTorch's kernels pick and how they propagate non-finite values matter).
"""
from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import graphc
import graphc.nn.functional as GF
from graphc import nn
from tests.nn.test_modules import L, _randn, pair, run_and_compare

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _spread(*shape):
    def make(rng):
        n = int(np.prod(shape))
        return rng.permutation(np.linspace(-2, 2, n) + rng.uniform(0, 0.01, n)).reshape(shape)
    return make


LAYERS = [
    L("upsample_nearest", lambda m: m.Upsample(scale_factor=2), [_randn(2, 3, 4, 5)], (0,)),
    L("upsample_nearest_size_1d", lambda m: m.Upsample(size=7), [_randn(2, 3, 4)], (0,)),
    L("upsample_nearest_exact", lambda m: m.Upsample(scale_factor=(1.5, 0.5),
                                                     mode="nearest-exact"),
      [_randn(1, 2, 4, 6)], (0,)),
    L("upsample_nearest_3d", lambda m: m.Upsample(size=(3, 4, 5)), [_randn(1, 2, 2, 3, 4)], (0,)),
    L("upsample_linear", lambda m: m.Upsample(scale_factor=2.5, mode="linear"),
      [_randn(2, 2, 5)], (0,)),
    L("upsample_bilinear", lambda m: m.Upsample(size=(7, 9), mode="bilinear"),
      [_randn(2, 3, 4, 5)], (0,)),
    L("upsample_bilinear_align", lambda m: m.Upsample(scale_factor=1.7, mode="bilinear",
                                                      align_corners=True),
      [_randn(1, 2, 5, 4)], (0,)),
    L("upsample_bilinear_recompute", lambda m: m.Upsample(
        scale_factor=(0.7, 1.3), mode="bilinear", recompute_scale_factor=True),
      [_randn(1, 2, 9, 7)], (0,)),
    L("upsample_bicubic", lambda m: m.Upsample(scale_factor=3, mode="bicubic"),
      [_randn(1, 2, 3, 4)], (0,)),
    L("upsample_bicubic_align_down", lambda m: m.Upsample(size=(3, 4), mode="bicubic",
                                                          align_corners=True),
      [_randn(2, 1, 7, 9)], (0,)),
    L("upsample_trilinear", lambda m: m.Upsample(scale_factor=(2, 1.5, 0.5), mode="trilinear"),
      [_randn(1, 2, 3, 4, 6)], (0,)),
    L("upsample_area", lambda m: m.Upsample(size=(3, 2), mode="area"), [_randn(2, 2, 7, 5)],
      (0,)),
    L("upsampling_nearest2d", lambda m: m.UpsamplingNearest2d(scale_factor=2),
      [_randn(2, 3, 3, 4)], (0,)),
    L("upsampling_bilinear2d", lambda m: m.UpsamplingBilinear2d(size=(5, 6)),
      [_randn(2, 3, 3, 4)], (0,)),
    L("unfold", lambda m: m.Unfold(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=2),
      [_randn(2, 3, 6, 7)], (0,)),
    L("unfold_unbatched", lambda m: m.Unfold(3), [_randn(2, 5, 5)], (0,)),
    L("fold", lambda m: m.Fold(output_size=(5, 6), kernel_size=2, stride=(1, 2)),
      [_randn(2, 12, 12)], (0,)),
    L("fold_padding_dilation", lambda m: m.Fold((4, 4), 3, dilation=2, padding=2),
      [_randn(1, 18, 16)], (0,)),
    L("adaptive_max_2d", lambda m: m.AdaptiveMaxPool2d((3, 4)), [_spread(2, 3, 7, 9)], (0,)),
    L("adaptive_max_2d_none", lambda m: m.AdaptiveMaxPool2d((None, 2)), [_spread(2, 5, 5)],
      (0,)),
    L("adaptive_max_2d_up", lambda m: m.AdaptiveMaxPool2d(5), [_spread(1, 2, 3, 4)], (0,)),
    L("adaptive_max_1d", lambda m: m.AdaptiveMaxPool1d(4), [_spread(2, 3, 10)], (0,)),
]


@pytest.mark.parametrize("case", LAYERS, ids=lambda c: c.id)
def test_module_matches_torch(case):
    rng = np.random.default_rng(0)
    gm, tm = pair(case.make)
    run_and_compare(gm, tm, [mk(rng) for mk in case.inputs], case.grad_inputs, rng)
    assert repr(gm) == repr(tm)


def test_adaptive_max_pool_modules_return_indices():
    a = _spread(2, 3, 7, 5)(np.random.default_rng(1))
    for g_mod, t_mod, x in ((nn.AdaptiveMaxPool2d((3, 2), True),
                             torch.nn.AdaptiveMaxPool2d((3, 2), True), a),
                            (nn.AdaptiveMaxPool1d(3, True), torch.nn.AdaptiveMaxPool1d(3, True),
                             a[0])):
        (gv, gi), (tv, ti) = g_mod(graphc.tensor(x)), t_mod(torch.tensor(x))
        np.testing.assert_array_equal(gv.numpy(), tv.numpy())
        np.testing.assert_array_equal(gi.numpy(), ti.numpy())
        assert gi.dtype is graphc.int64


# -- interpolate over a grid, against PyTorch ------------------------------------------------------
_MODES = {1: ["nearest", "nearest-exact", "linear"], 2: ["nearest", "nearest-exact", "bilinear",
                                                         "bicubic"],
          3: ["nearest", "nearest-exact", "trilinear"]}


def _grid():
    for nd, modes in _MODES.items():
        for mode in modes:
            for n_in in (1, 2, 3, 5, 7):
                for how in [("size", o) for o in (1, 2, 3, 4, 6, 9, 13)] + \
                        [("scale", s) for s in (0.5, 0.7, 1.5, 2.0, 2.5, 3.0, 1 / 3, 1.7)] + \
                        [("recompute", s) for s in (0.7, 1.5, 1 / 3)]:
                    for ac in ([None] if mode.startswith("nearest") else [False, True]):
                        yield nd, mode, n_in, how, ac


def _kwargs(mode, how, ac):
    kw = {"mode": mode, "align_corners": ac}
    if how[0] == "size":
        kw["size"] = how[1]
    else:
        kw["scale_factor"] = how[1]
        kw["recompute_scale_factor"] = how[0] == "recompute"
    return kw


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_interpolate_grid_matches_torch(dtype):
    """Values (float32: as PyTorch's opmath and float32 index rounding give them) and the
    gradient of a random weighting, over sizes, scales, modes and align_corners."""
    rng = np.random.default_rng(0)
    checked = 0
    for nd, mode, n_in, how, ac in _grid():
        if how[0] == "scale" and int(n_in * how[1]) == n_in:
            continue  # PyTorch's forward and backward kernels disagree here (see resample.py)
        x = rng.standard_normal((2, 1) + (n_in,) * nd).astype(dtype)
        kw = _kwargs(mode, how, ac)
        xt = torch.tensor(x, requires_grad=True)
        try:
            want = TF.interpolate(xt, **kw)
        except RuntimeError:  # an empty output: graphc must refuse it too
            with pytest.raises(graphc.errors.ShapeError, match="greater than 0"):
                GF.interpolate(graphc.tensor(x), **kw)
            continue
        xg = graphc.tensor(x, requires_grad=True)
        got = GF.interpolate(xg, **kw)
        what = f"{mode} {nd}d n_in={n_in} {how} ac={ac} {dtype}"
        assert tuple(got.shape) == tuple(want.shape), what
        assert got.dtype.name == dtype, what
        tol = 1e-12 if dtype == "float64" else 1e-5
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), atol=tol,
                                   rtol=tol, err_msg=what)
        w = rng.standard_normal(tuple(want.shape)).astype(dtype)
        (want * torch.tensor(w)).sum().backward()
        (got * graphc.tensor(w)).sum().backward()
        np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), atol=10 * tol,
                                   rtol=10 * tol, err_msg=what)
        checked += 1
    assert checked > 700


@pytest.mark.parametrize("mode,shape", [("nearest", (1, 2, 3, 4)), ("linear", (1, 2, 5)),
                                        ("bilinear", (1, 2, 3, 4)), ("bicubic", (1, 1, 4, 4)),
                                        ("trilinear", (1, 1, 2, 3, 3))])
def test_interpolate_propagates_nan_and_inf_as_torch(mode, shape):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape)
    flat = x.reshape(-1)
    flat[1], flat[-2] = np.inf, np.nan
    for kw in ({"scale_factor": 2}, {"size": tuple(s + 1 for s in shape[2:])},
               {"size": shape[2:]}):
        if mode != "nearest":
            for ac in (False, True):
                g = GF.interpolate(graphc.tensor(x), mode=mode, align_corners=ac, **kw)
                t = TF.interpolate(torch.tensor(x), mode=mode, align_corners=ac, **kw)
                np.testing.assert_allclose(g.numpy(), t.numpy(), atol=1e-12)  # NaNs equal
        else:
            g = GF.interpolate(graphc.tensor(x), mode=mode, **kw)
            np.testing.assert_array_equal(g.numpy(), TF.interpolate(torch.tensor(x), **kw))


@pytest.mark.parametrize("mode,in_shape,size,ac", [
    ("bilinear", (1, 2, 3, 4), (5, 7), False), ("bilinear", (1, 1, 3, 4), (3, 7), True),
    ("bicubic", (1, 1, 4, 4), (6, 3), False), ("linear", (1, 1, 4), (4,), False),
    ("trilinear", (1, 1, 2, 2, 3), (3, 2, 5), True)])
def test_interpolate_backward_propagates_nan_and_inf_as_torch(mode, in_shape, size, ac):
    g = np.random.default_rng(12).standard_normal(in_shape[:2] + size)
    flat = g.reshape(-1)
    flat[1], flat[-3] = np.inf, np.nan
    xg = graphc.zeros(in_shape, dtype=graphc.float64, requires_grad=True)
    GF.interpolate(xg, size=size, mode=mode, align_corners=ac).backward(graphc.tensor(g))
    xt = torch.zeros(in_shape, dtype=torch.float64, requires_grad=True)
    TF.interpolate(xt, size=size, mode=mode, align_corners=ac).backward(torch.tensor(g))
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), atol=1e-12)


def test_interpolate_float16_and_uint8():
    x = np.random.default_rng(2).standard_normal((1, 2, 3, 4))
    for mode in ("nearest", "bilinear", "bicubic"):
        g = GF.interpolate(graphc.tensor(x).half(), scale_factor=2, mode=mode)
        t = TF.interpolate(torch.tensor(x).half(), scale_factor=2, mode=mode)
        assert g.dtype is graphc.float16
        np.testing.assert_allclose(g.float().numpy(), t.float().numpy(), atol=1e-2, rtol=1e-2)
    u = np.random.default_rng(3).integers(0, 256, (1, 2, 3, 5)).astype(np.uint8)
    for mode in ("nearest", "nearest-exact"):
        g = GF.interpolate(graphc.tensor(u), size=(5, 4), mode=mode)
        assert g.dtype is graphc.uint8
        np.testing.assert_array_equal(g.numpy(),
                                      TF.interpolate(torch.tensor(u), size=(5, 4), mode=mode))


def test_interpolate_grad_fn_names_and_double_backward():
    x = np.random.default_rng(4).standard_normal((1, 2, 3, 4))
    for mode, ac in (("nearest", None), ("nearest-exact", None), ("bilinear", True),
                     ("bicubic", False)):
        xg, xt = graphc.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        yg = GF.interpolate(xg * xg, scale_factor=1.5, mode=mode, align_corners=ac)
        yt = TF.interpolate(xt * xt, scale_factor=1.5, mode=mode, align_corners=ac)
        assert type(yg.grad_fn).__name__ == yt.grad_fn.name()
        (gg,) = graphc.autograd.grad((yg * yg).sum(), xg, create_graph=True)
        (gt,) = torch.autograd.grad((yt * yt).sum(), xt, create_graph=True)
        np.testing.assert_allclose(gg.detach().numpy(), gt.detach().numpy(), atol=1e-10)
        inner = [type(f).__name__ for f, _ in gg.grad_fn.next_functions if f is not None]
        want = [f.name() for f, _ in gt.grad_fn.next_functions if f is not None]
        assert sorted(inner) == sorted(want)
        (gg.sin().sum()).backward()
        (gt.sin().sum()).backward()
        np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), atol=1e-10)


def test_interpolate_compiled_matches_eager():
    x = graphc.tensor(np.random.default_rng(5).standard_normal((2, 3, 5, 4)), requires_grad=True)

    def f(t):
        up = GF.interpolate(t, scale_factor=2, mode="bilinear", align_corners=False)
        return (GF.unfold(up, 3, padding=1).sum((1, 2))
                + GF.adaptive_max_pool2d(t, 2).sum((1, 2, 3)))
    want = f(x)
    got = graphc.compile(f)(x)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), atol=1e-12)
    gx = graphc.grad(lambda t: f(t).sum())(x.detach())
    want.sum().backward()
    np.testing.assert_allclose(gx.numpy(), x.grad.numpy(), atol=1e-12)


def test_deprecated_upsample_functions_warn_and_match():
    x = np.random.default_rng(6).standard_normal((1, 1, 3, 3))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outs = [GF.upsample(graphc.tensor(x), scale_factor=2, mode="bilinear"),
                GF.upsample_nearest(graphc.tensor(x), size=5),
                GF.upsample_bilinear(graphc.tensor(x), scale_factor=2)]
        wants = [TF.upsample(torch.tensor(x), scale_factor=2, mode="bilinear"),
                 TF.upsample_nearest(torch.tensor(x), size=5),
                 TF.upsample_bilinear(torch.tensor(x), scale_factor=2)]
    assert sum("deprecated" in str(w.message) for w in caught) == 6
    for g, t in zip(outs, wants):
        np.testing.assert_allclose(g.numpy(), t.numpy(), atol=1e-12)


# -- fold / unfold -------------------------------------------------------------------------------
def test_fold_unfold_grid_matches_torch():
    rng = np.random.default_rng(7)
    for k, d, p, s in itertools.product([1, 2, (2, 3)], [1, (2, 1)], [0, 1, (0, 2)],
                                        [1, 2, (1, 3)]):
        x = rng.standard_normal((2, 2, 6, 7))
        try:
            want = TF.unfold(torch.tensor(x), k, d, p, s)
        except RuntimeError:
            with pytest.raises(graphc.errors.ShapeError):
                GF.unfold(graphc.tensor(x), k, d, p, s)
            continue
        np.testing.assert_array_equal(GF.unfold(graphc.tensor(x), k, d, p, s).numpy(), want)
        cols = rng.standard_normal(tuple(want.shape))
        np.testing.assert_allclose(GF.fold(graphc.tensor(cols), (6, 7), k, d, p, s).numpy(),
                                   TF.fold(torch.tensor(cols), (6, 7), k, d, p, s).numpy(),
                                   atol=1e-12)


def test_fold_unfold_grad_fns_are_each_others_adjoint():
    x = graphc.tensor(np.random.default_rng(8).standard_normal((1, 2, 4, 4)), requires_grad=True)
    u = GF.unfold(x, 2)
    assert type(u.grad_fn).__name__ == "Im2ColBackward0"
    (g,) = graphc.autograd.grad((u * u).sum(), x, create_graph=True)
    names = [type(f).__name__ for f, _ in g.grad_fn.next_functions if f is not None]
    assert "Col2ImBackward0" in names or type(g.grad_fn).__name__ == "Col2ImBackward0"
    f = GF.fold(u, (4, 4), 2)
    assert type(f.grad_fn).__name__ == "Col2ImBackward0"
    assert GF.unfold(graphc.ones(1, 1, 3, 3, dtype=graphc.bool), 2).dtype is graphc.bool


# -- adaptive max pooling ----------------------------------------------------------------------
def test_adaptive_max_pool_grid_ties_and_nan_match_torch():
    rng = np.random.default_rng(9)
    for h, w, oh, ow in itertools.product((1, 3, 5, 8), (2, 7), (1, 2, 3, 6), (1, 4)):
        for kind in ("ties", "nan", "inf"):
            x = rng.integers(0, 3, (2, 2, h, w)).astype(np.float64)
            if kind == "nan":
                x[rng.random(x.shape) < 0.3] = np.nan
            elif kind == "inf":
                x[:] = -np.inf
            gv, gi = GF.adaptive_max_pool2d(graphc.tensor(x), (oh, ow), True)
            tv, ti = TF.adaptive_max_pool2d(torch.tensor(x), (oh, ow), True)
            np.testing.assert_array_equal(gv.numpy(), tv.numpy())
            np.testing.assert_array_equal(gi.numpy(), ti.numpy())


def test_adaptive_max_pool_gradient_accumulates_like_torch():
    x = np.random.default_rng(10).standard_normal((1, 2, 3, 3))
    xg, xt = graphc.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yg, yt = GF.adaptive_max_pool2d(xg, 5), TF.adaptive_max_pool2d(xt, 5)
    assert type(yg.grad_fn).__name__ == yt.grad_fn.name()
    w = np.random.default_rng(11).standard_normal((1, 2, 5, 5))
    (gg,) = graphc.autograd.grad((yg * graphc.tensor(w)).sum(), xg, create_graph=True)
    (gt,) = torch.autograd.grad((yt * torch.tensor(w)).sum(), xt, create_graph=True)
    np.testing.assert_allclose(gg.detach().numpy(), gt.detach().numpy(), atol=1e-12)
