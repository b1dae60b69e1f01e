"""Adagrad (Duchi et al.) with PyTorch's learning-rate decay and initial accumulator.

As in ``torch.optim.Adagrad`` the ``sum`` accumulator and ``step`` counter are created in the
constructor (filled with ``initial_accumulator_value``), so ``state_dict()`` lists every parameter
before the first step; parameters added later get theirs lazily from the constructor's defaults.
"""
from __future__ import annotations

from typing import Any, Iterable

from graphc.errors import GraphcValueError
from graphc.optim.optimizer import (Optimizer, as_float, check_float, check_hyper, count_step,
                                    full_state, param_arrays, scalar_state)


class Adagrad(Optimizer):
    """Scale each coordinate's step by the root of its summed squared gradients."""

    def __init__(self, params: Iterable, lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        check_hyper(check_float("lr", lr) >= 0.0, f"Invalid learning rate: {lr}")
        check_hyper(check_float("lr_decay", lr_decay) >= 0.0,
                    f"Invalid lr_decay value: {lr_decay}")
        check_hyper(check_float("weight_decay", weight_decay) >= 0.0,
                    f"Invalid weight_decay value: {weight_decay}")
        check_hyper(check_float("initial_accumulator_value", initial_accumulator_value) >= 0.0,
                    f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        check_hyper(check_float("eps", eps) >= 0.0, f"Invalid epsilon value: {eps}")
        if differentiable:
            raise GraphcValueError("Adagrad: differentiable=True is not supported by graphc")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _init_state(self, p) -> dict:
        state = self.state[p]
        if not state:
            state["step"] = scalar_state()
            state["sum"] = full_state(p, as_float(self.defaults["initial_accumulator_value"]))
        return state

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, lr_decay, eps = (as_float(group[k]) for k in ("lr", "lr_decay", "eps"))
        weight_decay, maximize = as_float(group["weight_decay"]), group["maximize"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self._init_state(p)
            xp, d, g = param_arrays(p, maximize)
            step = count_step(state)
            if weight_decay != 0:
                g = g + weight_decay * d
            clr = lr / (1 + (step - 1) * lr_decay)
            acc = state["sum"]._data            # sum += g * g
            tmp = xp.multiply(g, g, out=self.scratch_like(d))
            acc += tmp
            xp.sqrt(acc, out=tmp)               # p -= clr * g / (sqrt(sum) + eps)
            tmp += eps
            xp.divide(g, tmp, out=tmp)
            tmp *= clr
            d -= tmp
            p._vbox[0] += 1


__all__ = ["Adagrad"]
