"""Shape arithmetic shared by the ops' shape rules: broadcasting, dim wrapping, reductions."""
from __future__ import annotations

from functools import lru_cache

from graphc.errors import DimError, ShapeError, describe_shapes


@lru_cache(maxsize=4096)
def _broadcast2(a: tuple, b: tuple) -> tuple | None:
    if a == b:
        return a
    n = max(len(a), len(b))
    a = (1,) * (n - len(a)) + a
    b = (1,) * (n - len(b)) + b
    out = []
    for x, y in zip(a, b):
        if x == y or y == 1:
            out.append(x)
        elif x == 1:
            out.append(y)
        else:
            return None
    return tuple(out)


def broadcast_shapes(op: str, *shapes: tuple) -> tuple:
    """Broadcast shapes as PyTorch does, or raise ShapeError with PyTorch's sentence (which
    users search for) between the op's name and the shapes."""
    out = ()
    for s in shapes:
        r = _broadcast2(out, tuple(s))
        if r is None:
            raise ShapeError(f"{op}: {_mismatch(out, tuple(s))} (shapes "
                             f"{describe_shapes(*shapes)})")
        out = r
    return out


def _mismatch(a: tuple, b: tuple) -> str:
    """PyTorch's words for the last dim where ``a`` and ``b`` (``a`` being what the earlier
    operands broadcast to) do not broadcast, counted in the broadcast result's dims."""
    n = max(len(a), len(b))
    a = (1,) * (n - len(a)) + a
    b = (1,) * (n - len(b)) + b
    i = next(i for i in reversed(range(n)) if a[i] != b[i] and 1 not in (a[i], b[i]))
    return (f"The size of tensor a ({a[i]}) must match the size of tensor b ({b[i]}) at "
            f"non-singleton dimension {i}")


def wrap_dim(op: str, dim: int, ndim: int, wrap_scalar: bool = True) -> int:
    """A dim in [-ndim, ndim) as a non-negative index; 0-d tensors accept dims 0 and -1 unless
    ``wrap_scalar`` is False (ops that need a real dim: cross, narrow, split …), as in PyTorch's
    ``maybe_wrap_dim``."""
    n = max(ndim, 1)
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise DimError(f"{op}: dim must be an int, got {type(dim).__name__}")
    if ndim == 0 and not wrap_scalar:
        raise DimError(f"{op}: Dimension specified as {dim} but tensor has no dimensions")
    if dim < -n or dim >= n:
        raise DimError(f"{op}: Dimension out of range (expected to be in range of "
                       f"[{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim


def require_dims(op: str, shape: tuple, n: int = 1) -> None:
    """PyTorch's refusal of tensors with fewer than ``n`` dims (split, narrow, glu …)."""
    if len(shape) < n:
        raise ShapeError(f"{op} expects at least a {n}-dimensional tensor, got a tensor of "
                         f"shape {list(shape)}")


def wrap_dims(op: str, dims, ndim: int) -> tuple | None:
    """A reduction's ``dim`` (None, int or sequence) as a sorted tuple, or None for all."""
    if dims is None:
        return None
    if isinstance(dims, int):
        dims = (dims,)
    out = tuple(sorted({wrap_dim(op, d, ndim) for d in dims}))
    if len(out) != len(tuple(dims)):
        raise DimError(f"{op}: dim {tuple(dims)} appears multiple times in the list of dims")
    return out


def reduced_shape(shape: tuple, dims: tuple | None, keepdim: bool) -> tuple:
    if dims is None:
        return tuple(1 for _ in shape) if keepdim else ()
    if keepdim:
        return tuple(1 if i in dims else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in dims)


def numel(shape: tuple) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def infer_reshape(op: str, shape: tuple, new: tuple) -> tuple:
    """Resolve one ``-1`` in a requested shape and check the element count matches."""
    new = tuple(int(s) for s in new)
    total = numel(shape)
    if new.count(-1) > 1:
        raise ShapeError(f"{op}: only one dimension can be inferred, got shape {list(new)}")
    if any(s < -1 for s in new):
        raise ShapeError(f"{op}: invalid shape dimension in {list(new)}")
    if -1 in new:
        known = numel(tuple(s for s in new if s != -1))
        if known == 0 or total % known:
            raise ShapeError(f"{op}: shape '{list(new)}' is invalid for input of size {total}")
        new = tuple(total // known if s == -1 else s for s in new)
    if numel(new) != total:
        raise ShapeError(f"{op}: shape '{list(new)}' is invalid for input of size {total}")
    return new


def as_shape(args) -> tuple:
    """Accept ``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` (and a Size) as a shape."""
    if len(args) == 1 and not isinstance(args[0], int):
        args = args[0]
    return tuple(int(s) for s in args)
