"""``Dropout``: zeroes elements with probability p in training, identity in eval."""
from __future__ import annotations

from graphc.errors import GraphcValueError
from graphc.nn import functional as F
from graphc.nn.module import Module
from graphc.tensor import Tensor


class Dropout(Module):
    """Survivors are scaled by 1/(1-p) so the expected activation is unchanged."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise GraphcValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


__all__ = ["Dropout"]
