"""The IR: ``Graph`` / ``Node`` / ``Value`` in SSA form.

A ``Value`` is defined exactly once: as a graph input (a traced argument, a captured tensor such
as a module parameter, or a backward seed), as a constant, or as an output of a ``Node``. A node
names a registry op (``graphc.ops.registry``), its inputs (values or Python literals, exactly as
the op's public function passed them to ``apply``), its static attrs and the user's source line.
Nodes are kept in topological order. The metadata a ``Value`` carries (``shape``, ``dtype``,
``ndim``, ``size``) is what ``Tensor`` reads, so a Tensor can wrap a Value while tracing.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

from graphc import dtypes as _dt
from graphc.device import CPU, as_device


class Value:
    """One SSA value: static shape, dtype and device; produced by ``node`` (None for inputs)."""

    __slots__ = (
        "__weakref__",
        "const",
        "device",
        "dt",
        "dtype",
        "graph",
        "index",
        "kind",
        "layout",
        "name",
        "node",
        "requires_grad",
        "shape",
    )

    def __init__(self, shape: tuple, dt: _dt.dtype, device=CPU, *, node=None, index: int = 0,
                 name: str | None = None, kind: str = "node", requires_grad: bool = False,
                 const=None, graph=None, layout: str | None = "C") -> None:
        self.shape = tuple(int(s) for s in shape)
        self.dt = dt                # the graphc dtype
        self.dtype = dt.np          # the NumPy dtype: what Tensor's metadata code reads
        self.device = device
        self.node = node
        self.index = index
        self.name = name
        self.kind = kind            # arg | capture | seed | const | node
        self.requires_grad = requires_grad
        self.const = const          # the array of a constant
        self.graph = graph
        self.layout = layout        # C | F | None (unknown): see graphc.ir.layout

    # -- metadata (the array-like subset Tensor uses) ----------------------------------------
    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def itemsize(self) -> int:
        return self.dt.itemsize

    @property
    def flags(self):
        from graphc.ir.layout import Flags
        return Flags(self.layout, self.size <= 1)

    @property
    def nbytes(self) -> int:
        return self.size * self.dt.itemsize

    def type_str(self) -> str:
        """``f32[128,784]``: the IR spelling of the value's type."""
        return f"{self.dt.to_short()}[{','.join(str(s) for s in self.shape)}]"

    def __repr__(self) -> str:
        return f"%{self.name}: {self.type_str()}" if self.name else f"<value {self.type_str()}>"

    __str__ = __repr__

    # -- anything that needs the data raises TraceError (naming the Tensor method) ------------
    def _needs_value(self, *args, **kwargs):
        from graphc.ir.source import raise_needs_value
        raise_needs_value()

    reshape = astype = copy = item = tolist = fill = get = view = _needs_value
    __array__ = __float__ = __int__ = __index__ = __getitem__ = __setitem__ = _needs_value
    __iter__ = __dlpack__ = _needs_value


class Node:
    """One op application: ``outputs = op(*inputs, **attrs)``."""

    __slots__ = ("attrs", "device", "inputs", "loc", "op", "outputs", "req")

    def __init__(self, op, inputs: list, attrs: dict, outputs: list, req: tuple,
                 loc: tuple | None = None, device=CPU) -> None:
        self.op = op                # an OpDef from the registry
        self.inputs = inputs        # Value or Python literal per positional argument
        self.attrs = attrs
        self.outputs = outputs
        self.req = req              # per input: did a gradient edge exist when it was recorded
        self.loc = loc              # (filename, line, function) of the user's code
        self.device = device        # the device whose array module runs the kernel

    def value_inputs(self) -> list:
        return [a for a in self.inputs if isinstance(a, Value)]

    def __repr__(self) -> str:
        return f"<node {self.op.name}>"


class TensorSpec:
    """A placeholder argument for tracing without data: ``TensorSpec((128, 784), 'f32')``."""

    def __init__(self, shape, dtype="f32", device="cpu", requires_grad: bool = False) -> None:
        self.shape = tuple(int(s) for s in shape)
        self.dtype = _dt.FROM_SHORT.get(dtype) if isinstance(dtype, str) and \
            dtype in _dt.FROM_SHORT else _dt.as_dtype(dtype)
        self.device = as_device(device)
        self.requires_grad = requires_grad

    def __repr__(self) -> str:
        return f"TensorSpec({self.dtype.to_short()}[{','.join(map(str, self.shape))}])"


_SPEC_RE = re.compile(r"\s*([a-z]+\d*)\s*\[\s*([0-9,\s]*)\]\s*")


def parse_specs(text: str) -> list[TensorSpec]:
    """``'f32[128,784], f32[784,512]'`` -> TensorSpecs (the CLI's ``--args``)."""
    from graphc.errors import GraphcValueError
    specs, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _SPEC_RE.match(text, pos)
        if m is None or m.group(1) not in _dt.FROM_SHORT:
            raise GraphcValueError(f"bad tensor spec at {text[pos:]!r}: expected e.g. "
                                   f"'f32[128,784]' (dtypes: {', '.join(_dt.FROM_SHORT)})")
        dims = [d for d in m.group(2).replace(" ", "").split(",") if d]
        specs.append(TensorSpec(tuple(int(d) for d in dims), m.group(1)))
        pos = m.end()
        if pos < len(text):
            if text[pos] != ",":
                raise GraphcValueError(f"bad tensor spec list {text!r}: separate specs by ','")
            pos += 1
    return specs


class Graph:
    """Named inputs, constants, a topologically ordered node list and outputs."""

    def __init__(self, name: str = "f") -> None:
        self.name = name
        self.inputs: list[Value] = []
        self.consts: list[Value] = []
        self.nodes: list[Node] = []
        self.outputs: list[Value | None] = []   # None: a typed "no gradient"
        self.meta: dict[str, Any] = {}

    # -- building ----------------------------------------------------------------------------
    def add_input(self, name: str, shape, dt, device=CPU, *, kind: str = "arg",
                  requires_grad: bool = False, layout: str | None = "C") -> Value:
        v = Value(shape, dt, device, name=self._unique(name), kind=kind,
                  requires_grad=requires_grad, graph=self, layout=layout)
        self.inputs.append(v)
        return v

    def add_const(self, array, device=CPU, requires_grad: bool = False) -> Value:
        dt = _dt.from_numpy(array.dtype)
        from graphc.ir.layout import of_array
        v = Value(array.shape, dt, device, name=f"c{len(self.consts)}", kind="const",
                  const=array, requires_grad=requires_grad, graph=self,
                  layout=of_array(array))
        self.consts.append(v)
        return v

    def add_node(self, op, inputs: list, attrs: dict, metas, device=CPU, req: tuple = (),
                 out_devices=None, loc=None, requires_grad: bool = False) -> Node:
        """Append ``op(*inputs, **attrs)``; ``metas`` is one (shape, dtype) per output."""
        node = Node(op, inputs, attrs, [], req or (False,) * len(inputs), loc, device)
        out_dev = out_devices or device
        for i, (shape, dt) in enumerate(metas):
            node.outputs.append(Value(shape, dt, out_dev, node=node, index=i,
                                      requires_grad=requires_grad and dt.is_floating_point,
                                      graph=self))
        self.nodes.append(node)
        return node

    def _unique(self, name: str) -> str:
        name = re.sub(r"[^A-Za-z0-9_.]", "_", name) or "arg"
        taken = {v.name for v in self.inputs}
        if name not in taken:
            return name
        k = 1
        while f"{name}_{k}" in taken:
            k += 1
        return f"{name}_{k}"

    # -- views -------------------------------------------------------------------------------
    def format(self, source: bool = False) -> str:
        """The deterministic text form; ``source=True`` adds ``# file.py:12 in f`` per node."""
        from graphc.ir.printer import format_graph
        return format_graph(self, source=source)

    def __str__(self) -> str:
        return self.format()

    def __repr__(self) -> str:
        return f"<Graph {self.name}: {len(self.inputs)} inputs, {len(self.nodes)} nodes, " \
               f"{len(self.outputs)} outputs>"

    def tabular(self) -> str:
        """One row per value: name, op, inputs, attrs, type, source line."""
        from graphc.ir.printer import format_tabular
        return format_tabular(self)

    def verify(self) -> Graph:
        from graphc.ir.verifier import verify
        verify(self)
        return self

    def to_networkx(self):
        from graphc.ir.export import to_networkx
        return to_networkx(self)

    def to_dot(self) -> str:
        from graphc.ir.export import to_dot
        return to_dot(self)

    def render(self, path: str, format: str | None = None) -> str:
        """Write SVG/PNG/PDF through graphviz's ``dot``; returns the path."""
        from graphc.ir.export import render
        return render(self, path, format)

    def python_code(self) -> str:
        """The generated Python source the executor runs for this graph."""
        from graphc.runtime.executor import generate_source
        return generate_source(self)[0]

    # -- queries -----------------------------------------------------------------------------
    def values(self) -> Iterable[Value]:
        yield from self.inputs
        yield from self.consts
        for n in self.nodes:
            yield from n.outputs

    def uses(self) -> dict:
        """Value -> list of (node index, input position)."""
        out: dict = {}
        for k, n in enumerate(self.nodes):
            for i, a in enumerate(n.inputs):
                if isinstance(a, Value):
                    out.setdefault(a, []).append((k, i))
        return out

    def counts(self) -> dict:
        """How many nodes of each op, sorted by op name."""
        c: dict = {}
        for n in self.nodes:
            c[n.op.name] = c.get(n.op.name, 0) + 1
        return dict(sorted(c.items()))

    def copy(self, name: str | None = None) -> Graph:
        """A deep copy (fresh values, same ops/attrs); meta is shallow-copied."""
        g, _ = extract(self, self.nodes, self.inputs, self.outputs, name or self.name)
        g.meta = dict(self.meta)
        return g


def extract(graph: Graph, nodes: list[Node], inputs: list[Value], outputs: list,
            name: str, input_names: list | None = None, kinds: list | None = None):
    """A new graph of ``nodes`` (cloned) reading ``inputs``; returns (graph, old->new map).

    Constants the nodes use come along; any other value the nodes read must be in ``inputs``.
    """
    from graphc.errors import CompileError
    g = Graph(name)
    m: dict = {}
    for k, v in enumerate(inputs):
        nm = input_names[k] if input_names else (v.name or f"in{k}")
        kind = kinds[k] if kinds else (v.kind if v.kind != "node" else "saved")
        m[v] = g.add_input(nm, v.shape, v.dt, v.device, kind=kind,
                           requires_grad=v.requires_grad, layout=v.layout)

    def get(v):
        nv = m.get(v)
        if nv is None:
            if v.kind != "const":
                raise CompileError(f"extract {name}: value {v} is used but not defined")
            nv = m[v] = g.add_const(v.const, v.device, v.requires_grad)
        return nv

    for n in nodes:
        ins = [get(a) if isinstance(a, Value) else a for a in n.inputs]
        nn = Node(n.op, ins, n.attrs, [], n.req, n.loc, n.device)
        for o in n.outputs:
            no = Value(o.shape, o.dt, o.device, node=nn, index=o.index,
                       requires_grad=o.requires_grad, graph=g, layout=o.layout)
            nn.outputs.append(no)
            m[o] = no
        g.nodes.append(nn)
    g.outputs = [get(v) if v is not None else None for v in outputs]
    return g, m
