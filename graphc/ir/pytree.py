"""Flattening nested arguments and results (tuples, lists, dicts, namedtuples) to leaves.

The compiler traces tensor leaves as graph inputs and treats every other leaf as a static value
that is part of the cache key; results are rebuilt in the user's structure.
"""
from __future__ import annotations

from typing import Any

from graphc.tensor import Tensor


class Leaf:
    """Marks a leaf position in a spec."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "*"


LEAF = Leaf()


def flatten(tree) -> tuple[list, Any]:
    """-> (leaves, spec); containers are tuple/list/dict/namedtuple, everything else a leaf."""
    leaves: list = []
    return leaves, _flatten(tree, leaves)


def _flatten(x, leaves: list):
    t = type(x)
    if t is tuple or t is list:
        return (t, tuple(_flatten(v, leaves) for v in x))
    if t is dict:
        keys = tuple(x.keys())
        return (dict, keys, tuple(_flatten(x[k], leaves) for k in keys))
    if isinstance(x, tuple) and hasattr(x, "_fields"):  # namedtuple (incl. return types)
        return (t, tuple(_flatten(v, leaves) for v in x))
    leaves.append(x)
    return LEAF


def unflatten(spec, leaves) -> Any:
    it = iter(leaves)
    return _unflatten(spec, it)


def _unflatten(spec, it):
    if spec is LEAF:
        return next(it)
    t = spec[0]
    if t is dict:
        return {k: _unflatten(s, it) for k, s in zip(spec[1], spec[2])}
    items = [_unflatten(s, it) for s in spec[1]]
    if t is tuple or t is list:
        return t(items)
    return t(*items)


def tensor_leaves(leaves: list) -> list[int]:
    """Indices of the Tensor leaves."""
    return [i for i, x in enumerate(leaves) if isinstance(x, Tensor)]
