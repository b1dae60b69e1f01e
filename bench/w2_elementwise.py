"""W2: a long elementwise chain, forward + backward, on 4M float32 (memory-bound)."""
from __future__ import annotations

import numpy as np

import graphc
from bench.harness import Workload, torch_or_none

TITLE = "W2 elementwise chain: gelu_tanh(x)*sigmoid(x) + 0.5*x*x, fwd+bwd, 4M float32"
N = 4 * 1024 * 1024


def _f(lib, x):
    return lib.nn.functional.gelu(x, approximate="tanh") * lib.sigmoid(x) + 0.5 * x * x


def _step(lib, x, g):
    x.grad = None
    y = _f(lib, x)
    y.backward(g)
    return y


def _compiled_step(f, x, g):
    x.grad = None
    y = f(x)
    y.backward(g)
    return y


def workload() -> tuple[Workload, str]:
    rng = np.random.default_rng(0)
    xa = rng.standard_normal(N).astype(np.float32)
    ga = rng.standard_normal(N).astype(np.float32)
    w = Workload(TITLE, inner=1, rounds=9, passes=2)
    x, g = graphc.tensor(xa, requires_grad=True), graphc.tensor(ga)
    _step(graphc, x, g)
    torch = torch_or_none()
    ref = "graphc eager"
    if torch is not None:
        tx, tg = torch.tensor(xa, requires_grad=True), torch.tensor(ga)
        _step(torch, tx, tg)
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
        w.add("PyTorch eager", lambda: _step(torch, tx, tg), reference=True)
        ref = "PyTorch eager"
    w.add("graphc eager", lambda: _step(graphc, x, g), reference=torch is None)
    try:
        f = graphc.compile(lambda v: _f(graphc, v))
        _compiled_step(f, x, g)
        if torch is not None:
            np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
        w.add("graphc compiled", lambda: _compiled_step(f, x, g))
    except (ImportError, AttributeError) as e:
        print(f"  (graphc compiled skipped: {e})")
    return w, ref
