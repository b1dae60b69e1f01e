"""NAdam: Adam with Nesterov momentum (Dozat), with ``torch.optim.NAdam``'s momentum schedule.

The momentum coefficient warms up as ``beta1 * (1 - 0.5 * 0.96 ** (step * momentum_decay))``;
the running product of those coefficients is kept in the state (``mu_product``, a 0-d tensor of
the default float dtype, rounded there exactly as PyTorch's is) because the bias correction needs
it. ``decoupled_weight_decay=True`` gives NAdamW.
"""
from __future__ import annotations

from typing import Any, Iterable

from graphc.optim.adam import _validate, moments_step, weight_decay_step
from graphc.optim.optimizer import (Optimizer, as_float, check_float, check_hyper, count_step,
                                    param_arrays, scalar_state, zeros_state)


class NAdam(Optimizer):
    """Adam that looks one momentum step ahead when it moves the parameter."""

    def __init__(self, params: Iterable, lr: float = 2e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        _validate("NAdam", lr, betas, eps, weight_decay, differentiable)
        check_hyper(check_float("momentum_decay", momentum_decay) >= 0.0,
                    f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, eps = as_float(group["lr"]), as_float(group["eps"])
        beta1, beta2 = (as_float(b) for b in group["betas"])
        weight_decay, maximize = as_float(group["weight_decay"]), group["maximize"]
        momentum_decay = as_float(group["momentum_decay"])
        decoupled = group["decoupled_weight_decay"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                state["step"] = scalar_state()
                state["mu_product"] = scalar_state(1.0)
                state["exp_avg"] = zeros_state(p)
                state["exp_avg_sq"] = zeros_state(p)
            xp, d, g = param_arrays(p, maximize)
            step = count_step(state)
            bias_correction2 = 1 - beta2 ** step
            g = weight_decay_step(d, g, lr, weight_decay, decoupled)
            mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
            mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
            mu_product = state["mu_product"]._data
            mu_product *= mu                    # rounded to the state's dtype, like PyTorch
            mu_product = float(mu_product)
            mu_product_next = mu_product * mu_next
            m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
            tmp = moments_step(xp, m, v, g, self.scratch_like(d), beta1, beta2)
            denom = xp.divide(v, bias_correction2)  # sqrt(v / bc2) + eps
            xp.sqrt(denom, out=denom)
            denom += eps
            xp.divide(g, denom, out=tmp)        # the gradient's share of the step ...
            tmp *= -lr * (1.0 - mu) / (1.0 - mu_product)
            d += tmp
            xp.divide(m, denom, out=tmp)        # ... and the look-ahead momentum's
            tmp *= -lr * mu_next / (1.0 - mu_product_next)
            d += tmp
            p._vbox[0] += 1


__all__ = ["NAdam"]
