"""Flattening parameters into one vector and back (e.g. for second-order optimizers)."""
from __future__ import annotations

from collections.abc import Iterable

from graphc.autograd.grad_mode import no_grad
from graphc.errors import ArgumentError, DeviceError
from graphc.ops import cat
from graphc.tensor import Tensor


def _check_same_device(param: Tensor, device):
    if device is not None and param.device != device:
        raise DeviceError(f"Found two parameters on different devices, this is currently not "
                          f"supported ({device} and {param.device}).")
    return param.device


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """One 1-D tensor holding every parameter, flattened, in order (differentiable)."""
    device, vec = None, []
    for p in parameters:
        device = _check_same_device(p, device)
        vec.append(p.reshape(-1))
    return cat(vec)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of ``vec`` into each parameter (the inverse of the above)."""
    if not isinstance(vec, Tensor):
        raise ArgumentError(f"expected graphc.Tensor, but got: {type(vec).__name__}")
    device, pointer = None, 0
    with no_grad():
        for p in parameters:
            device = _check_same_device(p, device)
            n = p.numel()
            p.copy_(vec[pointer:pointer + n].view_as(p))
            pointer += n


__all__ = ["parameters_to_vector", "vector_to_parameters"]
