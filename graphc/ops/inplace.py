"""In-place updates (``add_``, ``x[i] = v``, ``out=``) on top of the out-of-place ops.

An in-place op computes its result with the ordinary op (so there is no second kernel or
gradient to keep in sync), checks it fits, writes it into the tensor's storage, bumps the version
counter shared with its views, and moves the tensor's history onto the new node. PyTorch's rules
apply: no in-place change of a leaf that requires grad while grad mode is on; saved tensors that
were overwritten make backward fail rather than return a wrong gradient.
"""
from __future__ import annotations

from graphc.autograd.grad_mode import is_grad_enabled
from graphc.errors import AutogradError, DTypeError, ShapeError
from graphc.tensor import Tensor


def _active_tracer():
    from graphc.ops.dispatch import active_tracer
    return active_tracer.get()


def check_inplace_allowed(self: Tensor, record: bool) -> None:
    """PyTorch's refusals for in-place ops that would corrupt autograd."""
    if not record:
        return
    if self.grad_fn is None and self._requires_grad:
        raise AutogradError("a leaf Variable that requires grad is being used in an in-place "
                            "operation.")
    if self._base is not None:
        raise AutogradError(
            "in-place modification of a view while recording gradients is not supported by "
            "graphc (the base's gradient history would not see it); use an out-of-place op, "
            "clone() the view first, or modify the base tensor")


def _can_cast(src, dst) -> bool:
    """PyTorch refuses float->int and int->bool results written into an integer tensor."""
    if dst.is_floating_point:
        return True
    if src.is_floating_point:
        return False
    return not (dst.is_bool and not src.is_bool)


def inplace(self: Tensor, fn, *args, **kwargs) -> Tensor:
    """Run ``fn(self, *args)`` and store its result in ``self``'s memory."""
    tracer = _active_tracer()
    record = is_grad_enabled() and (self._requires_grad or any(
        isinstance(a, Tensor) and a._requires_grad for a in args))
    check_inplace_allowed(self, record)
    # The old value must survive for the new node's gradient: snapshot it when recording.
    src = self.clone() if record and tracer is None else self
    out = fn(src, *args, **kwargs)
    name = getattr(fn, "__name__", "op")
    if tuple(out.shape) != tuple(self.shape):
        raise ShapeError(f"{name}_: output with shape {list(self.shape)} doesn't match the "
                         f"broadcast shape {list(out.shape)}")
    if out.dtype is not self.dtype:
        if not _can_cast(out.dtype, self.dtype):
            raise DTypeError(f"{name}_: result type {out.dtype.name} can't be cast to the "
                             f"desired output type {self.dtype.name}")
        out = out.to(self.dtype)
    if tracer is not None:
        tracer.rebind(self, out)
        return self
    write_data(self, out._data)
    if record:
        self.grad_fn = out.grad_fn
        self._output_nr = out._output_nr
        self._requires_grad = True
    return self


def write_data(self: Tensor, data) -> Tensor:
    """Copy an array (broadcast, cast) into ``self``'s storage and bump its version."""
    try:
        self._device.xp.copyto(self._data, data, casting="unsafe")
    except ValueError as e:
        if not getattr(self._data, "flags", None) or self._data.flags.writeable:
            raise ShapeError(f"cannot write a value of shape {list(getattr(data, 'shape', ()))} "
                             f"into a tensor of shape {list(self.shape)}: {e}") from e
        raise ShapeError(
            "unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location (it is an expand()ed view). Please clone() the tensor before "
            "performing the operation.") from e
    self._vbox[0] += 1
    return self


def write_out(out: Tensor, result: Tensor) -> Tensor:
    """The ``out=`` argument: resize like PyTorch when the shape differs, then copy."""
    if is_grad_enabled() and (out._requires_grad or result._requires_grad):
        raise AutogradError("functions with out=... arguments don't support automatic "
                            "differentiation, but one of the arguments requires grad.")
    if not _can_cast(result.dtype, out.dtype):
        raise DTypeError(f"result type {result.dtype.name} can't be cast to the desired output "
                         f"type {out.dtype.name}")
    if tuple(out.shape) != tuple(result.shape):
        out._data = result._data.astype(out.dtype.np, copy=True)
        out._vbox[0] += 1
        return out
    return write_data(out, result._data)


def fill_(self: Tensor, value) -> Tensor:
    """Fill with a scalar (or a 0-d tensor, whose gradient flows when grad mode is on)."""
    if isinstance(value, Tensor) and value._requires_grad and is_grad_enabled():
        return inplace(self, lambda s, v: s * 0 + v, value)
    check_inplace_allowed(self, is_grad_enabled() and self._requires_grad)
    if _active_tracer() is not None:
        return inplace(self, lambda s: s * 0 + value)
    if isinstance(value, Tensor):
        value = value.item()
    self._data.fill(value) if self._data.flags.writeable else write_data(self, value)
    self._vbox[0] += 1
    return self


def zero_(self: Tensor) -> Tensor:
    return fill_(self, 0)


def copy_(self: Tensor, src) -> Tensor:
    """Copy ``src`` (broadcast, cast, moved across devices) into ``self``; grads flow to src."""
    from graphc.ops.shape import expand
    if not isinstance(src, Tensor):
        return fill_(self, src)

    def copy(s, v):
        v = v.to(dtype=s.dtype, device=s.device)
        return expand(v, tuple(s.shape)).clone() if tuple(v.shape) != tuple(s.shape) else \
            v.clone()
    copy.__name__ = "copy"
    return inplace(self, copy, src)


__all__ = ["inplace", "write_data", "write_out", "fill_", "zero_", "copy_"]
