"""``InstanceNorm1d/2d``: normalization over each sample's channel planes.

They share BatchNorm's parameters, buffers and repr (PyTorch's ``_NormBase``) with other
defaults: no affine parameters and no running statistics. With ``track_running_stats=True`` the
running statistics are updated in training and used in eval; ``num_batches_tracked`` is kept
but, as in PyTorch, never counted.
"""
from __future__ import annotations

import warnings

from graphc.errors import GraphcValueError
from graphc.nn import functional as F
from graphc.nn.modules.normalization import _BatchNorm
from graphc.tensor import Tensor


class _InstanceNorm(_BatchNorm):
    _no_batch_dim = 0  # input dims of an unbatched input: (C, L) -> 2, (C, H, W) -> 3

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)

    def _normalize(self, input: Tensor) -> Tensor:
        return F.instance_norm(input, self.running_mean, self.running_var, self.weight,
                               self.bias, self.training or not self.track_running_stats,
                               self.momentum if self.momentum is not None else 0.0, self.eps)

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        feature_dim = input.dim() - self._no_batch_dim
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise GraphcValueError(f"{type(self).__name__}: expected input's size at "
                                       f"dim={feature_dim} to match num_features "
                                       f"({self.num_features}), but got: "
                                       f"{input.shape[feature_dim]}.")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You "
                          f"can silence this warning by not passing in num_features, which is "
                          f"not used because affine=False", stacklevel=2)
        if input.dim() == self._no_batch_dim:
            return self._normalize(input.unsqueeze(0)).squeeze(0)
        return self._normalize(input)


class InstanceNorm1d(_InstanceNorm):
    """Instance norm over (N, C, L) or unbatched (C, L) input."""

    _expected_dims = (2, 3)
    _no_batch_dim = 2


class InstanceNorm2d(_InstanceNorm):
    """Instance norm over (N, C, H, W) or unbatched (C, H, W) input."""

    _expected_dims = (3, 4)
    _no_batch_dim = 3


__all__ = ["InstanceNorm1d", "InstanceNorm2d"]
