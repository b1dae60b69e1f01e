"""Stochastic gradient descent with PyTorch's momentum, dampening, Nesterov and weight decay.

The update follows ``torch.optim.SGD`` exactly (the momentum buffer starts as a copy of the first
gradient, dampening applies from the second step on), written on the raw arrays so one code path
runs on NumPy and CuPy with at most one temporary per parameter.
"""
from __future__ import annotations

from typing import Any, Iterable

from graphc.errors import GraphcValueError
from graphc.optim.optimizer import Optimizer, as_float, check_float, check_hyper, param_arrays
from graphc.tensor import Tensor


class SGD(Optimizer):
    """``p -= lr * g`` where ``g`` may carry weight decay, (Nesterov) momentum and a sign flip."""

    def __init__(self, params: Iterable, lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        check_hyper(check_float("lr", lr) >= 0.0, f"Invalid learning rate: {lr}")
        check_hyper(check_float("momentum", momentum) >= 0.0,
                    f"Invalid momentum value: {momentum}")
        check_hyper(check_float("weight_decay", weight_decay) >= 0.0,
                    f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise GraphcValueError("Nesterov momentum requires a momentum and zero dampening")
        if differentiable:
            raise GraphcValueError("SGD: differentiable=True is not supported by graphc")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        foreach=foreach, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = as_float(group["lr"])
        momentum = as_float(group["momentum"])
        dampening = as_float(group["dampening"])
        weight_decay = as_float(group["weight_decay"])
        nesterov, maximize = group["nesterov"], group["maximize"]
        for p in group["params"]:
            if p.grad is None:
                continue
            xp, d, g = param_arrays(p, maximize)
            owned = maximize  # whether ``g`` is our own temporary (safe to overwrite)
            if weight_decay != 0:
                g, owned = g + weight_decay * d, True
            if momentum != 0:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    b = g if owned else g.copy()
                    state["momentum_buffer"] = Tensor._wrap(b, p._device)
                    owned = False  # ``g`` now is the buffer
                else:
                    b = buf._data
                    b *= momentum
                    if dampening != 0:
                        b += g * (1 - dampening)
                    else:
                        b += g
                if nesterov:
                    g, owned = g + momentum * b, True
                else:
                    g, owned = b, False
            if owned:
                g *= lr
            else:
                g = xp.multiply(g, lr, out=self.scratch_like(g))
            d -= g
            p._vbox[0] += 1


__all__ = ["SGD"]
