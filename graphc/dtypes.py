"""dtype objects and PyTorch's type-promotion rules.

A ``graphc.dtype`` wraps a NumPy dtype (CuPy uses the same ones). Promotion follows PyTorch, not
NumPy: ``int64 + float32 -> float32``, ``int / int -> float32``, Python scalars never upcast a
tensor of the same category, and 0-d tensors rank below dimensioned ones.
"""
from __future__ import annotations

import numpy as np


class dtype:
    """A tensor element type, printed as ``graphc.float32``."""

    __module__ = "graphc"  # type(x.dtype) is <class 'graphc.dtype'>, like <class 'torch.dtype'>

    __slots__ = ("name", "np", "itemsize", "is_floating_point", "is_signed", "is_bool", "_rank")

    def __init__(self, name: str, np_dtype, rank: int) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.itemsize = self.np.itemsize
        self.is_floating_point = self.np.kind == "f"
        self.is_signed = self.np.kind in "fi"
        self.is_bool = self.np.kind == "b"
        self._rank = rank  # category: 0 bool, 1 integer, 2 floating

    @property
    def is_complex(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"graphc.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))

    def to_short(self) -> str:
        """The IR's short spelling: f32, i64, b8 …"""
        return _SHORT[self.name]


bool_ = dtype("bool", np.bool_, 0)
uint8 = dtype("uint8", np.uint8, 1)
int8 = dtype("int8", np.int8, 1)
int16 = dtype("int16", np.int16, 1)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
float16 = dtype("float16", np.float16, 2)
float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)

ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
FLOATING = (float16, float32, float64)
_SHORT = {"bool": "b8", "uint8": "u8", "int8": "i8", "int16": "i16", "int32": "i32",
          "int64": "i64", "float16": "f16", "float32": "f32", "float64": "f64"}
FROM_SHORT = {v: _by for v, _by in zip(_SHORT.values(), ALL)}
_NAMES = {d.name: d for d in ALL}
_ALIASES = {"float": float32, "double": float64, "half": float16, "long": int64, "int": int32,
            "short": int16, "bool": bool_}
_FROM_NP = {d.np: d for d in ALL}
_FROM_NP.update({d: d for d in ALL})  # symbolic values carry graphc dtypes directly

_default_float = float32


def _by_name(name: str) -> dtype:
    return _NAMES[name]


def get_default_dtype() -> dtype:
    return _default_float


def set_default_dtype(d: dtype) -> None:
    global _default_float
    if d not in FLOATING:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float = d
    _promote_cache.clear()


def from_numpy(np_dtype) -> dtype:
    """The graphc dtype of a NumPy dtype; NumPy-only types map to their closest PyTorch type."""
    d = _FROM_NP.get(np_dtype)
    if d is not None:
        return d
    nd = np.dtype(np_dtype)
    d = _FROM_NP.get(nd)
    if d is not None:
        return d
    if nd.kind == "u":
        return int64
    raise TypeError(f"can't convert np.ndarray of type {nd}. The only supported types are: "
                    "float64, float32, float16, int64, int32, int16, int8, uint8, and bool.")


def as_dtype(d) -> dtype:
    """Accept a graphc dtype, a NumPy dtype/type, a Python type or a name."""
    if isinstance(d, dtype):
        return d
    if d is float:
        return _default_float
    if d is int:
        return int64
    if d is bool:
        return bool_
    if isinstance(d, str):
        key = d.replace("graphc.", "").replace("torch.", "")
        if key in _NAMES:
            return _NAMES[key]
        if key in _ALIASES:
            return _ALIASES[key]
    return from_numpy(np.dtype(d))


def promote_types(a: dtype, b: dtype) -> dtype:
    """PyTorch's ``promote_types``: floats win over ints whatever their width."""
    if a is b:
        return a
    if a._rank == 2 or b._rank == 2:
        if a._rank != 2:
            return b
        if b._rank != 2:
            return a
        return a if a.itemsize >= b.itemsize else b
    return _FROM_NP[np.promote_types(a.np, b.np)]


def _scalar_dtype(x) -> dtype:
    if isinstance(x, bool):
        return bool_
    if isinstance(x, int):
        return int64
    return _default_float


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    """PyTorch's combine_categories: a lower tier only matters if its category is higher."""
    if higher is None:
        return lower
    if lower is None or higher._rank == 2:
        return higher
    if higher._rank == 0 or lower._rank == 2:
        return promote_types(higher, lower)
    return higher


_promote_cache: dict = {}


def result_type_key(key: tuple) -> dtype:
    """Promotion over operands given as (dtype, tier): tier 0 dimensioned, 1 zero-dim, 2 scalar."""
    out = _promote_cache.get(key)
    if out is not None:
        return out
    tiers: list[dtype | None] = [None, None, None]
    for d, tier in key:
        tiers[tier] = d if tiers[tier] is None else promote_types(tiers[tier], d)
    out = _combine(tiers[0], _combine(tiers[1], tiers[2]))
    _promote_cache[key] = out
    return out


def promotion(mode: str, key: tuple) -> tuple:
    """(compute dtype, output dtype) of an elementwise op with promotion ``mode`` ("same",
    "float", "compare") over operands described as in ``result_type_key``. The one rule both
    eager dispatch and generated code follow."""
    common = result_type_key(key)
    if mode == "float":
        common = to_float(common)
        return common, common
    if mode == "compare":
        return common, bool_
    return common, common


def result_type(*operands) -> dtype:
    """The dtype PyTorch gives an elementwise op over tensors and Python scalars."""
    key = []
    for x in operands:
        if isinstance(x, (bool, int, float)):
            key.append((_scalar_dtype(x), 2))
        else:
            key.append((x.dtype, 0 if x.ndim else 1))
    return result_type_key(tuple(key))


def to_float(d: dtype) -> dtype:
    """Integer and bool inputs of floating ops (div, exp, mean …) compute in the default float."""
    return d if d._rank == 2 else _default_float


def info_min_max(d: dtype):
    if d.is_floating_point:
        fi = np.finfo(d.np)
        return float(fi.min), float(fi.max)
    if d.is_bool:
        return False, True
    ii = np.iinfo(d.np)
    return int(ii.min), int(ii.max)


class finfo:
    """``graphc.finfo(dtype)``: eps, max, min, tiny of a floating dtype."""

    def __init__(self, d: dtype | None = None) -> None:
        d = as_dtype(d) if d is not None else _default_float
        fi = np.finfo(d.np)
        self.bits, self.eps = fi.bits, float(fi.eps)
        self.max, self.min = float(fi.max), float(fi.min)
        self.tiny = self.smallest_normal = float(fi.tiny)
        self.resolution, self.dtype = float(fi.resolution), d.name


class iinfo:
    """``graphc.iinfo(dtype)``: bits, max, min of an integer dtype."""

    def __init__(self, d: dtype) -> None:
        d = as_dtype(d)
        ii = np.iinfo(d.np)
        self.bits, self.max, self.min, self.dtype = ii.bits, int(ii.max), int(ii.min), d.name
