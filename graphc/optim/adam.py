"""Adam and AdamW, with PyTorch's bias correction, AMSGrad and (decoupled) weight decay.

One update routine serves both: AdamW is Adam with ``decoupled_weight_decay=True`` (it shrinks
the parameter by ``1 - lr * weight_decay`` instead of adding ``weight_decay * p`` to the
gradient), exactly as ``torch.optim.AdamW`` is defined. The arithmetic follows
``torch.optim.Adam``'s single-tensor path step for step, on the raw arrays with one temporary.
"""
from __future__ import annotations

import math
from typing import Any, Iterable

from graphc.errors import GraphcValueError
from graphc.optim.optimizer import (Optimizer, as_float, check_float, check_hyper, count_step,
                                    param_arrays, scalar_state, zeros_state)


def weight_decay_step(d, g, lr: float, weight_decay: float, decoupled: bool):
    """The Adam family's weight decay: an L2 term folded into the gradient (returned), or,
    decoupled (AdamW), the parameter ``d`` shrunk in place."""
    if weight_decay != 0:
        if decoupled:
            d *= 1 - lr * weight_decay
        else:
            g = g + weight_decay * d
    return g


def moments_step(xp, m, v, g, tmp, beta1: float, beta2: float):
    """``exp_avg.lerp_(g, 1 - beta1)`` and ``exp_avg_sq = beta2 * v + (1 - beta2) * g * g`` in
    place, through the scratch buffer ``tmp`` (returned for the caller's next use)."""
    xp.subtract(g, m, out=tmp)
    tmp *= 1 - beta1
    m += tmp
    v *= beta2
    xp.multiply(g, g, out=tmp)
    tmp *= 1 - beta2
    v += tmp
    return tmp


class Adam(Optimizer):
    """Adaptive moment estimation (Kingma & Ba), PyTorch's defaults and state layout."""

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:
        _validate(type(self).__name__, lr, betas, eps, weight_decay, differentiable)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr = as_float(group["lr"])
        beta1, beta2 = (as_float(b) for b in group["betas"])
        eps = as_float(group["eps"])
        weight_decay = as_float(group["weight_decay"])
        amsgrad, maximize = group["amsgrad"], group["maximize"]
        decoupled = group.get("decoupled_weight_decay", False)
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                state["step"] = scalar_state()
                state["exp_avg"] = zeros_state(p)
                state["exp_avg_sq"] = zeros_state(p)
                if amsgrad:
                    state["max_exp_avg_sq"] = zeros_state(p)
            xp, d, g = param_arrays(p, maximize)
            step = count_step(state)
            g = weight_decay_step(d, g, lr, weight_decay, decoupled)
            m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
            tmp = moments_step(xp, m, v, g, self.scratch_like(d), beta1, beta2)
            bias_correction1 = 1 - beta1 ** step
            bias_correction2_sqrt = math.sqrt(1 - beta2 ** step)
            step_size = lr / bias_correction1
            if amsgrad:
                vmax = state["max_exp_avg_sq"]._data
                xp.maximum(vmax, v, out=vmax)
                v = vmax
            xp.sqrt(v, out=tmp)                 # denom = sqrt(v) / sqrt(bc2) + eps
            tmp /= bias_correction2_sqrt
            tmp += eps
            xp.divide(m, tmp, out=tmp)          # p -= step_size * m / denom
            tmp *= step_size
            d -= tmp
            p._vbox[0] += 1


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter); ``weight_decay`` defaults to 1e-2."""

    def __init__(self, params: Iterable, lr: float = 1e-3, betas: tuple = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=True)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        for group in self.param_groups:  # AdamW always decouples, whatever was saved
            group["decoupled_weight_decay"] = True


def _validate(name: str, lr, betas, eps, weight_decay, differentiable: bool) -> None:
    check_hyper(check_float("lr", lr) >= 0.0, f"Invalid learning rate: {lr}")
    check_hyper(check_float("eps", eps) >= 0.0, f"Invalid epsilon value: {eps}")
    try:
        b0, b1 = betas
    except (TypeError, ValueError):
        raise GraphcValueError(f"{name}: betas must be a pair of floats, got {betas!r}") from None
    check_hyper(0.0 <= check_float("betas[0]", b0) < 1.0,
                f"Invalid beta parameter at index 0: {b0}")
    check_hyper(0.0 <= check_float("betas[1]", b1) < 1.0,
                f"Invalid beta parameter at index 1: {b1}")
    check_hyper(check_float("weight_decay", weight_decay) >= 0.0,
                f"Invalid weight_decay value: {weight_decay}")
    if differentiable:
        raise GraphcValueError(f"{name}: differentiable=True is not supported by graphc")


__all__ = ["Adam", "AdamW"]
