"""Devices and the array module (``xp``) behind each.

``cpu`` is NumPy; ``cuda``/``cuda:N`` is CuPy, imported only when a CUDA device is first used, so
graphc imports and runs without CuPy or a GPU.
"""
from __future__ import annotations

import numpy as np

from graphc.errors import DeviceError


class device:
    """``graphc.device('cuda:0')``: a device type and index; compares equal to its string."""

    __module__ = "graphc"  # <class 'graphc.device'>, like <class 'torch.device'>

    __slots__ = ("type", "index", "_xp")

    def __init__(self, type: str | "device", index: int | None = None) -> None:
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        elif isinstance(type, str) and ":" in type:
            type, _, idx = type.partition(":")
            index = int(idx)
        if type not in ("cpu", "cuda"):
            raise DeviceError(f"Expected one of cpu, cuda device type at start of device "
                              f"string: {type}")
        if type == "cuda" and index is None:
            index = 0
        self.type = type
        self.index = index
        self._xp = np if type == "cpu" else None  # CuPy is bound on first use

    def __repr__(self) -> str:
        return f"device(type='{self.type}')" if self.index is None else \
            f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    @property
    def xp(self):
        """The array module running this device's kernels."""
        xp = self._xp
        if xp is None:
            xp = self._xp = _cupy()
        return xp


CPU = device("cpu")
_device_cache: dict = {"cpu": CPU, None: CPU}


def as_device(d) -> device:
    """Normalize a device argument (string, int, device or None for cpu)."""
    out = _device_cache.get(d) if not isinstance(d, device) else d
    if out is None:
        out = device(f"cuda:{d}") if isinstance(d, int) else device(d)
        if isinstance(d, (str, int)):
            _device_cache[d] = out
    return out


_cupy_module = None


def _cupy():
    """Import CuPy on first use and check a GPU is there, with a clear error otherwise."""
    global _cupy_module
    if _cupy_module is None:
        try:
            import cupy
        except ImportError as e:
            raise DeviceError("CUDA device requested but CuPy is not installed; install graphc "
                              "with the 'cuda' extra (pip install 'graphc[cuda]')") from e
        try:
            count = cupy.cuda.runtime.getDeviceCount()
        except Exception as e:  # CUDARuntimeError when no driver is present
            raise DeviceError(f"CUDA device requested but no GPU is usable: {e}") from e
        if count == 0:
            raise DeviceError("CUDA device requested but no GPU was found")
        _cupy_module = cupy
    return _cupy_module


def cuda_is_available() -> bool:
    try:
        _cupy()
        return True
    except DeviceError:
        return False


def cuda_device_count() -> int:
    return _cupy().cuda.runtime.getDeviceCount() if cuda_is_available() else 0


def device_of_array(arr) -> device:
    """The device an array lives on (NumPy arrays are on the CPU)."""
    if type(arr) is np.ndarray:
        return CPU
    dev = getattr(arr, "device", None)
    if dev is not None and hasattr(dev, "id"):
        return as_device(f"cuda:{dev.id}")
    return CPU
