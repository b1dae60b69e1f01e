"""Adadelta (Zeiler), as ``torch.optim.Adadelta``.

The step is the gradient scaled by the ratio of two running RMS values, of past updates
(``acc_delta``) over past gradients (``square_avg``), so it carries the parameter's units; ``lr``
only scales the result (1.0 by default, as in the paper).
"""
from __future__ import annotations

from typing import Any, Iterable

from graphc.errors import GraphcValueError
from graphc.optim.optimizer import (Optimizer, as_float, check_float, check_hyper, count_step,
                                    param_arrays, scalar_state, zeros_state)


class Adadelta(Optimizer):
    """Per-coordinate steps from running averages of squared gradients and squared updates."""

    def __init__(self, params: Iterable, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        check_hyper(check_float("lr", lr) >= 0.0, f"Invalid learning rate: {lr}")
        check_hyper(0.0 <= check_float("rho", rho) <= 1.0, f"Invalid rho value: {rho}")
        check_hyper(check_float("eps", eps) >= 0.0, f"Invalid epsilon value: {eps}")
        check_hyper(check_float("weight_decay", weight_decay) >= 0.0,
                    f"Invalid weight_decay value: {weight_decay}")
        if differentiable:
            raise GraphcValueError("Adadelta: differentiable=True is not supported by graphc")
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, rho, eps = (as_float(group[k]) for k in ("lr", "rho", "eps"))
        weight_decay, maximize = as_float(group["weight_decay"]), group["maximize"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                state["step"] = scalar_state()
                state["square_avg"] = zeros_state(p)
                state["acc_delta"] = zeros_state(p)
            xp, d, g = param_arrays(p, maximize)
            count_step(state)
            if weight_decay != 0:
                g = g + weight_decay * d
            sq, acc = state["square_avg"]._data, state["acc_delta"]._data
            tmp = xp.multiply(g, g, out=self.scratch_like(d))   # square_avg: rho-average of g*g
            tmp *= 1 - rho
            sq *= rho
            sq += tmp
            xp.add(sq, eps, out=tmp)            # std = sqrt(square_avg + eps)
            xp.sqrt(tmp, out=tmp)
            delta = xp.add(acc, eps)            # delta = sqrt(acc_delta + eps) / std * g
            xp.sqrt(delta, out=delta)
            delta /= tmp
            delta *= g
            xp.multiply(delta, delta, out=tmp)  # acc_delta: rho-average of delta*delta
            tmp *= 1 - rho
            acc *= rho
            acc += tmp
            delta *= lr
            d -= delta
            p._vbox[0] += 1


__all__ = ["Adadelta"]
