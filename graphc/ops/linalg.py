"""Matrix products: ``mm``, ``mv``, ``dot``, ``bmm``, ``addmm``, the general ``matmul``, ``einsum``.

The GEMMs dominate training time, so the kernels call ``xp.matmul`` once with ``out=`` passed
through, the gradient rules take transposed *views* (``.mT``; BLAS reads them without a copy) and
every rule honours ``needs``: a data batch that needs no gradient costs no GEMM. ``matmul``
dispatches on the operands' ranks as PyTorch does (``dot``/``mv``/``mm`` for 1-D and 2-D, the
broadcasting batched op otherwise), so grad_fns carry PyTorch's names. Operands must share a
dtype: like PyTorch, graphc never promotes inside a matrix product.
"""
from __future__ import annotations

import functools
import math
import re
import string
from collections import Counter

from graphc import dtypes as _dt
from graphc.errors import ArgumentError, DTypeError, GraphcValueError, ShapeError
from graphc.ops.dispatch import apply
from graphc.ops.dtype_checks import no_kernel_for
from graphc.ops.elementwise import _out
from graphc.ops.registry import OpDef, register
from graphc.ops.shapes import broadcast_shapes
from graphc.tensor import Tensor

# PyTorch's C++ scalar-type names and capitalized names, as its error messages print them.
_CNAME = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
          "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
          "bool": "bool"}
_TNAME = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
          "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _x(shape) -> str:
    return "x".join(str(s) for s in shape)


def _same_dtype(op: str, a, b) -> None:
    if a.dtype is not b.dtype:
        raise DTypeError(f"{op}: expected m1 and m2 to have the same dtype, but got: "
                         f"{_CNAME[a.dtype.name]} != {_CNAME[b.dtype.name]}")


def _tensors(op: str, *xs) -> None:
    for x in xs:
        if not isinstance(x, Tensor):
            raise ArgumentError(f"{op}(): expected Tensor arguments, got {type(x).__name__}")


def _cannot_multiply(op: str, a, b):
    return ShapeError(f"{op}: mat1 and mat2 shapes cannot be multiplied "
                      f"({_x(a)} and {_x(b)})")


# -- shape rules (also the eager argument checks: numpy would accept some of these) ------------
def _mm_infer(a, b):
    if a.ndim != 2:
        raise ShapeError(f"mm: self must be a matrix (got a {a.ndim}-D tensor of shape "
                         f"{list(a.shape)})")
    if b.ndim != 2:
        raise ShapeError(f"mm: mat2 must be a matrix (got a {b.ndim}-D tensor of shape "
                         f"{list(b.shape)})")
    if a.shape[1] != b.shape[0]:
        raise _cannot_multiply("mm", a.shape, b.shape)
    _same_dtype("mm", a, b)
    return (a.shape[0], b.shape[1]), a.dtype


def _mv_infer(a, v):
    if a.ndim != 2 or v.ndim != 1:
        raise ShapeError(f"mv: vector + matrix @ vector expected, got a {a.ndim}-D matrix and "
                         f"a {v.ndim}-D vector")
    if a.shape[1] != v.shape[0]:
        raise ShapeError(f"mv: size mismatch, got mat ({_x(a.shape)}), vec ({v.shape[0]})")
    _same_dtype("mv", a, v)
    return (a.shape[0],), a.dtype


def _dot_infer(a, b):
    if a.ndim != 1 or b.ndim != 1:
        raise ShapeError(f"dot: 1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.shape[0] != b.shape[0]:
        raise ShapeError(f"dot: inconsistent tensor size, expected tensor [{a.shape[0]}] and "
                         f"src [{b.shape[0]}] to have the same number of elements, but got "
                         f"{a.shape[0]} and {b.shape[0]} elements respectively")
    if a.dtype is not b.dtype:
        raise DTypeError(f"dot : expected both vectors to have same dtype, but found "
                         f"{_TNAME[a.dtype.name]} and {_TNAME[b.dtype.name]}")
    return (), a.dtype


def _bmm_infer(a, b):
    for name, t in (("batch1", a), ("batch2", b)):
        if t.ndim != 3:
            raise ShapeError(f"bmm: {name} must be a 3D tensor (got shape {list(t.shape)})")
    if b.shape[0] != a.shape[0] or b.shape[1] != a.shape[2]:
        raise ShapeError(f"bmm: Expected size for first two dimensions of batch2 tensor to be: "
                         f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}] "
                         f"(shapes {list(a.shape)} and {list(b.shape)})")
    _same_dtype("bmm", a, b)
    return (a.shape[0], a.shape[1], b.shape[2]), a.dtype


def _matmul_infer(a, b):
    sa, sb = tuple(a.shape), tuple(b.shape)
    if not sa or not sb:
        raise ShapeError(f"matmul: both arguments to matmul need to be at least 1D, but they "
                         f"are {len(sa)}D and {len(sb)}D")
    ka = sa[-1]
    kb = sb[0] if len(sb) == 1 else sb[-2]
    if ka != kb:
        m1 = sa if len(sa) > 1 else (1,) + sa
        raise _cannot_multiply("matmul", m1, sb)
    try:
        batch = broadcast_shapes("matmul", sa[:-2], sb[:-2])
    except ShapeError:
        raise ShapeError(f"matmul: the batch dimensions of shapes {list(sa)} and {list(sb)} "
                         f"cannot be broadcast together ({list(sa[:-2])} and "
                         f"{list(sb[:-2])})") from None
    shape = batch + sa[-2:-1] + sb[-1:] if len(sb) > 1 else batch + sa[-2:-1]
    _same_dtype("matmul", a, b)
    return shape, a.dtype


def _addmm_infer(inp, m1, m2, beta=1, alpha=1):
    shape, dt = _mm_infer(m1, m2)
    shape = tuple(shape)
    try:
        fits = broadcast_shapes("addmm", tuple(inp.shape), shape) == shape
    except ShapeError:
        fits = False
    if not fits:
        raise ShapeError(f"addmm: input of shape {list(inp.shape)} cannot be broadcast to the "
                         f"product's shape {list(shape)}")
    if inp.dtype is not dt:
        raise DTypeError(f"addmm: self and mat2 must have the same dtype, but got "
                         f"{_TNAME[inp.dtype.name]} and {_TNAME[dt.name]}")
    return shape, dt


# -- kernels -------------------------------------------------------------------------------------
def _matmul_impl(xp, a, b, out=None):
    return xp.matmul(a, b, out=out)


def _dot_impl(xp, a, b, out=None):
    r = xp.dot(a, b)
    if out is not None:
        out[...] = r
        return out
    return r


def _matmul_nd_impl(xp, a, b, out=None):
    # (..., M, K) @ (K, N): fold the batch into the rows, one GEMM instead of a loop of small ones.
    if a.ndim > 2 and b.ndim == 2 and a.flags.c_contiguous:
        shape = a.shape[:-1] + b.shape[1:]
        o = out.reshape(-1, b.shape[1]) if out is not None and out.flags.c_contiguous else None
        rows = math.prod(a.shape[:-1])  # not -1: ambiguous when K == 0
        r = xp.matmul(a.reshape(rows, a.shape[-1]), b, out=o)
        if out is not None and o is None:
            out[...] = r.reshape(shape)
            return out
        return out if o is not None else r.reshape(shape)
    return xp.matmul(a, b, out=out)


def _addmm_impl(xp, inp, m1, m2, beta=1, alpha=1, out=None):
    r = xp.matmul(m1, m2, out=out)
    if alpha != 1:
        r *= alpha
    if beta == 1:
        r += inp
    elif beta != 0:  # beta == 0 ignores the input entirely (even its NaNs), as in PyTorch
        r += beta * inp
    return r


# -- gradient rules ------------------------------------------------------------------------------
def _col_major(t) -> bool:
    """A transposed view of a contiguous matrix (``w.t()`` in ``nn.Linear``)."""
    flags = getattr(t._data, "flags", None)
    return flags is not None and flags.f_contiguous and not flags.c_contiguous


# As PyTorch's mm_mat{1,2}_backward: produce each gradient in its input's memory layout (same
# FLOPs either way), so a gradient flowing back through ``w.t()`` lands C-contiguous in
# ``w.grad`` and accumulates with a plain contiguous add rather than a strided, transposed one.
def _grad_mat1(g, b, a):
    return apply(MM, b, g.mT).mT if _col_major(a) else apply(MM, g, b.mT)


def _grad_mat2(a, g, b):
    return apply(MM, g.mT, a).mT if _col_major(b) else apply(MM, a.mT, g)


def _mm_vjp(g, a, b, out, needs):
    return (_grad_mat1(g, b, a) if needs[0] else None,
            _grad_mat2(a, g, b) if needs[1] else None)


def _mv_vjp(g, a, v, out, needs):
    return (g.reshape(-1, 1) * v if needs[0] else None,
            apply(MV, a.mT, g) if needs[1] else None)


def _dot_vjp(g, a, b, out, needs):
    return (g * b if needs[0] else None, g * a if needs[1] else None)


def _bmm_vjp(g, a, b, out, needs):
    return (apply(BMM, g, b.mT) if needs[0] else None,
            apply(BMM, a.mT, g) if needs[1] else None)


def _matmul_nd_vjp(g, a, b, out, needs):
    # Work with 1-D operands as matrices (a row / a column) and the gradient to match; the
    # engine then sums broadcast batch dims back to each input's shape.
    a2 = a.unsqueeze(0) if a.ndim == 1 else a
    b2 = b.unsqueeze(-1) if b.ndim == 1 else b
    g2 = g.unsqueeze(-1) if b.ndim == 1 else g.unsqueeze(-2) if a.ndim == 1 else g
    ga = gb = None
    if needs[0]:
        ga = matmul(g2, b2.mT)
        ga = ga.squeeze(-2) if a.ndim == 1 else ga
    if needs[1]:
        if a.ndim > 2 and b.ndim <= 2:  # the folded batch: one (K, rows) @ (rows, N) GEMM
            gb = apply(MM, a2.flatten(0, -2).mT, g2.flatten(0, -2))
        else:
            gb = matmul(a2.mT, g2)
        gb = gb.squeeze(-1) if b.ndim == 1 else gb
    return ga, gb


def _addmm_vjp(g, inp, m1, m2, out, needs, beta=1, alpha=1):
    gi = (g if beta == 1 else g * beta) if needs[0] else None
    g1 = _grad_mat1(g, m2, m1) if needs[1] else None
    g2 = _grad_mat2(m1, g, m2) if needs[2] else None
    if alpha != 1:
        g1 = g1 * alpha if g1 is not None else None
        g2 = g2 * alpha if g2 is not None else None
    return gi, g1, g2


def _gemm(name, infer, impl, vjp, grad_name=None, saves=(0, 1)) -> OpDef:
    return register(OpDef(name=name, infer=infer, impl=impl, vjp=vjp, grad_name=grad_name,
                          saves=saves, needs_mask=True))


MM = _gemm("mm", _mm_infer, _matmul_impl, _mm_vjp)
MV = _gemm("mv", _mv_infer, _matmul_impl, _mv_vjp)
DOT = _gemm("dot", _dot_infer, _dot_impl, _dot_vjp)
BMM = _gemm("bmm", _bmm_infer, _matmul_impl, _bmm_vjp)
# PyTorch's matmul ends the batched (and 1-D @ N-D) cases with an _unsafe_view: hence the name.
MATMUL = _gemm("matmul", _matmul_infer, _matmul_nd_impl, _matmul_nd_vjp,
               grad_name="UnsafeViewBackward0")
ADDMM = _gemm("addmm", _addmm_infer, _addmm_impl, _addmm_vjp, saves=(1, 2))


# -- public functions ----------------------------------------------------------------------------
def _checked(op, *args, out=None, **attrs):
    """Run the shape rule first: numpy would silently accept some shapes/dtypes PyTorch rejects."""
    op.infer(*args, **attrs)
    return _out(apply(op, *args, **attrs), out)


def mm(input, mat2, *, out=None):
    """2-D @ 2-D (no broadcasting)."""
    _tensors("mm", input, mat2)
    return _checked(MM, input, mat2, out=out)


def mv(input, vec, *, out=None):
    """Matrix @ vector."""
    _tensors("mv", input, vec)
    return _checked(MV, input, vec, out=out)


def dot(input, other, *, out=None):
    """Inner product of two 1-D tensors of the same length."""
    _tensors("dot", input, other)
    return _checked(DOT, input, other, out=out)


inner_1d = dot


def bmm(input, mat2, *, out=None):
    """Batched 3-D @ 3-D with equal batch sizes (no broadcasting)."""
    _tensors("bmm", input, mat2)
    return _checked(BMM, input, mat2, out=out)


def matmul(input, other, *, out=None):
    """PyTorch's ``matmul``: dot, mv, mm, or a batched product broadcasting the batch dims."""
    _tensors("matmul", input, other)
    na, nb = input.ndim, other.ndim
    if na == 2 and nb == 2:
        if input.shape[1] != other.shape[0]:
            raise _cannot_multiply("matmul", input.shape, other.shape)
        _same_dtype("matmul", input, other)
        return _out(apply(MM, input, other), out)
    if na == 1 and nb == 1:
        return _checked(DOT, input, other, out=out)
    if na == 2 and nb == 1:
        return _checked(MV, input, other, out=out)
    return _checked(MATMUL, input, other, out=out)


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat1 @ mat2)`` in one GEMM: what ``nn.Linear`` records."""
    _tensors("addmm", input, mat1, mat2)
    return _checked(ADDMM, input, mat1, mat2, out=out, beta=beta, alpha=alpha)


def outer(input, vec2, *, out=None):
    """Outer product of two vectors; PyTorch also computes it as a broadcast multiply."""
    _tensors("outer", input, vec2)
    if input.ndim != 1 or vec2.ndim != 1:
        raise ShapeError(f"outer: expected 1-D tensors, got shapes {list(input.shape)} and "
                         f"{list(vec2.shape)}")
    return _out(input.reshape(-1, 1) * vec2, out)


ger = outer


# -- einsum --------------------------------------------------------------------------------------
def _einsum_parse(equation: str, shapes) -> tuple[list[str], str]:
    """Subscripts per operand and of the output, with ``...`` spelled out as unused letters."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise GraphcValueError(f"einsum(): {len(ins)} operands in the equation but "
                               f"{len(shapes)} tensors given")
    n_ell = max((len(s) - len(t.replace("...", "")) for t, s in zip(ins, shapes)
                 if "..." in t), default=0)
    free = [c for c in string.ascii_letters if c not in eq]
    ell = "".join(free[:n_ell])
    subs = []
    for t, s in zip(ins, shapes):
        if "..." in t:
            k = len(s) - len(t.replace("...", ""))
            t = t.replace("...", ell[n_ell - k:] if k else "")
        if len(t) != len(s) or not re.fullmatch(r"[a-zA-Z]*", t):
            raise GraphcValueError(f"einsum(): the subscripts {t!r} do not match an operand "
                                   f"of shape {list(s)}")
        subs.append(t)
    if arrow:
        out = rhs.replace("...", ell)
    else:  # implicit output: the ellipsis dims, then the letters used once, alphabetically
        joined = "".join(subs)
        out = ell + "".join(sorted(c for c in set(joined) if c not in ell and
                                   joined.count(c) == 1))
    return subs, out


def _einsum_impl(xp, *ops, equation, out=None):
    r = xp.einsum(equation, *ops, optimize=len(ops) > 1)  # pairwise steps go to BLAS
    if out is not None:
        out[...] = r
        return out
    return r


def _einsum_infer(*ops, equation):
    ins, outs = _einsum_parse(equation, [tuple(o.shape) for o in ops])
    size = {}
    for t, o in zip(ins, ops):
        for c, n in zip(t, o.shape):
            if size.get(c, n) != n and n != 1 and size[c] != 1:
                raise ShapeError(f"einsum(): subscript {c} has size {n} for an operand of "
                                 f"shape {list(o.shape)}, which does not match {size[c]}")
            size[c] = n if size.get(c, 1) == 1 else size[c]
    return tuple(size[c] for c in outs), ops[0].dtype


def _einsum_vjp(g, *ops, out, needs, equation):
    # d out / d op_i: contract g with the other operands into op_i's subscripts. Letters that
    # op_i sums away on its own (in no other operand nor the output) come back by broadcasting.
    ins, outs = _einsum_parse(equation, [tuple(o.shape) for o in ops])
    grads = []
    for i, t in enumerate(ins):
        if not needs[i]:
            grads.append(None)
            continue
        others = [(ins[j], ops[j]) for j in range(len(ops)) if j != i]
        avail = set(outs).union(*[set(s) for s, _ in others])
        target = "".join(c for c in dict.fromkeys(t) if c in avail)
        if len(set(t)) != len(t):
            raise GraphcValueError("einsum(): the gradient of a repeated subscript within one "
                                   "operand (a diagonal) is not supported")
        subs = ",".join([outs] + [s for s, _ in others]) + "->" + target
        gi = apply(EINSUM, g, *[o for _, o in others], equation=subs)
        if target != t:  # ``target`` keeps ``t``'s order: put the summed dims back as 1s
            gi = gi.reshape(tuple(n if c in target else 1 for c, n in zip(t, ops[i].shape)))
            gi = gi.expand(tuple(ops[i].shape))
        grads.append(gi)
    return tuple(grads)


# Variadic: only operand 0 is version-checked (saves names fixed input positions).
EINSUM = _gemm("einsum", _einsum_infer, _einsum_impl, _einsum_vjp, saves=(0,))


def _einsum_dtypes(operands, ins, outs) -> tuple:
    """The operands cast to the dtype PyTorch's einsum computes in (NumPy's einsum would keep
    bool for a sum and refuse nothing). PyTorch first sums each operand over the subscripts
    that nothing else has (``sum``: bool and integers become int64), then multiplies operands
    (promoting dtypes), except that two operands sharing a summed subscript are contracted by a
    GEMM, which takes one dtype and no bool."""
    counts = Counter(c for t in ins for c in set(t))
    dts = [_dt.int64 if not o.dtype.is_floating_point and
           any(counts[c] == 1 and c not in outs for c in t) else o.dtype
           for t, o in zip(ins, operands)]
    if any(n > 1 and c not in outs for c, n in counts.items()):  # a contraction
        if any(d is not dts[0] for d in dts):
            raise DTypeError(f"einsum(): operands contracted over a shared subscript must have "
                             f"the same dtype, got {', '.join(str(d) for d in dts)} (shapes "
                             f"{', '.join(str(list(o.shape)) for o in operands)})")
        no_kernel_for("einsum", operands[0])
        common = dts[0]
    else:
        common = functools.reduce(_dt.promote_types, dts)
    return tuple(o if o.dtype is common else o.to(common) for o in operands)


def einsum(equation: str, *operands):
    """Einstein summation (``'bij,bjk->bik'``, ``...`` allowed); NumPy picks the order."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    _tensors("einsum", *operands)
    ins, outs = _einsum_parse(equation, [tuple(o.shape) for o in operands])
    operands = _einsum_dtypes(operands, ins, outs)
    eq = ",".join(ins) + "->" + outs  # canonical: no ellipsis, explicit output
    _einsum_infer(*operands, equation=eq)
    return apply(EINSUM, *operands, equation=eq)


__all__ = ["addmm", "bmm", "dot", "einsum", "ger", "matmul", "mm", "mv", "outer"]
