"""Sorting: ``argsort``, ``sort``, ``topk`` (and their ``(values, indices)`` result types), and
``unique``.

The indices come from one non-differentiable ``argsort`` op; the values are a gather of the input
at those indices, registered under PyTorch's names (SortBackward0, TopkBackward0) so that the
gradient is gather's (a scatter-add of the incoming gradient) and the grad_fn reads as in PyTorch.
Sorting is stable; NaN sorts as the largest value, as in PyTorch.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from graphc import dtypes as _dt
from graphc.errors import DTypeError, ShapeError, TraceError
from graphc.ops.dispatch import apply
from graphc.ops.dtype_checks import no_kernel_for
from graphc.ops.gather_scatter import gather_op
from graphc.ops.registry import NONDIFF, OpDef, register
from graphc.ops.shape import concrete, fill_out
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
    no_kernel_for("topk", input, error=DTypeError)
    d = wrap_dim("topk", dim, input.ndim)
    n = tuple(input.shape)[d] if input.ndim else 1
    if not 0 <= k <= n:
        raise ShapeError("selected index k out of range")
    idx = apply(ARGSORT, input, dim=d, descending=bool(largest), k=int(k))
    return topk_result(apply(TOPK, input, idx, dim=d), idx)


# -- unique ----------------------------------------------------------------------------------
def _unique_impl(xp, a, dim=None, out=None):
    """Sorted unique values (or slices along ``dim``), the inverse map and the counts."""
    if dim is None:
        values, inverse, counts = xp.unique(a.reshape(-1), return_inverse=True,
                                            return_counts=True)
        inverse = inverse.reshape(a.shape)
    else:
        values, inverse, counts = xp.unique(a, axis=dim, return_inverse=True,
                                            return_counts=True)
        inverse = inverse.reshape(-1)
    return values, inverse.astype(xp.int64, copy=False), counts.astype(xp.int64, copy=False)


def _unique_infer(x, dim=None):
    if not concrete(x):
        raise TraceError("unique has an output shape that depends on the data, so it cannot be "
                         "traced")
    values, inverse, counts = _unique_impl(x.device.xp, x._data, dim)
    return ((tuple(values.shape), x.dtype), (tuple(inverse.shape), _dt.int64),
            (tuple(counts.shape), _dt.int64))


UNIQUE = register(OpDef(name="unique", infer=_unique_infer, impl=_unique_impl, vjp=NONDIFF,
                        n_outputs=3))


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim: int | None = None):
    """The distinct elements (or distinct slices along ``dim``), in ascending order, with
    optionally the index of each input element in them and how often each occurs.

    Like PyTorch's CPU kernel, the result is sorted even when ``sorted=False``.
    """
    d = None if dim is None else wrap_dim("unique", dim, input.ndim)
    if d is not None and input.ndim == 0:
        raise ShapeError("unique: dim given for a 0-dimensional tensor")
    values, inverse, counts = apply(UNIQUE, input, dim=d)
    if not return_inverse and not return_counts:
        return values
    return (values,) + ((inverse,) if return_inverse else ()) + \
        ((counts,) if return_counts else ())


__all__ = ["argsort", "msort", "sort", "topk", "unique"]
