"""``apply(op, *inputs, **attrs)``: the one entry point every op call goes through.

Eager: check devices, cast elementwise inputs by PyTorch's promotion rules, run the kernel on the
device's array module, wrap the result and, when grad mode is on and an input requires grad,
record a grad_fn node. Under ``graphc.trace`` the active tracer records an IR node instead, using
the same registry entry. Kept lean: this is the per-op overhead of eager mode.
"""
from __future__ import annotations

from contextvars import ContextVar

import numpy as np

from graphc import dtypes as _dt
from graphc.autograd.grad_mode import is_grad_enabled
from graphc.errors import DeviceError, GraphcError
from graphc.tensor import Tensor, _sync_view

active_tracer: ContextVar = ContextVar("graphc_active_tracer", default=None)
_tracer_get = active_tracer.get
_ndarray = np.ndarray
_from_np = _dt._FROM_NP
_result_type_key = _dt.result_type_key
_SCALAR_DT = {bool: _dt.bool_, int: _dt.int64}


def apply(op, *args, **attrs):
    """Run (or, under a tracer, record) one op; returns a Tensor or a tuple of Tensors."""
    tracer = _tracer_get()
    if tracer is not None:
        return tracer.record(op, args, attrs)
    arrays = []
    device = None
    requires_grad = False
    for a in args:
        if isinstance(a, Tensor):
            if a._base is not None and a._vbox[1] != a._hv:
                _sync_view(a)  # a view whose base was since modified in place
            arrays.append(a._data)
            if a._requires_grad:
                requires_grad = True
            d = a._device
            if d is not device:
                device = d if device is None else _pick_device(op, device, d, a)
        else:
            arrays.append(a)
    if device is None:
        device = _CPU
    out_dt = None
    if op.promote is not None:
        arrays, out_dt = _promote(op, args, arrays)
    try:
        out = op.impl(device._xp or device.xp, *arrays, **attrs)
    except GraphcError:
        raise
    except Exception as e:  # numpy/cupy rejected it: let the shape rule name the problem
        _explain_failure(op, args, attrs, e)
    if op.moves_device:
        device = as_device(attrs["device"])
    if op.n_outputs != 1:
        return _wrap_many(op, args, attrs, out, device, requires_grad)
    if type(out) is not _ndarray and device is _CPU:
        out = np.asarray(out)
    if out_dt is not None and out.dtype != out_dt.np:
        out = out.astype(out_dt.np)
    result = _wrap_tensor(out, device)
    if op.view:
        result._mark_view(args[0])
    if requires_grad and op.node_cls is not None and out.dtype.kind == "f" \
            and is_grad_enabled():
        result.grad_fn = op.node_cls(args, attrs, _edges(args), result)
        result._requires_grad = True
    return result


def _wrap_many(op, args, attrs, outs, device, requires_grad) -> tuple:
    results = tuple(_wrap(o, device, None) for o in outs)
    if requires_grad and op.node_cls is not None and is_grad_enabled():
        node = op.node_cls(args, attrs, _edges(args), results[0])
        for i, r in enumerate(results):
            if r._data.dtype.kind == "f":
                r.grad_fn, r._output_nr, r._requires_grad = node, i, True
    return results


def _wrap(out, device, out_dt) -> Tensor:
    if type(out) is not _ndarray and device is _CPU:
        out = np.asarray(out)
    if out_dt is not None and out.dtype != out_dt.np:
        out = out.astype(out_dt.np)
    return Tensor._wrap(out, device)


def _edges(args) -> tuple:
    """Each input's gradient edge: (its grad_fn or leaf accumulator, output_nr), or (None, 0)."""
    edges = []
    for a in args:
        if isinstance(a, Tensor) and a._requires_grad:
            fn = a.grad_fn
            if fn is not None:
                edges.append((fn, a._output_nr))
            else:
                acc = a._accumulator
                edges.append((acc if acc is not None else a._get_accumulator(), 0))
        else:
            edges.append(_NO_EDGE)
    return tuple(edges)


_NO_EDGE = (None, 0)


def _promote(op, args, arrays):
    """Cast inputs to PyTorch's result dtype; returns (arrays, output dtype)."""
    skip = op.promote_skip
    if skip:
        head, arrays = arrays[:skip], arrays[skip:]
        args = args[skip:]
    # Fast path: tensors of one dtype with scalars NumPy already treats as PyTorch does
    # (any scalar with a float tensor; int/bool scalars with an int tensor).
    first = None
    for a in arrays:
        dt = getattr(a, "dtype", None)
        if dt is None:
            continue
        if first is None:
            first = dt
        elif dt != first:
            break
    else:
        if first is not None:
            kind = first.kind
            fast = kind == "f" or all(type(a) is not float for a in arrays)
            if fast and kind == "b":
                fast = all(type(a) is not int for a in arrays)
            if fast and (op.promote != "float" or kind == "f"):
                out_dt = _dt.bool_ if op.promote == "compare" else _from_np[first]
                return (head + arrays if skip else arrays), out_dt
    key = []
    for a in args:
        if isinstance(a, Tensor):
            key.append((_from_np[a._data.dtype], 0 if a._data.ndim else 1))
        else:
            key.append((_SCALAR_DT.get(type(a), _dt._default_float), 2))
    common, out_dt = _dt.promotion(op.promote, tuple(key))
    np_dt = common.np
    as_float = op.promote == "float"
    for i, a in enumerate(arrays):
        dt = getattr(a, "dtype", None)
        if dt is not None and dt != np_dt:
            arrays[i] = a.astype(np_dt)
        elif dt is None and as_float and not isinstance(a, float):
            arrays[i] = float(a)
    return (head + arrays if skip else arrays), out_dt


def _pick_device(op, current, d, a):
    if d == current:
        return current
    # A 0-d CPU tensor may join a CUDA computation, as in PyTorch.
    if d.type == "cpu" and a._data.ndim == 0:
        return current
    if current.type == "cpu" and current.index is None and d.type != "cpu":
        return d
    raise DeviceError(f"{op.name}: Expected all tensors to be on the same device, but found at "
                      f"least two devices, {current} and {d}!")


def _explain_failure(op, args, attrs, err: Exception):
    """The kernel failed: rerun the shape rule, which raises the precise graphc error."""
    op.infer(*args, **attrs)
    shapes = ", ".join(str(list(a.shape)) for a in args if isinstance(a, Tensor))
    raise GraphcError(f"{op.name} failed on inputs of shapes {shapes}: {err}") from err


from graphc.device import CPU as _CPU, as_device  # noqa: E402

_wrap_tensor = Tensor._wrap
