"""Every conformance row again with non-contiguous inputs: graphc tensors that are strided views
(every other element of a larger tensor, then transposed back), as user code gets from slicing
and ``.t()``. Kernels that assume C-contiguous memory (``reshape`` vs ``view``, ``out=`` buffers,
raw ``ravel``) break here. Values and gradients must equal the contiguous run bit for bit or to
rounding; no PyTorch needed."""
from __future__ import annotations

import numpy as np
import pytest

import graphc
from graphc.errors import ShapeError
from tests.ops.test_conformance import SPECS, _NAMES, _as_list, _host

# ``view`` of non-contiguous memory is refused, as in PyTorch ("use .reshape(...) instead").
NEEDS_CONTIGUOUS = {"view", "view_infer", "view_as"}


def _strided(a: np.ndarray, requires_grad: bool) -> graphc.Tensor:
    """A graphc tensor equal to ``a`` whose memory is not C-contiguous (when a.ndim >= 1)."""
    if a.ndim == 0 or a.size == 0:
        t = graphc.tensor(a)
    else:
        big = np.zeros(tuple(2 * n for n in a.shape[::-1]), a.dtype)
        big[tuple(slice(None, None, 2) for _ in a.shape)] = a.T
        t = graphc.tensor(big)[tuple(slice(None, None, 2) for _ in a.shape)].permute(
            *range(a.ndim - 1, -1, -1))
        assert t._data.base is not None or not t._data.flags.c_contiguous or a.size == 1
    t = t.detach()
    if requires_grad:
        t.requires_grad_(True)
    return t


def _run(spec, arrays, strided: bool):
    inputs = []
    for i, a in enumerate(arrays):
        rg = spec.grad and a.dtype.kind == "f" and i not in spec.no_grad_inputs
        inputs.append(_strided(a, rg) if strided else
                      graphc.tensor(a, requires_grad=bool(rg)))
    out = spec.fn(graphc, *inputs)
    outs = _as_list(spec.reduce_out(out) if spec.reduce_out else out)
    grads = []
    if spec.grad:
        loss = 0
        for k, o in enumerate(outs):
            if isinstance(o, graphc.Tensor) and o.requires_grad:
                w = np.random.default_rng(20 + k).uniform(-1, 1, size=tuple(o.shape))
                loss = loss + (o * graphc.tensor(w.astype(o.dtype.name))).sum()
        if not isinstance(loss, int):
            loss.backward()
        grads = [None if t.grad is None else _host(t.grad) for t in inputs]
    return [_host(o) for o in outs], grads


@pytest.mark.parametrize("spec", SPECS, ids=_NAMES)
def test_non_contiguous_inputs_match_contiguous(spec):
    dtype = spec.dtypes[-1]
    arrays = spec.inputs(np.random.default_rng(4), np.dtype(dtype))
    if not any(a.ndim >= 1 and a.size > 1 for a in arrays):
        pytest.skip("no input that could be strided")
    want_out, want_grads = _run(spec, arrays, strided=False)
    if spec.name in NEEDS_CONTIGUOUS:
        with pytest.raises(ShapeError, match="view size is not compatible"):
            _run(spec, arrays, strided=True)
        return
    got_out, got_grads = _run(spec, arrays, strided=True)
    for g, w in zip(got_out, want_out):
        assert g.shape == w.shape and g.dtype == w.dtype, spec.name
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12, err_msg=spec.name)
    for g, w in zip(got_grads, want_grads):
        assert (g is None) == (w is None), spec.name
        if g is not None:
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12, err_msg=spec.name)
