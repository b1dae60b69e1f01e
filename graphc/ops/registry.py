"""The op registry: every op graphc knows is one ``OpDef`` here, defined once in its family module.

An entry holds everything both execution modes need, so that eager mode, the tracer, the autodiff
pass and the runtime can never disagree about an op:

* ``infer(*inputs, **attrs)``: output ``(shape, dtype)`` (or a tuple of them) from the inputs'
  shapes/dtypes; raises ``ShapeError`` naming the op. Inputs are tensors (concrete or symbolic)
  or Python scalars.
* ``impl(xp, *arrays, **attrs)``: the kernel, written once against the NumPy API so ``xp`` may be
  ``numpy`` or ``cupy``.
* ``vjp(g, *inputs, out=..., **attrs)``: the gradient rule written with graphc ops, returning one
  entry per input (``None`` for no gradient). It runs on concrete tensors (eager backward,
  ``create_graph``) and on symbolic ones (the autodiff pass). The autodiff drivers own the generic
  work: summing fan-in, reducing broadcast gradients back to the input shape, casting to the
  input dtype.
* ``expr(*symbols, **attrs)``: elementwise ops only, a SymPy expression used by fusion/codegen.
* ``saves``: which inputs (indices) and whether the output the vjp reads; the eager engine
  checks their version counters and frees them after backward, like PyTorch's saved tensors.
* ``saves_for``: ``{saved input: (inputs whose gradient reads it)}``; an input is then saved
  (and version-checked) only when one of those requires grad, as PyTorch does (``y * w`` saves
  ``y`` only when ``w`` needs a gradient).
* ``promote``: how elementwise inputs are cast before the kernel runs (PyTorch's rules):
  ``"same"`` to the common dtype, ``"float"`` also int -> default float, ``"compare"`` to the
  common dtype with a bool result, ``None`` leaves dtypes to the op.
* ``promote_skip``: leading inputs left out of promotion (``where``'s condition).
* ``view``: the (first) output aliases input 0's storage and version counter.
* ``needs_mask``: the vjp takes ``needs=(bool, …)`` saying which inputs want a gradient, so
  costly rules (matmul, conv) skip work nobody asked for.
* ``exact_grads``: the vjp already returns gradients in each input's shape and dtype, so the
  driver skips its un-broadcasting checks (compiled backward programs do).
* ``moves_device``: the output lives on ``attrs['device']`` (``to``), not on the inputs' device.
* ``random``: the kernel draws from a random generator, so two runs differ. A compiled forward
  hands its draws to anything that replays the graph (``create_graph``), which must see the same
  numbers rather than draw new ones.
* ``n_outputs``: ops with several outputs (``max(dim)`` -> values, indices) return a tuple;
  the vjp then receives a list of output gradients (``None`` where none flowed).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from graphc.errors import GraphcError

NONDIFF = "nondifferentiable"  # vjp marker: the op has no gradient by definition (argmax, ==, …)


@dataclass(eq=False)
class OpDef:
    name: str
    infer: Callable[..., Any]
    impl: Callable[..., Any]
    vjp: Callable[..., Any] | str | None = None
    grad_name: str | None = None
    expr: Callable[..., Any] | None = None
    saves: tuple = ()
    saves_for: dict | None = None
    saves_out: bool = False
    promote: str | None = None
    promote_skip: int = 0
    view: bool = False
    n_outputs: int = 1
    needs_mask: bool = False
    moves_device: bool = False
    exact_grads: bool = False
    random: bool = False
    doc: str = ""
    node_cls: type | None = field(default=None, repr=False)

    @property
    def differentiable(self) -> bool:
        return callable(self.vjp)

    def __repr__(self) -> str:
        return f"<op {self.name}>"


REGISTRY: dict[str, OpDef] = {}


def register(op: OpDef) -> OpDef:
    """Add an op to the registry; its grad_fn class is made here, named as PyTorch names it."""
    if op.name in REGISTRY:
        raise GraphcError(f"op {op.name!r} is registered twice")
    if op.vjp is None:
        raise GraphcError(f"op {op.name!r} needs a vjp rule or vjp=NONDIFF")
    if op.grad_name is None:
        op.grad_name = "".join(p.capitalize() for p in op.name.split("_")) + "Backward0"
    if op.differentiable:
        from graphc.autograd.node import make_node_class
        op.node_cls = make_node_class(op)
    REGISTRY[op.name] = op
    return op


def get(name: str) -> OpDef:
    try:
        return REGISTRY[name]
    except KeyError:
        raise GraphcError(f"unknown op {name!r}") from None
