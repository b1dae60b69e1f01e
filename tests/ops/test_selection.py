"""``kthvalue`` and ``nanmedian``: errors, and the positions (hence gradients) PyTorch's CPU
kernels pick among tied values and NaNs, over many random tie-heavy inputs."""
from __future__ import annotations

import numpy as np
import pytest

import graphc
from graphc import errors

try:
    import torch
except ImportError:
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed")


@pytest.mark.parametrize("call,exc,match", [
    (lambda: graphc.kthvalue(graphc.ones(3, 4), 0), RuntimeError,
     r"kthvalue\(\): selected number k out of range for dimension 1"),
    (lambda: graphc.kthvalue(graphc.ones(3, 4), 5), RuntimeError, "out of range for dimension 1"),
    (lambda: graphc.kthvalue(graphc.ones(3, 4), 4, 0), RuntimeError, "for dimension 0"),
    (lambda: graphc.kthvalue(graphc.tensor(3.0), 2), RuntimeError, "for dimension 0"),
    (lambda: graphc.kthvalue(graphc.ones(3, 4), 1, 2), IndexError, "Dimension out of range"),
    (lambda: graphc.kthvalue(graphc.ones(3, 0), 1), IndexError,
     r"kthvalue\(\): Expected reduction dim 1 to have non-zero size"),
    (lambda: graphc.kthvalue(graphc.ones(2, dtype=graphc.bool), 1), NotImplementedError,
     "not implemented for 'Bool'"),
    (lambda: graphc.nanmedian(graphc.ones(0, 3), 0), IndexError,
     r"nanmedian\(\): Expected reduction dim 0 to have non-zero size"),
    (lambda: graphc.ones(2, 3).nanmedian(3), IndexError, "Dimension out of range"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match) as info:
        call()
    assert isinstance(info.value, errors.GraphcError)


def test_edge_cases():
    v, i = graphc.kthvalue(graphc.tensor(3.0), 1)
    assert v.item() == 3.0 and i.item() == 0 and i.dtype is graphc.int64
    v, i = graphc.kthvalue(graphc.ones(0, 3), 1, 1)
    assert v.shape == (0,) and i.shape == (0,)
    assert np.isnan(graphc.nanmedian(graphc.ones(0)).item())
    assert np.isnan(graphc.nanmedian(graphc.tensor([np.nan, np.nan])).item())
    assert graphc.nanmedian(graphc.tensor([3, 1, 2, 5])).item() == 2
    v, i = graphc.tensor([[1.0, np.nan, 0.5]]).nanmedian(1, keepdim=True)
    assert v.tolist() == [[0.5]] and i.tolist() == [[2]]


@needs_torch
@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
def test_kthvalue_ties_and_nan_match_torch(dtype):
    rng = np.random.default_rng(0)
    for trial in range(300):
        shape = tuple(rng.integers(1, 9, size=int(rng.integers(1, 4))))
        x = rng.integers(0, int(rng.integers(1, 5)), size=shape).astype(np.float64)
        if dtype != "int64" and trial % 3 == 0:
            x[rng.random(shape) < 0.3] = np.nan
        x = x.astype(dtype)
        dim = int(rng.integers(-len(shape), len(shape)))
        k = int(rng.integers(1, shape[dim] + 1))
        keep = bool(trial % 2)
        gv, gi = graphc.kthvalue(graphc.tensor(x), k, dim, keep)
        tv, ti = torch.kthvalue(torch.tensor(x), k, dim, keep)
        np.testing.assert_array_equal(gi.numpy(), ti.numpy(), err_msg=f"{x} k={k} dim={dim}")
        np.testing.assert_array_equal(gv.numpy(), tv.numpy())


@needs_torch
def test_kthvalue_gradient_with_ties_matches_torch():
    x = np.array([[1.0, 1.0, 1.0, 2.0, 1.0], [5.0, 1.0, 5.0, 2.0, 5.0]])
    for k in range(1, 6):
        xg, xt = graphc.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        yg, yt = graphc.kthvalue(xg, k).values, torch.kthvalue(xt, k).values
        assert type(yg.grad_fn).__name__ == yt.grad_fn.name() == "KthvalueBackward0"
        yg.sum().backward()
        yt.sum().backward()
        np.testing.assert_array_equal(xg.grad.numpy(), xt.grad.numpy())


@needs_torch
def test_nanmedian_all_nan_slices_pick_torchs_index():
    got = [int(graphc.nanmedian(graphc.full((n,), np.nan), 0).indices) for n in range(1, 70)]
    want = [int(torch.nanmedian(torch.full((n,), np.nan), 0).indices) for n in range(1, 70)]
    assert got == want


@needs_torch
@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
def test_nanmedian_ties_and_nan_match_torch(dtype):
    rng = np.random.default_rng(1)
    for trial in range(300):
        shape = tuple(rng.integers(1, 8, size=int(rng.integers(1, 4))))
        x = rng.integers(0, int(rng.integers(1, 5)), size=shape).astype(np.float64)
        if dtype != "int64":
            x[rng.random(shape) < rng.uniform(0, 0.8)] = np.nan
        x = x.astype(dtype)
        dim = int(rng.integers(-len(shape), len(shape)))
        gv, gi = graphc.nanmedian(graphc.tensor(x), dim, bool(trial % 2))
        tv, ti = torch.nanmedian(torch.tensor(x), dim, bool(trial % 2))
        np.testing.assert_array_equal(gi.numpy(), ti.numpy(), err_msg=f"{x} dim={dim}")
        np.testing.assert_array_equal(gv.numpy(), tv.numpy())
        np.testing.assert_array_equal(graphc.nanmedian(graphc.tensor(x)).numpy(),
                                      torch.nanmedian(torch.tensor(x)).numpy())


@needs_torch
def test_nanmedian_gradients_and_grad_fn_names_match_torch():
    for x in (np.array([1.0, np.nan, 1.0, 2.0]), np.array([np.nan, np.nan]),
              np.array([[3.0, np.nan, 2.0], [np.nan, np.nan, np.nan]])):
        xg, xt = graphc.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        yg, yt = graphc.nanmedian(xg), torch.nanmedian(xt)
        assert type(yg.grad_fn).__name__ == yt.grad_fn.name()
        yg.backward()
        yt.backward()
        np.testing.assert_array_equal(xg.grad.numpy(), xt.grad.numpy())
        xg.grad, xt.grad = None, None
        yg, yt = xg.nanmedian(-1).values, xt.nanmedian(-1).values
        assert type(yg.grad_fn).__name__ == yt.grad_fn.name()
        yg.sum().backward()
        yt.sum().backward()
        np.testing.assert_array_equal(xg.grad.numpy(), xt.grad.numpy())
