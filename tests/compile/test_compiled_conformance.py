"""Every row of the op conformance table, traced and compiled, equals eager mode.

Values are compared with eager graphc (same kernels, so agreement is tight), gradients of a
random weighting of the outputs both through the compiled function's grad_fn (the generated
backward program) and through ``graphc.grad`` (the autodiff pass alone).
"""
from __future__ import annotations

import numpy as np
import pytest

import graphc
from tests.ops.test_conformance import SPECS, _as_list, _host, _to_graphc

_NAMES = [s.name for s in SPECS]


def _data_dependent(spec) -> bool:
    """Ops whose output shape depends on the data (nonzero, boolean masks) cannot be traced:
    tracing them must raise a TraceError that says so (checked here, once per such row)."""
    arrays = spec.inputs(np.random.default_rng(0), np.dtype(spec.dtypes[0]))
    inputs = _to_graphc(arrays, "cpu", spec, requires_grad=False)
    try:
        graphc.trace(lambda *xs: spec.fn(graphc, *xs), *inputs)
    except graphc.errors.TraceError as e:
        assert "depends on the data" in str(e), f"{spec.name}: unexpected TraceError: {e}"
        return True
    return False


def _tol(dtype):
    return (1e-12, 1e-12) if dtype == "float64" else (1e-6, 1e-6) if dtype == "float32" \
        else (1e-3, 1e-3)


def _outputs(spec, out):
    return _as_list(spec.reduce_out(out) if spec.reduce_out else out)


def _check_same(got, want, atol, rtol, what):
    assert len(got) == len(want), what
    for g, w in zip(got, want):
        assert tuple(g.shape) == tuple(w.shape), f"{what}: shape {g.shape} vs {w.shape}"
        assert g.dtype is w.dtype, f"{what}: dtype {g.dtype} vs {w.dtype}"
        np.testing.assert_allclose(_host(g), _host(w), atol=atol, rtol=rtol, err_msg=what)


@pytest.mark.parametrize("spec", SPECS, ids=_NAMES)
def test_compiled_forward_equals_eager(spec):
    if _data_dependent(spec):
        return
    for dtype in spec.dtypes:
        arrays = spec.inputs(np.random.default_rng(0), np.dtype(dtype))
        inputs = _to_graphc(arrays, "cpu", spec, requires_grad=False)
        want = _outputs(spec, spec.fn(graphc, *inputs))
        for backend in (None, "interpreter"):
            f = graphc.compile(lambda *xs: spec.fn(graphc, *xs), backend=backend)
            got = _outputs(spec, f(*inputs))
            again = _outputs(spec, f(*inputs))   # the generated code (the 1st call interprets)
            atol, rtol = _tol(dtype)
            _check_same(got, want, atol, rtol, f"{spec.name} {dtype} {backend}")
            _check_same(again, want, atol, rtol, f"{spec.name} {dtype} {backend} 2nd call")


def _weights(outs, dtype):
    return [graphc.tensor(np.random.default_rng(10 + k).uniform(-1, 1, tuple(o.shape))
                          .astype(dtype)) for k, o in enumerate(outs)]


def _weighted(outs, ws):
    loss = 0
    for o, w in zip(outs, ws):
        if o.requires_grad:
            loss = loss + (o * w).sum()
    return loss


def _eager_reference(spec, seed: int):
    """Float64 inputs, their eager gradients of a random weighting of the outputs, and the
    weights: the reference both gradient tests compare against."""
    arrays = spec.inputs(np.random.default_rng(seed), np.dtype("float64"))
    eager_in = _to_graphc(arrays, "cpu", spec, requires_grad=True)
    eager_out = _outputs(spec, spec.fn(graphc, *eager_in))
    ws = _weights(eager_out, "float64")
    loss = _weighted(eager_out, ws)
    if isinstance(loss, int):
        pytest.skip("no differentiable output")
    loss.backward()
    return arrays, eager_in, ws


@pytest.mark.parametrize("spec", [s for s in SPECS if s.grad], ids=[s.name for s in SPECS
                                                                     if s.grad])
def test_compiled_backward_equals_eager(spec):
    if _data_dependent(spec):
        return
    arrays, eager_in, ws = _eager_reference(spec, seed=1)
    comp_in = _to_graphc(arrays, "cpu", spec, requires_grad=True)
    f = graphc.compile(lambda *xs: spec.fn(graphc, *xs))
    comp_out = _outputs(spec, f(*comp_in))
    _weighted(comp_out, ws).backward()
    for k, (e, c) in enumerate(zip(eager_in, comp_in)):
        if e.grad is None:
            assert c.grad is None or not np.any(_host(c.grad)), f"{spec.name}: input {k}"
            continue
        assert c.grad is not None, f"{spec.name}: input {k} got no gradient"
        np.testing.assert_allclose(_host(c.grad), _host(e.grad), atol=1e-10, rtol=1e-10,
                                   err_msg=f"{spec.name} input {k}")


@pytest.mark.parametrize("spec", [s for s in SPECS if s.grad], ids=[s.name for s in SPECS
                                                                     if s.grad])
def test_functional_grad_equals_eager(spec):
    if _data_dependent(spec):
        return
    arrays, eager_in, ws = _eager_reference(spec, seed=3)
    plain = _to_graphc(arrays, "cpu", spec, requires_grad=False)
    diff = [i for i, t in enumerate(eager_in) if t.requires_grad]

    def scalar(*xs):
        outs = _outputs(spec, spec.fn(graphc, *xs))
        total = 0
        for o, w in zip(outs, ws):
            if o.dtype.is_floating_point:
                total = total + (o * w).sum()
        return total
    grads = graphc.grad(scalar, argnums=tuple(diff))(*plain)
    for i, g in zip(diff, grads):
        want = eager_in[i].grad
        if want is None:
            assert not np.any(_host(g)), f"{spec.name}: input {i}"
            continue
        np.testing.assert_allclose(_host(g), _host(want), atol=1e-10, rtol=1e-10,
                                   err_msg=f"{spec.name} input {i}")
