"""RAdam: rectified Adam (Liu et al.), as ``torch.optim.RAdam``.

While the variance of the adaptive learning rate is intractable (the approximated SMA length
``rho_t`` is at most 5) the step is plain bias-corrected momentum; afterwards it is Adam's step
scaled by the variance rectification term. ``decoupled_weight_decay=True`` gives RAdamW.
"""
from __future__ import annotations

import math
from typing import Any, Iterable

from graphc.optim.adam import _validate, moments_step, weight_decay_step
from graphc.optim.optimizer import (Optimizer, as_float, count_step, param_arrays, scalar_state,
                                    zeros_state)


class RAdam(Optimizer):
    """Adam with a warm-up derived from the variance of its adaptive learning rate."""

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        _validate("RAdam", lr, betas, eps, weight_decay, differentiable)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, eps = as_float(group["lr"]), as_float(group["eps"])
        beta1, beta2 = (as_float(b) for b in group["betas"])
        weight_decay, maximize = as_float(group["weight_decay"]), group["maximize"]
        decoupled = group["decoupled_weight_decay"]
        rho_inf = 2 / (1 - beta2) - 1
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                state["step"] = scalar_state()
                state["exp_avg"] = zeros_state(p)
                state["exp_avg_sq"] = zeros_state(p)
            xp, d, g = param_arrays(p, maximize)
            step = count_step(state)
            g = weight_decay_step(d, g, lr, weight_decay, decoupled)
            m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
            tmp = moments_step(xp, m, v, g, self.scratch_like(d), beta1, beta2)
            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            rho_t = rho_inf - 2 * step * beta2 ** step / bias_correction2
            if rho_t > 5.0:     # p -= m / bc1 * lr * sqrt(bc2) / (sqrt(v) + eps) * rect
                rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf /
                                 ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                xp.sqrt(v, out=tmp)
                tmp += eps
                xp.divide(math.sqrt(bias_correction2), tmp, out=tmp)
                tmp *= m
                tmp *= lr * rect / bias_correction1
            else:                               # p -= m / bc1 * lr
                xp.multiply(m, lr / bias_correction1, out=tmp)
            d -= tmp
            p._vbox[0] += 1


__all__ = ["RAdam"]
