"""Small argument helpers shared by the layer modules (PyTorch's ``_pair`` and friends)."""
from __future__ import annotations

from collections.abc import Iterable

from graphc import dtypes as _dt


def _ntuple(n: int):
    def parse(x) -> tuple:
        if isinstance(x, Iterable) and not isinstance(x, str):
            return tuple(x)
        return (x,) * n
    parse.__name__ = f"_{n}tuple"
    return parse


_single = _ntuple(1)
_pair = _ntuple(2)


def factory_kwargs(device, dtype) -> dict:
    """``device=``/``dtype=`` constructor arguments as creation-function keywords."""
    return {"device": device, "dtype": _dt.as_dtype(dtype) if dtype is not None else None}
