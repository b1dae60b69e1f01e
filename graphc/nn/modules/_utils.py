"""Small argument helpers shared by the layer modules (PyTorch's ``_pair`` and friends)."""
from __future__ import annotations

import math
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


def reset_weight_and_bias_(weight, bias) -> None:
    """PyTorch's default init for Linear and Conv: ``kaiming_uniform_(a=sqrt(5))`` on the
    weight, i.e. U(±1/sqrt(fan_in)), and the bias U(±1/sqrt(fan_in)) too."""
    from graphc.nn import init
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)
