"""``Optimizer``: parameter groups, per-parameter state and PyTorch's state-dict layout.

Subclasses only say how one group's parameters move (``_update_group``); the base class owns the
bookkeeping every optimizer shares: validating parameters, running the closure with grad enabled
and the update under ``no_grad``, ``zero_grad``, step pre/post hooks, and
``state_dict``/``load_state_dict`` in PyTorch's structure (``{'state': {index: {...}},
'param_groups': [{..., 'params': [index]}]}``) so checkpoints written with ``graphc.save`` restore
training exactly.

Updates run on the raw backend arrays (``p._data``) with NumPy's API, so the same code serves
NumPy and CuPy and allocates at most one temporary per parameter; each parameter's version
counter is bumped once per step, which keeps autograd's saved-tensor checks honest.
"""
from __future__ import annotations

import copy
import functools
import types
from collections import defaultdict
from typing import Any, Callable, Iterable

import numpy as _np

from graphc import dtypes as _dt
from graphc.autograd.grad_mode import enable_grad, no_grad
from graphc.autograd.node import RemovableHandle
from graphc.errors import ArgumentError, GraphcRuntimeError, GraphcValueError, TraceError
from graphc.ops.dispatch import active_tracer
from graphc.tensor import Tensor


class _RequiredParameter:
    """Marks a hyperparameter every param group must set (PyTorch's ``required``)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj) -> str:
    if isinstance(obj, Tensor):
        return "graphc.Tensor"
    t = type(obj)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def check_hyper(ok: bool, message: str) -> None:
    """Raise PyTorch's ``ValueError`` (as ``GraphcValueError``) for an invalid hyperparameter."""
    if not ok:
        raise GraphcValueError(message)


def as_float(value) -> float:
    """A hyperparameter given as a number or a one-element tensor."""
    return float(value.item()) if isinstance(value, Tensor) else float(value)


def check_float(name: str, value) -> float:
    """The value of ``lr``/``eps``/… as a float, or an error naming the argument."""
    if isinstance(value, Tensor) and value.numel() != 1:
        raise GraphcValueError(f"Tensor {name} must be 1-element")
    try:
        return as_float(value)
    except (TypeError, ValueError):
        raise ArgumentError(f"{name} must be a number, got {_typename(value)}") from None


def scalar_state(value: float = 0.0) -> Tensor:
    """A 0-d CPU tensor for the ``step`` counter, float64 when that is the default dtype."""
    import numpy as np
    dt = _dt.float64 if _dt.get_default_dtype() is _dt.float64 else _dt.float32
    return Tensor._wrap(np.array(value, dtype=dt.np))


def param_arrays(p: Tensor, maximize: bool) -> tuple:
    """``(xp, data, grad)`` of a parameter as raw arrays; the gradient is negated (a new array)
    when the optimizer maximizes."""
    xp, g = p._device.xp, p.grad._data
    return xp, p._data, (xp.negative(g) if maximize else g)


def count_step(state: dict) -> float:
    """Advance the ``step`` counter kept in the parameter's state and return its new value."""
    step = state["step"]._data
    step += 1
    return float(step)


def zeros_state(p: Tensor) -> Tensor:
    """A zero buffer with the parameter's shape, dtype and device."""
    return Tensor._wrap(p._device.xp.zeros_like(p._data), p._device)


def full_state(p: Tensor, value: float) -> Tensor:
    """A buffer with the parameter's shape, dtype and device, filled with ``value`` (Adagrad's
    initial accumulator, Rprop's initial step sizes)."""
    return Tensor._wrap(p._device.xp.full_like(p._data, value), p._device)


_global_step_pre_hooks: dict = {}
_global_step_post_hooks: dict = {}


def _add_hook(hooks: dict, hook: Callable) -> RemovableHandle:
    handle = RemovableHandle(hooks)
    hooks[handle._key] = hook
    return handle


def register_optimizer_step_pre_hook(hook: Callable) -> RemovableHandle:
    """``hook(optimizer, args, kwargs) -> None | (args, kwargs)`` before every optimizer's step."""
    return _add_hook(_global_step_pre_hooks, hook)


def register_optimizer_step_post_hook(hook: Callable) -> RemovableHandle:
    """``hook(optimizer, args, kwargs)`` after every optimizer's step."""
    return _add_hook(_global_step_post_hooks, hook)


def _hooked_step(func: Callable) -> Callable:
    """Run the step hooks around ``func`` (PyTorch's order: global then own pre-hooks, own then
    global post-hooks; ``args`` starts with the optimizer). A ``step`` that calls
    ``super().step()`` fires them once, not once per level."""
    @functools.wraps(func)
    def step(self, *args, **kwargs):
        pre, post = self._optimizer_step_pre_hooks, self._optimizer_step_post_hooks
        if self._in_hooked_step or not (pre or post or _global_step_pre_hooks or
                                        _global_step_post_hooks):
            return func(self, *args, **kwargs)
        args = (self, *args)
        for hook in (*_global_step_pre_hooks.values(), *pre.values()):
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise GraphcRuntimeError(f"{func} must return None or a tuple of "
                                             f"(new_args, new_kwargs), but got {result}.")
                args, kwargs = result
        self._in_hooked_step = True
        try:
            out = func(*args, **kwargs)
        finally:
            self._in_hooked_step = False
        for hook in (*post.values(), *_global_step_post_hooks.values()):
            hook(self, args, kwargs)
        return out
    step._hooked = True
    return step


class Optimizer:
    """Base class of all optimizers: holds ``param_groups`` and per-parameter ``state``."""

    _in_hooked_step = False

    def __init_subclass__(cls, **kwargs) -> None:
        """A subclass's own ``step`` (user optimizers define one) gets the hooks too."""
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if isinstance(step, types.FunctionType) and not getattr(step, "_hooked", False):
            cls.step = _hooked_step(step)

    def __init__(self, params: Iterable, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._init_transient()
        if isinstance(params, Tensor):
            raise ArgumentError("params argument given to the optimizer should be an iterable "
                                "of Tensors or dicts, but got " + _typename(params))
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        try:
            groups = list(params)
        except TypeError:
            raise ArgumentError("params argument given to the optimizer should be an iterable "
                                "of Tensors or dicts, but got " + _typename(params)) from None
        if not groups:
            raise GraphcValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def scratch_like(self, array):
        """A reusable temporary shaped like ``array`` (one per shape, dtype and device), so
        each step does not allocate — and page-fault in — fresh parameter-sized memory."""
        key = (array.shape, array.dtype, type(array))
        buf = self._scratch.get(key)
        if buf is None:
            buf = self._scratch[key] = type(array)(array.shape, array.dtype) \
                if type(array) is not _np.ndarray else _np.empty_like(array)
        return buf

    # -- parameter groups ------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (with its own options, defaults filling the rest)."""
        if not isinstance(param_group, dict):
            raise ArgumentError(f"param_group must be a dict, but got {_typename(param_group)}")
        params = param_group.get("params")
        if params is None:
            raise GraphcValueError("param_group must have a 'params' entry")
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise ArgumentError("optimizer parameters need to be organized in ordered "
                                "collections, but the ordering of tensors in sets will change "
                                "between runs. Please use a list instead.")
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        if names and len(names) != len(params):
            raise GraphcValueError("all optimizer params should be with/without names. Some "
                                   "param names are missing")
        for p in params:
            if not isinstance(p, Tensor):
                raise ArgumentError("optimizer can only optimize Tensors, but one of the params "
                                    "is " + _typename(p))
            if not (p.is_leaf or p.retains_grad):
                raise GraphcValueError(
                    f"can't optimize a non-leaf Tensor (shape {list(p.shape)}, grad_fn="
                    f"{p.grad_fn.name()}); optimize the leaf it was computed from, or pass "
                    f"x.detach().requires_grad_()")
        if len({id(p) for p in params}) != len(params):
            raise GraphcValueError("optimizer contains a parameter group with duplicate "
                                   "parameters; each parameter may appear only once")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise GraphcValueError("some parameters appear in more than one parameter group")
        for g in self.param_groups:
            if ("param_names" in g) != bool(names):
                raise GraphcValueError(
                    "all optimizer param groups should be with/without names. cannot add param "
                    f"group {'with' if names else 'without'} names to the optimizer")
        param_group["params"] = params
        if names:
            param_group["param_names"] = names
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise GraphcValueError(f"parameter group didn't specify a value of required "
                                       f"optimization parameter {name}")
            param_group.setdefault(name, default)
        self.param_groups.append(param_group)

    # -- hooks -------------------------------------------------------------------------------
    def _init_transient(self) -> None:
        """What is not part of the pickled state (as in PyTorch, hooks are not copied)."""
        self._scratch: dict = {}
        self._optimizer_step_pre_hooks: dict = {}
        self._optimizer_step_post_hooks: dict = {}

    def register_step_pre_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(optimizer, args, kwargs) -> None | (new_args, new_kwargs)`` before ``step``;
        ``handle.remove()`` unregisters it."""
        return _add_hook(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(optimizer, args, kwargs)`` after ``step``; ``handle.remove()`` unregisters it."""
        return _add_hook(self._optimizer_step_post_hooks, hook)

    # -- stepping ----------------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset gradients: drop them (the default, like PyTorch 2) or fill them with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if g.grad_fn is not None:
                        g.detach_()
                    else:
                        g.requires_grad_(False)
                    g.zero_()

    @_hooked_step
    def step(self, closure: Callable[[], Any] | None = None):
        """One update of every parameter that has a gradient; returns the closure's loss."""
        self._refuse_in_trace()
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                self._update_group(group)
        return loss

    def _refuse_in_trace(self) -> None:
        """Updates mutate parameters in place, which a traced graph cannot capture."""
        if active_tracer.get() is not None:
            raise TraceError(f"{type(self).__name__}.step() inside graphc.trace/compile: "
                             f"whole-training-step capture is not supported; call "
                             f"optimizer.step() outside the compiled function")

    def _update_group(self, group: dict[str, Any]) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not implement step()")

    # -- state dicts -------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{'state': {index: {...}}, 'param_groups': [...]}`` with parameters as indices."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                ids.append(index.setdefault(id(p), len(index)))
            packed["params"] = ids
            groups.append(packed)
        state = {index[id(k)] if isinstance(k, Tensor) else k: v for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore ``state_dict()`` output; nothing changes unless the groups match in size."""
        if not isinstance(state_dict, dict) or "state" not in state_dict or \
                "param_groups" not in state_dict:
            raise GraphcValueError(
                f"{type(self).__name__}.load_state_dict: expected a dict with 'state' and "
                f"'param_groups' (an Optimizer.state_dict()), got {_typename(state_dict)}")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise GraphcValueError(
                f"loaded state dict has a different number of parameter groups "
                f"({len(saved_groups)}) than the optimizer ({len(self.param_groups)})")
        for i, (g, s) in enumerate(zip(self.param_groups, saved_groups)):
            if len(g["params"]) != len(s["params"]):
                raise GraphcValueError(
                    f"loaded state dict contains a parameter group that doesn't match the size "
                    f"of optimizer's group (group {i}: {len(s['params'])} saved parameters, "
                    f"{len(g['params'])} in the optimizer)")
        id_map = {}
        for g, s in zip(self.param_groups, saved_groups):
            id_map.update(zip(s["params"], g["params"]))
        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            p = id_map.get(k)
            if p is None:
                state[k] = v
            else:
                state[p] = {key: _cast_state(p, key, val) for key, val in v.items()}
        new_groups = []
        for g, s in zip(self.param_groups, saved_groups):
            ng = {k: copy.deepcopy(v) for k, v in s.items() if k != "params"}
            ng["params"] = g["params"]
            if "param_names" in g and "param_names" not in ng:
                ng["param_names"] = g["param_names"]
            new_groups.append(ng)
        self.state = state
        self.param_groups = new_groups

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._init_transient()

    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _cast_state(p: Tensor, key, value):
    """A loaded state value copied onto the parameter's device (and float dtype, except step)."""
    if isinstance(value, Tensor):
        with no_grad():
            if key == "step":
                return value.detach().clone()
            dtype = p.dtype if p.is_floating_point() and value.is_floating_point() else None
            return value.detach().to(dtype=dtype, device=p.device, copy=True)
    if isinstance(value, dict):
        return {k: _cast_state(p, k, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_state(p, None, v) for v in value)
    return value


__all__ = ["Optimizer", "register_optimizer_step_post_hook", "register_optimizer_step_pre_hook",
           "required"]
