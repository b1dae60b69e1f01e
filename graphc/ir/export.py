"""Exports of a graph: networkx, Graphviz DOT, and SVG/PNG rendering through ``dot``."""
from __future__ import annotations

import os
import shutil
import subprocess

from graphc.errors import CompileError
from graphc.ir.graph import Graph, Value
from graphc.ir.printer import _const_text, format_literal, value_names

_INSTALL = ("rendering needs the Graphviz 'dot' program, which was not found on PATH; install "
            "the graphviz package (apt-get install graphviz, brew install graphviz or conda "
            "install graphviz)")


def to_networkx(graph: Graph):
    """A ``networkx.DiGraph``: one vertex per input, constant, op node and the output.

    Vertex attributes: ``kind`` (input | constant | op | output), ``op``, ``attrs``, ``type``,
    ``source``; edge attributes: ``value`` (its printed name), ``type`` and ``arg`` (position).
    """
    import networkx as nx
    names = value_names(graph)
    g = nx.DiGraph(name=graph.name)
    producer: dict = {}
    for v in graph.inputs:
        key = "%" + names[v]
        g.add_node(key, kind="input", label=key, type=v.type_str(), input_kind=v.kind)
        producer[v] = key
    for v in graph.consts:
        key = "%" + names[v]
        g.add_node(key, kind="constant", label=_const_text(v), type=v.type_str())
        producer[v] = key
    for k, n in enumerate(graph.nodes):
        key = f"n{k}"
        outs = ", ".join("%" + names[o] for o in n.outputs)
        g.add_node(key, kind="op", op=n.op.name, label=f"{outs} = {n.op.name}",
                   attrs={a: format_literal(b) for a, b in n.attrs.items()},
                   type=", ".join(o.type_str() for o in n.outputs),
                   source=f"{os.path.basename(n.loc[0])}:{n.loc[1]}" if n.loc else "")
        for i, a in enumerate(n.inputs):
            if isinstance(a, Value):
                _edge(g, producer[a], key, a, names, i)
        for o in n.outputs:
            producer[o] = key
    g.add_node("output", kind="output", label="return")
    for i, v in enumerate(graph.outputs):
        if v is not None:
            _edge(g, producer[v], "output", v, names, i)
    return g


def _edge(g, src, dst, v, names, i) -> None:
    if g.has_edge(src, dst):  # the same value feeding two arguments
        g.edges[src, dst]["arg"] = f"{g.edges[src, dst]['arg']},{i}"
        return
    g.add_edge(src, dst, value="%" + names[v], type=v.type_str(), arg=str(i))


def _q(s: str) -> str:
    """A DOT string literal; real newlines become DOT's line breaks."""
    s = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + s + '"'


def to_dot(graph: Graph) -> str:
    """Graphviz DOT text of the graph (inputs as ellipses, ops as boxes)."""
    nxg = to_networkx(graph)
    lines = [f"digraph {_q(graph.name)} {{", "  rankdir=TB;",
             '  node [fontname="monospace", fontsize=10];',
             '  edge [fontname="monospace", fontsize=9];']
    shapes = {"input": "ellipse", "constant": "note", "op": "box", "output": "doublecircle"}
    for key, a in nxg.nodes(data=True):
        label = a["label"]
        if a["kind"] == "op":
            if a["attrs"]:
                label += "\n[" + ", ".join(f"{k}={v}" for k, v in a["attrs"].items()) + "]"
            label += "\n" + a["type"]
        elif a["kind"] in ("input", "constant"):
            label += "\n" + a["type"]
        lines.append(f"  {_q(key)} [shape={shapes[a['kind']]}, label={_q(label)}];")
    for s, d, a in nxg.edges(data=True):
        lines.append(f"  {_q(s)} -> {_q(d)} [label={_q(a['type'])}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(graph: Graph, path: str, format: str | None = None) -> str:
    """Render through graphviz (``dot -T<format>``); the format defaults to the suffix."""
    dot = shutil.which("dot")
    if dot is None:
        raise CompileError(_INSTALL)
    fmt = format or os.path.splitext(path)[1].lstrip(".") or "svg"
    proc = subprocess.run([dot, f"-T{fmt}", "-o", path], input=to_dot(graph).encode(),
                          capture_output=True, timeout=120, check=False)
    if proc.returncode != 0:
        raise CompileError(f"dot failed rendering {graph.name} to {path}: "
                           f"{proc.stderr.decode(errors='replace').strip()}")
    return path
