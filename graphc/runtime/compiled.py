"""One compiled specialization of a function, and the grad_fn its outputs carry.

``CompiledEntry.run`` is the per-call path: read the input arrays, run the generated forward
program, write back in-place mutations, wrap the outputs and, when they require grad, attach one
``CompiledFunctionBackward`` node holding the saved values. The eager engine treats that node like
any other: its vjp runs the generated backward program, frees the saved values unless
``retain_graph``, checks version counters of saved inputs, and under ``create_graph=True``
replays the joint graph through eager ops so the gradient is itself differentiable.
"""
from __future__ import annotations

from graphc.autograd.grad_mode import is_grad_enabled
from graphc.autograd.node import Node, _next_seq
from graphc.errors import AutogradError
from graphc.ir.graph import extract
from graphc.ir.pytree import LEAF, unflatten
from graphc.ops.dispatch import _edges
from graphc.ops.inplace import write_data
from graphc.runtime.executor import Program
from graphc.runtime.interpreter import replay
from graphc.tensor import Tensor

_wrap = Tensor._wrap
_NO_ATTRS: dict = {}
_FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed when "
    "you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling "
    "backward. (in CompiledFunctionBackward)")


class CompiledEntry:
    """Programs and plans for one input signature (see ``graphc.compiler``)."""

    def __init__(self, art, captures: list, n_args: int, out_plan: list, out_spec,
                 mut_targets: list, codegen: bool = True) -> None:
        self.art = art
        self.name = art.traced.name
        self.captures = captures                  # captured tensors, fed each call
        self.capture_meta = [(t._data.shape, t._data.dtype, t._requires_grad,
                              t._data.flags.c_contiguous) for t in captures]
        self.n_args = n_args
        self.out_plan = out_plan                  # per output leaf: ('v', k) | ('s', static)
        self.out_spec = out_spec
        self.single = out_spec is LEAF            # the function returns one tensor
        self.dump_base = art.dump_base
        self.mut_targets = mut_targets            # forward-input positions written back
        self.forward = Program(art.forward, codegen)
        self.backward = Program(art.backward, codegen) if art.backward is not None else None
        n_out, n_mut = art.n_outputs, art.n_mutations
        self.n_out, self.n_mut = n_out, n_mut
        f_inputs = art.forward.inputs
        self._plan_saved_checks(art, set(mut_targets))
        self.grad_outputs = art.grad_outputs
        self.wrt = art.wrt
        # Every forward input is differentiated (the common case): edges need no selection.
        self.wrt_all = list(art.wrt) == list(range(len(f_inputs)))
        self.seed_meta = [(art.traced.outputs[i].shape, art.traced.outputs[i].dtype,
                           art.traced.outputs[i].device) for i in art.grad_outputs]
        self.devices = {v.device for v in f_inputs}
        self.grad_devices = [f_inputs[i].device for i in art.wrt]
        self.grad_graph = None
        self._wplan = self._fast_plan()
        self.node_cls = CompiledFunctionBackward.for_entry(self) if art.backward is not None \
            else None

    def _plan_saved_checks(self, art, mutated: set) -> None:
        """Which tensors' version counters guard the saved values (as PyTorch's saved tensors):
        inputs saved directly or through views, and outputs the forward also saved."""
        self.check_positions, self.check_outputs, self.copy_saved = (), (), []
        if art.joint is None:
            return
        joint = art.joint
        jpos = {v: i for i, v in enumerate(joint.inputs)}
        out_pos: dict = {}
        for i, v in enumerate(joint.outputs[:self.n_out]):
            out_pos.setdefault(v, i)
        ins, outs = set(), set()
        for k, v in enumerate(art.saved):
            root = v
            while True:
                if root in out_pos:
                    outs.add(out_pos[root])
                if root.node is None or not root.node.op.view:
                    break
                root = root.node.inputs[0]
            if root.kind in ("arg", "capture"):
                ins.add(jpos[root])
                if jpos[root] in mutated:   # written back after the forward: keep a copy
                    self.copy_saved.append(k)
        self.check_positions = tuple(sorted(ins))
        self.check_outputs = tuple(sorted(outs))

    # -- guards --------------------------------------------------------------------------------
    def captures_changed(self) -> str | None:
        """Why the captured tensors no longer match the trace (None if they do)."""
        for (shape, dtype, rg, cc), t, v in zip(self.capture_meta, self.captures,
                                            self.art.traced.inputs[self.n_args:]):
            d = t._data
            if d.shape != shape:
                return f"captured tensor %{v.name} shape {shape} -> {d.shape}"
            if d.dtype != dtype:
                return f"captured tensor %{v.name} dtype {dtype} -> {d.dtype}"
            if t._requires_grad != rg:
                return f"captured tensor %{v.name} requires_grad {rg} -> {t._requires_grad}"
            if d.flags.c_contiguous != cc:
                return f"captured tensor %{v.name} contiguous {cc} -> {not cc}"
        return None

    # -- the per-call path ------------------------------------------------------------------
    def run(self, tensors: list):
        inputs = tensors + self.captures if self.captures else tensors
        fn = self.forward_fn
        try:
            outs = fn(*[t._data for t in inputs])
        except Exception as e:
            self._forward_failed(inputs, e)
        if self.n_mut:
            saved = self._write_back(outs, inputs)
        else:
            saved = outs[self.n_out:]
        plan = self._wplan
        if plan is None:
            results = self._wrap_outputs(outs, inputs)
        else:
            results = [_wrap(outs[k], dev) for k, dev in plan]
        node_cls = self.node_cls
        if node_cls is not None:
            node = node_cls(saved, inputs, results)
            nr = 0
            for i in self.grad_outputs:
                t = results[i]
                t.grad_fn, t._output_nr, t._requires_grad = node, nr, True
                nr += 1
        return results

    def forward_fn(self, *arrays):
        """The forward program before its first run (the interpreter runs it and validates
        every node); afterwards ``forward_fn`` is the generated function itself."""
        outs = self.forward(*arrays)
        if self.forward.fn is not None:
            self.forward_fn = self.forward.fn
        return outs

    def _forward_failed(self, inputs, err):
        arrays = [t._data for t in inputs]
        if self.forward.fn is None:  # the interpreter already named the node
            raise err
        self.forward.explain_failure(arrays, err)

    def _write_back(self, outs, inputs):
        n_out = self.n_out
        saved = outs[n_out + self.n_mut:]
        if self.copy_saved:
            saved = list(saved)
            for k in self.copy_saved:
                saved[k] = saved[k].copy()
        for k, p in enumerate(self.mut_targets):
            write_data(inputs[p], outs[n_out + k])
        return saved

    def _fast_plan(self):
        """[(output index, device)] when every output is a distinct, freshly computed value."""
        f_outs = self.art.forward.outputs[:self.n_out]
        if len(set(f_outs)) != len(f_outs) or any(v.kind != "node" for v in f_outs):
            return None
        return [(k, v.device) for k, v in enumerate(f_outs)]

    def _wrap_outputs(self, outs, inputs) -> list:
        f_outs = self.art.forward.outputs
        results = []
        made: dict = {}
        for k in range(self.n_out):
            v = f_outs[k]
            t = made.get(v)
            if t is None:
                if v.kind in ("arg", "capture"):
                    t = inputs[self.art.forward.inputs.index(v)]
                else:
                    arr = outs[k]
                    t = Tensor._wrap(arr.copy() if v.kind == "const" else arr, v.device)
                made[v] = t
            results.append(t)
        return results

    def user_outputs(self, results: list):
        leaves = [results[x] if kind == "v" else x for kind, x in self.out_plan]
        return unflatten(self.out_spec, leaves)

    # -- create_graph ------------------------------------------------------------------------
    def replay_backward(self, inputs: list, seeds: list, saved: list) -> list:
        """Input gradients as eager (differentiable) tensors: replay the joint graph, reading
        the forward's random draws (from ``saved``) instead of drawing new ones."""
        art = self.art
        draws = [k for k, v in enumerate(art.saved) if v.node is not None and v.node.op.random]
        if self.grad_graph is None:
            from graphc.passes import dce
            joint = art.joint
            g, _ = extract(joint, [n for n in joint.nodes if not n.op.random],
                           list(joint.inputs) + [art.saved[k] for k in draws],
                           joint.outputs[len(art.traced.outputs):], f"{joint.name}_grad")
            self.grad_graph = dce.run(g)
        drawn = [_wrap(saved[k], art.saved[k].device) for k in draws]
        return replay(self.grad_graph, list(inputs) + list(seeds) + drawn)


def _stand_in(v) -> Tensor:
    """A zero-memory tensor with a differentiated input's shape/dtype/device (a broadcast
    0-d array): what the engine reads of a node's inputs, static per entry."""
    xp = v.device.xp
    return _wrap(xp.broadcast_to(xp.zeros((), v.dtype), v.shape), v.device)


class CompiledFunctionBackward(Node):
    """The grad_fn of a compiled function's outputs; the engine calls ``vjp`` like any op's.

    Each entry makes a subclass holding the entry and the static metadata, so a call only
    stores the saved arrays, the inputs (for ``create_graph``) and the edges.
    """

    __slots__ = ("_all", "_checks", "_saved")
    saves = ()
    saves_for = None
    saves_out = False
    needs_mask = False
    exact_grads = True  # the backward program yields each input's shape and dtype
    _entry: CompiledEntry = None
    _metas: tuple = ()
    n_outputs = 1

    @classmethod
    def for_entry(cls, entry: CompiledEntry) -> type:
        metas = tuple(_stand_in(entry.art.traced.inputs[i]) for i in entry.wrt)
        return type("CompiledFunctionBackward", (cls,), {
            "__slots__": (), "_entry": entry, "_metas": metas,
            "n_outputs": len(entry.grad_outputs), "__module__": cls.__module__})

    def __init__(self, saved, inputs: list, results: list) -> None:
        entry = self._entry
        self._saved = saved
        self._all = inputs
        # Plain slot writes instead of Node.__init__: this node has no op entry to consult.
        self._seq = _next_seq()
        self.inputs = self._metas
        self.attrs = _NO_ATTRS
        self.next_functions = _edges(inputs if entry.wrt_all else [inputs[i] for i in entry.wrt])
        self._freed = False
        self._pre_hooks = self._post_hooks = self._out = None
        self._versions = _NO_CHECKS
        positions = entry.check_positions
        checks = [(inputs[p], inputs[p]._vbox[0]) for p in positions] if positions else _NO_CHECKS
        if entry.check_outputs:
            checks = list(checks) + [(results[p], results[p]._vbox[0])
                                     for p in entry.check_outputs]
        self._checks = checks

    @property
    def op(self):
        return self

    def name(self) -> str:
        return "CompiledFunctionBackward"

    def saved_inputs(self):
        return self.inputs

    def vjp(self, g, *inputs, out=None):
        if self._freed:
            raise AutogradError(_FREED_MSG)
        for t, version in self._checks:
            if t._vbox[0] != version:
                raise _modified(t, version)
        entry = self._entry
        if is_grad_enabled():  # create_graph=True: a differentiable gradient
            gs = (g,) if self.n_outputs == 1 else g
            seeds = [s if s is not None else _zeros(*m) for s, m in zip(gs, entry.seed_meta)]
            return entry.replay_backward(self._all, seeds, self._saved)
        if self.n_outputs == 1:
            arrays = (_seed_array(g, entry.seed_meta[0]),)
        else:
            arrays = [_seed_array(s, meta) for s, meta in zip(g, entry.seed_meta)]
        prog = entry.backward
        fn = prog.fn
        if fn is None:
            res = prog(*self._saved, *arrays)
        else:
            try:
                res = fn(*self._saved, *arrays)
            except Exception as e:
                prog.explain_failure(list(self._saved) + list(arrays), e)
        return [None if r is None else _wrap(r, dev) for r, dev in zip(res, entry.grad_devices)]

    def release(self) -> None:
        if not self._freed:
            self._freed = True
            self._saved = None
            self._all = None
            self._checks = ()


_NO_CHECKS: tuple = ()


def _modified(t: Tensor, expected: int) -> AutogradError:
    """PyTorch's error for a saved input changed in place before backward."""
    legacy = {"float32": "Float", "float64": "Double", "float16": "Half"}.get(t.dtype.name, "")
    which = f", which is output {t._output_nr} of {t.grad_fn.name()}," if t.grad_fn else ""
    return AutogradError(
        f"one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [graphc.{legacy}Tensor {list(t.shape)}]{which} is at version "
        f"{t._vbox[0]}; expected version {expected} instead. Hint: the variable was saved by "
        f"CompiledFunctionBackward; clone() it before modifying it in place.")


def _seed_array(s, meta):
    """The array a seed gradient feeds the backward program: zeros for a missing one, cast to
    the output's dtype."""
    shape, dtype, dev = meta
    if s is None:
        return dev.xp.zeros(shape, dtype)
    a = s._data
    return a if a.dtype == dtype else a.astype(dtype)


def _zeros(shape, dtype, dev) -> Tensor:
    return Tensor._wrap(dev.xp.zeros(shape, dtype), dev)
