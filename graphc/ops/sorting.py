"""Sorting: ``argsort``, ``sort``, ``topk`` (and their ``(values, indices)`` result types).

The indices come from one non-differentiable ``argsort`` op; the values are a gather of the input
at those indices, registered under PyTorch's names (SortBackward0, TopkBackward0) so that the
gradient is gather's (a scatter-add of the incoming gradient) and the grad_fn reads as in PyTorch.
Sorting is stable; NaN sorts as the largest value, as in PyTorch.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from graphc import dtypes as _dt
from graphc.errors import ShapeError
from graphc.ops.dispatch import apply
from graphc.ops.gather_scatter import gather_op
from graphc.ops.registry import NONDIFF, OpDef, register
from graphc.ops.shape import fill_out
from graphc.ops.shapes import wrap_dim
from graphc.tensor import Tensor


def _return_type(name: str):
    """A ``(values, indices)`` namedtuple printed like ``torch.return_types.<name>``."""
    cls = namedtuple(name, ["values", "indices"])
    cls.__module__ = "graphc.return_types"
    cls.__repr__ = lambda self: (f"graphc.return_types.{name}(\nvalues={self.values!r},\n"
                                 f"indices={self.indices!r})")
    return cls


sort_result = _return_type("sort")
topk_result = _return_type("topk")


def _argsort_axis(xp, a, axis: int):
    # CuPy's argsort is always stable (radix sort) and takes no ``kind``.
    return np.argsort(a, axis=axis, kind="stable") if xp is np else xp.argsort(a, axis=axis)


def _argsort_infer(x, dim, descending, k=None):
    s = tuple(x.shape)
    if k is not None and s:
        s = s[:dim] + (k,) + s[dim + 1:]
    return s, _dt.int64


def _argsort_impl(xp, a, dim, descending, k=None, out=None):
    if a.ndim == 0:
        return fill_out(out, xp.zeros((), xp.int64))
    if not descending:
        r = _argsort_axis(xp, a, dim)
    else:  # stable descending: sort the reversed array, reverse back, map the positions
        n = a.shape[dim]
        r = (n - 1) - xp.flip(_argsort_axis(xp, xp.flip(a, dim), dim), dim)
    if k is not None:
        r = r[(slice(None),) * dim + (slice(0, k),)]
    return fill_out(out, xp.ascontiguousarray(r.astype(xp.int64, copy=False)))


ARGSORT = register(OpDef(name="argsort", infer=_argsort_infer, impl=_argsort_impl, vjp=NONDIFF))
SORT = gather_op("sort", "SortBackward0")
TOPK = gather_op("topk", "TopkBackward0")


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False):
    """Indices that sort ``input`` along ``dim`` (always stable)."""
    d = wrap_dim("argsort", dim, input.ndim)
    return apply(ARGSORT, input, dim=d, descending=bool(descending))


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False):
    """``(values, indices)`` of ``input`` sorted along ``dim``; values carry the gradient."""
    d = wrap_dim("sort", dim, input.ndim)
    idx = apply(ARGSORT, input, dim=d, descending=bool(descending))
    return sort_result(apply(SORT, input, idx, dim=d), idx)


def msort(input: Tensor) -> Tensor:
    return sort(input, 0).values


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    """The ``k`` largest (or smallest) elements along ``dim``, in order, with their indices."""
    d = wrap_dim("topk", dim, input.ndim)
    n = tuple(input.shape)[d] if input.ndim else 1
    if not 0 <= k <= n:
        raise ShapeError("selected index k out of range")
    idx = apply(ARGSORT, input, dim=d, descending=bool(largest), k=int(k))
    return topk_result(apply(TOPK, input, idx, dim=d), idx)


__all__ = ["argsort", "msort", "sort", "topk"]
