"""``graphc.autograd``: backward, grad, grad modes, gradcheck, and the legacy ``Variable``."""
from __future__ import annotations

from graphc.autograd.engine import backward_into_leaves, check_root, grad_edge, run_backward
from graphc.autograd.function import Function, FunctionCtx  # noqa: F401
from graphc.autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled,  # noqa: F401
                                       no_grad, set_grad_enabled)
from graphc.autograd.gradcheck import gradcheck, gradgradcheck  # noqa: F401
from graphc.errors import AutogradError
from graphc.ops.dispatch import active_tracer as _tracer_var


_tracer_get = _tracer_var.get  # the tracer of an enclosing graphc.trace/compile, or None


def _as_tuple(x):
    if x is None:
        return None
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph: bool = False,
             inputs=None) -> None:
    """Accumulate d(tensors)/d(leaves) into the leaves' ``.grad`` (PyTorch's semantics)."""
    tracer = _tracer_get()
    if tracer is not None:  # inside graphc.compile / graphc.trace
        return tracer.autograd_backward(tensors)
    return eager_backward(tensors, grad_tensors, retain_graph, create_graph, inputs)


def eager_backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
                   inputs=None) -> None:
    """``backward`` on the eager graph (what ``backward`` does outside tracing)."""
    if grad_tensors is None and inputs is None and not isinstance(tensors, (tuple, list)):
        # The common `loss.backward()`; a last node feeding only leaves runs without scheduling.
        seed = check_root(tensors, None)
        retain = create_graph if retain_graph is None else retain_graph
        if create_graph or not backward_into_leaves(tensors.grad_fn, seed, retain):
            run_backward((grad_edge(tensors),), (seed,), retain_graph=retain,
                         create_graph=create_graph)
        return
    if retain_graph is None:
        retain_graph = create_graph
    roots, root_grads = _roots(tensors, grad_tensors)
    if inputs is not None:
        inputs = _as_tuple(inputs)
        captured = _run_capture(roots, root_grads, inputs, retain_graph, create_graph, True)
        from graphc.autograd.engine import _accumulate_into_leaf
        for x, g in zip(inputs, captured):
            if g is not None:
                if x.grad_fn is None:
                    _accumulate_into_leaf(x._get_accumulator(), g, create_graph)
                else:
                    x.grad = g if x.grad is None else x.grad + g
        return
    run_backward(roots, root_grads, retain_graph=retain_graph, create_graph=create_graph)


def _roots(tensors, grads):
    """The starting edges and gradients of a backward pass, checked as PyTorch checks them."""
    tensors = _as_tuple(tensors)
    grads = _as_tuple(grads) or (None,) * len(tensors)
    roots, root_grads = [], []
    for t, g in zip(tensors, grads):
        root_grads.append(check_root(t, g))
        roots.append(grad_edge(t))
    return roots, root_grads


def _run_capture(roots, root_grads, inputs, retain_graph, create_graph, allow_unused):
    capture = {}
    for i, x in enumerate(inputs):
        if not x.requires_grad:
            raise AutogradError(f"One of the differentiated Tensors (input {i}) does not require "
                                f"grad")
        capture[grad_edge(x)] = i
    captured = run_backward(roots, root_grads, retain_graph=retain_graph,
                            create_graph=create_graph, capture=capture, accumulate=False)
    if not allow_unused:
        for i, g in enumerate(captured):
            if g is None:
                raise AutogradError(f"One of the differentiated Tensors (input {i}) appears to not "
                                    f"have been used in the graph. Set allow_unused=True if this "
                                    f"is the desired behavior.")
    return captured


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False,
         only_inputs: bool = True, allow_unused=None, is_grads_batched: bool = False,
         materialize_grads: bool = False):
    """Return d(outputs)/d(inputs) without touching ``.grad`` (PyTorch's ``autograd.grad``)."""
    tracer = _tracer_get()
    if tracer is not None:  # inside graphc.compile / graphc.trace: the autodiff pass
        return tracer.autograd_grad(outputs, inputs, grad_outputs, create_graph, allow_unused,
                                    materialize_grads)
    return eager_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused,
                      materialize_grads)


def eager_grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
               allow_unused=None, materialize_grads=False):
    """``grad`` on the eager graph (what ``grad`` does outside tracing)."""
    inputs = _as_tuple(inputs)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    roots, root_grads = _roots(outputs, grad_outputs)
    captured = _run_capture(roots, root_grads, inputs, retain_graph, create_graph, allow_unused)
    if materialize_grads:
        from graphc.ops.creation import zeros_like
        captured = [zeros_like(x) if g is None else g for x, g in zip(inputs, captured)]
    return tuple(captured)


def Variable(data, requires_grad: bool = False, volatile: bool = False):
    """Deprecated (as in PyTorch): returns the tensor itself, marked ``requires_grad``."""
    from graphc.tensor import Tensor
    if not isinstance(data, Tensor):
        from graphc.ops.creation import tensor
        data = tensor(data)
    if requires_grad:
        data.requires_grad_(True)
    return data


__all__ = ["backward", "grad", "Variable", "Function", "gradcheck", "gradgradcheck", "no_grad",
           "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode"]
