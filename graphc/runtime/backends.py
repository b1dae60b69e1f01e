"""Backends: which array module runs a graph, and how (generated code or the interpreter).

Every kernel is written once against the NumPy API, so the NumPy (CPU) and CuPy (GPU) backends
share the generated code path: a node's kernel gets the array module of its device.
"""
from __future__ import annotations

from dataclasses import dataclass

from graphc.errors import DeviceError, GraphcValueError

NAMES = ("numpy", "cupy", "interpreter")


@dataclass(frozen=True)
class Backend:
    name: str                 # numpy | cupy | interpreter
    codegen: bool             # generated Python (True) or the reference interpreter


def resolve(name: str | None, devices) -> Backend:
    """Validate ``compile(backend=...)`` against the devices the inputs live on."""
    if name in (None, "auto", "inductor", "default"):
        return Backend("cupy" if any(d.type == "cuda" for d in devices) else "numpy", True)
    if name not in NAMES:
        raise GraphcValueError(f"compile: unknown backend {name!r}; expected one of "
                               f"{', '.join(NAMES)}")
    if name == "interpreter":
        return Backend(name, False)
    want = "cuda" if name == "cupy" else "cpu"
    for d in devices:
        if d.type != want:
            raise DeviceError(f"compile(backend={name!r}) got a tensor on {d}; move the inputs "
                              f"to {'a CUDA device' if want == 'cuda' else 'the CPU'} or use "
                              f"backend=None")
    return Backend(name, True)


def synchronize(devices) -> None:
    """Wait for queued GPU work (timing); a no-op on the CPU."""
    for d in devices:
        if d.type == "cuda":
            d.xp.cuda.Device(d.index).synchronize()
