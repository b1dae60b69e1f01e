"""Tensor predicates and storage resizing: ``is_nonzero``, ``is_same_size``, ``is_signed``,
``is_inference``, ``get_device``, ``resize_``/``resize_as_`` with PyTorch's rules, and the
function forms of the new in-place methods (``graphc.erfc_(x)`` …).

``resize_`` keeps the tensor's storage when the new size fits in it: the tensor becomes a
C-contiguous view of that memory starting where it started, so the elements keep their storage
order (as PyTorch's do) and existing views see writes. A larger size moves the data into new
memory (the old elements first, in storage order; the rest uninitialized); unlike PyTorch, views
taken before then keep the old memory. Tensors that require grad cannot be resized.
"""
from __future__ import annotations

import operator

from graphc.errors import AutogradError, ShapeError, TraceError
from graphc.ops.inplace import _function_form
from graphc.ops.shape import concrete
from graphc.ops.shapes import as_shape, numel
from graphc.ops.strided import _root, storage_offset
from graphc.tensor import Tensor


def is_nonzero(input: Tensor) -> bool:
    """Whether the one element of ``input`` is nonzero (refused for 0 or several elements)."""
    n = input.numel()
    if n == 0:
        raise ShapeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise ShapeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input.item() != 0)


def is_same_size(input: Tensor, other: Tensor) -> bool:
    return tuple(input.shape) == tuple(other.shape)


def is_signed(input: Tensor) -> bool:
    """True for signed integer and floating dtypes."""
    return input.dtype.is_signed


def is_inference(input: Tensor) -> bool:
    """Always False: graphc's ``inference_mode`` is ``no_grad`` and makes no inference
    tensors."""
    return False


def get_device(input: Tensor) -> int:
    """-1 on the CPU, the device index on a GPU."""
    d = input.device
    return -1 if d.type == "cpu" else (d.index or 0)


def resize_(self: Tensor, *sizes, memory_format=None) -> Tensor:
    """Make ``self`` C-contiguous of shape ``sizes``, keeping the first elements of its
    storage (see the module docstring)."""
    shape = as_shape(sizes)
    if any(s < 0 for s in shape):
        raise ShapeError(f"Trying to create tensor with negative dimension {min(shape)}: "
                         f"{list(shape)}")
    if self.requires_grad:
        raise AutogradError("cannot resize variables that require grad")
    if not concrete(self):
        raise TraceError("resize_ changes a tensor's storage and cannot be traced; use "
                         "reshape or a new tensor")
    if tuple(self.shape) == shape and self.is_contiguous():
        return self
    n = numel(shape)
    a = self._data
    memory = _root(a).ravel(order="K")  # storage order
    start = storage_offset(self)
    if start + n <= memory.size:
        self._data = memory[start:start + n].reshape(shape)
    else:
        xp = self._device.xp
        fresh = xp.empty(n, a.dtype)
        kept = memory[start:start + n]
        fresh[:kept.size] = kept
        self._data = fresh.reshape(shape)
        if self._base is not None:  # new memory: no longer a view of its base
            self._base, self._vbox = None, [self._vbox[0], 0]
    self._vbox[0] += 1
    return self


def resize_as_(input: Tensor, the_template: Tensor, *, memory_format=None) -> Tensor:
    """``input.resize_(the_template.shape)``."""
    return resize_(input, tuple(operator.index(s) for s in the_template.shape))


# PyTorch's function forms of in-place methods added with these families (``torch.erfc_(x)``);
# each forwards to the method.
addmv_ = _function_form("addmv_")
erfc_ = _function_form("erfc_")
gcd_ = _function_form("gcd_")
i0_ = _function_form("i0_")
lcm_ = _function_form("lcm_")
ldexp_ = _function_form("ldexp_")
logit_ = _function_form("logit_")

__all__ = ["addmv_", "erfc_", "gcd_", "get_device", "i0_", "is_inference", "is_nonzero",
           "is_same_size", "is_signed", "lcm_", "ldexp_", "logit_", "resize_as_"]
