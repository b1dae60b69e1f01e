"""Moving tensors between dtypes and devices, and handing arrays to the host.

``to_copy`` is a differentiable op (PyTorch's ``ToCopyBackward0``): its gradient moves back to the
input's dtype and device. Transfers use the destination's array module (CuPy for CUDA).
"""
from __future__ import annotations

import numpy as np

from graphc import dtypes as _dt
from graphc.device import as_device
from graphc.ops.dispatch import apply
from graphc.ops.registry import OpDef, register
from graphc.tensor import Tensor


def _to_copy_impl(xp, a, dtype=None, device=None, out=None):
    np_dt = _dt.as_dtype(dtype).np if dtype is not None else a.dtype
    dst = as_device(device)
    if dst.type == "cpu":
        if type(a) is not np.ndarray:  # from a GPU
            a = a.get()
        return a.astype(np_dt, copy=True)
    cp = dst.xp
    with cp.cuda.Device(dst.index):
        return cp.asarray(a, dtype=np_dt)


def _to_copy_infer(x, dtype=None, device=None):
    return tuple(x.shape), _dt.as_dtype(dtype) if dtype is not None else x.dtype


TO_COPY = register(OpDef(
    name="to_copy", infer=_to_copy_infer, impl=_to_copy_impl, moves_device=True,
    vjp=lambda g, x, out, dtype=None, device=None: (
        to_copy(g, dtype=x.dtype, device=x.device),),
    grad_name="ToCopyBackward0"))


def to_copy(x: Tensor, dtype=None, device=None, copy: bool = False) -> Tensor:
    """``x.to(dtype, device)``: returns ``x`` itself when nothing changes (unless ``copy``)."""
    dt = _dt.as_dtype(dtype) if dtype is not None else x.dtype
    dev = as_device(device) if device is not None else x.device
    if not copy and dt is x.dtype and dev == x.device:
        return x
    return apply(TO_COPY, x, dtype=dt.name, device=str(dev))


def to_host(x: Tensor):
    """The tensor's data as a NumPy array: shared on the CPU, copied from a GPU."""
    data = x._data
    return data if type(data) is np.ndarray else (data.get() if hasattr(data, "get")
                                                   else np.asarray(data))


def from_dlpack(ext) -> Tensor:
    """Zero-copy import of any DLPack-exporting array (NumPy, CuPy, PyTorch …)."""
    dev_type, dev_id = ext.__dlpack_device__()
    if dev_type == 1:  # kDLCPU
        return Tensor._wrap(np.from_dlpack(ext))
    dev = as_device(f"cuda:{dev_id}")
    return Tensor._wrap(dev.xp.from_dlpack(ext), dev)


def to_dlpack(x: Tensor):
    return x._data.__dlpack__()


def clone_leaf(x: Tensor) -> Tensor:
    """A detached copy keeping ``x``'s class (used by deepcopy for Parameters)."""
    t = type(x)._wrap(x._data.copy(), x._device)
    return t


__all__ = ["to_copy", "to_host", "from_dlpack", "to_dlpack", "clone_leaf"]
