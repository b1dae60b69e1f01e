"""Shared fixtures: devices to parametrize over, and GPU tests that skip cleanly."""
from __future__ import annotations

import os

# The suite runs one worker per core (pytest -n 2): a multi-threaded BLAS in each worker would
# oversubscribe the cores and make small matrix products many times slower. Benchmarks (bench/)
# keep the default threading.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import graphc  # noqa: E402


def _gpu_ok() -> bool:
    try:
        return graphc.cuda.is_available()
    except Exception:
        return False


GPU = _gpu_ok()
DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.gpu)]


def pytest_collection_modifyitems(config, items):
    if GPU:
        return
    skip = pytest.mark.skip(reason="needs CuPy and a CUDA device")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _seed():
    graphc.manual_seed(0)
    np.random.seed(0)
    yield


@pytest.fixture(params=DEVICES)
def device(request):
    return request.param
