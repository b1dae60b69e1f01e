"""The executor: a graph becomes one generated, straight-line Python function.

One statement per node calls the op's kernel ``op.impl(xp, *arrays, **attrs)`` (kernels, attrs
and constants are globals of the generated module, so there is no per-op dispatch), casts an
input only where its dtype differs from the op's compute dtype (the promotion eager dispatch
applies, known statically here), and ``del``s each intermediate after its last use. The source
is compiled once and kept (``Program.code``); tracebacks show its lines. The first call runs
the reference interpreter, which validates every node and tells the generator which results
need wrapping (a NumPy scalar from a 0-d reduction becomes an array, as in eager mode).
"""
from __future__ import annotations

import itertools
import keyword
import linecache
import math
import re

from graphc.ir.graph import Graph, Value
from graphc.ir.printer import format_node, value_names
from graphc.runtime.interpreter import call_plan, interpret

_counter = itertools.count()


def _is_literal(x) -> bool:
    if x is None or isinstance(x, (bool, int, str)):
        return True
    if isinstance(x, float):
        return math.isfinite(x)
    if isinstance(x, tuple):
        return all(_is_literal(v) for v in x)
    return False


def _ident(name: str, taken: set) -> str:
    s = re.sub(r"\W", "_", name)
    if not s or s[0].isdigit() or s.startswith(("_", "v")) or keyword.iskeyword(s):
        s = "a_" + s
    base, k = s, 1
    while s in taken:
        s = f"{base}_{k}"
        k += 1
    taken.add(s)
    return s


def fn_name(name: str) -> str:
    s = re.sub(r"\W", "_", name) or "graph"
    return s + "_" if keyword.iskeyword(s) or s[0].isdigit() else s


def generate_source(graph: Graph, fixups=frozenset(), fname: str | None = None) -> tuple:
    """-> (source, globals) of a function taking the graph inputs' arrays positionally."""
    fname = fname or fn_name(graph.name)
    g: dict = {}
    names: dict = {}
    taken: set = set()
    for v in graph.inputs:
        names[v] = _ident(v.name or "x", taken)
    for k, c in enumerate(graph.consts):
        names[c] = f"_c{k}"
        g[f"_c{k}"] = c.const
    xps: dict = {}

    def xp_name(dev):
        key = str(dev)
        if key not in xps:
            xps[key] = f"_xp{len(xps)}" if xps else "_xp"
            g[xps[key]] = dev.xp
        return xps[key]

    outputs = {v for v in graph.outputs if v is not None}
    last: dict = {}
    for k, n in enumerate(graph.nodes):
        for a in n.inputs:
            if isinstance(a, Value):
                last[a] = k
    pretty = value_names(graph)
    lines = [f"def {fname}({', '.join(names[v] for v in graph.inputs)}):"]
    dtypes: dict = {}

    def dt_name(np_dt):
        key = f"_{np_dt.name}"
        dtypes[key] = np_dt
        return key

    vk = 0
    for k, n in enumerate(graph.nodes):
        for o in n.outputs:
            names[o] = f"v{vk}"
            vk += 1
        casts, lits, _ = call_plan(n)
        args = [xp_name(n.device)]
        for i, (a, c) in enumerate(zip(lits, casts)):
            if isinstance(a, Value):
                args.append(f"{names[a]}.astype({dt_name(c)})" if c is not None else names[a])
            elif _is_literal(a):
                args.append(repr(a))
            else:
                g[f"_l{k}_{i}"] = a
                args.append(f"_l{k}_{i}")
        for key, val in n.attrs.items():
            if _is_literal(val):
                args.append(f"{key}={val!r}")
            else:
                g[f"_a{k}_{key}"] = val
                args.append(f"{key}=_a{k}_{key}")
        kernel = n.op.impl
        bind = getattr(kernel, "bind", None)
        if bind is not None:  # the kernel offers a direct callable for this array module
            kernel = bind(g[args[0]])
            args = args[1:]
        g[f"_k{k}"] = kernel
        lhs = ", ".join(names[o] for o in n.outputs)
        if n.op.n_outputs > 1:
            lhs += ","
        lines.append(f"    # {format_node(n, pretty)}")
        lines.append(f"    {lhs} = _k{k}({', '.join(args)})")
        for o in n.outputs:
            if (k, o.index, "asarray") in fixups:
                lines.append(f"    {names[o]} = {xp_name(o.device)}.asarray({names[o]})")
            if (k, o.index, "cast") in fixups:
                lines.append(f"    {names[o]} = {names[o]}.astype({dt_name(o.dtype)})")
        dead = [names[o] for o in n.outputs if o not in outputs and o not in last]
        dead += [names[a] for a in dict.fromkeys(x for x in n.inputs if isinstance(x, Value))
                 if last.get(a) == k and a not in outputs and a.node is not None]
        if dead:
            lines.append(f"    del {', '.join(dead)}")
    g.update(dtypes)
    rets = ["None" if v is None else names[v] for v in graph.outputs]
    lines.append(f"    return ({', '.join(rets)}{',' if len(rets) == 1 else ''})")
    return "\n".join(lines) + "\n", g


class Program:
    """A graph compiled to a Python function of arrays; ``code`` holds the generated source."""

    def __init__(self, graph: Graph, codegen: bool = True) -> None:
        self.graph = graph
        self.codegen = codegen
        self.code: str | None = None
        self.fn = None

    def __call__(self, *arrays):
        fn = self.fn
        if fn is None:
            outs, fixups = interpret(self.graph, arrays)
            if self.codegen:
                self.build(fixups)
            return outs
        try:
            return fn(*arrays)
        except Exception as e:
            self.explain_failure(arrays, e)

    def explain_failure(self, arrays, err: Exception):
        """Rerun the reference interpreter: it names the failing node and the user's line."""
        interpret(self.graph, arrays)
        raise err

    def build(self, fixups=frozenset()) -> None:
        fname = fn_name(self.graph.name)
        src, glb = generate_source(self.graph, fixups, fname)
        filename = f"<graphc {self.graph.name} #{next(_counter)}>"
        linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)
        exec(compile(src, filename, "exec"), glb)
        self.code = src
        self.fn = glb[fname]

    def source(self) -> str:
        """The generated source (before the first call: without the learned fixups)."""
        return self.code if self.code is not None else generate_source(self.graph)[0]
