"""Dead-code elimination: drop nodes none of whose outputs reach the graph's outputs."""
from __future__ import annotations

from graphc.ir.graph import Graph, Value


def live_nodes(nodes: list, outputs) -> list:
    """The subsequence of ``nodes`` that ``outputs`` depend on (order kept)."""
    need = {v for v in outputs if v is not None}
    keep = []
    for n in reversed(nodes):
        if any(o in need for o in n.outputs):
            keep.append(n)
            need.update(a for a in n.inputs if isinstance(a, Value))
    keep.reverse()
    return keep


def run(graph: Graph) -> Graph:
    """In place: remove dead nodes and unused constants (inputs stay: they are the signature)."""
    graph.nodes = live_nodes(graph.nodes, graph.outputs)
    used = {a for n in graph.nodes for a in n.inputs if isinstance(a, Value)}
    used.update(v for v in graph.outputs if v is not None)
    graph.consts = [c for c in graph.consts if c in used]
    return graph
