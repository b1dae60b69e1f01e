"""grad_fn nodes of the eager backward graph.

Each differentiable op gets its own ``Node`` subclass named as PyTorch names it
(``AddBackward0``), so ``y.grad_fn`` prints and behaves like PyTorch's. A node keeps the op's
inputs and attrs; which of them count as *saved* (version-checked, and an error to use after the
graph was freed) comes from the op's registry entry.
"""
from __future__ import annotations

import itertools
import re
import weakref

from graphc.dtypes import _FROM_NP

from graphc.errors import AutogradError


class RemovableHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    __slots__ = ("_hooks", "_key")
    _next = 0

    def __init__(self, hooks: dict) -> None:
        RemovableHandle._next += 1
        self._hooks, self._key = hooks, RemovableHandle._next

    def remove(self) -> None:
        self._hooks.pop(self._key, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


class _Freed:
    """Stands in for an input after the graph is freed: keeps what the driver and the rules
    need (shape, dtype, device) without holding the array."""

    __slots__ = ("shape", "dtype", "np_dtype", "ndim", "device")

    def __init__(self, t) -> None:
        data = t._data
        self.shape, self.np_dtype, self.ndim, self.device = data.shape, data.dtype, data.ndim, \
            t._device
        self.dtype = _FROM_NP[data.dtype]


_FREED = _Freed
_NO_VERSIONS: list = []
_next_seq = itertools.count().__next__


class Node:
    """A recorded op application; ``next_functions`` point at the inputs' grad_fns."""

    __slots__ = ("inputs", "attrs", "next_functions", "_out", "_versions", "_freed",
                 "_pre_hooks", "_post_hooks", "_seq", "metadata", "__weakref__")
    op = None

    def __init__(self, inputs: tuple, attrs: dict, next_functions: tuple, out) -> None:
        # Creation order: a node is always created after the nodes it depends on, so backward
        # can run nodes in decreasing sequence number (PyTorch's sequence_nr).
        self._seq = _next_seq()
        self.inputs = inputs
        self.attrs = attrs
        self.next_functions = next_functions
        self._freed = False
        self._pre_hooks = None
        self._post_hooks = None
        op = self.op
        saves = op.saves
        if saves:
            # Inputs not actually saved (Python scalars; inputs only needed for the gradient of
            # an input that does not require grad) get version -1 and are never checked.
            saves_for = op.saves_for
            versions = []
            for i in saves:
                vbox = getattr(inputs[i], "_vbox", None)
                if vbox is None:
                    versions.append(-1)
                    continue
                if saves_for is not None:
                    deps = saves_for.get(i)
                    if deps is not None:
                        for j in deps:
                            if next_functions[j][0] is not None:
                                break
                        else:  # nobody that reads it needs a gradient
                            versions.append(-1)
                            continue
                versions.append(vbox[0])
            self._versions = versions
        else:
            self._versions = _NO_VERSIONS
        if op.saves_out:
            # Kept as (array, version box, device) and rebuilt on demand, so that the node and
            # its output tensor do not form a reference cycle.
            self._out = (out._data, out._vbox, out._device)
            self._versions = list(self._versions) + [out._vbox[0]]
        else:
            self._out = None

    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    # -- hooks -------------------------------------------------------------------------------
    def register_prehook(self, fn) -> RemovableHandle:
        """``fn(grad_outputs) -> grad_outputs | None`` before the node runs."""
        if self._pre_hooks is None:
            self._pre_hooks = {}
        h = RemovableHandle(self._pre_hooks)
        self._pre_hooks[h._key] = (None, fn)
        return h

    def register_hook(self, fn) -> RemovableHandle:
        """``fn(grad_inputs, grad_outputs) -> grad_inputs | None`` after the node runs."""
        if self._post_hooks is None:
            self._post_hooks = {}
        h = RemovableHandle(self._post_hooks)
        self._post_hooks[h._key] = fn
        return h

    def _tensor_hook(self, output_nr: int, fn) -> RemovableHandle:
        """A tensor hook: runs on the gradient of one output before the node uses it."""
        if self._pre_hooks is None:
            self._pre_hooks = {}
        h = RemovableHandle(self._pre_hooks)
        self._pre_hooks[h._key] = (output_nr, fn)
        return h

    # -- saved tensors -----------------------------------------------------------------------
    def saved_inputs(self) -> tuple:
        """The inputs with their versions checked, raising PyTorch's errors when misused."""
        if self._freed and (self.op.saves or self.op.saves_out):
            raise AutogradError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or "
                f"if you need to access saved tensors after calling backward. (in {self.name()})")
        for k, i in enumerate(self.op.saves):
            t = self.inputs[i]
            if self._versions[k] >= 0 and t._vbox[0] != self._versions[k]:
                # named by its history now (the in-place op's node), as PyTorch does
                edge = (t.grad_fn, t._output_nr) if t.grad_fn is not None else \
                    self.next_functions[i]
                _raise_modified(self, t, edge, t._vbox[0], self._versions[k])
        return self.inputs

    def saved_output(self):
        """Rebuild the saved output tensor, connected to this node (for higher-order grads)."""
        from graphc.tensor import Tensor
        data, vbox, dev = self._out
        if vbox[0] != self._versions[-1]:
            _raise_modified(self, Tensor._wrap(data, dev), (self, 0), vbox[0], self._versions[-1])
        t = Tensor._wrap(data, dev)
        t._vbox = vbox
        t.grad_fn = self
        t._requires_grad = True
        return t

    def release(self) -> None:
        """Free saved values after a backward without retain_graph; keep shapes for the driver."""
        if not self._freed:
            self._freed = True
            # Intermediate tensors are dropped (their memory is what freeing is for); leaves
            # stay, the caller holds them anyway.
            self.inputs = tuple([_Freed(t) if t.__class__ is not _FREED and hasattr(t, "_vbox")
                                 and (t.grad_fn is not None or not t._requires_grad) else t
                                 for t in self.inputs])
            self._out = None


def _raise_modified(node, t, producer_edge, version, expected) -> None:
    """PyTorch's message, naming the saved tensor by the node that produced it."""
    legacy = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
              "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
    producer, nr = producer_edge
    which = ""
    if producer is not None and not isinstance(producer, AccumulateGrad):
        # PyTorch names the op, not its node: "output 0 of Sigmoid" for SigmoidBackward0.
        op_name = re.sub(r"Backward\d*$", "", producer.name())
        which = f", which is output {nr} of {op_name},"
    raise AutogradError(
        f"one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [graphc.{legacy[t.dtype.name]}Tensor {list(t.shape)}]{which} is at version "
        f"{version}; expected version {expected} instead. Hint: the variable was saved by "
        f"{node.name()}; clone() it before modifying it in place.")


def make_node_class(op) -> type:
    """The grad_fn class of an op: a Node subclass with PyTorch's name."""
    return type(op.grad_name, (Node,), {"__slots__": (), "op": op})


class AccumulateGrad:
    """The sink of a leaf tensor: adds incoming gradients into ``.grad``."""

    __slots__ = ("_leaf", "_pre_hooks", "_post_hooks", "_acc_hooks", "metadata", "__weakref__")
    next_functions = ()
    op = None
    _seq = -1  # sinks run after every node that can still send them a gradient

    def __init__(self, leaf) -> None:
        self._leaf = weakref.ref(leaf)
        self._pre_hooks = None
        self._post_hooks = None
        # ``hook(leaf)`` after the pass's whole gradient reached ``leaf.grad``
        # (``register_post_accumulate_grad_hook``); a sink with any takes its gradient once,
        # summed, never contribution by contribution.
        self._acc_hooks = None

    def register_post_accumulate_hook(self, fn) -> RemovableHandle:
        if self._acc_hooks is None:
            self._acc_hooks = {}
        h = RemovableHandle(self._acc_hooks)
        self._acc_hooks[h._key] = fn
        return h

    @property
    def variable(self):
        return self._leaf()

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {hex(id(self))}>"

    register_prehook = Node.register_prehook
    register_hook = Node.register_hook
    _tensor_hook = Node._tensor_hook
