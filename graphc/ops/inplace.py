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
from graphc.tensor import Tensor, _sync_view


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
    base = self._base
    if base is not None and base.grad_fn is None and base._requires_grad:
        raise AutogradError("a view of a leaf Variable that requires grad is being used in an "
                            "in-place operation.")


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
    if self._base is not None and tracer is None and self._vbox[1] != self._hv:
        _sync_view(self)  # a view whose base was modified in place since its grad_fn was made
    record = is_grad_enabled() and (self._requires_grad or any(
        isinstance(a, Tensor) and a._requires_grad for a in args))
    check_inplace_allowed(self, record)
    name = getattr(fn, "__name__", "op")

    def compute(src: Tensor) -> Tensor:
        return _fit(self, fn(src, *args, **kwargs), name)
    if tracer is not None:
        tracer.rebind(self, compute(self))
        return self
    if not record:
        return write_data(self, compute(self)._data)
    if self._base is not None:
        from graphc.ops.view_history import inplace_through_view
        return inplace_through_view(self, compute)
    # The old value must survive for the new node's gradient: compute from a snapshot.
    snapshot = self.clone()
    out = compute(snapshot)
    if out.grad_fn is None:
        # The new value ignores the old one and needs no gradient (``copy_`` of a constant, a
        # random fill): PyTorch still records a node, which sends the old value a zero
        # gradient. Without one the tensor would pose as a leaf and backward would skip the
        # old history instead of giving it zeros.
        from graphc.ops.elementwise import where
        keep_new = Tensor._wrap(self._device.xp.ones((), bool), self._device)
        out = where(keep_new, out, snapshot)
    write_data(self, out._data)
    self.grad_fn = out.grad_fn
    self._output_nr = out._output_nr
    self._requires_grad = True
    self._vbox[1] += 1  # a new history: views of this tensor regenerate their grad_fn
    return self


def _cannot_cast(src, dst) -> str:
    """PyTorch's message, with its scalar-type names (Float, Long …)."""
    from graphc.ops.pointwise import _TORCH_NAME
    return (f"result type {_TORCH_NAME.get(src.name, src.name)} can't be cast to the desired "
            f"output type {_TORCH_NAME.get(dst.name, dst.name)}")


def _fit(self: Tensor, out: Tensor, name: str) -> Tensor:
    """The result an in-place op may store: ``self``'s shape, cast to ``self``'s dtype."""
    if tuple(out.shape) != tuple(self.shape):
        raise ShapeError(f"{name}_: output with shape {list(self.shape)} doesn't match the "
                         f"broadcast shape {list(out.shape)}")
    if out.dtype is not self.dtype:
        if not _can_cast(out.dtype, self.dtype):
            raise DTypeError(f"{name}_: {_cannot_cast(out.dtype, self.dtype)}")
        out = out.to(self.dtype)
    return out


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
        raise DTypeError(_cannot_cast(result.dtype, out.dtype))
    if tuple(out.shape) != tuple(result.shape):
        out._data = result._data.astype(out.dtype.np, copy=True)
        out._vbox[0] += 1
        return out
    return write_data(out, result._data)


def fill_(self: Tensor, value) -> Tensor:
    """Fill with a scalar (or a 0-d tensor, whose gradient flows when grad mode is on).

    While recording (or tracing) the fill is an op, so the old values get a zero gradient
    (PyTorch's FillBackward0): ``masked_fill`` with an all-true mask, which unlike
    ``s * 0 + v`` stays right when ``s`` holds inf or nan."""
    if isinstance(value, Tensor) and value.ndim != 0:
        raise ShapeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                         f"{value.ndim} dimensions.")
    grad_on = is_grad_enabled()
    if _active_tracer() is not None or grad_on and (
            self._requires_grad or isinstance(value, Tensor) and value._requires_grad):
        from graphc.ops.index import masked_fill
        everywhere = Tensor._wrap(self._device.xp.ones((), bool), self._device)

        def fill(s, v):
            return masked_fill(s, everywhere, v)
        return inplace(self, fill, value)
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


def _function_form(name: str):
    def fn(input: Tensor, *args, **kwargs) -> Tensor:
        return getattr(input, name)(*args, **kwargs)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``graphc.{name}(x, ...)`` is ``x.{name}(...)``, as in PyTorch."
    return fn


# PyTorch also exposes these in-place methods as functions (the tensors tutorial calls
# ``torch.sin_(b)``); each forwards to the method, which holds the op.
_FUNCTION_FORMS = (
    "abs_", "acos_", "acosh_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_",
    "arctanh_", "asin_", "asinh_", "atan_", "atanh_", "ceil_", "clamp_", "clamp_max_",
    "clamp_min_", "clip_", "cos_", "cosh_", "deg2rad_", "detach_", "exp2_", "exp_", "expm1_",
    "fix_", "floor_", "frac_", "log10_", "log1p_", "log2_", "log_", "nan_to_num_", "neg_",
    "rad2deg_", "reciprocal_", "relu_", "round_", "rsqrt_", "sigmoid_", "sin_", "sinc_",
    "sinh_", "sqrt_", "tan_", "tanh_", "trunc_", "xlogy_")
globals().update({name: _function_form(name) for name in _FUNCTION_FORMS})

__all__ = ["inplace", "write_data", "write_out", "fill_", "zero_", "copy_", *_FUNCTION_FORMS]
