"""Functional transforms: ``grad``, ``value_and_grad``, ``vjp`` (JAX-style), built on autodiff.

Each transform has one implementation that runs under an active tracer: it traces the user's
function into a fresh sub-graph (fresh placeholders, so an inner and an outer differentiation
never confuse their variables), appends the backward with the autodiff pass, and replays the
result into the enclosing trace. Called eagerly, the transform is that same function compiled
with ``graphc.compile`` — so ``grad(grad(f))``, ``compile(grad(f))`` and ``grad`` inside a
compiled function all compose, and every level is ordinary graph ops.
"""
from __future__ import annotations

import functools

from graphc.autograd.grad_mode import enable_grad
from graphc.errors import DTypeError, GraphcValueError, ShapeError
from graphc.ir.graph import Graph
from graphc.ir.pytree import flatten, unflatten
from graphc.ir.tracer import (
    Tracer,
    capture_names,
    check_rng,
    leaf_names,
    make_placeholders,
    rng_state,
)
from graphc.ops.dispatch import active_tracer
from graphc.passes import autodiff
from graphc.runtime.interpreter import replay
from graphc.tensor import Tensor


def _name(fn) -> str:
    return (getattr(fn, "__name__", None) or type(fn).__name__).strip("<>") or "f"


class _Sub:
    """A sub-trace of ``fn``: tensor leaves become placeholders that require grad when they are
    differentiated here (``diff``) or already require grad in the enclosing trace."""

    def __init__(self, fn, name: str, leaves: list, names: list, diff: set,
                 extra_seeds=()) -> None:
        self.graph = Graph(name)
        self.tracer = Tracer(self.graph)
        self.tracer.names = capture_names(fn)
        self.leaves = leaves
        self.phs = make_placeholders(self.tracer, leaves, names, lambda i, x: i in diff or (
            x.dtype.is_floating_point and bool(x.requires_grad)))
        self.tensor_idx = [i for i, x in enumerate(leaves) if isinstance(x, Tensor)]
        self.seeds = [self.graph.add_input(f"ct{k}", t.shape, t.dtype, t.device, kind="seed",
                                           requires_grad=t.dtype.is_floating_point)
                      for k, t in enumerate(extra_seeds)]

    def run(self, fn, spec):
        a, kw = unflatten(spec, self.phs)
        before = rng_state()
        with self.tracer.active(), enable_grad():
            out = fn(*a, **kw)
        check_rng(before, self.graph.name)
        return out

    def finish(self, outputs: list, seed_tensors=()) -> list:
        """Set the outputs, fold constants, replay into the enclosing trace."""
        self.graph.outputs = outputs
        self.tracer.fold_constants()
        inputs = [self.leaves[i] for i in self.tensor_idx] + list(seed_tensors) + \
            [t for t, _ in self.tracer.captures()]
        return replay(self.graph, inputs)


def _argnum_leaves(args: tuple, argnums) -> tuple:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for n in nums:
        if not isinstance(n, int) or not -len(args) <= n < len(args):
            raise GraphcValueError(f"grad: argnums {argnums!r} out of range for "
                                   f"{len(args)} positional arguments")
    nums = tuple(n % len(args) for n in nums)
    start, ranges = 0, []
    for a in args:
        n = len(flatten(a)[0])
        ranges.append((start, start + n))
        start += n
    return nums, ranges


def grad_inline(fn, argnums, has_aux: bool, with_value: bool, args: tuple, kwargs: dict):
    """The transform under an active tracer (see the module docstring)."""
    name = f"grad_{_name(fn)}"
    leaves, spec = flatten((tuple(args), dict(kwargs)))
    nums, ranges = _argnum_leaves(args, argnums)
    wrt_leaves = [i for n in nums for i in range(*ranges[n])]
    for i in wrt_leaves:
        x = leaves[i]
        if not isinstance(x, Tensor) or not x.dtype.is_floating_point:
            raise DTypeError(f"grad requires floating point tensor inputs for argnums "
                             f"{argnums!r}, but argument leaf {i} is "
                             f"{x.dtype if isinstance(x, Tensor) else type(x).__name__}")
    sub = _Sub(fn, name, leaves, leaf_names(fn, args, kwargs), set(wrt_leaves))
    out = sub.run(fn, spec)
    aux = None
    if has_aux:
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise GraphcValueError("grad(has_aux=True): the function must return a pair "
                                   "(output, aux)")
        out, aux = out
    if not isinstance(out, Tensor) or out.ndim != 0 or not out.dtype.is_floating_point:
        shape = list(out.shape) if isinstance(out, Tensor) else type(out).__name__
        raise ShapeError(f"grad requires {name[5:]} to return a floating point scalar (0-d) "
                         f"tensor, got {shape}; use vjp for non-scalar outputs")
    tracer = sub.tracer
    out_v = tracer.value_of(out)
    aux_leaves, aux_spec = flatten(aux)
    aux_plan = [("v", tracer.value_of(x)) if isinstance(x, Tensor) else ("s", x)
                for x in aux_leaves]
    del out, aux, aux_leaves
    pos = {i: k for k, i in enumerate(sub.tensor_idx)}
    wrt = [sub.graph.inputs[pos[i]] for i in wrt_leaves]
    grads = autodiff.backward(sub.graph, [out_v], [None], wrt)
    aux_vals = [v for kind, v in aux_plan if kind == "v"]
    res = sub.finish(grads + [out_v] + aux_vals)
    g_list = [res[k] if res[k] is not None else _zeros_like(leaves[i])
              for k, i in enumerate(wrt_leaves)]
    it = iter(g_list)
    per_arg = [unflatten(flatten(args[n])[1], [next(it) for _ in range(*ranges[n])])
               for n in nums]
    grads_out = per_arg[0] if isinstance(argnums, int) else tuple(per_arg)
    if not has_aux and not with_value:
        return grads_out
    value = res[len(grads)]
    rest = iter(res[len(grads) + 1:])
    aux_out = unflatten(aux_spec, [next(rest) if kind == "v" else v for kind, v in aux_plan])
    if not with_value:
        return grads_out, aux_out
    return ((value, aux_out) if has_aux else value), grads_out


def _zeros_like(x: Tensor) -> Tensor:
    from graphc.ops.creation import zeros
    return zeros(tuple(x.shape), dtype=x.dtype, device=x.device)


class GradTransform:
    """``graphc.grad(f)`` / ``value_and_grad(f)``: inlines under a trace, compiled otherwise."""

    def __init__(self, fn, argnums, has_aux: bool, with_value: bool) -> None:
        self.fn, self.argnums, self.has_aux, self.with_value = fn, argnums, has_aux, with_value
        functools.update_wrapper(self, fn, updated=())
        kind = "value_and_grad" if with_value else "grad"
        self.__name__ = f"{kind}_{_name(fn)}"
        self._compiled = None

    def _inline(self, *args, **kwargs):
        return grad_inline(self.fn, self.argnums, self.has_aux, self.with_value, args, kwargs)

    def __call__(self, *args, **kwargs):
        if active_tracer.get() is not None:
            return self._inline(*args, **kwargs)
        if self._compiled is None:
            from graphc.compiler import CompiledFunction
            self._compiled = CompiledFunction(self._inline, name=self.__name__)
        return self._compiled(*args, **kwargs)

    def cache_info(self):
        return self._compiled.cache_info() if self._compiled is not None else None


# -- vjp ---------------------------------------------------------------------------------------
def vjp_inline(fn, primals: tuple, cts: tuple, has_aux: bool) -> tuple:
    """d fn(*primals) / d primals contracted with the cotangents ``cts`` (under a trace)."""
    name = f"vjp_{_name(fn)}"
    leaves, spec = flatten((tuple(primals), {}))
    ct_leaves, ct_spec = flatten(cts)
    if not all(isinstance(c, Tensor) for c in ct_leaves):
        raise GraphcValueError(f"{name}: cotangents must be tensors")
    diff = {i for i, x in enumerate(leaves) if isinstance(x, Tensor)
            and x.dtype.is_floating_point}
    sub = _Sub(fn, name, leaves, leaf_names(fn, primals, {}), diff, ct_leaves)
    out = sub.run(fn, spec)
    if has_aux:
        out = out[0]
    out_leaves, out_spec = flatten(out)
    if out_spec != ct_spec or any(tuple(o.shape) != tuple(c.shape)
                                  for o, c in zip(out_leaves, ct_leaves)):
        raise ShapeError(f"{name}: cotangents {[list(c.shape) for c in ct_leaves]} do not match "
                         f"the outputs {[list(o.shape) for o in out_leaves]}")
    outs = [sub.tracer.value_of(o) for o in out_leaves]
    del out, out_leaves
    wrt = sub.graph.inputs[:len(sub.tensor_idx)]
    grads = autodiff.backward(sub.graph, outs, sub.seeds, wrt)
    res = sub.finish(grads, ct_leaves)
    g = iter(res[k] if res[k] is not None else _zeros_like(leaves[i])
             for k, i in enumerate(sub.tensor_idx))
    flat = [next(g) if isinstance(x, Tensor) else None for x in leaves]
    return tuple(unflatten(spec, flat)[0])


def vjp(fn, primals: tuple, has_aux: bool):
    """``(out, vjp_fn)``: out = fn(*primals); ``vjp_fn(*cotangents)`` -> one grad per primal."""
    if active_tracer.get() is not None:
        out = fn(*primals)

        def vjp_fn(*cts):
            return vjp_inline(fn, primals, cts if len(cts) != 1 else cts[0], has_aux)
    else:
        from graphc.compiler import CompiledFunction
        out = CompiledFunction(fn, name=_name(fn))(*primals)
        joint = CompiledFunction(lambda p, c: vjp_inline(fn, p, c, has_aux),
                                 name=f"vjp_{_name(fn)}")

        def vjp_fn(*cts):
            return joint(tuple(primals), cts if len(cts) != 1 else cts[0])
    if has_aux:
        return out[0], vjp_fn, out[1]
    return out, vjp_fn
