"""Shared fixtures: devices to parametrize over, and GPU tests that skip cleanly."""
from __future__ import annotations

import numpy as np
import pytest

import graphc


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
