"""The pass pipeline: a readable, ordered list of graph transformations.

``build`` derives the joint forward+backward graph (``autodiff``), splits it into the forward
and backward programs (``partition``) and runs the per-program passes in ``PASSES`` on each.
The verifier runs after every step when ``GRAPHC_VERIFY`` is set (always in the tests), and
with ``GRAPHC_DUMP=<dir>`` (or ``compile(dump=dir)``) every stage's IR is written to a file.
Later passes (simplify, cse, fuse, schedule, plan_memory) slot into ``PASSES``.
"""
from __future__ import annotations

import itertools
import os
import re
from dataclasses import dataclass, field

from graphc import config
from graphc.errors import CompileError
from graphc.ir.graph import Graph, extract
from graphc.ir.verifier import verify
from graphc.passes import autodiff, dce, partition, simplify

# Per-program passes, in order: (name, Graph -> Graph).
PASSES = [("simplify", simplify.run), ("dce", dce.run)]

_dump_seq = itertools.count()


@dataclass
class Artifacts:
    """Everything the compiler derived from one traced graph."""

    traced: Graph
    forward: Graph
    joint: Graph | None = None
    backward: Graph | None = None
    saved: list = field(default_factory=list)   # joint values the forward saves for backward
    n_outputs: int = 0
    n_mutations: int = 0
    grad_outputs: list = field(default_factory=list)  # indices into traced.outputs with seeds
    wrt: list = field(default_factory=list)           # indices into traced.inputs differentiated
    stages: list = field(default_factory=list)        # (stage name, graph) in order
    dump_base: str | None = None                      # path prefix of the dump files


def _check(stage: str, graph: Graph, done: list) -> None:
    if not config.verify_passes():
        return
    try:
        verify(graph)
    except CompileError as e:
        before = ", ".join(done) or "nothing"
        raise CompileError(f"after {stage} (passes before it: {before}): {e}") from e


def build(traced: Graph, n_outputs: int, grad_outputs: list, wrt: list,
          dump: str | None = None) -> Artifacts:
    """``traced.outputs`` = user outputs then mutation values; differentiate the outputs at
    ``grad_outputs`` w.r.t. ``traced.inputs[i]`` for i in ``wrt`` (no backward if either is
    empty)."""
    done: list = []
    _check("trace", traced, done)
    art = Artifacts(traced=traced, forward=traced, n_outputs=n_outputs,
                    n_mutations=len(traced.outputs) - n_outputs,
                    grad_outputs=list(grad_outputs), wrt=list(wrt))
    art.stages.append(("traced", traced))
    name = traced.name
    if grad_outputs and wrt:
        joint, m = extract(traced, traced.nodes, traced.inputs, traced.outputs,
                           f"{name}_joint")
        outs = [m[v] for v in traced.outputs]
        diff = [outs[i] for i in grad_outputs]
        seeds = [joint.add_input(f"grad{k}", v.shape, v.dt, v.device, kind="seed",
                                 requires_grad=True) for k, v in enumerate(diff)]
        n_fwd = len(joint.nodes)
        grads = autodiff.backward(joint, diff, seeds, [m[traced.inputs[i]] for i in wrt])
        joint.outputs = outs + grads
        done.append("autodiff")
        _check("autodiff", joint, done)
        art.joint = joint
        art.stages.append(("joint", joint))
        sp = partition.split(joint, n_fwd, outs[:n_outputs], outs[n_outputs:], seeds, grads,
                             name)
        done.append("partition")
        art.forward, art.backward, art.saved = sp.forward, sp.backward, sp.saved
    else:
        art.forward = traced.copy(name)
    for pname, fn in PASSES:
        art.forward = fn(art.forward)
        if art.backward is not None:
            art.backward = fn(art.backward)
        done.append(pname)
        _check(pname, art.forward, done)
        if art.backward is not None:
            _check(pname, art.backward, done)
    art.stages.append(("forward", art.forward))
    if art.backward is not None:
        art.stages.append(("backward", art.backward))
    dump = dump or config.dump_dir()
    if dump:
        write_dump(dump, art)
    return art


def write_dump(directory: str, art: Artifacts, code: dict | None = None) -> list:
    """Write each stage's IR (and generated code, when given) to ``directory``."""
    os.makedirs(directory, exist_ok=True)
    base = f"{next(_dump_seq):03d}_{re.sub(r'[^A-Za-z0-9_]', '_', art.traced.name)}"
    art.dump_base = os.path.join(directory, base)
    paths = []
    for k, (stage, g) in enumerate(art.stages):
        path = os.path.join(directory, f"{base}.{k}_{stage}.txt")
        with open(path, "w") as f:
            f.write(g.format(source=True) + "\n")
        paths.append(path)
    for stage, src in (code or {}).items():
        path = os.path.join(directory, f"{base}.{stage}.py")
        with open(path, "w") as f:
            f.write(src)
        paths.append(path)
    return paths
