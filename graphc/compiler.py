"""Define-then-run API: ``trace``, ``compile``, ``grad``, ``value_and_grad``, ``vjp``, ``explain``.

``compile`` traces the function on the first call per input signature (shapes, dtypes, devices,
requires_grad, grad mode, values of non-tensor arguments), derives the backward symbolically,
generates forward and backward programs and caches them in a bounded LRU cache. Each recompile
is logged on the ``graphc.compile`` logger with its reason, and ``cache_info()`` reports hits,
misses and reasons as data. Called while another trace is active (``compile`` inside
``compile``, or inside ``grad``), a compiled function simply inlines into that trace.
"""
from __future__ import annotations

import functools
import logging
from collections import OrderedDict, namedtuple

from graphc import dtypes as _dt
from graphc.autograd.grad_mode import is_grad_enabled
from graphc.device import CPU as _CPU
from graphc.ir.graph import Graph, TensorSpec
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
from graphc.passes import pipeline
from graphc.runtime.backends import resolve
from graphc.runtime.compiled import CompiledEntry
from graphc.tensor import Tensor, _sync_view

logger = logging.getLogger("graphc.compile")
CacheInfo = namedtuple("CacheInfo", ["hits", "misses", "maxsize", "currsize", "reasons"])
_tracer_get = active_tracer.get
DEFAULT_CACHE_SIZE = 8


def _name_of(fn) -> str:
    name = getattr(fn, "__name__", None) or type(fn).__name__
    return name.strip("<>") or "f"


def _is_module(obj) -> bool:
    return hasattr(obj, "named_parameters") and hasattr(obj, "forward") and callable(obj)


# -- tracing -----------------------------------------------------------------------------------
class Traced:
    """The result of tracing one call: the graph and how to map results back."""

    def __init__(self, tracer, graph, out_plan, out_spec, n_out, mut_positions) -> None:
        self.tracer, self.graph = tracer, graph
        self.out_plan, self.out_spec, self.n_out = out_plan, out_spec, n_out
        self.mut_positions = mut_positions


def trace_call(fn, name: str, args: tuple, kwargs: dict, grad_policy, *, module=None,
               sig_fn=None) -> Traced:
    """Trace ``fn(*args, **kwargs)`` with tensor leaves as placeholders."""
    leaves, spec = flatten((tuple(args), dict(kwargs)))
    graph = Graph(name)
    tracer = Tracer(graph)
    tracer.names = capture_names(fn, module)
    names = leaf_names(sig_fn or fn, args, kwargs)
    phs = make_placeholders(tracer, leaves, names, grad_policy)
    a, kw = unflatten(spec, phs)
    del phs
    before = rng_state()
    with tracer.active():
        out = fn(*a, **kw)
    del a, kw
    check_rng(before, name)
    out_plan, outs, out_spec = _outputs(tracer, out)
    del out
    tracer.fold_constants()
    muts = tracer.mutations()
    graph.outputs = outs + [v for _, v in muts]
    return Traced(tracer, graph, out_plan, out_spec, len(outs), _mutation_positions(tracer, muts))


def _outputs(tracer, out) -> tuple:
    leaves, spec = flatten(out)
    plan, vals = [], []
    for x in leaves:
        if isinstance(x, Tensor):
            plan.append(("v", len(vals)))
            vals.append(tracer.value_of(x))
        else:
            plan.append(("s", x))
    return plan, vals, spec


def _mutation_positions(tracer, muts) -> list:
    pos = {id(t): i for i, (t, _) in enumerate(tracer.placeholders)}
    n = len(tracer.placeholders)
    for k, (t, _) in enumerate(tracer.captures()):
        pos[id(t)] = n + k
    return [pos[id(t)] for t, _ in muts]


def trace(fn, *args, **kwargs) -> Graph:
    """Trace ``fn`` on example arguments (Tensors or ``TensorSpec``s) and return its graph.

    ``graphc.trace(matrix)`` with a tensor is PyTorch's ``torch.trace`` (sum of the diagonal):
    a tensor is never a function to trace, so the two meanings cannot collide.
    """
    if isinstance(fn, Tensor):
        from graphc.ops.matrix import trace as matrix_trace
        return matrix_trace(fn, *args, **kwargs)
    grad_on = is_grad_enabled()
    module = fn if _is_module(fn) else None
    tr = trace_call(fn, _name_of(type(fn) if module is not None else fn), args, kwargs,
                    lambda i, x: grad_on and bool(x.requires_grad), module=module,
                    sig_fn=getattr(fn, "forward", fn) if module is not None else fn)
    return tr.graph


# -- compile -----------------------------------------------------------------------------------
class CompiledFunction:
    """A function (or ``nn.Module``) compiled per input signature; call it like the original."""

    def __init__(self, fn, *, backend=None, dump=None, name=None, maxsize=DEFAULT_CACHE_SIZE):
        self._fn = fn
        self._module = fn if _is_module(fn) else None
        self._sig_fn = getattr(fn, "forward", fn) if self._module is not None else fn
        self.__name__ = name or _name_of(type(fn) if self._module is not None else fn)
        self.__doc__ = getattr(fn, "__doc__", None)
        self.__wrapped__ = fn
        self._backend = backend
        self._dump = dump
        self._maxsize = maxsize
        self._cache: OrderedDict = OrderedDict()
        self._last_key = None
        self._last_entry = None
        self._hits = 0
        self._misses = 0
        self._reasons: list = []

    def __getattr__(self, name):
        # A compiled module still answers parameters(), train(), eval(), state_dict() …
        module = self.__dict__.get("_module")
        if module is not None:
            return getattr(module, name)
        raise AttributeError(f"'CompiledFunction' object has no attribute {name!r}")

    def __repr__(self) -> str:
        return f"<compiled {self.__name__}: {len(self._cache)} cached>"

    # -- the call path ---------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if _tracer_get() is not None:
            return self._fn(*args, **kwargs)
        key, tensors = self._signature(args, kwargs)
        entry = self._cache.get(key)
        why = None
        if entry is not None and entry.captures:
            why = entry.captures_changed()
            if why is not None:
                entry = None
        if entry is None:
            entry = self._miss(key, args, kwargs, why)
            results = entry.run(tensors)
            self._dump_code(entry)
        else:
            self._hits += 1
            if entry is not self._last_entry:
                self._cache.move_to_end(key)
                self._last_key, self._last_entry = key, entry
            results = entry.run(tensors)
        if entry.single:
            return results[0]
        return entry.user_outputs(results)

    def _signature(self, args, kwargs) -> tuple:
        gm = is_grad_enabled()
        training = getattr(self._module, "training", None)
        if not kwargs:
            sig = []
            for a in args:
                if not isinstance(a, Tensor):
                    break
                if a._base is not None and a._vbox[1] != a._hv:
                    _sync_view(a)  # a view whose base was since modified in place
                d = a._data
                dev = a._device
                sig.append((d.shape, d.dtype, None if dev is _CPU else dev, a._requires_grad,
                            d.flags.c_contiguous))
            else:
                return (gm, _dt._default_float, training, None, tuple(sig)), list(args)
        leaves, spec = flatten((tuple(args), dict(kwargs)))
        sig = tuple(_leaf_sig(x) for x in leaves)
        return (gm, _dt._default_float, training, spec, sig), \
            [x for x in leaves if isinstance(x, Tensor)]

    def _miss(self, key, args, kwargs, why: str | None) -> CompiledEntry:
        self._misses += 1
        reason = why or _reason(self._last_key, key)
        if len(self._cache) >= self._maxsize and key not in self._cache:
            self._cache.popitem(last=False)
            reason += f" (cache full at {self._maxsize} entries: evicted the oldest)"
        self._reasons.append(reason)
        if self._last_key is None and why is None:
            logger.debug("compiling %s: %s", self.__name__, reason)
        else:
            logger.info("recompiling %s: %s", self.__name__, reason)
        entry = build_entry(self._fn, self.__name__, args, kwargs, backend=self._backend,
                            dump=self._dump, module=self._module, sig_fn=self._sig_fn)
        self._cache[key] = entry
        self._cache.move_to_end(key)
        self._last_key, self._last_entry = key, entry
        return entry

    def _dump_code(self, entry) -> None:
        """With dumping on, the generated code joins the IR files (known after the 1st run)."""
        if entry.dump_base is None:
            return
        for stage, prog in (("forward", entry.forward), ("backward", entry.backward)):
            if prog is not None:
                with open(f"{entry.dump_base}.{stage}.py", "w") as f:
                    f.write(prog.source())

    # -- introspection ---------------------------------------------------------------------
    def cache_info(self) -> CacheInfo:
        """Hits, misses, the cache bound and size, and each miss's reason (oldest first)."""
        return CacheInfo(self._hits, self._misses, self._maxsize, len(self._cache),
                         tuple(self._reasons))

    def cache_clear(self) -> None:
        self._cache.clear()
        self._last_key = self._last_entry = None

    def _latest(self) -> CompiledEntry:
        if self._last_key is None or self._last_key not in self._cache:
            from graphc.errors import CompileError
            raise CompileError(f"{self.__name__} has not been compiled yet: call it first")
        return self._cache[self._last_key]

    @property
    def graph(self) -> Graph:
        """The traced graph of the most recent specialization."""
        return self._latest().art.traced

    @property
    def artifacts(self):
        return self._latest().art

    @property
    def code(self) -> str:
        """The generated source of the most recent specialization (forward, then backward)."""
        e = self._latest()
        src = e.forward.source()
        if e.backward is not None:
            src += "\n" + e.backward.source()
        return src


class _C_FLAGS:
    c_contiguous = True


def _leaf_sig(x):
    if isinstance(x, Tensor):
        d = x._data
        return (d.shape, d.dtype, None if x._device is _CPU else x._device, x.requires_grad,
                getattr(d, "flags", _C_FLAGS).c_contiguous)
    try:
        hash(x)
    except TypeError:
        return ("id", id(x))
    return ("s", type(x), x)


def _reason(old, new) -> str:
    if old is None:
        return "first call"
    if old[0] != new[0]:
        return f"grad mode {'enabled' if old[0] else 'disabled'} -> " \
               f"{'enabled' if new[0] else 'disabled'}"
    if old[1] is not new[1]:
        return f"default dtype {old[1].name} -> {new[1].name}"
    if old[2] != new[2]:
        return f"module training {old[2]} -> {new[2]}"
    if old[3] != new[3] or len(old[4]) != len(new[4]):
        return f"argument structure changed ({len(old[4])} -> {len(new[4])} leaves)"
    for i, (a, b) in enumerate(zip(old[4], new[4])):
        if a == b:
            continue
        ta, tb = len(a) == 5, len(b) == 5
        if ta and tb:
            for label, x, y in (("shape", a[0], b[0]), ("dtype", a[1], b[1]),
                                ("device", a[2] or "cpu", b[2] or "cpu"),
                                ("requires_grad", a[3], b[3]), ("contiguous", a[4], b[4])):
                if x != y:
                    return f"arg {i} {label} {x} -> {y}"
        if ta != tb:
            return f"arg {i} changed from {'a tensor' if ta else 'a static value'} to " \
                   f"{'a tensor' if tb else 'a static value'}"
        if a[0] == "s" and b[0] == "s":
            return f"arg {i} value {a[2]!r} -> {b[2]!r}"
        return f"arg {i} changed (a different object)"
    return "signature changed"


def build_entry(fn, name: str, args, kwargs, *, backend=None, dump=None, module=None,
                sig_fn=None, grad_policy=None) -> CompiledEntry:
    """Trace, run the pass pipeline, and make the programs for one signature."""
    grad_on = is_grad_enabled()
    policy = grad_policy or (lambda i, x: grad_on and bool(x.requires_grad))
    tr = trace_call(fn, name, args, kwargs, policy, module=module, sig_fn=sig_fn)
    g = tr.graph
    grad_outputs, seen = [], set()
    if grad_on:
        for k, v in enumerate(g.outputs[:tr.n_out]):
            if v.requires_grad and v.kind == "node" and v not in seen:
                seen.add(v)
                grad_outputs.append(k)
    wrt = [i for i, v in enumerate(g.inputs) if v.requires_grad]
    be = resolve(backend, {v.device for v in g.inputs})
    art = pipeline.build(g, tr.n_out, grad_outputs, wrt, dump=dump)
    captures = [t for t, _ in tr.tracer.captures()]
    entry = CompiledEntry(art, captures, len(tr.tracer.placeholders), tr.out_plan, tr.out_spec,
                          tr.mut_positions, codegen=be.codegen)
    return entry


def compile(fn=None, *, backend=None, dump=None, **options):
    """``graphc.compile(f)`` / ``@graphc.compile`` / ``graphc.compile(model)``.

    ``backend``: None (by device: numpy or cupy), "numpy", "cupy" or "interpreter" (run the
    reference interpreter, for debugging). ``dump``: a directory to write the IR and generated
    code of every compiled graph to (like ``GRAPHC_DUMP``). PyTorch's other options (``mode``,
    ``fullgraph``, ``dynamic``) are accepted and ignored; ``cache_size`` bounds the cache.
    """
    maxsize = options.pop("cache_size", DEFAULT_CACHE_SIZE)
    options.pop("mode", None), options.pop("fullgraph", None), options.pop("dynamic", None)
    options.pop("options", None), options.pop("disable", None)
    if options:
        from graphc.errors import ArgumentError
        raise ArgumentError(f"compile() got unexpected keyword arguments {sorted(options)}")
    if fn is None:
        return functools.partial(compile, backend=backend, dump=dump, cache_size=maxsize)
    if isinstance(fn, CompiledFunction):
        return fn
    resolve(backend, ())
    return CompiledFunction(fn, backend=backend, dump=dump, maxsize=maxsize)


# -- functional transforms and explain (implemented in graphc.runtime) -------------------------
def grad(fn, argnums=0, has_aux: bool = False):
    """JAX-style ``grad``: a function returning d fn / d args[argnums] (fn returns a scalar)."""
    from graphc.runtime.transforms import GradTransform
    return GradTransform(fn, argnums, has_aux, with_value=False)


def value_and_grad(fn, argnums=0, has_aux: bool = False):
    """Like ``grad`` but returns ``(value, grads)`` (``((value, aux), grads)`` with has_aux)."""
    from graphc.runtime.transforms import GradTransform
    return GradTransform(fn, argnums, has_aux, with_value=True)


def vjp(fn, *primals, has_aux: bool = False):
    """JAX-style ``vjp``: ``(out, vjp_fn)`` with ``vjp_fn(cotangents) -> grads per primal``."""
    from graphc.runtime.transforms import vjp as _vjp
    return _vjp(fn, primals, has_aux)


def explain(fn, *args, **kwargs):
    """A report of what compiling ``fn`` on these arguments produces (``print`` it)."""
    from graphc.runtime.explain import explain as _explain
    return _explain(fn, args, kwargs)


__all__ = [
    "CompiledFunction",
    "TensorSpec",
    "compile",
    "explain",
    "grad",
    "trace",
    "value_and_grad",
    "vjp",
]
