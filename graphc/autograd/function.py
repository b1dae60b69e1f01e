"""``graphc.autograd.Function``: user-defined ops with a hand-written backward.

Mirrors PyTorch's API (``ctx.save_for_backward``, ``ctx.saved_tensors``, ``apply``). The
function's forward runs on detached tensors; a dedicated node calls the user's backward.
"""
from __future__ import annotations

from graphc.autograd.grad_mode import is_grad_enabled, no_grad
from graphc.autograd.node import Node


class FunctionCtx:
    """The ``ctx`` handed to forward/backward."""

    def __init__(self) -> None:
        self.saved_tensors = ()
        self.needs_input_grad = ()
        self._non_differentiable = set()

    def save_for_backward(self, *tensors) -> None:
        self.saved_tensors = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        self._non_differentiable.update(id(t) for t in tensors)

    def mark_dirty(self, *tensors) -> None:
        pass


class _FunctionOp:
    """A stand-in registry entry so the engine can call a custom Function like any op."""

    saves = ()
    saves_out = False
    needs_mask = False
    exact_grads = False

    def __init__(self, cls, ctx, n_outputs) -> None:
        self.cls, self.ctx, self.n_outputs = cls, ctx, n_outputs
        self.name = cls.__name__

    def vjp(self, g, *inputs, out=None):
        grads = self.cls.backward(self.ctx, *(g if self.n_outputs > 1 else (g,)))
        grads = grads if isinstance(grads, tuple) else (grads,)
        return grads[:len(inputs)] + (None,) * (len(inputs) - len(grads))


class _FunctionNode(Node):
    __slots__ = ("_fn_op",)

    @property
    def op(self):
        return self._fn_op

    def name(self) -> str:
        return f"{self._fn_op.name}Backward"

    def __init__(self, fn_op, inputs, next_functions) -> None:
        self._fn_op = fn_op
        Node.__init__(self, inputs, {}, next_functions, None)


class Function:
    """Subclass with static ``forward(ctx, *args)`` and ``backward(ctx, *grads)``; call
    ``apply``."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args):
        from graphc.ops.dispatch import _edges
        from graphc.tensor import Tensor
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        with no_grad():
            out = cls.forward(ctx, *args)
        outs = out if isinstance(out, tuple) else (out,)
        if is_grad_enabled() and any(ctx.needs_input_grad):
            node = _FunctionNode(_FunctionOp(cls, ctx, len(outs)), args, _edges(args))
            for i, o in enumerate(outs):
                if o.dtype.is_floating_point and id(o) not in ctx._non_differentiable:
                    o.grad_fn, o._output_nr, o._requires_grad = node, i, True
        return out
