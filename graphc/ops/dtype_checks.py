"""dtype checks shared by the op families, worded as PyTorch words them.

NumPy computes something for nearly every dtype; PyTorch does not. Where PyTorch has no kernel
for a dtype (``abs`` or ``median`` of a bool tensor) or refuses operands of different dtypes
(``scatter`` of float values into an int tensor), graphc refuses too, instead of returning
whatever NumPy computed after a silent cast. The checks run in the ops' shape rules (``infer``)
or public functions, so traced code refuses exactly as eager code does.
"""
from __future__ import annotations

from graphc import dtypes as _dt
from graphc.errors import DTypeError, GraphcNotImplementedError

NOT_FLOATING = tuple(d for d in _dt.ALL if not d.is_floating_point)

# PyTorch's capitalized scalar-type names, used in its messages.
TORCH_NAME = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
              "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def dtype_of(x) -> _dt.dtype | None:
    """The dtype of a tensor or NumPy operand (None for a NumPy type graphc lacks), or the one a
    Python scalar operand takes."""
    d = getattr(x, "dtype", None)
    if isinstance(d, _dt.dtype):
        return d
    if d is not None:
        try:
            return _dt.from_numpy(d)
        except TypeError:
            return None
    return _dt.result_type(x)


def no_kernel_for(op: str, x, refused=(_dt.bool_,), *, error=GraphcNotImplementedError) -> None:
    """PyTorch has no kernel of ``op`` for ``x``'s dtype when it is in ``refused`` (bool by
    default) and raises NotImplementedError; so does graphc. ``error=DTypeError`` where PyTorch
    raises RuntimeError instead (relu, topk, argmax of a bool tensor)."""
    if x.dtype in refused:
        raise error(f"{op}: not implemented for '{TORCH_NAME[x.dtype.name]}' (input of shape "
                    f"{list(x.shape)})")


def same_dtype(op: str, expected, *, expected_name: str = "input", **others) -> None:
    """Every tensor in ``others`` (by argument name) has ``expected``'s dtype, as PyTorch
    requires of ops that write one operand into another (scatter, index_put, lerp …)."""
    for name, t in others.items():
        if t is not None and t.dtype is not expected.dtype:
            raise DTypeError(
                f"{op}: expected {name} to have dtype {TORCH_NAME[expected.dtype.name]} like "
                f"{expected_name}, but got {TORCH_NAME[t.dtype.name]} ({expected_name} of shape "
                f"{list(expected.shape)}, {name} of shape {list(t.shape)})")
