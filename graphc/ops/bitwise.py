"""Integer and logical ops: ``bitwise_left_shift``/``bitwise_right_shift`` (the ``<<`` and
``>>`` operators), ``logical_xor``, ``gcd`` and ``lcm``.

None has a gradient. Shifts and gcd/lcm take integer tensors only (PyTorch's "not implemented
for 'Float'"); shifts follow PyTorch where C leaves the result undefined: a shift by the width
of the type or more, or by a negative amount, gives 0 to the left and the sign fill (0 or -1)
to the right, on both backends.
"""
from __future__ import annotations

import numpy as np

from graphc import dtypes as _dt
from graphc.errors import ArgumentError, GraphcNotImplementedError
from graphc.ops.dispatch import apply
from graphc.ops.elementwise import _ew, _out, _ufunc
from graphc.ops.pointwise import _TORCH_NAME
from graphc.ops.registry import NONDIFF
from graphc.tensor import Tensor


def _shift_impl(left: bool):
    def impl(xp, a, b, out=None):
        bits = 8 * np.dtype(np.result_type(a, b)).itemsize
        bad = (b < 0) | (b >= bits)
        safe = xp.where(bad, 0, b)
        if left:
            r = xp.left_shift(a, safe)
            r = xp.where(bad, 0, r)
        else:
            r = xp.right_shift(a, safe)
            r = xp.where(bad, xp.where(a < 0, -1, 0), r)
        r = r.astype(np.result_type(a, b), copy=False)
        if out is None:
            return r
        out[...] = r
        return out
    impl.__name__ = "left_shift" if left else "right_shift"
    return impl


LSHIFT = _ew("bitwise_left_shift", _shift_impl(True), NONDIFF, None)
RSHIFT = _ew("bitwise_right_shift", _shift_impl(False), NONDIFF, None)
LOGICAL_XOR = _ew("logical_xor", _ufunc("logical_xor"), NONDIFF, None, promote="compare")
GCD = _ew("gcd", _ufunc("gcd"), NONDIFF, None)
LCM = _ew("lcm", _ufunc("lcm"), NONDIFF, None)


def _integers_only(kernel: str, *xs) -> None:
    """PyTorch's refusal of floating (and, here, bool) operands."""
    dt = _dt.result_type(*xs)
    if dt.is_floating_point or dt.is_bool:
        raise GraphcNotImplementedError(f'"{kernel}_cpu" not implemented for '
                                        f"'{_TORCH_NAME[dt.name]}'")


def _tensor_arg(op: str, name: str, pos: int, x) -> None:
    if not isinstance(x, Tensor):
        raise ArgumentError(f"{op}(): argument '{name}' (position {pos}) must be Tensor, not "
                            f"{type(x).__name__}")


def bitwise_left_shift(input, other, *, out: Tensor | None = None) -> Tensor:
    """``input << other`` for integer tensors (0 once every bit is shifted out)."""
    _integers_only("lshift", input, other)
    return _out(apply(LSHIFT, input, other), out)


def bitwise_right_shift(input, other, *, out: Tensor | None = None) -> Tensor:
    """``input >> other`` for integer tensors: an arithmetic (sign-filling) shift."""
    _integers_only("rshift", input, other)
    return _out(apply(RSHIFT, input, other), out)


def logical_xor(input: Tensor, other, *, out: Tensor | None = None) -> Tensor:
    """Whether exactly one of ``input`` and ``other`` is nonzero."""
    return _out(apply(LOGICAL_XOR, input, other), out)


def gcd(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Greatest common divisor (non-negative; ``gcd(0, 0) = 0``) of integer tensors."""
    _tensor_arg("gcd", "other", 2, other)
    _integers_only("gcd", input, other)
    return _out(apply(GCD, input, other), out)


def lcm(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Least common multiple (non-negative) of integer tensors."""
    _tensor_arg("lcm", "other", 2, other)
    _integers_only("lcm", input, other)
    return _out(apply(LCM, input, other), out)


__all__ = ["bitwise_left_shift", "bitwise_right_shift", "gcd", "lcm", "logical_xor"]
