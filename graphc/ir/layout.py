"""Static memory layout of traced values: C-contiguous, F-contiguous, or unknown.

Some code reads a tensor's layout: ``contiguous()`` copies only non-contiguous tensors, and the
matmul gradient rules produce each gradient in its input's layout (so a gradient flowing back
through ``w.t()`` lands C-contiguous in ``w.grad``). While tracing, values have no strides, so
the tracer derives the layout from the op: view ops permute or keep it, freshly allocated
results are C-ordered, NumPy's elementwise kernels keep an all-F-ordered input's order, and
anything else is "unknown" (treated as non-contiguous: at worst an extra copy, never a wrong
value). Arguments and captured tensors start from their arrays' real flags, which are part of
the compile cache key.
"""
from __future__ import annotations

C, F = "C", "F"
_KEEP_C = {"view", "_unsafe_view", "flatten", "unflatten", "view_as", "alias", "detach"}
_PERMUTES = {"t", "transpose", "permute", "mT", "swapaxes"}
_FRESH_C = {"mm", "addmm", "bmm", "matmul", "dot", "mv", "clone", "reshape", "cat", "stack"}


class Flags:
    """The part of ``ndarray.flags`` Tensor methods read."""

    __slots__ = ("c_contiguous", "f_contiguous")
    writeable = True

    def __init__(self, layout: str | None, trivial: bool) -> None:
        self.c_contiguous = trivial or layout == C
        self.f_contiguous = trivial or layout == F


def of_array(a) -> str | None:
    flags = getattr(a, "flags", None)
    if flags is None:
        return C
    if flags.c_contiguous:
        return C
    return F if flags.f_contiguous else None


def _perm(op_name: str, ndim: int, attrs: dict) -> tuple | None:
    if op_name in ("t", "mT") or (op_name == "swapaxes" and ndim == 2):
        return tuple(range(ndim - 1, -1, -1)) if ndim == 2 else tuple(range(ndim))
    if op_name == "transpose":
        p = list(range(ndim))
        d0, d1 = attrs.get("dim0", 0), attrs.get("dim1", 1)
        if ndim:
            p[d0], p[d1] = p[d1], p[d0]
        return tuple(p)
    if op_name == "permute":
        return tuple(attrs.get("dims", ()))
    return None


def infer(op, inputs: list, outputs: list, attrs: dict) -> list:
    """One layout (C, F or None) per output value of a node."""
    from graphc.ir.graph import Value
    vals = [a for a in inputs if isinstance(a, Value)]
    name = op.name
    out = []
    for o in outputs:
        if o.size <= 1:
            out.append(C)
            continue
        src = vals[0] if vals else None
        if op.view and src is not None:
            if name in _KEEP_C:
                out.append(C if src.layout == C else None)
            elif name in _PERMUTES:
                p = _perm(name, src.ndim, attrs)
                if p == tuple(range(src.ndim)):
                    out.append(src.layout)
                elif p == tuple(range(src.ndim - 1, -1, -1)) and src.layout in (C, F):
                    out.append(F if src.layout == C else C)
                else:
                    out.append(None)
            else:
                out.append(None)
            continue
        big = [v for v in vals if v.size > 1]
        if name in _FRESH_C or all(v.layout == C for v in big):
            out.append(C)
        elif op.expr is not None and big and all(
                v.layout == F and v.shape == o.shape for v in big):
            out.append(F)
        else:
            out.append(None)
    return out
