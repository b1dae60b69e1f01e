"""W5: compile latency — the first call of a freshly compiled MLP loss, its first backward
included (trace + autodiff + code generation), against one eager step of the same model."""
from __future__ import annotations

import time

import graphc
from bench._models import batch, mlp
from bench.harness import Result

TITLE = "W5 compile latency: first call + first backward of compiled MLP loss (batch 128)"


class _Latency:
    """Single-shot timings (compilation happens once), repeated on fresh functions."""

    title = TITLE

    def __init__(self, repeats: int = 5) -> None:
        self.repeats = repeats

    def run(self) -> list[Result]:
        F = graphc.nn.functional
        xa, ya = batch((128, 784), 10)
        x, y = graphc.tensor(xa), graphc.tensor(ya)
        model = mlp(graphc)
        eager, first = [], []
        for _ in range(self.repeats):
            t0 = time.perf_counter()
            F.cross_entropy(model(x), y).backward()
            eager.append(time.perf_counter() - t0)
            model.zero_grad()
            loss_fn = graphc.compile(lambda a, b: F.cross_entropy(model(a), b))
            t0 = time.perf_counter()
            loss_fn(x, y).backward()
            first.append(time.perf_counter() - t0)
            model.zero_grad()
        e, f = sorted(eager)[len(eager) // 2], sorted(first)[len(first) // 2]
        return [Result("graphc eager step (fwd+bwd)", e, 1.0),
                Result("graphc compile: first call + backward", f, f / e,
                       note="target ≤ 0.3 s")]


def workload():
    return _Latency(), "graphc eager step"
