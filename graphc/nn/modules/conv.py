"""``Conv2d`` with PyTorch's arguments: stride, padding (ints or 'same'/'valid'), dilation,
groups, bias and padding_mode; weight (out, in/groups, kh, kw), Kaiming-uniform default."""
from __future__ import annotations


from graphc.errors import GraphcValueError
from graphc.nn import functional as F
from graphc.nn.module import Module
from graphc.nn.modules._utils import _pair, factory_kwargs, reset_weight_and_bias_
from graphc.nn.parameter import Parameter
from graphc.ops.creation import empty
from graphc.tensor import Tensor

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """Shared argument checks, parameters, initialization and repr of the conv layers."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: tuple, stride: tuple,
                 padding, dilation: tuple, transposed: bool, output_padding: tuple,
                 groups: int, bias: bool, padding_mode: str, device=None, dtype=None) -> None:
        super().__init__()
        name = type(self).__name__
        if groups <= 0:
            raise GraphcValueError(f"{name}: groups must be a positive integer")
        if in_channels % groups != 0:
            raise GraphcValueError(f"{name}: in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise GraphcValueError(f"{name}: out_channels must be divisible by groups")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise GraphcValueError(f"Invalid padding string {padding!r}, should be one of "
                                       f"{{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in stride):
                raise GraphcValueError("padding='same' is not supported for strided "
                                       "convolutions")
        if padding_mode not in _PADDING_MODES:
            raise GraphcValueError(f"padding_mode must be one of {_PADDING_MODES}, but got "
                                   f"padding_mode='{padding_mode}'")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = transposed
        self.output_padding = output_padding
        self.groups = groups
        self.padding_mode = padding_mode
        # F.pad takes (left, right, top, bottom): the last dim's amounts first, each twice.
        if isinstance(padding, str):
            pads = []
            if padding == "same":
                for d, k in zip(reversed(dilation), reversed(kernel_size)):
                    total = d * (k - 1)
                    left = total // 2
                    pads += [left, total - left]
            else:
                pads = [0, 0] * len(kernel_size)
            self._reversed_padding_repeated_twice = pads
        else:
            self._reversed_padding_repeated_twice = [p for p in reversed(padding)
                                                     for _ in range(2)]
        kw = factory_kwargs(device, dtype)
        shape = (in_channels, out_channels // groups) if transposed else \
            (out_channels, in_channels // groups)
        self.weight = Parameter(empty(shape + tuple(kernel_size), **kw))
        if bias:
            self.bias = Parameter(empty(out_channels, **kw))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        reset_weight_and_bias_(self.weight, self.bias)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * len(self.kernel_size):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv2d(_ConvNd):
    """2-D convolution over (N, C, H, W) (or unbatched (C, H, W)) input."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        super().__init__(in_channels, out_channels, _pair(kernel_size), _pair(stride),
                         padding if isinstance(padding, str) else _pair(padding),
                         _pair(dilation), False, _pair(0), groups, bias, padding_mode,
                         device, dtype)

    def _conv_forward(self, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return F.conv2d(padded, weight, bias, self.stride, _pair(0), self.dilation,
                            self.groups)
        return F.conv2d(input, weight, bias, self.stride, self.padding, self.dilation,
                        self.groups)

    def forward(self, input: Tensor) -> Tensor:
        return self._conv_forward(input, self.weight, self.bias)


__all__ = ["Conv2d"]
