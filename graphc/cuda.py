"""``graphc.cuda``: is a CUDA device (through CuPy) usable here?"""
from __future__ import annotations

from graphc.device import cuda_device_count, cuda_is_available


def is_available() -> bool:
    return cuda_is_available()


def device_count() -> int:
    return cuda_device_count()


def synchronize(device=None) -> None:
    if is_available():
        from graphc.device import _cupy
        _cupy().cuda.Device().synchronize()


def manual_seed(seed: int) -> None:
    """Random numbers are drawn on the host for every device; one seed covers all."""
    from graphc.ops.creation import manual_seed as _seed
    _seed(seed)


manual_seed_all = manual_seed
