"""ASGD: averaged stochastic gradient descent (Polyak & Juditsky), as ``torch.optim.ASGD``.

The parameter follows SGD with a decaying step ``eta`` and an L2-like shrink ``lambd * eta``; the
running average of the iterates (``ax``) starts once ``step`` passes ``t0``. ``eta`` and ``mu`` are
0-d tensors of the default float dtype, so they round exactly where PyTorch's do.
"""
from __future__ import annotations

from typing import Any, Iterable

from graphc.errors import GraphcValueError
from graphc.optim.optimizer import (Optimizer, as_float, check_float, check_hyper, count_step,
                                    param_arrays, scalar_state, zeros_state)


class ASGD(Optimizer):
    """SGD with a decaying step size and Polyak averaging of the parameters in ``state['ax']``."""

    def __init__(self, params: Iterable, lr: float = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        check_hyper(check_float("lr", lr) >= 0.0, f"Invalid learning rate: {lr}")
        check_hyper(check_float("weight_decay", weight_decay) >= 0.0,
                    f"Invalid weight_decay value: {weight_decay}")
        if differentiable:
            raise GraphcValueError("ASGD: differentiable=True is not supported by graphc")
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, lambd, alpha, t0 = (as_float(group[k]) for k in ("lr", "lambd", "alpha", "t0"))
        weight_decay, maximize = as_float(group["weight_decay"]), group["maximize"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                state["step"] = scalar_state()
                state["eta"] = scalar_state(lr)
                state["mu"] = scalar_state(1.0)
                state["ax"] = zeros_state(p)
            xp, d, g = param_arrays(p, maximize)
            step = count_step(state)
            if weight_decay != 0:
                g = g + weight_decay * d
            eta, mu = state["eta"]._data, state["mu"]._data
            eta_value, mu_value = float(eta), float(mu)
            d *= 1 - lambd * eta_value          # decay, then the SGD step
            tmp = xp.multiply(g, eta_value, out=self.scratch_like(d))
            d -= tmp
            ax = state["ax"]._data
            if mu_value != 1:                   # ax += mu * (p - ax)
                xp.subtract(d, ax, out=tmp)
                tmp *= mu_value
                ax += tmp
            else:
                ax[...] = d
            # PyTorch goes through ``torch.as_tensor`` (the default dtype) even once loading has
            # made these float64, so round the same way.
            eta[...] = scalar_state(lr / ((1 + lambd * lr * step) ** alpha))._data
            mu[...] = scalar_state(1 / max(1, step - t0))._data
            p._vbox[0] += 1


__all__ = ["ASGD"]
