"""``graphc.accelerator``: PyTorch's device-agnostic accelerator API, answered by CUDA (CuPy).

PyTorch's tutorials pick their device with
``torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"``;
graphc's only accelerator is CUDA, so every answer comes from ``graphc.cuda``.
"""
from __future__ import annotations

from graphc import cuda
from graphc.device import device


def is_available() -> bool:
    return cuda.is_available()


def current_accelerator(check_available: bool = False) -> device | None:
    """``device(type='cuda')`` when a GPU is usable, else None (as on a CPU-only PyTorch).

    PyTorch separates the accelerator it was built for from a runtime check; graphc has no
    build-time accelerator, so the answer is the runtime one with or without ``check_available``.
    """
    return device("cuda") if cuda.is_available() else None


def device_count() -> int:
    return cuda.device_count()


def synchronize(device=None) -> None:
    cuda.synchronize(device)
