"""``Linear``: y = x Wᵀ + b, with PyTorch's default initialization."""
from __future__ import annotations

import math

from graphc.nn import functional as F
from graphc.nn import init
from graphc.nn.module import Module
from graphc.nn.modules._utils import factory_kwargs
from graphc.nn.parameter import Parameter
from graphc.ops.creation import empty
from graphc.tensor import Tensor


class Linear(Module):
    """Affine map ``in_features -> out_features``; weight has shape (out, in) as in PyTorch."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        kw = factory_kwargs(device, dtype)
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(empty((out_features, in_features), **kw))
        if bias:
            self.bias = Parameter(empty(out_features, **kw))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Kaiming-uniform weight with a=sqrt(5), i.e. U(±1/sqrt(fan_in)); bias alike."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


__all__ = ["Linear"]
