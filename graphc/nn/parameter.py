"""``Parameter``: a Tensor that a ``Module`` registers as one of its learnable weights.

It is an ordinary ``Tensor`` (every op accepts it; ``isinstance(p, graphc.Tensor)``) that marks
itself so ``Module.__setattr__`` knows to register it. Building one never copies: it aliases the
given tensor's storage and version counter, as PyTorch's ``Parameter(t)`` does.
"""
from __future__ import annotations

from graphc.tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad by default and is collected by ``Module.parameters()``."""

    __slots__ = ()

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        if data is None:
            from graphc.ops.creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            from graphc.errors import ArgumentError
            raise ArgumentError(f"Parameter(): expected a Tensor as data, got "
                                f"{type(data).__name__}")
        self._init_from(data._data, data._device)
        self._vbox = data._vbox  # an alias of `data`: in-place writes show through both
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self, *, tensor_contents=None) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        t = Parameter(Tensor._wrap(self._data.copy(), self._device), self._requires_grad)
        if self.grad is not None:
            t.grad = self.grad.clone()
        memo[id(self)] = t
        return t


def is_lazy(param) -> bool:
    """graphc has no lazy modules; kept for code written against ``torch.nn.parameter``."""
    return False
