"""Adamax: Adam with the infinity norm (Kingma & Ba, section 7), as ``torch.optim.Adamax``.

The second moment is replaced by an exponentially weighted maximum of ``|g| + eps`` (``exp_inf``),
which needs no bias correction; only the first moment's correction scales the step.
"""
from __future__ import annotations

from typing import Any, Iterable

from graphc.optim.adam import _validate
from graphc.optim.optimizer import (Optimizer, as_float, count_step, param_arrays, scalar_state,
                                    zeros_state)


class Adamax(Optimizer):
    """Adam whose per-coordinate scale is a decaying max of gradient magnitudes."""

    def __init__(self, params: Iterable, lr: float = 2e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        _validate("Adamax", lr, betas, eps, weight_decay, differentiable)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, eps = as_float(group["lr"]), as_float(group["eps"])
        beta1, beta2 = (as_float(b) for b in group["betas"])
        weight_decay, maximize = as_float(group["weight_decay"]), group["maximize"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                state["step"] = scalar_state()
                state["exp_avg"] = zeros_state(p)
                state["exp_inf"] = zeros_state(p)
            xp, d, g = param_arrays(p, maximize)
            step = count_step(state)
            if weight_decay != 0:
                g = g + weight_decay * d
            m, u = state["exp_avg"]._data, state["exp_inf"]._data
            tmp = xp.subtract(g, m, out=self.scratch_like(d))   # exp_avg.lerp_(g, 1 - beta1)
            tmp *= 1 - beta1
            m += tmp
            u *= beta2                          # exp_inf = max(beta2 * exp_inf, |g| + eps)
            xp.abs(g, out=tmp)
            tmp += eps
            xp.maximum(u, tmp, out=u)
            clr = lr / (1 - beta1 ** step)      # p -= clr * exp_avg / exp_inf
            xp.divide(m, u, out=tmp)
            tmp *= clr
            d -= tmp
            p._vbox[0] += 1


__all__ = ["Adamax"]
