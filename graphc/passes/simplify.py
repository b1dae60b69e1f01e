"""Algebraic simplification. One rule so far: drop explicit broadcasts into elementwise ops.

Gradient rules broadcast with explicit ops (``sum``'s vjp reshapes and ``expand``s the output
gradient); when the broadcast value only feeds elementwise ops (those with an ``expr``), NumPy
broadcasting inside the kernel does the same work for free. A use of ``o = expand(x)`` (or of a
reshape that only adds or removes leading size-1 dims) is rewired to ``x`` when the consumer's
shape rule gives the same output types and its promotion casts stay the same (a 0-d value ranks
lower than a dimensioned one). Dead broadcasts are then removed by ``dce``.
"""
from __future__ import annotations

from graphc.ir.graph import Graph, Value
from graphc.passes import dce
from graphc.runtime.interpreter import call_plan
from graphc.tensor import Tensor

_BROADCASTS = {"expand", "broadcast_to"}
_RESHAPES = {"reshape", "view", "unsqueeze", "squeeze", "_unsafe_view"}


def _strip(shape: tuple) -> tuple:
    i = 0
    while i < len(shape) and shape[i] == 1:
        i += 1
    return shape[i:]


def _source(v: Value):
    """The value ``v`` is a pure broadcast of (None if it is not one)."""
    n = v.node
    if n is None or not n.inputs or not isinstance(n.inputs[0], Value):
        return None
    x = n.inputs[0]
    name = n.op.name
    if name in _BROADCASTS or (name in _RESHAPES and _strip(x.shape) == _strip(v.shape)):
        return x if x.dtype == v.dtype else None
    return None


def _infer(node, inputs) -> list:
    args = [Tensor._wrap(a, a.device) if isinstance(a, Value) else a for a in inputs]
    meta = node.op.infer(*args, **node.attrs)
    return list(meta) if node.op.n_outputs > 1 else [meta]


def _try_rewire(node, pos: int, x: Value) -> bool:
    old_inputs = node.inputs
    casts, _, out_dt = call_plan(node)
    new = list(old_inputs)
    new[pos] = x
    try:
        metas = _infer(node, new)
    except Exception:  # the shape rule rejects the rewired inputs: keep the broadcast
        return False
    if any(tuple(s) != o.shape or d is not o.dt for (s, d), o in zip(metas, node.outputs)):
        return False
    node.inputs = new
    casts2, _, out_dt2 = call_plan(node)  # promotion must not change (0-d ranks lower)
    if casts2 != casts or out_dt2 is not out_dt:
        node.inputs = old_inputs
        return False
    return True


def run(graph: Graph) -> Graph:
    changed = True
    while changed:
        changed = False
        for node in graph.nodes:
            if node.op.expr is None:
                continue
            for i, a in enumerate(node.inputs):
                if isinstance(a, Value):
                    x = _source(a)
                    if x is not None and _try_rewire(node, i, x):
                        changed = True
    return dce.run(graph)
