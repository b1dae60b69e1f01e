"""Two interpreters of a graph.

``interpret`` is the reference executor: it runs the graph node by node on arrays exactly as
eager dispatch would (same promotion casts, same result wrapping), checks every result against
the value's static type, and on failure names the node and the user's source line. The code
generator learns from its first run which results need wrapping.

``replay`` runs a graph through ``graphc.ops.dispatch.apply`` on Tensors: eagerly that records
ordinary grad_fn nodes (``create_graph=True`` through a compiled function), and under an active
tracer it inlines the graph into the enclosing trace (``grad`` of ``grad``).
"""
from __future__ import annotations

import numpy as np

from graphc import dtypes as _dt
from graphc.errors import CompileError, GraphcError
from graphc.ir.graph import Graph, Value
from graphc.ir.source import format_location, source_line
from graphc.ops.dispatch import active_tracer, apply
from graphc.tensor import Tensor

_SCALAR_DT = {bool: _dt.bool_, int: _dt.int64}


def call_plan(node) -> tuple:
    """(casts, literals): per input the NumPy dtype to cast an array to (None: as is) and the
    literal to pass; mirrors ``dispatch._promote`` using the statically known dtypes."""
    op = node.op
    n = len(node.inputs)
    if op.promote is None:
        return (None,) * n, tuple(node.inputs), None
    skip = op.promote_skip
    key = []
    for a in node.inputs[skip:]:
        if isinstance(a, Value):
            key.append((a.dt, 0 if a.ndim else 1))
        elif hasattr(a, "dtype"):
            key.append((_dt.from_numpy(a.dtype), 0 if a.ndim else 1))
        else:
            key.append((_SCALAR_DT.get(type(a), _dt._default_float), 2))
    common, out_dt = _dt.promotion(op.promote, tuple(key))
    np_dt = common.np
    as_float = op.promote == "float"
    casts, lits = [None] * skip, list(node.inputs[:skip])
    for a in node.inputs[skip:]:
        if isinstance(a, Value):
            casts.append(np_dt if a.dtype != np_dt else None)
            lits.append(a)
        elif hasattr(a, "dtype"):
            casts.append(None)
            lits.append(a.astype(np_dt) if a.dtype != np_dt else a)
        else:
            casts.append(None)
            lits.append(float(a) if as_float and not isinstance(a, float)
                        and a is not None else a)
    return tuple(casts), tuple(lits), out_dt


def node_error(graph: Graph, k: int, err: Exception) -> GraphcError:
    """The error for a failing node: which node, and the user's line that created it."""
    from graphc.ir.printer import format_node, value_names
    node = graph.nodes[k]
    try:
        text = format_node(node, value_names(graph))
    except Exception:  # printing must not hide the real error
        text = node.op.name
    line = source_line(node.loc)
    src = f"\n    {line}" if line else ""
    msg = (f"{node.op.name} failed in graph {graph.name} at node {k} `{text}` (from "
           f"{format_location(node.loc, short=False)}){src}\n{type(err).__name__}: {err}")
    cls = type(err) if isinstance(err, GraphcError) else GraphcError
    try:
        return cls(msg)
    except TypeError:  # an error class with an unusual constructor
        return GraphcError(msg)


def interpret(graph: Graph, arrays) -> tuple:
    """Run on arrays -> (outputs, fixups); fixups = {(node, output, 'asarray' | 'cast')}."""
    env = dict(zip(graph.inputs, arrays))
    for c in graph.consts:
        env[c] = c.const
    fixups = set()
    for k, n in enumerate(graph.nodes):
        casts, lits, out_dt = call_plan(n)
        args = []
        for a, c in zip(lits, casts):
            if isinstance(a, Value):
                x = env[a]
                args.append(x.astype(c) if c is not None else x)
            else:
                args.append(a)
        try:
            res = n.op.impl(n.device.xp, *args, **n.attrs)
        except Exception as e:
            raise node_error(graph, k, e) from e
        outs = tuple(res) if n.op.n_outputs > 1 else (res,)
        for j, (o, v) in enumerate(zip(outs, n.outputs)):
            xp = v.device.xp
            if not isinstance(o, xp.ndarray):
                o = xp.asarray(o)
                fixups.add((k, j, "asarray"))
            if o.dtype != v.dtype:
                if out_dt is None:
                    raise node_error(graph, k, CompileError(
                        f"the kernel returned {o.dtype} but the shape rule says {v.dt.name}"))
                o = o.astype(v.dtype)
                fixups.add((k, j, "cast"))
            if o.shape != v.shape:
                raise node_error(graph, k, CompileError(
                    f"the kernel returned shape {list(o.shape)} but the shape rule says "
                    f"{list(v.shape)}"))
            env[v] = o
    return tuple(None if v is None else env[v] for v in graph.outputs), fixups


def replay(graph: Graph, inputs: list) -> list:
    """Run the graph through ``apply`` on Tensors (eager ops, or recorded by an outer trace)."""
    env = dict(zip(graph.inputs, inputs))
    for c in graph.consts:
        env[c] = Tensor._wrap(c.const, c.device)
    tracer = active_tracer.get()
    saved_loc = getattr(tracer, "loc", None)
    try:
        for n in graph.nodes:
            args = []
            for a, r in zip(n.inputs, n.req):
                if isinstance(a, Value):
                    t = env[a]
                    if not r and t._requires_grad:   # a detached / no_grad use stays one
                        t = t.detach()
                    args.append(t)
                else:
                    args.append(a)
            if tracer is not None:
                tracer.loc = n.loc
            out = apply(n.op, *args, **n.attrs)
            env.update(zip(n.outputs, out if n.op.n_outputs > 1 else (out,)))
    finally:
        if tracer is not None:
            tracer.loc = saved_loc
    return [None if v is None else env[v] for v in graph.outputs]


def to_numpy(x):
    return x if isinstance(x, np.ndarray) else x.get()
