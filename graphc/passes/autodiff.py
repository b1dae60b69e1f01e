"""Symbolic backward: append the vjp of a graph's outputs to the same graph.

The forward nodes are walked in reverse; each op's registry ``vjp`` rule is called on symbolic
tensors while a tracer appending to the same graph is active, so the backward graph is recorded
from the very rules eager autograd runs. This driver owns the generic work, as the eager engine
does: summing fan-in, reducing broadcast gradients to the input's shape (the engine's
``_sum_to``), casting to the input's dtype, following only the gradient edges that existed when
the forward ran (``detach``, ``no_grad`` and integer values cut them), and returning ``None`` — a
typed "no gradient" — for inputs the outputs do not depend on, without materializing zeros.
Because the backward nodes are ordinary nodes recorded with grad mode on, the result can be
differentiated again (``grad(grad(f))``).
"""
from __future__ import annotations

from graphc.autograd.engine import _sum_to
from graphc.autograd.grad_mode import enable_grad
from graphc.errors import CompileError, GradNotImplemented
from graphc.ir.graph import Graph, Value
from graphc.ir.source import format_location
from graphc.ir.tracer import Tracer
from graphc.tensor import Tensor


def _wrap(v: Value, requires_grad: bool) -> Tensor:
    t = Tensor._wrap(v, v.device)
    t._requires_grad = requires_grad
    return t


def dependents(nodes: list, wrt) -> set:
    """Values reachable from ``wrt`` through gradient edges (the ones that can carry grad)."""
    dep = set(wrt)
    for n in nodes:
        for a, r in zip(n.inputs, n.req):
            if r and isinstance(a, Value) and a in dep:
                dep.update(o for o in n.outputs if o.requires_grad)
                break
    return dep


def _relevant(nodes: list, outputs, dep: set) -> tuple:
    """Nodes (reversed) on a gradient path from ``wrt`` to ``outputs``, and their values."""
    need = {v for v in outputs if v is not None and v in dep}
    order = []
    for n in reversed(nodes):
        if not any(o in need for o in n.outputs):
            continue
        ins = [a for a, r in zip(n.inputs, n.req) if r and isinstance(a, Value) and a in dep]
        if ins:
            order.append(n)
            need.update(ins)
    return order, need


def backward(graph: Graph, outputs: list, seeds: list, wrt: list) -> list:
    """Record d(outputs)/d(wrt) weighted by ``seeds`` into ``graph``; one Value or None per wrt.

    ``seeds`` holds a Value (e.g. a graph input of kind "seed") per output, or None for a
    ones seed (a scalar loss).
    """
    nodes = list(graph.nodes)
    dep = dependents(nodes, wrt)
    order, need = _relevant(nodes, outputs, dep)
    keep = set(wrt)
    tracer = Tracer(graph, check_aliases=False)
    grads: dict = {}
    with tracer.active(), enable_grad():
        for out, seed in zip(outputs, seeds):
            if out is None or out not in dep:
                continue
            if seed is None:
                xp = out.device.xp
                s = Tensor._wrap(xp.ones(out.shape, out.dtype), out.device)
            else:
                s = _wrap(seed, seed.requires_grad)
            _accumulate(grads, out, s)
        for n in order:
            gs = [grads.get(o) if o in keep else grads.pop(o, None) for o in n.outputs]
            if all(g is None for g in gs):
                continue
            tracer.loc = n.loc
            in_grads = _call_rule(n, gs, need)
            for i, gi in enumerate(in_grads):
                a = n.inputs[i]
                if gi is None or not n.req[i] or not isinstance(a, Value) or a not in need:
                    continue
                if tuple(gi.shape) != a.shape:
                    gi = _sum_to(gi, _wrap(a, False).shape)
                if gi.dtype is not a.dt:
                    gi = gi.to(a.dt)
                _accumulate(grads, a, gi)
        result = [tracer.value_of(grads[w]) if w in grads else None for w in wrt]
    tracer.fold_constants(everything=True)
    return result


def _call_rule(n, gs: list, need: set) -> list:
    op = n.op
    if not op.differentiable:
        raise GradNotImplemented(f"the derivative for '{op.name}' is not implemented (used at "
                                 f"{format_location(n.loc)})")
    args = [_wrap(a, r) if isinstance(a, Value) else a for a, r in zip(n.inputs, n.req)]
    out = _wrap(n.outputs[0], n.outputs[0].requires_grad)
    g = gs[0] if op.n_outputs == 1 else gs
    kwargs = dict(n.attrs)
    if op.needs_mask:
        kwargs["needs"] = tuple(bool(r) and isinstance(a, Value) and a in need
                                for a, r in zip(n.inputs, n.req))
    try:
        res = op.vjp(g, *args, out=out, **kwargs)
    except NotImplementedError as e:
        raise GradNotImplemented(f"the derivative for '{op.name}' is not implemented for these "
                                 f"arguments (used at {format_location(n.loc)}): {e}") from e
    res = list(res)
    if len(res) != len(args):
        raise CompileError(f"vjp of {op.name} returned {len(res)} gradients for {len(args)} "
                           f"inputs")
    for i, gi in enumerate(res):
        if gi is not None and not isinstance(gi, Tensor):
            raise CompileError(f"vjp of {op.name} returned a {type(gi).__name__} for input {i}")
    return res


def _accumulate(grads: dict, v: Value, g: Tensor) -> None:
    cur = grads.get(v)
    grads[v] = g if cur is None else cur + g


def grad_in_trace(tracer, outputs, inputs, grad_outputs=None, create_graph: bool = False,
                  allow_unused: bool = False, materialize_grads: bool = False) -> tuple:
    """``graphc.autograd.grad`` called inside traced code: the same pass, on the trace itself."""
    from graphc.errors import AutogradError
    from graphc.ops.creation import zeros
    outputs = list(outputs) if isinstance(outputs, (tuple, list)) else [outputs]
    inputs = list(inputs) if isinstance(inputs, (tuple, list)) else [inputs]
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif not isinstance(grad_outputs, (tuple, list)):
        grad_outputs = [grad_outputs]
    for i, x in enumerate(inputs):
        if not x.requires_grad:
            raise AutogradError(f"One of the differentiated Tensors (input {i}) does not require "
                                f"grad")
    outs, seeds = [], []
    for t, g in zip(outputs, grad_outputs):
        if not t.requires_grad:
            raise AutogradError("element 0 of tensors does not require grad and does not have a "
                                "grad_fn")
        if g is None and t.numel() != 1:
            raise AutogradError(f"grad can be implicitly created only for scalar outputs (got a "
                                f"tensor of shape {list(t.shape)})")
        outs.append(tracer.value_of(t))
        seeds.append(None if g is None else tracer.value_of(g))
    wrt = [tracer.value_of(x) for x in inputs]
    grads = backward(tracer.graph, outs, seeds, wrt)
    result = []
    for i, (x, v) in enumerate(zip(inputs, grads)):
        if v is None:
            if materialize_grads:
                result.append(zeros(tuple(x.shape), dtype=x.dtype, device=x.device))
                continue
            if not allow_unused:
                raise AutogradError(f"One of the differentiated Tensors (input {i}) appears to "
                                    f"not have been used in the graph. Set allow_unused=True if "
                                    f"this is the desired behavior.")
            result.append(None)
            continue
        result.append(_wrap(v, create_graph and v.requires_grad))
    return tuple(result)
