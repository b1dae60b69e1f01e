"""Module backward hooks (``register_full_backward_hook``, ``register_full_backward_pre_hook``).

As in PyTorch (``torch.utils.hooks.BackwardHook``), the module's tensor inputs and outputs pass
through an identity Function, ``BackwardHookFunction``. The node of the outputs' identity receives
the gradients w.r.t. the outputs (``grad_output``; pre-hooks may replace them); the node of the
inputs' identity receives the gradients w.r.t. the inputs (``grad_input``), where the hooks run
and may replace them. So the module's output has ``grad_fn=<BackwardHookFunctionBackward>``, as
in PyTorch, and nothing changes for modules without such hooks.
"""
from __future__ import annotations

import warnings

from graphc.autograd.function import Function
from graphc.tensor import Tensor


class BackwardHookFunction(Function):
    """Identity on tensors; its node is where the hooks see the gradients."""

    @staticmethod
    def forward(ctx, *tensors):
        outs = tuple(t.detach() for t in tensors)  # new tensors (sharing memory) for new history
        return outs if len(outs) > 1 else outs[0]

    @staticmethod
    def backward(ctx, *grads):
        return grads if len(grads) > 1 else grads[0]


def _wrap(values: tuple) -> tuple[tuple, object]:
    """``values`` with each tensor that requires grad passed through one BackwardHookFunction;
    returns the new values and the identity's node (None when nothing requires grad)."""
    at = [i for i, v in enumerate(values) if isinstance(v, Tensor) and v.requires_grad]
    if not at:
        return values, None
    outs = BackwardHookFunction.apply(*(values[i] for i in at))
    outs = outs if isinstance(outs, tuple) else (outs,)
    values = list(values)
    for i, o in zip(at, outs):
        values[i] = o
    return tuple(values), outs[0].grad_fn


class BackwardHook:
    """One forward call's bookkeeping: wraps the inputs before ``forward`` and the result
    after it, and runs ``module``'s hooks when the gradients arrive."""

    def __init__(self, module, hooks: list, pre_hooks: list) -> None:
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.grad_output = None
        self.n_inputs = 0
        self.input_node = None

    def _run_hooks(self, grad_input: tuple) -> tuple | None:
        replaced = None
        for hook in self.hooks:
            res = hook(self.module, replaced if replaced is not None else grad_input,
                       self.grad_output)
            if res is not None:
                replaced = tuple(res) if isinstance(res, (tuple, list)) else (res,)
        return replaced

    def setup_input_hook(self, args: tuple) -> tuple:
        """``grad_input`` has one entry per positional argument, as in PyTorch: the gradient
        for a tensor (zeros for one that needs none), None for anything else."""
        self.n_inputs = len(args)
        zeros = {i: (tuple(a.shape), a.dtype, a.device) for i, a in enumerate(args)
                 if isinstance(a, Tensor)}
        args, node = _wrap(args)
        if node is not None:
            wrapped = [i for i, a in enumerate(args) if isinstance(a, Tensor)
                       and a.grad_fn is node]

            def on_grad_input(grads):
                from graphc.ops.creation import zeros as _zeros
                grad_input = [None] * self.n_inputs
                for i, (shape, dtype, device) in zeros.items():
                    grad_input[i] = _zeros(shape, dtype=dtype, device=device)
                for i, g in zip(wrapped, grads):
                    if g is not None:
                        grad_input[i] = g
                res = self._run_hooks(tuple(grad_input))
                return None if res is None else tuple(res[i] for i in wrapped)
            node.register_prehook(on_grad_input)
        self.input_node = node
        return args

    def setup_output_hook(self, result):
        single = isinstance(result, Tensor)
        if not single and not isinstance(result, tuple):
            return result
        values, node = _wrap((result,) if single else result)
        if node is None:
            return result

        def on_grad_output(grads):
            for hook in self.pre_hooks:
                res = hook(self.module, grads)
                if res is not None:
                    grads = tuple(res) if isinstance(res, (tuple, list)) else (res,)
            self.grad_output = grads
            if self.input_node is None:  # no input needs a gradient: the hooks run now
                warnings.warn("Full backward hook is firing when gradients are computed with "
                              "respect to module outputs since no inputs require gradients. See "
                              "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                              "#torch.nn.Module.register_full_backward_hook for more details.",
                              stacklevel=2)
                self._run_hooks((None,) * self.n_inputs)
            return grads
        node.register_prehook(on_grad_output)
        return values[0] if single else values
