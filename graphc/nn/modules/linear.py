"""``Linear``: y = x Wᵀ + b, with PyTorch's default initialization."""
from __future__ import annotations


from graphc.nn import functional as F
from graphc.nn.module import Module
from graphc.nn.modules._utils import factory_kwargs, reset_weight_and_bias_
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
        reset_weight_and_bias_(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


__all__ = ["Linear"]
