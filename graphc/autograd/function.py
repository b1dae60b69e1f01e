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
        self._materialize_grads = True

    def set_materialize_grads(self, value: bool) -> None:
        """Whether backward sees zeros (the default, as in PyTorch) or None for the gradient of
        an output that did not reach the loss."""
        self._materialize_grads = bool(value)

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

    def __init__(self, cls, ctx, outs: tuple) -> None:
        self.cls, self.ctx, self.n_outputs = cls, ctx, len(outs)
        self.name = cls.__name__
        # (shape, dtype, device) of each output, for the zeros of the unused ones
        self._out_meta = [(tuple(o.shape), o.dtype, o.device) for o in outs]

    def vjp(self, g, *inputs, out=None):
        g = list(g) if self.n_outputs > 1 else [g]
        if self.ctx._materialize_grads:
            from graphc.ops.creation import zeros
            g = [zeros(shape, dtype=dtype, device=device) if gi is None else gi
                 for gi, (shape, dtype, device) in zip(g, self._out_meta)]
        grads = self.cls.backward(self.ctx, *g)
        grads = grads if isinstance(grads, tuple) else (grads,)
        return grads[:len(inputs)] + (None,) * (len(inputs) - len(grads))


class _FunctionNode(Node):
    """Base of the node classes, one per Function subclass (``LegendrePolynomial3Backward``),
    as in PyTorch, where ``type(y.grad_fn).__name__`` and the node's repr name the Function."""

    __slots__ = ("_fn_op",)

    @property
    def op(self):
        return self._fn_op

    def __init__(self, fn_op, inputs, next_functions) -> None:
        self._fn_op = fn_op
        Node.__init__(self, inputs, {}, next_functions, None)

    def __repr__(self) -> str:
        cls = type(self)
        return f"<{cls.__module__}.{cls.__qualname__} object at {hex(id(self))}>"


class Function:
    """Subclass with static ``forward(ctx, *args)`` and ``backward(ctx, *grads)``; call
    ``apply``."""

    _node_cls = _FunctionNode

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls._node_cls = type(f"{cls.__name__}Backward", (_FunctionNode,),
                             {"__slots__": (), "__module__": __name__})

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
            node = cls._node_cls(_FunctionOp(cls, ctx, outs), args, _edges(args))
            for i, o in enumerate(outs):
                if o.dtype.is_floating_point and id(o) not in ctx._non_differentiable:
                    o.grad_fn, o._output_nr, o._requires_grad = node, i, True
        return out
