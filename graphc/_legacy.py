"""PyTorch's legacy typed constructors (``FloatTensor([1, 2])``), still common in tutorials."""
from __future__ import annotations

from graphc import dtypes as _dt


class _TypedTensorMeta(type):
    def __instancecheck__(cls, obj) -> bool:
        from graphc.tensor import Tensor
        return isinstance(obj, Tensor) and obj.dtype is cls._dtype and obj.device.type == "cpu"


def _typed(name: str, dtype: _dt.dtype):
    def __new__(cls, *args, device=None):
        from graphc.ops import creation
        if len(args) == 1 and not isinstance(args[0], int):
            return creation.tensor(args[0], dtype=dtype, device=device)
        return creation.zeros(*args, dtype=dtype, device=device) if args else \
            creation.empty(0, dtype=dtype, device=device)
    return _TypedTensorMeta(name, (), {"__new__": __new__, "_dtype": dtype,
                                       "__doc__": f"Legacy constructor of {dtype} tensors."})


FloatTensor = _typed("FloatTensor", _dt.float32)
DoubleTensor = _typed("DoubleTensor", _dt.float64)
HalfTensor = _typed("HalfTensor", _dt.float16)
LongTensor = _typed("LongTensor", _dt.int64)
IntTensor = _typed("IntTensor", _dt.int32)
ShortTensor = _typed("ShortTensor", _dt.int16)
CharTensor = _typed("CharTensor", _dt.int8)
ByteTensor = _typed("ByteTensor", _dt.uint8)
BoolTensor = _typed("BoolTensor", _dt.bool_)
