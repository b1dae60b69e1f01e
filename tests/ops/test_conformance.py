"""The op conformance table: every op, forward and backward, against NumPy, finite differences
and (when installed) PyTorch. Rows come from ``tests/ops/specs/*.py``.

Each spec is also run under a recording dispatcher that checks the op's shape rule (``infer``)
against what its kernel produced, and collects which registry ops the table exercises, so that
an op added without a row fails ``test_every_op_has_a_row``.
"""
from __future__ import annotations

import importlib
import pkgutil

import numpy as np
import pytest

import graphc
from graphc.ops.dispatch import active_tracer, apply
from graphc.ops.registry import REGISTRY
from tests.conftest import DEVICES
from tests.ops import specs as _specs_pkg

try:
    import torch
except ImportError:  # the torch comparisons skip
    torch = None

SPECS = []
for _mod in pkgutil.iter_modules(_specs_pkg.__path__):
    SPECS += importlib.import_module(f"tests.ops.specs.{_mod.name}").SPECS
_NAMES = [s.name for s in SPECS]
assert len(_NAMES) == len(set(_NAMES)), "duplicate spec names"

EXERCISED: set = set()
# Ops reached only through other entry points (each named with where it is tested).
# Random sampling: values cannot match NumPy or PyTorch draw for draw; tests/test_sampling.py
# checks shapes, dtypes, devices, distributions, seeding, and eager == compiled.
EXEMPT: set = {"rand", "randn", "normal", "randint", "randperm", "bernoulli"}


class _CheckingRecorder:
    """Runs ops eagerly while checking each op's ``infer`` against the kernel's result."""

    def record(self, op, args, attrs):
        EXERCISED.add(op.name)
        token = active_tracer.set(None)
        try:
            out = apply(op, *args, **attrs)
        finally:
            active_tracer.reset(token)
        inferred = op.infer(*args, **attrs)
        outs = out if isinstance(out, tuple) else (out,)
        metas = inferred if op.n_outputs > 1 else (inferred,)
        for o, (shape, dtype) in zip(outs, metas):
            assert tuple(o.shape) == tuple(shape), \
                f"{op.name}: infer says {shape}, kernel {o.shape}"
            assert o.dtype is dtype, f"{op.name}: infer says {dtype}, kernel {o.dtype}"
        return out

    def autograd_grad(self, outputs, inputs, grad_outputs, create_graph, allow_unused,
                      materialize_grads):
        return graphc.autograd.eager_grad(outputs, inputs, grad_outputs, None, create_graph,
                                          allow_unused, materialize_grads)

    def autograd_backward(self, tensors):
        return graphc.autograd.eager_backward(tensors)

    def rebind(self, tensor, new):
        from graphc.ops.inplace import write_data
        write_data(tensor, new._data)


def _to_graphc(arrays, device, spec, requires_grad):
    out = []
    for i, a in enumerate(arrays):
        t = graphc.tensor(a, device=device)
        if requires_grad and t.is_floating_point() and i not in spec.no_grad_inputs:
            t.requires_grad_(True)
        out.append(t)
    return out


def _as_list(out):
    if isinstance(out, (tuple, list)):
        return list(out)
    return [out]


def _host(t):
    return graphc.ops.to_host(t.detach()) if isinstance(t, graphc.Tensor) else np.asarray(t)


def _tols(spec, dtype):
    if dtype == "float64":
        return 1e-9, 1e-9
    if dtype == "float16":
        return 1e-2, 1e-2
    return spec.atol, spec.rtol


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("spec", SPECS, ids=_NAMES)
def test_forward_matches_numpy(spec, device):
    for dtype in spec.dtypes:
        rng = np.random.default_rng(0)
        arrays = spec.inputs(rng, np.dtype(dtype))
        inputs = _to_graphc(arrays, device, spec, requires_grad=False)
        token = active_tracer.set(_CheckingRecorder())
        try:
            out = spec.fn(graphc, *inputs)
        finally:
            active_tracer.reset(token)
        if spec.ref is None:
            continue
        expected = _as_list(spec.ref(*arrays))
        got = _as_list(spec.reduce_out(out) if spec.reduce_out else out)
        atol, rtol = _tols(spec, dtype)
        for g, e in zip(got, expected):
            e = np.asarray(e)
            assert tuple(g.shape) == e.shape, f"{spec.name}: shape {tuple(g.shape)} != {e.shape}"
            np.testing.assert_allclose(_host(g).astype(np.float64) if e.dtype.kind == "f"
                                       else _host(g), e, atol=atol, rtol=rtol)


@pytest.mark.parametrize("spec", [s for s in SPECS if s.grad],
                         ids=[s.name for s in SPECS if s.grad])
def test_backward_matches_finite_differences(spec):
    rng = np.random.default_rng(1)
    arrays = spec.inputs(rng, np.dtype("float64"))
    inputs = _to_graphc(arrays, "cpu", spec, requires_grad=True)
    assert any(t.requires_grad for t in inputs), f"{spec.name}: nothing to differentiate"

    def fn(*xs):
        out = spec.fn(graphc, *xs)
        return spec.reduce_out(out) if spec.reduce_out else out
    assert graphc.autograd.gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-4)


def _torch_inputs(arrays, spec):
    t_in = []
    for i, a in enumerate(arrays):
        t = torch.from_numpy(np.array(a, copy=True))
        if spec.grad and t.is_floating_point() and i not in spec.no_grad_inputs:
            t.requires_grad_(True)
        t_in.append(t)
    return t_in


def _compare_with_torch(spec, dtype, g_in, t_in, g_out, t_out):
    """Values, dtypes and (for differentiable rows) input gradients of one run of a row."""
    if spec.reduce_out:
        g_out, t_out = spec.reduce_out(g_out), spec.reduce_out(t_out)
    atol, rtol = _tols(spec, dtype)
    g_list, t_list = _as_list(g_out), _as_list(t_out)
    assert len(g_list) == len(t_list)
    for g, t in zip(g_list, t_list):
        assert tuple(g.shape) == tuple(t.shape), f"{spec.name}: {g.shape} vs {t.shape}"
        assert g.dtype.name == str(t.dtype).replace("torch.", ""), \
            f"{spec.name}: dtype {g.dtype} vs torch {t.dtype}"
        np.testing.assert_allclose(_host(g), t.detach().numpy(), atol=atol, rtol=rtol)
    if not spec.grad:
        return
    # Gradients of a random weighting of the (floating) outputs.
    g_loss, t_loss = 0, 0
    for k, (g, t) in enumerate(zip(g_list, t_list)):
        if not t.is_floating_point() or not t.requires_grad:
            continue
        w = np.random.default_rng(10 + k).uniform(-1, 1, size=tuple(t.shape)).astype(dtype)
        g_loss = g_loss + (g * graphc.tensor(w)).sum()
        t_loss = t_loss + (t * torch.from_numpy(w)).sum()
    if isinstance(t_loss, int):
        return
    try:
        t_loss.backward()
    except RuntimeError as e:  # e.g. scatter_add's where src is larger than index: values
        # and dtypes were compared above, only the gradients go unchecked
        pytest.skip(f"{spec.name}: PyTorch's own backward fails on these inputs: {e}")
    g_loss.backward()
    for gi, ti in zip(g_in, t_in):
        if ti.grad is None:
            assert gi.grad is None or not np.any(_host(gi.grad)), spec.name
            continue
        assert gi.grad is not None, f"{spec.name}: missing gradient"
        gatol = max(atol, 1e-7) * 10
        np.testing.assert_allclose(_host(gi.grad), ti.grad.numpy(), atol=gatol, rtol=rtol * 10)


@pytest.mark.skipif(torch is None, reason="PyTorch not installed")
@pytest.mark.parametrize("spec", SPECS, ids=_NAMES)
def test_matches_torch(spec):
    for dtype in spec.dtypes:
        rng = np.random.default_rng(2)
        arrays = spec.inputs(rng, np.dtype(dtype))
        g_in = _to_graphc(arrays, "cpu", spec, requires_grad=spec.grad)
        t_in = _torch_inputs(arrays, spec)
        g_out = spec.fn(graphc, *g_in)
        t_out = (spec.torch_fn or spec.fn)(torch, *t_in)
        _compare_with_torch(spec, dtype, g_in, t_in, g_out, t_out)


@pytest.mark.skipif(torch is None, reason="PyTorch not installed")
@pytest.mark.parametrize("spec", [s for s in SPECS if s.zero_dim],
                         ids=[s.name for s in SPECS if s.zero_dim])
def test_zero_dim_inputs_match_torch(spec):
    """Every row again with 0-d inputs (the first element of each): where PyTorch accepts them,
    graphc returns the same values and gradients; where PyTorch refuses, graphc raises its own
    error rather than a backend's. 0-d arrays are where NumPy returns scalars instead of arrays,
    so kernels that write into their result break here first."""
    dtype = spec.dtypes[-1]
    arrays = [np.array(a.reshape(-1)[0]) if a.ndim and a.size else a
              for a in spec.inputs(np.random.default_rng(3), np.dtype(dtype))]
    _agrees_with_torch(spec, dtype, arrays)


def _agrees_with_torch(spec, dtype, arrays):
    """Runs a row on ``arrays`` (inputs the row was not written for) with PyTorch and graphc:
    where PyTorch refuses them, graphc must raise its own error (not a backend's, not a silently
    wrong answer); where PyTorch accepts them, graphc must agree (``dtype`` picks tolerances).
    Shared by the derived sweeps (0-d inputs here, bad shapes and dtypes in
    test_bad_inputs.py)."""
    t_in = _torch_inputs(arrays, spec)
    try:
        t_out = (spec.torch_fn or spec.fn)(torch, *t_in)
    except Exception:
        g_in = _to_graphc(arrays, "cpu", spec, requires_grad=spec.grad)
        with pytest.raises(graphc.errors.GraphcError):
            spec.fn(graphc, *g_in)
        return
    g_in = _to_graphc(arrays, "cpu", spec, requires_grad=spec.grad)
    g_out = spec.fn(graphc, *g_in)
    _compare_with_torch(spec, dtype, g_in, t_in, g_out, t_out)


def test_registry_entries_are_complete():
    for name, op in REGISTRY.items():
        assert callable(op.infer), name
        assert callable(op.impl), name
        assert callable(op.vjp) or op.vjp == "nondifferentiable", name
        if op.differentiable:
            assert op.grad_name and op.node_cls.__name__ == op.grad_name, name


def test_every_op_has_a_row():
    """Adding an op means adding a row: run every row once and see which ops were reached."""
    for spec in SPECS:
        arrays = spec.inputs(np.random.default_rng(0), np.dtype(spec.dtypes[-1]))
        inputs = _to_graphc(arrays, "cpu", spec, requires_grad=spec.grad)
        token = active_tracer.set(_CheckingRecorder())
        try:
            spec.fn(graphc, *inputs)
        finally:
            active_tracer.reset(token)
    missing = sorted(set(REGISTRY) - EXERCISED - EXEMPT)
    assert not missing, f"ops without a conformance row: {missing}"
