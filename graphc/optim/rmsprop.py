"""RMSprop (Hinton's lecture 6e) with PyTorch's centered and momentum variants.

The update follows ``torch.optim.RMSprop`` step for step (``eps`` is added after the square root;
the centered form subtracts the squared running mean of the gradient), on the raw arrays with one
temporary per parameter.
"""
from __future__ import annotations

from typing import Any, Iterable

from graphc.errors import GraphcValueError
from graphc.optim.optimizer import (Optimizer, as_float, check_float, check_hyper, count_step,
                                    param_arrays, scalar_state, zeros_state)


class RMSprop(Optimizer):
    """Divide the gradient by a running root mean square of recent gradients."""

    def __init__(self, params: Iterable, lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, capturable: bool = False, foreach: bool | None = None,
                 maximize: bool = False, differentiable: bool = False) -> None:
        check_hyper(check_float("lr", lr) >= 0.0, f"Invalid learning rate: {lr}")
        check_hyper(check_float("eps", eps) >= 0.0, f"Invalid epsilon value: {eps}")
        check_hyper(check_float("momentum", momentum) >= 0.0,
                    f"Invalid momentum value: {momentum}")
        check_hyper(check_float("weight_decay", weight_decay) >= 0.0,
                    f"Invalid weight_decay value: {weight_decay}")
        check_hyper(check_float("alpha", alpha) >= 0.0, f"Invalid alpha value: {alpha}")
        if differentiable:
            raise GraphcValueError("RMSprop: differentiable=True is not supported by graphc")
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, alpha, eps = (as_float(group[k]) for k in ("lr", "alpha", "eps"))
        weight_decay = as_float(group["weight_decay"])
        momentum = as_float(group["momentum"])
        centered, maximize = group["centered"], group["maximize"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                state["step"] = scalar_state()
                state["square_avg"] = zeros_state(p)
                if momentum > 0:
                    state["momentum_buffer"] = zeros_state(p)
                if centered:
                    state["grad_avg"] = zeros_state(p)
            xp, d, g = param_arrays(p, maximize)
            count_step(state)
            if weight_decay != 0:
                g = g + weight_decay * d
            sq = state["square_avg"]._data      # square_avg = alpha * sq + (1 - alpha) * g * g
            sq *= alpha
            tmp = xp.multiply(g, g)
            tmp *= 1 - alpha
            sq += tmp
            if centered:
                ga = state["grad_avg"]._data    # grad_avg.lerp_(grad, 1 - alpha)
                xp.subtract(g, ga, out=tmp)
                tmp *= 1 - alpha
                ga += tmp
                xp.multiply(ga, ga, out=tmp)    # avg = sqrt(square_avg - grad_avg ** 2)
                xp.subtract(sq, tmp, out=tmp)
                xp.sqrt(tmp, out=tmp)
            else:
                xp.sqrt(sq, out=tmp)
            tmp += eps
            xp.divide(g, tmp, out=tmp)          # g / avg
            if momentum > 0:
                buf = state["momentum_buffer"]._data
                buf *= momentum
                buf += tmp
                xp.multiply(buf, lr, out=tmp)
            else:
                tmp *= lr
            d -= tmp
            p._vbox[0] += 1


__all__ = ["RMSprop"]
