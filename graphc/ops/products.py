"""The BLAS-style fused products ``addmv``, ``addr``, ``baddbmm``, ``addbmm`` and the vector
products ``inner`` and ``vdot``.

Each is ``beta * input + alpha * (product)`` over the existing product ops (``mv``, ``outer``,
``bmm``, ``tensordot``), so the gradients are theirs. As in PyTorch, ``input`` broadcasts to the
product's shape but never enlarges it, ``beta == 0`` ignores ``input``'s values entirely (NaN
included; its gradient is zero), and the operands must share a dtype (``addr`` promotes, as
PyTorch's does).
"""
from __future__ import annotations

from graphc import dtypes as _dt
from graphc.errors import DTypeError, GraphcNotImplementedError, GraphcValueError, ShapeError
from graphc.ops.dispatch import apply
from graphc.ops.elementwise import _out
from graphc.ops.index import MASKED_FILL
from graphc.ops.linalg import _CNAME, _TNAME, _bmm_infer, _tensors, bmm, dot, mv, outer
from graphc.ops.matrix import tensordot
from graphc.ops.shape import expand
from graphc.ops.shapes import broadcast_shapes
from graphc.tensor import Tensor


def _not_bool(kernel: str, *xs) -> None:
    if any(x.dtype.is_bool for x in xs):
        raise GraphcNotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


def _fits(op: str, input: Tensor, shape: tuple) -> None:
    """``input`` must broadcast to the product's ``shape`` without enlarging it."""
    try:
        ok = broadcast_shapes(op, tuple(input.shape), shape) == shape
    except ShapeError:
        ok = False
    if not ok:
        raise ShapeError(f"{op}: the input of shape {list(input.shape)} cannot be broadcast to "
                         f"the product's shape {list(shape)}")


def zeros_in_graph(t: Tensor) -> Tensor:
    """Zeros shaped like ``t`` that keep ``t`` in the graph with a zero gradient: ``t * 0``
    would be NaN where ``t`` is inf or NaN (a fill over an all-true mask never is)."""
    everywhere = Tensor._wrap(t._device.xp.ones((), bool), t._device)
    return apply(MASKED_FILL, t, everywhere, 0)


def _combine(input: Tensor, product: Tensor, beta, alpha) -> Tensor:
    """``beta * input + alpha * product`` in ``product``'s shape; ``beta == 0`` drops input's
    values (but keeps it in the graph, with a zero gradient, as PyTorch does)."""
    shape = tuple(product.shape)
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        input = zeros_in_graph(input)
    elif beta != 1:
        input = input * beta
    r = input + product
    return r if tuple(r.shape) == shape else expand(r, shape)


def _integral_scalars(op: str, dt, beta, alpha) -> None:
    if dt.is_floating_point or dt.is_bool:
        return
    for name, s in (("beta", beta), ("alpha", alpha)):
        if isinstance(s, float):
            raise GraphcValueError(f"{op}: For integral input tensors, argument {name} must "
                                   f"not be a floating point number.")


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1,
          out: Tensor | None = None) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``."""
    _tensors("addmv", input, mat, vec)
    if input.ndim > 1 or mat.ndim != 2 or vec.ndim != 1:
        raise ShapeError(f"vector + matrix @ vector expected, got {input.ndim}, {mat.ndim}, "
                         f"{vec.ndim}")
    if not input.dtype is mat.dtype is vec.dtype:
        raise DTypeError(f"addmv input tensors must have the same dtype, but got "
                         f"{_TNAME[input.dtype.name]}, {_TNAME[mat.dtype.name]}, and "
                         f"{_TNAME[vec.dtype.name]}")
    _not_bool("addmv_impl_cpu", input)
    product = mv(mat, vec)
    _fits("addmv", input, tuple(product.shape))
    return _out(_combine(input, product, beta, alpha), out)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1,
         out: Tensor | None = None) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``; dtypes promote, and for bool tensors the
    sum is a logical or."""
    _tensors("addr", input, vec1, vec2)
    for name, v in (("vec1", vec1), ("vec2", vec2)):
        if v.ndim != 1:
            raise ShapeError(f"addr: Expected 1-D argument {name}, but got {v.ndim}-D")
    dt = _dt.result_type(input, vec1, vec2)
    _integral_scalars("addr", dt, beta, alpha)
    product = outer(vec1, vec2)
    _fits("addr", input, tuple(product.shape))
    if dt.is_bool:  # PyTorch: (beta and input) or (alpha and vec1 (x) vec2)
        r = product & bool(alpha)
        r = r | input if beta else r
        return _out(r if tuple(r.shape) == tuple(product.shape) else
                    expand(r, tuple(product.shape)), out)
    return _out(_combine(input, product, beta, alpha), out)


def _batched_operands(op: str, input: Tensor, batch1: Tensor, batch2: Tensor) -> None:
    _tensors(op, input, batch1, batch2)
    if not input.dtype is batch1.dtype is batch2.dtype:
        raise DTypeError(f"{op}: Input dtypes must be the same, got: input "
                         f"{_CNAME[input.dtype.name]}, batch1: {_CNAME[batch1.dtype.name]}, "
                         f"batch2: {_CNAME[batch2.dtype.name]}")
    _not_bool(op, input)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1,
            out: Tensor | None = None) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)``, one product per batch entry."""
    _batched_operands("baddbmm", input, batch1, batch2)
    product = bmm(batch1, batch2)
    _fits("baddbmm", input, tuple(product.shape))
    return _out(_combine(input, product, beta, alpha), out)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1,
           out: Tensor | None = None) -> Tensor:
    """``beta * input + alpha * sum_b batch1[b] @ batch2[b]``: the batch is reduced (one GEMM
    over the batch-folded contraction)."""
    _batched_operands("addbmm", input, batch1, batch2)
    _bmm_infer(batch1, batch2)
    product = tensordot(batch1.transpose(0, 1), batch2, dims=([1, 2], [0, 1]))
    _fits("addbmm", input, tuple(product.shape))
    return _out(_combine(input, product, beta, alpha), out)


def inner(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Sum over the last dims of both (``a * b`` when either is 0-d): shape ``a.shape[:-1] +
    b.shape[:-1]``."""
    _tensors("inner", input, other)
    if input.ndim == 0 or other.ndim == 0:
        return _out(input * other, out)
    if tuple(input.shape)[-1] != tuple(other.shape)[-1]:
        raise ShapeError(f"inner() the last dimension must match on both input tensors but "
                         f"got shapes {list(input.shape)} and {list(other.shape)}")
    _not_bool("dot", input, other)
    if input.ndim == 1 and other.ndim == 1:
        return dot(input, other, out=out)
    return _out(tensordot(input, other, dims=([-1], [-1])), out)


def vdot(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``dot`` of two 1-D tensors (the conjugate of ``input`` is itself for real dtypes)."""
    _tensors("vdot", input, other)
    if input.ndim != 1 or other.ndim != 1:
        raise ShapeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    _not_bool("dot", input, other)
    return dot(input, other, out=out)


__all__ = ["addbmm", "addmv", "addr", "baddbmm", "inner", "vdot"]
