"""W1: per-op overhead. ``(a*b + c).tanh().sum().backward()`` on 16 floats."""
from __future__ import annotations

import numpy as np

import graphc
from bench.harness import Workload, torch_or_none

TITLE = "W1 tiny-op loop: (a*b + c).tanh().sum().backward(), 16 float32"


def _inputs(lib, arrays):
    return [lib.tensor(a, requires_grad=True) for a in arrays]


def _step(lib, a, b, c):
    a.grad = b.grad = c.grad = None
    y = (a * b + c).tanh().sum()
    y.backward()
    return y


def _compiled_step(f, a, b, c):
    a.grad = b.grad = c.grad = None
    y = f(a, b, c)
    y.backward()
    return y


def workload() -> tuple[Workload, str]:
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(16).astype(np.float32) for _ in range(3)]
    w = Workload(TITLE, inner=200, rounds=15)
    ga = _inputs(graphc, arrays)
    expected = np.tanh(arrays[0] * arrays[1] + arrays[2]).sum()
    torch = torch_or_none()
    ref = "graphc eager"
    if torch is not None:
        ta = _inputs(torch, arrays)
        _step(torch, *ta)
        w.add("PyTorch eager", lambda: _step(torch, *ta), reference=True)
        ref = "PyTorch eager"
    y = _step(graphc, *ga)
    assert abs(y.item() - expected) < 1e-5
    if torch is not None:
        np.testing.assert_allclose(ga[0].grad.numpy(), ta[0].grad.numpy(), rtol=1e-5, atol=1e-6)
    w.add("graphc eager", lambda: _step(graphc, *ga), reference=torch is None)
    try:
        f = graphc.compile(lambda a, b, c: (a * b + c).tanh().sum())
        y = _compiled_step(f, *ga)
        assert abs(y.item() - expected) < 1e-5
        if torch is not None:
            np.testing.assert_allclose(ga[0].grad.numpy(), ta[0].grad.numpy(), rtol=1e-5,
                                       atol=1e-6)
        w.add("graphc compiled", lambda: _compiled_step(f, *ga))
    except (ImportError, AttributeError) as e:  # compiler not available in this checkout
        print(f"  (graphc compiled skipped: {e})")
    return w, ref
