"""The IR verifier, separate from the passes and run after each of them in tests.

Checks: every value is defined once (SSA) and before its uses (topological order); every node's
op is the registered entry of that name, called with arguments its shape rule accepts and
producing as many outputs as the op declares; every value's shape and dtype equal what the op's
shape rule infers from the inputs; outputs are defined.
"""
from __future__ import annotations

import inspect

from graphc.errors import CompileError
from graphc.ir.graph import Graph, Value
from graphc.ops.registry import REGISTRY
from graphc.tensor import Tensor


def _fail(graph: Graph, k: int | None, msg: str):
    from graphc.ir.printer import format_node, value_names
    where = ""
    if k is not None:
        node = graph.nodes[k]
        try:
            where = f" at node {k} `{format_node(node, value_names(graph))}`"
        except Exception:  # the graph is broken enough that it does not print
            where = f" at node {k} ({node.op.name})"
    raise CompileError(f"verify {graph.name}: {msg}{where}")


def verify(graph: Graph) -> None:
    """Raise CompileError describing the first violation found."""
    defined: set = set()
    for v in graph.inputs:
        if not isinstance(v, Value):
            _fail(graph, None, f"input {v!r} is not a Value")
        if v in defined:
            _fail(graph, None, f"input %{v.name} is listed twice")
        defined.add(v)
    for v in graph.consts:
        if v in defined:
            _fail(graph, None, "a constant is also an input")
        if v.const is None:
            _fail(graph, None, f"constant %{v.name} has no data")
        if tuple(v.const.shape) != v.shape:
            _fail(graph, None, f"constant %{v.name} has data of shape {v.const.shape} but type "
                               f"{v.type_str()}")
        defined.add(v)
    for k, node in enumerate(graph.nodes):
        op = node.op
        if REGISTRY.get(op.name) is not op:
            _fail(graph, k, f"op {op.name!r} is not the registered op of that name")
        for a in node.inputs:
            if isinstance(a, Value) and a not in defined:
                _fail(graph, k, "uses a value before it is defined (not SSA / not in "
                                "topological order)")
        if len(node.req) != len(node.inputs):
            _fail(graph, k, f"has {len(node.req)} gradient-edge flags for {len(node.inputs)} "
                            f"inputs")
        if (len(node.outputs) == 1) != (op.n_outputs == 1):
            _fail(graph, k, f"has {len(node.outputs)} outputs but {op.name} produces "
                            f"{op.n_outputs}")
        _check_types(graph, k, node)
        for o in node.outputs:
            if o in defined:
                _fail(graph, k, "redefines a value (not SSA)")
            if o.node is not node:
                _fail(graph, k, "an output does not point back at its node")
            defined.add(o)
    for v in graph.outputs:
        if v is not None and v not in defined:
            _fail(graph, None, "an output is not defined in the graph")


def _check_types(graph: Graph, k: int, node) -> None:
    op = node.op
    args = [Tensor._wrap(a, a.device) if isinstance(a, Value) else a for a in node.inputs]
    for what, fn, lead in (("shape rule", op.infer, ()), ("kernel", op.impl, (None,))):
        try:
            bound = inspect.signature(fn).bind(*lead, *args, **node.attrs)
            if "out" in bound.arguments:  # an extra input landed in the kernel's out=
                raise TypeError(f"{len(args)} inputs fill the out= parameter")
        except TypeError as e:
            _fail(graph, k, f"wrong arity or attrs for {op.name}'s {what}: {e}")
        except ValueError:  # a builtin without a signature: nothing to check
            pass
    try:
        meta = op.infer(*args, **node.attrs)
    except Exception as e:  # the shape rule rejects the inputs
        _fail(graph, k, f"{op.name}'s shape rule rejects its inputs: {e}")
    metas = meta if op.n_outputs > 1 else (meta,)
    if len(metas) != len(node.outputs):
        _fail(graph, k, f"has {len(node.outputs)} outputs but {op.name}'s shape rule gives "
                        f"{len(metas)}")
    for o, (shape, dt) in zip(node.outputs, metas):
        if tuple(shape) != o.shape or dt is not o.dt:
            _fail(graph, k, f"output {o.index} has type {o.type_str()} but {op.name}'s shape "
                            f"rule gives {dt.to_short()}[{','.join(map(str, shape))}]")
