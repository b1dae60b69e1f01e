"""The tracer: runs user Python on Tensors whose value is symbolic and records registry ops.

``graphc.ops.dispatch.apply`` hands every op call to ``Tracer.record`` while a tracer is active,
so there is no second op set: the same ``infer`` gives shapes and dtypes, and the same ``vjp``
rules later build the backward graph. Concrete tensors met along the way (module parameters,
buffers, captured globals, tensors created inside the function) become graph inputs whose
identity is remembered; those nobody else can reach once tracing ends become constants.
In-place ops are functionalized: ``rebind`` points the tensor at the new value, and mutations of
inputs are written back by the compiled program.
"""
from __future__ import annotations

import inspect
import math
import sys
from contextlib import contextmanager

import numpy as np

from graphc import dtypes as _dt
from graphc.autograd.grad_mode import is_grad_enabled
from graphc.device import CPU, as_device
from graphc.ir import layout as _layout
from graphc.ir import pytree
from graphc.ir.graph import Graph, TensorSpec, Value
from graphc.ir.source import trace_error, user_location
from graphc.ops.dispatch import _pick_device, active_tracer
from graphc.tensor import Tensor

_from_np = _dt._FROM_NP


class TracedNode:
    """The ``grad_fn`` of a symbolic tensor: makes it a non-leaf (``is_leaf``, in-place checks
    and ``grad_fn`` printing behave as in eager mode) without building an eager graph."""

    __slots__ = ("node",)
    next_functions = ()

    def __init__(self, node) -> None:
        self.node = node

    def name(self) -> str:
        return self.node.op.grad_name or self.node.op.name

    def __repr__(self) -> str:
        return f"<{self.name()} (traced)>"

    def _tensor_hook(self, *args, **kwargs):
        raise trace_error("tensor hooks (register_hook / retain_grad)", user_location(),
                          "are not supported inside traced code", "register the hook on the "
                          "compiled function's output, outside the compiled function")

    register_hook = register_prehook = _tensor_hook


class Tracer:
    """Records ops into ``graph``; install with ``with tracer.active():``."""

    def __init__(self, graph: Graph, *, check_aliases: bool = True) -> None:
        self.graph = graph
        self.captured: dict[int, tuple] = {}      # id(tensor) -> (tensor, input Value)
        self.rebound: dict[int, tuple] = {}       # id(captured tensor) -> (tensor, new Tensor)
        self.placeholders: list[tuple] = []       # (Tensor, Value) per traced argument
        self.names: dict[int, str] = {}           # id(tensor) -> a readable capture name
        self.loc = None                           # overrides the source location (autodiff)
        self.check_aliases = check_aliases
        self._view_children: dict = {}            # Value -> views of it
        self._stale: set = set()                  # values overwritten by an in-place op
        self._regathered: dict = {}               # Value -> (root Value, positions), see below

    @contextmanager
    def active(self):
        token = active_tracer.set(self)
        try:
            yield self
        finally:
            active_tracer.reset(token)

    # -- inputs ------------------------------------------------------------------------------
    def placeholder(self, name: str, shape, dt, device=CPU, *, requires_grad: bool = False,
                    kind: str = "arg", layout: str | None = "C") -> Tensor:
        v = self.graph.add_input(name, shape, dt, device, kind=kind,
                                 requires_grad=requires_grad, layout=layout)
        t = Tensor._wrap(v, device)
        t._requires_grad = requires_grad
        self.placeholders.append((t, v))
        return t

    def value_of(self, t: Tensor) -> Value:
        """The graph value a tensor currently denotes (capturing it if it is not symbolic)."""
        return self._resolve(t)[0]

    def _resolve(self, t: Tensor) -> tuple:
        d = t._data
        if type(d) is Value and d.graph is self.graph:
            if d in self._stale and self.check_aliases:
                if t._base is not None:  # a view of memory written since: read it again
                    return self._regather(t)
                raise trace_error("using a tensor after an in-place op changed it through "
                                  "another alias", user_location(),
                                  "is not supported in traced code (the alias would see the "
                                  "old value)", "use the tensor the in-place op returned, or "
                                  "clone() before modifying")
            return d, t._requires_grad
        r = self.rebound.get(id(t))
        if r is not None:
            return r[1]._data, r[1]._requires_grad
        return self._capture(t), t._requires_grad

    def _capture(self, t: Tensor) -> Value:
        e = self.captured.get(id(t))
        if e is not None:
            return e[1]
        d = t._data
        name = self.names.get(id(t)) or f"p{len(self.captured)}"
        v = self.graph.add_input(name, d.shape, _from_np[d.dtype], t._device, kind="capture",
                                 requires_grad=t._requires_grad, layout=_layout.of_array(d))
        self.captured[id(t)] = (t, v)
        return v

    # -- recording ---------------------------------------------------------------------------
    def record(self, op, args, attrs):
        ins, req = [], []
        any_req = False
        device = None
        for a in args:
            if isinstance(a, Tensor):
                v, r = self._resolve(a)
                ins.append(v)
                req.append(r)
                any_req = any_req or r
                d = a._device
                if device is None:
                    device = d
                elif d is not device and d != device:
                    device = _pick_device(op, device, d, a)
            else:
                ins.append(a)
                req.append(False)
        meta = op.infer(*args, **attrs)
        metas = meta if op.n_outputs > 1 else (meta,)
        if not is_grad_enabled():
            req, any_req = [False] * len(req), False
        device = device or CPU
        out_dev = as_device(attrs["device"]) if op.moves_device else device
        node = self.graph.add_node(op, ins, attrs, metas, device, tuple(req), out_dev,
                                   self.loc or user_location(),
                                   any_req and op.differentiable)
        for v, lay in zip(node.outputs, _layout.infer(op, ins, node.outputs, attrs)):
            v.layout = lay
        outs = []
        marker = TracedNode(node) if any(v.requires_grad for v in node.outputs) else None
        for i, v in enumerate(node.outputs):
            t = Tensor._wrap(v, out_dev)
            if v.requires_grad:
                t._requires_grad = True
                t.grad_fn, t._output_nr = marker, i
            outs.append(t)
        if op.view and isinstance(args[0], Tensor):
            outs[0]._mark_view(args[0])
            self._view_children.setdefault(ins[0], []).append(node.outputs[0])
        return outs[0] if op.n_outputs == 1 else tuple(outs)

    def rebind(self, tensor: Tensor, new: Tensor) -> None:
        """An in-place op on ``tensor`` under tracing: from now on it denotes ``new``."""
        loc = user_location()
        if tensor._base is not None and type(tensor._data) is Value:
            self._write_through_view(tensor, new)
            return
        d = tensor._data
        if type(d) is Value and d.graph is self.graph:
            self._mark_stale(d)
            tensor._data = new._data
            tensor._requires_grad = new._requires_grad
            tensor.grad_fn, tensor._output_nr = new.grad_fn, new._output_nr
            return
        if tensor._requires_grad and tensor.grad_fn is None:
            raise trace_error("an in-place update of a parameter (optimizer.step())", loc,
                              "is whole-training-step capture, which graphc.compile does not "
                              "support yet", "call optimizer.step() outside the compiled "
                              "function")
        old = self.rebound.get(id(tensor))
        if old is not None:
            self._mark_stale(old[1]._data)
        else:
            self._capture(tensor)
        self.rebound[id(tensor)] = (tensor, new)

    # -- views written in place (functionalized as in eager mode, graphc/ops/view_history.py) --
    def _positions(self, v: Value) -> tuple:
        """(root value, positions): the value ``v`` was cut from by view ops, and for each of
        v's elements the index tuple of the root element it aliases. Found by replaying the
        view ops' kernels on an index array; None when a link is not a replayable view."""
        if v in self._regathered:
            return self._regathered[v]
        chain = []
        while v.node is not None and v.node.op.view and v not in self._regathered:
            chain.append(v)
            v = v.node.inputs[0]
        root, pos = (v, None) if v not in self._regathered else self._regathered[v]
        ids = np.arange(math.prod(root.shape), dtype=np.int64).reshape(root.shape)
        if pos is not None:
            ids = ids[pos]
        for x in reversed(chain):
            n = x.node
            out = n.op.impl(np, ids, *n.inputs[1:], **n.attrs)
            ids = out[x.index] if n.op.n_outputs > 1 else out
        return root, np.unravel_index(np.asarray(ids), root.shape) if root.shape else ()

    def _write_through_view(self, view: Tensor, new: Tensor) -> None:
        """``view.op_()``: the root gets ``index_put(root, view positions, new)``; the view (and
        later, any other view of the root) reads its positions of the new root."""
        from graphc.ops.index import index_put
        _, pos = self._positions(view._data)
        idx = tuple(Tensor._wrap(p, view._device) for p in pos)
        root = view._base
        self.rebind(root, index_put(root, idx, new) if idx else new.reshape(()))
        self._regather(view, pos)

    def _regather(self, view: Tensor, pos=None) -> tuple:
        """Point ``view`` at its root's current value, read at its positions."""
        from graphc.ops.index import getitem
        if pos is None:
            pos = self._positions(view._data)[1]
        root = view._base
        idx = tuple(Tensor._wrap(p, view._device) for p in pos)
        fresh = getitem(root, idx) if idx else root.reshape(tuple(view.shape))
        self._regathered[fresh._data] = (self.value_of(root), pos)
        view._data, view._requires_grad = fresh._data, fresh._requires_grad
        view.grad_fn, view._output_nr = fresh.grad_fn, fresh._output_nr
        return fresh._data, fresh._requires_grad

    def _mark_stale(self, v: Value) -> None:
        stack = [v]
        while stack:
            x = stack.pop()
            self._stale.add(x)
            stack.extend(self._view_children.get(x, ()))

    # -- autograd calls inside traced code -----------------------------------------------------
    def autograd_grad(self, outputs, inputs, grad_outputs=None, create_graph: bool = False,
                      allow_unused: bool = False, materialize_grads: bool = False) -> tuple:
        """``autograd.grad`` under tracing: the autodiff pass appends the backward here."""
        from graphc.passes.autodiff import grad_in_trace
        return grad_in_trace(self, outputs, inputs, grad_outputs, create_graph,
                             bool(allow_unused), materialize_grads)

    def autograd_backward(self, *args, **kwargs):
        """``loss.backward()`` under tracing is whole-training-step capture: refuse clearly."""
        raise trace_error("loss.backward() inside a traced/compiled function", user_location(),
                          "is whole-training-step capture, which graphc.compile does not "
                          "support yet", "return the loss from the compiled function and call "
                          ".backward() on it outside (its grad_fn runs the compiled backward), "
                          "or use graphc.grad / graphc.value_and_grad")

    # -- finishing ---------------------------------------------------------------------------
    def mutations(self) -> list:
        """[(tensor to write back into, Value it now holds)]: in-place changes of inputs."""
        out = []
        for t, v in self.placeholders:
            if t._data is not v:
                out.append((t, self.value_of(t)))
        for t, new in self.rebound.values():
            out.append((t, self._resolve(new)[0]))
        return out

    def fold_constants(self, everything: bool = False) -> None:
        """Captured concrete tensors nobody else references become constants of the graph."""
        g = self.graph
        dead = []
        for key, (t, v) in list(self.captured.items()):
            if type(t._data) is Value:          # a symbolic tensor of an enclosing trace
                continue
            extra = 1 if key in self.rebound else 0
            if everything or sys.getrefcount(t) <= 3 + extra:
                dead.append((key, t, v))
        for key, t, v in dead:
            g.inputs.remove(v)
            v.kind, v.const, v.name = "const", t._data, f"c{len(g.consts)}"
            g.consts.append(v)
            del self.captured[key]
            self.rebound.pop(key, None)

    def captures(self) -> list:
        """[(tensor, Value)] of the captured inputs, in graph-input order."""
        return [(t, v) for t, v in self.captured.values()]


# -- tracing a Python function ---------------------------------------------------------------
def leaf_names(fn, args: tuple, kwargs: dict) -> list:
    """A readable name per leaf of ``(args, kwargs)``: the parameter names of ``fn``."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = []
    pos = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    star = next((p.name for p in params if p.kind == p.VAR_POSITIONAL), "arg")
    names = []
    for i, a in enumerate(args):
        base = pos[i] if i < len(pos) else f"{star}{i - len(pos)}"
        names += _sub_names(base, a)
    for k, a in kwargs.items():
        names += _sub_names(k, a)
    return names


def _sub_names(base: str, a) -> list:
    leaves, _ = pytree.flatten(a)
    return [base] if len(leaves) == 1 else [f"{base}_{j}" for j in range(len(leaves))]


def capture_names(fn, module=None) -> dict:
    """id(tensor) -> name for tensors ``fn`` can reach by name (globals, closure, a module)."""
    names: dict = {}

    def add_module(prefix, m):
        for attr in ("named_parameters", "named_buffers"):
            meth = getattr(m, attr, None)
            if meth is None:
                continue
            try:
                for n, t in meth():
                    names.setdefault(id(t), f"{prefix}{n}")
            except Exception:  # an unusual module: names are only cosmetic
                pass

    if module is not None:
        add_module("self.", module)
    target = getattr(fn, "__func__", fn)
    self_obj = getattr(fn, "__self__", None)
    if self_obj is not None and hasattr(self_obj, "named_parameters"):
        add_module("self.", self_obj)
    code = getattr(target, "__code__", None)
    if code is None:
        return names
    scope = {}
    glb = getattr(target, "__globals__", {})
    for n in code.co_names:
        if n in glb:
            scope[n] = glb[n]
    for n, cell in zip(code.co_freevars, getattr(target, "__closure__", None) or ()):
        try:
            scope[n] = cell.cell_contents
        except ValueError:
            pass
    for n, obj in scope.items():
        if isinstance(obj, Tensor):
            names.setdefault(id(obj), n)
        elif hasattr(obj, "named_parameters") and not isinstance(obj, type):
            add_module(f"{n}.", obj)
    return names


def make_placeholders(tracer: Tracer, leaves: list, names: list, grad_policy) -> list:
    """Replace Tensor/TensorSpec leaves by symbolic tensors; ``grad_policy(i, leaf) -> bool``."""
    out = []
    for i, x in enumerate(leaves):
        if isinstance(x, Tensor):
            d = x._data
            dt = _from_np[d.dtype]
            out.append(tracer.placeholder(names[i] if i < len(names) else f"arg{i}", d.shape,
                                          dt, x._device, requires_grad=grad_policy(i, x),
                                          layout=_layout.of_array(d)))
        elif isinstance(x, TensorSpec):
            out.append(tracer.placeholder(names[i] if i < len(names) else f"arg{i}", x.shape,
                                          x.dtype, x.device, requires_grad=grad_policy(i, x)))
        else:
            out.append(x)
    return out


def rng_state():
    """The default generator's state, to notice random numbers drawn while tracing."""
    from graphc.ops.creation import default_generator
    return default_generator._rng.bit_generator.state


def check_rng(before, name: str) -> None:
    if rng_state() != before:
        raise trace_error(f"drawing random numbers while tracing {name}", None,
                          "would freeze them into the compiled graph (a different result "
                          "than eager mode)", "generate them outside and pass them in as "
                          "arguments, or use model.eval() for dropout")
