"""Split a joint forward+backward graph into a forward and a backward program.

The forward program computes the user's outputs, the values written back into mutated inputs,
and the values the backward nodes read (the *saved* values, like PyTorch's saved tensors); the
backward program maps (saved values, output gradients) to input gradients. Random draws
(dropout masks, ``randn``) are always saved: a replay of the graph must see the same numbers. Backward-only work
that needs no output gradient (e.g. ``1 - tanh(x)**2``) stays in the backward program, so a
forward call nobody differentiates does not pay for it.
"""
from __future__ import annotations

from dataclasses import dataclass

from graphc.ir.graph import Graph, Value, extract
from graphc.ir.printer import value_names
from graphc.passes.dce import live_nodes


@dataclass
class Split:
    forward: Graph
    backward: Graph
    saved: list          # joint-graph values the forward hands to the backward
    n_outputs: int       # forward outputs: user outputs, then mutations, then saved values
    n_mutations: int


def split(joint: Graph, n_forward: int, outputs: list, mutations: list, seeds: list,
          grads: list, name: str) -> Split:
    """``joint.nodes[:n_forward]`` is the forward; ``seeds`` are joint inputs (kind "seed")."""
    fwd_nodes = joint.nodes[:n_forward]
    bwd_nodes = live_nodes(joint.nodes[n_forward:], grads)
    seed_set = set(seeds)
    fwd_defined = {v for v in joint.inputs if v not in seed_set}
    for n in fwd_nodes:
        fwd_defined.update(n.outputs)
    saved, seen = [], set()

    def save(v):
        if isinstance(v, Value) and v in fwd_defined and v not in seen:
            seen.add(v)
            saved.append(v)

    for n in bwd_nodes:
        for a in n.inputs:
            save(a)
    for g in grads:
        save(g)
    for n in fwd_nodes:  # replaying the graph (create_graph) must reuse the forward's draws
        if n.op.random:
            for v in n.outputs:
                save(v)
    f_inputs = [v for v in joint.inputs if v not in seed_set]
    f_outputs = list(outputs) + list(mutations) + saved
    fwd, _ = extract(joint, live_nodes(fwd_nodes, f_outputs), f_inputs, f_outputs, name)
    names = value_names(joint)
    s_names = [names[v] if v.kind != "node" else f"s{names[v]}" for v in saved]
    b_inputs = saved + list(seeds)
    bwd, _ = extract(joint, bwd_nodes, b_inputs, grads, f"{name}_backward",
                     input_names=s_names + [s.name for s in seeds],
                     kinds=["saved"] * len(saved) + ["seed"] * len(seeds))
    return Split(fwd, bwd, saved, len(outputs), len(mutations))
