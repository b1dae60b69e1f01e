"""The IR's text forms: the deterministic listing and a tabular view.

```
graph f(%x: f32[128,784], %w: f32[784,512], %b: f32[512]) {
  %0 = matmul(%x, %w)                       : f32[128,512]
  %1 = add(%0, %b)                          : f32[128,512]
  return (%1)
}
```
Inputs keep their names, node outputs are numbered in order, constants are ``%c0 …``; scalars
print as literals and attrs in brackets. Expected-output tests pin this format.
"""
from __future__ import annotations

import math
import os

import numpy as np

from graphc import dtypes as _dt
from graphc.device import device as _device
from graphc.ir.graph import Graph, Value

_COLUMN = 42  # the ': type' column, after the two-space indent


def value_names(graph: Graph) -> dict:
    """Value -> printed name (without the %)."""
    names: dict = {}
    for v in graph.inputs:
        names[v] = v.name
    for k, v in enumerate(graph.consts):
        names[v] = f"c{k}"
    k = 0
    for n in graph.nodes:
        for o in n.outputs:
            names[o] = str(k)
            k += 1
    return names


def format_literal(x) -> str:
    """A Python literal as the IR shows it (scalars, tuples, dtypes, devices, slices)."""
    if isinstance(x, bool) or x is None:
        return repr(x)
    if isinstance(x, float):
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return repr(x)
    if isinstance(x, (int, str)):
        return repr(x)
    if isinstance(x, _dt.dtype):
        return x.to_short()
    if isinstance(x, _device):
        return repr(str(x))
    if isinstance(x, tuple):
        inner = ", ".join(format_literal(v) for v in x)
        return f"({inner},)" if len(x) == 1 else f"({inner})"
    if isinstance(x, list):
        return "[" + ", ".join(format_literal(v) for v in x) + "]"
    if isinstance(x, slice):
        parts = ["" if p is None else format_literal(p) for p in (x.start, x.stop, x.step)]
        return ":".join(parts[:2]) + (f":{parts[2]}" if x.step is not None else "")
    if x is Ellipsis:
        return "..."
    if isinstance(x, np.generic):
        return format_literal(x.item())
    return repr(x)


def _arg(a, names: dict) -> str:
    if isinstance(a, Value):
        return "%" + names.get(a, "?")
    return format_literal(a)


def format_node(node, names: dict) -> str:
    """``%3 = sum[dim=(1,), keepdim=False](%2)`` (without the type column)."""
    lhs = ", ".join("%" + names[o] for o in node.outputs)
    attrs = ""
    if node.attrs:
        attrs = "[" + ", ".join(f"{k}={format_literal(v)}" for k, v in node.attrs.items()) + "]"
    args = ", ".join(_arg(a, names) for a in node.inputs)
    return f"{lhs} = {node.op.name}{attrs}({args})"


def _const_text(v: Value) -> str:
    arr = v.const
    if arr is not None and v.size <= 6:
        try:
            host = arr if isinstance(arr, np.ndarray) else arr.get()
            vals = host.reshape(-1).tolist()
            body = format_literal(vals[0]) if v.ndim == 0 else \
                "[" + ", ".join(format_literal(x) for x in vals) + "]"
            return f"constant({body})"
        except Exception:  # a device array that cannot be read: show the type only
            pass
    return "constant(...)"


def _typed(text: str, types: str, extra: str = "") -> str:
    return f"  {text.ljust(_COLUMN)}: {types}{extra}" if len(text) < _COLUMN else \
        f"  {text} : {types}{extra}"


def format_graph(graph: Graph, source: bool = False) -> str:
    names = value_names(graph)
    params = ", ".join(f"%{names[v]}: {v.type_str()}" for v in graph.inputs)
    lines = [f"graph {graph.name}({params}) {{"]
    for v in graph.consts:
        lines.append(_typed(f"%{names[v]} = {_const_text(v)}", v.type_str()))
    for n in graph.nodes:
        types = ", ".join(o.type_str() for o in n.outputs)
        extra = f"   # {_loc(n.loc)}" if source and n.loc else ""
        lines.append(_typed(format_node(n, names), types, extra))
    outs = ", ".join("none" if v is None else "%" + names[v] for v in graph.outputs)
    lines.append(f"  return ({outs})")
    lines.append("}")
    return "\n".join(lines)


def _loc(loc) -> str:
    fname, line, func = loc
    return f"{os.path.basename(fname)}:{line} in {func}"


def format_tabular(graph: Graph) -> str:
    """A table: one row per input, constant and node."""
    names = value_names(graph)
    rows = [("name", "opcode", "target", "args", "type", "source")]
    for v in graph.inputs:
        rows.append(("%" + names[v], "input", v.kind, "", v.type_str(), ""))
    for v in graph.consts:
        rows.append(("%" + names[v], "constant", "", _const_text(v)[9:-1], v.type_str(), ""))
    for n in graph.nodes:
        args = ", ".join(_arg(a, names) for a in n.inputs)
        if n.attrs:
            args += (", " if args else "") + ", ".join(
                f"{k}={format_literal(v)}" for k, v in n.attrs.items())
        rows.append((", ".join("%" + names[o] for o in n.outputs), "call_op", n.op.name, args,
                     ", ".join(o.type_str() for o in n.outputs), _loc(n.loc) if n.loc else ""))
    outs = ", ".join("none" if v is None else "%" + names[v] for v in graph.outputs)
    rows.append(("", "output", "", outs, "", ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for k, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
