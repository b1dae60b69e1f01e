"""In-place ops through views, and views whose base changed history (PyTorch's CopySlices).

A view shares its base's memory and version box ``_vbox = [data version, history version]``
(``_base`` is always the root tensor that owns the memory). When an in-place op is recorded
through a view, the base gets a new history in which the view's region is replaced by the op's
result, and the history version goes up. Every view remembers the history version its
``grad_fn`` was made for (``_hv``); a view used after the history moved on has its ``grad_fn``
regenerated from the base's new history (``sync_view``), as PyTorch regenerates it. Without
that, a view taken before ``base.mul_(2)`` would still send its gradient through the old
history and give a wrong gradient.

Both directions are expressed with ordinary differentiable ops on the base, indexed by each
view element's position in the base (a view is exactly a set of base positions): the base's new
value is ``index_put(base, positions, new_view)`` and the view reads ``base[positions]``. Their
gradients, double backward and version checks come with those ops.
"""
from __future__ import annotations

import numpy as np

from graphc.autograd import grad_mode
from graphc.errors import AutogradError
from graphc.ops.index import getitem, index_put
from graphc.tensor import Tensor


def positions_in_base(view_arr, base_arr, xp):
    """For each element of ``view_arr``, the tuple of indices (one int64 array per base dim)
    of the base element sharing its memory.

    Lays ``arange(base.size)`` out in a scratch buffer with the base's own strides, then reads
    it back through the view's strides at the view's offset: correct for any strides,
    including bases that are not C-contiguous.
    """
    item = base_arr.itemsize
    steps = [s // item for s in base_arr.strides]
    shape = base_arr.shape
    low = sum(st * (n - 1) for st, n in zip(steps, shape) if st < 0)
    high = sum(st * (n - 1) for st, n in zip(steps, shape) if st > 0)
    flat = xp.zeros(max(high - low + 1, 1), np.int64)
    as_strided = xp.lib.stride_tricks.as_strided
    laid_out = as_strided(flat[-low:], shape, [st * 8 for st in steps])
    laid_out[...] = xp.arange(base_arr.size, dtype=np.int64).reshape(shape)
    start = (_address(view_arr) - _address(base_arr)) // item - low
    pos = as_strided(flat[start:], view_arr.shape, [s // item * 8 for s in view_arr.strides])
    return xp.unravel_index(pos.copy(), shape) if shape else ()


def _address(arr) -> int:
    ptr = getattr(arr.data, "ptr", None)  # CuPy memory pointer
    return ptr if ptr is not None else arr.__array_interface__["data"][0]


def _position_tensors(view: Tensor, base: Tensor) -> tuple:
    dev = base._device
    return tuple(Tensor._wrap(p, dev) for p in positions_in_base(view._data, base._data, dev.xp))


def _read_through_base(view: Tensor, base: Tensor) -> Tensor:
    """``base`` indexed at the view's positions: a tensor equal to the view whose grad_fn
    leads into the base's current history."""
    pos = _position_tensors(view, base)
    return getitem(base, pos) if pos else base.reshape(tuple(view.shape))  # a 0-d base


def sync_view(view: Tensor) -> None:
    """Bring a view's ``grad_fn`` up to date with its base's history (called where a view is
    used: op inputs, backward roots, ``requires_grad``) after an in-place op changed it."""
    base = view._base
    view._hv = view._vbox[1]
    if not base._requires_grad:
        return
    token = grad_mode._enabled.set(True)
    try:
        fresh = _read_through_base(view, base)
    finally:
        grad_mode._enabled.reset(token)
    view.grad_fn, view._output_nr, view._requires_grad = fresh.grad_fn, 0, True


def inplace_through_view(view: Tensor, compute) -> Tensor:
    """Record an in-place op on ``view`` while grad mode is on: ``compute(old_view_value)``
    returns the new value (with its history), which is written into the shared memory; the
    base's history becomes "the old base with the view's region replaced"."""
    base = view._base
    if base.grad_fn is None and base._requires_grad:
        raise AutogradError("a view of a leaf Variable that requires grad is being used in an "
                            "in-place operation.")
    if view._vbox[1] != view._hv:
        sync_view(view)
    out = compute(view.clone())  # the clone keeps the old values for the op's gradient
    old_base = Tensor._wrap(base._data, base._device)  # the base's current history
    old_base._vbox = base._vbox
    old_base.grad_fn, old_base._output_nr = base.grad_fn, base._output_nr
    old_base._requires_grad = base._requires_grad
    pos = _position_tensors(view, base)
    new_base = index_put(old_base, pos, out) if pos else out.reshape(())
    from graphc.ops.inplace import write_data
    write_data(view, out._data)
    base.grad_fn, base._output_nr = new_base.grad_fn, new_base._output_nr
    base._requires_grad = True
    base._vbox[1] += 1
    sync_view(view)
    return view
