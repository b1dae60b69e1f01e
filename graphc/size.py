"""``graphc.Size``: the tuple subclass ``shape``/``size()`` return."""
from __future__ import annotations


class Size(tuple):
    """A shape; prints as ``graphc.Size([5, 3])``."""

    __module__ = "graphc"  # type(x.shape) is <class 'graphc.Size'>, like <class 'torch.Size'>

    __slots__ = ()

    def __repr__(self) -> str:
        return f"graphc.Size([{', '.join(str(s) for s in self)}])"

    __str__ = __repr__

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, item):
        r = tuple.__getitem__(self, item)
        return Size(r) if isinstance(item, slice) else r

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))
